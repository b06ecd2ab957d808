//! Prometheus metrics (`/metrics`, OpenMetrics text): decisions by dialect,
//! outcome and rule; decision latency; the provider's key fetches and cache.

use std::sync::Mutex;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use stepup::{RemoteStats, TokenCacheStats};

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct DecisionLabels {
    dialect: &'static str,
    outcome: &'static str,
    rule: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct DialectLabels {
    dialect: &'static str,
}

/// The gateway's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Mutex<Registry>,
    decisions: Family<DecisionLabels, Counter>,
    latency: Family<DialectLabels, Histogram>,
    ready: Gauge,
    jwks_fetches: Gauge,
    jwks_failures: Gauge,
    jwks_stale_serves: Gauge,
    jwks_unknown_kid_refetches: Gauge,
    keys_in_use: Gauge,
    token_cache_hits: Gauge,
    token_cache_misses: Gauge,
}

fn latency_histogram() -> Histogram {
    // 10 µs to ~20 ms.
    Histogram::new(exponential_buckets(0.000_01, 2.0, 12))
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("stepup");
        let decisions = Family::<DecisionLabels, Counter>::default();
        let latency = Family::<DialectLabels, Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        let gauge = |registry: &mut Registry, name: &str, help: &str| {
            let gauge = Gauge::default();
            registry.register(name, help, gauge.clone());
            gauge
        };
        registry.register(
            "decisions",
            "Auth decisions by proxy dialect, outcome and rule index",
            decisions.clone(),
        );
        registry.register(
            "decision_latency_seconds",
            "Time to decide one auth request",
            latency.clone(),
        );
        let ready = gauge(
            &mut registry,
            "ready",
            "1 when the provider's keys are loaded",
        );
        let jwks_fetches = gauge(&mut registry, "jwks_fetches", "JWK Set fetches so far");
        let jwks_failures = gauge(
            &mut registry,
            "jwks_fetch_failures",
            "Failed JWK Set fetches so far",
        );
        let jwks_stale_serves = gauge(
            &mut registry,
            "jwks_stale_serves",
            "Verifications served from a stale key set after a failed refresh",
        );
        let jwks_unknown_kid_refetches = gauge(
            &mut registry,
            "jwks_unknown_kid_refetches",
            "Refetches caused by an unknown kid",
        );
        let keys_in_use = gauge(&mut registry, "jwks_keys_in_use", "Keys in the current set");
        let token_cache_hits = gauge(
            &mut registry,
            "token_cache_hits",
            "Bearer verifications answered from the verified-token cache",
        );
        let token_cache_misses = gauge(
            &mut registry,
            "token_cache_misses",
            "Bearer verifications that checked the signature",
        );
        Self {
            registry: Mutex::new(registry),
            decisions,
            latency,
            ready,
            jwks_fetches,
            jwks_failures,
            jwks_stale_serves,
            jwks_unknown_kid_refetches,
            keys_in_use,
            token_cache_hits,
            token_cache_misses,
        }
    }

    /// Counts one decision and its latency.
    pub fn record(
        &self,
        dialect: &'static str,
        outcome: &'static str,
        rule: Option<&str>,
        took: Duration,
    ) {
        self.decisions
            .get_or_create(&DecisionLabels {
                dialect,
                outcome,
                rule: rule.unwrap_or("none").to_owned(),
            })
            .inc();
        self.latency
            .get_or_create(&DialectLabels { dialect })
            .observe(took.as_secs_f64());
    }

    /// The OpenMetrics text, with the key-cache figures as of now.
    pub fn render(
        &self,
        stats: Option<&RemoteStats>,
        tokens: Option<TokenCacheStats>,
        ready: bool,
    ) -> String {
        let clamp = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        self.ready.set(i64::from(ready));
        if let Some(stats) = stats {
            self.jwks_fetches.set(clamp(stats.fetches));
            self.jwks_failures.set(clamp(stats.fetch_failures));
            self.jwks_stale_serves.set(clamp(stats.stale_serves));
            self.jwks_unknown_kid_refetches
                .set(clamp(stats.unknown_kid_refetches));
            self.keys_in_use
                .set(i64::try_from(stats.keys_in_use).unwrap_or(i64::MAX));
        }
        if let Some(tokens) = tokens {
            self.token_cache_hits.set(clamp(tokens.hits));
            self.token_cache_misses.set(clamp(tokens.misses));
        }
        let mut text = String::new();
        // A poisoned lock only means a panic elsewhere mid-encode; the registry is intact.
        let registry = self.registry.lock().unwrap_or_else(|e| e.into_inner());
        if prometheus_client::encoding::text::encode(&mut text, &registry).is_err() {
            text = "# EOF\n".into();
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_and_latency_are_exported() {
        let metrics = Metrics::new();
        metrics.record("nginx", "allowed", Some("0"), Duration::from_micros(50));
        metrics.record("nginx", "allowed", Some("0"), Duration::from_micros(70));
        let text = metrics.render(None, None, true);
        assert!(
            text.contains(
                "stepup_decisions_total{dialect=\"nginx\",outcome=\"allowed\",rule=\"0\"} 2"
            ),
            "{text}"
        );
        assert!(
            text.contains("stepup_decision_latency_seconds_count{dialect=\"nginx\"} 2"),
            "{text}"
        );
        assert!(text.contains("stepup_ready 1"), "{text}");
        assert!(text.ends_with("# EOF\n"));
    }
}
