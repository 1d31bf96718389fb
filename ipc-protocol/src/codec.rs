//! The frame codec: the canonical encoder and the strict decoder (PROTOCOL.md §1).
//!
//! Encoding is infallible and canonical: the same frame always gives the same bytes, the
//! ones pinned by the golden vectors. Decoding checks the whole input's structure first
//! (each value with [`scan`](crate::scan()) as its key is located, then no trailing bytes),
//! then reads each field with its exact type; a bad frame yields a
//! typed [`DecodeError`], never a panic, and nothing is allocated from a length before the
//! bytes it announces are known to be there.
//!
//! ```
//! use bytes::Bytes;
//! use switchboard_protocol::{Address, Frame, Limits, Request, RequestId};
//!
//! let frame = Frame::Request(Request {
//!     id: RequestId::new(1).unwrap(),
//!     to: Address::parse("cmd:greet").unwrap(),
//!     method: String::new(),
//!     payload: Bytes::from_static(&[0x81, 0xa4, b'n', b'a', b'm', b'e', 0xa3, b'A', b'd', b'a']),
//!     deadline_ms: None,
//!     credit: None,
//! });
//! let bytes = Bytes::from(frame.encode());
//! let back = Frame::decode(&bytes, &Limits::default()).unwrap();
//! assert_eq!(back, frame);
//! ```

mod decode;
mod encode;
mod error;
mod reader;

use bytes::Bytes;

pub use self::error::DecodeError;
use crate::frame::{Frame, RequestId};
use crate::limits::Limits;

pub(crate) use self::encode::{put_array, put_bin};

impl Frame {
    /// The canonical encoding of this frame (PROTOCOL.md §1).
    ///
    /// Protocol integers above 2^53 − 1 (a `seq`, a `deadline`, `max_frame`) are written
    /// as 2^53 − 1, so every encoded frame decodes.
    ///
    /// ```
    /// use switchboard_protocol::{Cancel, Frame, RequestId};
    /// let frame = Frame::Cancel(Cancel { id: RequestId::new(5).unwrap() });
    /// // {"v": 1, "k": "cancel", "id": 5}
    /// assert_eq!(
    ///     frame.encode(),
    ///     [0x83, 0xa1, b'v', 0x01, 0xa1, b'k', 0xa6, b'c', b'a', b'n', b'c', b'e', b'l', 0xa2, b'i', b'd', 0x05]
    /// );
    /// ```
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(encode::size_hint(self));
        encode::encode_into(self, &mut out);
        out
    }

    /// Appends the canonical encoding of this frame to `out` (reusing its allocation).
    ///
    /// ```
    /// use switchboard_protocol::{Cancel, Frame, RequestId};
    /// let frame = Frame::Cancel(Cancel { id: RequestId::new(5).unwrap() });
    /// let mut out = Vec::new();
    /// frame.encode_into(&mut out);
    /// frame.encode_into(&mut out);
    /// assert_eq!(out.len(), 2 * frame.encode().len());
    /// ```
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        out.reserve(encode::size_hint(self));
        encode::encode_into(self, out);
    }

    /// Decodes one frame; payloads and other binary fields are slices of `bytes` (no copy).
    ///
    /// ```
    /// use bytes::Bytes;
    /// use switchboard_protocol::{ErrorCode, Frame, Limits};
    /// let limits = Limits::default();
    /// // a bin32 that claims 4 GiB inside a 10-byte input is refused at once
    /// let forged = Bytes::from_static(&[0x81, 0xa1, b'x', 0xc6, 0xff, 0xff, 0xff, 0xff, 0, 0]);
    /// let err = Frame::decode(&forged, &limits).unwrap_err();
    /// assert_eq!(err.code(), ErrorCode::Malformed);
    /// ```
    pub fn decode(bytes: &Bytes, limits: &Limits) -> Result<Frame, DecodeError> {
        decode::decode_with(bytes, limits, |start, end| bytes.slice(start..end))
    }

    /// Decodes one frame from a borrowed slice, copying the binary fields out.
    ///
    /// ```
    /// use switchboard_protocol::{DecodeError, Frame, Limits};
    /// let limits = Limits::default();
    /// // {"v": 1, "k": "cancel", "id": 5}
    /// let bytes = [0x83, 0xa1, b'v', 0x01, 0xa1, b'k', 0xa6, b'c', b'a', b'n', b'c', b'e', b'l', 0xa2, b'i', b'd', 0x05];
    /// let frame = Frame::decode_slice(&bytes, &limits).unwrap();
    /// assert_eq!(frame.kind(), "cancel");
    /// // the same with a stray byte after it
    /// let mut longer = bytes.to_vec();
    /// longer.push(0);
    /// assert_eq!(Frame::decode_slice(&longer, &limits), Err(DecodeError::TrailingBytes { count: 1 }));
    /// ```
    pub fn decode_slice(bytes: &[u8], limits: &Limits) -> Result<Frame, DecodeError> {
        decode::decode_with(bytes, limits, |start, end| {
            Bytes::copy_from_slice(&bytes[start..end])
        })
    }
}

/// The most bytes [`encode_response_head`] writes (a 9-byte id and a `bin32` header).
pub const RESPONSE_HEAD_MAX: usize = 35;

/// Appends the head of the canonical `response` frame that answers `id` with an `ok`
/// payload of `payload_len` bytes: everything before the payload's bytes. That head
/// followed by the payload is the frame [`Frame::encode`] writes, so a host can write the
/// frame around a payload it has already encoded (in the same buffer) instead of copying
/// the payload into a new one. At most [`RESPONSE_HEAD_MAX`] bytes.
///
/// ```
/// use bytes::Bytes;
/// use switchboard_protocol::{codec, Frame, RequestId, Response};
/// let id = RequestId::new(300).unwrap();
/// let payload = vec![0xc3; 70_000];
/// let mut frame = Vec::new();
/// codec::encode_response_head(id, payload.len(), &mut frame);
/// assert!(frame.len() <= codec::RESPONSE_HEAD_MAX);
/// frame.extend_from_slice(&payload);
/// let whole = Frame::Response(Response { id, result: Ok(Bytes::from(payload)) });
/// assert_eq!(frame, whole.encode());
/// ```
pub fn encode_response_head(id: RequestId, payload_len: usize, out: &mut Vec<u8>) {
    encode::put_response_head(out, id, payload_len);
}

#[cfg(test)]
mod tests;
