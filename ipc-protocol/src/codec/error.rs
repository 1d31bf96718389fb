//! Why a frame (or a value's structure) did not decode, and the wire code it answers with.

use crate::address::NameError;
use crate::error::{ErrorCode, IntoWireError, WireError};
use crate::frame::RequestId;

/// Why bytes did not decode into a [`Frame`](crate::Frame) (or did not pass [`scan`](crate::scan())).
///
/// Every variant maps to a stable wire code with [`DecodeError::code`]; when the frame's
/// `id` could be read, [`DecodeError::request_id`] returns it so the host can answer the
/// request with a `response` instead of a frame-level `error`.
///
/// ```
/// use switchboard_protocol::{DecodeError, ErrorCode, Frame, Limits};
/// // {"x": <the reserved byte 0xc1>}
/// let err = Frame::decode_slice(&[0x81, 0xa1, b'x', 0xc1], &Limits::default()).unwrap_err();
/// assert_eq!(err, DecodeError::ReservedByte { at: 3 });
/// assert_eq!(err.code(), ErrorCode::Malformed);
/// assert_eq!(err.to_string(), "reserved byte 0xc1 at offset 3");
/// ```
#[derive(thiserror::Error, Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input is longer than `max_frame`; refused before parsing.
    #[error("frame is {len} bytes, the limit is {max}")]
    TooLarge {
        /// The input's length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The input ends inside a header or a fixed-size value.
    #[error("input ends inside the value starting at offset {at}")]
    Truncated {
        /// Offset of the value that was cut.
        at: usize,
    },
    /// More nested arrays and maps than `max_depth`.
    #[error("nesting deeper than {max} levels")]
    TooDeep {
        /// The limit.
        max: usize,
    },
    /// A string, binary or extension longer than the bytes left, or an array/map with more
    /// entries than bytes left.
    #[error("value at offset {at} declares {declared} (bytes or entries) but only {available} bytes are left")]
    LengthPastEnd {
        /// The declared length (bytes, or values for an array/map).
        declared: u64,
        /// Bytes left after the header.
        available: usize,
        /// Offset of the header.
        at: usize,
    },
    /// The reserved marker `0xc1`.
    #[error("reserved byte 0xc1 at offset {at}")]
    ReservedByte {
        /// Its offset.
        at: usize,
    },
    /// Bytes left over after the one value.
    #[error("{count} trailing bytes after the value")]
    TrailingBytes {
        /// How many.
        count: usize,
    },
    /// The frame is not a map.
    #[error("a frame must be a map with string keys")]
    NotAMap,
    /// A batch is not an array of binaries (PROTOCOL.md §7).
    #[error("a batch must be an array of binaries")]
    NotABatch,
    /// A map key that is not a string.
    #[error("map key at offset {at} is not a string")]
    KeyNotString {
        /// Offset of the key.
        at: usize,
    },
    /// The same key twice in one map.
    #[error("key `{key}` appears twice")]
    DuplicateKey {
        /// The key (cut to 64 bytes).
        key: String,
    },
    /// A required field is absent.
    #[error("`{kind}` frame is missing field `{field}`")]
    MissingField {
        /// The frame kind (or `frame` before the kind is known).
        kind: &'static str,
        /// The field.
        field: &'static str,
        /// The frame's id, when it could be read.
        id: Option<RequestId>,
    },
    /// A field holds a value of the wrong type.
    #[error("field `{field}` must be {expected}")]
    WrongType {
        /// The field (`err.code` for a nested one).
        field: &'static str,
        /// What it must be.
        expected: &'static str,
        /// The frame's id, when it could be read.
        id: Option<RequestId>,
    },
    /// Two fields of which exactly one is allowed (`ok` and `err`).
    #[error("`{kind}` frame has both `{first}` and `{second}`, exactly one is allowed")]
    BothPresent {
        /// The frame kind.
        kind: &'static str,
        /// One field.
        first: &'static str,
        /// The other.
        second: &'static str,
        /// The frame's id, when it could be read.
        id: Option<RequestId>,
    },
    /// A protocol integer that is negative, above 2^53 − 1, or above its type's range.
    #[error("field `{field}` holds {value}, out of range")]
    IntegerOutOfRange {
        /// The field.
        field: &'static str,
        /// The value read.
        value: i128,
        /// The frame's id, when it could be read.
        id: Option<RequestId>,
    },
    /// A string that is not UTF-8.
    #[error("field `{field}` is not valid utf-8")]
    InvalidUtf8 {
        /// The field (`key` for a map key).
        field: &'static str,
        /// The frame's id, when it could be read.
        id: Option<RequestId>,
    },
    /// A name, address or topic that does not parse (PROTOCOL.md §3).
    #[error("field `{field}`: {source}")]
    InvalidName {
        /// The field.
        field: &'static str,
        /// Why it did not parse.
        source: NameError,
        /// The frame's id, when it could be read.
        id: Option<RequestId>,
    },
    /// An array longer than its limit (`versions`, `grants`, the frames of a batch).
    #[error("field `{field}` has {len} entries, the limit is {max}")]
    TooMany {
        /// The field.
        field: &'static str,
        /// Entries found.
        len: usize,
        /// The limit.
        max: usize,
        /// The frame's id, when it could be read.
        id: Option<RequestId>,
    },
    /// More values in one payload than `max_elements` (PROTOCOL.md §5).
    #[error("payload holds more than {max} values")]
    TooManyValues {
        /// The limit.
        max: usize,
    },
    /// A map of a payload with more entries than `max_map_entries`.
    #[error("map at offset {at} has {entries} entries, the limit is {max}")]
    TooManyEntries {
        /// The entries it declares.
        entries: u64,
        /// The limit.
        max: usize,
        /// Offset of the map's header.
        at: usize,
    },
    /// More unknown keys in one map of a frame than `max_unknown_keys`.
    #[error("more than {max} unknown keys in one map")]
    TooManyUnknownKeys {
        /// The limit.
        max: usize,
    },
    /// A frame kind this decoder does not know.
    #[error("unknown frame kind `{kind}`")]
    UnknownKind {
        /// The kind (cut to 64 bytes).
        kind: String,
        /// The frame's id, when it could be read.
        id: Option<RequestId>,
    },
    /// A frame of a protocol version this decoder does not speak.
    #[error("protocol version {got} is not supported, supported: {supported:?}")]
    UnsupportedVersion {
        /// The frame's `v`.
        got: u64,
        /// What this decoder speaks.
        supported: &'static [u32],
        /// The frame's id, when it could be read.
        id: Option<RequestId>,
    },
}

/// `match $error { <every variant that carries the frame's id> { id, .. } => $then, _ => $else }`:
/// the one list of those variants, for reading and for filling the id.
macro_rules! with_frame_id {
    ($error:expr, $id:ident => $then:expr, $else:expr) => {
        match $error {
            DecodeError::MissingField { $id, .. }
            | DecodeError::WrongType { $id, .. }
            | DecodeError::IntegerOutOfRange { $id, .. }
            | DecodeError::InvalidUtf8 { $id, .. }
            | DecodeError::InvalidName { $id, .. }
            | DecodeError::TooMany { $id, .. }
            | DecodeError::BothPresent { $id, .. }
            | DecodeError::UnknownKind { $id, .. }
            | DecodeError::UnsupportedVersion { $id, .. } => $then,
            _ => $else,
        }
    };
}

impl DecodeError {
    /// The wire code this error is answered with (PROTOCOL.md §6): `too_large` for
    /// length and count limits, `unknown_frame` for an unknown kind, `unsupported_version` for a bad
    /// `v`, `malformed` for everything else.
    ///
    /// ```
    /// use switchboard_protocol::{DecodeError, ErrorCode};
    /// assert_eq!(DecodeError::TooLarge { len: 10, max: 5 }.code(), ErrorCode::TooLarge);
    /// assert_eq!(DecodeError::NotAMap.code(), ErrorCode::Malformed);
    /// ```
    pub fn code(&self) -> ErrorCode {
        match self {
            DecodeError::TooLarge { .. }
            | DecodeError::TooMany { .. }
            | DecodeError::TooManyValues { .. }
            | DecodeError::TooManyEntries { .. }
            | DecodeError::TooManyUnknownKeys { .. } => ErrorCode::TooLarge,
            DecodeError::UnknownKind { .. } => ErrorCode::UnknownFrame,
            DecodeError::UnsupportedVersion { .. } => ErrorCode::UnsupportedVersion,
            _ => ErrorCode::Malformed,
        }
    }

    /// The frame's `id`, when it could be read before decoding failed, so the host can
    /// answer with a `response` carrying this error.
    ///
    /// ```
    /// use switchboard_protocol::{Frame, Limits, ErrorCode};
    /// // {"v":1,"k":"request","id":7,"to":"no spaces allowed","method":"","payload":<bin>}
    /// let mut bytes = vec![0x86, 0xa1, b'v', 0x01, 0xa1, b'k', 0xa7];
    /// bytes.extend_from_slice(b"request");
    /// bytes.extend_from_slice(&[0xa2, b'i', b'd', 0x07, 0xa2, b't', b'o', 0xa9]);
    /// bytes.extend_from_slice(b"no spaces");
    /// bytes.extend_from_slice(&[0xa6]);
    /// bytes.extend_from_slice(b"method");
    /// bytes.extend_from_slice(&[0xa0, 0xa7]);
    /// bytes.extend_from_slice(b"payload");
    /// bytes.extend_from_slice(&[0xc4, 0x00]);
    /// let err = Frame::decode_slice(&bytes, &Limits::default()).unwrap_err();
    /// assert_eq!(err.request_id().map(|id| id.get()), Some(7));
    /// assert_eq!(err.code(), ErrorCode::Malformed);
    /// ```
    pub fn request_id(&self) -> Option<RequestId> {
        with_frame_id!(self, id => *id, None)
    }

    /// Moves the offsets of a structural error found in a sub-slice starting at `by`.
    pub(crate) fn shifted(mut self, by: usize) -> Self {
        match &mut self {
            DecodeError::Truncated { at }
            | DecodeError::LengthPastEnd { at, .. }
            | DecodeError::ReservedByte { at }
            | DecodeError::KeyNotString { at }
            | DecodeError::TooManyEntries { at, .. } => *at += by,
            _ => {}
        }
        self
    }

    /// Records the frame's id in the variants that carry one.
    pub(crate) fn with_id(mut self, frame_id: Option<RequestId>) -> Self {
        with_frame_id!(&mut self, id => {
            if id.is_none() {
                *id = frame_id;
            }
        }, ());
        self
    }
}

impl IntoWireError for DecodeError {
    fn into_wire_error(self) -> WireError {
        WireError::new(self.code(), self.to_string())
    }
}

/// Cuts `text` to at most `max` bytes on a character boundary, for error messages.
pub(crate) fn cut(text: &str, max: usize) -> String {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}
