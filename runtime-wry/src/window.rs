//! Windows on the UI thread: a [`WindowSpec`] becomes a tao window holding a wry webview;
//! a [`WindowCommand`] is applied to it; tao's window events become [`WindowEvent`]s for the
//! bus (`window/<label>/<event>`).
//!
//! Everything here runs on the UI thread and never waits on the bus.

use switchboard::window::{Position, Size, Theme, WindowState};
use switchboard::{WindowCommand, WindowEvent, WindowSpec};
use tao::dpi::{LogicalPosition, LogicalSize};
use tao::window::{Fullscreen, Window, WindowBuilder};
use wry::WebView;

/// An open window: its tao window and its webview (dropped together, webview first).
pub(crate) struct OpenWindow {
    pub(crate) label: String,
    // field order: the webview is destroyed before its window
    // shared (weakly) with the window's ipc handler, which answers on it
    pub(crate) webview: std::rc::Rc<WebView>,
    pub(crate) window: Window,
}

impl Drop for OpenWindow {
    fn drop(&mut self) {
        // before the webview goes: break wry's webview <-> user-content-manager cycle, or
        // WebKit never lets go of the closed page (see `native::release_message_handlers`)
        #[cfg(target_os = "linux")]
        {
            use wry::WebViewExtUnix;
            let released = crate::native::release_message_handlers(&self.webview.webview());
            tracing::debug!(window = %self.label, released, "message handlers released");
        }
    }
}

/// The tao builder for a spec (title, sizes, flags).
pub(crate) fn builder(spec: &WindowSpec) -> WindowBuilder {
    let mut builder = WindowBuilder::new()
        .with_title(spec.title.clone())
        .with_inner_size(logical(spec.size))
        .with_resizable(spec.resizable)
        .with_decorations(spec.decorations)
        .with_always_on_top(spec.always_on_top)
        .with_visible(spec.visible)
        .with_focused(spec.focused);
    if let Some(size) = spec.min_size {
        builder = builder.with_min_inner_size(logical(size));
    }
    if let Some(size) = spec.max_size {
        builder = builder.with_max_inner_size(logical(size));
    }
    if spec.fullscreen {
        builder = builder.with_fullscreen(Some(Fullscreen::Borderless(None)));
    }
    builder
}

fn logical(size: Size) -> LogicalSize<f64> {
    LogicalSize::new(size.width, size.height)
}

/// What applying a command asks of the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Applied {
    /// Done on the window.
    Done,
    /// The window must be closed (the caller owns the map of windows).
    Close,
}

/// Apply one command to an open window.
pub(crate) fn apply(open: &OpenWindow, command: WindowCommand) -> Applied {
    let window = &open.window;
    match command {
        WindowCommand::SetTitle(title) => window.set_title(&title),
        WindowCommand::SetSize(size) => window.set_inner_size(logical(size)),
        WindowCommand::SetPosition { x, y } => {
            window.set_outer_position(LogicalPosition::new(x, y))
        }
        WindowCommand::SetMinSize(size) => window.set_min_inner_size(size.map(logical)),
        WindowCommand::SetMaxSize(size) => window.set_max_inner_size(size.map(logical)),
        WindowCommand::SetResizable(on) => window.set_resizable(on),
        WindowCommand::Show => window.set_visible(true),
        WindowCommand::Hide => window.set_visible(false),
        WindowCommand::Focus => {
            window.set_focus();
            let _ = open.webview.focus();
        }
        WindowCommand::Maximize => window.set_maximized(true),
        WindowCommand::Unmaximize => window.set_maximized(false),
        WindowCommand::Minimize => window.set_minimized(true),
        WindowCommand::SetFullscreen(on) => {
            window.set_fullscreen(on.then_some(Fullscreen::Borderless(None)))
        }
        WindowCommand::SetAlwaysOnTop(on) => window.set_always_on_top(on),
        WindowCommand::SetDecorations(on) => window.set_decorations(on),
        WindowCommand::Close => return Applied::Close,
        #[allow(unreachable_patterns)]
        other => {
            tracing::warn!(window = %open.label, ?other, "window command not supported by runtime-wry")
        }
    }
    Applied::Done
}

/// The bus event for a tao window event, if it is one the bus publishes.
pub(crate) fn event(window: &Window, event: &tao::event::WindowEvent<'_>) -> Option<WindowEvent> {
    use tao::event::WindowEvent as Tao;
    let scale = window.scale_factor();
    Some(match event {
        Tao::Resized(size) => {
            let size = size.to_logical::<f64>(scale);
            WindowEvent::Resized(Size {
                width: size.width,
                height: size.height,
            })
        }
        Tao::Moved(position) => {
            let position = position.to_logical::<f64>(scale);
            WindowEvent::Moved {
                x: position.x,
                y: position.y,
            }
        }
        Tao::Focused(focused) => WindowEvent::Focused(*focused),
        Tao::ThemeChanged(theme) => WindowEvent::ThemeChanged(match theme {
            tao::window::Theme::Dark => Theme::Dark,
            _ => Theme::Light,
        }),
        Tao::DroppedFile(path) => WindowEvent::FileDropped(vec![path.clone()]),
        _ => return None,
    })
}

/// What the window looks like now, in logical pixels (its actor's getters).
pub(crate) fn state(window: &Window) -> WindowState {
    let scale = window.scale_factor();
    let size: LogicalSize<f64> = window.inner_size().to_logical(scale);
    let position: LogicalPosition<f64> = window
        .outer_position()
        .map(|p| p.to_logical(scale))
        .unwrap_or(LogicalPosition::new(0.0, 0.0));
    WindowState {
        title: window.title(),
        size: Size {
            width: size.width,
            height: size.height,
        },
        position: Position {
            x: position.x,
            y: position.y,
        },
        focused: window.is_focused(),
        visible: window.is_visible(),
        maximized: window.is_maximized(),
        minimized: window.is_minimized(),
        fullscreen: window.fullscreen().is_some(),
        scale_factor: scale,
    }
}

/// The open windows' native objects, for plugins' UI tasks ([`switchboard::runtime::UiContext`]).
pub(crate) struct Natives<'a>(
    pub(crate) &'a std::collections::HashMap<switchboard::protocol::Name, OpenWindow>,
);

impl switchboard::runtime::UiContext for Natives<'_> {
    fn window(&self, label: &str) -> Option<&dyn std::any::Any> {
        let open = self.0.iter().find(|(n, _)| n.as_str() == label)?.1;
        #[cfg(target_os = "linux")]
        {
            use tao::platform::unix::WindowExtUnix;
            Some(open.window.gtk_window() as &dyn std::any::Any)
        }
        #[cfg(not(target_os = "linux"))]
        Some(&open.window as &dyn std::any::Any)
    }

    fn container(&self, label: &str) -> Option<&dyn std::any::Any> {
        let open = self.0.iter().find(|(n, _)| n.as_str() == label)?.1;
        #[cfg(target_os = "linux")]
        {
            use tao::platform::unix::WindowExtUnix;
            open.window.default_vbox().map(|b| b as &dyn std::any::Any)
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = open;
            None
        }
    }

    fn labels(&self) -> Vec<String> {
        self.0.keys().map(|n| n.as_str().to_owned()).collect()
    }
}
