//! Password hashing with Argon2id (RFC 9106), PHC string format.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::error::Error;

/// Hashes `password` with Argon2id and the crate's default parameters (19 MiB, t=2, p=1,
/// the OWASP minimum), returning a PHC string for `password_hash` in the configuration.
///
/// ```
/// let hash = stepup_issuer::hash_password("correct horse battery staple")?;
/// assert!(hash.starts_with("$argon2id$"));
/// # Ok::<(), stepup_issuer::Error>(())
/// ```
///
/// # Errors
/// `invalid_config` if the system random generator fails.
pub fn hash_password(password: &str) -> Result<String, Error> {
    let salt = crate::random::bytes::<16>()?;
    let salt = SaltString::encode_b64(&salt)
        .map_err(|e| Error::config(format!("cannot encode a salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| Error::config(format!("cannot hash a password: {e}")))
}

/// Whether `password` matches the PHC `hash`.
pub(crate) fn verify(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Checks that `hash` is an Argon2 PHC string.
pub(crate) fn check_hash_format(hash: &str) -> Result<(), String> {
    let parsed = PasswordHash::new(hash).map_err(|e| format!("is not a PHC string: {e}"))?;
    if !parsed.algorithm.as_str().starts_with("argon2") {
        return Err(format!(
            "uses {}, expected argon2id (make one with stepup_issuer::hash_password)",
            parsed.algorithm
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let hash = hash_password("s3cret").unwrap();
        check_hash_format(&hash).unwrap();
        assert!(verify("s3cret", &hash));
        assert!(!verify("s3cret ", &hash));
        assert!(!verify("s3cret", "not a hash"));
    }
}
