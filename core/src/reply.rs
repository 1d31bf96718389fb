//! What a handler answers: a value, a typed error, or a stream ([`Reply`], [`IntoReply`]).

use std::fmt::Display;

use bytes::Bytes;
use futures::stream::BoxStream;
use serde::Serialize;
use switchboard_protocol::codec::{encode_response_head, RESPONSE_HEAD_MAX};
use switchboard_protocol::{payload, ErrorCode, RequestId, WireError};

use crate::error::BusError;
use crate::stream::Stream;

/// A handler's answer, encoded: one value (or error), or a stream of encoded items.
pub enum Reply {
    /// The one answer: encoded value, or error.
    Value(Result<Bytes, WireError>),
    /// A streamed answer, sent as `stream_item`s under credit, then `stream_end`.
    Stream(BoxStream<'static, Result<Bytes, WireError>>),
    /// A value already written as the whole `response` frame answering one request (what
    /// [`Reply::framed`] makes, and the macros for every handler's value): a session sends
    /// the frame as it is instead of copying the payload into a new one.
    Framed(Framed),
}

/// A value encoded as the `response` frame that answers one request: the frame head, then
/// the payload, in one buffer. See [`Reply::framed`].
#[derive(Clone)]
pub struct Framed {
    frame: Bytes,
    payload_at: usize,
    id: RequestId,
}

impl Framed {
    /// The request this frame answers.
    pub fn id(&self) -> RequestId {
        self.id
    }

    /// The encoded value (a slice of the frame, no copy).
    pub fn payload(&self) -> Bytes {
        self.frame.slice(self.payload_at..)
    }

    /// The whole `response` frame.
    pub fn into_frame(self) -> Bytes {
        self.frame
    }
}

impl std::fmt::Debug for Framed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Framed")
            .field("id", &self.id)
            .field("payload", &self.payload())
            .finish()
    }
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

    /// Encode `value` as the answer to request `id`, written at once as its whole
    /// `response` frame: the payload is encoded after room for the frame's head, and the
    /// head written in front of it, so answering copies the value's bytes once (a
    /// [`Binary`](crate::Binary) of 16 MiB is copied into the frame and nowhere else).
    /// A session whose request has another id answers with the payload alone.
    ///
    /// ```
    /// use switchboard::reply::Reply;
    /// use switchboard::protocol::{Frame, Limits, RequestId};
    /// let id = RequestId::new(7).unwrap();
    /// let Reply::Framed(framed) = Reply::framed(&"hi", id) else { unreachable!() };
    /// assert_eq!(&framed.payload()[..], [0xa2, b'h', b'i']);
    /// let frame = Frame::decode(&framed.into_frame(), &Limits::default()).unwrap();
    /// assert!(matches!(frame, Frame::Response(r) if r.id == id));
    /// ```
    pub fn framed<T: Serialize + ?Sized>(value: &T, id: RequestId) -> Self {
        // Room for the head of a payload past 64 KiB (a `bin32` header): exact for the
        // large payloads this is for, so their frame starts at the buffer's start and a
        // transport that wants a `Vec` gets this one without moving the bytes.
        let mut head = Vec::with_capacity(RESPONSE_HEAD_MAX);
        encode_response_head(id, 1 << 16, &mut head);
        let room = head.len();
        // room for the head and a small value, so most answers allocate once
        let mut buf = Vec::with_capacity(room + 64);
        buf.resize(room, 0);
        if let Err(e) = payload::encode_into(value, &mut buf) {
            return Reply::Value(Err(BusError::UnencodableReply {
                reason: e.to_string(),
            }
            .into()));
        }
        let len = buf.len() - room;
        head.clear();
        encode_response_head(id, len, &mut head);
        // a shorter head (a smaller payload's `bin8`/`bin16` header) ends where the room does
        let start = room - head.len();
        buf[start..room].copy_from_slice(&head);
        Reply::Framed(Framed {
            frame: Bytes::from(buf).slice(start..),
            payload_at: head.len(),
            id,
        })
    }

    /// The one answer's encoded value or error; `None` for a stream.
    pub fn into_value(self) -> Option<Result<Bytes, WireError>> {
        match self {
            Reply::Value(result) => Some(result),
            Reply::Framed(framed) => Some(Ok(framed.payload())),
            Reply::Stream(_) => None,
        }
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
            Reply::Framed(framed) => f.debug_tuple("Framed").field(framed).finish(),
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

    /// Encode the answer to request `id` (what the macros call): a value as its whole
    /// `response` frame ([`Reply::framed`]). By default, [`IntoReply::into_reply`].
    fn into_reply_to(self, id: RequestId) -> Reply
    where
        Self: Sized,
    {
        let _ = id;
        self.into_reply()
    }
}

impl<T: Serialize> IntoReply for T {
    fn into_reply(self) -> Reply {
        Reply::value(&self)
    }

    fn into_reply_to(self, id: RequestId) -> Reply {
        Reply::framed(&self, id)
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
