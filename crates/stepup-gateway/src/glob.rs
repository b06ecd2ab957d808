//! Path globs of rules: `*` within one segment, `**` any number of whole segments
//! (zero included), everything else literal and case-sensitive.

use std::fmt;

/// A compiled path glob such as `/admin/**` or `/api/*/keys`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathGlob {
    text: String,
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// `**`: any number of segments.
    Any,
    /// A segment pattern, split at its `*`s: `a*b*c` is `["a", "b", "c"]`.
    Pattern(Vec<String>),
}

/// Why a glob cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobError {
    glob: String,
    reason: &'static str,
}

impl fmt::Display for GlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the path glob {:?} {}; write it like \"/admin/**\" or \"/api/*/keys\"",
            self.glob, self.reason
        )
    }
}

impl std::error::Error for GlobError {}

impl PathGlob {
    /// Compiles a glob. It must start with `/`; `**` must be a whole segment; it
    /// holds only characters a normalised path can hold: ASCII letters, digits,
    /// `-._~!$&'()+,;=:@`, `*` (the wildcard), `/`, and `%XX` escapes. It is put in
    /// the same normal form as request paths (escapes of unreserved characters
    /// decoded, hex upper-cased), so `/%61dmin` and `/admin` are the same rule. A
    /// character that must be escaped in a URL (`é`, a space) is refused with the
    /// escaped form to write instead: requests carry it escaped, and a glob that
    /// could never match would silently let requests fall through to later rules.
    ///
    /// ```
    /// use stepup_gateway::PathGlob;
    ///
    /// let admin = PathGlob::new("/admin/**")?;
    /// assert!(admin.matches("/admin") && admin.matches("/admin/users/7"));
    /// assert!(!admin.matches("/administrator") && !admin.matches("/Admin"));
    /// let keys = PathGlob::new("/api/*/keys")?;
    /// assert!(keys.matches("/api/v1/keys") && !keys.matches("/api/v1/x/keys"));
    /// # Ok::<(), stepup_gateway::GlobError>(())
    /// ```
    ///
    /// # Errors
    /// A [`GlobError`] naming the glob and what is wrong.
    pub fn new(glob: &str) -> Result<Self, GlobError> {
        let fail = |reason| GlobError {
            glob: glob.to_owned(),
            reason,
        };
        if !glob.starts_with('/') {
            return Err(fail("does not start with /"));
        }
        let canonical = canonical(glob).map_err(fail)?;
        let mut segments = Vec::new();
        let parts: Vec<&str> = canonical[1..].split('/').collect();
        for (index, part) in parts.iter().enumerate() {
            if part.is_empty() && index + 1 < parts.len() {
                return Err(fail("has an empty segment (//)"));
            }
            if *part == "**" {
                segments.push(Segment::Any);
            } else if part.contains("**") {
                return Err(fail(
                    "uses ** inside a segment; ** must stand alone between slashes",
                ));
            } else if *part == "." || *part == ".." {
                return Err(fail("has a . or .. segment, which no normalised path has"));
            } else {
                segments.push(Segment::Pattern(
                    part.split('*').map(str::to_owned).collect(),
                ));
            }
        }
        Ok(Self {
            text: glob.to_owned(),
            segments,
        })
    }

    /// Whether the normalised `path` matches.
    pub fn matches(&self, path: &str) -> bool {
        let Some(rest) = path.strip_prefix('/') else {
            return false;
        };
        let parts: Vec<&str> = rest.split('/').collect();
        matches_segments(&self.segments, &parts)
    }

    /// The glob as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// The glob in the normal form of request paths, or why it cannot match any.
fn canonical(glob: &str) -> Result<String, &'static str> {
    let bytes = glob.as_bytes();
    let mut out = String::with_capacity(glob.len());
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        match byte {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .ok_or("has a % not followed by two hex digits")?;
                let digit = |b: u8| char::from(b).to_digit(16);
                let (Some(high), Some(low)) = (digit(hex[0]), digit(hex[1])) else {
                    return Err("has a % not followed by two hex digits");
                };
                let value = (high * 16 + low) as u8;
                match value {
                    b'/' | b'\\' | 0 => {
                        return Err("contains %2F, %5C or %00, which requests are refused for");
                    }
                    b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                        out.push(char::from(value));
                    }
                    _ => {
                        out.push('%');
                        out.push(char::from(hex[0].to_ascii_uppercase()));
                        out.push(char::from(hex[1].to_ascii_uppercase()));
                    }
                }
                i += 3;
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => {
                out.push(char::from(byte));
                i += 1;
            }
            b'-' | b'.' | b'_' | b'~' | b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+'
            | b',' | b'=' | b':' | b'@' | b'/' => {
                out.push(char::from(byte));
                i += 1;
            }
            b';' => return Err("contains ;, and requests with ; in their path are refused"),
            _ => {
                return Err(
                    "contains a character that requests carry percent-encoded (non-ASCII, a \
                     space, ?, #, \\, …); write it escaped as it arrives, e.g. /caf%C3%A9 for /café",
                );
            }
        }
    }
    Ok(out)
}

impl fmt::Display for PathGlob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Whether `globs` match `parts`, by dynamic programming over (glob, part)
/// positions: at most globs × parts steps, never the exponential or quadratic
/// backtracking of a naive `**` (a long path cannot make matching slow).
fn matches_segments(globs: &[Segment], parts: &[&str]) -> bool {
    // reach[j]: the first `i` globs can match the first `j` parts.
    let mut reach = vec![false; parts.len() + 1];
    reach[0] = true;
    for glob in globs {
        let mut next = vec![false; parts.len() + 1];
        match glob {
            Segment::Any => {
                // `**` takes any number of parts after a reachable position.
                let mut seen = false;
                for j in 0..=parts.len() {
                    seen |= reach[j];
                    next[j] = seen;
                }
            }
            Segment::Pattern(pieces) => {
                for j in 0..parts.len() {
                    if reach[j] && segment_matches(pieces, parts[j]) {
                        next[j + 1] = true;
                    }
                }
            }
        }
        reach = next;
    }
    reach[parts.len()]
}

/// `pieces` are the literal parts between `*`s.
fn segment_matches(pieces: &[String], segment: &str) -> bool {
    let [first, middle @ .., last] = pieces else {
        return pieces.first().is_some_and(|only| only == segment);
    };
    if segment.len() < first.len() + last.len()
        || !segment.starts_with(first.as_str())
        || !segment.ends_with(last.as_str())
    {
        return false;
    }
    let mut inner = &segment[first.len()..segment.len() - last.len()];
    for piece in middle {
        match inner.find(piece.as_str()) {
            Some(at) => inner = &inner[at + piece.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(text: &str) -> PathGlob {
        PathGlob::new(text).unwrap()
    }

    #[test]
    fn double_star_takes_any_number_of_segments() {
        let g = glob("/admin/**");
        for path in ["/admin", "/admin/", "/admin/a", "/admin/a/b/c"] {
            assert!(g.matches(path), "{path}");
        }
        for path in ["/", "/adminx", "/x/admin", "/Admin/a"] {
            assert!(!g.matches(path), "{path}");
        }
        let all = glob("/**");
        assert!(all.matches("/") && all.matches("/a/b"));
        let middle = glob("/a/**/z");
        assert!(middle.matches("/a/z") && middle.matches("/a/b/c/z") && !middle.matches("/a/b"));
    }

    #[test]
    fn single_star_stays_in_one_segment() {
        let g = glob("/api/*/keys");
        assert!(g.matches("/api/v1/keys"));
        assert!(!g.matches("/api/keys") && !g.matches("/api/v1/v2/keys"));
        let g = glob("/files/*.pdf");
        assert!(g.matches("/files/a.pdf") && g.matches("/files/.pdf"));
        assert!(!g.matches("/files/a.pdf/x") && !g.matches("/files/a.PDF"));
        let g = glob("/a*b*c");
        assert!(g.matches("/abc") && g.matches("/axxbyyc") && !g.matches("/acb"));
        let exact = glob("/login");
        assert!(exact.matches("/login") && !exact.matches("/login/") && !exact.matches("/logins"));
        let g = glob("/x/*");
        assert!(g.matches("/x/") && g.matches("/x/y") && !g.matches("/x"));
    }

    #[test]
    fn globs_take_the_normal_form_of_paths() {
        assert!(glob("/%61dmin/**").matches("/admin/x"));
        assert!(glob("/caf%c3%a9/**").matches("/caf%C3%A9/x"));
        assert_eq!(glob("/caf%c3%a9").as_str(), "/caf%c3%a9");
        for bad in [
            "/café/**",
            "/a b",
            "/a;b",
            "/a%2F",
            "/a%5c",
            "/x%00",
            "/a%zz",
        ] {
            assert!(PathGlob::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn long_paths_match_in_linear_time() {
        let g = glob("/**/private/**/edit");
        // Backtracking took seconds on 32,000 segments (quadratic); this is linear.
        let path = "/private".repeat(20_000);
        assert!(!g.matches(&path));
        assert!(g.matches(&format!("{path}/edit")));
    }

    #[test]
    fn bad_globs_are_refused() {
        for bad in [
            "admin/**", "", "/a**", "/a/**b", "/a//b", "/a b", "/a?", "/a/../b", "/a%2fb", "/a\\b",
        ] {
            let err = PathGlob::new(bad).unwrap_err();
            assert!(err.to_string().contains(&format!("{bad:?}")), "{err}");
        }
    }
}
