//! # switchboard-plugin-fs
//!
//! Scoped file system access for pages: read and write text and bytes (large files as
//! streams, both ways), list, stat, create, remove, rename, copy, test, and watch for
//! changes. Every path is checked on its canonical form against the caller's scope
//! **before** the plugin runs (see [`scope`] for the rules: `..`, symlinks, hard links,
//! prefix look-alikes, case and Unicode look-alikes, dotfiles), and again where the
//! operation runs. Writes are atomic. File I/O runs on tokio's blocking pool.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use switchboard::{args, App, Capability, Grant};
//! use switchboard_plugin_fs::FsPlugin;
//!
//! let dir = std::env::temp_dir().join(format!("fs-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let app = App::builder()
//!     .plugin(FsPlugin::new("dev", "example", "notes").variable("NOTES", &dir))
//!     .capability(Capability::new("main").windows(["main"])
//!         .grant(Grant::new("fs:allow-read").allow_scope("$NOTES/**"))
//!         .grant(Grant::new("fs:allow-write").allow_scope("$NOTES/**")))
//!     .build()
//!     .unwrap();
//! let main = app.test_client("main");
//! main.invoke::<()>("plugin:fs", "write_text", &args! { path: "$NOTES/today.md", contents: "# Today" }).await.unwrap();
//! let text: String = main.invoke("plugin:fs", "read_text", &args! { path: "$NOTES/today.md" }).await.unwrap();
//! assert_eq!(text, "# Today");
//! let err = main.invoke::<String>("plugin:fs", "read_text", &args! { path: "$NOTES/../secret" }).await.unwrap_err();
//! assert_eq!(err.code(), switchboard::protocol::ErrorCode::Forbidden);
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # });
//! ```
//!
//! ## Blocking work
//! Each operation is one `tokio::task::spawn_blocking` job (a streamed read: one job per
//! chunk, pulled only under the page's credit). The blocking pool grows with demand and
//! its threads are reused, which fits file operations: short, independent, many at once
//! from several windows. The scope check that the bus runs before the call is blocking too
//! (it resolves paths on disk), so the plugin's schema asks the bus to run it there as well
//! ([`ScopeSchema::check_blocks`](switchboard::scope::ScopeSchema::check_blocks)).
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

mod atomic;
mod error;
mod files;
pub mod scope;
mod watch;

use std::path::Path;
use std::sync::Arc;

use switchboard::permission::PluginPermissions;
use switchboard::{AppBuilder, Plugin};

pub use error::FsError;
pub use files::{Chunk, DirEntry, Fs, Kind, Metadata};
pub use scope::{Access, FsEntry, FsScope, FsScopeSchema, Variables};
pub use watch::{FsChange, CHANGED};

/// Largest file read or written whole (`read_text`, `read_bytes`, `write_*`): 1 MiB.
/// Larger files go through `read_stream` and `write_begin`/`write_chunk`/`write_commit`.
pub const MAX_WHOLE_FILE: u64 = 1024 * 1024;

/// Watches one window may hold at once.
pub const MAX_WATCHES: usize = 32;

/// Chunked writes one window may have open at once.
pub const MAX_UPLOADS: usize = 8;

/// The permission declarations, as data (see the README's table).
pub const PERMISSIONS: &str = include_str!("../permissions.toml");

/// The fs plugin: `App::builder().plugin(FsPlugin::new("com", "example", "notes"))`. Its
/// actor answers at `plugin:fs`.
#[derive(Debug, Clone)]
pub struct FsPlugin {
    vars: Variables,
}

impl FsPlugin {
    /// The plugin for the app `qualifier.organization.application`, whose base directories
    /// (`$APPDATA`, `$APPCONFIG`, `$APPCACHE`, `$HOME`, `$DOCUMENT`, `$TEMP`, ...) come from
    /// the `directories` crate.
    pub fn new(qualifier: &str, organization: &str, application: &str) -> Self {
        FsPlugin {
            vars: Variables::for_app(qualifier, organization, application),
        }
    }

    /// Add or replace a base directory: `$NAME` in scopes and paths means `dir`.
    pub fn variable(mut self, name: &str, dir: impl AsRef<Path>) -> Self {
        self.vars.set(name, dir.as_ref());
        self
    }

    /// The base directories the plugin knows.
    pub fn variables(&self) -> &Variables {
        &self.vars
    }

    /// The plugin's permissions and scope schema (what [`Plugin::build`] registers).
    pub fn permissions(&self) -> PluginPermissions {
        // the file is part of the crate and parsed by a test: it cannot fail here
        PluginPermissions::from_toml("fs", PERMISSIONS)
            .unwrap_or_else(|e| panic!("the fs plugin's permissions.toml is broken: {e}"))
            .scope(FsScopeSchema {
                vars: Arc::new(self.vars.clone()),
            })
    }
}

impl Plugin for FsPlugin {
    fn build(self, app: AppBuilder) -> AppBuilder {
        let permissions = self.permissions();
        app.plugin_actor("fs", Fs::new())
            .permissions(permissions)
            .event::<FsChange>(CHANGED)
    }
}
