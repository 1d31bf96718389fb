//! # switchboard-plugin-store
//!
//! Persistent key-value stores for Switchboard pages: one MessagePack file per store, values
//! of any type (they come back with the type they went in with), `get` / `set` / `delete` /
//! `keys` / `entries` / `clear`, change events on `store/changed` to every window that
//! listens, autosave after a debounce and an explicit `save`.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use switchboard::{args, App, Capability, Grant};
//! use switchboard_plugin_store::StorePlugin;
//!
//! let dir = std::env::temp_dir().join(format!("store-doc-{}", std::process::id()));
//! let app = App::builder()
//!     .plugin(StorePlugin::new(&dir))
//!     .capability(Capability::new("main").windows(["main"])
//!         .grant(Grant::new("store:allow-read").allow_scope("settings"))
//!         .grant(Grant::new("store:allow-write").allow_scope("settings")))
//!     .build()
//!     .unwrap();
//! let main = app.test_client("main");
//! main.invoke::<()>("plugin:store", "set", &args! { store: "settings", key: "theme", value: "dark" }).await.unwrap();
//! main.invoke::<()>("plugin:store", "save", &args! { store: "settings" }).await.unwrap();
//! let theme: Option<String> = main.invoke("plugin:store", "get", &args! { store: "settings", key: "theme" }).await.unwrap();
//! assert_eq!(theme.as_deref(), Some("dark"));
//! // another store is outside this window's scope
//! let err = main.invoke::<()>("plugin:store", "clear", &args! { store: "secrets" }).await.unwrap_err();
//! assert_eq!(err.code(), switchboard::protocol::ErrorCode::Forbidden);
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # });
//! ```
//!
//! ## Durability
//! - When `set`, `delete` or `clear` answers, the change is in memory: every window reads
//!   it and listeners have been told. It reaches the disk after the debounce
//!   ([`DEFAULT_DEBOUNCE`], see [`StorePlugin::debounce`]), unless the process dies first:
//!   **a crash before the debounce loses the changes since the last write, never more.**
//! - When `save` answers, the store is on disk and durable: written to a temporary file in
//!   the same directory, fsynced, renamed over the store file, and the directory fsynced.
//! - The store file is always a complete version, the previous or the new one: a write
//!   replaces it by rename, so a crash (even `SIGKILL` in the middle of a write) never
//!   leaves a torn file. `tests/durability.rs` kills a real child process to show it.
//! - Dropping the app writes what is pending.
//!
//! ## Blocking work
//! Every disk write happens on one dedicated thread per plugin instance, which also owns the
//! debounce timer: writes of one file never overlap, the debounce needs no async timer, and
//! the UI thread and tokio's workers never wait on the disk. Reading a store the first time
//! it is used goes through `spawn_blocking`.
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

mod scope;
mod store;
mod writer;

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;
use switchboard::permission::PluginPermissions;
use switchboard::{AppBuilder, Plugin};

pub use scope::{StoreScope, StoreScopeSchema};
pub use store::{StoreChange, Stores, CHANGED};

/// How long after the last change a store is written, by default.
pub const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(250);

/// The permission declarations, as data (see the README's table).
pub const PERMISSIONS: &str = include_str!("../permissions.toml");

/// Why a store call failed (code `app`; `data` is `{ kind: "corrupt", store, message }`...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum StoreError {
    /// The name cannot name a store.
    #[error("store `{store}`: {message}")]
    BadName {
        /// The name.
        store: String,
        /// Why.
        message: String,
    },
    /// The store's file is not a MessagePack map (it was not written by this plugin).
    #[error("store `{store}`: its file is not a store: {message}")]
    Corrupt {
        /// The store.
        store: String,
        /// The decoder's message.
        message: String,
    },
    /// Reading or writing the file failed.
    #[error("store `{store}`: {message}")]
    Io {
        /// The store.
        store: String,
        /// The OS's message.
        message: String,
    },
}

/// Decode a store file: a MessagePack map of string keys to values.
///
/// ```
/// let bytes = rmp_serde::to_vec_named(&std::collections::BTreeMap::from([("a", 1)])).unwrap();
/// let map = switchboard_plugin_store::decode(&bytes).unwrap();
/// assert_eq!(map["a"], rmpv::Value::from(1));
/// assert!(switchboard_plugin_store::decode(&bytes[..bytes.len() - 1]).is_err());
/// ```
pub fn decode(bytes: &[u8]) -> Result<std::collections::BTreeMap<String, rmpv::Value>, String> {
    rmp_serde::from_slice(bytes).map_err(|e| e.to_string())
}

/// The store plugin: `App::builder().plugin(StorePlugin::new(app_data_dir.join("stores")))`.
/// Store `settings` lives in `<dir>/settings.msgpack`.
#[derive(Clone)]
pub struct StorePlugin {
    dir: PathBuf,
    debounce: Duration,
    mid_write: Option<writer::MidWrite>,
}

impl std::fmt::Debug for StorePlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StorePlugin")
            .field("dir", &self.dir)
            .field("debounce", &self.debounce)
            .finish()
    }
}

impl StorePlugin {
    /// Stores kept in `dir` (created on the first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        StorePlugin {
            dir: dir.into(),
            debounce: DEFAULT_DEBOUNCE,
            mid_write: None,
        }
    }

    /// Write a store this long after its last change (default [`DEFAULT_DEBOUNCE`]).
    pub fn debounce(mut self, debounce: Duration) -> Self {
        self.debounce = debounce;
        self
    }

    /// For crash tests only: call `hook` with the store file's path when half of a new
    /// version is written, so a test can kill the process at that exact point.
    #[doc(hidden)]
    pub fn on_mid_write(mut self, hook: impl Fn(&std::path::Path) + Send + Sync + 'static) -> Self {
        self.mid_write = Some(std::sync::Arc::new(hook));
        self
    }

    /// The plugin's permissions and scope schema.
    pub fn permissions(&self) -> PluginPermissions {
        // the file is part of the crate and parsed by a test: it cannot fail here
        PluginPermissions::from_toml("store", PERMISSIONS)
            .unwrap_or_else(|e| panic!("the store plugin's permissions.toml is broken: {e}"))
            .scope(StoreScopeSchema)
    }
}

impl Plugin for StorePlugin {
    fn build(self, app: AppBuilder) -> AppBuilder {
        let permissions = self.permissions();
        // a thread that cannot start is a broken machine, not a page's doing
        let writer = writer::Writer::spawn(self.debounce, self.mid_write)
            .unwrap_or_else(|e| panic!("cannot start the store's writer thread: {e}"));
        app.plugin_actor("store", Stores::new(self.dir, writer))
            .permissions(permissions)
            .event::<StoreChange>(CHANGED)
    }
}
