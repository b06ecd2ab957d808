//! A bounded cache of verified tokens, so that a gateway checks each Bearer
//! token's signature once per key set instead of on every request.
//!
//! - Keyed by the whole token: a per-process keyed hash (SipHash with a random key)
//!   finds the entry, and the stored token is compared in constant time before a
//!   hit counts, so neither a hash collision nor timing reveals anything.
//! - An entry lives until the token's `exp` (plus the verifier's leeway) and only
//!   for the key set it was verified with: a new key set flushes the cache.
//! - A hit never skips the claim checks: `exp`, `iat`, `nbf`, `iss`, `aud` are
//!   checked again at the current time (they are cheap; the signature is not), and
//!   the caller's step-up policy runs on every request, since freshness decays.
//! - Bounded in entries and bytes; the oldest entries go first.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasher;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use crate::verified::VerifiedToken;

/// Size bounds of a verified-token cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenCacheSettings {
    max_entries: usize,
    max_bytes: usize,
}

impl Default for TokenCacheSettings {
    /// 10,000 tokens and 16 MiB: a busy API's distinct live tokens, in bounded memory.
    fn default() -> Self {
        Self {
            max_entries: 10_000,
            max_bytes: 16 << 20,
        }
    }
}

impl TokenCacheSettings {
    /// At most this many tokens (at least 1).
    pub fn with_max_entries(mut self, entries: usize) -> Self {
        self.max_entries = entries.max(1);
        self
    }

    /// At most about this many bytes of tokens and claims (at least 1 KiB).
    pub fn with_max_bytes(mut self, bytes: usize) -> Self {
        self.max_bytes = bytes.max(1024);
        self
    }

    /// The entry bound.
    pub fn max_entries(&self) -> usize {
        self.max_entries
    }

    /// The byte bound.
    pub fn max_bytes(&self) -> usize {
        self.max_bytes
    }
}

/// Hit and miss counts of a verified-token cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TokenCacheStats {
    /// Verifications answered from the cache (claims re-checked, signature not).
    pub hits: u64,
    /// Verifications that checked the signature (and then filled the cache).
    pub misses: u64,
    /// Tokens in the cache now.
    pub entries: usize,
}

#[derive(Debug)]
pub(crate) struct TokenCache {
    settings: TokenCacheSettings,
    hasher: RandomState,
    state: Mutex<State>,
    hits: AtomicU64,
    misses: AtomicU64,
}

#[derive(Debug, Default)]
struct State {
    /// The key set generation the entries were verified with.
    generation: u64,
    map: HashMap<u64, Entry>,
    /// Insertion order, for eviction: (hash, serial of the entry then).
    order: VecDeque<(u64, u64)>,
    bytes: usize,
    serial: u64,
}

#[derive(Debug)]
struct Entry {
    token: Box<[u8]>,
    verified: VerifiedToken,
    /// `exp` plus the leeway, as a NumericDate value.
    valid_until: f64,
    size: usize,
    serial: u64,
}

/// Bookkeeping bytes counted per entry besides the token and payload.
const OVERHEAD: usize = 256;

impl TokenCache {
    pub(crate) fn new(settings: TokenCacheSettings) -> Self {
        Self {
            settings,
            hasher: RandomState::new(),
            state: Mutex::new(State::default()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The verified token for `token`, if it was verified with key set
    /// `generation` and has not expired at `now_secs` (the caller still re-checks
    /// the claims).
    pub(crate) fn get(&self, token: &str, generation: u64, now_secs: i64) -> Option<VerifiedToken> {
        let key = self.hasher.hash_one(token.as_bytes());
        let mut state = lock(&self.state);
        if state.generation != generation {
            state.clear(generation);
        }
        let found = match state.map.get(&key) {
            Some(entry) if now_secs as f64 >= entry.valid_until => {
                let size = entry.size;
                state.map.remove(&key);
                state.bytes -= size;
                None
            }
            Some(entry)
                if aws_lc_rs::constant_time::verify_slices_are_equal(
                    &entry.token,
                    token.as_bytes(),
                )
                .is_ok() =>
            {
                Some(entry.verified.clone())
            }
            _ => None,
        };
        drop(state);
        match &found {
            Some(_) => self.hits.fetch_add(1, Relaxed),
            None => self.misses.fetch_add(1, Relaxed),
        };
        found
    }

    /// Keeps `verified` for `token` (verified with key set `generation`) until
    /// its `exp` plus `leeway`.
    pub(crate) fn insert(
        &self,
        token: &str,
        verified: &VerifiedToken,
        generation: u64,
        leeway: u64,
    ) {
        let Some(exp) = verified.claims_view().exp() else {
            return;
        };
        let size = token.len() + verified.payload_json().len() + OVERHEAD;
        // One token may not take more than a sixteenth of the cache.
        if size > self.settings.max_bytes / 16 {
            return;
        }
        let key = self.hasher.hash_one(token.as_bytes());
        let mut state = lock(&self.state);
        if state.generation != generation {
            state.clear(generation);
        }
        if let Some(old) = state.map.remove(&key) {
            state.bytes -= old.size;
        }
        while state.map.len() >= self.settings.max_entries
            || state.bytes + size > self.settings.max_bytes
        {
            let Some((oldest, serial)) = state.order.pop_front() else {
                break;
            };
            if state.map.get(&oldest).is_some_and(|e| e.serial == serial)
                && let Some(evicted) = state.map.remove(&oldest)
            {
                state.bytes -= evicted.size;
            }
        }
        state.serial += 1;
        let serial = state.serial;
        state.order.push_back((key, serial));
        state.bytes += size;
        state.map.insert(
            key,
            Entry {
                token: token.as_bytes().into(),
                verified: verified.clone(),
                valid_until: exp.as_f64() + leeway as f64,
                size,
                serial,
            },
        );
        // The order queue holds at most a few stale slots per live entry.
        if state.order.len() > 2 * self.settings.max_entries + 16 {
            let live: VecDeque<(u64, u64)> = state
                .order
                .iter()
                .copied()
                .filter(|(k, s)| state.map.get(k).is_some_and(|e| e.serial == *s))
                .collect();
            state.order = live;
        }
    }

    pub(crate) fn stats(&self) -> TokenCacheStats {
        TokenCacheStats {
            hits: self.hits.load(Relaxed),
            misses: self.misses.load(Relaxed),
            entries: lock(&self.state).map.len(),
        }
    }
}

impl State {
    fn clear(&mut self, generation: u64) {
        self.map.clear();
        self.order.clear();
        self.bytes = 0;
        self.generation = generation;
    }
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    // A panic while holding the lock leaves at worst a partial entry list, which is
    // still a valid cache (every hit re-checks its token): keep going.
    state.lock().unwrap_or_else(|e| e.into_inner())
}
