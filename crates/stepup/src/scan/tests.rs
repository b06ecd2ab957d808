//! The scanner's own tests, and the differential tests against the serde_json reader:
//! the committed vectors, hand-written edge cases, mutations of both, and generated
//! JSON.

use std::collections::BTreeSet;

use proptest::prelude::*;

use super::*;
use crate::claims::{ClaimsView, StepUpClaim, StepUpFacts};

/// Depths the differential tests compare at: the smallest, a small one, the default.
const DEPTHS: [usize; 3] = [1, 4, 64];

fn agree(input: &[u8]) {
    if let Err(disagreement) = compare(input, &DEPTHS) {
        panic!("{:?}: {disagreement}", String::from_utf8_lossy(input));
    }
}

/// The scanner on a payload given as text.
fn claims(json: &str, depth: usize) -> Result<ClaimSpans, crate::Error> {
    super::claims(json.as_bytes(), depth)
}

/// The scanner on a header given as text.
fn header(json: &str, depth: usize) -> Result<HeaderMembers, crate::Error> {
    super::header(json.as_bytes(), depth)
}

fn payload_code(json: &str) -> Result<(), &'static str> {
    claims(json, 64).map(drop).map_err(|e| e.code())
}

fn view_of(json: &str, f: impl FnOnce(ClaimsView<'_>)) {
    let spans = claims(json, 64).unwrap();
    f(ClaimsView::new(json.as_bytes(), &spans));
}

#[test]
fn reads_standard_claims_as_spans() {
    let json = r#"{"iss":"https://op","sub":"u\u0031","aud":["a","b"],"exp":1700000000,
        "iat":1.7e9,"nbf":-5,"auth_time":12.5,"nonce":"n","acr":"x\/y","amr":["pwd","mfa"],
        "azp":"a","sid":"s","custom":{"deep":[1,{"x":null}]}}"#;
    view_of(json, |view| {
        let claims = view.to_claims();
        assert_eq!(claims.iss.as_deref(), Some("https://op"));
        assert_eq!(claims.sub.as_deref(), Some("u1"));
        assert_eq!(claims.aud, ["a", "b"]);
        assert_eq!(claims.exp.map(|d| d.as_secs()), Some(1_700_000_000));
        assert_eq!(claims.iat.map(|d| d.as_secs()), Some(1_700_000_000));
        assert_eq!(claims.nbf.map(|d| d.as_secs()), Some(-5));
        assert_eq!(claims.acr, StepUpClaim::Present("x/y".into()));
        assert_eq!(
            claims.amr,
            StepUpClaim::Present(vec!["pwd".into(), "mfa".into()])
        );
        assert!(view.has_amr("mfa") && !view.has_amr("MFA"));
        assert!(view.acr_in(&["x/y".into()]));
        assert_eq!(view.audience_count(), 2);
    });
}

#[test]
fn unescapes_only_strings_with_escapes() {
    view_of(
        r#"{"iss":"plain","sub":"a\"b\\c\n\u00e9\ud83d\ude00"}"#,
        |view| {
            assert!(matches!(
                view.iss(),
                Some(std::borrow::Cow::Borrowed("plain"))
            ));
            assert_eq!(
                view.to_claims().sub.as_deref(),
                Some("a\"b\\c\n\u{e9}\u{1F600}")
            );
        },
    );
}

#[test]
fn wrong_types() {
    for json in [
        r#"{"iss":1}"#,
        r#"{"aud":[]}"#,
        r#"{"aud":[1]}"#,
        r#"{"exp":"1"}"#,
        r#"{"exp":1e19}"#,
        r#"{"exp":1e400}"#,
        r#"{"exp":[1e400]}"#,
        r#"{"auth_time":1e400}"#,
    ] {
        assert_eq!(payload_code(json), Err("invalid_claim"), "{json}");
    }
    view_of(r#"{"amr":"mfa","acr":["x"],"auth_time":"1"}"#, |view| {
        let claims = view.to_claims();
        assert_eq!(claims.amr, StepUpClaim::WrongType("string"));
        assert_eq!(claims.acr, StepUpClaim::WrongType("array"));
        assert_eq!(claims.auth_time, StepUpClaim::WrongType("string"));
        assert!(!view.has_amr("mfa"));
    });
    // Out of f64 range elsewhere is not a claim problem but bad JSON.
    assert_eq!(payload_code(r#"{"x":1e400}"#), Err("invalid_json"));
    assert_eq!(payload_code(r#"{"amr":[1e400]}"#), Err("invalid_json"));
}

#[test]
fn duplicates_after_unescaping_at_any_depth() {
    for json in [
        r#"{"a":1,"a":2}"#,
        r#"{"a":1,"\u0061":2}"#,
        r#"{"iss":"x","\u0069ss":"x"}"#,
        r#"{"x":[{"b":1,"b":2}]}"#,
        // The duplicate is found before the rest is read.
        r#"{"a":1,"a""#,
    ] {
        assert_eq!(payload_code(json), Err("duplicate_member"), "{json}");
    }
    let mut big = String::from("{");
    for i in 0..40 {
        big.push_str(&format!("\"k{i}\":{i},"));
    }
    big.push_str("\"k7\":0}");
    assert_eq!(payload_code(&big), Err("duplicate_member"));
}

#[test]
fn depth_limit_is_exact_and_cheap() {
    let nested = |n: usize| format!("{{\"a\":{}{}}}", "[".repeat(n), "]".repeat(n));
    assert_eq!(claims(&nested(63), 64).map(drop), Ok(()));
    assert_eq!(
        claims(&nested(64), 64).map_err(|e| e.code()).err(),
        Some("json_too_deep")
    );
    let deep = format!("{{\"a\":{}", "[".repeat(1_000_000));
    assert_eq!(payload_code(&deep), Err("json_too_deep"));
}

#[test]
fn many_distinct_names_stay_linear() {
    let mut json = String::from("{");
    for i in 0..20_000 {
        json.push_str(&format!("\"member{i}\":{i},"));
    }
    json.push_str("\"end\":0}");
    let started = std::time::Instant::now();
    assert_eq!(payload_code(&json), Ok(()));
    assert!(started.elapsed().as_secs() < 5);
}

#[test]
fn errors_name_the_position() {
    let error = claims("{\n  \"a\": tru }", 64).unwrap_err();
    assert_eq!(error.code(), "invalid_json");
    assert!(
        error
            .to_string()
            .contains("expected ident at line 2 column"),
        "{error}"
    );
}

#[test]
fn text_list_reads_elements_with_spaces_and_escapes() {
    view_of(r#"{"aud" : [ "a" , "b\u0063" ,"d"] }"#, |view| {
        let audiences: Vec<_> = view.audiences().collect();
        assert_eq!(audiences, ["a", "bc", "d"]);
    });
}

#[test]
fn amr_membership_with_escapes_spaces_and_non_ascii() {
    for (json, mfa) in [
        (r#"{"amr":["pwd","mfa"]}"#, true),
        (r#"{"amr":[ "pwd" ,	"mfa" ]}"#, true),
        (r#"{"amr":["m\u0066a"]}"#, true),
        (r#"{"amr":["é","mfa"]}"#, true),
        (r#"{"amr":["\"","mfa"]}"#, true),
        (r#"{"amr":["mfax","mf","MFA",""]}"#, false),
        (r#"{"amr":[]}"#, false),
    ] {
        view_of(json, |view| assert_eq!(view.has_amr("mfa"), mfa, "{json}"));
    }
}

#[test]
fn header_members() {
    let text = r#"{"alg":"HS256","kid":7,"typ":"JWT","jwk":{"kty":"oct"},"crit":[]}"#;
    let members = header(text, 64).unwrap();
    assert!(matches!(members.alg, Some(Member::Text(_))));
    assert_eq!(members.kid, Some(Member::NotText));
    assert!(members.crit && !members.b64);
    assert_eq!(
        header(r#"{"alg":"x","alg":"y"}"#, 64).unwrap_err().code(),
        "duplicate_member"
    );
}

/// The JSON of every header and payload in the committed vectors.
fn corpus() -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors");
    let mut found = BTreeSet::new();
    for file in ["interop.json", "rfc.json"] {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let vectors: serde_json::Value = serde_json::from_str(&text).unwrap();
        for vector in vectors["vectors"].as_array().unwrap() {
            let token = vector["token"].as_str().unwrap_or_default();
            for part in token.split('.').take(2) {
                if let Ok(bytes) = base64_simd::URL_SAFE_NO_PAD.decode_to_vec(part) {
                    found.insert(bytes);
                }
            }
        }
    }
    assert!(found.len() > 50, "the vectors hold {} parts", found.len());
    found.into_iter().collect()
}

/// Values that probe the number, string and literal grammar and the claim types.
const VALUES: &[&str] = &[
    "0",
    "-0",
    "01",
    "-01",
    "1.",
    ".5",
    "1e",
    "1e+",
    "1e-5",
    "1E5",
    "-",
    "--1",
    "+1",
    "1.5e308",
    "1.8e308",
    "1e309",
    "1e400",
    "1e-400",
    "-1e400",
    "0e999999999999",
    "1e99999999999",
    "1e-99999999999",
    "0.0e99999999999",
    "123456789012345678901234567890",
    "123456789012345678901234567890e-10",
    "18446744073709551615",
    "18446744073709551616",
    "9223372036854775807",
    "9223372036854775808",
    "9223372036854775809",
    "-9223372036854775808",
    "-9223372036854775809",
    "-18446744073709551616",
    "1.7976931348623157e308",
    "17976931348623157e292",
    "179769313486231580000000000000000e276",
    "0.000000000000000000000000000000000000001",
    "1.00000000000000000000000000000000000000001",
    "1700000000.5",
    "1699999999.9999999",
    "17e8",
    "2e9",
    "4e18",
    "9.3e18",
    "-9.3e18",
    "1.2345678901234567890123e9",
    "1e-7",
    r#""""#,
    r#""a""#,
    r#""\u0041""#,
    r#""\uD83D\uDE00""#,
    r#""\uD83D""#,
    r#""\uDE00""#,
    r#""\uD83Dx""#,
    r#""\uD83D\u0041""#,
    r#""\uD83D\uD83D\uDE00""#,
    r#""\u12""#,
    r#""\u12G4""#,
    r#""\x""#,
    r#""\"""#,
    r#""\\""#,
    "\"\u{1}\"",
    "\"\t\"",
    "\"\u{7f}\"",
    "\"é\"",
    "\"\u{1F600}\"",
    r#""\/""#,
    r#""abc"#,
    r#""\"#,
    "\"\\u",
    "\"\\uD83D\\",
    "true",
    "false",
    "null",
    "tru",
    "nul",
    "falsee",
    "true1",
    "nulll",
    "[]",
    "[1,]",
    "[,1]",
    "[1 2]",
    "[1,2]",
    r#"["a"]"#,
    r#"["a","b"]"#,
    r#"["a",1]"#,
    r#"[["a"]]"#,
    r#"["mfa"]"#,
    r#"["MFA"]"#,
    "[[[]]]",
    "[[[[[]]]]]",
    "{}",
    r#"{"a":1}"#,
    r#"{"a":1,"a":2}"#,
    r#"{"a":{"b":[1e400]}}"#,
    r#"{"a"}"#,
    r#"{"a":}"#,
    r#"{"a":1,}"#,
    r#"{,"a":1}"#,
    r#"{"a" 1}"#,
    "{1:2}",
    "[1e400]",
    r#"[{"a":1,"a":1}]"#,
    "",
];

const NAMES: &[&str] = &[
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "nbf",
    "auth_time",
    "nonce",
    "acr",
    "amr",
    "azp",
    "sid",
    "alg",
    "kid",
    "typ",
    "cty",
    "crit",
    "b64",
    "jwk",
    "x",
    "\\u0069ss",
    "\\u0061lg",
];

/// Objects of one or a few members built from [`NAMES`] and [`VALUES`].
fn edge_cases() -> Vec<String> {
    let mut cases: Vec<String> = [
        "",
        " ",
        "{",
        "}",
        "{}",
        " \t\n\r{ }\r\n ",
        "{} x",
        "{}{}",
        "{},",
        "[]",
        "\"x\"",
        "1",
        "null",
        "true",
        "1e400",
        "\"\\x\"",
        "[1e400]",
        "{\"a\":1",
        "{\"a\":1,",
        "{\"a\"",
        "{\"a\":",
        "\u{feff}{}",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    for name in NAMES {
        for value in VALUES {
            cases.push(format!("{{\"{name}\":{value}}}"));
            cases.push(format!(
                "{{ \"iss\" : \"a\" ,\n\"{name}\":{value} , \"sub\":\"b\"}}"
            ));
            cases.push(format!("{{\"{name}\":[{value},{value}]}}"));
        }
    }
    cases.push(r#"{"alg":"HS256","alg":"HS256"}"#.into());
    cases.push(r#"{"alg":"\u0048S256","typ":"\u004aWT","kid":"\ud83d\ude00"}"#.into());
    cases.push(r#"{"alg":"none"}"#.into());
    cases.push(r#"{"alg":"RS256","cty":"jwt"}"#.into());
    cases.push(r#"{"alg":"RS256","typ":"at+jwt"}"#.into());
    cases.push(r#"{"alg":"RS256","b64":false,"crit":["b64"]}"#.into());
    cases.push(r#"{"aud":["a","b"],"azp":"a","amr":[],"acr":null,"auth_time":true}"#.into());
    cases
}

#[test]
fn agrees_on_edge_cases() {
    for case in edge_cases() {
        agree(case.as_bytes());
    }
    agree(b"{\"a\":\"\xff\"}");
    for bad in [
        &b"\xc3"[..],
        b"\xc3\x28",
        b"\xe0\x80\x80",
        b"\xed\xa0\x80",
        b"\xf4\x90\x80\x80",
        b"\xf0\x8f\xbf\xbf",
        b"\xc0\xaf",
        b"\x80",
        b"\xfe",
        b"\xe2\x82",
        b"\xf0\x9f\x98",
    ] {
        for (before, after) in [
            ("{\"a\":\"", "\"}"),
            ("{\"", "\":1}"),
            ("{\"iss\":1,\"b\":\"", "\"}"),
        ] {
            let mut input = before.as_bytes().to_vec();
            input.extend_from_slice(bad);
            input.extend_from_slice(after.as_bytes());
            agree(&input);
            assert_eq!(
                super::claims(&input, 64)
                    .map(drop)
                    .map_err(|e| e.to_string()),
                Err("payload is not a valid JSON object: not valid UTF-8".into())
            );
        }
    }
    for good in [
        "é",
        "\u{7ff}",
        "\u{800}",
        "\u{ffff}",
        "\u{10000}",
        "\u{10ffff}",
        "\u{d7ff}",
        "\u{e000}",
    ] {
        let input = format!("{{\"a\":\"x{good}y\"}}");
        agree(input.as_bytes());
        assert_eq!(payload_code(&input), Ok(()), "{good:?}");
    }
    agree(b"{\"iss\":1,\"\xc3\"}");
    agree(b"\xef\xbb\xbf{}");
}

#[test]
fn agrees_on_the_committed_vectors() {
    for part in corpus() {
        agree(&part);
    }
}

/// Prefixes of each committed header and payload, and single-byte changes and
/// insertions at pseudo-random positions (a fixed sequence, so failures repeat).
#[test]
fn agrees_on_mutated_vectors() {
    const BYTES: &[u8] = b"\"\\{}[],:0-.e \x01\xff";
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % bound as u64) as usize
    };
    for part in corpus() {
        // About 300 prefixes per part (the vectors include a part of over 64 KiB).
        for end in (0..part.len()).step_by(part.len() / 300 + 1) {
            agree(part.get(..end).unwrap_or_default());
        }
        for _ in 0..150 {
            let (at, byte) = (next(part.len() + 1), BYTES[next(BYTES.len())]);
            let mut changed = part.clone();
            match changed.get_mut(at) {
                Some(slot) if next(2) == 0 => *slot = byte,
                _ => changed.insert(at, byte),
            }
            agree(&changed);
        }
    }
}

/// Tokens built from the committed headers and payloads (signed, so that they reach
/// the claim checks), and from edge cases and broken forms, verify alike with the
/// verifier and with its previous steps.
#[test]
fn verifier_agrees_with_its_previous_steps() {
    let verifier = hs256_verifier().unwrap();
    let now = crate::UnixTime::from_secs(1_767_225_600 + 600);
    let agree_token = |token: &str| {
        if let Err(disagreement) = compare_token(&verifier, token, now) {
            panic!("{disagreement}");
        }
    };
    let header = br#"{"alg":"HS256","typ":"JWT"}"#;
    let mut payloads = corpus();
    payloads.extend(edge_cases().into_iter().map(String::into_bytes));
    payloads.push(
        br#"{"iss":"https://op","sub":"s","aud":["client","b"],"azp":"client","exp":1767229200,"iat":1767225600,"amr":["mfa"]}"#.to_vec(),
    );
    for payload in &payloads {
        agree_token(&hs256_token(header, payload));
        agree_token(&hs256_token(payload, br#"{"iss":"https://op"}"#));
    }
    let good = hs256_token(header, br#"{"iss":"https://op"}"#);
    let (signing_input, signature) = good.rsplit_once('.').unwrap();
    for token in [
        String::new(),
        "a".into(),
        "a.b".into(),
        "a.b.c.d".into(),
        "a.b.c.d.e".into(),
        "a.b.c.d.e.f".into(),
        ".b.c".into(),
        ".b.c.d".into(),
        "a.b.".into(),
        "..".into(),
        "...".into(),
        format!("{signing_input}."),
        format!("{signing_input}.{signature}="),
        format!("{signing_input}.{signature}.x"),
        format!("{signing_input}.{signature}.x.y"),
        format!("{signing_input}.!{signature}"),
        format!("{signing_input}.{signature} "),
        format!(".{}", good),
        format!("{good}."),
        "e30.e30.e30".into(),
        "eyJhbGciOiJub25lIn0.e30.AA".into(),
        "eyJhbGciOiJIUzI1NiJ9.e30.AA".into(),
        "eyJhbGciOiJIUzI1NiJ9.e30.A".into(),
        "eyJhbGciOiJIUzI1NiJ9.e3.AA".into(),
        "eyJhbGciOiJIUzI1NiJ9.!.AA".into(),
        "eyJhbGciOiJSUzI1NiJ9.e30.!".into(),
    ] {
        agree_token(&token);
    }
}

/// Generated JSON texts: names and values from the edge cases and random ones.
fn json_value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        proptest::sample::select(VALUES).prop_map(str::to_owned),
        "-?(0|[1-9][0-9]{0,22})(\\.[0-9]{1,22})?([eE][-+]?[0-9]{1,4})?",
        r#""([a-z ]|\\[nrt"\\/bfu]|\\u[0-9a-fA-F]{4}|\\uD8[0-9A-F]{2}\\uDC[0-9A-F]{2}|é|\x01){0,12}""#,
    ];
    leaf.prop_recursive(6, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5)
                .prop_map(|elements| format!("[{}]", elements.join(","))),
            proptest::collection::vec((json_name(), inner), 0..5).prop_map(|members| {
                let members: Vec<String> =
                    members.iter().map(|(n, v)| format!("{n}:{v}")).collect();
                format!("{{{}}}", members.join(","))
            }),
        ]
    })
}

fn json_name() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(NAMES).prop_map(|name| format!("\"{name}\"")),
        "\"[a-c]{1,2}\"",
    ]
}

fn json_object() -> impl Strategy<Value = String> {
    proptest::collection::vec((json_name(), json_value()), 0..8).prop_map(|members| {
        let members: Vec<String> = members.iter().map(|(n, v)| format!("{n}:{v}")).collect();
        format!("{{{}}}", members.join(","))
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, failure_persistence: None, ..ProptestConfig::default() })]

    /// Generated objects, and the same with a few bytes changed, inserted or cut.
    #[test]
    fn agrees_on_generated_json(
        object in json_object(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..4, proptest::sample::select(b"\"\\{}[],:0-.e \x01\xff".to_vec())), 0..3),
    ) {
        let mut bytes = object.into_bytes();
        agree(&bytes);
        for (at, kind, byte) in edits {
            let at = at.index(bytes.len() + 1);
            match kind {
                0 => bytes.insert(at, byte),
                1 if at < bytes.len() => { bytes.remove(at); }
                2 if at < bytes.len() => bytes[at] = byte,
                _ => bytes.truncate(at),
            }
            agree(&bytes);
        }
    }

    /// Arbitrary bytes.
    #[test]
    fn agrees_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        agree(&bytes);
    }
}
