//! TOTP (RFC 6238) over HMAC-SHA1 from aws-lc-rs: 6 digits, 30-second steps, ±1 step.
//!
//! Written here rather than taken from a TOTP crate: the algorithm is a dozen lines on
//! top of the HMAC the workspace already uses (aws-lc-rs, the core's crypto backend),
//! it is checked against the RFC 6238 Appendix B vectors below, and it keeps one crypto
//! library in the tree. SHA-1, 6 digits and 30 s are what authenticator apps support
//! everywhere (Google Authenticator ignores the `algorithm` parameter).

use aws_lc_rs::hmac;
use data_encoding::BASE32_NOPAD;

/// Seconds per time step (RFC 6238 `X`).
pub(crate) const STEP: u64 = 30;
/// Digits per code.
pub(crate) const DIGITS: u32 = 6;
/// Bytes of a generated secret: 160 bits, the HMAC-SHA1 output size (RFC 4226 §4 R6).
pub(crate) const SECRET_LEN: usize = 20;

/// Decodes a base32 secret as found in `otpauth://` URIs: case-insensitive, spaces and
/// padding ignored.
pub(crate) fn decode_secret(text: &str) -> Result<Vec<u8>, String> {
    let cleaned: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '=')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let bytes = BASE32_NOPAD
        .decode(cleaned.as_bytes())
        .map_err(|_| "totp_secret is not base32 (letters A-Z and digits 2-7)".to_owned())?;
    if bytes.len() < 10 {
        return Err(format!(
            "totp_secret is {} bytes; use at least 10 (16 base32 characters)",
            bytes.len()
        ));
    }
    Ok(bytes)
}

/// Encodes a secret as unpadded base32.
pub(crate) fn encode_secret(secret: &[u8]) -> String {
    BASE32_NOPAD.encode(secret)
}

/// The code for time step `step` (RFC 4226 HOTP with counter = step).
pub(crate) fn code_at_step(secret: &[u8], step: u64) -> u32 {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    let mac = hmac::sign(&key, &step.to_be_bytes());
    let mac = mac.as_ref();
    // Dynamic truncation (RFC 4226 §5.3); SHA-1 output is 20 bytes, offset ≤ 15.
    let offset = usize::from(mac[mac.len() - 1] & 0x0f);
    let word = u32::from_be_bytes([
        mac[offset] & 0x7f,
        mac[offset + 1],
        mac[offset + 2],
        mac[offset + 3],
    ]);
    word % 10u32.pow(DIGITS)
}

/// The time step holding `unix_time`.
pub(crate) fn step_of(unix_time: u64) -> u64 {
    unix_time / STEP
}

/// Checks `code` at `unix_time` with one step of tolerance either side (RFC 6238 §5.2),
/// refusing steps at or before `last_used` so a code works only once. Returns the step
/// that matched. ASCII spaces are ignored, since authenticator apps show codes as
/// `902 367`; anything else must be exactly six digits.
pub(crate) fn verify(
    secret: &[u8],
    code: &str,
    unix_time: u64,
    last_used: Option<u64>,
) -> Option<u64> {
    let code = code.replace(' ', "");
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let wanted: u32 = code.parse().ok()?;
    let now = step_of(unix_time);
    let mut matched = None;
    // Check every candidate so the time taken does not depend on which one matched.
    for step in [now.saturating_sub(1), now, now + 1] {
        let fresh = last_used.is_none_or(|last| step > last);
        if fresh && code_at_step(secret, step) == wanted && matched.is_none() {
            matched = Some(step);
        }
    }
    matched
}

/// The `otpauth://totp/...` URI authenticator apps enrol from (Key Uri Format). SHA-1,
/// 6 digits and 30 s are the format's defaults, so they are left out: a shorter URI
/// makes a smaller QR code.
pub(crate) fn otpauth_uri(issuer_label: &str, username: &str, secret_base32: &str) -> String {
    let enc = |text: &str| -> String {
        url::form_urlencoded::byte_serialize(text.as_bytes())
            .collect::<String>()
            .replace('+', "%20")
    };
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}",
        enc(issuer_label),
        enc(username),
        secret_base32,
        enc(issuer_label),
    )
}

/// The current TOTP code for a base32 secret at `unix_time`, as an authenticator app
/// would show it. For tests and scripted clients of the development provider.
///
/// ```
/// // RFC 6238 Appendix B: secret "12345678901234567890", T = 59 s.
/// let code = stepup_issuer::totp_code("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 59)?;
/// assert_eq!(code, "287082");
/// # Ok::<(), stepup_issuer::Error>(())
/// ```
///
/// # Errors
/// `invalid_config` if the secret is not base32 or is shorter than 10 bytes.
pub fn totp_code(secret_base32: &str, unix_time: u64) -> Result<String, crate::Error> {
    let secret = decode_secret(secret_base32).map_err(crate::Error::config)?;
    Ok(format_code(code_at_step(&secret, step_of(unix_time))))
}

/// Formats a code with leading zeros.
pub(crate) fn format_code(code: u32) -> String {
    format!("{code:0width$}", width = DIGITS as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-1 rows (8 digits there; the last 6 digits here).
    #[test]
    fn rfc6238_appendix_b_sha1() {
        let secret = b"12345678901234567890";
        for (time, expected8) in [
            (59u64, 94287082u32),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ] {
            assert_eq!(
                code_at_step(secret, step_of(time)),
                expected8 % 1_000_000,
                "t={time}"
            );
        }
    }

    #[test]
    fn window_is_one_step_either_side_and_codes_are_single_use() {
        let secret = b"12345678901234567890";
        let t = 1_700_000_000;
        let step = step_of(t);
        for (offset, ok) in [(-2i64, false), (-1, true), (0, true), (1, true), (2, false)] {
            let code = format_code(code_at_step(secret, (step as i64 + offset) as u64));
            assert_eq!(verify(secret, &code, t, None).is_some(), ok, "{offset}");
        }
        let code = format_code(code_at_step(secret, step));
        assert_eq!(verify(secret, &code, t, None), Some(step));
        assert_eq!(verify(secret, &code, t, Some(step)), None);
        assert_eq!(verify(secret, "12345", t, None), None);
        assert_eq!(verify(secret, "abcdef", t, None), None);
    }

    #[test]
    fn spaces_in_a_code_are_ignored_but_nothing_else() {
        let secret = b"12345678901234567890";
        let t = 1_700_000_000;
        let step = step_of(t);
        let code = format_code(code_at_step(secret, step));
        let (head, tail) = code.split_at(3);
        for typed in [
            format!("{head} {tail}"),
            format!(" {head}  {tail} "),
            code.chars().map(|c| format!("{c} ")).collect(),
        ] {
            assert_eq!(verify(secret, &typed, t, None), Some(step), "{typed:?}");
        }
        for typed in [
            format!("{head}\t{tail}"),
            format!("{head}\u{a0}{tail}"),
            format!("{head}-{tail}"),
            format!("{code}\n"),
            format!("{code} 1"),
        ] {
            assert_eq!(verify(secret, &typed, t, None), None, "{typed:?}");
        }
    }

    #[test]
    fn secrets_round_trip_through_base32() {
        let secret = [7u8; SECRET_LEN];
        let text = encode_secret(&secret);
        assert_eq!(decode_secret(&text.to_lowercase()).unwrap(), secret);
        assert!(decode_secret("JBSWY3DP").is_err());
        assert!(decode_secret("not base32!").is_err());
    }
}
