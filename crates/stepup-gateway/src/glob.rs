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
    /// may not contain `?`, `#`, `%2F`, spaces or control characters. Escapes are
    /// compared as written in normalised paths (upper-case hex).
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
        if glob
            .chars()
            .any(|c| c.is_control() || c == ' ' || c == '?' || c == '#' || c == '\\')
        {
            return Err(fail("contains a space, control character, ?, # or \\"));
        }
        if glob.to_ascii_uppercase().contains("%2F") {
            return Err(fail("contains %2F, which no normalised path has"));
        }
        let mut segments = Vec::new();
        let parts: Vec<&str> = glob[1..].split('/').collect();
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

impl fmt::Display for PathGlob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn matches_segments(globs: &[Segment], parts: &[&str]) -> bool {
    match globs.split_first() {
        None => parts.is_empty(),
        Some((Segment::Any, rest)) => {
            // `**` takes 0..=n segments; a trailing `**` also takes a trailing "".
            (0..=parts.len()).any(|taken| matches_segments(rest, &parts[taken..]))
        }
        Some((Segment::Pattern(pieces), rest)) => match parts.split_first() {
            Some((part, others)) => segment_matches(pieces, part) && matches_segments(rest, others),
            None => false,
        },
    }
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
    fn bad_globs_are_refused() {
        for bad in [
            "admin/**", "", "/a**", "/a/**b", "/a//b", "/a b", "/a?", "/a/../b", "/a%2fb", "/a\\b",
        ] {
            let err = PathGlob::new(bad).unwrap_err();
            assert!(err.to_string().contains(&format!("{bad:?}")), "{err}");
        }
    }
}
