//! The seam to the bus (crate `switchboard`): a window's sessions, its outbound queue as
//! core's [`Outbound`], window events. The only module that calls core's `App`/`Session`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use switchboard::protocol::Name;
use switchboard::{App, Caller, Closed, Outbound, Session, WindowEvent};

use crate::bridge::{BusSession, Connect, Outbox, PushError};

/// The page's outbound queue as core's [`Outbound`]: never blocks; a page that stops
/// reading fills its queue and further frames are refused.
struct WindowOutbound(Arc<Outbox>);

impl Outbound for WindowOutbound {
    fn send(&self, frame: Bytes) -> Result<(), Closed> {
        match self.0.push(frame) {
            Ok(()) => Ok(()),
            Err(PushError::Closed) => Err(Closed),
            Err(PushError::Full) => {
                tracing::warn!("a page is not reading its frames: outbound queue full");
                Err(Closed)
            }
        }
    }

    fn negotiated(&self, version: u32) {
        self.0.negotiated(version);
    }
}

struct CoreSession(Arc<Session>);

impl BusSession for CoreSession {
    fn handle(&self, frame: Bytes) -> Pin<Box<dyn Future<Output = Option<Bytes>> + Send>> {
        let session = self.0.clone();
        Box::pin(async move { session.handle(frame).await })
    }

    fn has_grants(&self) -> bool {
        !self.0.grants().is_empty()
    }

    fn close(&self) {
        self.0.close();
    }
}

/// How a window opens its sessions: one per caller origin of a document, stamped with the
/// window's label (which the page cannot choose), the caller's origin and whether it is the
/// top document's, each pushing into its own queue.
pub(crate) fn connector(app: &App, label: &Name) -> Connect {
    let app = app.clone();
    let label = label.clone();
    Box::new(
        move |origin: &str, top_frame: bool, outbox: Arc<Outbox>| -> Arc<dyn BusSession> {
            let caller = Caller {
                window: label.clone(),
                origin: origin.to_owned(),
                top_frame,
            };
            tracing::debug!(window = %label, origin, top_frame, "session opened");
            let session = app.session(caller, Arc::new(WindowOutbound(outbox)));
            Arc::new(CoreSession(Arc::new(session)))
        },
    )
}

/// Publish a window event on `window/<label>/<event>`.
pub(crate) fn publish_window_event(app: &App, label: &Name, event: &WindowEvent) {
    if let Err(e) = app.window_event(label, event) {
        tracing::warn!(window = %label, error = %e, "publishing a window event failed");
    }
}
