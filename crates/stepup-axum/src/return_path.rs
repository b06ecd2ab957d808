//! The page to come back to after a login: a path on this site, never another origin.

/// Longest return path kept (with its query).
const MAX_LEN: usize = 2048;

/// Accepts `rd` when it is a same-origin relative path: it starts with one `/`, is not
/// `//host` or `/\host` (which browsers treat as another host), holds no backslash,
/// control character or space, and is at most 2 KiB. Everything else (absolute URLs,
/// `javascript:`, empty) is refused.
pub(crate) fn same_origin_path(rd: &str) -> Option<&str> {
    let bytes = rd.as_bytes();
    let ok = rd.len() <= MAX_LEN
        && bytes.first() == Some(&b'/')
        && !matches!(bytes.get(1), Some(b'/' | b'\\'))
        && !bytes
            .iter()
            .any(|&b| b == b'\\' || b.is_ascii_control() || b == b' ' || !b.is_ascii());
    ok.then_some(rd)
}

/// Accepts `rd` when it is a same-origin path, or (when `origin` is given, as for the
/// gateway, whose pages are on the app's origin) an absolute URL on exactly that
/// origin (`https://app.example.com`): same scheme, host and port, no user info.
pub(crate) fn allowed_return(rd: &str, origin: Option<&str>) -> Option<String> {
    if let Some(path) = same_origin_path(rd) {
        return Some(path.to_owned());
    }
    let origin = origin?;
    let url = url::Url::parse(rd).ok()?;
    let same = url.origin().ascii_serialization() == origin
        && url.username().is_empty()
        && url.password().is_none()
        && rd.len() <= MAX_LEN
        && !rd
            .bytes()
            .any(|b| b == b'\\' || b.is_ascii_control() || b == b' ');
    same.then(|| url.to_string())
}

/// `rd` as the login start will accept it: as given when allowed; else without its
/// query; else the root (of `origin` for an absolute URL). So a page whose address is
/// too long to carry still lets the user log in.
pub(crate) fn fitting_return(rd: &str, origin: Option<&str>) -> String {
    if let Some(fits) = allowed_return(rd, origin) {
        return fits;
    }
    let without_query = rd.split('?').next().unwrap_or("/");
    allowed_return(without_query, origin).unwrap_or_else(|| match origin {
        Some(origin) if rd.starts_with(origin) => format!("{origin}/"),
        _ => "/".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_same_origin_paths() {
        for good in ["/", "/security", "/a/b?x=1&y=%2F", "/p#frag"] {
            assert_eq!(same_origin_path(good), Some(good), "{good}");
        }
        for bad in [
            "",
            "security",
            "//evil.example",
            "/\\evil.example",
            "/a\\b",
            "https://evil.example/",
            "javascript:alert(1)",
            "/\t/evil.example",
            "/%0a",
            "/a b",
            "/é",
        ] {
            let verdict = same_origin_path(bad);
            // "/%0a" is fine as text (the escape stays an escape); the rest are not.
            if bad == "/%0a" {
                assert_eq!(verdict, Some(bad));
            } else {
                assert_eq!(verdict, None, "{bad:?}");
            }
        }
        assert_eq!(same_origin_path(&format!("/{}", "a".repeat(3000))), None);
    }

    #[test]
    fn return_urls_that_do_not_fit_are_cut() {
        let long = "a".repeat(3000);
        assert_eq!(fitting_return(&format!("/p?q={long}"), None), "/p");
        assert_eq!(fitting_return(&format!("/{long}"), None), "/");
        let origin = Some("https://app.example.com");
        assert_eq!(
            fitting_return(&format!("https://app.example.com/p?q={long}"), origin),
            "https://app.example.com/p"
        );
        assert_eq!(
            fitting_return(&format!("https://app.example.com/{long}"), origin),
            "https://app.example.com/"
        );
        assert_eq!(fitting_return("https://evil.example/", origin), "/");
    }

    #[test]
    fn absolute_urls_only_on_the_configured_origin() {
        let origin = Some("https://app.example.com");
        assert_eq!(
            allowed_return("https://app.example.com/admin?x=1", origin).as_deref(),
            Some("https://app.example.com/admin?x=1")
        );
        assert_eq!(allowed_return("/admin", origin).as_deref(), Some("/admin"));
        for bad in [
            "https://app.example.com.evil.example/",
            "http://app.example.com/",
            "https://app.example.com:8443/",
            "https://user@app.example.com/",
            "https://evil.example/",
            "//app.example.com/",
        ] {
            assert_eq!(allowed_return(bad, origin), None, "{bad}");
        }
        assert_eq!(allowed_return("https://app.example.com/", None), None);
    }
}
