//! Windows: what to open ([`WindowSpec`]), how to drive one ([`WindowCommand`], sent
//! through the [`Runtime`](crate::runtime::Runtime)), what it reports ([`WindowEvent`],
//! published on `window/<label>/<event>`), and the window actor at `window:<label>`.
//!
//! The window actor's methods, callable from a page with `window:<label>.<method>`
//! permissions: `set_title {title}`, `set_size {width, height}`, `set_position {x, y}`,
//! `set_min_size {width?, height?}`, `set_max_size {width?, height?}`,
//! `set_resizable {resizable}`, `show`, `hide`, `focus`, `maximize`, `unmaximize`,
//! `minimize`, `set_fullscreen {fullscreen}`, `set_always_on_top {always_on_top}`,
//! `set_decorations {decorations}`, `close`, and the getters `state`, `title`, `size`,
//! `position`, `is_focused`, `is_visible`, `is_maximized`, `is_minimized`, `is_fullscreen`,
//! `scale_factor`. Each window is an actor with a bounded mailbox ([`WINDOW_MAILBOX`]): a
//! setter answers once the UI thread has applied it, and the actor takes its next call only
//! then, so a page can never queue unbounded work on the UI thread (it hears `busy`).

mod actor;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use switchboard_protocol::{Name, NameError, Topic, WireError};

pub(crate) use actor::route;
pub use actor::{Position, WindowState, WINDOW_MAILBOX};

use crate::app::AppHandle;
use crate::call::Args;
use crate::runtime::RuntimeError;

/// Where a window's page comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WindowUrl {
    /// A path inside the app's assets (`index.html`), served on the app's own origin.
    App(String),
    /// A remote page (`https://example.com`): it gets no permissions unless a capability
    /// names its origin.
    External(String),
}

/// A size in logical pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Size {
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
}

/// What a window should look like when opened. Build it with chained methods.
///
/// ```
/// use switchboard::window::{WindowSpec, WindowUrl};
/// let spec = WindowSpec::new("main").title("Hello").url("index.html").size(800.0, 600.0).resizable(false);
/// assert_eq!(spec.label.as_str(), "main");
/// assert_eq!(spec.url, WindowUrl::App("index.html".into()));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WindowSpec {
    /// The window's label: its address is `window:<label>`.
    pub label: Name,
    /// The title.
    pub title: String,
    /// The page.
    pub url: WindowUrl,
    /// Initial size.
    pub size: Size,
    /// Smallest size.
    pub min_size: Option<Size>,
    /// Largest size.
    pub max_size: Option<Size>,
    /// Whether the user may resize it.
    pub resizable: bool,
    /// Whether it is shown when opened.
    pub visible: bool,
    /// Whether it has the system's title bar and borders.
    pub decorations: bool,
    /// Whether it stays above other windows.
    pub always_on_top: bool,
    /// Whether it opens fullscreen.
    pub fullscreen: bool,
    /// Whether it takes focus when opened.
    pub focused: bool,
}

impl WindowSpec {
    /// A visible, resizable 800×600 window showing `index.html`.
    ///
    /// # Panics
    /// When `label` is not a name (1 to 64 bytes of `A-Z a-z 0-9 _ -`); see [`Self::try_new`].
    pub fn new(label: &str) -> Self {
        Self::try_new(label).unwrap_or_else(|e| panic!("invalid window label `{label}`: {e}"))
    }

    /// Like [`Self::new`], with an error for a bad label.
    pub fn try_new(label: &str) -> Result<Self, NameError> {
        Ok(WindowSpec {
            label: Name::new(label)?,
            title: label.to_owned(),
            url: WindowUrl::App("index.html".into()),
            size: Size {
                width: 800.0,
                height: 600.0,
            },
            min_size: None,
            max_size: None,
            resizable: true,
            visible: true,
            decorations: true,
            always_on_top: false,
            fullscreen: false,
            focused: true,
        })
    }

    /// Set the title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// Show `url`: `http(s)://…` is external, anything else an app path.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        let url = url.into();
        self.url = if url.starts_with("http://") || url.starts_with("https://") {
            WindowUrl::External(url)
        } else {
            WindowUrl::App(url)
        };
        self
    }

    /// Set the initial size.
    pub fn size(mut self, width: f64, height: f64) -> Self {
        self.size = Size { width, height };
        self
    }

    /// Set the smallest size.
    pub fn min_size(mut self, width: f64, height: f64) -> Self {
        self.min_size = Some(Size { width, height });
        self
    }

    /// Set the largest size.
    pub fn max_size(mut self, width: f64, height: f64) -> Self {
        self.max_size = Some(Size { width, height });
        self
    }

    /// Whether the user may resize it.
    pub fn resizable(mut self, resizable: bool) -> Self {
        self.resizable = resizable;
        self
    }

    /// Whether it is shown when opened.
    pub fn visible(mut self, visible: bool) -> Self {
        self.visible = visible;
        self
    }

    /// Whether it has decorations.
    pub fn decorations(mut self, decorations: bool) -> Self {
        self.decorations = decorations;
        self
    }

    /// Whether it stays on top.
    pub fn always_on_top(mut self, on_top: bool) -> Self {
        self.always_on_top = on_top;
        self
    }

    /// Whether it opens fullscreen.
    pub fn fullscreen(mut self, fullscreen: bool) -> Self {
        self.fullscreen = fullscreen;
        self
    }

    /// Whether it takes focus when opened.
    pub fn focused(mut self, focused: bool) -> Self {
        self.focused = focused;
        self
    }
}

/// A command to a window, carried by [`Runtime::send`](crate::runtime::Runtime::send).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum WindowCommand {
    /// Set the title.
    SetTitle(String),
    /// Resize (logical pixels).
    SetSize(Size),
    /// Move (logical pixels).
    SetPosition {
        /// Left edge.
        x: f64,
        /// Top edge.
        y: f64,
    },
    /// Set or clear the smallest size.
    SetMinSize(Option<Size>),
    /// Set or clear the largest size.
    SetMaxSize(Option<Size>),
    /// Allow or forbid resizing.
    SetResizable(bool),
    /// Show it.
    Show,
    /// Hide it.
    Hide,
    /// Focus it.
    Focus,
    /// Maximize it.
    Maximize,
    /// Restore it from maximized.
    Unmaximize,
    /// Minimize it.
    Minimize,
    /// Enter or leave fullscreen.
    SetFullscreen(bool),
    /// Keep above other windows or not.
    SetAlwaysOnTop(bool),
    /// Show or hide decorations.
    SetDecorations(bool),
    /// Close it.
    Close,
}

impl WindowCommand {
    /// The command a window actor method names, its arguments read from `args`.
    fn from_method(method: &str, args: &Args) -> Result<Option<Self>, WireError> {
        let size = |args: &Args| -> Result<Option<Size>, WireError> {
            let w: Option<f64> = args.get("width")?;
            let h: Option<f64> = args.get("height")?;
            Ok(match (w, h) {
                (Some(width), Some(height)) => Some(Size { width, height }),
                _ => None,
            })
        };
        Ok(Some(match method {
            "set_title" => WindowCommand::SetTitle(args.get("title")?),
            "set_size" => WindowCommand::SetSize(Size {
                width: args.get("width")?,
                height: args.get("height")?,
            }),
            "set_position" => WindowCommand::SetPosition {
                x: args.get("x")?,
                y: args.get("y")?,
            },
            "set_min_size" => WindowCommand::SetMinSize(size(args)?),
            "set_max_size" => WindowCommand::SetMaxSize(size(args)?),
            "set_resizable" => WindowCommand::SetResizable(args.get("resizable")?),
            "show" => WindowCommand::Show,
            "hide" => WindowCommand::Hide,
            "focus" => WindowCommand::Focus,
            "maximize" => WindowCommand::Maximize,
            "unmaximize" => WindowCommand::Unmaximize,
            "minimize" => WindowCommand::Minimize,
            "set_fullscreen" => WindowCommand::SetFullscreen(args.get("fullscreen")?),
            "set_always_on_top" => WindowCommand::SetAlwaysOnTop(args.get("always_on_top")?),
            "set_decorations" => WindowCommand::SetDecorations(args.get("decorations")?),
            "close" => WindowCommand::Close,
            _ => return Ok(None),
        }))
    }
}

/// The window's theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    /// Light.
    Light,
    /// Dark.
    Dark,
}

/// What a window reports; the runtime publishes it with [`AppHandle::emit`] on
/// `window/<label>/<name>` (see [`WindowEvent::topic`]).
///
/// ```
/// use switchboard::window::WindowEvent;
/// let topic = WindowEvent::Focused(true).topic(&"main".parse().unwrap());
/// assert_eq!(topic.as_str(), "window/main/focused");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum WindowEvent {
    /// New inner size (logical pixels).
    Resized(Size),
    /// New position (logical pixels).
    Moved {
        /// Left edge.
        x: f64,
        /// Top edge.
        y: f64,
    },
    /// Gained (`true`) or lost focus.
    Focused(bool),
    /// The user asked to close it.
    CloseRequested,
    /// The system theme changed.
    ThemeChanged(Theme),
    /// Files were dropped on it.
    FileDropped(Vec<PathBuf>),
    /// It is gone.
    Destroyed,
}

impl WindowEvent {
    /// The event's name: `resized`, `moved`, `focused`, `close_requested`,
    /// `theme_changed`, `file_dropped`, `destroyed`.
    pub fn name(&self) -> &'static str {
        match self {
            WindowEvent::Resized(_) => "resized",
            WindowEvent::Moved { .. } => "moved",
            WindowEvent::Focused(_) => "focused",
            WindowEvent::CloseRequested => "close_requested",
            WindowEvent::ThemeChanged(_) => "theme_changed",
            WindowEvent::FileDropped(_) => "file_dropped",
            WindowEvent::Destroyed => "destroyed",
        }
    }

    /// The topic it is published on: `window/<label>/<name>`.
    pub fn topic(&self, label: &Name) -> Topic {
        // A label is at most 64 name bytes, so this is always a valid topic.
        Topic::new(&format!("window/{label}/{}", self.name()))
            .unwrap_or_else(|e| unreachable!("window topic: {e}"))
    }
}

/// A handle on one window: drive it by message.
///
/// Injected into a command as the calling window by naming a `Window` argument:
/// ```
/// use switchboard::window::Window;
/// #[switchboard::command]
/// fn rename(title: String, window: Window) -> Result<(), String> {
///     window.set_title(&title).map_err(|e| e.to_string())
/// }
/// ```
#[derive(Clone)]
pub struct Window {
    app: AppHandle,
    label: Name,
}

impl std::fmt::Debug for Window {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Window")
            .field("label", &self.label)
            .finish()
    }
}

impl Window {
    pub(crate) fn new(app: AppHandle, label: Name) -> Self {
        Window { app, label }
    }

    /// The label.
    pub fn label(&self) -> &Name {
        &self.label
    }

    /// Send the window a command through the runtime.
    pub fn send(&self, command: WindowCommand) -> Result<(), RuntimeError> {
        self.app.runtime().send(&self.label, command)
    }

    /// Set the title.
    pub fn set_title(&self, title: &str) -> Result<(), RuntimeError> {
        self.send(WindowCommand::SetTitle(title.to_owned()))
    }

    /// Close it.
    pub fn close(&self) -> Result<(), RuntimeError> {
        self.send(WindowCommand::Close)
    }

    /// Emit an event to this window's subscribers of `topic`.
    pub fn emit<T: serde::Serialize + ?Sized>(
        &self,
        topic: &str,
        value: &T,
    ) -> Result<(), crate::Error> {
        self.app.emit_to(self.label.as_str(), topic, value)
    }
}
