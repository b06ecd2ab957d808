//! `Policy::decide_token` (the claims read in place, as `check`, the axum layer and the
//! gateway decide) gives exactly the decision of `Policy::decide` on the owned claims,
//! for every shape a step-up claim can take, right and wrong.

use serde_json::{Value, json};
use stepup::{Alg, KeySet, Policy, Profile, Secret, SigningKey, UnixTime, Verifier};

const NOW: i64 = 1_700_000_100;

fn step_up_shapes() -> Vec<Value> {
    let amr = [
        None,
        Some(json!(["pwd"])),
        Some(json!(["pwd", "mfa"])),
        Some(json!(["m\u{66}a"])),
        Some(json!("mfa")),
        Some(json!(["MFA"])),
        Some(json!([])),
        Some(json!([1, "mfa"])),
        Some(json!(null)),
    ];
    let acr = [
        None,
        Some(json!(stepup::PAPE_MULTI_FACTOR)),
        Some(json!([stepup::PAPE_MULTI_FACTOR])),
        Some(json!("gold")),
        Some(json!(2)),
    ];
    let auth_time = [
        None,
        Some(json!(NOW - 10)),
        Some(json!(NOW - 1_000)),
        Some(json!((NOW - 10) as f64 + 0.5)),
        Some(json!(NOW + 3_600)),
        Some(json!("1700000000")),
    ];
    let mut shapes = Vec::new();
    for amr in &amr {
        for acr in &acr {
            for auth_time in &auth_time {
                let mut claims = json!({
                    "iss": "https://op", "sub": "u", "aud": "c",
                    "iat": NOW - 60, "exp": NOW + 3_600,
                });
                for (name, value) in [("amr", amr), ("acr", acr), ("auth_time", auth_time)] {
                    if let Some(value) = value {
                        claims[name] = value.clone();
                    }
                }
                shapes.push(claims);
            }
        }
    }
    shapes
}

#[test]
fn deciding_in_place_equals_deciding_on_the_owned_claims() {
    let secret = Secret::new("this-client-secret-is-32-bytes!!");
    let verifier = Verifier::builder("https://op", "c", KeySet::from_secret(&secret).unwrap())
        .build()
        .unwrap();
    let signer = SigningKey::from_secret(&secret, Alg::HS256).unwrap();
    let policies = [
        Policy::default(),
        Policy::default().with_max_age(300),
        Profile::Auth0.policy(),
        Profile::Auth0.policy().with_max_age(300),
        "keycloak:gold".parse::<Profile>().unwrap().policy(),
        Policy::default().with_required_amr(["pwd", "otp"]),
    ];
    let now = UnixTime::from_secs(NOW);
    let mut compared = 0;
    for claims in step_up_shapes() {
        let token = signer.sign(&claims).unwrap();
        let verified = verifier.verify(&token, now).unwrap();
        for policy in &policies {
            // In place first, so the owned claims are not built before it runs.
            let in_place = policy.decide_token(&verified, now);
            let owned = policy.decide(verified.claims(), now);
            assert_eq!(in_place, owned, "{claims} with {policy:?}");
            compared += 1;
        }
    }
    assert_eq!(compared, 9 * 5 * 6 * 6);
}
