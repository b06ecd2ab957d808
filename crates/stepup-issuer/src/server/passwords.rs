//! Password checks on one dedicated thread.
//!
//! Argon2 is slow on purpose (tens of milliseconds) and needs 19 MiB of working memory.
//! Allocated afresh for each check on tokio's blocking pool, those buffers were kept by
//! the allocator: 1,000 logins grew the process by well over 100 MiB one at a time, and
//! by gigabytes 16 at a time (`examples/login_memory.rs` measures it). One thread with
//! one reused buffer ([`Argon2Memory`]) keeps it at one buffer. Logins queue for it: a
//! few dozen password checks per second is ample for a development provider, and the
//! failed-login limits reserve their slot before queueing, so a guessing flood is refused
//! before it reaches the queue.

use tokio::sync::{mpsc, oneshot};

use crate::error::Error;
use crate::password::Argon2Memory;

/// Checks waiting for the thread before senders wait for room.
const QUEUE: usize = 64;

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

/// The password thread is gone (it cannot be in normal operation).
#[derive(Debug)]
pub(crate) struct Unavailable;

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
    ) -> Result<bool, Unavailable> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job {
                password,
                hash,
                reply,
            })
            .await
            .map_err(|_| Unavailable)?;
        answer.await.map_err(|_| Unavailable)
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
}
