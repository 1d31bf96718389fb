//! The bridge's request parsing, without a webview: the `Origin` header read into an
//! [`Origin`] by the WHATWG URL rules and the trust decision (`runtime-wry/src/origin.rs`,
//! compiled here from its own file), the request line and headers as `http` (wry's request
//! type) reads them, and the refused body's request id read from a bounded prefix
//! (`peek_request_id`, what the bridge's `refusal` answers with).
//!
//! Each input is split into fields by `arbitrary`: the app's trusted origins, a method, a
//! URI, headers and a body.
//!
//! Invariants beyond "no panic":
//! - a request is trusted only when its first `Origin` header parses to exactly one of the
//!   configured origins; no other header (a `Referer`, a second `Origin`) changes that;
//! - an origin is `scheme://host[:port]`: ASCII, lower-case, no userinfo, path, query or
//!   fragment, and parsing it again gives itself;
//! - the id read from a body's prefix is the id of the frame when the whole body decodes
//!   as a request, subscribe or unsubscribe, and it is always found in the canonical
//!   encoding of such a frame; nothing past the prefix is read.
#![no_main]

#[allow(dead_code, unreachable_pub)]
#[path = "../../runtime-wry/src/origin.rs"]
mod origin;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use origin::{Origin, TrustedOrigins};
use switchboard_protocol::{peek_request_id, Frame, Limits, PEEK_PREFIX};
use wry::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Uri};

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    /// What the app trusts (its frontend's base URL, `trust_origin` arguments).
    trusted: Vec<&'a str>,
    method: &'a [u8],
    uri: &'a str,
    headers: Vec<(&'a [u8], &'a [u8])>,
    /// A header value tried as `Origin` on its own, so plain text reaches the URL parser
    /// even when the header list is mostly rejected names.
    origin: &'a str,
    body: &'a [u8],
}

fn check_shape(origin: &Origin) {
    let text = origin.as_str();
    assert!(text.is_ascii(), "{text:?}");
    assert_eq!(text, text.to_ascii_lowercase(), "{text:?}");
    let (scheme, authority) = text.split_once("://").expect("scheme://");
    assert!(!scheme.is_empty() && !authority.is_empty(), "{text:?}");
    assert!(
        !authority.contains(['/', '?', '#', '@', ' ', '\\']),
        "{text:?} has more than a host and port"
    );
    assert_eq!(
        Origin::parse(text).as_ref(),
        Some(origin),
        "{text:?} re-parses"
    );
}

fn check_trust(trusted: &TrustedOrigins, configured: &[Origin], headers: &HeaderMap) {
    let origin = Origin::of_request(headers);
    if let Some(o) = &origin {
        check_shape(o);
    }
    let allowed = trusted.allows(origin.as_ref());
    // the decision rests on the first `Origin` header alone
    let mut only = HeaderMap::new();
    if let Some(value) = headers.get("origin") {
        only.insert("origin", value.clone());
    }
    assert_eq!(allowed, trusted.allows(Origin::of_request(&only).as_ref()));
    if allowed {
        let o = origin.expect("trusted without an origin");
        assert!(
            configured.iter().any(|c| c.as_str() == o.as_str()),
            "{o} trusted but not configured"
        );
        let header = headers.get("origin").expect("an Origin header");
        let text = header.to_str().expect("a text header");
        assert_eq!(Origin::parse(text).as_ref(), Some(&o));
    }
}

fn check_body(body: &[u8]) {
    let peeked = peek_request_id(body, PEEK_PREFIX);
    assert_eq!(
        peeked,
        peek_request_id(&body[..body.len().min(PEEK_PREFIX)], PEEK_PREFIX)
    );
    let id = match Frame::decode_slice(body, &Limits::default()) {
        Ok(Frame::Request(r)) => Some(r.id),
        Ok(Frame::Subscribe(s)) => Some(s.id),
        Ok(Frame::Unsubscribe(u)) => Some(u.id),
        Ok(other) => {
            assert_eq!(peeked, None, "an id peeked in a {} frame", other.kind());
            let canonical = other.encode();
            assert_eq!(peek_request_id(&canonical, PEEK_PREFIX), None);
            return;
        }
        Err(_) => return,
    };
    if let Some(p) = peeked {
        assert_eq!(Some(p), id);
    }
    let frame = Frame::decode_slice(body, &Limits::default()).expect("decoded above");
    assert_eq!(peek_request_id(&frame.encode(), PEEK_PREFIX), id);
}

fuzz_target!(|input: Input<'_>| {
    let configured: Vec<Origin> = input
        .trusted
        .iter()
        .filter_map(|t| Origin::parse(t))
        .collect();
    for c in &configured {
        check_shape(c);
    }
    let trusted = TrustedOrigins::new(configured.iter().cloned());

    // the request as wry hands it over (http refuses what no webview could send)
    let mut builder = Request::builder();
    if let Ok(method) = Method::from_bytes(input.method) {
        builder = builder.method(method);
    }
    if let Ok(uri) = Uri::try_from(input.uri) {
        builder = builder.uri(uri);
    }
    let mut headers = HeaderMap::new();
    for (name, value) in &input.headers {
        if let (Ok(name), Ok(value)) =
            (HeaderName::from_bytes(name), HeaderValue::from_bytes(value))
        {
            headers.append(name, value);
        }
    }
    if let Ok(request) = builder.body(input.body) {
        // what the handler reads before it routes
        let _ = (request.uri().path(), request.method().as_str());
        check_trust(&trusted, &configured, &headers);
    }
    if let Ok(value) = HeaderValue::from_str(input.origin) {
        let mut one = HeaderMap::new();
        one.insert("origin", value);
        check_trust(&trusted, &configured, &one);
        // the same text as a trusted origin of the app trusts exactly its parse, when the
        // header is visible ASCII (as WebKit writes it: `of_request` refuses anything else,
        // tabs and non-ASCII bytes included, which `HeaderValue` would carry)
        let ascii = input.origin.bytes().all(|b| (0x20..0x7f).contains(&b));
        if let (Some(o), true) = (Origin::parse(input.origin), ascii) {
            let own = TrustedOrigins::new([o.clone()]);
            assert!(own.allows(Origin::of_request(&one).as_ref()));
        }
    }
    check_body(input.body);
});
