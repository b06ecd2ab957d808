//! The verified-token cache: a hit skips the signature, never the claim checks; it
//! is bounded; the login path (nonce) never uses it; forged look-alikes miss.

use serde_json::json;
use stepup::{Alg, KeySet, TokenCacheSettings, UnixTime, Verifier};

use crate::util::{AUD, IAT, ISS, NOW, claims, key_file, signer};

fn cached(settings: TokenCacheSettings) -> Verifier {
    let keys = KeySet::from_public_key(&key_file("ec-p256.public.pem")).unwrap();
    Verifier::builder(ISS, AUD, keys)
        .with_token_cache(settings)
        .build()
        .unwrap()
}

#[test]
fn a_hit_skips_the_signature_but_not_the_claims() {
    let verifier = cached(TokenCacheSettings::default());
    let token = signer("ec-p256.private.pem", Alg::ES256)
        .sign(&claims())
        .unwrap();
    assert!(verifier.verify(&token, NOW).is_ok());
    assert!(verifier.verify(&token, NOW).is_ok());
    let stats = verifier.token_cache_stats();
    assert_eq!((stats.misses, stats.hits, stats.entries), (1, 1, 1));
    // Cached or not, the token expires: exp = IAT + 3600, leeway 60.
    let late = UnixTime::from_secs(IAT + 3600 + 60);
    assert_eq!(
        verifier.verify(&token, late).unwrap_err().code(),
        "token_expired"
    );
    // And it is not yet valid before its iat (minus leeway), cached or not.
    let early = UnixTime::from_secs(IAT - 61);
    assert_eq!(
        verifier.verify(&token, early).unwrap_err().code(),
        "iat_in_future"
    );
}

#[test]
fn look_alikes_and_the_login_path_never_hit() {
    let verifier = cached(TokenCacheSettings::default());
    let token = signer("ec-p256.private.pem", Alg::ES256)
        .sign(&claims())
        .unwrap();
    assert!(verifier.verify(&token, NOW).is_ok());
    // The same header and payload with a broken signature: a miss, then refused.
    let (signed, signature) = token.rsplit_once('.').unwrap();
    let flipped = if signature.starts_with('A') { "B" } else { "A" };
    let forged = format!("{signed}.{flipped}{}", &signature[1..]);
    assert_eq!(
        verifier.verify(&forged, NOW).unwrap_err().code(),
        "invalid_signature"
    );
    // With a nonce (the login callback) the cache is not used at all.
    let before = verifier.token_cache_stats();
    assert!(
        verifier
            .verify_with_nonce(&token, "n-0S6_WzA2Mj", NOW)
            .is_ok()
    );
    assert_eq!(
        verifier
            .verify_with_nonce(&token, "other", NOW)
            .unwrap_err()
            .code(),
        "nonce_mismatch"
    );
    assert_eq!(verifier.token_cache_stats().hits, before.hits);
}

#[test]
fn the_cache_is_bounded_in_entries_and_bytes() {
    let verifier = cached(TokenCacheSettings::default().with_max_entries(8));
    let signer = signer("ec-p256.private.pem", Alg::ES256);
    for n in 0..50 {
        let mut c = claims();
        c["sub"] = json!(format!("user-{n}"));
        assert!(verifier.verify(&signer.sign(&c).unwrap(), NOW).is_ok());
    }
    assert_eq!(verifier.token_cache_stats().entries, 8);

    // 64 KiB of cache, 1 KiB claims: well under 64 entries fit.
    let small = cached(TokenCacheSettings::default().with_max_bytes(64 * 1024));
    for n in 0..200 {
        let mut c = claims();
        c["sub"] = json!(format!("user-{n}"));
        c["pad"] = json!("x".repeat(1024));
        assert!(small.verify(&signer.sign(&c).unwrap(), NOW).is_ok());
    }
    let entries = small.token_cache_stats().entries;
    assert!((1..64).contains(&entries), "{entries} entries");
}
