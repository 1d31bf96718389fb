//! # switchboard-plugin-app
//!
//! The app's identity and places, for pages and Rust: its name, version and identifier
//! (`info`), the platform's data, config, cache and log directories for that identifier
//! (`dirs`, found by the `directories` crate), and `quit` / `restart`.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use switchboard::{args, App, Capability, HeadlessRuntime};
//! use switchboard_plugin_app::{AppInfo, AppPlugin};
//! use std::sync::Arc;
//!
//! let runtime = Arc::new(HeadlessRuntime::new());
//! let app = App::builder()
//!     .runtime(runtime.clone())
//!     .plugin(AppPlugin::new("Notes", "1.2.0", "com.example.notes"))
//!     .capability(Capability::new("main").windows(["main"]).allow(["app:default", "app:allow-quit"]))
//!     .build()
//!     .unwrap();
//! let main = app.test_client("main");
//! let info: AppInfo = main.invoke("plugin:app", "info", &args! {}).await.unwrap();
//! assert_eq!(info.identifier, "com.example.notes");
//! main.invoke::<()>("plugin:app", "quit", &args! { code: 3 }).await.unwrap();
//! assert_eq!(runtime.exit_code(), Some(3));
//! # });
//! ```
//!
//! The directories are `<base>/<identifier>` for the platform's bases (on Linux
//! `$XDG_DATA_HOME`, `$XDG_CONFIG_HOME`, `$XDG_CACHE_HOME`; logs under
//! `$XDG_DATA_HOME/<identifier>/logs`, on macOS `~/Library/Logs/<identifier>`), as Tauri
//! names them, so an app moving from Tauri keeps its files. They are not created.
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use switchboard::permission::PluginPermissions;
use switchboard::{AppBuilder, AppHandle, Plugin};

/// The permission declarations, as data (see the README's table).
pub const PERMISSIONS: &str = include_str!("../permissions.toml");

/// Who the app is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct AppInfo {
    /// Its name, as shown to people.
    pub name: String,
    /// Its version.
    pub version: String,
    /// Its reverse-DNS identifier (`com.example.notes`): names its directories.
    pub identifier: String,
}

/// Where the app keeps its files (absolute paths; not created).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct AppDirs {
    /// Data that matters (documents' stores, databases).
    pub data: String,
    /// Settings.
    pub config: String,
    /// What can be rebuilt.
    pub cache: String,
    /// Log files.
    pub log: String,
}

/// Why an app call failed (code `app`; `data` is `{ kind, message }`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum AppError {
    /// The platform has no home directory to put the app's directories in.
    #[error("no home directory: the app's directories are unknown")]
    NoHome,
    /// Restarting failed: the app keeps running.
    #[error("restarting failed: {message}")]
    Restart {
        /// The OS's message.
        message: String,
    },
}

impl AppDirs {
    /// The directories of app `identifier` on this platform.
    ///
    /// ```
    /// let dirs = switchboard_plugin_app::AppDirs::for_identifier("com.example.notes").unwrap();
    /// assert!(dirs.data.ends_with("com.example.notes"));
    /// assert!(dirs.log.contains("com.example.notes"));
    /// ```
    pub fn for_identifier(identifier: &str) -> Result<Self, AppError> {
        let base = directories::BaseDirs::new().ok_or(AppError::NoHome)?;
        let text = |p: PathBuf| p.to_string_lossy().into_owned();
        let log = if cfg!(target_os = "macos") {
            base.home_dir().join("Library/Logs").join(identifier)
        } else {
            base.data_local_dir().join(identifier).join("logs")
        };
        Ok(AppDirs {
            data: text(base.data_dir().join(identifier)),
            config: text(base.config_dir().join(identifier)),
            cache: text(base.cache_dir().join(identifier)),
            log: text(log),
        })
    }
}

/// The actor at `plugin:app`.
#[derive(Debug, Clone)]
pub struct AppActor {
    info: AppInfo,
}

#[switchboard::actor]
impl AppActor {
    /// The app's name, version and identifier.
    fn info(&self) -> AppInfo {
        self.info.clone()
    }

    /// The app's data, config, cache and log directories.
    fn dirs(&self) -> Result<AppDirs, AppError> {
        AppDirs::for_identifier(&self.info.identifier)
    }

    /// Quit with `code` (default 0): the runtime closes the windows and the process ends.
    fn quit(&self, code: Option<i32>, app: AppHandle) {
        tracing::info!(code = code.unwrap_or(0), "quit asked");
        app.exit(code.unwrap_or(0));
    }

    /// Start the app again with the same arguments, then quit this instance. Answers once
    /// the new process is started (the page may not see the answer: its window closes).
    #[switchboard(blocking)]
    fn restart(&self, app: AppHandle) -> Result<(), AppError> {
        let failed = |e: std::io::Error| AppError::Restart {
            message: e.to_string(),
        };
        let exe = std::env::current_exe().map_err(failed)?;
        std::process::Command::new(exe)
            .args(std::env::args_os().skip(1))
            .spawn()
            .map_err(failed)?;
        tracing::info!("restarting: the new instance is started, quitting this one");
        // quit after this answer is on its way (best effort: the page is closing anyway)
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => drop(rt.spawn(async move { app.exit(0) })),
            Err(_) => app.exit(0),
        }
        Ok(())
    }
}

/// The app plugin: `App::builder().plugin(AppPlugin::new("Notes", env!("CARGO_PKG_VERSION"),
/// "com.example.notes"))`.
#[derive(Debug, Clone)]
pub struct AppPlugin {
    info: AppInfo,
}

impl AppPlugin {
    /// The app called `name` at `version`, identified by `identifier` (reverse DNS).
    pub fn new(
        name: impl Into<String>,
        version: impl Into<String>,
        identifier: impl Into<String>,
    ) -> Self {
        AppPlugin {
            info: AppInfo {
                name: name.into(),
                version: version.into(),
                identifier: identifier.into(),
            },
        }
    }

    /// The plugin's permissions.
    pub fn permissions() -> PluginPermissions {
        // part of the crate and parsed by its tests: it cannot fail here
        PluginPermissions::from_toml("app", PERMISSIONS)
            .unwrap_or_else(|e| panic!("the app plugin's permissions.toml is broken: {e}"))
    }
}

impl Plugin for AppPlugin {
    fn build(self, app: AppBuilder) -> AppBuilder {
        app.plugin_actor("app", AppActor { info: self.info })
            .permissions(Self::permissions())
    }
}
