//! # switchboard-plugin-window-state
//!
//! Windows that come back as they were left: each tracked window's size, position and
//! maximized state are saved as they change and restored at the next launch. Built on core
//! alone (window events in, window commands out) and the store plugin's file format (one
//! MessagePack map, replaced atomically; `switchboard_plugin_store::decode` reads it).
//!
//! ```no_run
//! use switchboard::{App, WindowSpec};
//! use switchboard_plugin_window_state::WindowStatePlugin;
//! # let config_dir = std::env::temp_dir();
//! let app = App::builder()
//!     .plugin(WindowStatePlugin::new(config_dir.join("window-state.msgpack")).windows(["main"]))
//!     .window(WindowSpec::new("main"))
//!     .build()
//!     .unwrap();
//! // put the windows back as they were, and follow their changes from now on
//! switchboard_plugin_window_state::track(&app);
//! ```
//!
//! ## How it knows
//! Size and position come from the windows' `resized` and `moved` events. Whether a window
//! is maximized is asked of the window itself, on the UI thread, through the runtime's
//! [`on_ui`](switchboard::Runtime::on_ui) seam (on Linux, the GTK window): a maximized
//! window keeps the size and position it had before, so un-maximizing after a restart goes
//! back to them. Under the headless runtime there is no window to ask: events are tracked
//! and saved, never marked maximized. The file is written 200 ms after the last change, on a
//! thread of the plugin's own, and at `save`.
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

mod tracker;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use switchboard::permission::PluginPermissions;
use switchboard::{AppBuilder, Plugin};

pub use tracker::{track, WindowStates};

/// The permission declarations, as data (see the README's table).
pub const PERMISSIONS: &str = include_str!("../permissions.toml");

/// One window's saved state (logical pixels).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct SavedWindowState {
    /// Inner width when not maximized.
    pub width: f64,
    /// Inner height when not maximized.
    pub height: f64,
    /// Left edge when not maximized (unknown until the window moved once).
    pub x: Option<f64>,
    /// Top edge when not maximized.
    pub y: Option<f64>,
    /// Whether it was maximized.
    pub maximized: bool,
}

/// Why a window-state call failed (code `app`; `data` is `{ kind, ... }`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum WindowStateError {
    /// Writing the state file failed.
    #[error("writing {path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// The OS's message.
        message: String,
    },
    /// Nothing is saved for that window.
    #[error("no state saved for window `{window}`")]
    Unknown {
        /// The window's label.
        window: String,
    },
    /// The runtime refused a window command.
    #[error("window `{window}`: {message}")]
    Window {
        /// The window's label.
        window: String,
        /// The runtime's message.
        message: String,
    },
}

/// The window-state plugin: `App::builder().plugin(WindowStatePlugin::new(file))`, then
/// [`track`] once the app is built.
#[derive(Debug, Clone)]
pub struct WindowStatePlugin {
    file: PathBuf,
    windows: Vec<String>,
}

impl WindowStatePlugin {
    /// Keep the state in `file` (usually `<config dir>/window-state.msgpack`); tracks the
    /// window `main` unless [`Self::windows`] says otherwise.
    pub fn new(file: impl Into<PathBuf>) -> Self {
        WindowStatePlugin {
            file: file.into(),
            windows: vec!["main".into()],
        }
    }

    /// The labels of the windows to remember.
    pub fn windows<I, S>(mut self, labels: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.windows = labels.into_iter().map(Into::into).collect();
        self
    }

    /// The plugin's permissions.
    pub fn permissions() -> PluginPermissions {
        // part of the crate and parsed by its tests: it cannot fail here
        PluginPermissions::from_toml("window-state", PERMISSIONS)
            .unwrap_or_else(|e| panic!("the window-state plugin's permissions.toml is broken: {e}"))
    }
}

impl Plugin for WindowStatePlugin {
    fn build(self, app: AppBuilder) -> AppBuilder {
        let states = WindowStates::start(self.file, self.windows);
        app.manage(states.clone())
            .plugin_actor("window-state", states)
            .permissions(Self::permissions())
    }
}
