//! Sessions: one client connection (a webview, the in-process client). A session reads
//! inbound frames, checks them against the caller's grants, routes requests, and keeps the
//! caller's pending requests, stream credits and subscriptions.
//!
//! [`Session::handle`] takes one encoded frame and returns the direct answer (welcome,
//! response, error). The session routes and checks calls on the caller's task; the app's
//! code runs elsewhere: a synchronous command on a bus worker (`#[command(blocking)]`: the
//! blocking pool), an `async` command in this future (up to its first `.await` on the
//! caller's task), an actor method on its actor's task, and only a command marked
//! `#[command(inline)]` right here. Events and stream items go out through the session's
//! [`Outbound`].
//!
//! Where each part lives:
//! - `mod.rs`: [`Session`], its accessors, and [`Session::handle`], which decodes a frame
//!   and hands it to the part below that answers its kind;
//! - `connection.rs`: the connection's state (version, pending requests, topics, closed);
//! - `handshake.rs`: `hello` → `welcome` or `unsupported_version`;
//! - `router.rs`: a request checked, routed, registered as pending and run at its route;
//! - `access.rs`: the `forbidden` answers and the caller's resolved scopes;
//! - `events.rs`: subscribe, unsubscribe, and a page's emit;
//! - `stream_pump.rs`: a streamed answer sent by credit, and its `stream_end`;
//! - `outbound.rs`: [`Outbound`], where host→client frames go;
//! - `frames.rs`: encoding the answers.

mod access;
mod connection;
mod events;
mod frames;
mod handshake;
mod outbound;
mod router;
mod stream_pump;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use switchboard_protocol::{
    Cancel, Credit, ErrorCode, ErrorFrame, Frame, IntoWireError, Subscribe, Unsubscribe, WireError,
    SUPPORTED_VERSIONS,
};

use crate::app::AppHandle;
use crate::call::Caller;
use crate::capability::Grants;
use crate::error::BusError;
use connection::SessionState;
use frames::{encode, error_frame, request_id, response};

pub(crate) use connection::SessionInner;
pub use outbound::Outbound;
pub(crate) use router::dispatch;

/// One client connection. Cheap to clone; clones share the connection, so frames may be
/// handled concurrently from several tasks.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use std::sync::Arc;
/// use switchboard::{App, Caller, Closed, Outbound};
/// use switchboard::protocol::{Frame, Hello, Limits};
/// struct Discard;
/// impl Outbound for Discard { fn send(&self, _f: bytes::Bytes) -> Result<(), Closed> { Ok(()) } }
///
/// let app = App::builder().build().unwrap();
/// let session = app.session(Caller::new("main", "app://localhost"), Arc::new(Discard));
/// let hello = Frame::Hello(Hello { versions: vec![1], client: "test".into(), name: "doc".into() });
/// let answer = session.handle(hello.encode().into()).await.unwrap();
/// assert!(matches!(Frame::decode(&answer, &Limits::default()).unwrap(), Frame::Welcome(_)));
/// # });
/// ```
#[derive(Clone)]
pub struct Session {
    pub(crate) inner: Arc<SessionInner>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.inner.uuid)
            .field("caller", &self.inner.caller)
            .finish()
    }
}

impl Session {
    pub(crate) fn new(
        id: u64,
        app: AppHandle,
        caller: Caller,
        outbound: Arc<dyn Outbound>,
        grants: Grants,
    ) -> Self {
        Session {
            inner: Arc::new(SessionInner {
                id,
                uuid: uuid::Uuid::new_v4().to_string(),
                app,
                caller: Arc::new(caller),
                outbound,
                grants,
                state: Mutex::new(SessionState::default()),
                scopes: Mutex::new(HashMap::new()),
                granted: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Who this session's client is.
    pub fn caller(&self) -> &Caller {
        &self.inner.caller
    }

    /// The session id (a UUID), as sent in `welcome`.
    pub fn id(&self) -> &str {
        &self.inner.uuid
    }

    /// Requests (and streams) not answered yet.
    pub fn pending(&self) -> usize {
        self.inner.lock().pending.len()
    }

    /// The permission patterns this session holds.
    pub fn grants(&self) -> Vec<String> {
        self.inner.grants.patterns()
    }

    /// The window was closed: cancel its pending handlers, remove its subscriptions.
    /// Later frames are answered `window_closed`.
    pub fn close(&self) {
        self.inner.close();
    }

    /// Handle one inbound frame. Returns the direct answer (a `welcome`, `response` or
    /// `error` frame, encoded), or `None` when none is due now (an emit, a cancel, credit,
    /// a request whose answer is a stream: its frames go through the [`Outbound`]).
    ///
    /// A request's answer is returned when the handler finishes, so handle frames of one
    /// client concurrently (a cancel must be able to overtake the request it cancels).
    ///
    /// Must run inside a tokio runtime with its time driver enabled: deadlines use tokio
    /// timers, and actors and stream producers run on tokio tasks. Synchronous commands are
    /// handed to a worker; `async` and `#[command(inline)]` ones run inside this future.
    pub async fn handle(&self, frame: Bytes) -> Option<Bytes> {
        let limits = *self.inner.app.limits();
        let frame = match Frame::decode(&frame, &limits) {
            Ok(frame) => frame,
            Err(e) => {
                tracing::debug!(window = %self.inner.caller.window, error = %e, "bad frame");
                return Some(match e.request_id() {
                    Some(id) => response(id, Err(e.into_wire_error())),
                    None => {
                        let unsupported = e.code() == ErrorCode::UnsupportedVersion;
                        encode(&Frame::Error(ErrorFrame {
                            error: e.into_wire_error(),
                            id: None,
                            versions: unsupported.then(|| SUPPORTED_VERSIONS.to_vec()),
                        }))
                    }
                });
            }
        };
        if let Frame::Hello(hello) = frame {
            return Some(self.hello(hello));
        }
        {
            let state = self.inner.lock();
            let id = request_id(&frame);
            if state.closed {
                let error = WireError::from(BusError::WindowClosed {
                    label: self.inner.caller.window.clone(),
                });
                return Some(match id {
                    Some(id) => response(id, Err(error)),
                    None => error_frame(error, None),
                });
            }
            if state.version.is_none() {
                let error = WireError::from(BusError::BeforeHello {
                    frame: frame.kind().to_owned(),
                });
                return Some(match (id, &frame) {
                    (Some(id), Frame::Request(_) | Frame::Subscribe(_) | Frame::Unsubscribe(_)) => {
                        response(id, Err(error))
                    }
                    _ => error_frame(error, id),
                });
            }
        }
        match frame {
            Frame::Request(request) => self.request(request).await,
            Frame::Subscribe(Subscribe { id, topic }) => Some(self.subscribe(id, topic)),
            Frame::Unsubscribe(Unsubscribe { id, topic }) => Some(self.unsubscribe(id, topic)),
            Frame::Event(event) => self.emit(event),
            Frame::Cancel(Cancel { id }) => {
                if let Some(p) = self.inner.lock().pending.get(&id) {
                    p.abort.abort();
                }
                None
            }
            Frame::Credit(Credit { id, n }) => {
                let gate = self
                    .inner
                    .lock()
                    .pending
                    .get(&id)
                    .and_then(|p| p.credit.clone());
                match gate {
                    Some(gate) => {
                        gate.add(u64::from(n));
                        None
                    }
                    None => Some(error_frame(
                        BusError::CreditWithoutStream { id }.into(),
                        Some(id),
                    )),
                }
            }
            other => Some(error_frame(
                BusError::UnexpectedFrame {
                    frame: other.kind().to_owned(),
                }
                .into(),
                request_id(&other),
            )),
        }
    }
}
