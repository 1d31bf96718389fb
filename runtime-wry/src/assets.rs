//! The frontend: files embedded at build time (the [`assets!`](crate::assets!) macro), served
//! on the `app://` scheme with their MIME type and the app's Content-Security-Policy, or a
//! dev server's URL instead (`SWITCHBOARD_DEV_URL`).
//!
//! Paths are resolved strictly: percent-decoded once, `.`/`..` segments, backslashes and NUL
//! bytes refused (a traversal is a 404, never a file outside the embedded set), a folder path
//! serves its `index.html`.

use std::borrow::Cow;

use wry::http::{header, Response, StatusCode};

/// The scheme the embedded frontend is served on (`app://localhost/` on Linux and macOS,
/// `http://app.localhost/` on Windows and Android).
pub const APP_SCHEME: &str = "app";

/// The Content-Security-Policy sent with every embedded page unless the app sets its own.
///
/// Scripts and styles from the app itself only (inline styles allowed, inline scripts not),
/// images also from `data:`/`blob:`, `connect-src` open to the bridge
/// (`switchboard:` and `http://switchboard.localhost`) and nothing else, and no page of
/// any origin may frame the app's pages (`frame-ancestors 'none'`). Sent with HTML pages
/// and SVG images (an SVG opened as a document runs scripts).
pub const DEFAULT_CSP: &str = "default-src 'self'; script-src 'self'; \
style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; \
connect-src 'self' switchboard: http://switchboard.localhost; \
object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// A set of files embedded in the binary, keyed by their path under the frontend folder.
///
/// Built by [`assets!`](crate::assets!) or by hand:
///
/// ```
/// use switchboard_runtime_wry::Assets;
/// static FILES: Assets = Assets::from_static(&[("index.html", b"<h1>hi</h1>")]);
/// assert_eq!(FILES.get("index.html"), Some(&b"<h1>hi</h1>"[..]));
/// assert_eq!(FILES.len(), 1);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Assets {
    files: &'static [(&'static str, &'static [u8])],
}

impl Assets {
    /// Files as `(path, bytes)` pairs; paths use `/` and have no leading slash.
    pub const fn from_static(files: &'static [(&'static str, &'static [u8])]) -> Self {
        Self { files }
    }

    /// The bytes of the file at `path` (exactly as embedded, e.g. `css/app.css`).
    pub fn get(&self, path: &str) -> Option<&'static [u8]> {
        self.files
            .iter()
            .find(|(name, _)| *name == path)
            .map(|(_, bytes)| *bytes)
    }

    /// How many files are embedded.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether no file is embedded.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Resolve a request path (`/`, `/index.html`, `/css/app%20x.css`) to a file and its
    /// MIME type.
    ///
    /// ```
    /// use switchboard_runtime_wry::Assets;
    /// static FILES: Assets = Assets::from_static(&[("index.html", b"<p>")]);
    /// let (bytes, mime) = FILES.resolve("/").unwrap();
    /// assert_eq!((bytes, mime), (&b"<p>"[..], "text/html; charset=utf-8"));
    /// assert!(FILES.resolve("/../secret").is_none());
    /// ```
    pub fn resolve(&self, request_path: &str) -> Option<(&'static [u8], &'static str)> {
        let path = normalize(request_path)?;
        let path = if path.is_empty() || path.ends_with('/') {
            format!("{path}index.html")
        } else {
            path
        };
        let bytes = self.get(&path)?;
        Some((bytes, mime_type(&path)))
    }
}

/// Percent-decode a URL path and refuse anything that could leave the frontend folder.
/// Returns the path without its leading `/`.
fn normalize(request_path: &str) -> Option<String> {
    let path = request_path.split(['?', '#']).next().unwrap_or("");
    let decoded = percent_decode(path)?;
    if decoded.contains('\\') || decoded.contains('\0') {
        return None;
    }
    let trimmed = decoded.trim_start_matches('/');
    if trimmed
        .split('/')
        .any(|segment| segment == ".." || segment == ".")
    {
        return None;
    }
    if trimmed.contains("//") {
        return None;
    }
    Some(trimmed.to_owned())
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            // exactly two hex digits (`from_str_radix` alone would take a sign: `%+0`)
            let hex = bytes.get(i + 1..i + 3)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The MIME type served for a file, from its extension (`application/octet-stream` when
/// unknown).
///
/// ```
/// use switchboard_runtime_wry::assets::mime_type;
/// assert_eq!(mime_type("app.js"), "text/javascript; charset=utf-8");
/// assert_eq!(mime_type("logo.SVG"), "image/svg+xml");
/// assert_eq!(mime_type("blob"), "application/octet-stream");
/// ```
pub fn mime_type(path: &str) -> &'static str {
    let file = path.rsplit('/').next().unwrap_or(path);
    let ext = match file.rsplit_once('.') {
        Some((_, ext)) => ext.to_ascii_lowercase(),
        None => return "application/octet-stream",
    };
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" | "cjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/vnd.microsoft.icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "wasm" => "application/wasm",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        "ogg" => "audio/ogg",
        "wav" => "audio/wav",
        "pdf" => "application/pdf",
        "xml" => "application/xml",
        _ => "application/octet-stream",
    }
}

/// Build the `app://` response for a request path: the file with its MIME type and the CSP
/// header; a plain-text 404 otherwise.
///
/// Every file carries the policy, not only HTML: XML, XHTML and SVG run scripts when opened
/// as a document, and a worker's script is governed by its own response's policy.
pub(crate) fn respond(assets: &Assets, path: &str, csp: &str) -> Response<Cow<'static, [u8]>> {
    let built = match assets.resolve(path) {
        Some((bytes, mime)) => {
            let mut builder = Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, mime)
                .header(header::CACHE_CONTROL, "no-cache")
                .header("X-Content-Type-Options", "nosniff");
            if !csp.is_empty() {
                builder = builder.header("Content-Security-Policy", csp);
            }
            builder.body(Cow::Borrowed(bytes))
        }
        None => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .body(Cow::Owned(format!("not found: {path}").into_bytes())),
    };
    built.unwrap_or_else(|_| {
        let mut response = Response::new(Cow::Borrowed(&b"internal error"[..]));
        *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        response
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    static FILES: Assets = Assets::from_static(&[
        ("index.html", b"<!doctype html>"),
        ("app.js", b"console.log(1)"),
        ("css/site.css", b"body{}"),
        ("docs/index.html", b"docs"),
        ("a b.txt", b"spaced"),
        ("font.woff2", b"wOF2"),
        ("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
        (
            "feed.xml",
            b"<x:html xmlns:x='http://www.w3.org/1999/xhtml'/>",
        ),
    ]);

    #[test]
    fn root_and_folders_serve_their_index() {
        assert_eq!(FILES.resolve("/").unwrap().0, b"<!doctype html>");
        assert_eq!(FILES.resolve("").unwrap().0, b"<!doctype html>");
        assert_eq!(FILES.resolve("/docs/").unwrap().0, b"docs");
    }

    #[test]
    fn files_get_their_mime_type() {
        assert_eq!(
            FILES.resolve("/index.html").unwrap().1,
            "text/html; charset=utf-8"
        );
        assert_eq!(
            FILES.resolve("/app.js").unwrap().1,
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            FILES.resolve("/css/site.css").unwrap().1,
            "text/css; charset=utf-8"
        );
        assert_eq!(FILES.resolve("/font.woff2").unwrap().1, "font/woff2");
        assert_eq!(mime_type("x.unknownext"), "application/octet-stream");
    }

    #[test]
    fn query_and_percent_escapes_are_handled() {
        assert_eq!(FILES.resolve("/app.js?v=3").unwrap().0, b"console.log(1)");
        assert_eq!(FILES.resolve("/a%20b.txt").unwrap().0, b"spaced");
        assert!(FILES.resolve("/a%2").is_none());
        assert!(FILES.resolve("/%ff%fe").is_none());
        // a sign is not a hex digit (`u8::from_str_radix("+0", 16)` is 0)
        assert!(FILES.resolve("/a%+0b.txt").is_none());
        assert!(FILES.resolve("/a%-0b.txt").is_none());
    }

    #[test]
    fn missing_file_is_a_404() {
        let response = respond(&FILES, "/nope.js", DEFAULT_CSP);
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let found = respond(&FILES, "/index.html", DEFAULT_CSP);
        assert_eq!(found.status(), StatusCode::OK);
        assert_eq!(
            found.headers()["Content-Security-Policy"].to_str().unwrap(),
            DEFAULT_CSP
        );
        // every file carries the policy: an SVG, an XML or XHTML file opened as a document
        // runs scripts, and a worker's script is governed by its own response's policy
        for path in ["/app.js", "/logo.svg", "/feed.xml"] {
            let response = respond(&FILES, path, DEFAULT_CSP);
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            assert_eq!(
                response.headers()["Content-Security-Policy"],
                DEFAULT_CSP,
                "{path}"
            );
        }
    }

    #[test]
    fn traversal_is_refused_in_every_spelling() {
        for path in [
            "/../index.html",
            "/css/../index.html",
            "/css/%2e%2e/index.html",
            "/%2e%2e/%2e%2e/etc/passwd",
            "/..%2findex.html",
            "/css\\..\\index.html",
            "/css%5c..%5cindex.html",
            "/./index.html",
            "/index.html%00.js",
            "//index.html/",
        ] {
            assert!(FILES.resolve(path).is_none(), "{path} was served");
            assert_eq!(respond(&FILES, path, "").status(), StatusCode::NOT_FOUND);
        }
    }

    #[test]
    fn the_assets_macro_embeds_a_folder_with_relative_paths() {
        static EMBEDDED: Assets = crate::assets!("e2e/frontend");
        let (page, mime) = EMBEDDED.resolve("/").expect("index.html embedded");
        assert_eq!(mime, "text/html; charset=utf-8");
        assert_eq!(page, include_bytes!("../e2e/frontend/index.html"));
        assert_eq!(
            EMBEDDED.get("client.js"),
            Some(&include_bytes!("../e2e/frontend/client.js")[..])
        );
        assert!(
            EMBEDDED.get("app.rs").is_none(),
            "a file outside the folder"
        );
        assert_eq!(
            EMBEDDED.len(),
            std::fs::read_dir("e2e/frontend").unwrap().count()
        );
    }

    #[test]
    fn default_csp_lets_the_page_reach_the_bridge_only() {
        assert!(
            DEFAULT_CSP.contains("connect-src 'self' switchboard: http://switchboard.localhost")
        );
        assert!(DEFAULT_CSP.contains("script-src 'self';"));
        assert!(DEFAULT_CSP.contains("object-src 'none'"));
        assert!(DEFAULT_CSP.contains("frame-ancestors 'none'"));
    }
}
