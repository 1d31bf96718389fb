//! Errors that cross the wire (PROTOCOL.md §6): a stable code, a message, optional data.

use std::fmt;

use bytes::Bytes;

/// A stable error code, as listed in PROTOCOL.md §6.
///
/// ```
/// use switchboard_protocol::ErrorCode;
/// assert_eq!(ErrorCode::Forbidden.as_str(), "forbidden");
/// assert_eq!(ErrorCode::from_wire("busy"), ErrorCode::Busy);
/// assert_eq!(ErrorCode::from_wire("from_the_future").as_str(), "from_the_future");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// Not well-formed MessagePack of the expected shape.
    Malformed,
    /// Over a length limit.
    TooLarge,
    /// No common protocol version.
    UnsupportedVersion,
    /// An unknown frame kind.
    UnknownFrame,
    /// A well-formed frame at the wrong time.
    ProtocolViolation,
    /// No actor at that address.
    UnknownTarget,
    /// The actor has no such method.
    UnknownMethod,
    /// The payload does not match the method's arguments.
    BadPayload,
    /// No capability grants this call.
    Forbidden,
    /// Mailbox full or too many pending requests.
    Busy,
    /// The actor panicked or stopped before answering.
    ActorFailed,
    /// The caller cancelled.
    Cancelled,
    /// The deadline passed.
    DeadlineExceeded,
    /// The window concerned was closed.
    WindowClosed,
    /// The handler returned an application error (in `data`).
    App,
    /// A bug in the host.
    Internal,
    /// A code this version does not know (from a newer peer).
    Other(String),
}

impl ErrorCode {
    /// The code's wire text.
    pub fn as_str(&self) -> &str {
        match self {
            ErrorCode::Malformed => "malformed",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::UnsupportedVersion => "unsupported_version",
            ErrorCode::UnknownFrame => "unknown_frame",
            ErrorCode::ProtocolViolation => "protocol_violation",
            ErrorCode::UnknownTarget => "unknown_target",
            ErrorCode::UnknownMethod => "unknown_method",
            ErrorCode::BadPayload => "bad_payload",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::Busy => "busy",
            ErrorCode::ActorFailed => "actor_failed",
            ErrorCode::Cancelled => "cancelled",
            ErrorCode::DeadlineExceeded => "deadline_exceeded",
            ErrorCode::WindowClosed => "window_closed",
            ErrorCode::App => "app",
            ErrorCode::Internal => "internal",
            ErrorCode::Other(s) => s,
        }
    }

    /// Read a code from its wire text; unknown text becomes [`ErrorCode::Other`].
    pub fn from_wire(text: &str) -> Self {
        match text {
            "malformed" => ErrorCode::Malformed,
            "too_large" => ErrorCode::TooLarge,
            "unsupported_version" => ErrorCode::UnsupportedVersion,
            "unknown_frame" => ErrorCode::UnknownFrame,
            "protocol_violation" => ErrorCode::ProtocolViolation,
            "unknown_target" => ErrorCode::UnknownTarget,
            "unknown_method" => ErrorCode::UnknownMethod,
            "bad_payload" => ErrorCode::BadPayload,
            "forbidden" => ErrorCode::Forbidden,
            "busy" => ErrorCode::Busy,
            "actor_failed" => ErrorCode::ActorFailed,
            "cancelled" => ErrorCode::Cancelled,
            "deadline_exceeded" => ErrorCode::DeadlineExceeded,
            "window_closed" => ErrorCode::WindowClosed,
            "app" => ErrorCode::App,
            "internal" => ErrorCode::Internal,
            other => ErrorCode::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error as it crosses the wire: `{ code, message, data? }`.
///
/// ```
/// use switchboard_protocol::{ErrorCode, WireError};
/// let e = WireError::new(ErrorCode::Forbidden, "window `main` may not call `cmd:secret`");
/// assert_eq!(e.to_string(), "forbidden: window `main` may not call `cmd:secret`");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct WireError {
    /// The stable code.
    pub code: ErrorCode,
    /// For a person.
    pub message: String,
    /// Typed error data (for `app`: the application's error value, encoded as a payload).
    pub data: Option<Bytes>,
}

impl WireError {
    /// An error without data.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            data: None,
        }
    }

    /// The same error carrying encoded data.
    pub fn with_data(mut self, data: Bytes) -> Self {
        self.data = Some(data);
        self
    }
}

/// Turns an error into its wire form. Implemented by every error that may cross the wire,
/// so the code a client sees is chosen in one place.
pub trait IntoWireError {
    /// The wire form of this error.
    fn into_wire_error(self) -> WireError;
}

impl IntoWireError for WireError {
    fn into_wire_error(self) -> WireError {
        self
    }
}
