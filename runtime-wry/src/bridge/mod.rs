//! The bridge between a webview and the bus.
//!
//! Every window's page reaches the bus through the `switchboard` custom scheme
//! (`switchboard://localhost` on Linux and macOS, `http://switchboard.localhost` on Windows
//! and Android):
//!
//! | request | answer |
//! |---|---|
//! | `POST /ipc`, body = one encoded frame | `200` with one encoded frame (the session's direct answer) or `204` |
//! | `POST /poll` | held until the caller's session has frames queued, then `200` with a batch (PROTOCOL.md §7); `204` after 25 s of nothing; `410` once the session is over (navigation, window closed) |
//! | `POST /token` | the current document's `postMessage` token, once per document, to the top document's own trusted origin only (see `link`); `403` otherwise |
//! | `OPTIONS` | a CORS preflight answer, for trusted origins |
//!
//! and two string routes:
//! - the **native reply route** (WebKitGTK 2.40+, see `reply` and `crate::native`):
//!   `window.webkit.messageHandlers.switchboard.postMessage('<token>:<base64 frame>')`
//!   returns a promise resolved with the base64 of the direct answer; `'<token>:!'` is a
//!   poll held until frames are queued. The pages' default for small frames and pushes
//!   where it exists (the client detects the handler at start-up);
//! - the **string channel**: `window.ipc.postMessage('<token>:<base64 frame>')`, answered by
//!   `evaluate_script("window.__SWITCHBOARD_RECEIVE__('<base64 frame>')")`: the fallback for
//!   other webviews and older WebKitGTK.
//!
//! What crosses: `fetch` carries frames as binary bodies both ways; both string routes carry
//! them as base64 text (WebKit passes only strings and JSON-like values through message
//! handlers and scripts: a `Uint8Array` does not survive).
//!
//! ## The trust model
//! - **Which window** a request comes from is told by wry (the webview id is the window's
//!   label): a page can never speak as another window.
//! - **Which origin**: on the scheme, the request's `Origin` header (a request without one
//!   is not trusted; a `Referer` is not used). On the string channel, the origin recorded
//!   when the document's token was issued: the message is bound to the document that sent
//!   it, not to the URL the webview shows when it arrives (during a navigation that is
//!   already the next page's).
//! - **Trusted** callers are the app's own origins (the pages the runtime serves: the
//!   embedded frontend's, or the dev server's in a debug build) and origins a capability
//!   names. Anything else is answered `forbidden` from at most the first
//!   [`switchboard_protocol::PEEK_PREFIX`] bytes of its frame (to find the
//!   request id), no session is opened or kept for it, and the bus never sees the frame.
//! - **Top frame or iframe**: a caller whose origin is the top document's is stamped
//!   `top_frame: true`. That includes **same-origin iframes** (`srcdoc`, `about:blank`,
//!   `<iframe sandbox="allow-same-origin">` of the app's own pages): WebKit sends them with
//!   the top document's `Origin`, so they get the top frame's grants. An iframe of another
//!   origin (or a sandboxed one without `allow-same-origin`, whose origin is `null`) is a
//!   caller of its own: refused unless a capability with `iframes: true` names its origin.
//!   An app that shows untrusted HTML must put it in `<iframe sandbox>` **without**
//!   `allow-same-origin` (or on another origin), never in a same-origin frame.
//! - **The string routes** are top-frame only: their messages must carry the document's
//!   token, which the guard script (top frame, document start, before any page script)
//!   obtains by a synchronous `POST /token` and keeps in a closure; a document of an
//!   untrusted origin gets no token, and its messages are dropped (the reply route rejects
//!   them). The guard calls the handlers' `postMessage` (`ipc`'s and the reply route's)
//!   captured at start through `Reflect.apply`, so a page that replaces `postMessage` on the
//!   handlers' prototype never sees the token.
//! - **Sessions belong to documents**: a committed navigation closes the old document's
//!   sessions (their subscriptions and pending calls), and answers or pushes that arrive
//!   for an old document are dropped, never evaluated in the next page.
//! - **Pushes belong to sessions**: each session has its own queue; a `/poll` takes only
//!   its own session's frames, so an iframe origin granted one event cannot read the top
//!   frame's events or stream items.
//!
//! The UI thread never waits on the bus: the handler polls the session's answer once (in
//! the async runtime's context); a ready answer goes back at once, anything else is handed
//! to the async runtime and answered through wry's asynchronous responder (see `drive`).
//!
//! ## Bounds
//! - Frames and batches: the protocol's `Limits` (64 MiB). A string-route message longer
//!   than the base64 of the largest frame is refused in the page by the guard (`too_large`),
//!   and by the bridge before it is decoded (WebKit copies it to the host first, and past
//!   about a GiB delivers it empty: see `guard`). wry reads a scheme
//!   request's whole body (on the UI thread, in 1 KiB chunks) before the bridge sees it, so
//!   an oversized `fetch` body is read, then refused unread.
//! - Sessions: at most `MAX_SESSIONS_PER_DOCUMENT` (16)
//!   trusted origins per document; untrusted callers get no session.
//! - Pushes: every queue of a window draws on one budget
//!   (`MAX_QUEUED_BYTES`, 80 MiB); one delivery carries at most
//!   `MAX_DELIVERY_BYTES` (4 MiB) unless a single frame is
//!   larger. A held poll has one expiry timer, stopped as soon as the poll is answered.
//!
//! **Thread hops of one call**: the handler decodes, routes and checks the call on the UI
//! thread; the app's code never runs there unless its author opted in (see `drive`). A
//! synchronous `#[switchboard::command]` makes two hops (a bus worker runs it, then the
//! answer goes back to the UI thread: glib `MainContext::invoke` for the responder, the
//! event loop proxy for a script); an actor adds the hop to its task. A command marked
//! `#[command(inline)]` makes none: it runs in the UI thread's poll and is answered on the
//! spot. The figures below predate both the inline poll and this rule.
//!
//! ## Which path is faster
//! Measured in the real app (`e2e/src/main.rs`, release build, WebKitGTK under Xvfb, 2 cores,
//! the machine's load average at 4–6 from parallel builds, so read the ratios more than the
//! absolute figures) by
//! `cargo test --release -p switchboard-runtime-wry-e2e --test bridge_bench -- --nocapture`;
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
//! through `fetch`, and pushes 1.5–2× faster through the held-open poll. Both paths stay
//! available: the client picks, and the host pushes by poll as soon as a session polls, by
//! script otherwise.

mod drive;
mod guard;
mod link;
mod outbox;
mod parse;
mod reply;

use std::borrow::Cow;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use bytes::Bytes;
use switchboard_protocol::{
    peek_request_id, ErrorCode, ErrorFrame, Frame, Limits, Response as ResponseFrame, WireError,
    PEEK_PREFIX,
};
use wry::http::{header, HeaderValue, Request, Response, StatusCode};

use crate::origin::{Origin, TrustedOrigins};
use parse::{Endpoint, FrameTextError, Route};

pub(crate) use guard::ipc_guard_script;
pub(crate) use link::{Connect, DocumentId, Refused, ScheduleFlush, WindowLink};
pub(crate) use outbox::{Outbox, PushError, Responder, POLL_HOLD};
pub(crate) use reply::{ReplyAction, ReplyId, ReplyLater};

/// The custom scheme of the bridge.
pub const BRIDGE_SCHEME: &str = "switchboard";

/// The MIME type of the bridge's answers.
const FRAME_MIME: &str = "application/msgpack";

/// Hands a document a script with frames (from the async runtime): evaluated only while
/// that document is still the window's.
pub(crate) type Deliver = Arc<dyn Fn(DocumentId, String) + Send + Sync>;

/// What the bridge needs of a bus session: hand it a frame, get the direct answer (if any);
/// close it when its document or window goes. The one seam to the bus (see `crate::bus`).
pub(crate) trait BusSession: Send + Sync + 'static {
    /// Handle one encoded frame from the page.
    fn handle(&self, frame: Bytes) -> Pin<Box<dyn Future<Output = Option<Bytes>> + Send>>;
    /// Whether any capability grants this session anything (an origin that is not the
    /// app's own is trusted only then).
    fn has_grants(&self) -> bool;
    /// The document or the window is gone.
    fn close(&self);
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

    /// The window is closed: close its sessions and queues. In-flight requests still get
    /// their answers from the bus (which answers them `window_closed` or as it sees fit).
    pub(crate) fn detach(&self, label: &str) -> Option<Arc<WindowLink>> {
        let link = self.windows().remove(label)?;
        link.close();
        Some(link)
    }

    pub(crate) fn link(&self, label: &str) -> Option<Arc<WindowLink>> {
        self.windows().get(label).cloned()
    }

    /// The channel of a caller, or why it has none.
    fn channel(
        &self,
        link: &WindowLink,
        origin: Option<&Origin>,
    ) -> Result<link::Channel, Refused> {
        let origin = origin.ok_or(Refused::Untrusted)?;
        link.channel(origin, self.trusted.allows(Some(origin)))
    }

    /// The `switchboard://` handler (UI thread; returns at once).
    pub(crate) fn handle_request(
        self: &Arc<Self>,
        webview_id: &str,
        request: Request<Vec<u8>>,
        responder: Responder,
    ) {
        let origin = Origin::of_request(request.headers());
        let allow_origin = request.headers().get(header::ORIGIN).cloned();
        let path = request.uri().path().to_owned();
        let method = request.method().as_str().to_owned();
        tracing::trace!(webview = webview_id, %path, %method, ?origin, "bridge request");

        let link = self.link(webview_id);
        let endpoint = match Route::of(&method, &path) {
            Route::Post(endpoint) => endpoint,
            Route::Preflight => {
                let trusted = link
                    .as_ref()
                    .is_some_and(|link| self.channel(link, origin.as_ref()).is_ok());
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
            Route::WrongMethod => {
                responder(response(
                    StatusCode::METHOD_NOT_ALLOWED,
                    None,
                    Cow::Borrowed(b"the bridge takes POST"),
                ));
                return;
            }
        };
        let Some(link) = link else {
            // a webview we do not know (closing, or not ours): nothing to route to
            let frame = refusal(
                request.body(),
                ErrorCode::WindowClosed,
                "this window is closed",
            );
            responder(response(StatusCode::OK, allow_origin, Cow::Owned(frame)));
            return;
        };
        match endpoint {
            Endpoint::Token => {
                // trusted: the app's own origin, or one a capability grants something
                let trusted = self.channel(&link, origin.as_ref()).is_ok();
                match link.issue_token(origin.as_ref(), trusted) {
                    Some(token) => {
                        let mut answer =
                            response(StatusCode::OK, allow_origin, Cow::Owned(token.into_bytes()));
                        answer
                            .headers_mut()
                            .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
                        responder(answer);
                    }
                    None => {
                        tracing::warn!(window = %link.label, ?origin, "postMessage token refused");
                        responder(response(
                            StatusCode::FORBIDDEN,
                            allow_origin,
                            Cow::Borrowed(&[]),
                        ));
                    }
                }
            }
            Endpoint::Ipc => {
                let channel = match self.channel(&link, origin.as_ref()) {
                    Ok(channel) => channel,
                    Err(refused) => {
                        tracing::warn!(window = %link.label, ?origin, ?refused, "frame refused unread");
                        let (code, message) = refused_error(&refused, origin.as_ref());
                        // read at most a prefix, for the request id: the page learns "no"
                        let frame = refusal(request.body(), code, &message);
                        responder(response(StatusCode::OK, allow_origin, Cow::Owned(frame)));
                        return;
                    }
                };
                let body = Bytes::from(request.into_body());
                let span = tracing::debug_span!("bridge.ipc", window = %link.label);
                let work = channel.session.handle(body.clone());
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
            Endpoint::Poll => {
                let Ok(channel) = self.channel(&link, origin.as_ref()) else {
                    responder(response(
                        StatusCode::FORBIDDEN,
                        allow_origin,
                        Cow::Borrowed(&[]),
                    ));
                    return;
                };
                let outbox = channel.outbox;
                if let Some(generation) = outbox.poll(responder, allow_origin) {
                    let expiring = outbox.clone();
                    let timer = self.runtime.spawn(async move {
                        tokio::time::sleep(POLL_HOLD).await;
                        expiring.expire(generation);
                    });
                    outbox.arm(generation, timer.abort_handle());
                }
            }
            Endpoint::Unknown => responder(response(
                StatusCode::NOT_FOUND,
                allow_origin,
                Cow::Owned(format!("no bridge endpoint at {path}").into_bytes()),
            )),
        }
    }

    /// A `window.ipc.postMessage` from the top frame of window `label` (UI thread). The
    /// message must start with its document's token (see `link`); it is then stamped with
    /// that document's origin. The answer, if any, comes back with the document it belongs
    /// to: for the UI thread to hand the page ([`receive_script`]) when it is ready at once
    /// (see `drive`), else later as a script through `deliver` (from the async runtime).
    pub(crate) fn handle_message(
        self: &Arc<Self>,
        label: &str,
        message: &str,
        deliver: &Deliver,
    ) -> Option<(DocumentId, Bytes)> {
        let link = self.link(label)?;
        // wry cannot tell which frame or document posted: only the document's token can
        let Some(((document, origin), message)) = parse::split_post_message(message)
            .and_then(|(token, text)| Some((link.document_of_token(token)?, text)))
        else {
            tracing::warn!(window = %link.label, "postMessage without this document's token dropped");
            return None;
        };
        let refuse = |code: ErrorCode, text: &str| {
            // the id of a request, from a bounded prefix of the base64
            let head = parse::peek_head(message.as_bytes());
            Some((document, Bytes::from(refusal(&head, code, text))))
        };
        let bytes = match parse::decode_frame_text(message.as_bytes(), self.limits.max_frame) {
            Ok(bytes) => bytes,
            Err(FrameTextError::TooLarge) => {
                return refuse(
                    ErrorCode::TooLarge,
                    &format!(
                        "a postMessage frame is limited to {} bytes",
                        self.limits.max_frame
                    ),
                );
            }
            Err(FrameTextError::NotBase64(e)) => {
                let frame = error_frame(
                    ErrorCode::Malformed,
                    &format!("postMessage body is not base64: {e}"),
                );
                return Some((document, Bytes::from(frame)));
            }
        };
        let channel = match link.channel(&origin, self.trusted.allows(Some(&origin))) {
            Ok(channel) => channel,
            Err(refused) => {
                let (code, text) = refused_error(&refused, Some(&origin));
                return refuse(code, &text);
            }
        };
        channel.outbox.prefer_eval();
        let span = tracing::debug_span!("bridge.post_message", window = %link.label);
        let work = channel.session.handle(bytes.clone());
        let deliver = deliver.clone();
        let ready = self.drive(&bytes, work, span, move |answer| {
            if let Some(answer) = answer {
                deliver(document, receive_script(&[answer]));
            }
        });
        ready.flatten().map(|answer| (document, answer))
    }
}

/// The wire error answering a caller that gets no session.
fn refused_error(refused: &Refused, origin: Option<&Origin>) -> (ErrorCode, String) {
    match refused {
        Refused::Untrusted => (
            ErrorCode::Forbidden,
            match origin {
                Some(o) => format!("origin `{o}` is not trusted by this app"),
                None => "a request without an origin is not trusted".to_owned(),
            },
        ),
        Refused::TooManyOrigins => (
            ErrorCode::Busy,
            format!(
                "this page already talks to the bus from {} origins",
                link::MAX_SESSIONS_PER_DOCUMENT
            ),
        ),
        Refused::Closed => (ErrorCode::WindowClosed, "this window is closed".to_owned()),
    }
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

/// The frame answering a frame the bridge refuses, without decoding it: a `response`
/// carrying the error when the first [`PEEK_PREFIX`] bytes show a request (or
/// subscribe/unsubscribe) and its id, else an `error` frame.
pub(crate) fn refusal(body: &[u8], code: ErrorCode, message: &str) -> Vec<u8> {
    let error = WireError::new(code, message);
    let frame = match peek_request_id(body, PEEK_PREFIX) {
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
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::mpsc;
    use std::time::Duration;

    use switchboard_protocol::{Address, Request as RequestFrame, RequestId};

    use super::*;

    /// Echoes frames; grants only to `https://friend.example`; counts sessions opened and
    /// closed.
    struct Echo {
        grants: bool,
        closed: Arc<AtomicBool>,
    }

    impl BusSession for Echo {
        fn handle(&self, frame: Bytes) -> Pin<Box<dyn Future<Output = Option<Bytes>> + Send>> {
            Box::pin(async move { Some(frame) })
        }
        fn has_grants(&self) -> bool {
            self.grants
        }
        fn close(&self) {
            self.closed.store(true, Ordering::SeqCst);
        }
    }

    /// One session the test's connector opened: origin, top frame, queue, closed flag.
    type OpenedSession = (String, bool, Arc<Outbox>, Arc<AtomicBool>);

    #[derive(Default)]
    struct Opened {
        log: Mutex<Vec<OpenedSession>>,
    }

    /// A request frame of id `id` to `cmd:greet` (also `parse`'s tests' input).
    pub(super) fn request_frame(id: u64) -> Vec<u8> {
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

    fn link(label: &str, url: &str, opened: Arc<Opened>) -> Arc<WindowLink> {
        Arc::new(WindowLink::new(
            label.into(),
            url,
            Box::new(move |origin, top, outbox| {
                let closed = Arc::new(AtomicBool::new(false));
                opened
                    .log
                    .lock()
                    .unwrap()
                    .push((origin.to_owned(), top, outbox, closed.clone()));
                Arc::new(Echo {
                    grants: origin == "https://friend.example",
                    closed,
                })
            }),
            Arc::new(|_| {}),
        ))
    }

    fn bridge() -> (Arc<Bridge>, tokio::runtime::Runtime, Arc<Opened>) {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let trusted = TrustedOrigins::new([Origin::parse("app://localhost").unwrap()]);
        let bridge = Arc::new(Bridge::new(trusted, rt.handle().clone()));
        let opened = Arc::new(Opened::default());
        let link = link("main", "app://localhost/index.html", opened.clone());
        link.navigated("app://localhost/index.html");
        bridge.attach(link);
        (bridge, rt, opened)
    }

    fn call_with(
        bridge: &Arc<Bridge>,
        webview: &str,
        headers: &[(&str, &str)],
        path: &str,
        body: Vec<u8>,
    ) -> Response<Cow<'static, [u8]>> {
        let mut builder = Request::builder()
            .method("POST")
            .uri(format!("switchboard://localhost{path}"));
        for (name, value) in headers {
            builder = builder.header(*name, *value);
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

    fn call(
        bridge: &Arc<Bridge>,
        webview: &str,
        origin: Option<&str>,
        path: &str,
        body: Vec<u8>,
    ) -> Response<Cow<'static, [u8]>> {
        let headers: Vec<(&str, &str)> = origin.map(|o| ("Origin", o)).into_iter().collect();
        call_with(bridge, webview, &headers, path, body)
    }

    fn decode(response: &Response<Cow<'static, [u8]>>) -> Frame {
        Frame::decode_slice(response.body(), &Limits::default()).unwrap()
    }

    fn forbidden_id(response: &Response<Cow<'static, [u8]>>) -> Option<u64> {
        match decode(response) {
            Frame::Response(r) => {
                assert_eq!(r.result.unwrap_err().code, ErrorCode::Forbidden);
                Some(r.id.get())
            }
            Frame::Error(e) => {
                assert_eq!(e.error.code, ErrorCode::Forbidden);
                None
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn trusted_origin_reaches_the_session_and_gets_cors_header() {
        let (bridge, _rt, _) = bridge();
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
    fn untrusted_origins_are_refused_and_keep_no_session() {
        let (bridge, _rt, opened) = bridge();
        for origin in [Some("https://evil.example"), Some("null"), None] {
            let answer = call(&bridge, "main", origin, "/ipc", request_frame(9));
            assert_eq!(forbidden_id(&answer), Some(9), "{origin:?}");
        }
        // 20 junk origins: none is kept, the app's own page keeps its one session
        for n in 0..20 {
            call(
                &bridge,
                "main",
                Some(&format!("https://junk{n}.example")),
                "/ipc",
                request_frame(1),
            );
        }
        let link = bridge.link("main").unwrap();
        assert_eq!(link.sessions(), 0);
        let own = call(
            &bridge,
            "main",
            Some("app://localhost"),
            "/ipc",
            request_frame(2),
        );
        assert_eq!(own.body().as_ref(), request_frame(2).as_slice());
        assert_eq!(link.sessions(), 1);
        // every junk session opened to check grants was closed at once
        let log = opened.log.lock().unwrap();
        assert!(log
            .iter()
            .filter(|(o, ..)| o != "app://localhost")
            .all(|(.., closed)| closed.load(Ordering::SeqCst)));
    }

    #[test]
    fn a_referer_is_no_origin() {
        let (bridge, _rt, _) = bridge();
        let answer = call_with(
            &bridge,
            "main",
            &[("Referer", "app://localhost/index.html")],
            "/ipc",
            request_frame(6),
        );
        assert_eq!(forbidden_id(&answer), Some(6));
    }

    #[test]
    fn a_huge_untrusted_frame_is_refused_from_its_first_bytes() {
        let (bridge, _rt, _) = bridge();
        let mut frame = Frame::Request(RequestFrame {
            id: RequestId::new(77).unwrap(),
            to: Address::parse("cmd:greet").unwrap(),
            method: String::new(),
            payload: Bytes::from(vec![0x90; 1]),
            deadline_ms: None,
            credit: None,
        })
        .encode();
        // garbage after the id: a decoder would refuse the frame and lose the id
        frame.extend(std::iter::repeat_n(0xc1, 8 * 1024 * 1024));
        let answer = call(&bridge, "main", Some("https://evil.example"), "/ipc", frame);
        assert_eq!(forbidden_id(&answer), Some(77));
    }

    #[test]
    fn a_remote_origin_named_by_a_capability_reaches_its_session() {
        let (bridge, _rt, _) = bridge();
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
    fn sessions_are_per_origin_and_belong_to_their_document() {
        let (bridge, _rt, opened) = bridge();
        let link = bridge.link("main").unwrap();
        let app = Origin::parse("app://localhost").unwrap();
        let friend = Origin::parse("https://friend.example").unwrap();
        link.channel(&app, true).unwrap();
        link.channel(&app, true).unwrap();
        link.channel(&friend, false).unwrap();
        let seen = |n: usize| {
            let log = opened.log.lock().unwrap();
            (log[n].0.clone(), log[n].1, log[n].3.load(Ordering::SeqCst))
        };
        assert_eq!(opened.log.lock().unwrap().len(), 2);
        assert_eq!(seen(0), ("app://localhost".to_owned(), true, false));
        assert_eq!(seen(1), ("https://friend.example".to_owned(), false, false));
        // a committed navigation closes the old document's sessions; the new top origin
        // is the top frame, in a new session
        link.navigated("https://friend.example/page");
        assert!(
            seen(0).2 && seen(1).2,
            "the old document's sessions stay open"
        );
        link.channel(&friend, false).unwrap();
        assert_eq!(seen(2), ("https://friend.example".to_owned(), true, false));
    }

    #[test]
    fn a_poll_reaches_only_its_own_sessions_frames() {
        let (bridge, _rt, opened) = bridge();
        // the top document and a granted iframe origin both talk
        call(
            &bridge,
            "main",
            Some("app://localhost"),
            "/ipc",
            request_frame(1),
        );
        call(
            &bridge,
            "main",
            Some("https://friend.example"),
            "/ipc",
            request_frame(1),
        );
        let outbox = |origin: &str| {
            let log = opened.log.lock().unwrap();
            log.iter().find(|(o, ..)| o == origin).unwrap().2.clone()
        };
        outbox("app://localhost")
            .push(Bytes::from_static(b"\xa6secret"))
            .unwrap();
        outbox("https://friend.example")
            .push(Bytes::from_static(b"\x80"))
            .unwrap();
        let friend = call(
            &bridge,
            "main",
            Some("https://friend.example"),
            "/poll",
            vec![],
        );
        assert_eq!(friend.body().as_ref(), &[0x91, 0xc4, 0x01, 0x80]);
        let top = call(&bridge, "main", Some("app://localhost"), "/poll", vec![]);
        assert_eq!(top.body().as_ref(), b"\x91\xc4\x07\xa6secret");
    }

    #[test]
    fn untrusted_garbage_gets_an_error_frame() {
        let (bridge, _rt, _) = bridge();
        let answer = call(
            &bridge,
            "main",
            Some("https://evil.example"),
            "/ipc",
            vec![0xc1],
        );
        assert_eq!(forbidden_id(&answer), None);
    }

    #[test]
    fn unknown_webview_gets_window_closed() {
        let (bridge, _rt, _) = bridge();
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
        let (bridge, _rt, _) = bridge();
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
        let (bridge, _rt, _) = bridge();
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
    fn a_closed_window_refuses_sessions_and_its_queues_refuse_pushes() {
        let (bridge, _rt, opened) = bridge();
        call(
            &bridge,
            "main",
            Some("app://localhost"),
            "/ipc",
            request_frame(1),
        );
        let link = bridge.detach("main").unwrap();
        let outbox = opened.log.lock().unwrap()[0].2.clone();
        assert_eq!(
            outbox.push(Bytes::from_static(&[0x80])),
            Err(PushError::Closed)
        );
        assert!(bridge.link("main").is_none());
        let app = Origin::parse("app://localhost").unwrap();
        assert_eq!(link.channel(&app, true).err(), Some(Refused::Closed));
    }

    fn token(bridge: &Arc<Bridge>, origin: &str) -> Option<String> {
        let answer = call(bridge, "main", Some(origin), "/token", vec![]);
        (answer.status() == StatusCode::OK)
            .then(|| String::from_utf8(answer.body().to_vec()).unwrap())
    }

    fn post(bridge: &Arc<Bridge>, message: &str) -> Option<(DocumentId, String)> {
        let (tx, rx) = mpsc::channel();
        let deliver: Deliver = Arc::new(move |document, script| {
            let _ = tx.send((document, script));
        });
        let now = bridge.handle_message("main", message, &deliver);
        now.map(|(document, frame)| (document, receive_script(&[frame])))
            .or_else(|| rx.recv_timeout(Duration::from_millis(500)).ok())
    }

    pub(super) fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    #[test]
    fn a_document_gets_one_token_and_only_for_its_own_trusted_origin() {
        let (bridge, _rt, _) = bridge();
        assert_eq!(token(&bridge, "https://evil.example"), None);
        assert_eq!(
            token(&bridge, "https://friend.example"),
            None,
            "not the top document"
        );
        let first = token(&bridge, "app://localhost").expect("the app's page gets a token");
        assert_eq!(
            token(&bridge, "app://localhost"),
            None,
            "a second ask gets nothing"
        );
        let frame = b64(&request_frame(8));
        let (_, answer) = post(&bridge, &format!("{first}:{frame}")).expect("no answer");
        assert!(answer.contains(&frame), "{answer}");
        // a remote document gets no token, even after the app's page had one
        let link = bridge.link("main").unwrap();
        link.navigated("https://evil.example/");
        assert_eq!(token(&bridge, "https://evil.example"), None);
        assert_eq!(
            post(&bridge, &format!("{first}:{frame}")),
            None,
            "old token worked"
        );
        // back to the app: a new document, a new token; the old one stays dead
        link.navigated("app://localhost/index.html");
        let second = token(&bridge, "app://localhost").unwrap();
        assert_ne!(first, second);
        assert_eq!(
            post(&bridge, &format!("{first}:{frame}")),
            None,
            "old token worked"
        );
        assert!(post(&bridge, &format!("{second}:{frame}")).is_some());
    }

    #[test]
    fn post_message_without_the_documents_token_is_dropped() {
        let (bridge, _rt, _) = bridge();
        let frame = b64(&request_frame(8));
        assert_eq!(
            post(&bridge, &frame),
            None,
            "an untokened message was answered"
        );
        assert_eq!(post(&bridge, &format!("wrong-token:{frame}")), None);
        assert_eq!(post(&bridge, &format!(":{frame}")), None);
    }

    #[test]
    fn a_token_stamps_its_documents_origin_whatever_the_webview_shows_later() {
        // a granted remote page (the friend) is the top document and takes its token
        let (bridge, _rt, opened) = bridge();
        let link = bridge.link("main").unwrap();
        link.navigated("https://friend.example/");
        let friend = token(&bridge, "https://friend.example").unwrap();
        let frame = b64(&request_frame(8));
        post(&bridge, &format!("{friend}:{frame}")).unwrap();
        let log = opened.log.lock().unwrap();
        let last = log.last().unwrap();
        assert_eq!((last.0.as_str(), last.1), ("https://friend.example", true));
    }

    /// A bridge whose frames are limited to 1 KiB, with window `main` showing the app, and a
    /// message of that window's document carrying request 12 past the limit (not valid
    /// base64 past its first 600 bytes: refused on its length, never decoded).
    fn bridge_with_an_oversized_message() -> (Arc<Bridge>, tokio::runtime::Runtime, String) {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let trusted = TrustedOrigins::new([Origin::parse("app://localhost").unwrap()]);
        let mut inner = Bridge::new(trusted, rt.handle().clone());
        inner.limits.max_frame = 1024;
        let bridge = Arc::new(inner);
        let link = link("main", "app://localhost/", Arc::default());
        link.navigated("app://localhost/");
        bridge.attach(link);
        let token = token(&bridge, "app://localhost").unwrap();
        let mut frame = request_frame(12);
        frame.resize(2000, 0);
        let message = format!("{token}:{}{}", b64(&frame[..600]), "!".repeat(2000));
        (bridge, rt, message)
    }

    /// `answer` (base64) is request 12's `too_large` response.
    fn assert_too_large_for_12(answer: &str) {
        let answer = base64::engine::general_purpose::STANDARD
            .decode(answer)
            .unwrap();
        match Frame::decode_slice(&answer, &Limits::default()).unwrap() {
            Frame::Response(r) => {
                assert_eq!(r.id.get(), 12);
                assert_eq!(r.result.unwrap_err().code, ErrorCode::TooLarge);
            }
            other => panic!("expected too_large, got {other:?}"),
        }
    }

    #[test]
    fn an_oversized_post_message_is_refused_before_it_is_decoded() {
        let (bridge, _rt, message) = bridge_with_an_oversized_message();
        let (_, script) = post(&bridge, &message).expect("no answer");
        let body = script
            .split_once("r('")
            .and_then(|(_, rest)| rest.split_once("')"))
            .unwrap()
            .0;
        assert_too_large_for_12(body);
    }

    #[test]
    fn an_oversized_reply_route_message_is_refused_under_a_limit_below_the_peek() {
        // a limit whose base64 (1,368 chars) is shorter than the peeked prefix (5,460)
        let (bridge, _rt, message) = bridge_with_an_oversized_message();
        let (later, _answered) = reply_later();
        let ReplyAction::Now(_, Some(text)) =
            bridge.handle_reply("main", message.as_bytes(), 1, &later)
        else {
            panic!("expected an answer now");
        };
        assert_too_large_for_12(&text);
    }

    #[test]
    fn a_late_answer_names_the_document_it_belongs_to() {
        // a session whose answers come later, from the runtime
        struct Later(Arc<AtomicUsize>);
        impl BusSession for Later {
            fn handle(&self, frame: Bytes) -> Pin<Box<dyn Future<Output = Option<Bytes>> + Send>> {
                self.0.fetch_add(1, Ordering::SeqCst);
                Box::pin(async move {
                    tokio::task::yield_now().await;
                    Some(frame)
                })
            }
            fn has_grants(&self) -> bool {
                false
            }
            fn close(&self) {}
        }
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let trusted = TrustedOrigins::new([Origin::parse("app://localhost").unwrap()]);
        let bridge = Arc::new(Bridge::new(trusted, rt.handle().clone()));
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = calls.clone();
        let link = Arc::new(WindowLink::new(
            "main".into(),
            "app://localhost/",
            Box::new(move |_, _, _| Arc::new(Later(counter.clone()))),
            Arc::new(|_| {}),
        ));
        link.navigated("app://localhost/");
        bridge.attach(link.clone());
        let token = token(&bridge, "app://localhost").unwrap();
        let before = link.document();
        let (document, _) =
            post(&bridge, &format!("{token}:{}", b64(&request_frame(3)))).expect("no answer");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(document, before);
        link.navigated("https://elsewhere.example/");
        assert_ne!(link.document(), document, "the UI thread would evaluate it");
    }

    type Answered = mpsc::Receiver<(ReplyId, DocumentId, Option<String>)>;

    fn reply_later() -> (ReplyLater, Answered) {
        let (tx, rx) = mpsc::channel();
        let tx = Mutex::new(tx);
        let later: ReplyLater = Arc::new(move |id, document, text| {
            let _ = tx.lock().unwrap().send((id, document, text));
        });
        (later, rx)
    }

    #[test]
    fn the_reply_route_needs_the_current_documents_token() {
        let (bridge, _rt, _) = bridge();
        let (later, _answered) = reply_later();
        let frame = b64(&request_frame(8));
        for message in [frame.clone(), format!("wrong:{frame}"), format!(":{frame}")] {
            assert!(matches!(
                bridge.handle_reply("main", message.as_bytes(), 1, &later),
                ReplyAction::Refuse(_)
            ));
        }
        let token = token(&bridge, "app://localhost").unwrap();
        let link = bridge.link("main").unwrap();
        let answer = bridge.handle_reply("main", format!("{token}:{frame}").as_bytes(), 2, &later);
        assert_eq!(
            answer,
            ReplyAction::Now(link.document(), Some(frame.clone()))
        );
        // the next document: the old token is dead on this route too
        link.navigated("app://localhost/index.html");
        assert!(matches!(
            bridge.handle_reply("main", format!("{token}:{frame}").as_bytes(), 3, &later),
            ReplyAction::Refuse(_)
        ));
    }

    #[test]
    fn a_reply_route_poll_is_held_until_a_push_and_answered_with_a_batch() {
        let (bridge, _rt, opened) = bridge();
        let (later, answered) = reply_later();
        let token = token(&bridge, "app://localhost").unwrap();
        let link = bridge.link("main").unwrap();
        let document = link.document();
        let poll = format!("{token}:!");
        assert_eq!(
            bridge.handle_reply("main", poll.as_bytes(), 7, &later),
            ReplyAction::Later(document)
        );
        let outbox = opened.log.lock().unwrap()[0].2.clone();
        outbox.push(Bytes::from_static(b"\x80")).unwrap();
        let (id, for_document, text) = answered.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!((id, for_document), (7, document));
        assert_eq!(text, Some(b64(&[0x91, 0xc4, 0x01, 0x80])));
        // frames already queued are answered at once
        outbox.push(Bytes::from_static(b"\x81")).unwrap();
        assert_eq!(
            bridge.handle_reply("main", poll.as_bytes(), 8, &later),
            ReplyAction::Now(document, Some(b64(&[0x91, 0xc4, 0x01, 0x81])))
        );
        // a held poll of a document that goes is released with `null` (stop polling)
        assert_eq!(
            bridge.handle_reply("main", poll.as_bytes(), 9, &later),
            ReplyAction::Later(document)
        );
        link.navigated("app://localhost/index.html");
        let (id, for_document, text) = answered.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!((id, for_document, text), (9, document, None));
        assert_ne!(
            link.document(),
            document,
            "the UI thread would drop it anyway"
        );
    }

    #[test]
    fn a_reply_route_message_is_stamped_with_its_tokens_origin() {
        let (bridge, _rt, opened) = bridge();
        let (later, _answered) = reply_later();
        let link = bridge.link("main").unwrap();
        link.navigated("https://friend.example/");
        let friend = token(&bridge, "https://friend.example").unwrap();
        let frame = b64(&request_frame(8));
        let answer = bridge.handle_reply("main", format!("{friend}:{frame}").as_bytes(), 1, &later);
        assert_eq!(answer, ReplyAction::Now(link.document(), Some(frame)));
        let log = opened.log.lock().unwrap();
        let last = log.last().unwrap();
        assert_eq!((last.0.as_str(), last.1), ("https://friend.example", true));
    }

    #[test]
    fn after_its_window_closed_no_route_reaches_a_session() {
        let (bridge, _rt, opened) = bridge();
        let (later, _answered) = reply_later();
        let token = token(&bridge, "app://localhost").unwrap();
        let frame = b64(&request_frame(8));
        assert!(post(&bridge, &format!("{token}:{frame}")).is_some());
        let sessions = opened.log.lock().unwrap().len();
        bridge.detach("main");
        // fetch: a typed answer with the request's id
        let answer = call(
            &bridge,
            "main",
            Some("app://localhost"),
            "/ipc",
            request_frame(9),
        );
        match decode(&answer) {
            Frame::Response(r) => {
                assert_eq!(r.id.get(), 9);
                assert_eq!(r.result.unwrap_err().code, ErrorCode::WindowClosed);
            }
            other => panic!("expected window_closed, got {other:?}"),
        }
        // the string routes, with the token that worked a moment ago: nothing, a rejection
        assert_eq!(post(&bridge, &format!("{token}:{frame}")), None);
        assert!(matches!(
            bridge.handle_reply("main", format!("{token}:{frame}").as_bytes(), 1, &later),
            ReplyAction::Refuse(_)
        ));
        assert!(matches!(
            bridge.handle_reply("main", format!("{token}:!").as_bytes(), 2, &later),
            ReplyAction::Refuse(_)
        ));
        assert_eq!(
            opened.log.lock().unwrap().len(),
            sessions,
            "a session opened"
        );
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
