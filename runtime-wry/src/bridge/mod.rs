//! The bridge between a webview and the bus.
//!
//! Every window's page reaches the bus through the `switchboard` custom scheme
//! (`switchboard://localhost` on Linux and macOS, `http://switchboard.localhost` on Windows
//! and Android):
//!
//! | request | answer |
//! |---|---|
//! | `POST /ipc`, body = one encoded frame | `200` with one encoded frame (the session's direct answer) or `204` |
//! | `POST /poll` | held until the window's outbound queue has frames, then `200` with a batch (PROTOCOL.md §7); `204` after 25 s of nothing; `410` once the window is closed |
//! | `OPTIONS` | a CORS preflight answer, for trusted origins |
//!
//! and, as a fallback, `window.ipc.postMessage(<base64 frame>)`, answered by
//! `evaluate_script("window.__SWITCHBOARD_RECEIVE__('<base64 frame>')")`.
//!
//! **Identity** comes from wry: the protocol handler is told which webview a request came
//! from (its id is the window's label), so a page can never speak as another window. Its
//! origin comes from the request's `Origin` (else `Referer`) header; a frame from an origin
//! the app does not trust is answered `forbidden` here and never reaches the bus.
//!
//! The UI thread never waits on the bus: the handler polls the session's answer once (in
//! the async runtime's context); a ready answer goes back at once, anything else is handed
//! to the async runtime and answered through wry's asynchronous responder (see `drive`).
//!
//! **Thread hops of one call**: a synchronous `#[switchboard::command]` makes none: `fetch`
//! or `postMessage` → handler on the UI thread → the command runs there → responder or
//! `evaluate_script`, like a bare wry handler. A call that is not ready at once (an `async`
//! command that waits, an actor, a window command) makes two: (hop 1) a tokio task polls it
//! again, then (hop 2) the responder finishes the request on the UI thread (glib
//! `MainContext::invoke`), or the script goes through the event loop proxy. An actor target
//! adds core's two hops (to its task and back). The figures below predate the inline poll.
//!
//! ## Which path is faster
//! Measured in the real app (`e2e/app.rs`, release build, WebKitGTK under Xvfb, 2 cores,
//! the machine's load average at 4–6 from parallel builds, so read the ratios more than the
//! absolute figures) by
//! `cargo test --release -p switchboard-runtime-wry --test bridge_bench -- --nocapture`;
//! four runs, the first two without the floor line:
//!
//! | path | run 1 | run 2 | run 3 | run 4 |
//! |---|---|---|---|---|
//! | floor: `fetch` to the scheme answered `404` at once on the UI thread (no bus) | | | 530 µs | 496 µs |
//! | reply, `fetch` POST `/ipc` (async responder, bus on tokio) | 1185 µs | 1617 µs | 781 µs | 806 µs |
//! | reply, `postMessage` answered by `evaluate_script` | 668 µs | 529 µs | 692 µs | 700 µs |
//! | push 10,000 events, held-open `/poll` (events/s, responses) | 75k in 3 | 85k in 2 | 143k in 2 | 161k in 3 |
//! | push 10,000 events, `evaluate_script`, one batch per flush (events/s, calls) | 32k in 3 | 36k in 23 | 59k in 6 | 103k in 4 |
//! | 4 MiB echo, `fetch` (MB/s up+down) | 49 | 36 | 66 | 63 |
//! | 4 MiB echo, `postMessage`, base64 both ways (MB/s up+down) | 12 | 14 | 20 | 23 |
//!
//! So: most of a `fetch` round trip is WebKit's own custom-scheme cost (the floor); the
//! bus and its two thread hops add ~250–300 µs under this load (~90 µs in a quieter probe).
//! Small replies come back 10–60% faster through `postMessage`, large payloads 3–4× faster
//! through `fetch`, and pushes 1.5–2× faster through the held-open poll. The 16 MiB round
//! trip of the e2e test takes 0.9–2 s in a debug build. Both paths stay available: the
//! client picks (`fetch` first, `postMessage` as the fallback), and the host pushes by poll
//! as soon as the page polls, by script otherwise.
//!
//! ## Limits of the identity check
//! An iframe of the app's *own* origin cannot be told from the top frame on the `fetch` path
//! (WebKit sends the same `Origin`), so it is stamped `top_frame: true`; an iframe of any
//! other origin is stamped `top_frame: false` with its real origin. The `postMessage` path
//! is top-frame only: its messages carry a per-window token that only the top frame's init
//! script knows (see `ipc_guard_script`).

mod drive;
mod outbox;

use std::borrow::Cow;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use bytes::Bytes;
use switchboard_protocol::{
    ErrorCode, ErrorFrame, Frame, Limits, Response as ResponseFrame, WireError,
};
use wry::http::{header, HeaderValue, Request, Response, StatusCode};

use crate::origin::{Origin, TrustedOrigins};

pub(crate) use outbox::{Outbox, PushError, Responder, POLL_HOLD};

/// The custom scheme of the bridge.
pub const BRIDGE_SCHEME: &str = "switchboard";

/// Most distinct caller origins a window keeps a session for (a page framing many origins
/// cannot grow the map without bound).
const MAX_ORIGINS_PER_WINDOW: usize = 16;

/// The MIME type of the bridge's answers.
const FRAME_MIME: &str = "application/msgpack";

/// What the bridge needs of a bus session: hand it a frame, get the direct answer (if any);
/// close it when the window goes. The one seam to the bus (see `crate::bus`).
pub(crate) trait BusSession: Send + Sync + 'static {
    /// Handle one encoded frame from the page.
    fn handle(&self, frame: Bytes) -> Pin<Box<dyn Future<Output = Option<Bytes>> + Send>>;
    /// Whether any capability grants this session anything (an origin that is not the
    /// app's own is trusted only then).
    fn has_grants(&self) -> bool;
    /// The window is gone.
    fn close(&self);
}

/// Opens a window's session for a caller origin (`top_frame`: the request came from the
/// window's top page, not from an iframe of another origin).
pub(crate) type Connect = Box<dyn Fn(&str, bool) -> Arc<dyn BusSession> + Send + Sync>;

/// One window as the bridge sees it: its sessions (one per origin that talks to the bus,
/// opened on first use), its outbound queue and the origin of its top page.
pub(crate) struct WindowLink {
    pub(crate) label: String,
    pub(crate) outbox: Arc<Outbox>,
    /// Prefix of every `postMessage` from this window's top frame (see [`ipc_guard_script`]).
    ipc_token: String,
    page_origin: Mutex<Option<Origin>>,
    sessions: Mutex<HashMap<(String, bool), Arc<dyn BusSession>>>,
    connect: Connect,
}

impl WindowLink {
    pub(crate) fn new(
        label: String,
        page_url: &str,
        outbox: Arc<Outbox>,
        connect: Connect,
    ) -> Self {
        Self {
            label,
            outbox,
            ipc_token: uuid::Uuid::new_v4().simple().to_string(),
            page_origin: Mutex::new(Origin::parse(page_url)),
            sessions: Mutex::new(HashMap::new()),
            connect,
        }
    }

    /// The init script (top frame only) that makes the top frame's `window.ipc.postMessage`
    /// carry this window's secret token.
    pub(crate) fn ipc_guard_script(&self) -> String {
        ipc_guard_script(&self.ipc_token)
    }

    /// The top page navigated (UI thread, page-load handler): the old page's sessions are
    /// closed (its subscriptions and pending calls with them) and its undelivered frames
    /// dropped; the new page opens fresh sessions on its first frame.
    pub(crate) fn navigated(&self, url: &str) {
        *self.page_origin.lock().unwrap_or_else(|e| e.into_inner()) = Origin::parse(url);
        self.close_sessions();
        self.outbox.reset();
    }

    /// Close and forget every session of this window (outside the lock).
    fn close_sessions(&self) {
        let sessions: Vec<_> = self
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
            .map(|(_, s)| s)
            .collect();
        for session in sessions {
            session.close();
        }
    }

    fn is_top_frame(&self, origin: &Origin) -> bool {
        self.page_origin
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .is_some_and(|page| page == origin)
    }

    /// The session of callers from `origin`, opened on first use (at most
    /// [`MAX_ORIGINS_PER_WINDOW`] kept; beyond that a session is opened per request).
    fn session(&self, origin: &Origin) -> Arc<dyn BusSession> {
        let top_frame = self.is_top_frame(origin);
        let key = (origin.as_str().to_owned(), top_frame);
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(session) = sessions.get(&key) {
            return session.clone();
        }
        let session = (self.connect)(origin.as_str(), top_frame);
        if sessions.len() < MAX_ORIGINS_PER_WINDOW {
            sessions.insert(key, session.clone());
        }
        session
    }

    fn close(&self) {
        self.outbox.close();
        self.close_sessions();
    }
}

/// Everything the protocol handlers share (they run on the UI thread, the work on the
/// async runtime).
pub(crate) struct Bridge {
    windows: Mutex<HashMap<String, Arc<WindowLink>>>,
    trusted: TrustedOrigins,
    limits: Limits,
    runtime: tokio::runtime::Handle,
    /// Poll each call once on the UI thread before spawning it (see `drive`).
    inline: bool,
}

impl Bridge {
    pub(crate) fn new(trusted: TrustedOrigins, runtime: tokio::runtime::Handle) -> Self {
        Self {
            windows: Mutex::new(HashMap::new()),
            trusted,
            limits: Limits::default(),
            runtime,
            inline: drive::inline_from_env(),
        }
    }

    fn windows(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<WindowLink>>> {
        self.windows.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Register a window's link (its webview id is its label).
    pub(crate) fn attach(&self, link: Arc<WindowLink>) {
        if let Some(old) = self.windows().insert(link.label.clone(), link) {
            old.close();
        }
    }

    /// The window is closed: close its session and outbox. In-flight requests still get
    /// their answers from the bus (which answers them `window_closed` or as it sees fit).
    pub(crate) fn detach(&self, label: &str) -> Option<Arc<WindowLink>> {
        let link = self.windows().remove(label)?;
        link.close();
        Some(link)
    }

    pub(crate) fn link(&self, label: &str) -> Option<Arc<WindowLink>> {
        self.windows().get(label).cloned()
    }

    /// The `switchboard://` handler (UI thread; returns at once).
    pub(crate) fn handle_request(
        self: &Arc<Self>,
        webview_id: &str,
        request: Request<Vec<u8>>,
        responder: Responder,
    ) {
        let origin = Origin::of_request(request.headers());
        let local = self.trusted.allows(origin.as_ref());
        let allow_origin = request.headers().get(header::ORIGIN).cloned();
        let path = request.uri().path().to_owned();
        let method = request.method().as_str().to_owned();
        tracing::trace!(webview = webview_id, %path, %method, ?origin, local, "bridge request");

        let link = self.link(webview_id);
        // the app's own origins are trusted; any other only when a capability names it
        let session = match (&origin, &link) {
            (Some(origin), Some(link)) => {
                let session = link.session(origin);
                (local || session.has_grants()).then_some(session)
            }
            _ => None,
        };
        let trusted = session.is_some();
        if method == "OPTIONS" {
            let mut response = response(
                StatusCode::NO_CONTENT,
                trusted.then_some(allow_origin).flatten(),
                Cow::Borrowed(&[]),
            );
            let headers = response.headers_mut();
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("POST"),
            );
            headers.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("600"),
            );
            responder(response);
            return;
        }
        if method != "POST" {
            responder(response(
                StatusCode::METHOD_NOT_ALLOWED,
                None,
                Cow::Borrowed(b"the bridge takes POST"),
            ));
            return;
        }
        let Some(link) = link else {
            // a webview we do not know (closing, or not ours): nothing to route to
            let frame = refusal(
                &request.into_body(),
                &self.limits,
                ErrorCode::WindowClosed,
                "this window is closed",
            );
            responder(response(StatusCode::OK, allow_origin, Cow::Owned(frame)));
            return;
        };
        match path.as_str() {
            "/ipc" => {
                let body = Bytes::from(request.into_body());
                let Some(session) = session else {
                    tracing::warn!(window = %link.label, ?origin, "frame from an untrusted origin refused");
                    let message = match &origin {
                        Some(o) => format!("origin `{o}` is not trusted by this app"),
                        None => "a request without an origin is not trusted".to_owned(),
                    };
                    let frame = refusal(&body, &self.limits, ErrorCode::Forbidden, &message);
                    // the refusal is readable by the page (it learns nothing but "no")
                    responder(response(StatusCode::OK, allow_origin, Cow::Owned(frame)));
                    return;
                };
                let span = tracing::debug_span!("bridge.ipc", window = %link.label);
                let work = session.handle(body.clone());
                // the responder goes to whichever side answers: here, or the spawned task
                let slot = Arc::new(Mutex::new(Some(responder)));
                let spawned = slot.clone();
                let later = allow_origin.clone();
                let ready = self.drive(&body, work, span, move |frame| {
                    if let Some(responder) = take(&spawned) {
                        responder(ipc_answer(frame, later));
                    }
                });
                // (only when answered here: else the spawned task has or will take it)
                if let Some(frame) = ready {
                    if let Some(responder) = take(&slot) {
                        responder(ipc_answer(frame, allow_origin));
                    }
                }
            }
            "/poll" => {
                if !trusted {
                    responder(response(
                        StatusCode::FORBIDDEN,
                        allow_origin,
                        Cow::Borrowed(&[]),
                    ));
                    return;
                }
                if let Some(generation) = link.outbox.poll(responder, allow_origin) {
                    let outbox = link.outbox.clone();
                    self.runtime.spawn(async move {
                        tokio::time::sleep(POLL_HOLD).await;
                        outbox.expire(generation);
                    });
                }
            }
            _ => responder(response(
                StatusCode::NOT_FOUND,
                allow_origin,
                Cow::Owned(format!("no bridge endpoint at {path}").into_bytes()),
            )),
        }
    }

    /// A `window.ipc.postMessage` from the page of `label` (UI thread). `page_url` is the
    /// main frame's URL (wry cannot tell which frame posted). The answer, if any, comes back
    /// as a frame for the UI thread to hand the page ([`receive_script`]) when it is ready at
    /// once (see `drive`), else later as a script through `deliver` (from the async runtime).
    pub(crate) fn handle_message(
        self: &Arc<Self>,
        label: &str,
        page_url: &str,
        message: &str,
        deliver: &Arc<dyn Fn(String) + Send + Sync>,
    ) -> Option<Bytes> {
        let link = self.link(label)?;
        // wry cannot tell which frame posted: only the top frame knows the token
        let Some(message) = message
            .strip_prefix(link.ipc_token.as_str())
            .and_then(|m| m.strip_prefix(':'))
        else {
            tracing::warn!(window = %link.label, "postMessage without this window's token dropped (an iframe?)");
            return None;
        };
        let origin = Origin::parse(page_url);
        let bytes = match base64::engine::general_purpose::STANDARD.decode(message.trim()) {
            Ok(bytes) => Bytes::from(bytes),
            Err(e) => {
                let frame = error_frame(
                    ErrorCode::Malformed,
                    &format!("postMessage body is not base64: {e}"),
                );
                return Some(Bytes::from(frame));
            }
        };
        let session = origin.as_ref().map(|o| link.session(o));
        let trusted = self.trusted.allows(origin.as_ref())
            || session.as_ref().is_some_and(|s| s.has_grants());
        let session = match session {
            Some(session) if trusted => session,
            _ => {
                let message = format!(
                    "origin `{}` is not trusted by this app",
                    origin.as_ref().map(Origin::as_str).unwrap_or("null")
                );
                let frame = refusal(&bytes, &self.limits, ErrorCode::Forbidden, &message);
                return Some(Bytes::from(frame));
            }
        };
        link.outbox.prefer_eval();
        let span = tracing::debug_span!("bridge.post_message", window = %link.label);
        let work = session.handle(bytes.clone());
        let deliver = deliver.clone();
        let ready = self.drive(&bytes, work, span, move |answer| {
            if let Some(answer) = answer {
                deliver(receive_script(&[answer]));
            }
        });
        ready.flatten()
    }
}

/// wry's `window.ipc.postMessage` (top frame only) posts to WebKit's `ipc` message handler,
/// which every frame of the page can reach, and wry reports the top frame's URL for all of
/// them. This script, run in the top frame before the page, shadows
/// `window.webkit.messageHandlers` there (`window.webkit` itself cannot be replaced: it is a
/// non-configurable property) by a frozen object whose `ipc` handler prefixes each message
/// with the window's secret token. A frame of another origin cannot read the token, so its
/// messages are dropped. The `webkit` wrapper is then kept alive from the global object:
/// WebKit recreates a collected wrapper without the shadowing property.
fn ipc_guard_script(token: &str) -> String {
    format!(
        "(function () {{ var w = window.webkit; var h = w && w.messageHandlers; var real = h && h.ipc; \
         if (!real) return; var t = '{token}:'; \
         var ipc = Object.freeze({{ postMessage: function (m) {{ real.postMessage(t + m); }} }}); \
         try {{ Object.defineProperty(w, 'messageHandlers', {{ value: Object.freeze({{ ipc: ipc }}), writable: false, configurable: false }}); \
         Object.defineProperty(window, Symbol('switchboard.ipc'), {{ value: w }}); }} \
         catch (e) {{ console.error('switchboard: cannot guard the ipc channel', e); }} }})();"
    )
}

/// The script that hands frames to the page's client: one call of
/// `window.__SWITCHBOARD_RECEIVE__` with the base64 of the frame, or of a batch
/// (PROTOCOL.md §7) when there are several.
pub(crate) fn receive_script(frames: &[Bytes]) -> String {
    let engine = &base64::engine::general_purpose::STANDARD;
    let batch;
    let bytes: &[u8] = match frames {
        [one] => one,
        many => {
            batch = switchboard_protocol::batch(many);
            &batch
        }
    };
    let mut script = String::with_capacity(bytes.len() * 4 / 3 + 96);
    script.push_str("(function(r){if(typeof r==='function')r('");
    engine.encode_string(bytes, &mut script);
    script.push_str("');})(window.__SWITCHBOARD_RECEIVE__);");
    script
}

/// The HTTP answer to `POST /ipc`: the session's direct answer, or `204` when it has none.
fn ipc_answer(
    frame: Option<Bytes>,
    allow_origin: Option<HeaderValue>,
) -> Response<Cow<'static, [u8]>> {
    match frame {
        Some(frame) => response(StatusCode::OK, allow_origin, Cow::Owned(Vec::from(frame))),
        None => response(StatusCode::NO_CONTENT, allow_origin, Cow::Borrowed(&[])),
    }
}

fn take(slot: &Mutex<Option<Responder>>) -> Option<Responder> {
    slot.lock().unwrap_or_else(|e| e.into_inner()).take()
}

/// An HTTP answer of the bridge.
pub(crate) fn response(
    status: StatusCode,
    allow_origin: Option<HeaderValue>,
    body: Cow<'static, [u8]>,
) -> Response<Cow<'static, [u8]>> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(FRAME_MIME));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(origin) = allow_origin {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
    response
}

/// The frame answering a frame the bridge refuses: a `response` carrying the error when
/// the frame is a request (or subscribe/unsubscribe) whose id can be read, else an `error`
/// frame.
pub(crate) fn refusal(body: &[u8], limits: &Limits, code: ErrorCode, message: &str) -> Vec<u8> {
    let error = WireError::new(code.clone(), message);
    let id = match Frame::decode_slice(body, limits) {
        Ok(Frame::Request(r)) => Some(r.id),
        Ok(Frame::Subscribe(s)) => Some(s.id),
        Ok(Frame::Unsubscribe(u)) => Some(u.id),
        Ok(_) => None,
        Err(e) => e.request_id(),
    };
    let frame = match id {
        Some(id) => Frame::Response(ResponseFrame {
            id,
            result: Err(error),
        }),
        None => Frame::Error(ErrorFrame {
            error,
            id: None,
            versions: None,
        }),
    };
    frame.encode()
}

fn error_frame(code: ErrorCode, message: &str) -> Vec<u8> {
    Frame::Error(ErrorFrame {
        error: WireError::new(code, message),
        id: None,
        versions: None,
    })
    .encode()
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use switchboard_protocol::{Address, Request as RequestFrame, RequestId};

    use super::*;

    /// Echoes frames; grants only to `https://friend.example`.
    struct Echo {
        grants: bool,
    }

    impl BusSession for Echo {
        fn handle(&self, frame: Bytes) -> Pin<Box<dyn Future<Output = Option<Bytes>> + Send>> {
            Box::pin(async move { Some(frame) })
        }
        fn has_grants(&self) -> bool {
            self.grants
        }
        fn close(&self) {}
    }

    fn request_frame(id: u64) -> Vec<u8> {
        Frame::Request(RequestFrame {
            id: RequestId::new(id).unwrap(),
            to: Address::parse("cmd:greet").unwrap(),
            method: String::new(),
            payload: Bytes::from_static(&[0x80]),
            deadline_ms: None,
            credit: None,
        })
        .encode()
    }

    fn bridge() -> (Arc<Bridge>, tokio::runtime::Runtime) {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let trusted = TrustedOrigins::new([Origin::parse("app://localhost").unwrap()]);
        let bridge = Arc::new(Bridge::new(trusted, rt.handle().clone()));
        bridge.attach(Arc::new(WindowLink::new(
            "main".into(),
            "app://localhost/index.html",
            Arc::new(Outbox::new(Box::new(|| {}))),
            Box::new(|origin, _top| {
                Arc::new(Echo {
                    grants: origin == "https://friend.example",
                })
            }),
        )));
        (bridge, rt)
    }

    fn call(
        bridge: &Arc<Bridge>,
        webview: &str,
        origin: Option<&str>,
        path: &str,
        body: Vec<u8>,
    ) -> Response<Cow<'static, [u8]>> {
        let mut builder = Request::builder()
            .method("POST")
            .uri(format!("switchboard://localhost{path}"));
        if let Some(origin) = origin {
            builder = builder.header("Origin", origin);
        }
        let (tx, rx) = mpsc::channel();
        bridge.handle_request(
            webview,
            builder.body(body).unwrap(),
            Box::new(move |r| {
                let _ = tx.send(r);
            }),
        );
        rx.recv_timeout(Duration::from_secs(5)).expect("no answer")
    }

    fn decode(response: &Response<Cow<'static, [u8]>>) -> Frame {
        Frame::decode_slice(response.body(), &Limits::default()).unwrap()
    }

    #[test]
    fn trusted_origin_reaches_the_session_and_gets_cors_header() {
        let (bridge, _rt) = bridge();
        let frame = request_frame(3);
        let answer = call(
            &bridge,
            "main",
            Some("app://localhost"),
            "/ipc",
            frame.clone(),
        );
        assert_eq!(answer.status(), StatusCode::OK);
        assert_eq!(answer.body().as_ref(), frame.as_slice());
        assert_eq!(
            answer.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
            "app://localhost"
        );
    }

    #[test]
    fn untrusted_origin_is_answered_forbidden_without_reaching_the_session() {
        let (bridge, _rt) = bridge();
        for origin in [Some("https://evil.example"), Some("null"), None] {
            let answer = call(&bridge, "main", origin, "/ipc", request_frame(9));
            match decode(&answer) {
                Frame::Response(r) => {
                    assert_eq!(r.id.get(), 9);
                    assert_eq!(r.result.unwrap_err().code, ErrorCode::Forbidden);
                }
                other => panic!("expected a forbidden response, got {other:?}"),
            }
        }
    }

    #[test]
    fn a_remote_origin_named_by_a_capability_reaches_its_session() {
        let (bridge, _rt) = bridge();
        let frame = request_frame(5);
        let answer = call(
            &bridge,
            "main",
            Some("https://friend.example"),
            "/ipc",
            frame.clone(),
        );
        assert_eq!(answer.body().as_ref(), frame.as_slice());
        assert_eq!(
            answer.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
            "https://friend.example"
        );
    }

    #[test]
    fn sessions_are_per_origin_and_an_other_origin_is_not_the_top_frame() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let link = WindowLink::new(
            "main".into(),
            "app://localhost/index.html",
            Arc::new(Outbox::new(Box::new(|| {}))),
            Box::new(move |origin, top| {
                log.lock().unwrap().push((origin.to_owned(), top));
                Arc::new(Echo { grants: false })
            }),
        );
        let app = Origin::parse("app://localhost").unwrap();
        let other = Origin::parse("https://friend.example").unwrap();
        link.session(&app);
        link.session(&app);
        link.session(&other);
        assert_eq!(
            *seen.lock().unwrap(),
            vec![
                ("app://localhost".to_owned(), true),
                ("https://friend.example".to_owned(), false)
            ]
        );
        // after navigating to the other origin, that origin is the top frame, in a new session
        link.navigated("https://friend.example/page");
        link.session(&other);
        assert_eq!(
            seen.lock().unwrap().last().unwrap(),
            &("https://friend.example".to_owned(), true)
        );
    }

    #[test]
    fn untrusted_garbage_gets_an_error_frame() {
        let (bridge, _rt) = bridge();
        let answer = call(
            &bridge,
            "main",
            Some("https://evil.example"),
            "/ipc",
            vec![0xc1],
        );
        match decode(&answer) {
            Frame::Error(e) => assert_eq!(e.error.code, ErrorCode::Forbidden),
            other => panic!("expected an error frame, got {other:?}"),
        }
    }

    #[test]
    fn unknown_webview_gets_window_closed() {
        let (bridge, _rt) = bridge();
        let answer = call(
            &bridge,
            "ghost",
            Some("app://localhost"),
            "/ipc",
            request_frame(4),
        );
        match decode(&answer) {
            Frame::Response(r) => assert_eq!(r.result.unwrap_err().code, ErrorCode::WindowClosed),
            other => panic!("expected window_closed, got {other:?}"),
        }
    }

    #[test]
    fn unknown_endpoint_is_404_and_get_is_405() {
        let (bridge, _rt) = bridge();
        let answer = call(&bridge, "main", Some("app://localhost"), "/nope", vec![]);
        assert_eq!(answer.status(), StatusCode::NOT_FOUND);
        let (tx, rx) = mpsc::channel();
        bridge.handle_request(
            "main",
            Request::builder()
                .uri("switchboard://localhost/ipc")
                .body(vec![])
                .unwrap(),
            Box::new(move |r| {
                let _ = tx.send(r);
            }),
        );
        assert_eq!(rx.recv().unwrap().status(), StatusCode::METHOD_NOT_ALLOWED);
    }

    #[test]
    fn poll_from_untrusted_origin_is_refused() {
        let (bridge, _rt) = bridge();
        let answer = call(
            &bridge,
            "main",
            Some("https://evil.example"),
            "/poll",
            vec![],
        );
        assert_eq!(answer.status(), StatusCode::FORBIDDEN);
    }

    #[test]
    fn poll_gets_pushed_frames() {
        let (bridge, _rt) = bridge();
        let link = bridge.link("main").unwrap();
        link.outbox.push(Bytes::from_static(&[0x80])).unwrap();
        let answer = call(&bridge, "main", Some("app://localhost"), "/poll", vec![]);
        assert_eq!(answer.body().as_ref(), &[0x91, 0xc4, 0x01, 0x80]);
    }

    #[test]
    fn detached_window_refuses_pushes() {
        let (bridge, _rt) = bridge();
        let link = bridge.detach("main").unwrap();
        assert_eq!(
            link.outbox.push(Bytes::from_static(&[0x80])),
            Err(PushError::Closed)
        );
        assert!(bridge.link("main").is_none());
    }

    fn post(bridge: &Arc<Bridge>, message: &str) -> Option<String> {
        let (tx, rx) = mpsc::channel();
        let deliver: Arc<dyn Fn(String) + Send + Sync> = Arc::new(move |script| {
            let _ = tx.send(script);
        });
        let now = bridge.handle_message("main", "app://localhost/index.html", message, &deliver);
        now.map(|frame| receive_script(&[frame]))
            .or_else(|| rx.recv_timeout(Duration::from_millis(500)).ok())
    }

    #[test]
    fn post_message_without_the_windows_token_is_dropped() {
        let (bridge, _rt) = bridge();
        let frame = base64::engine::general_purpose::STANDARD.encode(request_frame(8));
        assert_eq!(
            post(&bridge, &frame),
            None,
            "an untokened message was answered"
        );
        assert_eq!(post(&bridge, &format!("wrong-token:{frame}")), None);
        let token = bridge.link("main").unwrap().ipc_token.clone();
        let answer = post(&bridge, &format!("{token}:{frame}")).expect("no answer");
        assert!(answer.contains(&frame), "{answer}");
        assert!(bridge
            .link("main")
            .unwrap()
            .ipc_guard_script()
            .contains(&token));
    }

    #[test]
    fn receive_script_passes_base64_frames() {
        let script = receive_script(&[Bytes::from_static(&[0x80, 0xff])]);
        assert!(script.contains("r('gP8=');"), "{script}");
        // two frames travel as one batch: [bin(80), bin(81 a1 6b)]
        let script = receive_script(&[
            Bytes::from_static(&[0x80]),
            Bytes::from_static(&[0x81, 0xa1, 0x6b]),
        ]);
        assert!(script.contains("r('ksQBgMQDgaFr');"), "{script}");
    }
}
