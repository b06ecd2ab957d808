//! Failed-login limits: one mechanism with two scopes, per username and client address,
//! and per username whatever the address (so guesses spread over many addresses stop
//! too). Password and TOTP failures count together.
//!
//! An attempt is counted *before* its password or code is checked ([`FailedLogins::begin`]
//! reserves it, under the store's lock), so concurrent guesses cannot all pass the check
//! while the slow Argon2 hash of the first one runs: at most the limit is evaluated. A
//! success gives its reservation back; a failure keeps it. When only attempts still in
//! flight fill the limit, the answer is "busy, retry in a second" rather than a lockout,
//! since they may yet succeed.
//!
//! What a success clears: a correct password clears the password failures of its
//! username and address (a person who mistyped can go on), but not the TOTP failures,
//! or knowing the password would buy fresh TOTP guesses; a correct TOTP code clears
//! both. The per-account count is never cleared, only aged out of the window, since
//! whoever succeeds need not be whoever failed.

use std::collections::HashMap;
use std::net::IpAddr;

/// The factor an attempt checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Factor {
    Password,
    Totp,
}

/// The limits, from the configuration.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Failures allowed per username and client address within the window.
    pub(crate) per_address: u32,
    /// Failures allowed per username from all addresses within the window.
    pub(crate) per_account: u32,
    /// Seconds over which failures count.
    pub(crate) window: i64,
}

/// Why an attempt is refused, and how long to wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lockout {
    /// This username from this address used up its tries.
    Address { wait: i64 },
    /// This username used up the tries of all addresses together.
    Account { wait: i64 },
    /// The limit is full only because of attempts still being checked.
    Busy,
}

impl Lockout {
    /// Seconds until a try is allowed again.
    pub(crate) fn wait(self) -> i64 {
        match self {
            Self::Address { wait } | Self::Account { wait } => wait,
            // A password check takes tens of milliseconds.
            Self::Busy => 1,
        }
    }
}

/// A reserved attempt, to be settled with [`FailedLogins::succeeded`] or
/// [`FailedLogins::failed`]; one never settled (a request that went away) counts as a
/// failure until the window passes.
#[derive(Debug)]
#[must_use = "settle the attempt with `succeeded` or `failed`"]
pub(crate) struct Attempt {
    account: String,
    address: IpAddr,
    factor: Factor,
    id: u64,
}

#[derive(Debug, Clone, Copy)]
struct Failure {
    /// When the attempt began.
    time: i64,
    factor: Factor,
    /// The attempt that reserved it, so settling it finds exactly its own entry.
    attempt: u64,
    /// Still being checked: it may yet succeed.
    in_flight: bool,
}

/// The failures (and attempts in flight) of the last window.
#[derive(Debug, Default)]
pub(crate) struct FailedLogins {
    by_address: HashMap<(String, IpAddr), Vec<Failure>>,
    by_account: HashMap<String, Vec<Failure>>,
    next_attempt: u64,
}

impl FailedLogins {
    /// Reserves an attempt for `username` from `address`, or refuses it when either
    /// scope has used up its tries. The username is compared case-insensitively, as at
    /// login.
    pub(crate) fn begin(
        &mut self,
        username: &str,
        address: IpAddr,
        factor: Factor,
        limits: Limits,
        now: i64,
    ) -> Result<Attempt, Lockout> {
        let account = username.to_lowercase();
        let since = now - limits.window;
        let by_address = self
            .by_address
            .entry((account.clone(), address))
            .or_default();
        by_address.retain(|failure| failure.time > since);
        let by_account = self.by_account.entry(account.clone()).or_default();
        by_account.retain(|failure| failure.time > since);
        if let Some(wait) = wait(by_address, limits.per_address, limits.window, now) {
            return Err(Lockout::Address { wait });
        }
        if let Some(wait) = wait(by_account, limits.per_account, limits.window, now) {
            return Err(Lockout::Account { wait });
        }
        if full(by_address, limits.per_address) || full(by_account, limits.per_account) {
            return Err(Lockout::Busy);
        }
        let id = self.next_attempt;
        self.next_attempt = self.next_attempt.wrapping_add(1);
        let failure = Failure {
            time: now,
            factor,
            attempt: id,
            in_flight: true,
        };
        by_account.push(failure);
        by_address.push(failure);
        Ok(Attempt {
            account,
            address,
            factor,
            id,
        })
    }

    /// The attempt succeeded: its reservation is given back, and the failures it makes
    /// moot are cleared (see the module docs). Other attempts still in flight stay
    /// counted: they may yet fail.
    pub(crate) fn succeeded(&mut self, attempt: Attempt) {
        if let Some(failures) = self.by_account.get_mut(&attempt.account) {
            failures.retain(|failure| failure.attempt != attempt.id);
        }
        let key = (attempt.account, attempt.address);
        if let Some(failures) = self.by_address.get_mut(&key) {
            failures.retain(|failure| {
                let moot = match attempt.factor {
                    Factor::Password => failure.factor == Factor::Password,
                    Factor::Totp => true,
                };
                failure.attempt != attempt.id && (failure.in_flight || !moot)
            });
        }
    }

    /// The attempt failed: it stays counted, now as a failure.
    pub(crate) fn failed(&mut self, attempt: Attempt) {
        let key = (attempt.account, attempt.address);
        let entries = self
            .by_account
            .get_mut(&key.0)
            .into_iter()
            .chain(self.by_address.get_mut(&key))
            .flatten();
        for failure in entries.filter(|failure| failure.attempt == attempt.id) {
            failure.in_flight = false;
        }
    }

    /// Drops failures older than `window` seconds.
    pub(crate) fn prune(&mut self, now: i64, window: i64) {
        let since = now - window;
        let recent = |failures: &mut Vec<Failure>| {
            failures.retain(|failure| failure.time > since);
            !failures.is_empty()
        };
        self.by_account.retain(|_, failures| recent(failures));
        self.by_address.retain(|_, failures| recent(failures));
    }
}

/// Seconds to wait if the settled failures among `failures` (all within the window)
/// reached `max`: until the oldest of them leaves the window.
fn wait(failures: &[Failure], max: u32, window: i64, now: i64) -> Option<i64> {
    let settled = failures.iter().filter(|f| !f.in_flight);
    if settled.clone().count() < max as usize {
        return None;
    }
    let oldest = settled.map(|f| f.time).min().unwrap_or(now);
    Some((oldest + window - now).max(1))
}

/// Whether failures and attempts in flight together reached `max`.
fn full(failures: &[Failure], max: u32) -> bool {
    failures.len() >= max as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        per_address: 3,
        per_account: 5,
        window: 300,
    };

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([127, 0, 0, last])
    }

    /// Begins an attempt and fails it.
    fn fail(limits: &mut FailedLogins, user: &str, address: IpAddr, factor: Factor, now: i64) {
        let attempt = limits.begin(user, address, factor, LIMITS, now).unwrap();
        limits.failed(attempt);
    }

    #[test]
    fn attempts_in_flight_count_before_they_end() {
        let mut limits = FailedLogins::default();
        let attempts: Vec<Attempt> = (0..3)
            .map(|_| {
                limits
                    .begin("alice", ip(1), Factor::Password, LIMITS, 100)
                    .unwrap()
            })
            .collect();
        // Full, but they may still succeed: busy, not locked out.
        let busy = limits.begin("Alice", ip(1), Factor::Password, LIMITS, 100);
        assert_eq!(busy.unwrap_err(), Lockout::Busy);
        for attempt in attempts {
            limits.failed(attempt);
        }
        assert_eq!(
            limits
                .begin("Alice", ip(1), Factor::Password, LIMITS, 110)
                .unwrap_err(),
            Lockout::Address { wait: 290 }
        );
        // The window moves on.
        let later = limits.begin("alice", ip(1), Factor::Password, LIMITS, 401);
        assert!(later.is_ok());
    }

    #[test]
    fn an_attempt_in_flight_that_succeeds_frees_its_place() {
        let mut limits = FailedLogins::default();
        let attempts: Vec<Attempt> = (0..3)
            .map(|_| {
                limits
                    .begin("alice", ip(1), Factor::Password, LIMITS, 100)
                    .unwrap()
            })
            .collect();
        for attempt in attempts {
            limits.succeeded(attempt);
        }
        let next = limits
            .begin("alice", ip(1), Factor::Password, LIMITS, 100)
            .unwrap();
        limits.succeeded(next);
    }

    #[test]
    fn a_success_keeps_other_attempts_in_flight() {
        let mut limits = FailedLogins::default();
        let right = limits
            .begin("alice", ip(1), Factor::Password, LIMITS, 100)
            .unwrap();
        let wrong = limits
            .begin("alice", ip(1), Factor::Password, LIMITS, 100)
            .unwrap();
        limits.succeeded(right);
        limits.failed(wrong);
        let key = ("alice".to_owned(), ip(1));
        assert_eq!(limits.by_address[&key].len(), 1);
        assert!(!limits.by_address[&key][0].in_flight);
    }

    #[test]
    fn the_account_ceiling_holds_across_addresses() {
        let mut limits = FailedLogins::default();
        for last in 1..=5 {
            fail(&mut limits, "alice", ip(last), Factor::Totp, 100);
        }
        let refused = limits
            .begin("alice", ip(9), Factor::Totp, LIMITS, 101)
            .unwrap_err();
        assert_eq!(refused, Lockout::Account { wait: 299 });
        // Another account is not affected.
        let _bob = limits
            .begin("bob", ip(9), Factor::Password, LIMITS, 101)
            .unwrap();
    }

    #[test]
    fn a_success_gives_its_reservation_back() {
        let mut limits = FailedLogins::default();
        for _ in 0..10 {
            let attempt = limits
                .begin("alice", ip(1), Factor::Password, LIMITS, 100)
                .unwrap();
            limits.succeeded(attempt);
        }
        assert!(limits.by_account["alice"].is_empty());
    }

    #[test]
    fn a_password_success_keeps_totp_failures() {
        let mut limits = FailedLogins::default();
        for _ in 0..2 {
            fail(&mut limits, "alice", ip(1), Factor::Totp, 100);
        }
        fail(&mut limits, "alice", ip(1), Factor::Password, 100);
        let password = limits
            .begin("alice", ip(1), Factor::Password, LIMITS, 100)
            .unwrap_err();
        assert_eq!(password, Lockout::Address { wait: 300 });

        let mut limits = FailedLogins::default();
        for _ in 0..2 {
            fail(&mut limits, "alice", ip(1), Factor::Totp, 100);
        }
        let password = limits
            .begin("alice", ip(1), Factor::Password, LIMITS, 100)
            .unwrap();
        limits.succeeded(password);
        let key = ("alice".to_owned(), ip(1));
        assert_eq!(limits.by_address[&key].len(), 2, "TOTP failures stay");
        let totp = limits
            .begin("alice", ip(1), Factor::Totp, LIMITS, 100)
            .unwrap();
        limits.succeeded(totp);
        assert!(limits.by_address[&key].is_empty(), "a TOTP success clears");
        assert_eq!(
            limits.by_account["alice"].len(),
            2,
            "the account keeps count"
        );
    }

    #[test]
    fn prune_drops_old_failures() {
        let mut limits = FailedLogins::default();
        fail(&mut limits, "alice", ip(1), Factor::Password, 100);
        // An attempt never settled (its request went away) ages out the same way.
        let _abandoned = limits
            .begin("alice", ip(2), Factor::Password, LIMITS, 100)
            .unwrap();
        limits.prune(401, 300);
        assert!(limits.by_address.is_empty() && limits.by_account.is_empty());
    }
}
