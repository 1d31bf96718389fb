//! The seam between the bus and whatever draws windows (DESIGN.md decision 7).
//!
//! [`Runtime`] is a handful of methods; windows are driven by message ([`WindowCommand`]).
//! Plugins that drive a toolkit (menus, tray, dialogs) post their native work to the UI
//! thread as a message too ([`Runtime::on_ui`], a [`UiTask`]).
//! `switchboard-runtime-wry` implements it with tao and wry; [`HeadlessRuntime`] records
//! what it is asked, for tests and the in-process client.

use std::collections::HashMap;
use std::sync::Mutex;

use futures::future::BoxFuture;
use switchboard_protocol::Name;

use crate::window::{Position, WindowCommand, WindowSpec, WindowState};

/// Why the runtime refused a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RuntimeError {
    /// No window with that label.
    #[error("no window labelled `{0}`")]
    UnknownWindow(String),
    /// A window with that label already exists.
    #[error("a window labelled `{0}` already exists")]
    DuplicateWindow(String),
    /// The runtime has stopped.
    #[error("the runtime has stopped")]
    Stopped,
    /// The platform refused (the message says why).
    #[error("the runtime failed: {0}")]
    Failed(String),
    /// This runtime cannot do that (a headless runtime has no UI thread).
    #[error("unsupported by this runtime: {0}")]
    Unsupported(String),
}

/// Native work for the UI thread, posted by a plugin that drives a toolkit (menus, tray,
/// dialogs): see [`Runtime::on_ui`]. It runs on the UI thread with a [`UiContext`], must
/// not block, and must never wait on the bus.
pub type UiTask = Box<dyn FnOnce(&dyn UiContext) + Send>;

/// What a [`UiTask`] can reach on the UI thread: the native objects of open windows, as
/// `&dyn Any` for the plugin to downcast (with runtime-wry on Linux a window is a
/// `gtk::ApplicationWindow` and its box the `gtk::Box` holding the webview). Core names no
/// toolkit.
pub trait UiContext {
    /// The native window of window `label`, if it is open.
    fn window(&self, label: &str) -> Option<&dyn std::any::Any>;
    /// The native container inside window `label` (where a menu bar goes), if it has one.
    fn container(&self, label: &str) -> Option<&dyn std::any::Any>;
    /// The labels of the open windows.
    fn labels(&self) -> Vec<String>;
}

/// What draws windows. Must not block: a call posts work to the UI thread and returns.
///
/// ```
/// use switchboard::{runtime::{Runtime, RuntimeError}, window::{WindowCommand, WindowSpec}};
/// use switchboard::protocol::Name;
/// struct Nothing;
/// impl Runtime for Nothing {
///     fn open_window(&self, _spec: WindowSpec) -> Result<(), RuntimeError> { Ok(()) }
///     fn send(&self, _window: &Name, _command: WindowCommand) -> Result<(), RuntimeError> { Ok(()) }
///     fn exit(&self, _code: i32) {}
/// }
/// ```
pub trait Runtime: Send + Sync + 'static {
    /// Open a window.
    fn open_window(&self, spec: WindowSpec) -> Result<(), RuntimeError>;
    /// Send a window a command.
    fn send(&self, window: &Name, command: WindowCommand) -> Result<(), RuntimeError>;
    /// Stop the app with an exit code.
    fn exit(&self, code: i32);

    /// Send a window a command and resolve once it is applied: the window's actor waits on
    /// this before it takes its next call, so a runtime that resolves it from the UI thread
    /// keeps at most one command per window in the UI's queue. By default: [`Runtime::send`],
    /// resolved at once.
    fn apply(
        &self,
        window: &Name,
        command: WindowCommand,
    ) -> BoxFuture<'static, Result<(), RuntimeError>> {
        let sent = self.send(window, command);
        Box::pin(std::future::ready(sent))
    }

    /// What a window looks like now (its actor's getters). By default: unsupported.
    fn state(&self, window: &Name) -> BoxFuture<'static, Result<WindowState, RuntimeError>> {
        let _ = window;
        Box::pin(std::future::ready(Err(RuntimeError::Failed(
            "this runtime does not report window state".into(),
        ))))
    }

    /// Run `task` on the UI thread, in order with this runtime's other messages (a window
    /// opened before is there). Returns at once. A runtime without a UI thread answers
    /// [`RuntimeError::Unsupported`] (the default), and the task is dropped unrun.
    fn on_ui(&self, task: UiTask) -> Result<(), RuntimeError> {
        drop(task);
        Err(RuntimeError::Unsupported("no UI thread".into()))
    }
}

/// A runtime without windows: keeps the specs it was asked to open and the commands it
/// was sent, so tests can check them.
///
/// ```
/// use switchboard::{runtime::{HeadlessRuntime, Runtime}, window::{WindowCommand, WindowSpec}};
/// let rt = HeadlessRuntime::new();
/// rt.open_window(WindowSpec::new("main")).unwrap();
/// rt.send(&"main".parse().unwrap(), WindowCommand::SetTitle("hi".into())).unwrap();
/// assert_eq!(rt.commands("main"), vec![WindowCommand::SetTitle("hi".into())]);
/// assert!(rt.send(&"nope".parse().unwrap(), WindowCommand::Show).is_err());
/// ```
#[derive(Debug, Default)]
pub struct HeadlessRuntime {
    windows: Mutex<HashMap<Name, (WindowSpec, Vec<WindowCommand>)>>,
    exit: Mutex<Option<i32>>,
}

impl HeadlessRuntime {
    /// An empty headless runtime.
    pub fn new() -> Self {
        Self::default()
    }

    /// The labels of the windows open now.
    pub fn windows(&self) -> Vec<String> {
        let windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let mut labels: Vec<String> = windows.keys().map(|n| n.to_string()).collect();
        labels.sort();
        labels
    }

    /// The spec a window was opened with.
    pub fn spec(&self, label: &str) -> Option<WindowSpec> {
        let windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        windows
            .iter()
            .find(|(n, _)| n.as_str() == label)
            .map(|(_, (s, _))| s.clone())
    }

    /// The commands a window was sent, in order.
    pub fn commands(&self, label: &str) -> Vec<WindowCommand> {
        let windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        windows
            .iter()
            .find(|(n, _)| n.as_str() == label)
            .map(|(_, (_, c))| c.clone())
            .unwrap_or_default()
    }

    /// The exit code, once [`Runtime::exit`] was called.
    pub fn exit_code(&self) -> Option<i32> {
        *self.exit.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Runtime for HeadlessRuntime {
    fn open_window(&self, spec: WindowSpec) -> Result<(), RuntimeError> {
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.contains_key(&spec.label) {
            return Err(RuntimeError::DuplicateWindow(spec.label.to_string()));
        }
        windows.insert(spec.label.clone(), (spec, Vec::new()));
        Ok(())
    }

    fn send(&self, window: &Name, command: WindowCommand) -> Result<(), RuntimeError> {
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let close = command == WindowCommand::Close;
        match windows.get_mut(window) {
            Some((_, commands)) => commands.push(command),
            None => return Err(RuntimeError::UnknownWindow(window.to_string())),
        }
        if close {
            windows.remove(window);
        }
        Ok(())
    }

    fn exit(&self, code: i32) {
        *self.exit.lock().unwrap_or_else(|p| p.into_inner()) = Some(code);
    }

    /// The spec the window was opened with, with the commands it was sent applied.
    fn state(&self, window: &Name) -> BoxFuture<'static, Result<WindowState, RuntimeError>> {
        let windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let state = match windows.get(window) {
            Some((spec, commands)) => Ok(headless_state(spec, commands)),
            None => Err(RuntimeError::UnknownWindow(window.to_string())),
        };
        Box::pin(std::future::ready(state))
    }
}

/// A headless window's state: its spec, then each command in order.
fn headless_state(spec: &WindowSpec, commands: &[WindowCommand]) -> WindowState {
    let mut state = WindowState {
        title: spec.title.clone(),
        size: spec.size,
        position: Position { x: 0.0, y: 0.0 },
        focused: spec.focused,
        visible: spec.visible,
        maximized: false,
        minimized: false,
        fullscreen: spec.fullscreen,
        scale_factor: 1.0,
    };
    for command in commands {
        match command {
            WindowCommand::SetTitle(title) => state.title.clone_from(title),
            WindowCommand::SetSize(size) => state.size = *size,
            WindowCommand::SetPosition { x, y } => state.position = Position { x: *x, y: *y },
            WindowCommand::Show => state.visible = true,
            WindowCommand::Hide => state.visible = false,
            WindowCommand::Focus => state.focused = true,
            WindowCommand::Maximize => (state.maximized, state.minimized) = (true, false),
            WindowCommand::Unmaximize => state.maximized = false,
            WindowCommand::Minimize => state.minimized = true,
            WindowCommand::SetFullscreen(on) => state.fullscreen = *on,
            _ => {}
        }
    }
    state
}
