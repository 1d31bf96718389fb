//! The window actor at `window:<label>`: one per open window, registered in the route table
//! like any actor, with a bounded mailbox of [`WINDOW_MAILBOX`] calls (a page that floods
//! it hears `busy`).
//!
//! Setters turn into a [`WindowCommand`] the actor hands the runtime with
//! [`Runtime::apply`](crate::runtime::Runtime::apply), and the actor waits until the UI
//! thread has applied it before it takes the next call: at most one command per window
//! waits on the UI thread, whatever a page sends. Getters read a [`WindowState`] from the
//! runtime ([`Runtime::state`](crate::runtime::Runtime::state)).
//!
//! The runtime tells the app when a window is gone ([`AppHandle::window_closed`]): its
//! route is removed, its sessions closed, and calls still queued are answered
//! `window_closed`.

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use specta::{DataType, TypeCollection};
use switchboard_protocol::{Name, WireError};

use super::{Size, WindowCommand};
use crate::actor::Actor;
use crate::app::AppHandle;
use crate::call::Call;
use crate::command::{ArgMeta, HandlerMeta};
use crate::error::BusError;
use crate::reply::Reply;
use crate::runtime::RuntimeError;

/// Calls a window's mailbox holds before answering `busy`: each waits for the one before
/// it to be applied on the UI thread, so this bounds how far a page can run ahead of it.
pub const WINDOW_MAILBOX: usize = 64;

/// A position in logical pixels (the window's outer top-left corner).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Position {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
}

/// What a window looks like now: the answer of its getters.
///
/// ```
/// use switchboard::window::{Position, Size, WindowState};
/// let state = WindowState {
///     title: "Hello".into(),
///     size: Size { width: 800.0, height: 600.0 },
///     position: Position { x: 0.0, y: 0.0 },
///     focused: true,
///     visible: true,
///     maximized: false,
///     minimized: false,
///     fullscreen: false,
///     scale_factor: 1.0,
/// };
/// assert_eq!(state.size.width, 800.0);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct WindowState {
    /// The title.
    pub title: String,
    /// The inner size, in logical pixels.
    pub size: Size,
    /// The outer position, in logical pixels.
    pub position: Position,
    /// Whether it has the keyboard focus.
    pub focused: bool,
    /// Whether it is shown.
    pub visible: bool,
    /// Whether it is maximized.
    pub maximized: bool,
    /// Whether it is minimized.
    pub minimized: bool,
    /// Whether it is fullscreen.
    pub fullscreen: bool,
    /// Physical pixels per logical pixel.
    pub scale_factor: f64,
}

/// The actor of one window.
#[derive(Clone)]
pub(crate) struct WindowActor {
    pub(crate) label: Name,
}

impl Actor for WindowActor {
    fn handle(&mut self, call: Call) -> BoxFuture<'_, Reply> {
        Box::pin(answer(self.label.clone(), call))
    }

    fn methods(&self) -> &'static [HandlerMeta] {
        WINDOW_METHODS
    }
}

/// A getter's answer, read off the window's state.
fn getter(method: &str) -> Option<fn(&WindowState) -> Reply> {
    Some(match method {
        "state" => |s| Reply::value(s),
        "title" => |s| Reply::value(&s.title),
        "size" => |s| Reply::value(&s.size),
        "position" => |s| Reply::value(&s.position),
        "is_focused" => |s| Reply::value(&s.focused),
        "is_visible" => |s| Reply::value(&s.visible),
        "is_maximized" => |s| Reply::value(&s.maximized),
        "is_minimized" => |s| Reply::value(&s.minimized),
        "is_fullscreen" => |s| Reply::value(&s.fullscreen),
        "scale_factor" => |s| Reply::value(&s.scale_factor),
        _ => return None,
    })
}

async fn answer(label: Name, call: Call) -> Reply {
    let app = call.app().clone();
    let runtime = app.runtime().clone();
    if let Some(read) = getter(call.method()) {
        return match runtime.state(&label).await {
            Ok(state) => read(&state),
            Err(e) => Reply::error(runtime_error(&label, e)),
        };
    }
    let args = match call.args() {
        Ok(a) => a,
        Err(e) => return Reply::error(e),
    };
    let command = match WindowCommand::from_method(call.method(), &args) {
        Ok(Some(c)) => c,
        Ok(None) => return Reply::error(call.unknown_method()),
        Err(e) => return Reply::error(e),
    };
    let close = command == WindowCommand::Close;
    match runtime.apply(&label, command).await {
        Ok(()) => {
            if close {
                // a runtime that draws windows reports the close itself; this covers one
                // that doesn't (headless). Reporting twice is harmless.
                app.window_closed(&label);
            }
            Reply::value(&())
        }
        Err(e) => Reply::error(runtime_error(&label, e)),
    }
}

/// The wire error for a runtime's refusal.
pub(crate) fn runtime_error(label: &Name, error: RuntimeError) -> WireError {
    match error {
        RuntimeError::UnknownWindow(_) | RuntimeError::Stopped => BusError::WindowClosed {
            label: label.clone(),
        },
        e => BusError::Runtime {
            label: label.clone(),
            reason: e.to_string(),
        },
    }
    .into()
}

fn datatype<T: specta::Type>(types: &mut TypeCollection) -> Option<DataType> {
    Some(T::reference(types, &[]).inner)
}

/// One method's metadata: `name(arg: Type, ..) -> Type`.
macro_rules! method {
    ($name:literal, $docs:literal, [$($arg:literal : $ty:ty),*] -> $ret:ty) => {
        HandlerMeta {
            name: $name,
            docs: $docs,
            args: &[$(ArgMeta {
                name: $arg,
                ty: stringify!($ty),
                from_payload: true,
                datatype: datatype::<$ty>,
            }),*],
            returns: stringify!($ret),
            ok: datatype::<$ret>,
            error: None,
            stream: false,
        }
    };
}

/// The window actor's methods, for generated bindings (`windows.main.setTitle(..)`).
pub(crate) static WINDOW_METHODS: &[HandlerMeta] = &[
    method!("set_title", "Set the title.", ["title": String] -> ()),
    method!("set_size", "Resize the window (logical pixels). The window system applies it asynchronously: `state` and the `resized` event show the new size once it has.", ["width": f64, "height": f64] -> ()),
    method!("set_position", "Move the window (logical pixels).", ["x": f64, "y": f64] -> ()),
    method!("set_min_size", "Set (or, with no arguments, clear) the smallest size.", ["width": Option<f64>, "height": Option<f64>] -> ()),
    method!("set_max_size", "Set (or, with no arguments, clear) the largest size.", ["width": Option<f64>, "height": Option<f64>] -> ()),
    method!("set_resizable", "Allow or forbid resizing.", ["resizable": bool] -> ()),
    method!("show", "Show the window.", [] -> ()),
    method!("hide", "Hide the window.", [] -> ()),
    method!("focus", "Give the window the focus.", [] -> ()),
    method!("maximize", "Maximize the window.", [] -> ()),
    method!("unmaximize", "Restore the window from maximized.", [] -> ()),
    method!("minimize", "Minimize the window.", [] -> ()),
    method!("set_fullscreen", "Enter or leave fullscreen.", ["fullscreen": bool] -> ()),
    method!("set_always_on_top", "Keep the window above others, or not.", ["always_on_top": bool] -> ()),
    method!("set_decorations", "Show or hide the title bar and borders.", ["decorations": bool] -> ()),
    method!("close", "Close the window.", [] -> ()),
    method!("state", "Everything the getters below read, at once.", [] -> WindowState),
    method!("title", "The title.", [] -> String),
    method!("size", "The inner size, in logical pixels.", [] -> Size),
    method!("position", "The outer position, in logical pixels.", [] -> Position),
    method!("is_focused", "Whether the window has the keyboard focus.", [] -> bool),
    method!("is_visible", "Whether the window is shown.", [] -> bool),
    method!("is_maximized", "Whether the window is maximized.", [] -> bool),
    method!("is_minimized", "Whether the window is minimized.", [] -> bool),
    method!("is_fullscreen", "Whether the window is fullscreen.", [] -> bool),
    method!("scale_factor", "Physical pixels per logical pixel.", [] -> f64),
];

/// The window actor's route, registered at `window:<label>` when the window opens.
pub(crate) fn route(app: &AppHandle, label: &Name) -> crate::app::Route {
    let _ = app;
    let actor = WindowActor {
        label: label.clone(),
    };
    crate::app::Route::Actor(std::sync::Arc::new(crate::actor::ActorRef::new(
        switchboard_protocol::Address::Window(label.clone()),
        Box::new(move || Box::new(actor.clone())),
        WINDOW_MAILBOX,
        WINDOW_METHODS,
    )))
}
