//! Hints for common mistakes, made where the CLI reads what it was given.
//!
//! The library is strict and reports a token or a key document in its own terms
//! ("header is not canonical unpadded base64url"). When the cause is a recognisable
//! slip (an `Authorization` header value pasted whole, a token in quotes, a token
//! endpoint response instead of its `id_token`, a single JWK where a JWK Set belongs),
//! these functions name the slip and the fix, with a stable code of its own.
//!
//! They run only after the library has refused the input, and every slip they know
//! leaves characters no compact JWS can hold (a space, a quote, a brace), so a hint
//! never changes a verdict, only its wording. The CLI does not repair the input
//! either: it checks exactly the text it was given (whitespace around it aside,
//! docs/verification-rules.md), so that its verdict is the one an application would reach.

use std::path::Path;

use serde_json::Value;
use stepup::TokenKind;

use super::Failure;

/// A hint for a token the library refused with `error`, if the text shows a known
/// slip; `kind` picks the member a token response is searched for.
pub(crate) fn token(text: &str, kind: TokenKind, error: &stepup::Error) -> Option<Failure> {
    let text = text.trim();
    wrapped(text)
        .or_else(|| json(text, kind))
        .or_else(|| encrypted(error))
}

/// A failure for a key file (`--key`) or a JWK Set file (`--jwks`) the library
/// refused with `error`, saying what the file holds instead when it is a known slip.
pub(crate) fn key_file(text: &str, path: &Path, file: KeyFile, error: &stepup::Error) -> Failure {
    let path = path.display();
    let start = text.trim_start();
    if file == KeyFile::Jwks {
        if start.starts_with("-----BEGIN") {
            return Failure::reworded(
                error,
                format!(
                    "the JWKS file {path} holds a PEM key or certificate, not a JWK Set; \
                     pass it with --key {path}"
                ),
            );
        }
        if let Ok(Value::Object(object)) = serde_json::from_str::<Value>(text)
            && object.contains_key("kty")
            && !object.contains_key("keys")
        {
            return Failure::reworded(
                error,
                format!(
                    "the JWKS file {path} holds a single JWK (it has \"kty\", not \"keys\"), \
                     not a JWK Set; pass it with --key {path}, or wrap it as {{\"keys\": [ … ]}}"
                ),
            );
        }
    }
    let looks_like_json = start.starts_with('{') || start.starts_with('[');
    if (file == KeyFile::Jwks || looks_like_json)
        && let Err(syntax) = serde_json::from_str::<Value>(text)
    {
        let (what, expected) = match file {
            KeyFile::Jwks => ("JWKS file", "a JWK Set, {\"keys\": [ … ]}"),
            KeyFile::Key => (
                "key file",
                "a JWK (JSON object), a PEM public key or a certificate",
            ),
        };
        return Failure::reworded(
            error,
            format!(
                "the {what} {path} is not valid JSON ({}); expected {expected}",
                json_syntax(&syntax)
            ),
        );
    }
    Failure::from(error.clone())
}

/// Which flag a key document came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyFile {
    /// `--key`: one PEM key, certificate or JWK.
    Key,
    /// `--jwks`: a JWK Set.
    Jwks,
}

/// The quotes a copied token may come wrapped in, typographic ones included.
const QUOTES: &[char] = &['"', '\'', '`', '“', '”', '‘', '’', '«', '»'];

/// A token inside quotes, after `Bearer `, or after `Authorization: `: names each
/// wrapper to remove, outermost first.
fn wrapped(text: &str) -> Option<Failure> {
    let mut rest = text;
    let mut removed: Vec<&str> = Vec::new();
    let mut code = None;
    // Each round removes at least one character; a few rounds cover every real paste.
    for _ in 0..6 {
        let before = rest;
        if rest.starts_with(QUOTES) || rest.ends_with(QUOTES) {
            let inner = rest.strip_prefix(QUOTES).unwrap_or(rest);
            rest = inner.strip_suffix(QUOTES).unwrap_or(inner);
            push_once(&mut removed, "the quotes");
            code.get_or_insert("quoted_token");
        } else if let Some(after) = strip_word(rest, "authorization:") {
            rest = after;
            push_once(&mut removed, "the \"Authorization:\" header name");
            code.get_or_insert("bearer_prefix");
        } else if let Some(after) = strip_word(rest, "bearer") {
            rest = after;
            push_once(&mut removed, "the \"Bearer \" prefix");
            code.get_or_insert("bearer_prefix");
        }
        rest = rest.trim();
        if rest.len() == before.len() {
            break;
        }
    }
    let code = code?;
    let what = match code {
        "quoted_token" => "the token is wrapped in quotes",
        _ => "this is an Authorization header value (\"Bearer <token>\"), not a bare token",
    };
    let message = if rest.is_empty() {
        format!("{what}, with no token inside: the token itself is missing")
    } else {
        format!(
            "{what}; remove {}: stepup checks exactly the text it is given, which must be \
             the token alone (header.payload.signature)",
            removed.join(" and ")
        )
    };
    Some(Failure::token(code, message))
}

fn push_once<'a>(list: &mut Vec<&'a str>, item: &'a str) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// `text` without a leading `word` (ASCII case-insensitive) that is followed by
/// whitespace or ends the text (or, for `…:`, by anything).
fn strip_word<'a>(text: &'a str, word: &str) -> Option<&'a str> {
    let head = text.get(..word.len())?;
    if !head.eq_ignore_ascii_case(word) {
        return None;
    }
    let rest = &text[word.len()..];
    let separated = word.ends_with(':') || rest.is_empty() || rest.starts_with(char::is_whitespace);
    separated.then_some(rest)
}

/// JSON where a token belongs: a token endpoint response, or something else.
fn json(text: &str, kind: TokenKind) -> Option<Failure> {
    if !text.starts_with('{') && !text.starts_with('[') {
        return None;
    }
    let not_a_token = "this is JSON, not an encoded token: stepup needs the token as the \
                       provider sent it, three base64url parts joined by dots \
                       (header.payload.signature)";
    let Ok(Value::Object(object)) = serde_json::from_str::<Value>(text) else {
        return Some(Failure::token("token_is_json", not_a_token));
    };
    let (member, what) = match kind {
        TokenKind::AccessToken => ("access_token", "access token"),
        _ => ("id_token", "ID token"),
    };
    if object.get(member).is_some_and(Value::is_string) {
        return Some(Failure::token(
            "token_response",
            format!(
                "this looks like a token endpoint response (JSON), not a token; its \
                 \"{member}\" member is the {what}: pass only that, e.g. \
                 `jq -r .{member} response.json | stepup …`"
            ),
        ));
    }
    let response = ["access_token", "id_token", "token_type", "refresh_token"]
        .iter()
        .any(|name| object.contains_key(*name));
    if response {
        let mut message = format!(
            "this looks like a token endpoint response (JSON), not a token, and it has no \
             \"{member}\" string"
        );
        if member == "id_token" {
            message.push_str(
                ": a provider issues an ID token only when the authorization request's \
                 scope includes `openid`",
            );
            if object.get("access_token").is_some_and(Value::is_string) {
                message.push_str(
                    "; to check its access_token (when that is a JWT), pass that with \
                     --access-token",
                );
            }
        }
        return Some(Failure::token("token_response", message));
    }
    let looks_like = if object.contains_key("kty") || object.contains_key("keys") {
        "; it looks like a key: keys go in --key or --jwks"
    } else if ["iss", "sub", "aud", "exp"]
        .iter()
        .any(|name| object.contains_key(*name))
    {
        "; it looks like decoded claims, which cannot be verified without the signature"
    } else {
        ""
    };
    Some(Failure::token(
        "token_is_json",
        format!("{not_a_token}{looks_like}"),
    ))
}

/// An encrypted token (JWE), with what to do about it.
fn encrypted(error: &stepup::Error) -> Option<Failure> {
    (error.code() == "jwe_not_supported").then(|| {
        Failure::reworded(
            error,
            "this is an encrypted token (JWE, 5 parts); stepup verifies signed ID tokens \
             (JWS, 3 parts): decrypt it with the client's key first (the signed ID token is \
             inside), or register the client without ID token encryption \
             (id_token_encrypted_response_alg)",
        )
    })
}

/// A serde_json syntax error as category and position, without the input's text.
fn json_syntax(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let cut = text.find(" at line ").unwrap_or(text.len());
    format!(
        "{} at line {} column {}",
        &text[..cut],
        error.line(),
        error.column()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The codes `verify` and `decode` report besides the library's own
    /// (`stepup::ERROR_CODES`), with their exit code, as `stepup verify --help` lists them.
    const CLI_ERROR_CODES: &[(&str, u8)] = &[
        ("usage", 3),
        ("no_token", 3),
        ("bearer_prefix", 2),
        ("quoted_token", 2),
        ("token_response", 2),
        ("token_is_json", 2),
        ("file_unreadable", 3),
        ("stdin_unreadable", 3),
        ("output_failed", 3),
    ];

    fn malformed() -> stepup::Error {
        stepup::Error::MalformedToken { reason: "test" }
    }

    fn code(text: &str) -> Option<String> {
        token(text, TokenKind::IdToken, &malformed()).map(|f| f.code().to_owned())
    }

    #[test]
    fn wrappers_are_named_outermost_first() {
        assert_eq!(code("Bearer a.b.c").as_deref(), Some("bearer_prefix"));
        assert_eq!(code("bearer\ta.b.c").as_deref(), Some("bearer_prefix"));
        assert_eq!(
            code("Authorization: Bearer a.b.c").as_deref(),
            Some("bearer_prefix")
        );
        assert_eq!(code("'a.b.c'").as_deref(), Some("quoted_token"));
        assert_eq!(code("\"a.b.c").as_deref(), Some("quoted_token"));
        assert_eq!(code("“a.b.c”").as_deref(), Some("quoted_token"));
        let failure = token("\"Bearer a.b.c\"", TokenKind::IdToken, &malformed()).unwrap();
        assert_eq!(failure.code(), "quoted_token");
        assert!(
            failure
                .message()
                .contains("remove the quotes and the \"Bearer \" prefix"),
            "{}",
            failure.message()
        );
        // Not a wrapper: a word that merely starts like one.
        assert_eq!(code("Bearerish.b.c"), None);
        assert_eq!(code("a.b.c"), None);
    }

    #[test]
    fn only_a_scheme_says_the_token_is_missing() {
        let failure = token("Bearer", TokenKind::IdToken, &malformed()).unwrap();
        assert!(failure.message().contains("the token itself is missing"));
    }

    #[test]
    fn json_responses_point_at_the_right_member() {
        let response = r#"{"access_token":"x","id_token":"a.b.c","token_type":"Bearer"}"#;
        let id = token(response, TokenKind::IdToken, &malformed()).unwrap();
        assert_eq!(id.code(), "token_response");
        assert!(id.message().contains("\"id_token\" member"));
        assert!(!id.message().contains("a.b.c"), "never echo a token");
        let access = token(response, TokenKind::AccessToken, &malformed()).unwrap();
        assert!(access.message().contains("\"access_token\" member"));
        let without = token(
            r#"{"access_token":"x","token_type":"Bearer"}"#,
            TokenKind::IdToken,
            &malformed(),
        )
        .unwrap();
        assert_eq!(without.code(), "token_response");
        assert!(without.message().contains("openid"));
        assert_eq!(code(r#"{"sub":"alice"}"#).as_deref(), Some("token_is_json"));
        assert_eq!(code("{not json").as_deref(), Some("token_is_json"));
    }

    #[test]
    fn every_hint_code_is_documented() {
        let help = crate::args::VERIFY_AFTER_LONG_HELP;
        for (code, exit) in CLI_ERROR_CODES {
            assert!(
                !stepup::ERROR_CODES.contains(code),
                "{code} is the library's"
            );
            let line = help
                .lines()
                .find(|line| line.split_whitespace().next() == Some(code))
                .unwrap_or_else(|| panic!("{code} is not in verify --help"));
            assert_eq!(
                line.split_whitespace().nth(1),
                Some(exit.to_string().as_str())
            );
        }
        for text in ["Bearer x", "'x'", r#"{"id_token":"x"}"#, "{}"] {
            let found = code(text).unwrap();
            assert!(
                CLI_ERROR_CODES.iter().any(|(code, ..)| *code == found),
                "{found}"
            );
        }
    }
}
