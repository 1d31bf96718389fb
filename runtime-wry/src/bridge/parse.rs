//! What the bridge reads of a page's requests and messages before a session sees them: a
//! scheme request's route, a string-route message's token and frame text, the size bound,
//! the frame's base64, and the head a refusal peeks the request id in.
//!
//! Nothing here needs a window, a webview or the async runtime (only `base64`, `bytes` and
//! the protocol): the `bridge_message` fuzz target compiles this file on its own
//! (`fuzz/fuzz_targets/bridge_message.rs`), as `bridge_request` compiles `origin.rs`.

use base64::Engine as _;
use bytes::Bytes;
use switchboard_protocol::PEEK_PREFIX;

/// Where a request to the bridge's scheme goes: by its method, then its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// `OPTIONS`, whatever the path: a CORS preflight.
    Preflight,
    /// Any method but `OPTIONS` and `POST`: `405`.
    WrongMethod,
    /// A `POST`, to the endpoint its path names.
    Post(Endpoint),
}

/// What a `POST`'s path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    /// `/token`: the document's `postMessage` token.
    Token,
    /// `/ipc`: one frame, answered with the session's direct answer.
    Ipc,
    /// `/poll`: held until the session has frames queued.
    Poll,
    /// Any other path: `404`.
    Unknown,
}

impl Route {
    /// The route of a request by its method, as `http` spells it (`options` is not
    /// `OPTIONS`), and its URI's path, compared exactly (`/ipc/` and `/IPC` are no
    /// endpoint; a query is not part of the path).
    pub(crate) fn of(method: &str, path: &str) -> Self {
        match method {
            "OPTIONS" => Route::Preflight,
            "POST" => Route::Post(match path {
                "/token" => Endpoint::Token,
                "/ipc" => Endpoint::Ipc,
                "/poll" => Endpoint::Poll,
                _ => Endpoint::Unknown,
            }),
            _ => Route::WrongMethod,
        }
    }
}

/// A `window.ipc.postMessage` message, `<token>:<base64 frame>`: the token (everything
/// before the first colon) and the frame's text after it, trimmed of white space
/// (`str::trim`: Unicode's). `None` without a colon.
pub(crate) fn split_post_message(message: &str) -> Option<(&str, &str)> {
    let (token, text) = message.split_once(':')?;
    Some((token, text.trim()))
}

/// What follows the token of a reply-route message that asks for pushed frames.
pub(crate) const POLL: &[u8] = b"!";

/// What a reply-route message asks for, after its token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReplyBody<'a> {
    /// Exactly [`POLL`]: the frames pushed to the session.
    Poll,
    /// Anything else: a frame's base64 text (not trimmed).
    Frame(&'a [u8]),
}

/// A reply-route message, `<token>:<base64 frame>` or `<token>:!`: the token (the bytes
/// before the first colon; one that is not UTF-8 is no document's) and what follows it.
/// `None` without a colon.
pub(crate) fn split_reply_message(message: &[u8]) -> Option<(&[u8], ReplyBody<'_>)> {
    let colon = message.iter().position(|&b| b == b':')?;
    let (token, body) = (&message[..colon], &message[colon + 1..]);
    let body = if body == POLL {
        ReplyBody::Poll
    } else {
        ReplyBody::Frame(body)
    };
    Some((token, body))
}

/// Whether `given` is the document's token `mine`: equal length and bytes, compared without
/// an early exit on the first differing byte.
pub(crate) fn same_token(mine: &str, given: &str) -> bool {
    mine.len() == given.len()
        && mine
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Length of the base64 text of `n` bytes.
pub(crate) fn base64_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

/// Why a string route's frame text is answered with a refusal instead of reaching a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FrameTextError {
    /// Longer than the base64 of the largest frame ([`base64_len`] of `max_frame`): refused
    /// unread.
    TooLarge,
    /// Not standard, padded base64.
    NotBase64(base64::DecodeError),
}

/// The frame a string route's text carries: its standard base64 decoded, unless the text is
/// longer than the base64 of `max_frame` bytes, which is refused before it is decoded.
pub(crate) fn decode_frame_text(text: &[u8], max_frame: usize) -> Result<Bytes, FrameTextError> {
    if text.len() > base64_len(max_frame) {
        return Err(FrameTextError::TooLarge);
    }
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map(Bytes::from)
        .map_err(FrameTextError::NotBase64)
}

/// How many characters of a frame's text [`peek_head`] reads: the base64 of at most
/// [`PEEK_PREFIX`] bytes, in whole quads (4 characters = 3 bytes).
pub(crate) const PEEK_TEXT: usize = PEEK_PREFIX / 3 * 4;

/// The head of a frame, read from its base64 text without decoding the rest, for a refusal
/// to peek the request id in: of the first [`PEEK_TEXT`] characters, the whole quads before
/// the first character outside base64's alphabet (`=` included), decoded. A final padded
/// quad is not read, so a frame whose id sits in its last two bytes is refused without it.
pub(crate) fn peek_head(text: &[u8]) -> Vec<u8> {
    let prefix = &text[..text.len().min(PEEK_TEXT)];
    let valid = prefix
        .iter()
        .position(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/')))
        .unwrap_or(prefix.len());
    base64::engine::general_purpose::STANDARD
        .decode(&prefix[..valid / 4 * 4])
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use switchboard_protocol::{peek_request_id, RequestId};

    use super::*;
    use crate::bridge::tests::{b64, request_frame as request};

    #[test]
    fn only_the_bridges_endpoints_are_routed_to_them() {
        use Endpoint::*;
        assert_eq!(Route::of("POST", "/ipc"), Route::Post(Ipc));
        assert_eq!(Route::of("POST", "/poll"), Route::Post(Poll));
        assert_eq!(Route::of("POST", "/token"), Route::Post(Token));
        for path in [
            "", "/", "/ipc/", "//ipc", "/IPC", "/ipc?x", "ipc", "/%69pc", "/ipc ", "/tokens",
            "/pol", "/ipc\0",
        ] {
            assert_eq!(Route::of("POST", path), Route::Post(Unknown), "{path:?}");
        }
    }

    #[test]
    fn the_method_is_routed_before_the_path() {
        for path in ["/ipc", "/poll", "/token", "/nope", ""] {
            assert_eq!(Route::of("OPTIONS", path), Route::Preflight);
            for method in ["GET", "PUT", "post", "options", "", "POST ", "PATCH"] {
                assert_eq!(Route::of(method, path), Route::WrongMethod, "{method:?}");
            }
        }
    }

    #[test]
    fn a_post_message_splits_at_its_first_colon_and_trims_the_frame() {
        assert_eq!(split_post_message("tok:gA=="), Some(("tok", "gA==")));
        assert_eq!(split_post_message(":gA=="), Some(("", "gA==")));
        assert_eq!(split_post_message("tok:"), Some(("tok", "")));
        assert_eq!(split_post_message("a:b:c"), Some(("a", "b:c")));
        assert_eq!(split_post_message("gA=="), None);
        assert_eq!(split_post_message(""), None);
        // the text is trimmed, the token is not
        assert_eq!(
            split_post_message(" tok :\t gA== \r\n"),
            Some((" tok ", "gA=="))
        );
        // Unicode white space too (U+3000, U+00A0), and non-ASCII tokens stay whole
        assert_eq!(
            split_post_message("tök:\u{3000}gA==\u{a0}"),
            Some(("tök", "gA=="))
        );
        assert_eq!(split_post_message("tok: g A== "), Some(("tok", "g A==")));
    }

    #[test]
    fn a_reply_message_splits_at_its_first_colon_and_knows_a_poll() {
        assert_eq!(
            split_reply_message(b"tok:!"),
            Some((&b"tok"[..], ReplyBody::Poll))
        );
        assert_eq!(
            split_reply_message(b"tok:gA=="),
            Some((&b"tok"[..], ReplyBody::Frame(b"gA==")))
        );
        assert_eq!(
            split_reply_message(b":!"),
            Some((&b""[..], ReplyBody::Poll))
        );
        assert_eq!(
            split_reply_message(b"a:b:!"),
            Some((&b"a"[..], ReplyBody::Frame(b"b:!")))
        );
        // only exactly `!` polls: not trimmed, not repeated
        for body in [&b" !"[..], b"! ", b"!!", b"", b"!gA=="] {
            let mut message = b"tok:".to_vec();
            message.extend_from_slice(body);
            assert_eq!(
                split_reply_message(&message),
                Some((&b"tok"[..], ReplyBody::Frame(body)))
            );
        }
        assert_eq!(split_reply_message(b"!"), None);
        assert_eq!(split_reply_message(b""), None);
        // a token that is not UTF-8 is split all the same (it matches no document)
        assert_eq!(
            split_reply_message(b"\xff\xfe:!"),
            Some((&b"\xff\xfe"[..], ReplyBody::Poll))
        );
    }

    #[test]
    fn a_token_matches_only_itself() {
        let mine = "0123456789abcdef0123456789abcdef";
        assert!(same_token(mine, mine));
        for given in [
            "",
            "0123456789abcdef0123456789abcde",
            "0123456789abcdef0123456789abcdef0",
            "0123456789abcdef0123456789abcdeF",
            "1123456789abcdef0123456789abcdef",
            " 0123456789abcdef0123456789abcdef",
        ] {
            assert!(!same_token(mine, given), "{given:?}");
        }
        assert!(same_token("", ""));
        assert!(same_token("tök", "tök"));
        assert!(!same_token("tök", "tok"));
    }

    #[test]
    fn base64_len_counts_whole_quads() {
        assert_eq!(base64_len(0), 0);
        assert_eq!(base64_len(1), 4);
        assert_eq!(base64_len(3), 4);
        assert_eq!(base64_len(4), 8);
        assert_eq!(base64_len(64 * 1024 * 1024), 89_478_488);
    }

    #[test]
    fn a_frame_text_up_to_the_bound_is_decoded_and_one_over_is_not() {
        // 4 bytes: at most 8 characters
        assert_eq!(
            decode_frame_text(b"AAECAw==", 4),
            Ok(Bytes::from_static(&[0, 1, 2, 3]))
        );
        assert_eq!(
            decode_frame_text(b"AAECAw==A", 4),
            Err(FrameTextError::TooLarge)
        );
        // the bound is whole quads: 6 bytes fit a 4-byte limit's 8 characters
        assert_eq!(
            decode_frame_text(b"AAECAwQF", 4),
            Ok(Bytes::from_static(&[0, 1, 2, 3, 4, 5]))
        );
        // past the bound, even text that is not base64 is refused on its length
        assert_eq!(
            decode_frame_text(b"!!!!!!!!!", 4),
            Err(FrameTextError::TooLarge)
        );
        assert_eq!(decode_frame_text(b"", 0), Ok(Bytes::new()));
        assert_eq!(decode_frame_text(b"gA==", 0), Err(FrameTextError::TooLarge));
    }

    #[test]
    fn a_frame_text_is_standard_padded_base64() {
        let max = 1024;
        assert_eq!(
            decode_frame_text(b"gP8=", max),
            Ok(Bytes::from_static(&[0x80, 0xff]))
        );
        assert_eq!(
            decode_frame_text(b"+/+/", max),
            Ok(Bytes::from_static(&[0xfb, 0xff, 0xbf]))
        );
        // unpadded, URL-safe, white space inside, a bad character at the start, middle and
        // end, padding in the middle, non-ASCII, trailing bits set
        for text in [
            &b"gP8"[..],
            b"gA",
            b"-_-_",
            b"gP8 =",
            b"!P8=",
            b"gP!=",
            b"gP8!",
            b"gA==gA==",
            b"g\xc3\xa9A=",
            "gA\u{3000}=".as_bytes(),
            b"gB==",
            b"A",
            b"====",
        ] {
            assert!(
                matches!(
                    decode_frame_text(text, max),
                    Err(FrameTextError::NotBase64(_))
                ),
                "{text:?}"
            );
        }
    }

    #[test]
    fn the_peeked_head_is_the_frames_start_from_a_bounded_prefix() {
        let frame = request(9);
        let text = b64(&frame);
        let head = peek_head(text.as_bytes());
        assert!(frame.starts_with(&head));
        assert_eq!(
            peek_request_id(&head, PEEK_PREFIX).map(RequestId::get),
            Some(9)
        );

        // a long frame: only the first PEEK_TEXT characters are read (4,095 bytes)
        let mut long = request(10);
        long.resize(10_000, 0xc0);
        let mut text = b64(&long).into_bytes();
        text[PEEK_TEXT..].fill(b'!');
        let head = peek_head(&text);
        assert_eq!(head.len(), PEEK_TEXT / 4 * 3);
        assert!(head.len() <= PEEK_PREFIX);
        assert_eq!(head, long[..head.len()]);
        assert_eq!(peek_head(&text[..PEEK_TEXT]), head);
        assert_eq!(
            peek_request_id(&head, PEEK_PREFIX).map(RequestId::get),
            Some(10)
        );
    }

    #[test]
    fn the_peek_stops_at_the_first_character_outside_the_alphabet() {
        let frame = request(11);
        let text = b64(&frame);
        // cut at a quad: what comes before it is read
        let mut cut = text.clone().into_bytes();
        cut[8] = b'*';
        assert_eq!(peek_head(&cut), frame[..6]);
        // inside a quad: that quad is not
        cut[8] = b'A';
        cut[10] = b'\xc3';
        assert_eq!(peek_head(&cut), frame[..6]);
        assert_eq!(peek_head(b"*gA=="), Vec::<u8>::new());
        assert_eq!(peek_head(b""), Vec::<u8>::new());
        assert_eq!(peek_head(b"gA"), Vec::<u8>::new());
        assert_eq!(peek_head("gP8=\u{3000}".as_bytes()), Vec::<u8>::new());
    }

    #[test]
    fn a_final_padded_quad_is_not_peeked() {
        // {"x": "y", "k": "request", "id": 5}: 19 bytes, the id's in a padded quad (a
        // canonical frame has its id third, far from its end)
        let mut frame = vec![0x83, 0xa1, b'x', 0xa1, b'y', 0xa1, b'k', 0xa7];
        frame.extend_from_slice(b"request");
        frame.extend_from_slice(&[0xa2, b'i', b'd', 0x05]);
        assert_eq!(frame.len() % 3, 1);
        assert_eq!(
            peek_request_id(&frame, PEEK_PREFIX).map(RequestId::get),
            Some(5)
        );
        let head = peek_head(b64(&frame).as_bytes());
        assert_eq!(head, frame[..frame.len() - 1]);
        assert_eq!(peek_request_id(&head, PEEK_PREFIX), None);
    }
}
