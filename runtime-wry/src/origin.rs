//! Who may talk to the bus: the origin check of the bridge.
//!
//! WebKit sets `Origin` on a cross-scheme `fetch` (the page at `app://localhost` posting to
//! `switchboard://localhost/ipc` sends `Origin: app://localhost`); when it is missing the
//! `Referer`'s origin is used, and when both are missing the request is not trusted. A frame
//! is trusted when its origin is one of the app's own (the embedded frontend's, the dev
//! server's) or one the app listed explicitly; anything else is answered `forbidden` before
//! the bus sees it.

use wry::http::HeaderMap;

/// The origin of a web page: `scheme://host[:port]`, lower-cased, default ports dropped.
///
/// ```
/// use switchboard_runtime_wry::Origin;
/// let o = Origin::parse("HTTP://Example.com:80/path?q").unwrap();
/// assert_eq!(o.as_str(), "http://example.com");
/// assert_eq!(Origin::parse("app://localhost").unwrap().as_str(), "app://localhost");
/// assert!(Origin::parse("no scheme").is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin(String);

impl Origin {
    /// The origin of a URL (or of an `Origin` header's value). `None` for `null`, opaque
    /// origins (`data:`, `about:`) and text that is not a URL.
    pub fn parse(url: &str) -> Option<Self> {
        let (scheme, rest) = url.split_once("://")?;
        if scheme.is_empty()
            || !scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        {
            return None;
        }
        let scheme = scheme.to_ascii_lowercase();
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        // drop any user info
        let host_port = authority.rsplit('@').next().unwrap_or(authority);
        if host_port.is_empty() || host_port.contains(char::is_whitespace) {
            return None;
        }
        let host_port = host_port.to_ascii_lowercase();
        let host_port = match (scheme.as_str(), host_port.rsplit_once(':')) {
            ("http", Some((host, "80"))) | ("https", Some((host, "443"))) => host.to_owned(),
            _ => host_port,
        };
        Some(Self(format!("{scheme}://{host_port}")))
    }

    /// The origin as text (`app://localhost`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The origin a request came from: its `Origin` header, else its `Referer`'s origin.
    ///
    /// ```
    /// use switchboard_runtime_wry::Origin;
    /// use wry::http::HeaderMap;
    /// let mut headers = HeaderMap::new();
    /// headers.insert("Referer", "app://localhost/index.html".parse().unwrap());
    /// assert_eq!(Origin::of_request(&headers).unwrap().as_str(), "app://localhost");
    /// ```
    pub fn of_request(headers: &HeaderMap) -> Option<Self> {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        match header("Origin") {
            Some(origin) => Self::parse(origin),
            None => header("Referer").and_then(Self::parse),
        }
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The set of origins whose frames reach the bus.
///
/// ```
/// use switchboard_runtime_wry::{Origin, TrustedOrigins};
/// let trusted = TrustedOrigins::new([Origin::parse("app://localhost").unwrap()]);
/// assert!(trusted.allows(Some(&Origin::parse("app://localhost/x.html").unwrap())));
/// assert!(!trusted.allows(Some(&Origin::parse("https://evil.example").unwrap())));
/// assert!(!trusted.allows(None));
/// ```
#[derive(Debug, Clone, Default)]
pub struct TrustedOrigins {
    origins: Vec<Origin>,
}

impl TrustedOrigins {
    /// Trust exactly these origins.
    pub fn new(origins: impl IntoIterator<Item = Origin>) -> Self {
        let mut set = Self::default();
        for origin in origins {
            set.insert(origin);
        }
        set
    }

    /// Trust one more origin.
    pub fn insert(&mut self, origin: Origin) {
        if !self.origins.contains(&origin) {
            self.origins.push(origin);
        }
    }

    /// Whether a request from `origin` (`None`: unknown or opaque) may reach the bus.
    pub fn allows(&self, origin: Option<&Origin>) -> bool {
        origin.is_some_and(|o| self.origins.contains(o))
    }

    /// The trusted origins.
    pub fn iter(&self) -> impl Iterator<Item = &Origin> {
        self.origins.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, v.parse().unwrap());
        }
        map
    }

    fn app() -> TrustedOrigins {
        TrustedOrigins::new([
            Origin::parse("app://localhost").unwrap(),
            Origin::parse("http://localhost:5173").unwrap(),
        ])
    }

    #[test]
    fn the_apps_own_origin_is_trusted() {
        let origin = Origin::of_request(&headers(&[("Origin", "app://localhost")]));
        assert!(app().allows(origin.as_ref()));
        let dev = Origin::of_request(&headers(&[("Origin", "http://LOCALHOST:5173")]));
        assert!(app().allows(dev.as_ref()));
    }

    #[test]
    fn remote_pages_and_look_alikes_are_not_trusted() {
        for origin in [
            "https://evil.example",
            "app://localhost.evil.example",
            "app://evil@localhost.example",
            "http://localhost:5174",
            "http://localhost",
            "apps://localhost",
            "null",
            "data:text/html,hi",
        ] {
            let parsed = Origin::of_request(&headers(&[("Origin", origin)]));
            assert!(!app().allows(parsed.as_ref()), "{origin} was trusted");
        }
    }

    #[test]
    fn origin_header_wins_over_referer() {
        let h = headers(&[
            ("Origin", "https://evil.example"),
            ("Referer", "app://localhost/index.html"),
        ]);
        assert!(!app().allows(Origin::of_request(&h).as_ref()));
    }

    #[test]
    fn referer_is_used_when_origin_is_missing() {
        let h = headers(&[("Referer", "app://localhost/nested/page.html?x=1")]);
        assert!(app().allows(Origin::of_request(&h).as_ref()));
    }

    #[test]
    fn a_request_without_origin_or_referer_is_not_trusted() {
        assert!(!app().allows(Origin::of_request(&HeaderMap::new()).as_ref()));
    }

    #[test]
    fn default_ports_are_dropped() {
        assert_eq!(
            Origin::parse("https://a.example:443/x").unwrap().as_str(),
            "https://a.example"
        );
        assert_eq!(
            Origin::parse("http://a.example:8080").unwrap().as_str(),
            "http://a.example:8080"
        );
    }
}
