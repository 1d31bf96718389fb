//! The frames of protocol version 1, as Rust values (PROTOCOL.md §2).
//!
//! A [`Frame`] is what crosses the wire; the codec turns it into bytes and back
//! (see [`crate::codec`]). Payload fields are [`Bytes`]: the router moves them without
//! decoding, and decoding a frame from a `Bytes` slices the payload out of the input
//! without copying it.

use bytes::Bytes;

use crate::address::{Address, Topic};
use crate::error::WireError;

/// The newest protocol version this crate speaks (PROTOCOL.md §1): 2 adds the `events`
/// frame (a batch of one topic's events) to version 1.
pub const PROTOCOL_VERSION: u32 = 2;

/// Every protocol version this crate can speak, newest first.
pub const SUPPORTED_VERSIONS: &[u32] = &[PROTOCOL_VERSION, 1];

/// The first version with the `events` frame: a host sends it only to a session whose
/// `welcome` chose this version or a later one.
pub const EVENTS_VERSION: u32 = 2;

/// The largest integer a protocol field may hold: 2^53 − 1, exact in JavaScript (PROTOCOL.md §8).
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// The stream credit a request gets when it names none (PROTOCOL.md §2, `request.credit`).
pub const DEFAULT_STREAM_CREDIT: u32 = 16;

/// A request's correlation id: unique among the sender's pending requests, at most 2^53 − 1.
///
/// ```
/// use switchboard_protocol::RequestId;
/// let id = RequestId::new(7).unwrap();
/// assert_eq!(id.get(), 7);
/// assert!(RequestId::new(1 << 53).is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(u64);

impl RequestId {
    /// An id, or `None` past [`MAX_SAFE_INTEGER`].
    pub const fn new(id: u64) -> Option<Self> {
        if id <= MAX_SAFE_INTEGER {
            Some(Self(id))
        } else {
            None
        }
    }

    /// The id as a number.
    pub const fn get(self) -> u64 {
        self.0
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// One frame of the protocol: the unit every transport carries.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Frame {
    /// Client → host: the versions it speaks and who it says it is (for logs only).
    Hello(Hello),
    /// Host → client: the chosen version, the session and its grants.
    Welcome(Welcome),
    /// A call of a method on an actor.
    Request(Request),
    /// The one answer to a request.
    Response(Response),
    /// A published event (or, from a client, an emit).
    Event(Event),
    /// Host → client, version 2: consecutive events of one topic and publisher.
    Events(Events),
    /// Client → host: start receiving a topic's events.
    Subscribe(Subscribe),
    /// Client → host: stop receiving a topic's events.
    Unsubscribe(Unsubscribe),
    /// Drop a pending request's handler; it is answered `cancelled`.
    Cancel(Cancel),
    /// One item of a streamed reply.
    StreamItem(StreamItem),
    /// The end of a streamed reply (its one answer).
    StreamEnd(StreamEnd),
    /// More credit for a streamed reply.
    Credit(Credit),
    /// A frame-level error the host could not answer with a `response`.
    Error(ErrorFrame),
}

impl Frame {
    /// The wire name of this frame's kind (the `k` field).
    pub fn kind(&self) -> &'static str {
        match self {
            Frame::Hello(_) => "hello",
            Frame::Welcome(_) => "welcome",
            Frame::Request(_) => "request",
            Frame::Response(_) => "response",
            Frame::Event(_) => "event",
            Frame::Events(_) => "events",
            Frame::Subscribe(_) => "subscribe",
            Frame::Unsubscribe(_) => "unsubscribe",
            Frame::Cancel(_) => "cancel",
            Frame::StreamItem(_) => "stream_item",
            Frame::StreamEnd(_) => "stream_end",
            Frame::Credit(_) => "credit",
            Frame::Error(_) => "error",
        }
    }

    /// The protocol version that defines this frame's kind, written in its `v`: 1 for the
    /// kinds of version 1 (unchanged since), 2 for `events` (PROTOCOL.md §1).
    pub fn version(&self) -> u32 {
        match self {
            Frame::Events(_) => EVENTS_VERSION,
            _ => 1,
        }
    }
}

/// `hello`: the first frame a client sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hello {
    /// Protocol versions the client speaks (at most 16).
    pub versions: Vec<u32>,
    /// What the client is: `webview`, `rust`, `test`, ...
    pub client: String,
    /// A name for logs.
    pub name: String,
}

/// The limits a host enforces on a session, announced in [`Welcome`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// Largest frame in bytes.
    pub max_frame: u64,
    /// Deepest nesting of arrays and maps.
    pub max_depth: u32,
    /// Most requests a session may have unanswered.
    pub max_pending: u32,
}

/// `welcome`: the host's answer to a good `hello`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Welcome {
    /// The chosen protocol version.
    pub version: u32,
    /// The session id (a UUID), for logs.
    pub session: String,
    /// The window label the runtime assigned to this client.
    pub window: String,
    /// Permission patterns this client holds.
    pub grants: Vec<String>,
    /// Limits enforced on the session.
    pub limits: SessionLimits,
}

/// `request`: call `method` on the actor at `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Correlation id.
    pub id: RequestId,
    /// Target actor.
    pub to: Address,
    /// Method name; empty for a command.
    pub method: String,
    /// Encoded arguments (a MessagePack map, opaque to the router).
    pub payload: Bytes,
    /// Milliseconds the caller will wait, counted from receipt.
    pub deadline_ms: Option<u64>,
    /// Initial stream credit, if the reply is a stream.
    pub credit: Option<u32>,
}

/// `response`: the one answer to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The request's id.
    pub id: RequestId,
    /// The encoded return value, or the error.
    pub result: Result<Bytes, WireError>,
}

/// `event`: a value published on a topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The topic.
    pub topic: Topic,
    /// The encoded value.
    pub payload: Bytes,
    /// The publisher, set by the host on delivery.
    pub from: Option<Address>,
}

/// `events` (version 2, host → client): events of one topic from one publisher, published
/// one after the other, in one frame: the topic and the header are paid once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Events {
    /// The topic.
    pub topic: Topic,
    /// The encoded values, in the order they were published.
    pub payloads: Vec<Bytes>,
    /// The publisher, as in `event`.
    pub from: Option<Address>,
}

/// `subscribe`: start receiving a topic (answered by a `response`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscribe {
    /// Request id for the answer.
    pub id: RequestId,
    /// The topic.
    pub topic: Topic,
}

/// `unsubscribe`: stop receiving a topic (answered by a `response`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscribe {
    /// Request id for the answer.
    pub id: RequestId,
    /// The topic.
    pub topic: Topic,
}

/// `cancel`: drop a pending request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancel {
    /// The request to cancel.
    pub id: RequestId,
}

/// `stream_item`: one item of a streamed reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamItem {
    /// The request whose reply this stream is.
    pub id: RequestId,
    /// The item's position, from 0.
    pub seq: u64,
    /// The encoded item.
    pub payload: Bytes,
}

/// `stream_end`: the end of a streamed reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamEnd {
    /// The request.
    pub id: RequestId,
    /// How many items were sent.
    pub seq: u64,
    /// Why the stream stopped early, if it did.
    pub error: Option<WireError>,
}

/// `credit`: let a stream's producer send `n` more items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Credit {
    /// The streaming request.
    pub id: RequestId,
    /// Additional items allowed.
    pub n: u32,
}

/// `error`: a frame-level error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorFrame {
    /// Code, message and optional data.
    pub error: WireError,
    /// The request concerned, when one could be read.
    pub id: Option<RequestId>,
    /// With `unsupported_version`: what the host speaks.
    pub versions: Option<Vec<u32>>,
}
