//! What a handler answers: a value, a typed error, or a stream ([`Reply`], [`IntoReply`]).

use std::fmt::Display;

use bytes::Bytes;
use futures::stream::BoxStream;
use serde::Serialize;
use switchboard_protocol::{payload, ErrorCode, WireError};

use crate::error::BusError;
use crate::stream::Stream;

/// A handler's answer, encoded: one value (or error), or a stream of encoded items.
pub enum Reply {
    /// The one answer: encoded value, or error.
    Value(Result<Bytes, WireError>),
    /// A streamed answer, sent as `stream_item`s under credit, then `stream_end`.
    Stream(BoxStream<'static, Result<Bytes, WireError>>),
}

impl Reply {
    /// An error answer.
    pub fn error(error: WireError) -> Self {
        Reply::Value(Err(error))
    }

    /// Encode `value` as the answer.
    pub fn value<T: Serialize + ?Sized>(value: &T) -> Self {
        Reply::Value(encode(value))
    }
}

impl From<WireError> for Reply {
    fn from(error: WireError) -> Self {
        Reply::Value(Err(error))
    }
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reply::Value(v) => f.debug_tuple("Value").field(v).finish(),
            Reply::Stream(_) => f.write_str("Stream(..)"),
        }
    }
}

pub(crate) fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Bytes, WireError> {
    payload::to_bytes(value).map_err(|e| {
        BusError::UnencodableReply {
            reason: e.to_string(),
        }
        .into()
    })
}

/// A handler's return value: anything `Serialize`, or a [`Stream`]. A `Result<T, E>` is
/// recognised by the macros: `Ok` is answered like `T`, `Err` as error code `app` with
/// `data` = `E` encoded (and the message from `E`'s `Display`, when it has one).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a switchboard command or actor method",
    note = "return a value that implements `serde::Serialize`, a `switchboard::Stream<T>`, or a `Result<T, E>` where `E: Serialize`"
)]
pub trait IntoReply {
    /// Encode the answer.
    fn into_reply(self) -> Reply;
}

impl<T: Serialize> IntoReply for T {
    fn into_reply(self) -> Reply {
        Reply::value(&self)
    }
}

impl<T: Serialize + Send + 'static> IntoReply for Stream<T> {
    fn into_reply(self) -> Reply {
        Reply::Stream(self.into_encoded())
    }
}

/// The `app` error for a handler's `Err(e)`.
pub fn app_error<E: Serialize + ?Sized>(error: &E, message: String) -> WireError {
    match payload::to_bytes(error) {
        Ok(data) => WireError::new(ErrorCode::App, message).with_data(data),
        Err(e) => BusError::UnencodableAppError {
            reason: e.to_string(),
        }
        .into(),
    }
}

/// Support for the macros: the message of an application error, from `Display` when the
/// type has it (autoref specialisation), else its type name.
#[doc(hidden)]
pub struct ErrorMessage<'a, E: ?Sized>(pub &'a E);

#[doc(hidden)]
pub trait DisplayMessage {
    fn message(&self) -> String;
}

impl<E: Display + ?Sized> DisplayMessage for &ErrorMessage<'_, E> {
    fn message(&self) -> String {
        self.0.to_string()
    }
}

#[doc(hidden)]
pub trait PlainMessage {
    fn message(&self) -> String;
}

impl<E: ?Sized> PlainMessage for ErrorMessage<'_, E> {
    fn message(&self) -> String {
        format!(
            "the handler returned an error ({})",
            std::any::type_name::<E>()
        )
    }
}
