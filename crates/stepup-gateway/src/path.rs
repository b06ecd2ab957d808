//! Normalising the original request path before any rule sees it.
//!
//! Proxies and apps disagree about what a path means (`/admin/../public`,
//! `/%61dmin`, `//admin`); a rule must match the path the app will serve, so the
//! gateway matches a normal form and refuses (400) every path it cannot put in one
//! safely.

use std::fmt;

/// Why a path cannot be normalised safely: the request is answered 400 before any rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathError {
    /// Not an origin-form path (it must start with `/`).
    NotAbsolute,
    /// An escape that could change the path's structure or end it early:
    /// `%2F` (`/`), `%5C` (`\`), `%00`.
    ForbiddenEscape(&'static str),
    /// A `%` not followed by two hex digits.
    BadEscape,
    /// A byte that has no business in a path: controls, space, raw `\`, bytes that
    /// are not UTF-8.
    ForbiddenByte(u8),
    /// `..` climbs above the root.
    AboveRoot,
    /// A `;` (or `%3B`): path parameters, which servers such as Tomcat and Jetty
    /// strip before routing (`/admin;x=1/y` is their `/admin/y`), so no rule could
    /// judge the path the app serves.
    PathParameter,
    /// `..` after an empty segment (`/admin//../x`): collapsing `//` first and
    /// resolving per RFC 3986 give different paths.
    AmbiguousDotDot,
    /// Longer than 8 KiB or more than 256 segments.
    TooLong,
}

/// The longest original URI accepted, and the most segments.
pub const MAX_URI_LEN: usize = 8 * 1024;
/// See [`MAX_URI_LEN`].
pub const MAX_SEGMENTS: usize = 256;

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotAbsolute => f.write_str("the path does not start with /"),
            Self::ForbiddenEscape(what) => write!(f, "the path contains the escape {what}"),
            Self::BadEscape => f.write_str("the path has a % not followed by two hex digits"),
            Self::ForbiddenByte(byte) => write!(f, "the path contains the byte 0x{byte:02x}"),
            Self::AboveRoot => f.write_str("the path climbs above the root with .."),
            Self::PathParameter => {
                f.write_str("the path has a ; (path parameters are not supported)")
            }
            Self::AmbiguousDotDot => f.write_str(
                "the path has .. after an empty segment (//), which servers resolve differently",
            ),
            Self::TooLong => write!(
                f,
                "the path is over {MAX_URI_LEN} bytes or {MAX_SEGMENTS} segments"
            ),
        }
    }
}

impl std::error::Error for PathError {}

/// The normal form of the path of `uri` (an origin-form request target, query
/// allowed): the query is dropped; `%XX` of an unreserved character is decoded,
/// other escapes are kept with upper-case hex and match literally; `//` collapses;
/// `.` and `..` segments are resolved (also when written `%2e`). Refused: `%2F`,
/// `%5C`, `%00`, `;` (path parameters), `..` above the root or together with `//`,
/// bytes that are not UTF-8, and paths over 8 KiB or 256 segments.
///
/// ```
/// use stepup_gateway::normalise_path;
///
/// assert_eq!(normalise_path("/a//b/./c/%64?x=1").unwrap(), "/a/b/c/d");
/// assert_eq!(normalise_path("/a/b/../%2e%2e/c").unwrap(), "/c");
/// assert!(normalise_path("/admin;x=1/y").is_err()); // path parameters
/// assert!(normalise_path("/admin//../y").is_err()); // // and .. together
/// assert!(normalise_path("/a/%2e%2e/%2e%2e/etc").is_err()); // above the root
/// assert!(normalise_path("/admin%2Fsecret").is_err());
/// ```
///
/// # Errors
/// A [`PathError`] for anything that cannot be normalised safely.
pub fn normalise_path(uri: impl AsRef<[u8]>) -> Result<String, PathError> {
    let raw = uri.as_ref();
    if raw.len() > MAX_URI_LEN {
        return Err(PathError::TooLong);
    }
    let uri =
        std::str::from_utf8(raw).map_err(|e| PathError::ForbiddenByte(raw[e.valid_up_to()]))?;
    let path = uri.split_once('?').map_or(uri, |(path, _)| path);
    // A fragment never reaches a server; if one does, it is not part of the path.
    let path = path.split_once('#').map_or(path, |(path, _)| path);
    let bytes = path.as_bytes();
    if bytes.first() != Some(&b'/') {
        return Err(PathError::NotAbsolute);
    }
    let mut decoded = String::with_capacity(path.len());
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        match byte {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).ok_or(PathError::BadEscape)?;
                let value = hex_pair(hex).ok_or(PathError::BadEscape)?;
                match value {
                    b'/' => return Err(PathError::ForbiddenEscape("%2F")),
                    b'\\' => return Err(PathError::ForbiddenEscape("%5C")),
                    b';' => return Err(PathError::PathParameter),
                    0 => return Err(PathError::ForbiddenEscape("%00")),
                    _ if is_unreserved(value) => decoded.push(char::from(value)),
                    _ => {
                        decoded.push('%');
                        decoded.push(char::from(hex[0].to_ascii_uppercase()));
                        decoded.push(char::from(hex[1].to_ascii_uppercase()));
                    }
                }
                i += 3;
            }
            b'\\' | 0..=0x20 | 0x7f => return Err(PathError::ForbiddenByte(byte)),
            b';' => return Err(PathError::PathParameter),
            0x80.. => {
                // The whole path is UTF-8 (checked above): copy the character.
                let ch = path[i..]
                    .chars()
                    .next()
                    .ok_or(PathError::ForbiddenByte(byte))?;
                decoded.push(ch);
                i += ch.len_utf8();
            }
            _ => {
                decoded.push(char::from(byte));
                i += 1;
            }
        }
    }
    let pieces: Vec<&str> = decoded.split('/').collect();
    if pieces.len() > MAX_SEGMENTS + 1 {
        return Err(PathError::TooLong);
    }
    let has_empty = pieces[1..pieces.len().saturating_sub(1).max(1)]
        .iter()
        .any(|piece| piece.is_empty());
    if has_empty && pieces.contains(&"..") {
        return Err(PathError::AmbiguousDotDot);
    }
    let mut segments: Vec<&str> = Vec::new();
    let trailing_slash = decoded.ends_with('/') && decoded.len() > 1;
    for segment in decoded.split('/').filter(|s| !s.is_empty()) {
        match segment {
            "." => {}
            ".." => {
                segments.pop().ok_or(PathError::AboveRoot)?;
            }
            _ => segments.push(segment),
        }
    }
    let last_is_dot = decoded
        .rsplit('/')
        .next()
        .is_some_and(|last| last == "." || last == "..");
    let mut normal = String::with_capacity(decoded.len());
    for segment in &segments {
        normal.push('/');
        normal.push_str(segment);
    }
    if normal.is_empty() || ((trailing_slash || last_is_dot) && !segments.is_empty()) {
        normal.push('/');
    }
    Ok(normal)
}

fn hex_pair(hex: &[u8]) -> Option<u8> {
    let digit = |b: u8| char::from(b).to_digit(16);
    u8::try_from(digit(hex[0])? * 16 + digit(hex[1])?).ok()
}

/// RFC 3986 §2.3 unreserved characters.
fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_forms() {
        for (raw, normal) in [
            ("/", "/"),
            ("/admin", "/admin"),
            ("/admin/", "/admin/"),
            ("//admin//users", "/admin/users"),
            ("/admin/./users", "/admin/users"),
            ("/public/../admin", "/admin"),
            ("/public/%2e%2e/admin", "/admin"),
            ("/public/%2E%2E/admin", "/admin"),
            ("/%61dmin", "/admin"),
            ("/a%7eb", "/a~b"),
            ("/a%20b", "/a%20b"),
            ("/a%c3%a9", "/a%C3%A9"),
            ("/é", "/é"),
            ("/admin?next=/x", "/admin"),
            ("/admin/.", "/admin/"),
            ("/admin/x/..", "/admin/"),
        ] {
            assert_eq!(normalise_path(raw).as_deref(), Ok(normal), "{raw}");
        }
    }

    #[test]
    fn unsafe_paths_are_refused() {
        for raw in [
            "admin",
            "",
            "*",
            "http://x/admin",
            "/admin%2Fusers",
            "/admin%2fusers",
            "/a%5Cb",
            "/a%00",
            "/a%zz",
            "/a%4",
            "/a\\b",
            "/a b",
            "/a\tb",
            "/..",
            "/a/../..",
            "/%2e%2e/etc",
            "/admin;jsessionid=1/x",
            "/admin%3B/x",
            "/admin//../x",
            "/a//b/..",
        ] {
            assert!(normalise_path(raw).is_err(), "{raw:?}");
        }
        assert_eq!(normalise_path("/a".repeat(5000)), Err(PathError::TooLong));
        assert_eq!(normalise_path("/a".repeat(300)), Err(PathError::TooLong));
        assert!(normalise_path("/a".repeat(200)).is_ok());
        assert_eq!(
            normalise_path(b"/a\xffb".as_slice()),
            Err(PathError::ForbiddenByte(0xff))
        );
    }
}
