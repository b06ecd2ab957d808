//! Password checks on one dedicated thread.
//!
//! Argon2 is slow on purpose (tens of milliseconds) and needs 19 MiB of working memory.
//! Allocated afresh for each check on tokio's blocking pool, those buffers were kept by
//! the allocator: 1,000 logins grew the process by well over 100 MiB one at a time, and
//! by gigabytes 16 at a time (`examples/login_memory.rs` measures it). One thread with
//! one reused buffer ([`Argon2Memory`]) keeps it at one buffer. Logins queue for it: a
//! few dozen password checks per second is ample for a development provider. The queue
//! is bounded and never waited on: when it is full (a flood of logins, for instance with
//! ever new usernames, which the per-user limits cannot refuse) a login is answered
//! "busy" at once, so no login waits longer than the checks ahead of it, and an answer
//! that does not come within [`ANSWER_TIMEOUT`] fails the login instead of hanging it.

use tokio::sync::{mpsc, oneshot};

use crate::error::Error;
use crate::password::Argon2Memory;

/// Checks waiting for the thread; one more is answered "busy". At tens of milliseconds
/// a check, a full queue is a few seconds of work.
const QUEUE: usize = 64;

/// The longest a login waits for its check once queued.
pub(crate) const ANSWER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// A handle to the password thread; the thread ends when the last handle is dropped.
#[derive(Debug, Clone)]
pub(crate) struct PasswordChecker {
    jobs: mpsc::Sender<Job>,
}

struct Job {
    password: String,
    /// `None` for an unknown user: checked against the dummy hash all the same.
    hash: Option<String>,
    reply: oneshot::Sender<bool>,
}

/// Why a password could not be checked.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum CheckFailed {
    /// The queue is full: try again shortly.
    Busy,
    /// The password thread is gone, or did not answer within [`ANSWER_TIMEOUT`].
    Unavailable,
}

impl PasswordChecker {
    /// Starts the thread. `memory` may already hold a buffer (from hashing the
    /// configured passwords at start), and `dummy_hash` is what unknown users are checked
    /// against, so that they cost the same time as a wrong password.
    pub(crate) fn start(memory: Argon2Memory, dummy_hash: String) -> Result<Self, Error> {
        let (jobs, mut queue) = mpsc::channel::<Job>(QUEUE);
        std::thread::Builder::new()
            .name("stepup-issuer-passwords".into())
            .spawn(move || {
                let mut memory = memory;
                while let Some(job) = queue.blocking_recv() {
                    let ok = match &job.hash {
                        Some(hash) => memory.verify(&job.password, hash),
                        None => {
                            let _ = memory.verify(&job.password, &dummy_hash);
                            false
                        }
                    };
                    // The request may have gone away meanwhile; nothing to tell then.
                    let _ = job.reply.send(ok);
                }
            })
            .map_err(Error::Server)?;
        Ok(Self { jobs })
    }

    /// Whether `password` matches `hash` (`None`: an unknown user, never a match).
    pub(crate) async fn check(
        &self,
        password: String,
        hash: Option<String>,
    ) -> Result<bool, CheckFailed> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .try_send(Job {
                password,
                hash,
                reply,
            })
            .map_err(|error| match error {
                mpsc::error::TrySendError::Full(_) => CheckFailed::Busy,
                mpsc::error::TrySendError::Closed(_) => CheckFailed::Unavailable,
            })?;
        match tokio::time::timeout(ANSWER_TIMEOUT, answer).await {
            Ok(Ok(ok)) => Ok(ok),
            Ok(Err(_)) | Err(_) => Err(CheckFailed::Unavailable),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn checks_known_and_unknown_users() {
        let hash = crate::password::hash_password("right").unwrap();
        let dummy = crate::password::hash_password("dummy").unwrap();
        let checker = PasswordChecker::start(Argon2Memory::default(), dummy).unwrap();
        assert!(
            checker
                .check("right".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(!checker.check("wrong".into(), Some(hash)).await.unwrap());
        // The dummy hash's own password is no way in for an unknown user.
        assert!(!checker.check("dummy".into(), None).await.unwrap());
    }

    #[tokio::test]
    async fn a_full_queue_answers_busy_at_once_instead_of_waiting() {
        let dummy = crate::password::hash_password("dummy").unwrap();
        let checker = PasswordChecker::start(Argon2Memory::default(), dummy).unwrap();
        // 200 checks arrive together (a flood with ever new usernames); each takes
        // milliseconds, so the queue holds 64 (and the thread one) and the rest are
        // told "busy" without waiting.
        let mut checks = tokio::task::JoinSet::new();
        for i in 0..200 {
            let checker = checker.clone();
            checks.spawn(async move { checker.check(format!("guess-{i}"), None).await });
        }
        let answers = checks.join_all().await;
        let busy = answers
            .iter()
            .filter(|a| **a == Err(CheckFailed::Busy))
            .count();
        let checked = answers.iter().filter(|a| **a == Ok(false)).count();
        assert_eq!(busy + checked, 200, "{answers:?}");
        assert!(
            (64..=66).contains(&checked),
            "{checked} checked, {busy} busy"
        );
    }
}
