//! The one error type of the crate, with stable codes and classes.

use std::fmt;

/// What kind of failure an [`Error`] is; decides the CLI exit code and the HTTP answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// The token is invalid: answer 401 `invalid_token`, exit 2.
    Token,
    /// The verifier or its keys are misconfigured: answer 500, exit 3.
    Config,
    /// Keys could not be obtained right now: answer 503, exit 3.
    Unavailable,
}

/// Which part of a compact JWS an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    /// The protected header (first part).
    Header,
    /// The payload, i.e. the claims (second part).
    Payload,
    /// The signature (third part).
    Signature,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Header => "header",
            Self::Payload => "payload",
            Self::Signature => "signature",
        })
    }
}

/// A value taken from a token or a key, quoted and shortened for messages.
///
/// Values from a token are attacker-controlled: they are printed with escapes
/// and cut at 80 characters so they cannot forge log lines or flood them.
#[derive(Clone, PartialEq, Eq)]
pub struct Shown(String);

impl Shown {
    /// Wraps a value for display.
    pub fn new(value: impl AsRef<str>) -> Self {
        let value = value.as_ref();
        let mut shown: String = value.chars().take(80).collect();
        if shown.len() < value.len() {
            shown.push('…');
        }
        Self(shown)
    }
}

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl fmt::Debug for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Everything that can go wrong while configuring a verifier or verifying a token.
///
/// Every variant has a stable [`code`](Error::code) and a [`class`](Error::class).
/// Messages name the values involved and say what to do; they never contain a
/// token, a secret or key material.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ---- token: shape ----
    /// The token is longer than the configured limit.
    #[error(
        "token is {len} bytes, over the limit of {max} bytes; send a smaller token or raise the limit"
    )]
    TokenTooLarge {
        /// Length of the token.
        len: usize,
        /// Configured limit.
        max: usize,
    },
    /// The token is not a compact JWS of three non-empty parts.
    #[error("token is not a compact JWS: {reason}; expected header.payload.signature")]
    MalformedToken {
        /// What is wrong.
        reason: &'static str,
    },
    /// The token has five parts: it is an encrypted JWE.
    #[error(
        "token is an encrypted JWE (5 parts); only signed ID tokens (compact JWS) are accepted"
    )]
    JweNotSupported,
    /// A part is not canonical unpadded base64url.
    #[error(
        "{part} is not canonical unpadded base64url; the token was damaged or built incorrectly"
    )]
    InvalidBase64 {
        /// The part.
        part: Part,
    },
    /// A part is not a UTF-8 JSON object.
    #[error("{part} is not a valid JSON object: {reason}")]
    InvalidJson {
        /// The part.
        part: Part,
        /// Parser message.
        reason: String,
    },
    /// A JSON member name occurs twice in one object.
    #[error("{part} has the member {name} twice; duplicated names are ambiguous and rejected")]
    DuplicateMember {
        /// The part.
        part: Part,
        /// The duplicated name.
        name: Shown,
    },
    /// JSON nesting is deeper than the configured limit.
    #[error("{part} JSON nests deeper than {max} levels; rejected to bound parsing work")]
    JsonTooDeep {
        /// The part.
        part: Part,
        /// Configured limit.
        max: usize,
    },

    // ---- token: header ----
    /// The header says `alg: none` (any casing).
    #[error("alg {alg} means an unsigned token, which is never accepted")]
    AlgNone {
        /// The alg as found.
        alg: Shown,
    },
    /// The header's `alg` is not allowed for this verifier or the chosen key.
    #[error(
        "alg {alg} is not allowed (allowed: {allowed}); the token was signed with an algorithm this verifier does not accept"
    )]
    AlgNotAllowed {
        /// The alg as found.
        alg: Shown,
        /// The allow-list, comma separated.
        allowed: String,
    },
    /// The header's `alg` is missing, not a string or not a JWS algorithm stepup knows.
    #[error(
        "alg {alg} is not a supported JWS algorithm (supported: HS*, RS*, PS*, ES256/384/512, EdDSA, Ed25519)"
    )]
    UnsupportedAlg {
        /// The alg as found.
        alg: Shown,
    },
    /// The header has `crit`.
    #[error("header has \"crit\"; no critical extensions are supported, so the token is rejected")]
    CritNotSupported,
    /// The header has `b64` (RFC 7797).
    #[error("header has \"b64\" (unencoded payload); not supported for ID tokens")]
    B64NotSupported,
    /// The header has `cty: JWT`: a nested JWT.
    #[error("header has cty {cty}: nested JWTs are not accepted; send the inner token")]
    NestedJwt {
        /// The cty as found.
        cty: Shown,
    },
    /// The header's `typ` does not fit the token kind.
    #[error("typ {typ} is not accepted for {expected}")]
    TypNotAllowed {
        /// The typ as found.
        typ: Shown,
        /// What is accepted.
        expected: &'static str,
    },
    /// A header member has the wrong JSON type.
    #[error("header member \"{name}\" must be a string")]
    InvalidHeader {
        /// The member.
        name: &'static str,
    },
    /// No configured key can verify this token.
    #[error(
        "no configured key matches kid {kid} and alg {alg}; the provider may have rotated its keys, or the token is not from this issuer"
    )]
    KeyNotFound {
        /// The kid, or `(none)`.
        kid: Shown,
        /// The alg.
        alg: &'static str,
    },
    /// More keys of the set fit the token's `kid` (or its absence) and `alg` than a
    /// verifier tries for one token ([`Limits::max_signature_attempts`](crate::Limits)),
    /// so none is tried: a forged token must not cost a signature check per key.
    #[error("{}", too_many_candidates(.kid.as_ref(), .alg, *.candidates, *.max))]
    TooManyCandidateKeys {
        /// The kid, or `None` when the token has none.
        kid: Option<Shown>,
        /// The alg.
        alg: &'static str,
        /// How many keys of the set fit.
        candidates: usize,
        /// The configured most signature checks per token.
        max: usize,
    },
    /// The signature does not verify.
    #[error("signature is invalid: {reason}; the token was altered or signed with another key")]
    InvalidSignature {
        /// Why.
        reason: &'static str,
    },

    // ---- token: claims ----
    /// A required claim is missing.
    #[error("claim \"{claim}\" is missing; {hint}")]
    MissingClaim {
        /// The claim.
        claim: &'static str,
        /// What to do.
        hint: &'static str,
    },
    /// A claim has the wrong type or an out-of-range value.
    #[error("claim \"{claim}\" is invalid: {reason}")]
    InvalidClaim {
        /// The claim.
        claim: &'static str,
        /// Why.
        reason: &'static str,
    },
    /// `iss` differs from the configured issuer.
    #[error(
        "issuer {found} does not match the expected issuer {expected}; the token comes from another provider or tenant"
    )]
    IssuerMismatch {
        /// Configured issuer.
        expected: Shown,
        /// Found issuer.
        found: Shown,
    },
    /// `aud` does not contain the client id.
    #[error(
        "audience {found} does not contain the client id {expected}; the token was issued to another client"
    )]
    AudienceMismatch {
        /// Configured client id.
        expected: Shown,
        /// Found audiences.
        found: Shown,
    },
    /// Several audiences but no `azp`.
    #[error("token has several audiences but no \"azp\"; OIDC Core requires azp then")]
    AzpMissing,
    /// `azp` differs from the client id.
    #[error("azp {found} is not the client id {expected}; the token was issued to another party")]
    AzpMismatch {
        /// Configured client id.
        expected: Shown,
        /// Found azp.
        found: Shown,
    },
    /// The token has expired.
    #[error(
        "token expired {ago} s ago (exp {exp}, now {now}, leeway {leeway} s); obtain a fresh ID token"
    )]
    Expired {
        /// exp claim.
        exp: i64,
        /// Clock.
        now: i64,
        /// Leeway in seconds.
        leeway: u64,
        /// Seconds since expiry (excluding leeway).
        ago: i64,
    },
    /// `iat` is in the future.
    #[error(
        "token issued in the future (iat {iat}, now {now}, leeway {leeway} s); check the clocks of the provider and this host"
    )]
    IssuedInFuture {
        /// iat claim.
        iat: i64,
        /// Clock.
        now: i64,
        /// Leeway in seconds.
        leeway: u64,
    },
    /// `nbf` is in the future.
    #[error(
        "token not valid before {nbf} (now {now}, leeway {leeway} s); retry later or check clocks"
    )]
    NotYetValid {
        /// nbf claim.
        nbf: i64,
        /// Clock.
        now: i64,
        /// Leeway in seconds.
        leeway: u64,
    },
    /// `nonce` differs from the expected one.
    #[error("nonce {found} does not match the nonce of this login; the token may be replayed")]
    NonceMismatch {
        /// Found nonce.
        found: Shown,
    },

    // ---- configuration ----
    /// A key could not be read.
    #[error("invalid key: {reason}")]
    InvalidKey {
        /// Why, and what to do.
        reason: String,
    },
    /// A key is too weak.
    #[error("weak key: {reason}")]
    WeakKey {
        /// Why, and what to do.
        reason: String,
    },
    /// A key set holds no usable key.
    #[error("no usable key: {reason}")]
    NoUsableKey {
        /// Why.
        reason: String,
    },
    /// A JWK Set holds more usable keys than the verifier accepts
    /// ([`Limits::max_keys`](crate::Limits)). The set is refused as a whole; from a
    /// JWKS URL this makes the fetch fail (`jwks_invalid`) like any unusable answer.
    #[error(
        "too many keys: the JWK Set has more than {max} usable keys (it lists {listed}); real providers publish a handful, and a set this large only adds work to every verification, so it is refused as a whole; check that this is the provider's JWKS, or raise Limits::max_keys"
    )]
    TooManyKeys {
        /// How many keys the set lists, usable or not.
        listed: usize,
        /// The configured most usable keys.
        max: usize,
    },
    /// An allowed algorithm cannot be used by any configured key.
    #[error(
        "algorithm {alg} is allowed but no configured key can use it ({reason}); remove it from the allow-list or add a suitable key"
    )]
    AlgUnusable {
        /// The algorithm.
        alg: &'static str,
        /// Why.
        reason: String,
    },
    /// Some other setting is wrong.
    #[error("invalid configuration: {reason}")]
    InvalidConfig {
        /// Why, and what to do.
        reason: String,
    },
    /// Signing failed (bad private key or algorithm).
    #[error("cannot sign: {reason}")]
    Signing {
        /// Why.
        reason: String,
    },

    // ---- keys from the network (feature `remote`) ----
    /// A JWKS, discovery or issuer URL is not allowed: it is not `https://` (plain
    /// `http://` is accepted only for loopback addresses) or cannot be parsed.
    #[error(
        "{url} cannot be used to fetch keys: {reason}; use an https:// URL (http:// is allowed only for 127.0.0.0/8, [::1] and localhost)"
    )]
    InsecureUrl {
        /// The URL (without user info).
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The discovery document names another issuer than the configured one.
    #[error(
        "the discovery document at {url} names the issuer {found}, not the configured issuer {expected}; configure exactly the issuer the provider publishes"
    )]
    DiscoveryIssuerMismatch {
        /// The discovery document's URL.
        url: String,
        /// The configured issuer.
        expected: Shown,
        /// The issuer in the document.
        found: Shown,
    },
    /// A JWKS or discovery document could not be fetched: connection refused,
    /// timeout, HTTP error status, refused redirect.
    #[error("cannot fetch {url}: {reason}; check the URL and that the provider is reachable")]
    JwksUnreachable {
        /// The URL (without user info).
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// A fetched document is not a usable JWK Set (or discovery document): not JSON,
    /// over the size limit, or without any usable key.
    #[error(
        "{url} did not return a usable document: {reason}; check that the URL is the provider's JWKS (its jwks_uri)"
    )]
    JwksInvalid {
        /// The URL (without user info).
        url: String,
        /// What is wrong with the answer.
        reason: String,
    },
    /// No key set can be used right now: the last good one is older than the
    /// staleness limit, or none arrived within the wait bound.
    #[error(
        "keys from {url} are unavailable: {reason}; tokens cannot be verified until the provider's JWKS can be fetched again"
    )]
    KeysUnavailable {
        /// The JWKS URL (without user info).
        url: String,
        /// Why, with the last fetch error if any.
        reason: String,
    },
}

impl Error {
    /// The stable machine-readable code of this error. A released code never changes meaning.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TokenTooLarge { .. } => "token_too_large",
            Self::MalformedToken { .. } => "malformed_token",
            Self::JweNotSupported => "jwe_not_supported",
            Self::InvalidBase64 { .. } => "invalid_base64",
            Self::InvalidJson { .. } => "invalid_json",
            Self::DuplicateMember { .. } => "duplicate_member",
            Self::JsonTooDeep { .. } => "json_too_deep",
            Self::AlgNone { .. } => "alg_none",
            Self::AlgNotAllowed { .. } => "alg_not_allowed",
            Self::UnsupportedAlg { .. } => "unsupported_alg",
            Self::CritNotSupported => "crit_not_supported",
            Self::B64NotSupported => "b64_not_supported",
            Self::NestedJwt { .. } => "nested_jwt",
            Self::TypNotAllowed { .. } => "typ_not_allowed",
            Self::InvalidHeader { name: "kid" } => "invalid_kid",
            Self::InvalidHeader { .. } => "invalid_header",
            Self::KeyNotFound { .. } => "key_not_found",
            Self::TooManyCandidateKeys { .. } => "too_many_candidate_keys",
            Self::InvalidSignature { .. } => "invalid_signature",
            Self::MissingClaim { claim, .. } => match *claim {
                "iss" => "iss_missing",
                "sub" => "sub_missing",
                "aud" => "aud_missing",
                "exp" => "exp_missing",
                "iat" => "iat_missing",
                "nonce" => "nonce_missing",
                _ => "claim_missing",
            },
            Self::InvalidClaim { .. } => "invalid_claim",
            Self::IssuerMismatch { .. } => "iss_mismatch",
            Self::AudienceMismatch { .. } => "aud_mismatch",
            Self::AzpMissing => "azp_missing",
            Self::AzpMismatch { .. } => "azp_mismatch",
            Self::Expired { .. } => "token_expired",
            Self::IssuedInFuture { .. } => "iat_in_future",
            Self::NotYetValid { .. } => "nbf_in_future",
            Self::NonceMismatch { .. } => "nonce_mismatch",
            Self::InvalidKey { .. } => "invalid_key",
            Self::WeakKey { .. } => "weak_key",
            Self::NoUsableKey { .. } => "no_usable_key",
            Self::TooManyKeys { .. } => "too_many_keys",
            Self::AlgUnusable { .. } => "alg_unusable",
            Self::InvalidConfig { .. } => "invalid_config",
            Self::Signing { .. } => "signing_failed",
            Self::InsecureUrl { .. } => "insecure_url",
            Self::DiscoveryIssuerMismatch { .. } => "discovery_issuer_mismatch",
            Self::JwksUnreachable { .. } => "jwks_unreachable",
            Self::JwksInvalid { .. } => "jwks_invalid",
            Self::KeysUnavailable { .. } => "keys_unavailable",
        }
    }

    /// Whether the token, the configuration, or key availability is at fault.
    pub fn class(&self) -> ErrorClass {
        match self {
            Self::InvalidKey { .. }
            | Self::WeakKey { .. }
            | Self::NoUsableKey { .. }
            | Self::TooManyKeys { .. }
            | Self::AlgUnusable { .. }
            | Self::InvalidConfig { .. }
            | Self::Signing { .. }
            | Self::InsecureUrl { .. }
            | Self::DiscoveryIssuerMismatch { .. } => ErrorClass::Config,
            // What a provider serves can change without our configuration changing:
            // a JWKS that cannot be fetched or read is an outage, answered with 503.
            Self::JwksUnreachable { .. }
            | Self::JwksInvalid { .. }
            | Self::KeysUnavailable { .. } => ErrorClass::Unavailable,
            _ => ErrorClass::Token,
        }
    }

    pub(crate) fn invalid_key(reason: impl Into<String>) -> Self {
        Self::InvalidKey {
            reason: reason.into(),
        }
    }

    pub(crate) fn weak_key(reason: impl Into<String>) -> Self {
        Self::WeakKey {
            reason: reason.into(),
        }
    }

    /// An `invalid_json` error for `part` from a serde_json error. serde_json's type
    /// errors quote the offending value (unbounded, from the token); only the
    /// category and position are kept, so messages stay short and hold no token data.
    pub(crate) fn json(part: Part, error: &serde_json::Error) -> Self {
        use serde_json::error::Category;
        let what = match error.classify() {
            // Syntax and end-of-input messages are fixed texts without values.
            Category::Syntax | Category::Eof | Category::Io => {
                let text = error.to_string();
                let cut = text.find(" at line ").unwrap_or(text.len());
                text[..cut].to_owned()
            }
            Category::Data => "unexpected JSON type or value".to_owned(),
        };
        Self::InvalidJson {
            part,
            reason: format!("{what} at line {} column {}", error.line(), error.column()),
        }
    }

    /// What a strict-JSON error says without naming a token part, for documents that
    /// are not tokens (a JWK Set, a discovery document): "has the member "kty" twice…".
    pub(crate) fn json_problem(&self) -> String {
        match self {
            Self::InvalidJson { reason, .. } => format!("it is not a valid JSON object: {reason}"),
            Self::DuplicateMember { name, .. } => format!(
                "it has the member {name} twice; duplicated names are ambiguous and rejected"
            ),
            Self::JsonTooDeep { max, .. } => format!("it nests deeper than {max} levels"),
            other => other.to_string(),
        }
    }

    pub(crate) fn config(reason: impl Into<String>) -> Self {
        Self::InvalidConfig {
            reason: reason.into(),
        }
    }
}

/// The message of [`Error::TooManyCandidateKeys`]: what matched, and what to do.
fn too_many_candidates(kid: Option<&Shown>, alg: &str, candidates: usize, max: usize) -> String {
    let (matched, hint) = match kid {
        None => (
            format!("the token has no kid, and {candidates} keys of the set can verify {alg}"),
            "a provider with several keys must put a kid in its tokens",
        ),
        Some(kid) => (
            format!("kid {kid} is shared by {candidates} keys of the set that can verify {alg}"),
            "each key of a JWK Set needs its own kid",
        ),
    };
    format!(
        "{matched}: more than the {max} signature checks one token may cost, so none was tried; {hint} (or raise Limits::max_signature_attempts)"
    )
}

/// Every error code the crate can produce, for documentation and tests.
pub const ERROR_CODES: &[&str] = &[
    "token_too_large",
    "malformed_token",
    "jwe_not_supported",
    "invalid_base64",
    "invalid_json",
    "duplicate_member",
    "json_too_deep",
    "alg_none",
    "alg_not_allowed",
    "unsupported_alg",
    "crit_not_supported",
    "b64_not_supported",
    "nested_jwt",
    "typ_not_allowed",
    "invalid_kid",
    "invalid_header",
    "key_not_found",
    "too_many_candidate_keys",
    "invalid_signature",
    "iss_missing",
    "sub_missing",
    "aud_missing",
    "exp_missing",
    "iat_missing",
    "nonce_missing",
    "claim_missing",
    "invalid_claim",
    "iss_mismatch",
    "aud_mismatch",
    "azp_missing",
    "azp_mismatch",
    "token_expired",
    "iat_in_future",
    "nbf_in_future",
    "nonce_mismatch",
    "invalid_key",
    "weak_key",
    "no_usable_key",
    "too_many_keys",
    "alg_unusable",
    "invalid_config",
    "signing_failed",
    "insecure_url",
    "discovery_issuer_mismatch",
    "jwks_unreachable",
    "jwks_invalid",
    "keys_unavailable",
];

/// Marks the branch that calls it as the unlikely one (a refusal): the compiler then
/// keeps that branch's code apart from the path a valid token takes.
/// `std::hint::cold_path` does this from Rust 1.95, newer than the crate's minimum.
#[cold]
pub(crate) fn cold_path() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_escapes_and_truncates() {
        assert_eq!(Shown::new("a\nb").to_string(), "\"a\\nb\"");
        let long = "x".repeat(200);
        assert_eq!(Shown::new(&long).to_string().chars().count(), 83);
    }

    #[test]
    fn json_errors_never_quote_token_values() {
        let long = format!("\"{}\"", "A".repeat(500));
        let data = serde_json::from_str::<u32>(&long).unwrap_err();
        let message = Error::json(Part::Payload, &data).to_string();
        assert!(!message.contains("AAAA"), "{message}");
        assert!(message.contains("line 1 column"), "{message}");
        let syntax = serde_json::from_str::<u32>("1 x").unwrap_err();
        let message = Error::json(Part::Header, &syntax).to_string();
        assert!(
            message.contains("trailing characters at line 1 column 3"),
            "{message}"
        );
    }

    #[test]
    fn expired_message_names_values() {
        let e = Error::Expired {
            exp: 1_700_000_000,
            now: 1_700_000_380,
            leeway: 60,
            ago: 380,
        };
        assert_eq!(e.code(), "token_expired");
        assert_eq!(e.class(), ErrorClass::Token);
        assert!(
            e.to_string()
                .contains("exp 1700000000, now 1700000380, leeway 60 s")
        );
    }
}
