//! Encoding the frames a session answers with.

use bytes::Bytes;
use switchboard_protocol::{ErrorFrame, Frame, RequestId, Response, WireError};

pub(super) fn encode(frame: &Frame) -> Bytes {
    Bytes::from(frame.encode())
}

pub(super) fn response(id: RequestId, result: Result<Bytes, WireError>) -> Bytes {
    encode(&Frame::Response(Response { id, result }))
}

pub(super) fn error_frame(error: WireError, id: Option<RequestId>) -> Bytes {
    encode(&Frame::Error(ErrorFrame {
        error,
        id,
        versions: None,
    }))
}

/// The request a frame concerns, if any.
pub(super) fn request_id(frame: &Frame) -> Option<RequestId> {
    match frame {
        Frame::Request(r) => Some(r.id),
        Frame::Subscribe(s) => Some(s.id),
        Frame::Unsubscribe(u) => Some(u.id),
        Frame::Cancel(c) => Some(c.id),
        Frame::Credit(c) => Some(c.id),
        Frame::Response(r) => Some(r.id),
        Frame::StreamItem(s) => Some(s.id),
        Frame::StreamEnd(s) => Some(s.id),
        _ => None,
    }
}
