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

use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use futures::future::{AbortHandle, Abortable};
use futures::stream::{BoxStream, StreamExt};
use futures::FutureExt;
use switchboard_protocol::{
    Address, Cancel, Credit, ErrorCode, ErrorFrame, Event as EventFrame, Frame, Hello,
    IntoWireError, Request, RequestId, Response, SessionLimits, StreamEnd, StreamItem, Subscribe,
    Topic, Unsubscribe, Welcome, WireError, DEFAULT_STREAM_CREDIT, PROTOCOL_VERSION,
    SUPPORTED_VERSIONS,
};
use tokio::time::Instant;
use tracing::Instrument;

use crate::app::{AppHandle, Route};
use crate::call::{Call, Caller};
use crate::capability::{reserved_prefix, Grants};
use crate::error::{actor_failed, panic_message, wire, Closed};
use crate::event::Publisher;
use crate::reply::Reply;
use crate::scope::{OutOfScope, ResolvedScope};
use crate::stream::CreditGate;

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
}

struct Pending {
    abort: AbortHandle,
    credit: Option<Arc<CreditGate>>,
}

#[derive(Default)]
struct SessionState {
    version: Option<u32>,
    pending: HashMap<RequestId, Pending>,
    topics: HashSet<Topic>,
    closed: bool,
}

pub(crate) struct SessionInner {
    id: u64,
    uuid: String,
    app: AppHandle,
    caller: Arc<Caller>,
    outbound: Arc<dyn Outbound>,
    grants: Grants,
    state: Mutex<SessionState>,
    /// Resolved scopes of scoped plugins' methods, made on first use.
    scopes: Mutex<HashMap<(Address, String), Result<ResolvedScope, String>>>,
    /// Scope entries granted to this session at run time, by plugin address.
    granted: Mutex<HashMap<Address, Vec<serde_json::Value>>>,
}

impl SessionInner {
    /// Add allow entries to this session's scope of the plugin at `to` (until it closes).
    pub(crate) fn grant_scope(&self, to: Address, entries: Vec<serde_json::Value>) {
        let mut scopes = self.scopes.lock().unwrap_or_else(|p| p.into_inner());
        self.granted
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(to.clone())
            .or_default()
            .extend(entries);
        // resolved again, with the new entries, on the next call
        scopes.retain(|(address, _), _| *address != to);
    }

    fn lock(&self) -> MutexGuard<'_, SessionState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Cancel every pending request, drop every subscription, leave the app's registry.
    pub(crate) fn close(&self) {
        let (pending, topics) = {
            let mut state = self.lock();
            state.closed = true;
            (
                std::mem::take(&mut state.pending),
                std::mem::take(&mut state.topics),
            )
        };
        for p in pending.into_values() {
            p.abort.abort();
        }
        for topic in &topics {
            self.app.inner.events.unsubscribe_session(topic, self.id);
        }
        self.app.inner.sessions.remove(&self.id);
    }
}

impl Drop for SessionInner {
    fn drop(&mut self) {
        self.close();
    }
}

/// Removes a request from the pending table when its answer is sent (or its future dropped).
struct PendingGuard {
    session: Arc<SessionInner>,
    id: RequestId,
}

impl Drop for PendingGuard {
    fn drop(&mut self) {
        self.session.lock().pending.remove(&self.id);
    }
}

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

fn encode(frame: &Frame) -> Bytes {
    Bytes::from(frame.encode())
}

fn response(id: RequestId, result: Result<Bytes, WireError>) -> Bytes {
    encode(&Frame::Response(Response { id, result }))
}

fn error_frame(error: WireError, id: Option<RequestId>) -> Bytes {
    encode(&Frame::Error(ErrorFrame {
        error,
        id,
        versions: None,
    }))
}

enum Outcome {
    Reply(Reply),
    Aborted,
    Expired,
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
                let error = wire(
                    ErrorCode::WindowClosed,
                    format!("window `{}` is closed", self.inner.caller.window),
                );
                return Some(match id {
                    Some(id) => response(id, Err(error)),
                    None => error_frame(error, None),
                });
            }
            if state.version.is_none() {
                let error = wire(
                    ErrorCode::ProtocolViolation,
                    format!("`{}` before `hello`", frame.kind()),
                );
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
            Frame::Unsubscribe(Unsubscribe { id, topic }) => {
                let removed = self.inner.lock().topics.remove(&topic);
                if removed {
                    self.inner
                        .app
                        .inner
                        .events
                        .unsubscribe_session(&topic, self.inner.id);
                }
                Some(response(id, Ok(Bytes::new())))
            }
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
                        wire(
                            ErrorCode::ProtocolViolation,
                            format!("`credit` for request {id}, which is not a running stream"),
                        ),
                        Some(id),
                    )),
                }
            }
            other => Some(error_frame(
                wire(
                    ErrorCode::ProtocolViolation,
                    format!("a client may not send `{}`", other.kind()),
                ),
                request_id(&other),
            )),
        }
    }

    fn hello(&self, hello: Hello) -> Bytes {
        if !hello.versions.contains(&PROTOCOL_VERSION) {
            return encode(&Frame::Error(ErrorFrame {
                error: wire(
                    ErrorCode::UnsupportedVersion,
                    format!(
                        "the host speaks protocol versions {SUPPORTED_VERSIONS:?}, the client offered {:?}",
                        hello.versions
                    ),
                ),
                id: None,
                versions: Some(SUPPORTED_VERSIONS.to_vec()),
            }));
        }
        self.inner.lock().version = Some(PROTOCOL_VERSION);
        tracing::debug!(window = %self.inner.caller.window, client = %hello.client, name = %hello.name, "hello");
        let limits = self.inner.app.limits();
        encode(&Frame::Welcome(Welcome {
            version: PROTOCOL_VERSION,
            session: self.inner.uuid.clone(),
            window: self.inner.caller.window.to_string(),
            grants: self.inner.grants.patterns(),
            limits: SessionLimits {
                max_frame: limits.max_frame as u64,
                max_depth: limits.max_depth as u32,
                max_pending: self.inner.app.inner.max_pending as u32,
            },
        }))
    }

    fn forbidden(&self, permission: &str) -> WireError {
        wire(
            ErrorCode::Forbidden,
            format!(
                "window `{}` (origin {}) lacks permission `{permission}`",
                self.inner.caller.window, self.inner.caller.origin
            ),
        )
    }

    /// The caller's scope for `method` of the scoped plugin at `to`, resolved once.
    fn scope(
        &self,
        schema: &Arc<dyn crate::scope::ErasedSchema>,
        to: &Address,
        method: &str,
    ) -> Result<ResolvedScope, String> {
        let key = (to.clone(), method.to_owned());
        let mut scopes = self.inner.scopes.lock().unwrap_or_else(|p| p.into_inner());
        scopes
            .entry(key)
            .or_insert_with(|| {
                let granted = self.inner.granted.lock().unwrap_or_else(|p| p.into_inner());
                let extra = granted.get(to).map(Vec::as_slice).unwrap_or(&[]);
                self.inner
                    .grants
                    .scope_with(schema, to, method, extra)
                    .map_err(|e| e.message)
            })
            .clone()
    }

    /// `forbidden` for a call outside its scope: names the permissions that granted the
    /// call, the scope, and what fell outside it (also as typed `data`).
    fn out_of_scope(&self, permission: &str, scope: &ResolvedScope, reason: &str) -> WireError {
        let granted = scope
            .permissions()
            .iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let error = wire(
            ErrorCode::Forbidden,
            format!(
                "window `{}` (origin {}): `{permission}` is outside the scope of {granted}: {reason}; the scope is {}",
                self.inner.caller.window,
                self.inner.caller.origin,
                scope.text()
            ),
        );
        let data = OutOfScope {
            permissions: scope.permissions(),
            scope: scope.text(),
            reason,
        };
        match switchboard_protocol::payload::to_bytes(&data) {
            Ok(bytes) => error.with_data(bytes),
            Err(_) => error,
        }
    }

    fn subscribe(&self, id: RequestId, topic: Topic) -> Bytes {
        if !self.inner.grants.allows_listen(&topic) {
            return response(id, Err(self.forbidden(&format!("event:{topic}"))));
        }
        {
            let mut state = self.inner.lock();
            if state.closed {
                return response(id, Err(wire(ErrorCode::WindowClosed, "window closed")));
            }
            let max = self.inner.app.inner.max_subscriptions;
            if !state.topics.contains(&topic) && state.topics.len() >= max {
                return response(
                    id,
                    Err(wire(
                        ErrorCode::Busy,
                        format!(
                            "window `{}` holds {max} subscriptions, the limit; unsubscribe from one first",
                            self.inner.caller.window
                        ),
                    )),
                );
            }
            state.topics.insert(topic.clone());
        }
        self.inner.app.inner.events.subscribe_session(
            &topic,
            self.inner.id,
            self.inner.caller.window.clone(),
            Arc::clone(&self.inner.outbound),
        );
        response(id, Ok(Bytes::new()))
    }

    fn emit(&self, event: EventFrame) -> Option<Bytes> {
        if let Some(prefix) = reserved_prefix(event.topic.as_str()) {
            tracing::debug!(topic = %event.topic, "emit on a reserved topic refused");
            return Some(error_frame(
                wire(
                    ErrorCode::Forbidden,
                    format!(
                        "window `{}` (origin {}) may not emit `{}`: topics under `{prefix}` are reserved for the host",
                        self.inner.caller.window, self.inner.caller.origin, event.topic
                    ),
                ),
                None,
            ));
        }
        if !self.inner.grants.allows_emit(&event.topic) {
            return Some(error_frame(
                self.forbidden(&format!("emit:{}", event.topic)),
                None,
            ));
        }
        let publisher = Publisher::Page(Arc::clone(&self.inner.caller));
        self.inner
            .app
            .inner
            .events
            .publish(&event.topic, event.payload, publisher, None);
        None
    }

    /// Check, register and run one request.
    async fn request(&self, request: Request) -> Option<Bytes> {
        let span = tracing::debug_span!(
            "request",
            window = %self.inner.caller.window,
            target = %request.to,
            method = %request.method,
            id = request.id.get(),
        );
        self.run_request(request).instrument(span).await
    }

    async fn run_request(&self, request: Request) -> Option<Bytes> {
        let Request {
            id,
            to,
            method,
            payload,
            deadline_ms,
            credit,
        } = request;
        let received = Instant::now();
        if !self.inner.grants.allows_call(&to, &method) {
            let permission = if method.is_empty() {
                to.to_string()
            } else {
                format!("{to}.{method}")
            };
            tracing::debug!(%permission, "forbidden");
            return Some(response(id, Err(self.forbidden(&permission))));
        }
        let app = &self.inner.app;
        let route = match &to {
            Address::Window(label) => {
                if app.has_window(label) {
                    None
                } else {
                    return Some(response(
                        id,
                        Err(wire(
                            ErrorCode::UnknownTarget,
                            format!("no window labelled `{label}`"),
                        )),
                    ));
                }
            }
            other => match app.inner.routes.get(other) {
                Some(route) => Some(route.value().clone()),
                None => {
                    return Some(response(
                        id,
                        Err(wire(
                            ErrorCode::UnknownTarget,
                            format!("no actor at `{other}`"),
                        )),
                    ))
                }
            },
        };
        let mut call = Call {
            app: app.clone(),
            caller: Arc::clone(&self.inner.caller),
            target: to.clone(),
            method,
            id,
            payload,
            scope: None,
            session: Some(Arc::downgrade(&self.inner)),
        };
        if let Some(schema) = app.scope_schema(&to) {
            let permission = format!("{to}.{}", call.method);
            let scope = match self.scope(schema, &to, &call.method) {
                Ok(scope) => scope,
                Err(reason) => {
                    tracing::debug!(%permission, %reason, "scope does not resolve");
                    return Some(response(
                        id,
                        Err(wire(
                            ErrorCode::Forbidden,
                            format!(
                                "window `{}` (origin {}): the scope of `{permission}` does not resolve: {reason}",
                                self.inner.caller.window, self.inner.caller.origin
                            ),
                        )),
                    ));
                }
            };
            let (checked, result) = scope.check(call).await;
            call = checked;
            if let Err(e) = result {
                tracing::debug!(%permission, reason = %e, "outside the scope");
                return Some(response(
                    id,
                    Err(self.out_of_scope(&permission, &scope, &e.message)),
                ));
            }
            call.scope = Some(scope);
        }
        let (abort, registration) = AbortHandle::new_pair();
        {
            let mut state = self.inner.lock();
            if state.pending.contains_key(&id) {
                return Some(response(
                    id,
                    Err(wire(
                        ErrorCode::ProtocolViolation,
                        format!("request id {id} is already pending"),
                    )),
                ));
            }
            if state.pending.len() >= app.inner.max_pending {
                return Some(response(
                    id,
                    Err(wire(
                        ErrorCode::Busy,
                        format!(
                            "window `{}` has {} requests pending, the limit",
                            self.inner.caller.window, app.inner.max_pending
                        ),
                    )),
                ));
            }
            state.pending.insert(
                id,
                Pending {
                    abort,
                    credit: None,
                },
            );
        }
        let guard = PendingGuard {
            session: Arc::clone(&self.inner),
            id,
        };
        let deadline = deadline_ms.map(|ms| received + Duration::from_millis(ms));
        let work = Abortable::new(dispatch(route, call), registration);
        let outcome = match deadline {
            Some(at) => match tokio::time::timeout_at(at, work).await {
                Ok(Ok(reply)) => Outcome::Reply(reply),
                Ok(Err(_)) => Outcome::Aborted,
                Err(_) => Outcome::Expired,
            },
            None => match work.await {
                Ok(reply) => Outcome::Reply(reply),
                Err(_) => Outcome::Aborted,
            },
        };
        let result = match outcome {
            Outcome::Reply(Reply::Value(result)) => result,
            Outcome::Reply(Reply::Stream(stream)) => {
                let credit = credit.unwrap_or(DEFAULT_STREAM_CREDIT);
                self.start_stream(id, stream, guard, deadline, credit);
                return None;
            }
            Outcome::Aborted => Err(self.cancelled()),
            Outcome::Expired => Err(wire(
                ErrorCode::DeadlineExceeded,
                format!(
                    "`{to}` did not answer within {} ms",
                    deadline_ms.unwrap_or_default()
                ),
            )),
        };
        drop(guard);
        if let Err(e) = &result {
            tracing::debug!(code = %e.code, message = %e.message, "answered with an error");
        }
        Some(response(id, result))
    }

    fn cancelled(&self) -> WireError {
        if self.inner.lock().closed {
            wire(
                ErrorCode::WindowClosed,
                format!("window `{}` was closed", self.inner.caller.window),
            )
        } else {
            wire(ErrorCode::Cancelled, "the caller cancelled the request")
        }
    }

    fn start_stream(
        &self,
        id: RequestId,
        stream: BoxStream<'static, Result<Bytes, WireError>>,
        guard: PendingGuard,
        deadline: Option<Instant>,
        credit: u32,
    ) {
        let gate = Arc::new(CreditGate::new(u64::from(credit)));
        let (abort, registration) = AbortHandle::new_pair();
        {
            let mut state = self.inner.lock();
            if state.closed {
                return;
            }
            match state.pending.get_mut(&id) {
                Some(p) => {
                    // a cancel that came while the handler ran still counts
                    if p.abort.is_aborted() {
                        abort.abort();
                    }
                    p.abort = abort;
                    p.credit = Some(Arc::clone(&gate));
                }
                None => return,
            }
        }
        let session = Arc::clone(&self.inner);
        let outbound = Arc::clone(&self.inner.outbound);
        let sent = Arc::new(AtomicU64::new(0));
        let span = tracing::debug_span!("stream", window = %session.caller.window, id = id.get());
        tokio::spawn(
            async move {
                let pump = Abortable::new(
                    pump(stream, gate, Arc::clone(&outbound), id, Arc::clone(&sent)),
                    registration,
                );
                let ended = match deadline {
                    Some(at) => tokio::time::timeout_at(at, pump).await.ok(),
                    None => Some(pump.await),
                };
                let error = match ended {
                    Some(Ok(Ok(()))) => None,
                    Some(Ok(Err(PumpEnd::Failed(e)))) => Some(e),
                    Some(Ok(Err(PumpEnd::Closed))) => return,
                    Some(Err(_aborted)) => Some(if session.lock().closed {
                        wire(ErrorCode::WindowClosed, "the window was closed")
                    } else {
                        wire(ErrorCode::Cancelled, "the caller cancelled the stream")
                    }),
                    None => Some(wire(
                        ErrorCode::DeadlineExceeded,
                        "the stream's deadline passed",
                    )),
                };
                let end = encode(&Frame::StreamEnd(StreamEnd {
                    id,
                    seq: sent.load(Ordering::Acquire),
                    error,
                }));
                let _ = outbound.send(end);
                drop(guard);
            }
            .instrument(span),
        );
    }
}

enum PumpEnd {
    Failed(WireError),
    Closed,
}

/// Send the stream's items, one unit of credit each; the producer is polled only when
/// there is credit, so it cannot run ahead of the client.
async fn pump(
    mut stream: BoxStream<'static, Result<Bytes, WireError>>,
    gate: Arc<CreditGate>,
    outbound: Arc<dyn Outbound>,
    id: RequestId,
    sent: Arc<AtomicU64>,
) -> Result<(), PumpEnd> {
    loop {
        gate.acquire().await;
        match stream.next().await {
            None => return Ok(()),
            Some(Err(e)) => return Err(PumpEnd::Failed(e)),
            Some(Ok(payload)) => {
                let seq = sent.load(Ordering::Acquire);
                outbound
                    .send(encode(&Frame::StreamItem(StreamItem { id, seq, payload })))
                    .map_err(|Closed| PumpEnd::Closed)?;
                sent.store(seq + 1, Ordering::Release);
                // a ready producer with ample credit must not hog the worker (and starve
                // its own deadline): give way every few items
                if seq % 16 == 15 {
                    tokio::task::yield_now().await;
                }
            }
        }
    }
}

/// Run a call at its route: a command on this task, an actor through its mailbox, a window
/// through the runtime. A panicking command is answered `actor_failed`.
async fn dispatch(route: Option<Route>, call: Call) -> Reply {
    match route {
        Some(Route::Command(handler)) => {
            let target = call.target.clone();
            match AssertUnwindSafe(handler(call)).catch_unwind().await {
                Ok(reply) => reply,
                Err(panic) => {
                    // the panic's text is for the app's log only: it may hold paths,
                    // values or internals a page must not see
                    let message = panic_message(&*panic);
                    tracing::warn!(%target, %message, "command panicked");
                    Reply::error(actor_failed(format!(
                        "`{target}` failed; the app's log has the details"
                    )))
                }
            }
        }
        Some(Route::Actor(actor)) => actor.call(call).await,
        None => {
            let Address::Window(label) = &call.target else {
                return Reply::error(crate::error::internal("a call without a route"));
            };
            crate::window::dispatch(&call.app, label, &call)
        }
    }
}

fn request_id(frame: &Frame) -> Option<RequestId> {
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
