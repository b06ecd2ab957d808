#![no_main]
//! Request paths in the gateway: `normalise_path` on the original URI a proxy reports,
//! and `PathGlob` compilation and matching.
//!
//! Input: a glob, then one request target per line. Checked: a normal form starts with
//! `/`, has no `//`, `.`, `..` or `;`, and normalises to itself; a glob that compiles
//! from a normal form matches it; and matching agrees with a matcher written here from
//! the definition (for globs without escapes, which are their own normal form).

use stepup_gateway::{PathGlob, normalise_path};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut lines = data.split(|&b| b == b'\n');
    let glob = lines
        .next()
        .and_then(|line| std::str::from_utf8(line).ok())
        .and_then(|text| PathGlob::new(text).ok());
    for target in lines {
        let Ok(normal) = normalise_path(target) else {
            continue;
        };
        assert!(normal.starts_with('/'), "{normal:?}");
        assert!(
            !normal.contains("//") && !normal.contains(';'),
            "{normal:?}"
        );
        assert!(
            normal[1..].split('/').all(|s| s != "." && s != ".."),
            "{normal:?}"
        );
        assert_eq!(normalise_path(&normal).as_deref(), Ok(normal.as_str()));
        if let Ok(itself) = PathGlob::new(&normal) {
            assert!(itself.matches(&normal), "{normal:?}");
        }
        if let Some(glob) = &glob {
            let matched = glob.matches(&normal);
            if let Some(expected) = reference(glob.as_str(), &normal) {
                assert_eq!(matched, expected, "{glob} on {normal:?}");
            }
        }
    }
});

/// Whether `glob` matches `path`, computed from the definition (`**` any number of
/// whole segments, `*` any run of bytes within one); `None` when the glob has escapes
/// (then its normal form differs from its text) or the path is long.
fn reference(glob: &str, path: &str) -> Option<bool> {
    let globs: Vec<&str> = glob.strip_prefix('/')?.split('/').collect();
    let parts: Vec<&str> = path.strip_prefix('/')?.split('/').collect();
    if glob.contains('%') || parts.len() > 64 || path.len() > 1024 {
        return None;
    }
    // rest[i][j]: globs[i..] match parts[j..].
    let mut rest = vec![vec![false; parts.len() + 1]; globs.len() + 1];
    rest[globs.len()][parts.len()] = true;
    for i in (0..globs.len()).rev() {
        for j in (0..=parts.len()).rev() {
            rest[i][j] = if globs[i] == "**" {
                (j..=parts.len()).any(|k| rest[i + 1][k])
            } else {
                j < parts.len()
                    && rest[i + 1][j + 1]
                    && wildcard(globs[i].as_bytes(), parts[j].as_bytes())
            };
        }
    }
    Some(rest[0][0])
}

/// Whether `glob` (with `*` for any run of bytes) matches all of `text`.
fn wildcard(glob: &[u8], text: &[u8]) -> bool {
    // ends[j]: the glob so far matches text[..j].
    let mut ends = vec![false; text.len() + 1];
    let mut next = ends.clone();
    ends[0] = true;
    for &g in glob {
        for j in 0..=text.len() {
            next[j] = if g == b'*' {
                ends[j] || (j > 0 && next[j - 1])
            } else {
                j > 0 && ends[j - 1] && text[j - 1] == g
            };
        }
        std::mem::swap(&mut ends, &mut next);
    }
    ends[text.len()]
}
