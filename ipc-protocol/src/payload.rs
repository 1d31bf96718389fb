//! User payloads (PROTOCOL.md §8): arguments, return values, event values, error data.
//!
//! Payloads are MessagePack written like `rmp_serde::to_vec_named` (structs as maps,
//! enums externally tagged, `None` as `nil`, `serde_bytes` buffers as `bin`), which is
//! byte-identical to `@msgpack/msgpack`'s `encode`. Decoding first checks the structure
//! with [`scan_with`] (depth, every length against the bytes left, the
//! count of values and of each map's entries), refuses trailing bytes, and only then lets
//! serde read the value.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use switchboard_protocol::{payload, Limits};
//!
//! #[derive(Serialize, Deserialize, PartialEq, Debug)]
//! struct Greet { name: String, times: u32 }
//!
//! let bytes = payload::to_bytes(&Greet { name: "Ada".into(), times: 2 }).unwrap();
//! let back: Greet = payload::from_slice(&bytes, &Limits::default()).unwrap();
//! assert_eq!(back, Greet { name: "Ada".into(), times: 2 });
//! ```

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Serialize;

pub use crate::batch::{batch, unbatch};
use crate::codec::DecodeError;
use crate::error::{ErrorCode, IntoWireError, WireError};
use crate::limits::Limits;
use crate::scan::scan_with;

/// Why a payload did not encode or decode.
///
/// ```
/// use switchboard_protocol::{payload::{self, PayloadError}, ErrorCode, IntoWireError, Limits};
/// let err = payload::from_slice::<u32>(&[0xa1, b'x'], &Limits::default()).unwrap_err();
/// assert!(matches!(err, PayloadError::Decode(_)));
/// assert_eq!(err.into_wire_error().code, ErrorCode::BadPayload);
/// ```
#[derive(thiserror::Error, Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum PayloadError {
    /// The bytes are not one well-formed MessagePack value within the limits.
    #[error("payload is not well-formed: {0}")]
    Structure(#[source] DecodeError),
    /// Well-formed, but not the expected type (serde's message says where).
    #[error("payload does not match the expected type: {0}")]
    Decode(String),
    /// The value could not be encoded (serde's message).
    #[error("payload could not be encoded: {0}")]
    Encode(String),
    /// Bytes left over after the value.
    #[error("{count} trailing bytes after the payload")]
    TrailingBytes {
        /// How many.
        count: usize,
    },
}

impl PayloadError {
    /// The wire code: the structure's code (`malformed`, `too_large`) for a bad structure,
    /// `malformed` for trailing bytes, `bad_payload` for a type mismatch, `internal` for an
    /// encoding failure.
    ///
    /// ```
    /// use switchboard_protocol::{payload::PayloadError, ErrorCode};
    /// assert_eq!(PayloadError::TrailingBytes { count: 1 }.code(), ErrorCode::Malformed);
    /// ```
    pub fn code(&self) -> ErrorCode {
        match self {
            PayloadError::Structure(e) => e.code(),
            PayloadError::TrailingBytes { .. } => ErrorCode::Malformed,
            PayloadError::Decode(_) => ErrorCode::BadPayload,
            PayloadError::Encode(_) => ErrorCode::Internal,
        }
    }
}

impl IntoWireError for PayloadError {
    fn into_wire_error(self) -> WireError {
        WireError::new(self.code(), self.to_string())
    }
}

/// Encodes a value as a payload (`rmp_serde::to_vec_named`: structs as maps).
///
/// ```
/// use switchboard_protocol::payload;
/// #[derive(serde::Serialize)]
/// struct Point { x: u8 }
/// assert_eq!(&payload::to_bytes(&Point { x: 1 }).unwrap()[..], [0x81, 0xa1, b'x', 0x01]);
/// ```
pub fn to_bytes<T: Serialize + ?Sized>(value: &T) -> Result<Bytes, PayloadError> {
    rmp_serde::to_vec_named(value)
        .map(Bytes::from)
        .map_err(|e| PayloadError::Encode(e.to_string()))
}

/// Appends `value`'s payload encoding to `out` (the bytes [`to_bytes`] returns).
///
/// ```
/// use switchboard_protocol::payload;
/// let mut out = vec![0xff];
/// payload::encode_into(&1u8, &mut out).unwrap();
/// assert_eq!(out, [0xff, 0x01]);
/// ```
pub fn encode_into<T: Serialize + ?Sized>(
    value: &T,
    out: &mut Vec<u8>,
) -> Result<(), PayloadError> {
    rmp_serde::encode::write_named(out, value).map_err(|e| PayloadError::Encode(e.to_string()))
}

/// Decodes a payload: structure first (length ≤ `max_frame`, depth ≤ `max_depth`, every
/// length within the input, at most `max_elements` values and `max_map_entries` entries
/// in a map), then no trailing bytes, then serde.
///
/// ```
/// use switchboard_protocol::{payload::{self, PayloadError}, Limits};
/// let limits = Limits::default();
/// assert_eq!(payload::from_slice::<Vec<u8>>(&[0x92, 0x01, 0x02], &limits), Ok(vec![1, 2]));
/// assert_eq!(
///     payload::from_slice::<u8>(&[0x01, 0x02], &limits),
///     Err(PayloadError::TrailingBytes { count: 1 })
/// );
/// ```
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8], limits: &Limits) -> Result<T, PayloadError> {
    if bytes.len() > limits.max_frame {
        return Err(PayloadError::Structure(DecodeError::TooLarge {
            len: bytes.len(),
            max: limits.max_frame,
        }));
    }
    let len = scan_with(bytes, limits).map_err(PayloadError::Structure)?;
    if len < bytes.len() {
        return Err(PayloadError::TrailingBytes {
            count: bytes.len() - len,
        });
    }
    rmp_serde::from_slice(bytes).map_err(|e| PayloadError::Decode(e.to_string()))
}

/// Serializes a `u64` as a decimal string, for values that need the full 64-bit range in
/// JavaScript (PROTOCOL.md §8). Use with `#[serde(with = "switchboard_protocol::payload::u64_string")]`.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use switchboard_protocol::{payload, Limits};
///
/// #[derive(Serialize, Deserialize, PartialEq, Debug)]
/// struct File {
///     #[serde(with = "switchboard_protocol::payload::u64_string")]
///     inode: u64,
/// }
/// let bytes = payload::to_bytes(&File { inode: u64::MAX }).unwrap();
/// // {"inode": "18446744073709551615"}
/// assert_eq!(&bytes[..8], [0x81, 0xa5, b'i', b'n', b'o', b'd', b'e', 0xb4]);
/// let back: File = payload::from_slice(&bytes, &Limits::default()).unwrap();
/// assert_eq!(back.inode, u64::MAX);
/// ```
pub mod u64_string {
    use serde::de::{Deserializer, Error, Visitor};
    use serde::Serializer;
    use std::fmt;

    /// Writes the value as its decimal text.
    pub fn serialize<S: Serializer>(value: &u64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }

    /// Reads decimal text (digits only, no sign, no spaces) as a `u64`.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
        struct Digits;
        impl Visitor<'_> for Digits {
            type Value = u64;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a u64 as a decimal string")
            }
            fn visit_str<E: Error>(self, text: &str) -> Result<u64, E> {
                if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(E::custom(format_args!(
                        "`{}` is not a decimal u64",
                        super::cut_text(text)
                    )));
                }
                text.parse()
                    .map_err(|_| E::custom(format_args!("`{text}` does not fit in a u64")))
            }
        }
        deserializer.deserialize_str(Digits)
    }
}

/// Cuts text for an error message.
fn cut_text(text: &str) -> String {
    let mut end = text.len().min(32);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Big {
        #[serde(with = "u64_string")]
        n: u64,
    }

    #[test]
    fn u64_string_round_trips_the_full_range() {
        for n in [0, 1, (1 << 53) + 1, u64::MAX] {
            let bytes = to_bytes(&Big { n }).unwrap();
            assert_eq!(from_slice::<Big>(&bytes, &Limits::default()), Ok(Big { n }));
        }
    }

    #[test]
    fn u64_string_refuses_signs_spaces_and_overflow() {
        for text in ["", "-1", "+1", " 1", "1e3", "18446744073709551616"] {
            let bytes = to_bytes(&std::collections::BTreeMap::from([("n", text)])).unwrap();
            let err = from_slice::<Big>(&bytes, &Limits::default()).unwrap_err();
            assert!(matches!(err, PayloadError::Decode(_)), "{text}: {err}");
        }
    }

    #[test]
    fn deep_payload_is_refused_before_serde() {
        let mut bytes = vec![0x91; 10_000];
        bytes.push(0x01);
        let err = from_slice::<serde::de::IgnoredAny>(&bytes, &Limits::default()).unwrap_err();
        assert_eq!(
            err,
            PayloadError::Structure(DecodeError::TooDeep { max: 64 })
        );
    }

    #[test]
    fn forged_array32_is_refused_before_serde() {
        let err = from_slice::<Vec<u64>>(&[0xdd, 0xff, 0xff, 0xff, 0xff, 0x01], &Limits::default())
            .unwrap_err();
        assert!(matches!(
            err,
            PayloadError::Structure(DecodeError::LengthPastEnd { .. })
        ));
    }
}
