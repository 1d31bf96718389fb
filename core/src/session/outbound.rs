//! The host→client half of a connection: where events, stream items and stream ends go.

use bytes::Bytes;

use crate::error::Closed;

/// Where host→client frames go (events, stream items, stream ends). Implemented by the
/// transport. `send` must never block: queue, or fail with [`Closed`].
///
/// ```
/// use switchboard::{Closed, Outbound};
/// struct Discard;
/// impl Outbound for Discard {
///     fn send(&self, _frame: bytes::Bytes) -> Result<(), Closed> { Ok(()) }
/// }
/// ```
pub trait Outbound: Send + Sync + 'static {
    /// Queue one encoded frame for the client.
    fn send(&self, frame: Bytes) -> Result<(), Closed>;

    /// The session's `welcome` chose protocol `version`: from now on the transport may
    /// deliver what that version adds (version 2: runs of `event` frames packed into one
    /// `events` frame, see `switchboard_protocol::pack_events`). Ignored by default.
    fn negotiated(&self, version: u32) {
        let _ = version;
    }
}
