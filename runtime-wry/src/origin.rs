//! Who may talk to the bus: the origin check of the bridge.
//!
//! WebKit sets `Origin` on a cross-scheme `fetch` (the page at `app://localhost` posting to
//! `switchboard://localhost/ipc` sends `Origin: app://localhost`). A request without an
//! `Origin` header is not trusted (a `Referer` is not evidence: it can be suppressed or
//! point elsewhere). A frame is trusted when its origin is one of the app's own (the pages
//! the runtime serves: the embedded frontend's, the dev server's) or one a capability names;
//! anything else is answered `forbidden` before the bus sees it.
//!
//! Origins are parsed by the WHATWG URL rules (the `url` crate), the rules the webview
//! itself applies, so text such as `http://evil.example\@localhost:5173` means what WebKit
//! thinks it means (host `evil.example`), and look-alikes (`app.localhost.evil.example`,
//! userinfo, other ports) are other origins.

use wry::http::HeaderMap;

/// The origin of a web page: `scheme://host[:port]`, lower-cased, default ports dropped.
///
/// ```
/// use switchboard_runtime_wry::Origin;
/// let o = Origin::parse("HTTP://Example.com:80/path?q").unwrap();
/// assert_eq!(o.as_str(), "http://example.com");
/// assert_eq!(Origin::parse("app://localhost").unwrap().as_str(), "app://localhost");
/// assert!(Origin::parse("no scheme").is_none());
/// // a backslash ends the host of an http URL, as in the webview
/// assert_eq!(
///     Origin::parse("http://evil.example\\@localhost:5173").unwrap().as_str(),
///     "http://evil.example"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin(String);

impl Origin {
    /// The origin of a URL (or of an `Origin` header's value). `None` for `null`, opaque
    /// origins (`data:`, `about:`, `blob:`, `file:`, `javascript:`) and text that is not a
    /// URL with a host.
    pub fn parse(url: &str) -> Option<Self> {
        let url = url::Url::parse(url.trim()).ok()?;
        match url.scheme() {
            "data" | "about" | "blob" | "file" | "javascript" => return None,
            _ => {}
        }
        match url.origin() {
            url::Origin::Tuple(..) => Some(Self(url.origin().ascii_serialization())),
            // a custom scheme (`app://localhost`): opaque to WHATWG, but WebKit names it
            // `scheme://host[:port]` in `Origin` headers
            url::Origin::Opaque(_) => {
                let host = url.host_str().filter(|h| !h.is_empty())?;
                let host = host.to_ascii_lowercase();
                Some(Self(match url.port() {
                    Some(port) => format!("{}://{host}:{port}", url.scheme()),
                    None => format!("{}://{host}", url.scheme()),
                }))
            }
        }
    }

    /// The origin as text (`app://localhost`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The origin a request came from: its `Origin` header (`None` when it is missing,
    /// `null` or not an origin).
    ///
    /// ```
    /// use switchboard_runtime_wry::Origin;
    /// use wry::http::HeaderMap;
    /// let mut headers = HeaderMap::new();
    /// headers.insert("Referer", "app://localhost/index.html".parse().unwrap());
    /// assert_eq!(Origin::of_request(&headers), None, "a Referer is not an origin");
    /// headers.insert("Origin", "app://localhost".parse().unwrap());
    /// assert_eq!(Origin::of_request(&headers).unwrap().as_str(), "app://localhost");
    /// ```
    pub fn of_request(headers: &HeaderMap) -> Option<Self> {
        headers
            .get("Origin")
            .and_then(|v| v.to_str().ok())
            .and_then(Self::parse)
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
    fn a_referer_without_origin_is_not_trusted() {
        let h = headers(&[("Referer", "app://localhost/nested/page.html?x=1")]);
        assert!(!app().allows(Origin::of_request(&h).as_ref()));
    }

    #[test]
    fn urls_are_read_as_the_webview_reads_them() {
        // WHATWG: `\` ends an http authority, so the host is evil.example
        for (url, origin) in [
            (
                "http://evil.example\\@localhost:5173",
                Some("http://evil.example"),
            ),
            (
                "http://user:pw@localhost:5173/x",
                Some("http://localhost:5173"),
            ),
            ("app://user@localhost/x", Some("app://localhost")),
            ("http://LOCALHOST.:5173", Some("http://localhost.:5173")),
            ("blob:app://localhost/123", None),
            ("file:///etc/passwd", None),
            ("about:srcdoc", None),
            ("javascript:alert(1)", None),
            ("null", None),
        ] {
            assert_eq!(
                Origin::parse(url).as_ref().map(Origin::as_str),
                origin,
                "{url}"
            );
        }
        for evil in [
            "http://evil.example\\@localhost:5173",
            "http://localhost:5173.evil.example",
            "http://localhost.evil.example:5173",
            "app://localhost.evil.example",
            "app://app.localhost.evil.example",
            "http://localhost.:5173",
        ] {
            assert!(
                !app().allows(Origin::parse(evil).as_ref()),
                "{evil} was trusted"
            );
        }
    }

    /// The trust decision for origins the webview cannot load in the e2e suite (hosts it
    /// cannot resolve, headers WebKit would never send): the app's own origins are the
    /// embedded frontend's (`app://localhost`) and a dev server's (`http://localhost:5173`).
    /// Each row: what arrives (an `Origin` header value, or a page's URL), whether it is
    /// trusted, and why.
    #[test]
    fn look_alike_origins_are_never_the_apps_own() {
        #[rustfmt::skip]
        let table: &[(&str, bool, &str)] = &[
            ("app://localhost", true, "the embedded frontend"),
            ("app://LOCALHOST", true, "hosts are case-insensitive"),
            ("app://localhost/index.html?x#y", true, "a URL's path, query and fragment are not its origin"),
            ("app://evil.example@localhost/", true, "userinfo is not part of the origin: the host is the app's"),
            ("http://localhost:5173", true, "the dev server"),
            ("http://LocalHost:05173/", true, "case and leading zeros of the port do not change the origin"),
            ("app://app.evil.com", false, "another host"),
            ("app://localhost.evil.com", false, "the app's host as a label of another host"),
            ("app://app.localhost.evil.com", false, "the app's host inside another host"),
            ("app://evil.com/localhost", false, "the app's host in the path"),
            ("app://localhost@evil.com", false, "the app's host as userinfo: the host is evil.com"),
            ("app://app@evil.com", false, "userinfo on another host"),
            ("app://localhost:8080", false, "another port"),
            ("app://localhost.", false, "a trailing dot is another host"),
            ("apps://localhost", false, "another scheme"),
            ("switchboard://localhost", false, "the bridge's own scheme serves no pages"),
            ("app:localhost", false, "no host at all"),
            ("app:///localhost", false, "an empty host"),
            ("http://localhost.evil.com:5173", false, "the dev host as a label of another host"),
            ("http://app.localhost.evil.com:5173", false, "the dev host inside another host"),
            ("http://localhost:5173@evil.com", false, "the dev origin as userinfo: the host is evil.com"),
            ("http://localhost:5173.evil.com", false, "not a port: not a URL"),
            ("http://evil.com\\@localhost:5173", false, "a backslash ends an http host (WHATWG)"),
            ("http://evil.com#@localhost:5173", false, "the dev origin in the fragment"),
            ("http://evil.com?@localhost:5173", false, "the dev origin in the query"),
            ("http://localhost:5174", false, "another port"),
            ("http://localhost", false, "the default port is another port"),
            ("https://localhost:5173", false, "another scheme"),
            ("http://127.0.0.1:5173", false, "another name of the same machine is another origin"),
            ("http://[::1]:5173", false, "another name of the same machine is another origin"),
            ("http://localhost.:5173", false, "a trailing dot is another host"),
            ("http://localhost%2e:5173", false, "a percent-encoded trailing dot is one too"),
            ("http://l\u{43e}calhost:5173", false, "a homoglyph (Cyrillic o) is punycode, another host"),
            ("null", false, "an opaque origin (sandboxed iframe, data: document)"),
            ("", false, "no origin"),
            ("*", false, "not an origin"),
            ("data:text/html,<p>hi", false, "data: documents have opaque origins"),
            ("blob:app://localhost/5f0c", false, "a blob URL is not an origin (WebKit sends its creator's origin)"),
            ("file:///index.html", false, "file: origins are opaque"),
            ("about:srcdoc", false, "about: is not an origin (WebKit sends the parent's origin)"),
            ("about:blank", false, "about: is not an origin"),
            ("javascript:alert(1)", false, "not an origin"),
        ];
        let trusted = app();
        for (input, expected, why) in table {
            let by_header = {
                let mut map = HeaderMap::new();
                if let Ok(value) = input.parse() {
                    map.insert("Origin", value);
                }
                trusted.allows(Origin::of_request(&map).as_ref())
            };
            let by_url = trusted.allows(Origin::parse(input).as_ref());
            assert_eq!(
                (by_header, by_url),
                (*expected, *expected),
                "{input:?} ({why}): parsed as {:?}",
                Origin::parse(input)
            );
        }
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
