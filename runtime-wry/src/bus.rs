//! The seam to the bus (crate `switchboard`): opening a window's session, publishing window
//! events. The only module that knows how core's `App`/`Session` are called.
//!
//! INTERIM: core's `App::session`, `Runtime` and `window` module had not landed when this
//! was written; [`interim`] holds the shapes from the design brief so the runtime, the
//! bridge and the end-to-end tests could be built. It is replaced by `switchboard`'s types
//! as soon as they land.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;

use crate::bridge::{BusSession, Outbox, PushError};
use crate::origin::Origin;

pub use interim::{
    App, Caller, Closed, Outbound, Runtime, RuntimeError, Session, WindowCommand, WindowEvent,
    WindowSpec,
};

/// The page's outbound queue as core's [`Outbound`].
struct WindowOutbound(Arc<Outbox>);

impl Outbound for WindowOutbound {
    fn send(&self, frame: Bytes) -> Result<(), Closed> {
        match self.0.push(frame) {
            Ok(()) => Ok(()),
            Err(PushError::Closed) => Err(Closed),
            Err(PushError::Full) => {
                tracing::warn!(
                    "a page is not reading its frames: outbound queue full, frame dropped"
                );
                Err(Closed)
            }
        }
    }
}

struct CoreSession(Arc<Session>);

impl BusSession for CoreSession {
    fn handle(&self, frame: Bytes) -> Pin<Box<dyn Future<Output = Option<Bytes>> + Send>> {
        let session = self.0.clone();
        Box::pin(async move { session.handle(frame).await })
    }

    fn close(&self) {
        self.0.close();
    }
}

/// Open the bus session of a window whose page is at `url`.
pub(crate) fn open_session(
    app: &App,
    label: &str,
    url: &str,
    outbox: Arc<Outbox>,
) -> Box<dyn BusSession> {
    let origin = Origin::parse(url)
        .map(|o| o.as_str().to_owned())
        .unwrap_or_default();
    let caller = Caller::top_frame(label, origin);
    let session = app.session(caller, Arc::new(WindowOutbound(outbox)));
    Box::new(CoreSession(Arc::new(session)))
}

/// Publish a window event on `window/<label>/<event>`.
pub(crate) fn publish_window_event(app: &App, label: &str, event: WindowEvent) {
    app.publish_window_event(label, event);
}

/// The design brief's shapes of core's seam (see the module docs).
pub mod interim {
    #![allow(missing_docs)]
    use std::collections::HashMap;
    use std::future::Future;
    use std::path::PathBuf;
    use std::pin::Pin;
    use std::sync::{Arc, Mutex};

    use bytes::Bytes;
    use switchboard_protocol::{ErrorCode, Event, Frame, Limits, Name, Response, Topic, WireError};

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Caller {
        pub window: Name,
        pub origin: String,
        pub top_frame: bool,
    }

    impl Caller {
        pub fn top_frame(label: &str, origin: String) -> Self {
            Caller {
                window: Name::new(label)
                    .unwrap_or_else(|_| Name::new("invalid").unwrap_or_else(|_| unreachable!())),
                origin,
                top_frame: true,
            }
        }
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Closed;

    pub trait Outbound: Send + Sync + 'static {
        fn send(&self, frame: Bytes) -> Result<(), Closed>;
    }

    pub type Handler = Arc<
        dyn Fn(Caller, Bytes) -> Pin<Box<dyn Future<Output = Result<Bytes, WireError>> + Send>>
            + Send
            + Sync,
    >;

    #[derive(Default)]
    struct Inner {
        commands: HashMap<String, Handler>,
        grants: HashMap<String, Vec<String>>,
        sessions: Mutex<Vec<(Name, Arc<dyn Outbound>)>>,
    }

    #[derive(Clone, Default)]
    pub struct App(Arc<Inner>);

    impl App {
        pub fn new() -> Self {
            Self::default()
        }
        pub fn command(mut self, name: &str, handler: Handler) -> Self {
            if let Some(inner) = Arc::get_mut(&mut self.0) {
                inner.commands.insert(name.to_owned(), handler);
            }
            self
        }
        pub fn grant(mut self, window: &str, name: &str) -> Self {
            if let Some(inner) = Arc::get_mut(&mut self.0) {
                inner
                    .grants
                    .entry(window.to_owned())
                    .or_default()
                    .push(name.to_owned());
            }
            self
        }
        pub fn session(&self, caller: Caller, outbound: Arc<dyn Outbound>) -> Session {
            if let Ok(mut s) = self.0.sessions.lock() {
                s.push((caller.window.clone(), outbound));
            }
            Session {
                app: self.clone(),
                caller,
            }
        }
        pub fn emit(&self, topic: &str, payload: Bytes) {
            let Ok(topic) = Topic::new(topic) else { return };
            let frame = Bytes::from(
                Frame::Event(Event {
                    topic,
                    payload,
                    from: None,
                })
                .encode(),
            );
            if let Ok(mut sessions) = self.0.sessions.lock() {
                sessions.retain(|(_, out)| out.send(frame.clone()).is_ok());
            }
        }
        pub fn publish_window_event(&self, label: &str, event: WindowEvent) {
            tracing::debug!(window = label, ?event, "window event");
        }
    }

    pub struct Session {
        app: App,
        caller: Caller,
    }

    impl Session {
        pub fn handle(&self, frame: Bytes) -> impl Future<Output = Option<Bytes>> + Send + 'static {
            let app = self.app.clone();
            let caller = self.caller.clone();
            async move {
                let request = match Frame::decode(&frame, &Limits::default()) {
                    Ok(Frame::Request(r)) => r,
                    Ok(_) => return None,
                    Err(e) => {
                        let error = WireError::new(e.code(), e.to_string());
                        return Some(Bytes::from(match e.request_id() {
                            Some(id) => Frame::Response(Response {
                                id,
                                result: Err(error),
                            })
                            .encode(),
                            None => Frame::Error(switchboard_protocol::ErrorFrame {
                                error,
                                id: None,
                                versions: None,
                            })
                            .encode(),
                        }));
                    }
                };
                let name = request.to.to_string();
                let granted = app
                    .0
                    .grants
                    .get(caller.window.as_str())
                    .is_some_and(|g| g.iter().any(|p| p == &name || p == "*"));
                let result = if !granted {
                    Err(WireError::new(
                        ErrorCode::Forbidden,
                        format!("`{}` lacks permission `{name}`", caller.window),
                    ))
                } else if let Some(handler) = app.0.commands.get(&name) {
                    handler(caller, request.payload.clone()).await
                } else {
                    Err(WireError::new(
                        ErrorCode::UnknownTarget,
                        format!("no actor at `{name}`"),
                    ))
                };
                Some(Bytes::from(
                    Frame::Response(Response {
                        id: request.id,
                        result,
                    })
                    .encode(),
                ))
            }
        }
        pub fn close(&self) {}
    }

    #[derive(Debug)]
    pub enum RuntimeError {
        Stopped,
        DuplicateWindow(String),
        UnknownWindow(String),
    }

    impl std::fmt::Display for RuntimeError {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "{self:?}")
        }
    }

    pub trait Runtime: Send + Sync + 'static {
        fn open_window(&self, spec: WindowSpec) -> Result<(), RuntimeError>;
        fn send(&self, window: &Name, command: WindowCommand) -> Result<(), RuntimeError>;
        fn exit(&self, code: i32);
    }

    #[derive(Debug, Clone)]
    pub struct WindowSpec {
        pub label: Name,
        pub title: String,
        pub url: String,
        pub width: f64,
        pub height: f64,
        pub min_size: Option<(f64, f64)>,
        pub max_size: Option<(f64, f64)>,
        pub position: Option<(f64, f64)>,
        pub resizable: bool,
        pub decorations: bool,
        pub always_on_top: bool,
        pub visible: bool,
        pub maximized: bool,
        pub focused: bool,
        pub fullscreen: bool,
    }

    impl WindowSpec {
        pub fn new(label: &str, url: &str) -> Self {
            WindowSpec {
                label: Name::new(label).unwrap_or_else(|e| panic!("{e}")),
                title: label.to_owned(),
                url: url.to_owned(),
                width: 800.0,
                height: 600.0,
                min_size: None,
                max_size: None,
                position: None,
                resizable: true,
                decorations: true,
                always_on_top: false,
                visible: true,
                maximized: false,
                focused: true,
                fullscreen: false,
            }
        }
    }

    #[derive(Debug, Clone)]
    pub enum WindowCommand {
        SetTitle(String),
        SetSize { width: f64, height: f64 },
        SetPosition { x: f64, y: f64 },
        SetMinSize(Option<(f64, f64)>),
        SetMaxSize(Option<(f64, f64)>),
        SetResizable(bool),
        Show,
        Hide,
        Focus,
        Maximize,
        Unmaximize,
        Minimize,
        SetFullscreen(bool),
        SetAlwaysOnTop(bool),
        SetDecorations(bool),
        Close,
    }

    #[derive(Debug, Clone)]
    pub enum WindowEvent {
        Resized { width: f64, height: f64 },
        Moved { x: f64, y: f64 },
        Focused(bool),
        CloseRequested,
        ThemeChanged(String),
        FileDropped(Vec<PathBuf>),
        Destroyed,
    }
}
