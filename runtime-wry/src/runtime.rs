//! The desktop runtime: tao's event loop on the main thread, the bus on a tokio runtime of
//! its own, and messages between them as event-loop user events ([`UiEvent`]) one way and
//! channels/futures the other. The UI thread never waits on the bus.
//!
//! **Closing.** A window manager's close request is published on
//! `window/<label>/close_requested` (Rust listeners run synchronously, pages get it as an
//! event), then the app's [`WryRuntime::on_close_requested`] guard decides on the UI thread;
//! it typically reads state a page set through a command ("unsaved changes"), so a page can
//! veto without the UI thread ever waiting for a page. A closed window's sessions are closed
//! (pending calls are cancelled by core), its queue refuses pushes, `window/<label>/destroyed`
//! is published, and the app exits when its last window closes.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};
use std::rc::{Rc, Weak};
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use switchboard::protocol::Name;
use switchboard::runtime::RuntimeError;
use switchboard::window::{WindowState, WindowUrl};
use switchboard::{App, AppBuilder, Runtime, WindowCommand, WindowEvent, WindowSpec};
use tao::event::{Event, WindowEvent as TaoWindowEvent};
use tao::event_loop::{
    ControlFlow, EventLoop, EventLoopBuilder, EventLoopProxy, EventLoopWindowTarget,
};
use tao::window::WindowId;
use tokio::sync::oneshot;
use wry::{WebContext, WebView, WebViewBuilder};

use crate::assets::{self, Assets, APP_SCHEME, DEFAULT_CSP};
use crate::bridge::{
    ipc_guard_script, receive_script, Bridge, Deliver, DocumentId, ReplyId, ReplyLater,
    ScheduleFlush, WindowLink, BRIDGE_SCHEME,
};
use crate::bus;
use crate::origin::{Origin, TrustedOrigins};
use crate::window::{self, Applied, OpenWindow};

/// The JS client, injected into every frame before the page's own scripts.
const CLIENT_SCRIPT: &str = include_str!(concat!(env!("OUT_DIR"), "/switchboard.iife.js"));

/// The environment variable naming a dev server to load instead of the embedded frontend
/// (its origin is then trusted as the app's own). Honoured in debug builds only: a release
/// build never lets its environment decide which pages reach the bus (pass
/// [`Frontend::Url`] to serve a URL on purpose).
pub const DEV_URL_ENV: &str = "SWITCHBOARD_DEV_URL";

/// The environment variable that, set to `1`, lets WebKitWebDriver drive the app. Honoured
/// in debug builds only; a release build enables automation with
/// [`WryRuntime::automation`] alone.
pub const AUTOMATION_ENV: &str = "SWITCHBOARD_WEBVIEW_AUTOMATION";

/// The environment variables that pick the pages' default route (`auto`, `reply`,
/// `postMessage`, `fetch`) and push path (`auto`, `fetch`), for A/B measurements
/// (`benches/e2e`); unset, the client decides by feature detection.
pub const ROUTE_ENV: &str = "SWITCHBOARD_BRIDGE_ROUTE";
/// See [`ROUTE_ENV`].
pub const PUSH_ENV: &str = "SWITCHBOARD_BRIDGE_PUSH";

/// The init script that hands the client the routes chosen by [`ROUTE_ENV`]/[`PUSH_ENV`],
/// if any.
fn route_script() -> Option<String> {
    let pick = |name: &str, allowed: &[&str]| {
        std::env::var(name)
            .ok()
            .filter(|v| allowed.contains(&v.as_str()))
    };
    let route = pick(ROUTE_ENV, &["auto", "reply", "postMessage", "fetch"]);
    let push = pick(PUSH_ENV, &["auto", "fetch"]);
    if route.is_none() && push.is_none() {
        return None;
    }
    let field = |name: &str, value: Option<String>| value.map(|v| format!("{name}: '{v}',"));
    Some(format!(
        "window.__SWITCHBOARD_BRIDGE__ = Object.assign(window.__SWITCHBOARD_BRIDGE__ || {{}}, {{ {} {} }});",
        field("route", route).unwrap_or_default(),
        field("push", push).unwrap_or_default()
    ))
}

/// Where pages reach the bridge on this platform.
fn bridge_base() -> String {
    if cfg!(any(windows, target_os = "android")) {
        format!("http://{BRIDGE_SCHEME}.localhost")
    } else {
        format!("{BRIDGE_SCHEME}://localhost")
    }
}

/// Where the pages come from.
///
/// ```
/// use switchboard_runtime_wry::{Assets, Frontend};
/// static FILES: Assets = Assets::from_static(&[("index.html", b"<p>hi</p>")]);
/// let embedded = Frontend::Embedded(FILES);
/// let dev = Frontend::Url("http://localhost:5173".into());
/// assert_eq!(embedded.base_url(), "app://localhost/");
/// assert_eq!(dev.base_url(), "http://localhost:5173/");
/// ```
#[derive(Debug, Clone)]
pub enum Frontend {
    /// Files embedded in the binary (see [`assets!`](crate::assets!)), served on `app://`.
    Embedded(Assets),
    /// A URL (a dev server), loaded as is.
    Url(String),
}

impl Frontend {
    /// The URL relative page paths are resolved against (always ending in `/`).
    pub fn base_url(&self) -> String {
        match self {
            Frontend::Embedded(_) => {
                if cfg!(any(windows, target_os = "android")) {
                    format!("http://{APP_SCHEME}.localhost/")
                } else {
                    format!("{APP_SCHEME}://localhost/")
                }
            }
            Frontend::Url(url) => {
                if url.ends_with('/') {
                    url.clone()
                } else {
                    format!("{url}/")
                }
            }
        }
    }

    /// The URL of a window's page.
    pub fn window_url(&self, url: &WindowUrl) -> String {
        match url {
            WindowUrl::App(path) => self.page_url(path),
            WindowUrl::External(url) => url.clone(),
            #[allow(unreachable_patterns)]
            _ => self.base_url(),
        }
    }

    /// The URL of a page: absolute URLs are kept, paths are joined to [`Frontend::base_url`].
    ///
    /// ```
    /// use switchboard_runtime_wry::Frontend;
    /// let dev = Frontend::Url("http://localhost:5173".into());
    /// assert_eq!(dev.page_url("second.html"), "http://localhost:5173/second.html");
    /// assert_eq!(dev.page_url(""), "http://localhost:5173/");
    /// assert_eq!(dev.page_url("https://example.com/"), "https://example.com/");
    /// ```
    pub fn page_url(&self, page: &str) -> String {
        if page.contains("://") {
            page.to_owned()
        } else {
            format!("{}{}", self.base_url(), page.trim_start_matches('/'))
        }
    }
}

/// What the event loop is asked to do from other threads.
pub(crate) enum UiEvent {
    Open(WindowSpec),
    /// A command for a window, and who waits for it to be applied (its actor).
    Command(
        Name,
        WindowCommand,
        Option<oneshot::Sender<Result<(), RuntimeError>>>,
    ),
    /// Read a window's state.
    State(Name, oneshot::Sender<Result<WindowState, RuntimeError>>),
    /// A script for one document of a window (dropped if the window shows another by then).
    Eval(Name, DocumentId, String),
    /// Flush the queue of a document's top session by `evaluate_script`.
    Flush(Name, DocumentId),
    /// Answer a kept reply of the native reply route (dropped if its document is gone).
    Reply(Name, ReplyId, DocumentId, Option<String>),
    Exit(i32),
    /// A plugin's native work ([`Runtime::on_ui`]).
    Run(switchboard::runtime::UiTask),
}

/// The thread-safe side of the runtime: implements the bus's `Runtime` for the bus (the
/// `window:<label>` actors call it) and can be cloned anywhere.
#[derive(Clone)]
pub struct WryHandle {
    proxy: EventLoopProxy<UiEvent>,
    labels: Arc<Mutex<HashSet<String>>>,
}

impl std::fmt::Debug for WryHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WryHandle").finish_non_exhaustive()
    }
}

impl WryHandle {
    fn labels(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.labels.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn send_ui(&self, event: UiEvent) -> Result<(), RuntimeError> {
        self.proxy
            .send_event(event)
            .map_err(|_| RuntimeError::Stopped)
    }

    pub(crate) fn release(&self, label: &str) {
        self.labels().remove(label);
    }
}

impl Runtime for WryHandle {
    fn open_window(&self, spec: WindowSpec) -> Result<(), RuntimeError> {
        let label = spec.label.as_str().to_owned();
        if !self.labels().insert(label.clone()) {
            return Err(RuntimeError::DuplicateWindow(label));
        }
        self.send_ui(UiEvent::Open(spec)).inspect_err(|_| {
            self.release(&label);
        })
    }

    fn send(&self, window: &Name, command: WindowCommand) -> Result<(), RuntimeError> {
        if !self.labels().contains(window.as_str()) {
            return Err(RuntimeError::UnknownWindow(window.as_str().to_owned()));
        }
        self.send_ui(UiEvent::Command(window.clone(), command, None))
    }

    fn exit(&self, code: i32) {
        let _ = self.proxy.send_event(UiEvent::Exit(code));
    }

    /// Resolved by the UI thread once it applied the command (the window's actor waits on
    /// it, so each window has at most one command in the event loop's queue).
    fn apply(
        &self,
        window: &Name,
        command: WindowCommand,
    ) -> BoxFuture<'static, Result<(), RuntimeError>> {
        let (done, applied) = oneshot::channel();
        let sent = if self.labels().contains(window.as_str()) {
            self.send_ui(UiEvent::Command(window.clone(), command, Some(done)))
        } else {
            Err(RuntimeError::UnknownWindow(window.as_str().to_owned()))
        };
        Box::pin(async move {
            sent?;
            applied.await.unwrap_or(Err(RuntimeError::Stopped))
        })
    }

    fn state(&self, window: &Name) -> BoxFuture<'static, Result<WindowState, RuntimeError>> {
        let (reply, state) = oneshot::channel();
        let sent = if self.labels().contains(window.as_str()) {
            self.send_ui(UiEvent::State(window.clone(), reply))
        } else {
            Err(RuntimeError::UnknownWindow(window.as_str().to_owned()))
        };
        Box::pin(async move {
            sent?;
            state.await.unwrap_or(Err(RuntimeError::Stopped))
        })
    }

    fn on_ui(&self, task: switchboard::runtime::UiTask) -> Result<(), RuntimeError> {
        self.send_ui(UiEvent::Run(task))
    }
}

/// What the app decides when a window's close button is pressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseDecision {
    /// Close the window.
    Close,
    /// Keep it open (the close was vetoed).
    Keep,
}

type CloseGuard = Box<dyn FnMut(&str) -> CloseDecision>;

/// The desktop runtime: create it first (on the main thread), give its [`WryHandle`] to the
/// app, then [`WryRuntime::run`] the app.
///
/// ```no_run
/// use switchboard_runtime_wry::{assets, Frontend, WryRuntime};
/// # fn app(_: switchboard_runtime_wry::WryHandle) -> switchboard::App { unimplemented!() }
/// let runtime = WryRuntime::new(Frontend::Embedded(assets!("e2e/frontend")));
/// let app = app(runtime.handle()); // App::builder()...runtime(handle).build()
/// runtime.run(app);
/// ```
pub struct WryRuntime {
    event_loop: EventLoop<UiEvent>,
    handle: WryHandle,
    tokio: tokio::runtime::Runtime,
    frontend: Frontend,
    csp: String,
    trusted: TrustedOrigins,
    automation: bool,
    close_guard: Option<CloseGuard>,
}

/// An environment variable, read in debug builds only.
fn debug_env(name: &str) -> Option<String> {
    if cfg!(debug_assertions) {
        std::env::var(name).ok()
    } else {
        None
    }
}

impl WryRuntime {
    /// A runtime serving `frontend`; in a debug build, `SWITCHBOARD_DEV_URL` replaces it
    /// with a dev server's URL. Must be called on the main thread.
    ///
    /// # Panics
    /// When the async runtime's threads cannot be started, or (from tao) off the main thread.
    pub fn new(frontend: Frontend) -> Self {
        let frontend = match debug_env(DEV_URL_ENV) {
            Some(url) if !url.trim().is_empty() => Frontend::Url(url.trim().to_owned()),
            _ => frontend,
        };
        let event_loop = EventLoopBuilder::<UiEvent>::with_user_event().build();
        let handle = WryHandle {
            proxy: event_loop.create_proxy(),
            labels: Arc::new(Mutex::new(HashSet::new())),
        };
        let tokio = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("switchboard-bus")
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("starting the bus threads: {e}"));
        let mut trusted = TrustedOrigins::default();
        if let Some(origin) = Origin::parse(&frontend.base_url()) {
            trusted.insert(origin);
        }
        Self {
            event_loop,
            handle,
            tokio,
            frontend,
            csp: DEFAULT_CSP.to_owned(),
            trusted,
            automation: debug_env(AUTOMATION_ENV).is_some_and(|v| v == "1"),
            close_guard: None,
        }
    }

    /// The handle the app's window actors use ([`switchboard::Runtime`]).
    pub fn handle(&self) -> WryHandle {
        self.handle.clone()
    }

    /// Give an app under construction this runtime: windows are drawn here, and the
    /// origins it serves pages from (the embedded frontend's, or the dev server's, plus
    /// those given to [`WryRuntime::trust_origin`]) are the app's own, and only those.
    ///
    /// ```no_run
    /// use switchboard::{App, Capability, WindowSpec};
    /// use switchboard_runtime_wry::{assets, Frontend, WryRuntime};
    /// let runtime = WryRuntime::new(Frontend::Embedded(assets!("e2e/frontend")));
    /// let app = runtime
    ///     .configure(App::builder())
    ///     .capability(Capability::new("main").windows(["main"]).allow(["cmd:*"]))
    ///     .window(WindowSpec::new("main").title("Hello"))
    ///     .build()
    ///     .unwrap();
    /// runtime.run(app);
    /// ```
    pub fn configure(&self, builder: AppBuilder) -> AppBuilder {
        builder
            .runtime(Arc::new(self.handle()))
            .local_origins(self.trusted.iter().map(|o| o.as_str().to_owned()))
    }

    /// The async runtime the bus runs on (build the app inside it if it spawns tasks).
    pub fn async_runtime(&self) -> &tokio::runtime::Handle {
        self.tokio.handle()
    }

    /// Replace the Content-Security-Policy of embedded HTML pages (empty: none).
    pub fn csp(mut self, csp: impl Into<String>) -> Self {
        self.csp = csp.into();
        self
    }

    /// Count one more origin as the app's own (call before [`WryRuntime::configure`]). A
    /// remote origin does not need this: a capability naming it is enough.
    ///
    /// # Panics
    /// When `origin` is not a URL with a scheme and host.
    pub fn trust_origin(mut self, origin: &str) -> Self {
        let parsed = Origin::parse(origin)
            .unwrap_or_else(|| panic!("trust_origin: `{origin}` is not an origin"));
        self.trusted.insert(parsed);
        self
    }

    /// Let WebKitWebDriver drive the app (also on with `SWITCHBOARD_WEBVIEW_AUTOMATION=1` in
    /// a debug build).
    pub fn automation(mut self, on: bool) -> Self {
        self.automation = on;
        self
    }

    /// Decide, on the UI thread, whether a close request closes the window. The request is
    /// published on the bus (`window/<label>/close_requested`) either way; without a guard
    /// the window closes.
    pub fn on_close_requested(
        mut self,
        guard: impl FnMut(&str) -> CloseDecision + 'static,
    ) -> Self {
        self.close_guard = Some(Box::new(guard));
        self
    }

    /// Run the event loop until the app exits or its last window closes. Windows opened
    /// before this call (through [`WryHandle`]) open first.
    pub fn run(self, app: App) -> ! {
        let WryRuntime {
            event_loop,
            handle,
            tokio,
            frontend,
            csp,
            trusted,
            automation,
            mut close_guard,
        } = self;
        let bridge = Arc::new(Bridge::new(trusted, tokio.handle().clone()));
        let mut web_context = WebContext::new(None);
        if automation {
            web_context.set_allows_automation(true);
        }
        let mut ui = Ui {
            app,
            handle,
            bridge,
            frontend,
            csp: Arc::from(csp),
            windows: HashMap::new(),
            ids: HashMap::new(),
            desks: HashMap::new(),
            protocols_registered: false,
            web_context,
        };
        // keep the bus threads alive for as long as the loop runs
        let tokio = BusThreads(Some(tokio));
        event_loop.run(move |event, target, control_flow| {
            let _keep = &tokio;
            *control_flow = ControlFlow::Wait;
            match event {
                Event::UserEvent(UiEvent::Open(spec)) => ui.open(spec, target),
                Event::UserEvent(UiEvent::Command(label, command, done)) => {
                    let applied = match ui.windows.get(&label) {
                        Some(open) => {
                            if window::apply(open, command) == Applied::Close {
                                ui.close(&label, control_flow);
                            }
                            Ok(())
                        }
                        None => Err(RuntimeError::UnknownWindow(label.to_string())),
                    };
                    if let Some(done) = done {
                        let _ = done.send(applied);
                    }
                }
                Event::UserEvent(UiEvent::State(label, reply)) => {
                    let state = ui
                        .windows
                        .get(&label)
                        .map(|open| window::state(&open.window))
                        .ok_or_else(|| RuntimeError::UnknownWindow(label.to_string()));
                    let _ = reply.send(state);
                }
                Event::UserEvent(UiEvent::Eval(label, document, script)) => {
                    ui.eval(&label, document, &script);
                }
                Event::UserEvent(UiEvent::Flush(label, document)) => ui.flush(&label, document),
                Event::UserEvent(UiEvent::Reply(label, id, document, text)) => {
                    if let Some(desk) = ui.desks.get(&label) {
                        desk.finish(id, document, text);
                    }
                }
                Event::UserEvent(UiEvent::Exit(code)) => {
                    *control_flow = ControlFlow::ExitWithCode(code);
                }
                Event::UserEvent(UiEvent::Run(task)) => task(&window::Natives(&ui.windows)),
                Event::WindowEvent {
                    window_id, event, ..
                } => {
                    let Some(label) = ui.ids.get(&window_id).cloned() else {
                        return;
                    };
                    if let TaoWindowEvent::CloseRequested = event {
                        bus::publish_window_event(&ui.app, &label, &WindowEvent::CloseRequested);
                        let decision = close_guard
                            .as_mut()
                            .map_or(CloseDecision::Close, |guard| guard(label.as_str()));
                        if decision == CloseDecision::Close {
                            ui.close(&label, control_flow);
                        }
                    } else if let Some(open) = ui.windows.get(&label) {
                        if let Some(event) = window::event(&open.window, &event) {
                            bus::publish_window_event(&ui.app, &label, &event);
                        }
                    }
                }
                _ => {}
            }
        })
    }
}

/// How long, once the event loop has ended, the app waits for handlers still running on the
/// bus's threads (a sync method, `spawn_blocking` work) before it exits without them.
const EXIT_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// The bus's threads, stopped when the event loop ends. Dropping a tokio runtime waits for
/// every thread it runs work on, without a limit, so one handler that blocks (a sync actor
/// method sleeping, a `spawn_blocking` that waits on I/O) kept the app from exiting until
/// it returned; tasks are dropped at their next `.await` either way.
struct BusThreads(Option<tokio::runtime::Runtime>);

impl Drop for BusThreads {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_timeout(EXIT_GRACE);
        }
    }
}

/// The answers a window's `postMessage` handler has ready (UI thread only). The first
/// answer of a UI-loop turn is evaluated at once (a lone call waits for nothing); on Linux
/// the answers that follow it in the same turn are collected and evaluated in one
/// `evaluate_script` from an idle callback, after the loop has dispatched every message that
/// arrived with them: a burst of 1,000 calls is answered in a few scripts instead of 1,000.
/// Measured with the e2e bench app alone (Xvfb, 2 cores): always batching cost a lone ping
/// ~35–50 µs (481 vs 431–447 µs); never batching cut 1,000 concurrent pings from ~21k to
/// ~7.4k calls/s.
/// The answers wait with the document they belong to: a navigation committed before the
/// idle callback runs drops them.
struct Replies {
    link: Arc<WindowLink>,
    /// Answers waiting for the idle callback, and whether one is scheduled.
    queued: Rc<std::cell::RefCell<(Vec<bytes::Bytes>, Option<DocumentId>)>>,
}

impl Replies {
    fn new(link: Arc<WindowLink>) -> Self {
        Self {
            link,
            queued: Rc::default(),
        }
    }

    fn answer(&self, webview: &Rc<WebView>, document: DocumentId, frame: bytes::Bytes) {
        let label = self.link.label.as_str();
        #[cfg(target_os = "linux")]
        {
            {
                let mut queued = self.queued.borrow_mut();
                match queued.1 {
                    Some(waiting) if waiting == document => {
                        queued.0.push(frame);
                        return;
                    }
                    // answers of an older document still queued: not for this page
                    Some(_) => queued.0.clear(),
                    None => {}
                }
                queued.1 = Some(document);
            }
            evaluate(webview, label, &receive_script(&[frame]));
            let queued = self.queued.clone();
            let webview = Rc::downgrade(webview);
            let link = self.link.clone();
            glib::idle_add_local_once(move || {
                let (frames, document) = {
                    let mut queued = queued.borrow_mut();
                    (std::mem::take(&mut queued.0), queued.1.take())
                };
                let current = document == Some(link.document());
                if let (false, true, Some(webview)) =
                    (frames.is_empty(), current, webview.upgrade())
                {
                    evaluate(&webview, &link.label, &receive_script(&frames));
                }
            });
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = document;
            evaluate(webview, label, &receive_script(&[frame]));
        }
    }
}

/// The replies of a window's native reply route that wait for an answer (UI thread only:
/// a reply is a WebKit object). Other threads name them by id ([`UiEvent::Reply`]); each
/// waits with its document, and is dropped (its promise rejected) when that document is no
/// longer the window's, or when the window navigates.
#[derive(Default)]
struct ReplyDesk {
    #[cfg(target_os = "linux")]
    waiting: std::cell::RefCell<HashMap<ReplyId, (DocumentId, crate::native::Reply)>>,
    next: std::cell::Cell<ReplyId>,
    link: OnceCell<Arc<WindowLink>>,
}

impl ReplyDesk {
    fn next_id(&self) -> ReplyId {
        let id = self.next.get().wrapping_add(1);
        self.next.set(id);
        id
    }

    /// Whether `document` is still the window's.
    fn current(&self, document: DocumentId) -> bool {
        self.link
            .get()
            .is_some_and(|link| link.document() == document)
    }

    /// Answer kept reply `id`, if it and its document are still there.
    fn finish(&self, id: ReplyId, document: DocumentId, text: Option<String>) {
        #[cfg(target_os = "linux")]
        {
            let kept = self.waiting.borrow_mut().remove(&id);
            match kept {
                Some((kept_for, reply)) if kept_for == document && self.current(document) => {
                    reply.answer(text);
                }
                Some(_) => tracing::debug!("a reply for a page that is gone dropped"),
                None => {}
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = (id, document, text);
    }

    /// The window committed a new document: the old one's replies go unanswered.
    fn forget_all(&self) {
        #[cfg(target_os = "linux")]
        {
            let old = std::mem::take(&mut *self.waiting.borrow_mut());
            drop(old);
        }
    }
}

fn evaluate(webview: &WebView, label: &str, script: &str) {
    if let Err(e) = webview.evaluate_script(script) {
        tracing::warn!(window = %label, error = %e, "evaluate_script failed");
    }
}

/// The UI thread's state.
struct Ui {
    app: App,
    handle: WryHandle,
    bridge: Arc<Bridge>,
    frontend: Frontend,
    csp: Arc<str>,
    windows: HashMap<Name, OpenWindow>,
    ids: HashMap<WindowId, Name>,
    /// Each window's kept replies of the native reply route.
    desks: HashMap<Name, Rc<ReplyDesk>>,
    protocols_registered: bool,
    web_context: WebContext,
}

impl Ui {
    fn open(&mut self, spec: WindowSpec, target: &EventLoopWindowTarget<UiEvent>) {
        let label = spec.label.clone();
        if let Err(e) = self.try_open(&spec, target) {
            tracing::error!(window = %label, error = %e, "opening the window failed");
            self.bridge.detach(label.as_str());
            self.handle.release(label.as_str());
            self.app.window_closed(&label);
        }
    }

    fn try_open(
        &mut self,
        spec: &WindowSpec,
        target: &EventLoopWindowTarget<UiEvent>,
    ) -> Result<(), String> {
        let label = spec.label.clone();
        if self.windows.contains_key(&label) {
            return Err(format!("a window labelled `{label}` is already open"));
        }
        let window = window::builder(spec)
            .build(target)
            .map_err(|e| format!("creating the window: {e}"))?;
        let url = self.frontend.window_url(&spec.url);

        let proxy = self.handle.proxy.clone();
        let flush_label = label.clone();
        let schedule_flush: ScheduleFlush = Arc::new(move |document| {
            let _ = proxy.send_event(UiEvent::Flush(flush_label.clone(), document));
        });
        let connect = bus::connector(&self.app, &label);
        let link = Arc::new(WindowLink::new(
            label.as_str().to_owned(),
            &url,
            connect,
            schedule_flush,
        ));
        self.bridge.attach(link.clone());

        let bridge = self.bridge.clone();
        let proxy = self.handle.proxy.clone();
        let ipc_label = label.clone();
        let deliver_label = label.clone();
        let deliver: Deliver = Arc::new(move |document, script| {
            let _ = proxy.send_event(UiEvent::Eval(deliver_label.clone(), document, script));
        });
        // the ipc handler evaluates answers that are ready at once on its own webview
        let own_webview: Rc<OnceCell<Weak<WebView>>> = Rc::new(OnceCell::new());
        let ipc_webview = own_webview.clone();
        let replies = Replies::new(link.clone());
        let ipc_guard = ipc_guard_script(&bridge_base());
        let drop_app = self.app.clone();
        let drop_label = label.clone();
        let desk = Rc::new(ReplyDesk::default());
        let _ = desk.link.set(link.clone());
        let load_desk = desk.clone();
        let load_link = link.clone();
        let builder =
            WebViewBuilder::new_with_web_context(&mut self.web_context).with_id(label.as_str());
        // on WebKitGTK the page loads once the reply route's handler is registered (below),
        // so the guard script of the first document finds it
        #[cfg(not(target_os = "linux"))]
        let builder = builder.with_url(&url);
        let builder = builder.with_initialization_script_for_main_only(ipc_guard, true);
        let builder = match route_script() {
            Some(script) => builder.with_initialization_script_for_main_only(script, false),
            None => builder,
        };
        let mut builder = builder
            .with_initialization_script_for_main_only(CLIENT_SCRIPT, false)
            .with_devtools(cfg!(debug_assertions))
            .with_on_page_load_handler(move |event, url| {
                if let wry::PageLoadEvent::Started = event {
                    load_link.navigated(&url);
                    load_desk.forget_all();
                }
            })
            .with_drag_drop_handler(move |event| {
                // the webview covers the window, so drops arrive here, not as tao events
                if let wry::DragDropEvent::Drop { paths, .. } = event {
                    bus::publish_window_event(
                        &drop_app,
                        &drop_label,
                        &WindowEvent::FileDropped(paths),
                    );
                }
                false
            })
            .with_ipc_handler(move |request| {
                let Some((document, frame)) =
                    bridge.handle_message(ipc_label.as_str(), request.body(), &deliver)
                else {
                    return;
                };
                match ipc_webview.get().and_then(Weak::upgrade) {
                    Some(webview) => replies.answer(&webview, document, frame),
                    None => deliver(document, receive_script(&[frame])),
                }
            });
        if !self.protocols_registered {
            // custom schemes belong to the shared web context: register them once, with the
            // first webview; the handlers tell windows apart by webview id (= label)
            let bridge = self.bridge.clone();
            builder = builder.with_asynchronous_custom_protocol(
                BRIDGE_SCHEME.to_owned(),
                move |webview_id, request, responder| {
                    bridge.handle_request(
                        webview_id,
                        request,
                        Box::new(move |response| responder.respond(response)),
                    );
                },
            );
            if let Frontend::Embedded(files) = &self.frontend {
                let files = *files;
                let csp = self.csp.clone();
                builder = builder.with_asynchronous_custom_protocol(
                    APP_SCHEME.to_owned(),
                    move |_webview_id, request, responder| {
                        let response = assets::respond(&files, request.uri().path(), &csp);
                        responder.respond(response.map(|body| match body {
                            Cow::Borrowed(b) => Cow::Borrowed(b),
                            Cow::Owned(v) => Cow::Owned(v),
                        }));
                    },
                );
            }
        }
        #[cfg(target_os = "linux")]
        let webview = {
            use tao::platform::unix::WindowExtUnix;
            use wry::WebViewBuilderExtUnix;
            let vbox = window
                .default_vbox()
                .ok_or_else(|| "the window has no GTK box for the webview".to_owned())?;
            builder.build_gtk(vbox)
        };
        #[cfg(not(target_os = "linux"))]
        let webview = builder.build(&window);
        let webview = Rc::new(webview.map_err(|e| format!("creating the webview: {e}"))?);
        let _ = own_webview.set(Rc::downgrade(&webview));
        self.protocols_registered = true;
        #[cfg(target_os = "linux")]
        {
            let proxy = self.handle.proxy.clone();
            let reply_label = label.clone();
            let later: ReplyLater = Arc::new(move |id, document, text| {
                let _ = proxy.send_event(UiEvent::Reply(reply_label.clone(), id, document, text));
            });
            let bridge = self.bridge.clone();
            let reply_desk = desk.clone();
            let name = label.as_str().to_owned();
            use wry::WebViewExtUnix;
            let native = crate::native::register(&webview.webview(), move |message, reply| {
                let id = reply_desk.next_id();
                match bridge.handle_reply(&name, message, id, &later) {
                    crate::bridge::ReplyAction::Now(document, text) => {
                        if reply_desk.current(document) {
                            reply.answer(text);
                        }
                    }
                    crate::bridge::ReplyAction::Later(document) => {
                        reply_desk
                            .waiting
                            .borrow_mut()
                            .insert(id, (document, reply));
                    }
                    crate::bridge::ReplyAction::Refuse(why) => reply.reject(why),
                }
            });
            if !native {
                tracing::info!(window = %label, "no native reply route (WebKitGTK < 2.40): pages use fetch and postMessage");
            }
            webview
                .load_url(&url)
                .map_err(|e| format!("loading {url}: {e}"))?;
        }
        self.desks.insert(label.clone(), desk);

        tracing::info!(window = %label, %url, "window opened");
        self.ids.insert(window.id(), label.clone());
        self.windows.insert(
            label.clone(),
            OpenWindow {
                label: label.as_str().to_owned(),
                webview,
                window,
            },
        );
        Ok(())
    }

    /// Evaluate a script for `document` of window `label`, if the window still shows it.
    fn eval(&self, label: &Name, document: DocumentId, script: &str) {
        let (Some(link), Some(open)) = (self.bridge.link(label.as_str()), self.windows.get(label))
        else {
            return;
        };
        if link.document() != document {
            tracing::debug!(window = %label, "an answer for a page that is gone dropped");
            return;
        }
        evaluate(&open.webview, label.as_str(), script);
    }

    fn flush(&self, label: &Name, document: DocumentId) {
        let (Some(link), Some(open)) = (self.bridge.link(label.as_str()), self.windows.get(label))
        else {
            return;
        };
        let Some(outbox) = link.top_outbox(document) else {
            return;
        };
        let frames = outbox.take_for_eval();
        if frames.is_empty() {
            return;
        }
        if let Err(e) = open.webview.evaluate_script(&receive_script(&frames)) {
            tracing::warn!(window = %label, error = %e, "delivering frames failed");
        }
    }

    fn close(&mut self, label: &Name, control_flow: &mut ControlFlow) {
        let Some(open) = self.windows.remove(label) else {
            return;
        };
        if let Some(desk) = self.desks.remove(label) {
            desk.forget_all();
        }
        self.ids.remove(&open.window.id());
        self.bridge.detach(label.as_str());
        drop(open);
        self.handle.release(label.as_str());
        self.app.window_closed(label);
        tracing::info!(window = %label, "window closed");
        if self.windows.is_empty() {
            *control_flow = ControlFlow::ExitWithCode(0);
        }
    }
}
