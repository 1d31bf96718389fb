//! # switchboard-plugin-shell
//!
//! Run programs from a page — only those the caller's scope names, with a validator per
//! argument — and open URLs with the system's handler — only for the schemes the scope
//! names (`https` and `mailto` by default). Output streams to the page as it comes (a
//! [`Stream`](switchboard::Stream) under the page's credit), the page writes to standard
//! input, kills, and gets the exit status; a window that closes kills what it started.
//!
//! ```
//! # tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap().block_on(async {
//! use switchboard::{args, App, Capability, Grant};
//! use switchboard_plugin_shell::{ProcessEvent, ShellPlugin};
//!
//! let app = App::builder()
//!     .plugin(ShellPlugin::new())
//!     .capability(Capability::new("main").windows(["main"])
//!         .grant(Grant::new("shell:allow-spawn")
//!             .allow_scope(serde_json::json!({ "name": "echo", "cmd": "echo", "args": [{ "validator": "[a-z ]+" }] }))))
//!     .build()
//!     .unwrap();
//! let main = app.test_client("main");
//! let mut run = main.stream::<ProcessEvent>("plugin:shell", "spawn",
//!     &args! { program: "echo", args: ["hello shell"] }, 16).await.unwrap();
//! let mut out = Vec::new();
//! while let Some(event) = run.next().await {
//!     match event.unwrap() {
//!         ProcessEvent::Stdout { data } => out.extend(data),
//!         ProcessEvent::Exit { code, .. } => assert_eq!(code, Some(0)),
//!         _ => {}
//!     }
//! }
//! assert_eq!(out, b"hello shell\n");
//! // an argument the validator refuses never reaches a process
//! let err = main.stream::<ProcessEvent>("plugin:shell", "spawn",
//!     &args! { program: "echo", args: ["$(reboot)"] }, 16).await.err().unwrap();
//! assert_eq!(err.code(), switchboard::protocol::ErrorCode::Forbidden);
//! # });
//! ```
//!
//! ## No shell, unless the scope names one
//! The page names a program by the `name` of a scope entry; the entry's `cmd` runs, with the
//! page's arguments passed as they are to `exec` (no shell parses them, so `;`, `$( )` and
//! quotes mean nothing). A shell interpreter runs only when an entry's `cmd` is one — and
//! then its arguments deserve a strict validator.
//!
//! ## `open` and CVE-2025-31477
//! Tauri's shell `open` once handed any URL to the system opener, so a page could open
//! `file:`, `smb:` or other schemes that run code. Here the target is parsed by WHATWG rules
//! (the `url` crate) and refused `forbidden` by the bus, before the plugin runs, unless its
//! scheme is in the caller's scope. What reaches the opener is the parsed URL, re-serialised.
//!
//! ## Blocking work
//! Spawning (fork and exec) runs on tokio's blocking pool (`spawn_blocking`); the running
//! process's pipes are read and written asynchronously (tokio's process support, no thread
//! parked per pipe), so neither the UI thread nor a worker waits on a process. The opener
//! runs on the blocking pool too, and `open` answers when it has exited.
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

mod process;
pub mod scope;

use std::borrow::Cow;

use serde::Serialize;
use specta::datatype::DataType;
use specta::{Generics, TypeCollection};
use switchboard::permission::PluginPermissions;
use switchboard::{AppBuilder, Plugin};

pub use process::{ProcessEvent, Shell};
pub use scope::{open_target, ShellEntry, ShellScope, ShellScopeSchema};

/// The permission declarations, as data (see the README's table).
pub const PERMISSIONS: &str = include_str!("../permissions.toml");

/// Processes one window may run at once.
pub const MAX_PROCESSES: usize = 16;

/// Why a shell call failed (code `app`; `data` is `{ kind: "spawn", program, message }`...).
/// A program, argument or scheme outside the caller's scope never gets here: the bus answers
/// `forbidden` before the plugin runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ShellError {
    /// The program could not be started (not found, not executable...).
    #[error("program `{program}`: {message}")]
    Spawn {
        /// The program's name in the scope.
        program: String,
        /// The OS's message.
        message: String,
    },
    /// A process id this window did not start, or that ended.
    #[error("process {id}: no such process in this window")]
    UnknownProcess {
        /// The id.
        id: u32,
    },
    /// Writing to the process's standard input failed.
    #[error("process {id}: {message}")]
    Stdin {
        /// The id.
        id: u32,
        /// Why.
        message: String,
    },
    /// Too many processes running for one window.
    #[error("at most {limit} processes per window")]
    TooManyProcesses {
        /// The limit ([`MAX_PROCESSES`]).
        limit: u32,
    },
    /// The opener failed.
    #[error("open `{target}`: {message}")]
    Open {
        /// The target as the page wrote it.
        target: String,
        /// Why.
        message: String,
    },
}

/// `Uint8Array` in the bindings (a MessagePack `bin` decodes to one).
pub(crate) struct Uint8ArrayTs;

impl specta::Type for Uint8ArrayTs {
    fn inline(_: &mut TypeCollection, _: Generics) -> DataType {
        DataType::Generic(Cow::Borrowed("Uint8Array").into())
    }
}

/// The program that opens URLs on this platform: `xdg-open` (Linux, BSD), `open` (macOS),
/// `explorer` (Windows).
pub fn default_opener() -> Vec<String> {
    let program = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    vec![program.to_owned()]
}

/// The shell plugin: `App::builder().plugin(ShellPlugin::new())`; its actor answers at
/// `plugin:shell`. It grants nothing by itself: capabilities name the programs.
#[derive(Debug, Clone)]
pub struct ShellPlugin {
    opener: Vec<String>,
}

impl Default for ShellPlugin {
    fn default() -> Self {
        Self::new()
    }
}

impl ShellPlugin {
    /// The plugin, opening URLs with [`default_opener`].
    pub fn new() -> Self {
        ShellPlugin {
            opener: default_opener(),
        }
    }

    /// Open URLs with `program` and `args` (the URL comes last) instead of the platform's
    /// opener: a browser of the app's choice, or a stand-in in tests.
    pub fn opener<I, S>(mut self, program: impl Into<String>, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.opener = std::iter::once(program.into())
            .chain(args.into_iter().map(Into::into))
            .collect();
        self
    }

    /// The plugin's permissions and scope schema.
    pub fn permissions(&self) -> PluginPermissions {
        // the file is part of the crate and parsed by a test: it cannot fail here
        PluginPermissions::from_toml("shell", PERMISSIONS)
            .unwrap_or_else(|e| panic!("the shell plugin's permissions.toml is broken: {e}"))
            .scope(ShellScopeSchema)
    }
}

impl Plugin for ShellPlugin {
    fn build(self, app: AppBuilder) -> AppBuilder {
        let permissions = self.permissions();
        app.plugin_actor("shell", Shell::new(self.opener))
            .permissions(permissions)
    }
}
