//! The key set cache: a snapshot that verifications read without waiting, and one
//! worker task that does every fetch, so at most one is ever in flight.
//!
//! Callers never hold a lock across a fetch: the two mutexes below guard a few
//! fields for a few instructions, and waiting for a fetch is waiting on a
//! `watch` channel the worker publishes to.

use std::collections::HashSet;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, Weak};
use std::time::Duration;

use arc_swap::{ArcSwap, ArcSwapOption, Guard};
use reqwest::Url;
use tokio::sync::{Notify, watch};
use tokio::task::AbortHandle;
use tokio::time::{Instant, sleep_until, timeout};

use super::fetch::{Fetcher, redact};
use crate::alg::Alg;
use crate::error::Error;
use crate::key::KeySet;

/// How remote keys are cached, refreshed and, when the provider is down, kept.
///
/// ```
/// use std::time::Duration;
/// use stepup::CacheSettings;
///
/// let settings = CacheSettings::default()
///     .with_max_age_bounds(Duration::from_secs(60), Duration::from_secs(3600))
///     .with_unknown_kid_cooldown(Duration::from_secs(10));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheSettings {
    min_max_age: Duration,
    max_max_age: Duration,
    default_max_age: Duration,
    unknown_kid_cooldown: Duration,
    max_stale: Duration,
    max_wait: Duration,
}

impl Default for CacheSettings {
    fn default() -> Self {
        Self {
            // A floor keeps `max-age=0` or `no-store` from turning every request into a fetch.
            min_max_age: Duration::from_secs(5 * 60),
            // A ceiling bounds how long a key the provider withdrew is still trusted.
            max_max_age: Duration::from_secs(24 * 3600),
            // Without Cache-Control: short enough that a withdrawn key goes soon.
            default_max_age: Duration::from_secs(15 * 60),
            // One fetch per 30 s at most, however many unknown kids arrive.
            unknown_kid_cooldown: Duration::from_secs(30),
            // Rides out a provider outage of a few hours, then fails closed.
            max_stale: Duration::from_secs(6 * 3600),
            // A request waits this long for new keys before it gets a 503.
            max_wait: Duration::from_secs(5),
        }
    }
}

/// The longest any of the durations may be (they are added to instants).
const MAX_DURATION: Duration = Duration::from_secs(365 * 24 * 3600);

impl CacheSettings {
    /// The floor and ceiling applied to the `Cache-Control: max-age` of the JWKS
    /// response. Defaults 5 min and 24 h. The floor must be positive and not above
    /// the ceiling.
    pub fn with_max_age_bounds(mut self, floor: Duration, ceiling: Duration) -> Self {
        self.min_max_age = floor;
        self.max_max_age = ceiling;
        self
    }

    /// The lifetime of a key set whose response has no `Cache-Control: max-age`
    /// (still clamped by the bounds). Default 15 min.
    pub fn with_default_max_age(mut self, max_age: Duration) -> Self {
        self.default_max_age = max_age;
        self
    }

    /// The least time between the start of one fetch and a fetch caused by a token
    /// whose `kid` is unknown. Default 30 s. Must be positive.
    pub fn with_unknown_kid_cooldown(mut self, cooldown: Duration) -> Self {
        self.unknown_kid_cooldown = cooldown;
        self
    }

    /// How long past its lifetime the last good key set is still used while the
    /// provider cannot be reached (stale-if-error). After that, verifications fail
    /// closed with `keys_unavailable`. Default 6 h; zero disables stale use.
    pub fn with_max_stale(mut self, max_stale: Duration) -> Self {
        self.max_stale = max_stale;
        self
    }

    /// How long a verification waits for a fetch it needs (a token with an unknown
    /// `kid`) before it fails with `keys_unavailable`. Default 5 s. Must be positive.
    pub fn with_max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }

    pub(crate) fn max_wait(&self) -> Duration {
        self.max_wait
    }

    pub(crate) fn check(&self) -> Result<(), Error> {
        if self.min_max_age.is_zero() || self.min_max_age > self.max_max_age {
            return Err(Error::config(format!(
                "the max-age floor ({:?}) must be positive and not above the ceiling ({:?})",
                self.min_max_age, self.max_max_age
            )));
        }
        if self.unknown_kid_cooldown.is_zero() || self.max_wait.is_zero() {
            return Err(Error::config(
                "the unknown-kid cooldown and the wait for keys must be positive",
            ));
        }
        let durations = [
            self.max_max_age,
            self.default_max_age,
            self.unknown_kid_cooldown,
            self.max_stale,
            self.max_wait,
        ];
        if durations.iter().any(|d| *d > MAX_DURATION) {
            return Err(Error::config("cache durations must be at most one year"));
        }
        Ok(())
    }

    /// A snapshot of `keys` from a fetch that started at `started` and ends now,
    /// with the clamped lifetime.
    fn snapshot(
        &self,
        keys: KeySet,
        max_age: Option<Duration>,
        generation: u64,
        started: Instant,
    ) -> Snapshot {
        let max_age = max_age
            .unwrap_or(self.default_max_age)
            .clamp(self.min_max_age, self.max_max_age);
        let now = Instant::now();
        Snapshot {
            keys: Arc::new(keys),
            generation,
            started,
            fetched_at: now,
            max_age,
            fresh_until: now + max_age,
            usable_until: now + max_age + self.max_stale,
        }
    }

    /// The wait before retrying after `failures` failed fetches in a row: the
    /// cooldown, doubled each time, at most the floor (or the cooldown if larger).
    fn backoff(&self, failures: u32) -> Duration {
        let cap = self.min_max_age.max(self.unknown_kid_cooldown);
        self.unknown_kid_cooldown
            .saturating_mul(1 << failures.saturating_sub(1).min(16))
            .min(cap)
    }
}

/// Counters and state of a remote key source, for metrics and health checks.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RemoteStats {
    /// JWKS fetches started, the first one included.
    pub fetches: u64,
    /// Fetches that failed (unreachable, HTTP error, timeout, unusable body).
    pub fetch_failures: u64,
    /// Fetches caused by a token whose `kid` was unknown.
    pub unknown_kid_refetches: u64,
    /// Verifications that used a key set past its lifetime (stale-if-error).
    pub stale_serves: u64,
    /// Verifications refused with `keys_unavailable`.
    pub unavailable: u64,
    /// Keys in the current set.
    pub keys_in_use: usize,
    /// Keys of the current JWKS that were skipped (weak, unsupported, `oct`, …).
    pub keys_skipped: usize,
    /// The lifetime granted to the current set (`max-age`, clamped).
    pub max_age: Duration,
    /// Time since the current set was fetched.
    pub age: Duration,
    /// The error of the last fetch, if it failed.
    pub last_error: Option<Error>,
}

/// One fetched key set and the instants that decide its use.
#[derive(Debug)]
pub(crate) struct Snapshot {
    pub(crate) keys: Arc<KeySet>,
    /// Counts successful fetches; the negative cache is valid for one generation.
    pub(crate) generation: u64,
    /// When the fetch that produced this set started.
    started: Instant,
    /// When it ended.
    fetched_at: Instant,
    max_age: Duration,
    /// Used as is until then.
    fresh_until: Instant,
    /// Used, counted as stale, until then; refused after.
    usable_until: Instant,
}

impl Snapshot {
    /// What a verification that used this set needs to know of it afterwards.
    pub(crate) fn seen(&self) -> Seen {
        Seen {
            generation: self.generation,
            started: self.started,
        }
    }

    /// Refresh when three quarters of the lifetime have passed, so that the set
    /// is replaced before it expires.
    fn refresh_at(&self) -> Instant {
        self.fetched_at + self.max_age * 3 / 4
    }
}

/// The key set a verification used: its generation and when its fetch started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Seen {
    pub(crate) generation: u64,
    started: Instant,
}

/// Why a fetch is wanted, which decides whether the cooldown applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reason {
    /// A token's `kid` is not in the current set: at most once per cooldown.
    UnknownKid,
    /// The application asked for it.
    Manual,
}

/// What came of asking for a fetch.
#[derive(Debug)]
pub(crate) enum Refetch {
    /// A fetch completed and a new snapshot is in place.
    Done,
    /// Too soon after the last fetch; `failing` when that fetch failed.
    Cooldown { failing: bool },
    /// The fetch failed with this error.
    Failed(Option<Arc<Error>>),
    /// No fetch completed within the wait.
    TimedOut(Duration),
}

/// Published by the worker after each fetch.
#[derive(Debug, Clone, Copy)]
struct Completed {
    /// Fetches completed so far by the worker.
    attempts: u64,
    /// Whether the last one succeeded.
    ok: bool,
}

#[derive(Debug)]
struct FetchState {
    /// The worker is fetching.
    in_flight: bool,
    /// A caller asked for a fetch the worker has not started yet.
    requested: bool,
    /// Start of the last fetch, for the cooldown.
    last_start: Instant,
    /// Fetches completed by the worker (mirrors the `watch` value).
    completed: u64,
    /// Failed fetches in a row.
    failures: u32,
    /// When the worker fetches next without being asked.
    next_due: Instant,
}

/// Kids (with the token's alg) still unknown after a fetch, until the next fetch.
#[derive(Debug, Default)]
struct Missing {
    generation: u64,
    ids: HashSet<(Option<String>, Alg)>,
}

impl Missing {
    /// Whether `kid` (with `alg`) was remembered as not in key set `generation`.
    fn contains(&self, generation: u64, kid: Option<&str>, alg: Alg) -> bool {
        self.generation == generation && self.ids.contains(&(kid.map(str::to_owned), alg))
    }

    /// Remembers that `kid` is not in the key set `seen`, if the fetch of that set
    /// started at or after `asked`, when the verification found the kid unknown.
    /// A set fetched earlier says nothing about a key published since.
    fn remember(&mut self, seen: Seen, asked: Instant, kid: Option<&str>, alg: Alg) {
        if seen.started < asked || kid.is_some_and(|kid| kid.len() > MAX_MISSING_KID_LEN) {
            return;
        }
        if seen.generation > self.generation {
            self.generation = seen.generation;
            self.ids.clear();
        }
        if seen.generation == self.generation && self.ids.len() < MAX_MISSING {
            self.ids.insert((kid.map(str::to_owned), alg));
        }
    }
}

/// Bounds on the negative cache; kids are attacker-chosen.
const MAX_MISSING: usize = 1024;
const MAX_MISSING_KID_LEN: usize = 256;

#[derive(Debug, Default)]
struct Counters {
    fetches: AtomicU64,
    fetch_failures: AtomicU64,
    unknown_kid_refetches: AtomicU64,
    stale_serves: AtomicU64,
    unavailable: AtomicU64,
}

/// A JWKS URL with its cached key set and the worker that refreshes it.
pub(crate) struct Cache {
    url: Url,
    fetcher: Fetcher,
    settings: CacheSettings,
    snapshot: ArcSwap<Snapshot>,
    last_error: ArcSwapOption<Error>,
    state: Mutex<FetchState>,
    done: watch::Sender<Completed>,
    wake: Arc<Notify>,
    missing: Mutex<Missing>,
    counters: Counters,
    worker: OnceLock<AbortHandle>,
}

impl fmt::Debug for Cache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cache")
            .field("url", &redact(self.url.as_str()))
            .field("settings", &self.settings)
            .field("generation", &self.snapshot.load().generation)
            .finish_non_exhaustive()
    }
}

impl Drop for Cache {
    fn drop(&mut self) {
        if let Some(worker) = self.worker.get() {
            worker.abort();
        }
    }
}

/// Locks a mutex whose data stays consistent even if a holder panicked
/// (plain fields, each written in one step).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Cache {
    /// Fetches the first key set (failing if it cannot) and starts the worker on
    /// the current tokio runtime.
    pub(crate) async fn start(
        url: Url,
        fetcher: Fetcher,
        settings: CacheSettings,
    ) -> Result<Arc<Self>, Error> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            Error::config("remote keys need a tokio runtime; build the verifier inside one")
        })?;
        let counters = Counters::default();
        counters.fetches.fetch_add(1, Relaxed);
        let started = Instant::now();
        let (keys, max_age) = fetcher.key_set(&url).await.inspect_err(|error| {
            tracing::warn!(
                target: "stepup::remote",
                url = %redact(url.as_str()),
                code = error.code(),
                %error,
                "JWKS fetch failed",
            );
        })?;
        let snapshot = settings.snapshot(keys, max_age, 1, started);
        log_fetched(&url, &snapshot, started);
        let (done, _) = watch::channel(Completed {
            attempts: 0,
            ok: true,
        });
        let cache = Arc::new(Self {
            state: Mutex::new(FetchState {
                in_flight: false,
                requested: false,
                last_start: started,
                completed: 0,
                failures: 0,
                next_due: snapshot.refresh_at(),
            }),
            snapshot: ArcSwap::from_pointee(snapshot),
            last_error: ArcSwapOption::empty(),
            done,
            wake: Arc::new(Notify::new()),
            missing: Mutex::new(Missing::default()),
            counters,
            worker: OnceLock::new(),
            url,
            fetcher,
            settings,
        });
        let worker = runtime.spawn(work(Arc::downgrade(&cache), Arc::clone(&cache.wake)));
        // Set once, right here; `set` cannot fail.
        let _ = cache.worker.set(worker.abort_handle());
        Ok(cache)
    }

    /// The JWKS URL.
    pub(crate) fn url(&self) -> &Url {
        &self.url
    }

    pub(crate) fn settings(&self) -> &CacheSettings {
        &self.settings
    }

    /// The key set to verify with, without waiting: fresh, or stale within the
    /// limit (counted); past the limit, `keys_unavailable`.
    ///
    /// The hot path: one lock-free load and one clock read.
    pub(crate) fn current(&self) -> Result<Guard<Arc<Snapshot>>, Error> {
        let snapshot = self.snapshot.load();
        let now = Instant::now();
        if now >= snapshot.fresh_until {
            if now >= snapshot.usable_until {
                return Err(self.expired(&snapshot, now));
            }
            self.counters.stale_serves.fetch_add(1, Relaxed);
        }
        Ok(snapshot)
    }

    /// Whether the current key set may still be used (fresh, or stale within the
    /// limit), without counting anything.
    pub(crate) fn usable(&self) -> bool {
        Instant::now() < self.snapshot.load().usable_until
    }

    /// The current key set, whatever its age.
    pub(crate) fn keys(&self) -> Arc<KeySet> {
        Arc::clone(&self.snapshot.load().keys)
    }

    /// The generation of the current key set.
    pub(crate) fn generation(&self) -> u64 {
        self.snapshot.load().generation
    }

    /// Asks the worker for a fetch, or joins one already asked for or in flight,
    /// and waits for it at most `wait`. For [`Reason::UnknownKid`], at most one
    /// fetch starts per cooldown.
    ///
    /// A fetch in flight started before this call, so its key set may lack a key
    /// published since: an unknown kid joins it only within the cooldown, and
    /// otherwise asks for one more fetch after it.
    pub(crate) async fn refetch(&self, reason: Reason, wait: Duration) -> Refetch {
        // Subscribe before looking at the state, so no completion can be missed.
        let mut done = self.done.subscribe();
        let (target, ask) = {
            let mut state = lock(&self.state);
            let cooling = reason == Reason::UnknownKid
                && state.last_start.elapsed() < self.settings.unknown_kid_cooldown;
            // Fetches that complete before one that is asked for now would start.
            let ahead = u64::from(state.in_flight);
            if state.requested {
                // Asked for and not started yet: it starts after this call.
                (state.completed + ahead + 1, false)
            } else if state.in_flight && (reason == Reason::Manual || cooling) {
                (state.completed + 1, false)
            } else if cooling {
                return Refetch::Cooldown {
                    failing: state.failures > 0,
                };
            } else {
                state.requested = true;
                (state.completed + ahead + 1, true)
            }
        };
        if ask {
            if reason == Reason::UnknownKid {
                self.counters.unknown_kid_refetches.fetch_add(1, Relaxed);
            }
            tracing::debug!(target: "stepup::remote", url = %redact(self.url.as_str()), ?reason, "JWKS refetch requested");
            self.wake.notify_one();
        }
        let ok = match timeout(wait, done.wait_for(|c| c.attempts >= target)).await {
            Ok(Ok(completed)) => completed.ok,
            // The sender lives as long as `self`; treat a closed channel as a failure.
            Ok(Err(_)) => false,
            Err(_) => return Refetch::TimedOut(wait),
        };
        if ok {
            Refetch::Done
        } else {
            Refetch::Failed(self.last_error.load_full())
        }
    }

    /// Whether `kid` (with `alg`) is remembered as not in key set `generation`
    /// and the unknown-kid cooldown since the last fetch has not passed yet.
    /// Once it has, the kid may cause a refetch again, like any unknown kid.
    pub(crate) fn known_missing(&self, generation: u64, kid: Option<&str>, alg: Alg) -> bool {
        if !lock(&self.missing).contains(generation, kid, alg) {
            return false;
        }
        lock(&self.state).last_start.elapsed() < self.settings.unknown_kid_cooldown
    }

    /// Whether the last fetch failed (the provider cannot be reached right now).
    pub(crate) fn failing(&self) -> bool {
        lock(&self.state).failures > 0
    }

    /// Remembers that `kid` is not in the key set `seen`, until the next fetch,
    /// if that set was fetched after `asked` (see [`Missing::remember`]).
    pub(crate) fn remember_missing(&self, seen: Seen, asked: Instant, kid: Option<&str>, alg: Alg) {
        lock(&self.missing).remember(seen, asked, kid, alg);
    }

    /// The error for a verification that needed keys it could not get (counted).
    pub(crate) fn unavailable(&self, reason: String) -> Error {
        self.counters.unavailable.fetch_add(1, Relaxed);
        self.unavailable_error(reason)
    }

    /// `keys_unavailable` with `reason` and the last fetch error, if any.
    pub(crate) fn unavailable_error(&self, reason: String) -> Error {
        let reason = match self.last_error.load().as_deref() {
            Some(last) => format!("{reason}; last fetch error: {last}"),
            None => reason,
        };
        Error::KeysUnavailable {
            url: redact(self.url.as_str()),
            reason,
        }
    }

    pub(crate) fn stats(&self) -> RemoteStats {
        let snapshot = self.snapshot.load();
        RemoteStats {
            fetches: self.counters.fetches.load(Relaxed),
            fetch_failures: self.counters.fetch_failures.load(Relaxed),
            unknown_kid_refetches: self.counters.unknown_kid_refetches.load(Relaxed),
            stale_serves: self.counters.stale_serves.load(Relaxed),
            unavailable: self.counters.unavailable.load(Relaxed),
            keys_in_use: snapshot.keys.keys().len(),
            keys_skipped: snapshot.keys.skipped().len(),
            max_age: snapshot.max_age,
            age: snapshot.fetched_at.elapsed(),
            last_error: self.last_error.load_full().map(|e| (*e).clone()),
        }
    }

    /// The total timeout of one fetch.
    pub(crate) fn fetch_timeout(&self) -> Duration {
        self.fetcher.timeout()
    }

    fn expired(&self, snapshot: &Snapshot, now: Instant) -> Error {
        self.unavailable(format!(
            "the last good key set was fetched {:.0?} ago, past its lifetime of {:.0?} \
             and the staleness limit of {:.0?}",
            now - snapshot.fetched_at,
            snapshot.max_age,
            self.settings.max_stale
        ))
    }

    fn next_due(&self) -> Instant {
        lock(&self.state).next_due
    }

    /// Starts a fetch if one was asked for or is due, and says when.
    fn begin(&self) -> Option<Instant> {
        let mut state = lock(&self.state);
        let now = Instant::now();
        if state.in_flight || !(state.requested || now >= state.next_due) {
            return None;
        }
        state.requested = false;
        state.in_flight = true;
        state.last_start = now;
        Some(now)
    }

    /// One fetch by the worker, begun at `started`: swap in the new set, or keep
    /// the old one and schedule a retry.
    async fn fetch(&self, started: Instant) {
        self.counters.fetches.fetch_add(1, Relaxed);
        let result = self.fetcher.key_set(&self.url).await;
        let (ok, next_due) = match result {
            Ok((keys, max_age)) => {
                let old = self.snapshot.load_full();
                let snapshot = self
                    .settings
                    .snapshot(keys, max_age, old.generation + 1, started);
                log_fetched(&self.url, &snapshot, started);
                log_changes(&self.url, &old.keys, &snapshot.keys);
                let next_due = snapshot.refresh_at();
                self.snapshot.store(Arc::new(snapshot));
                self.last_error.store(None);
                (true, next_due)
            }
            Err(error) => {
                self.counters.fetch_failures.fetch_add(1, Relaxed);
                let failures = lock(&self.state).failures + 1;
                let retry = self.settings.backoff(failures);
                tracing::warn!(
                    target: "stepup::remote",
                    url = %redact(self.url.as_str()),
                    code = error.code(),
                    %error,
                    failures,
                    retry_in = ?retry,
                    "JWKS fetch failed; keeping the last good key set",
                );
                self.last_error.store(Some(Arc::new(error)));
                (false, Instant::now() + retry)
            }
        };
        let mut state = lock(&self.state);
        state.in_flight = false;
        state.completed += 1;
        state.failures = if ok { 0 } else { state.failures + 1 };
        state.next_due = next_due;
        // Published under the state lock, so a caller that sees `in_flight` false
        // also sees this completion counted.
        self.done.send_replace(Completed {
            attempts: state.completed,
            ok,
        });
    }
}

/// The worker: sleeps until a refresh is due or a caller asks, then fetches.
/// Holds only a weak reference while idle, and stops when the cache is dropped.
async fn work(cache: Weak<Cache>, wake: Arc<Notify>) {
    loop {
        let Some(due) = cache.upgrade().map(|cache| cache.next_due()) else {
            return;
        };
        tokio::select! {
            () = sleep_until(due) => {}
            () = wake.notified() => {}
        }
        let Some(cache) = cache.upgrade() else {
            return;
        };
        if let Some(started) = cache.begin() {
            cache.fetch(started).await;
        }
    }
}

fn log_fetched(url: &Url, snapshot: &Snapshot, started: Instant) {
    tracing::debug!(
        target: "stepup::remote",
        url = %redact(url.as_str()),
        keys = snapshot.keys.keys().len(),
        skipped = snapshot.keys.skipped().len(),
        max_age = ?snapshot.max_age,
        took = ?started.elapsed(),
        "JWKS fetched",
    );
}

fn log_changes(url: &Url, old: &KeySet, new: &KeySet) {
    let kids = |set: &KeySet| -> Vec<String> {
        set.keys()
            .iter()
            .map(|key| key.kid().unwrap_or("(none)").to_owned())
            .collect()
    };
    let (old, new) = (kids(old), kids(new));
    let added: Vec<&String> = new.iter().filter(|kid| !old.contains(kid)).collect();
    let removed: Vec<&String> = old.iter().filter(|kid| !new.contains(kid)).collect();
    if !added.is_empty() || !removed.is_empty() {
        tracing::info!(
            target: "stepup::remote",
            url = %redact(url.as_str()),
            ?added,
            ?removed,
            "JWKS keys changed",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked() {
        assert!(CacheSettings::default().check().is_ok());
        let bad = [
            CacheSettings::default().with_max_age_bounds(Duration::ZERO, Duration::from_secs(1)),
            CacheSettings::default()
                .with_max_age_bounds(Duration::from_secs(10), Duration::from_secs(5)),
            CacheSettings::default().with_unknown_kid_cooldown(Duration::ZERO),
            CacheSettings::default().with_max_wait(Duration::ZERO),
            CacheSettings::default().with_max_stale(Duration::MAX),
        ];
        for settings in bad {
            assert_eq!(
                settings.check().map_err(|e| e.code()),
                Err("invalid_config"),
                "{settings:?}"
            );
        }
    }

    #[test]
    fn only_a_fetch_after_the_request_remembers_a_missing_kid() {
        let t0 = Instant::now();
        let asked = t0 + Duration::from_secs(1);
        let mut missing = Missing::default();
        // A set whose fetch started before the kid was asked for: not remembered.
        let early = Seen {
            generation: 2,
            started: t0,
        };
        missing.remember(early, asked, Some("k"), Alg::ES256);
        assert!(!missing.contains(2, Some("k"), Alg::ES256));
        // One that started at or after it: remembered, for that generation only.
        for started in [asked, asked + Duration::from_millis(5)] {
            let late = Seen {
                generation: 2,
                started,
            };
            missing.remember(late, asked, Some("k"), Alg::ES256);
            assert!(missing.contains(2, Some("k"), Alg::ES256));
            assert!(!missing.contains(2, Some("k"), Alg::RS256));
            assert!(!missing.contains(3, Some("k"), Alg::ES256));
        }
        // A newer generation forgets the older one's kids.
        let next = Seen {
            generation: 3,
            started: asked,
        };
        missing.remember(next, asked, Some("other"), Alg::ES256);
        assert!(!missing.contains(2, Some("k"), Alg::ES256));
        assert!(missing.contains(3, Some("other"), Alg::ES256));
    }

    #[test]
    fn backoff_doubles_up_to_the_floor() {
        let settings = CacheSettings::default();
        let secs: Vec<u64> = (1..=6).map(|n| settings.backoff(n).as_secs()).collect();
        assert_eq!(secs, [30, 60, 120, 240, 300, 300]);
        assert_eq!(settings.backoff(u32::MAX).as_secs(), 300);
    }
}
