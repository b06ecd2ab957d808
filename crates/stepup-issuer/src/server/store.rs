//! In-memory state of the running provider: sessions, login transactions, codes,
//! failed-login counters (see [`super::limits`]) and used TOTP steps. Sessions are also written to the state
//! directory (by hashed id) so a restart keeps people logged in.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::limits::FailedLogins;
use crate::error::Error;
use crate::random;
use crate::state;

/// How long a login page stays usable.
pub(crate) const TRANSACTION_LIFETIME: i64 = 15 * 60;
/// How long an authorization code is valid (issue: 60 s).
pub(crate) const CODE_LIFETIME: i64 = 60;

/// A login session at the provider.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Session {
    pub(crate) user: String,
    /// The time of the last real authentication (password, or TOTP after it).
    pub(crate) auth_time: i64,
    /// Whether the last authentication included the TOTP second factor.
    pub(crate) mfa: bool,
    /// The `sid` claim: identifies the session without being its cookie.
    pub(crate) sid: String,
    pub(crate) expires: i64,
}

/// The parameters of a validated authorization request.
#[derive(Debug, Clone)]
pub(crate) struct AuthRequest {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) state: Option<String>,
    pub(crate) nonce: Option<String>,
    pub(crate) scope: Vec<String>,
    pub(crate) code_challenge: Option<String>,
    /// `acr_values` asked for multi-factor.
    pub(crate) mfa: bool,
    pub(crate) login_hint: Option<String>,
    /// Why a fresh login is needed (`max_age` or `prompt=login`), for the page.
    pub(crate) fresh_reason: Option<&'static str>,
}

/// Where a login in progress stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stage {
    Password,
    Totp { user: String },
}

/// A login in progress, bound to the browser that started it.
#[derive(Debug, Clone)]
pub(crate) struct Transaction {
    pub(crate) browser: String,
    pub(crate) request: AuthRequest,
    pub(crate) stage: Stage,
    pub(crate) expires: i64,
}

/// What an authorization code stands for.
#[derive(Debug, Clone)]
pub(crate) struct Grant {
    pub(crate) request: AuthRequest,
    pub(crate) user: String,
    pub(crate) auth_time: i64,
    pub(crate) mfa: bool,
    pub(crate) sid: String,
    pub(crate) expires: i64,
    pub(crate) used: bool,
    /// The access token issued for it, revoked if the code is replayed.
    pub(crate) access_jti: Option<String>,
}

/// The outcome of redeeming a code.
#[derive(Debug)]
pub(crate) enum Redeem {
    Ok(Box<Grant>),
    Unknown,
    Expired,
    /// Second use: the tokens issued for the first use are revoked (RFC 6749 §4.1.2).
    Replayed,
    WrongClient,
}

#[derive(Default)]
pub(crate) struct Store {
    /// By SHA-256 of the cookie value.
    sessions: HashMap<String, Session>,
    transactions: HashMap<String, Transaction>,
    codes: HashMap<String, Grant>,
    /// Failed logins and attempts in flight, per username and address and per username.
    pub(crate) failed_logins: FailedLogins,
    totp_last_step: HashMap<String, u64>,
    revoked: HashSet<String>,
    sessions_file: Option<PathBuf>,
}

#[derive(Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SessionsFile {
    sessions: HashMap<String, Session>,
}

impl Store {
    /// A store whose sessions are loaded from (and saved to) `path`.
    pub(crate) fn with_sessions_file(path: PathBuf, now: i64) -> Result<Self, Error> {
        let file: SessionsFile = state::read(&path)?.unwrap_or_default();
        let mut store = Self {
            sessions: file.sessions,
            sessions_file: Some(path),
            ..Self::default()
        };
        store.sessions.retain(|_, session| session.expires > now);
        Ok(store)
    }

    /// The session for a cookie value, if live.
    pub(crate) fn session(&self, cookie: &str, now: i64) -> Option<Session> {
        self.sessions
            .get(&random::sha256_b64(cookie.as_bytes()))
            .filter(|session| session.expires > now)
            .cloned()
    }

    /// Starts a new session (replacing `old_cookie`'s), returning the new cookie value.
    /// A new id on every login prevents session fixation.
    pub(crate) fn start_session(
        &mut self,
        old_cookie: Option<&str>,
        session: Session,
    ) -> Result<String, Error> {
        if let Some(old) = old_cookie {
            self.sessions.remove(&random::sha256_b64(old.as_bytes()));
        }
        let cookie = random::token()?;
        self.sessions
            .insert(random::sha256_b64(cookie.as_bytes()), session);
        Ok(cookie)
    }

    /// Ends the session of `cookie`.
    pub(crate) fn end_session(&mut self, cookie: &str) -> Option<Session> {
        self.sessions.remove(&random::sha256_b64(cookie.as_bytes()))
    }

    /// Ends every session with this `sid`.
    pub(crate) fn end_sid(&mut self, sid: &str) {
        self.sessions.retain(|_, session| session.sid != sid);
    }

    /// Writes the sessions file (if any). Called after each change, outside hot paths.
    pub(crate) fn save_sessions(&self) -> Result<(), Error> {
        match &self.sessions_file {
            Some(path) => state::write(
                path,
                &SessionsFile {
                    sessions: self.sessions.clone(),
                },
            ),
            None => Ok(()),
        }
    }

    pub(crate) fn add_transaction(&mut self, transaction: Transaction) -> Result<String, Error> {
        let id = random::token()?;
        self.transactions.insert(id.clone(), transaction);
        Ok(id)
    }

    pub(crate) fn transaction(&self, id: &str, now: i64) -> Option<Transaction> {
        self.transactions
            .get(id)
            .filter(|tx| tx.expires > now)
            .cloned()
    }

    pub(crate) fn set_stage(&mut self, id: &str, stage: Stage) {
        if let Some(tx) = self.transactions.get_mut(id) {
            tx.stage = stage;
        }
    }

    pub(crate) fn remove_transaction(&mut self, id: &str) {
        self.transactions.remove(id);
    }

    /// Issues a single-use code for `grant`.
    pub(crate) fn issue_code(&mut self, grant: Grant) -> Result<String, Error> {
        let code = random::token()?;
        self.codes.insert(code.clone(), grant);
        Ok(code)
    }

    /// Redeems `code` for `client_id`. Any presentation by the right client uses it up,
    /// even if a later check (redirect_uri, PKCE) fails, so a code cannot be guessed at.
    pub(crate) fn redeem(&mut self, code: &str, client_id: &str, now: i64) -> Redeem {
        let Some(grant) = self.codes.get_mut(code) else {
            return Redeem::Unknown;
        };
        if grant.request.client_id != client_id {
            return Redeem::WrongClient;
        }
        if grant.used {
            if let Some(jti) = grant.access_jti.take() {
                self.revoked.insert(jti);
            }
            return Redeem::Replayed;
        }
        grant.used = true;
        if grant.expires <= now {
            return Redeem::Expired;
        }
        Redeem::Ok(Box::new(grant.clone()))
    }

    /// Records the access token issued for `code`.
    pub(crate) fn set_access_jti(&mut self, code: &str, jti: String) {
        if let Some(grant) = self.codes.get_mut(code) {
            grant.access_jti = Some(jti);
        }
    }

    pub(crate) fn is_revoked(&self, jti: &str) -> bool {
        self.revoked.contains(jti)
    }

    pub(crate) fn totp_last_step(&self, user: &str) -> Option<u64> {
        self.totp_last_step.get(user).copied()
    }

    pub(crate) fn set_totp_last_step(&mut self, user: &str, step: u64) {
        self.totp_last_step.insert(user.to_owned(), step);
    }

    /// Drops expired transactions, codes, sessions and counters.
    pub(crate) fn prune(&mut self, now: i64, window: i64) {
        self.transactions.retain(|_, tx| tx.expires > now);
        // Used codes are kept until they expire so a replay is recognised as one.
        self.codes.retain(|_, grant| grant.expires > now);
        self.sessions.retain(|_, session| session.expires > now);
        self.failed_logins.prune(now, window);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(now: i64) -> Grant {
        Grant {
            request: AuthRequest {
                client_id: "c".into(),
                redirect_uri: "http://x/cb".into(),
                state: None,
                nonce: None,
                scope: vec!["openid".into()],
                code_challenge: None,
                mfa: false,
                login_hint: None,
                fresh_reason: None,
            },
            user: "alice".into(),
            auth_time: now,
            mfa: false,
            sid: "s".into(),
            expires: now + CODE_LIFETIME,
            used: false,
            access_jti: None,
        }
    }

    #[test]
    fn codes_are_single_use_expire_after_60_s_and_replay_revokes() {
        let mut store = Store::default();
        let code = store.issue_code(grant(1000)).unwrap();
        assert!(matches!(
            store.redeem(&code, "other", 1001),
            Redeem::WrongClient
        ));
        assert!(matches!(store.redeem(&code, "c", 1001), Redeem::Ok(_)));
        store.set_access_jti(&code, "jti-1".into());
        assert!(matches!(store.redeem(&code, "c", 1002), Redeem::Replayed));
        assert!(store.is_revoked("jti-1"));

        let late = store.issue_code(grant(1000)).unwrap();
        assert!(matches!(store.redeem(&late, "c", 1060), Redeem::Expired));
        let ok = store.issue_code(grant(1000)).unwrap();
        assert!(matches!(store.redeem(&ok, "c", 1059), Redeem::Ok(_)));
        assert!(matches!(store.redeem("nope", "c", 1001), Redeem::Unknown));
    }
}
