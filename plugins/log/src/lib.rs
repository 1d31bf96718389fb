//! # switchboard-plugin-log
//!
//! Pages' logs in Rust's `tracing`: the TypeScript `log` API (`plugins.log.log(level, message,
//! location)`) and, opt-in, every `console.*` call of a page ([`CONSOLE_SCRIPT`]) become
//! `tracing` events of target `webview`, with the **window label and origin** as fields —
//! stamped by the runtime, never taken from the page. [`FileLog`] is a `tracing-subscriber`
//! layer writing a log file rotated by size, with a level per target, off the logging
//! thread. A page granted `log:allow-recent` reads back its own recent lines.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use switchboard::{args, App, Capability};
//! use switchboard_plugin_log::{LogLine, LogPlugin};
//!
//! let app = App::builder()
//!     .plugin(LogPlugin::new())
//!     .capability(Capability::new("main").windows(["main"]).allow(["log:default", "log:allow-recent"]))
//!     .build()
//!     .unwrap();
//! let main = app.test_client("main");
//! main.invoke::<()>("plugin:log", "log", &args! { level: "warn", message: "disk almost full" }).await.unwrap();
//! let lines: Vec<LogLine> = main.invoke("plugin:log", "recent", &args! {}).await.unwrap();
//! assert_eq!(lines[0].message, "disk almost full");
//! # });
//! ```
//!
//! In the app's `main`, the subscriber (libraries never install one):
//!
//! ```no_run
//! use tracing_subscriber::prelude::*;
//! use switchboard_plugin_log::FileLog;
//!
//! let (file, _guard) = FileLog::new("/var/tmp/notes-logs", "notes")
//!     .max_bytes(1 << 20)
//!     .keep(5)
//!     .level("webview", tracing::Level::INFO)
//!     .default_level(tracing::Level::WARN)
//!     .layer()
//!     .unwrap();
//! tracing_subscriber::registry().with(file).with(tracing_subscriber::fmt::layer()).init();
//! // keep `_guard` alive: dropping it flushes the file
//! ```
//!
//! ## Blocking work
//! A page's `log` call only emits a `tracing` event and keeps the line in memory. The file
//! layer hands each formatted line to a **dedicated writer thread** (`tracing-appender`'s
//! non-blocking writer), which appends and rotates; no logging thread — the UI thread
//! included — waits on the disk.
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

mod file;
mod logger;

use switchboard::permission::PluginPermissions;
use switchboard::{AppBuilder, Plugin};

pub use file::{FileLog, RotatingFile};
pub use logger::{Level, LogLine, Logger};

/// The permission declarations, as data (see the README's table).
pub const PERMISSIONS: &str = include_str!("../permissions.toml");

/// The `tracing` target of every line a page logs.
pub const TARGET: &str = "webview";

/// Lines kept per window for `recent`, by default.
pub const DEFAULT_RECENT: usize = 200;

/// Longest message kept, in bytes (a longer one is cut, at a character boundary).
pub const MAX_MESSAGE: usize = 16 * 1024;

/// The opt-in console capture: a script that makes `console.debug/log/info/warn/error/trace`
/// (and uncaught errors and rejections) of a page also call `plugin:log.log`, keeping the
/// original console output. It needs the Switchboard client at `window.switchboard` (the
/// runtime injects it before page scripts) and a grant of `log:allow-log` for the window.
/// Load it first in the page (`<script src="console-capture.js">` with this text), or inject
/// it where the runtime offers initialisation scripts.
pub const CONSOLE_SCRIPT: &str = include_str!("../js/console-capture.js");

/// The log plugin: `App::builder().plugin(LogPlugin::new())`; its actor answers at
/// `plugin:log`.
#[derive(Debug, Clone)]
pub struct LogPlugin {
    recent: usize,
}

impl Default for LogPlugin {
    fn default() -> Self {
        Self::new()
    }
}

impl LogPlugin {
    /// The plugin, keeping [`DEFAULT_RECENT`] lines per window.
    pub fn new() -> Self {
        LogPlugin {
            recent: DEFAULT_RECENT,
        }
    }

    /// Keep `lines` recent lines per window for `recent` (0 keeps none).
    pub fn recent(mut self, lines: usize) -> Self {
        self.recent = lines;
        self
    }

    /// The plugin's permissions.
    pub fn permissions(&self) -> PluginPermissions {
        // the file is part of the crate and parsed by a test: it cannot fail here
        PluginPermissions::from_toml("log", PERMISSIONS)
            .unwrap_or_else(|e| panic!("the log plugin's permissions.toml is broken: {e}"))
    }
}

impl Plugin for LogPlugin {
    fn build(self, app: AppBuilder) -> AppBuilder {
        let permissions = self.permissions();
        app.plugin_actor("log", Logger::new(self.recent))
            .permissions(permissions)
    }
}
