//! The bridge's parsing of the string routes and of the scheme's routes, without a webview:
//! `runtime-wry/src/bridge/parse.rs`, compiled here from its own file (the `Bridge` calls
//! it for every `window.ipc.postMessage`, reply-route message and `switchboard://` request).
//!
//! An input is `[max_frame: u16 LE][the document's token]\n[message]`: the message is read
//! as a `postMessage` (when it is UTF-8) and as a reply-route message, each checked against
//! the token, with `max_frame` as the frame limit; its first line, split at a space, is
//! also a request's method and URI, routed as given and as `http` (wry's type) parses them.
//!
//! Invariants beyond "no panic":
//! - a message is accepted only when the part before its first colon equals the token
//!   exactly (a token with a colon accepts nothing), on both routes; the reply route polls
//!   only on exactly `!` after that colon;
//! - the frame is the standard base64 decode of the text after the first colon (trimmed on
//!   the `postMessage` route, as is), decoded only when the text is at most the base64 of
//!   `max_frame` bytes and refused unread (`TooLarge`) when it is longer;
//! - the head a refusal peeks its id in comes from the first `PEEK_TEXT` characters alone:
//!   it is at most `PEEK_PREFIX` bytes, exactly the whole base64 quads those characters
//!   start with, and a prefix of the frame; an id peeked there is the frame's own when the
//!   text decodes to a frame, and the base64 of any frame's canonical encoding with an id
//!   (a request, subscribe, unsubscribe) peeks that id;
//! - every method and path has a route; only `POST` with a path of exactly `/token`,
//!   `/ipc` or `/poll` reaches an endpoint, only `OPTIONS` is a preflight.
#![no_main]

#[allow(dead_code, unreachable_pub)]
#[path = "../../runtime-wry/src/bridge/parse.rs"]
mod parse;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use libfuzzer_sys::fuzz_target;
use parse::{
    base64_len, decode_frame_text, peek_head, same_token, split_post_message, split_reply_message,
    Endpoint, FrameTextError, ReplyBody, Route, PEEK_TEXT, POLL,
};
use switchboard_protocol::{peek_request_id, Frame, Limits, RequestId, PEEK_PREFIX};
use wry::http::{Method, Uri};

fn alphabet(c: &u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/')
}

fn frame_id(frame: &Frame) -> Option<RequestId> {
    match frame {
        Frame::Request(r) => Some(r.id),
        Frame::Subscribe(s) => Some(s.id),
        Frame::Unsubscribe(u) => Some(u.id),
        _ => None,
    }
}

fn check_peek(text: &[u8]) {
    let head = peek_head(text);
    // bounded: the window alone gives the same head, of at most PEEK_PREFIX bytes
    let window = &text[..text.len().min(PEEK_TEXT)];
    assert_eq!(head, peek_head(window));
    assert!(
        head.len() <= PEEK_PREFIX && head.len() % 3 == 0,
        "{}",
        head.len()
    );
    // exactly the whole quads of the alphabet the window starts with
    let read = head.len() / 3 * 4;
    assert_eq!(STANDARD.encode(&head).as_bytes(), &window[..read]);
    let next = &window[read..];
    assert!(
        next.len() < 4 || !next[..4].iter().all(alphabet),
        "a whole quad after the head: {:?}",
        &next[..4]
    );
    let peeked = peek_request_id(&head, PEEK_PREFIX);
    let Ok(bytes) = STANDARD.decode(text) else {
        return;
    };
    assert!(
        bytes.starts_with(&head),
        "the head is not the frame's start"
    );
    let Ok(frame) = Frame::decode_slice(&bytes, &Limits::default()) else {
        return;
    };
    let id = frame_id(&frame);
    if peeked.is_some() {
        assert_eq!(
            peeked,
            id,
            "peeked an id the {} frame does not have",
            frame.kind()
        );
    }
    if id.is_some() {
        let canonical = STANDARD.encode(frame.encode());
        assert_eq!(
            peek_request_id(&peek_head(canonical.as_bytes()), PEEK_PREFIX),
            id,
            "the canonical {} frame's id is not peeked",
            frame.kind()
        );
    }
}

fn check_frame_text(text: &[u8], max_frame: usize) {
    let bound = base64_len(max_frame);
    assert!(bound % 4 == 0 && bound / 4 * 3 >= max_frame && bound / 4 * 3 < max_frame + 3);
    match decode_frame_text(text, max_frame) {
        Err(FrameTextError::TooLarge) => assert!(text.len() > bound, "{} <= {bound}", text.len()),
        result => {
            assert!(
                text.len() <= bound,
                "{} chars decoded, over {bound}",
                text.len()
            );
            match (result, STANDARD.decode(text)) {
                (Ok(frame), Ok(standard)) => {
                    assert_eq!(frame.as_ref(), standard.as_slice());
                    assert!(frame.len() <= bound / 4 * 3);
                }
                (Err(FrameTextError::NotBase64(e)), Err(standard)) => assert_eq!(e, standard),
                (result, standard) => panic!("{result:?} where base64 gives {standard:?}"),
            }
        }
    }
    check_peek(text);
}

fn check_post_message(known: &str, message: &str, max_frame: usize) {
    let Some((token, text)) = split_post_message(message) else {
        assert!(!message.contains(':'), "a colon, yet no token");
        return;
    };
    let (before, after) = message.split_at(message.find(':').expect("a colon"));
    assert_eq!(token, before);
    assert_eq!(text, after[1..].trim());
    assert_eq!(
        same_token(known, token),
        token == known,
        "{token:?} / {known:?}"
    );
    check_frame_text(text.as_bytes(), max_frame);
}

fn check_reply_message(known: &str, message: &[u8], max_frame: usize) {
    let colon = message.iter().position(|&b| b == b':');
    let Some((token, body)) = split_reply_message(message) else {
        assert_eq!(colon, None, "a colon, yet no token");
        return;
    };
    let colon = colon.expect("a colon");
    assert_eq!(token, &message[..colon]);
    let rest = &message[colon + 1..];
    let accepted = std::str::from_utf8(token).is_ok_and(|t| same_token(known, t));
    assert_eq!(accepted, token == known.as_bytes(), "{token:?} / {known:?}");
    match body {
        ReplyBody::Poll => assert_eq!(rest, POLL),
        ReplyBody::Frame(text) => {
            assert_eq!(text, rest);
            assert_ne!(text, POLL);
            check_frame_text(text, max_frame);
        }
    }
}

fn check_route(method: &str, path: &str) {
    let route = Route::of(method, path);
    let endpoint = match path {
        "/token" => Endpoint::Token,
        "/ipc" => Endpoint::Ipc,
        "/poll" => Endpoint::Poll,
        _ => Endpoint::Unknown,
    };
    match route {
        Route::Preflight => assert_eq!(method, "OPTIONS"),
        Route::WrongMethod => assert!(method != "OPTIONS" && method != "POST", "{method:?}"),
        Route::Post(to) => {
            assert_eq!(method, "POST");
            assert_eq!(to, endpoint, "{path:?}");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((limit, rest)) = data.split_first_chunk::<2>() else {
        return;
    };
    let max_frame = usize::from(u16::from_le_bytes(*limit));
    let (known, message) = match rest.iter().position(|&b| b == b'\n') {
        Some(newline) => (&rest[..newline], &rest[newline + 1..]),
        None => (rest, &[][..]),
    };
    // a token is a string (the bridge issues UUIDs in hex)
    let known = String::from_utf8_lossy(known);

    check_reply_message(&known, message, max_frame);
    if let Ok(message) = std::str::from_utf8(message) {
        check_post_message(&known, message, max_frame);
    }

    // the first line as a request line: `<method> <uri>`, routed as given and as wry's
    // `http` types carry it (`Method::as_str`, `Uri::path`)
    let line = message.split(|&b| b == b'\n').next().unwrap_or_default();
    let (method, uri) = match line.iter().position(|&b| b == b' ') {
        Some(space) => (&line[..space], &line[space + 1..]),
        None => (line, &[][..]),
    };
    if let (Ok(method), Ok(uri)) = (std::str::from_utf8(method), std::str::from_utf8(uri)) {
        check_route(method, uri);
    }
    if let (Ok(method), Ok(parsed)) = (Method::from_bytes(method), Uri::try_from(uri)) {
        check_route(method.as_str(), parsed.path());
        if let Route::Post(to) = Route::of(method.as_str(), parsed.path()) {
            if to != Endpoint::Unknown {
                // the endpoint's path is written in the URI as sent: `http` does not
                // normalize (no percent-decoding, no `..`)
                let text = String::from_utf8_lossy(uri);
                assert!(text.contains(parsed.path()), "{text:?} routed to {to:?}");
            }
        }
    }
});
