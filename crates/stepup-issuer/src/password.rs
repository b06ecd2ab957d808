//! Password hashing with Argon2id (RFC 9106), PHC string format.

use argon2::password_hash::{Output, ParamsString, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

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
    Argon2Memory::default().hash(password)
}

/// Argon2's working memory (19 MiB with the default parameters), kept between checks.
///
/// `Argon2::verify_password` allocates that memory afresh for every check, and the
/// system allocator keeps what it freed: in glibc the freed blocks get split by small
/// allocations from other requests and cannot hold the next 19 MiB, so the heap grows
/// by one such block per login (hundreds of MiB after 1,000 logins). Verifying into one
/// buffer, owned by the one thread that checks passwords, keeps the provider at a fixed
/// size. The buffer grows to the largest `m` among the hashes it has checked (the
/// configured users' and the dummy hash), never beyond.
#[derive(Default)]
pub(crate) struct Argon2Memory {
    blocks: Vec<Block>,
}

impl Argon2Memory {
    /// Hashes `password` as [`hash_password`] does, in this memory: the same PHC string
    /// `Argon2::default().hash_password` makes (Argon2id, version 0x13, default
    /// parameters, 16 random bytes of salt, 32 bytes of output).
    pub(crate) fn hash(&mut self, password: &str) -> Result<String, Error> {
        let salt_bytes = crate::random::bytes::<16>()?;
        let salt = SaltString::encode_b64(&salt_bytes)
            .map_err(|e| Error::config(format!("cannot encode a salt: {e}")))?;
        let params = Params::default();
        let failed =
            |e: argon2::password_hash::Error| Error::config(format!("cannot hash a password: {e}"));
        let params_string = ParamsString::try_from(&params).map_err(failed)?;
        self.make_room(&params);
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let output = Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| {
            argon2
                .hash_password_into_with_memory(
                    password.as_bytes(),
                    &salt_bytes,
                    out,
                    &mut self.blocks,
                )
                .map_err(Into::into)
        })
        .map_err(failed)?;
        let hash = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: params_string,
            salt: Some(salt.as_salt()),
            hash: Some(output),
        };
        Ok(hash.to_string())
    }

    /// Whether `password` matches the PHC `hash`. The same computation as
    /// `PasswordVerifier::verify_password` (hash with the parameters and salt of `hash`,
    /// compare the outputs in constant time), in this memory.
    pub(crate) fn verify(&mut self, password: &str, hash: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(hash) else {
            return false;
        };
        let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
            return false;
        };
        let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else {
            return false;
        };
        let version = match parsed.version.map(Version::try_from).transpose() {
            Ok(version) => version.unwrap_or_default(),
            Err(_) => return false,
        };
        let Ok(params) = Params::try_from(&parsed) else {
            return false;
        };
        let mut salt_buffer = [0u8; Salt::MAX_LENGTH];
        let Ok(salt) = salt.decode_b64(&mut salt_buffer) else {
            return false;
        };
        self.make_room(&params);
        let argon2 = Argon2::new(algorithm, version, params);
        let computed = Output::init_with(expected.len(), |out| {
            argon2
                .hash_password_into_with_memory(password.as_bytes(), salt, out, &mut self.blocks)
                .map_err(Into::into)
        });
        // `Output`'s equality is constant-time.
        computed.is_ok_and(|computed| computed == expected)
    }

    fn make_room(&mut self, params: &Params) {
        if self.blocks.len() < params.block_count() {
            self.blocks.resize(params.block_count(), Block::default());
        }
    }
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

    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    #[test]
    fn hash_and_verify() {
        let hash = hash_password("s3cret").unwrap();
        check_hash_format(&hash).unwrap();
        let mut memory = Argon2Memory::default();
        assert!(memory.verify("s3cret", &hash));
        assert!(!memory.verify("s3cret ", &hash));
        assert!(!memory.verify("s3cret", "not a hash"));
        assert!(!memory.verify("s3cret", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ"));
    }

    #[test]
    fn hashes_what_the_library_verifies() {
        let mut memory = Argon2Memory::default();
        let hash = memory.hash("correct horse").unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        let parsed = PasswordHash::new(&hash).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse", &parsed)
                .is_ok()
        );
        assert!(memory.verify("correct horse", &hash));
        assert_ne!(memory.hash("correct horse").unwrap(), hash, "salted");
    }

    #[test]
    fn verifies_what_the_library_verifies_with_other_parameters_too() {
        // Small memory first, then larger: the buffer grows and stays usable.
        let mut memory = Argon2Memory::default();
        for (algorithm, m, t, p) in [
            (Algorithm::Argon2id, 64, 1, 1),
            (Algorithm::Argon2i, 256, 2, 2),
            (Algorithm::Argon2d, 128, 3, 1),
            (Algorithm::Argon2id, 19_456, 2, 1),
        ] {
            let params = Params::new(m, t, p, None).unwrap();
            let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
            let hash = Argon2::new(algorithm, Version::V0x13, params)
                .hash_password(b"pw", &salt)
                .unwrap()
                .to_string();
            let parsed = PasswordHash::new(&hash).unwrap();
            assert!(Argon2::default().verify_password(b"pw", &parsed).is_ok());
            assert!(memory.verify("pw", &hash), "{hash}");
            assert!(!memory.verify("pW", &hash), "{hash}");
        }
        // A version 0x10 hash.
        let params = Params::new(64, 1, 1, None).unwrap();
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let old = Argon2::new(Algorithm::Argon2id, Version::V0x10, params)
            .hash_password(b"pw", &salt)
            .unwrap()
            .to_string();
        assert!(memory.verify("pw", &old), "{old}");
    }
}
