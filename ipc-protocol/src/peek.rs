//! Reading a refused frame's request id from a bounded prefix, without decoding the frame.
//!
//! A host that refuses a frame unread (an untrusted caller, a body over the limit) still
//! answers a request with a `response` carrying the error, so the caller's promise settles;
//! for that it needs the frame's `k` and `id`. [`peek_request_id`] reads only the first
//! `prefix` bytes, walking the top-level map's entries (values skipped by the structural
//! [`scan`](crate::scan())), and gives up when either key lies beyond them. It allocates
//! nothing and costs at most `prefix` bytes of work whatever the frame's size.

use crate::frame::RequestId;
use crate::limits::DEFAULT_MAX_DEPTH;
use crate::scan::scan;

/// How many bytes of a refused frame a host reads to find its id (the canonical encoding
/// puts `v`, `k` and `id` first, in the first ~30 bytes).
pub const PEEK_PREFIX: usize = 4096;

/// The `id` of a request, subscribe or unsubscribe frame, read from at most the first
/// `prefix` bytes of `bytes`; `None` when they don't show both `k` (one of those kinds) and
/// a valid `id`.
///
/// ```
/// use switchboard_protocol::{peek_request_id, Address, Frame, Request, RequestId, PEEK_PREFIX};
/// let frame = Frame::Request(Request {
///     id: RequestId::new(7).unwrap(),
///     to: Address::parse("cmd:greet").unwrap(),
///     method: String::new(),
///     payload: vec![0x80; 1].into(),
///     deadline_ms: None,
///     credit: None,
/// })
/// .encode();
/// assert_eq!(peek_request_id(&frame, PEEK_PREFIX).map(|id| id.get()), Some(7));
/// // nothing past the prefix is read
/// assert_eq!(peek_request_id(&frame, 8), None);
/// assert_eq!(peek_request_id(&[0xc1], PEEK_PREFIX), None);
/// ```
pub fn peek_request_id(bytes: &[u8], prefix: usize) -> Option<RequestId> {
    let bytes = &bytes[..bytes.len().min(prefix)];
    let (entries, mut pos) = match *bytes.first()? {
        m @ 0x80..=0x8f => (usize::from(m & 0x0f), 1),
        0xde => (
            usize::from(u16::from_be_bytes([*bytes.get(1)?, *bytes.get(2)?])),
            3,
        ),
        0xdf => (
            u32::from_be_bytes([
                *bytes.get(1)?,
                *bytes.get(2)?,
                *bytes.get(3)?,
                *bytes.get(4)?,
            ]) as usize,
            5,
        ),
        _ => return None,
    };
    let mut kind_ok = None;
    let mut id = None;
    for _ in 0..entries {
        let key_len = match *bytes.get(pos)? {
            m @ 0xa0..=0xbf => {
                pos += 1;
                usize::from(m & 0x1f)
            }
            0xd9 => {
                pos += 2;
                usize::from(*bytes.get(pos - 1)?)
            }
            _ => return None,
        };
        let key = bytes.get(pos..pos.checked_add(key_len)?)?;
        pos += key_len;
        let value_len = scan(bytes.get(pos..)?, DEFAULT_MAX_DEPTH).ok()?;
        let value = &bytes[pos..pos + value_len];
        match key {
            b"k" => {
                kind_ok = Some(matches!(
                    value,
                    [0xa7, b'r', b'e', b'q', b'u', b'e', b's', b't']
                        | [0xa9, b's', b'u', b'b', b's', b'c', b'r', b'i', b'b', b'e']
                        | [0xab, b'u', b'n', b's', b'u', b'b', b's', b'c', b'r', b'i', b'b', b'e']
                ))
            }
            b"id" => id = uint(value),
            _ => {}
        }
        pos += value_len;
        if let (Some(kind_ok), Some(id)) = (kind_ok, id) {
            return if kind_ok { RequestId::new(id) } else { None };
        }
    }
    None
}

/// A MessagePack unsigned integer (positive fixint or uint8..uint64).
fn uint(value: &[u8]) -> Option<u64> {
    let be = |b: &[u8]| b.iter().fold(0u64, |acc, x| (acc << 8) | u64::from(*x));
    match value {
        [m @ 0x00..=0x7f] => Some(u64::from(*m)),
        [0xcc, rest @ ..] if rest.len() == 1 => Some(be(rest)),
        [0xcd, rest @ ..] if rest.len() == 2 => Some(be(rest)),
        [0xce, rest @ ..] if rest.len() == 4 => Some(be(rest)),
        [0xcf, rest @ ..] if rest.len() == 8 => Some(be(rest)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::{Address, Topic};
    use crate::frame::{Frame, Request, Subscribe};

    fn request(id: u64, payload: Vec<u8>) -> Vec<u8> {
        Frame::Request(Request {
            id: RequestId::new(id).unwrap(),
            to: Address::parse("cmd:greet").unwrap(),
            method: String::new(),
            payload: payload.into(),
            deadline_ms: None,
            credit: None,
        })
        .encode()
    }

    #[test]
    fn the_id_of_a_huge_frame_is_read_from_its_first_bytes() {
        let mut payload = vec![0xc6, 0, 0x10, 0, 0];
        payload.resize(5 + 0x0010_0000, 0);
        let frame = request(1 << 40, payload);
        assert_eq!(
            peek_request_id(&frame, PEEK_PREFIX).map(RequestId::get),
            Some(1 << 40)
        );
    }

    #[test]
    fn subscribe_frames_have_ids_and_other_kinds_do_not() {
        let sub = Frame::Subscribe(Subscribe {
            id: RequestId::new(3).unwrap(),
            topic: Topic::new("news").unwrap(),
        })
        .encode();
        assert_eq!(
            peek_request_id(&sub, PEEK_PREFIX).map(RequestId::get),
            Some(3)
        );
        // {"k": "event", "id": 5}
        let event = [
            0x82, 0xa1, b'k', 0xa5, b'e', b'v', b'e', b'n', b't', 0xa2, b'i', b'd', 5,
        ];
        assert_eq!(peek_request_id(&event, PEEK_PREFIX), None);
    }

    #[test]
    fn garbage_and_truncations_give_nothing() {
        let frame = request(9, vec![0x80]);
        for end in 0..frame.len() {
            let _ = peek_request_id(&frame[..end], PEEK_PREFIX);
        }
        assert_eq!(
            peek_request_id(&[0xdf, 0xff, 0xff, 0xff, 0xff], PEEK_PREFIX),
            None
        );
        assert_eq!(peek_request_id(&[0x81, 0x01, 0x02], PEEK_PREFIX), None);
        // ids past 2^53 are not ids
        let big = [
            0x82, 0xa1, b'k', 0xa7, b'r', b'e', b'q', b'u', b'e', b's', b't', 0xa2, b'i', b'd',
            0xcf, 0xff, 0, 0, 0, 0, 0, 0, 0,
        ];
        assert_eq!(peek_request_id(&big, PEEK_PREFIX), None);
    }
}
