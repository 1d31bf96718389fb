//! # switchboard-plugin-clipboard
//!
//! The system clipboard for pages and Rust, on `arboard` (what Tauri's clipboard plugin
//! uses): read and write text, read and write images as RGBA pixels, clear.
//!
//! ```no_run
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use switchboard::{args, App, Capability};
//! use switchboard_plugin_clipboard::ClipboardPlugin;
//!
//! let app = App::builder()
//!     .plugin(ClipboardPlugin::new())
//!     .capability(Capability::new("main").windows(["main"])
//!         .allow(["clipboard:allow-write-text", "clipboard:allow-read-text"]))
//!     .build()
//!     .unwrap();
//! let main = app.test_client("main");
//! main.invoke::<()>("plugin:clipboard", "write_text", &args! { text: "hello" }).await.unwrap();
//! let text: String = main.invoke("plugin:clipboard", "read_text", &args! {}).await.unwrap();
//! assert_eq!(text, "hello");
//! # });
//! ```
//!
//! ## Where it works
//! The clipboard belongs to the desktop session, not to the runtime: it works under the
//! headless runtime too when a display is there (X11, or Wayland through XWayland), and
//! every call answers `unsupported` when there is none. On X11 the clipboard's content is
//! served by its owner: this plugin keeps one connection (on a thread of its own, where
//! every clipboard call runs, in order) for as long as the app lives, so other apps can
//! paste what the app copied until it exits.
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

mod worker;

use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use switchboard::permission::PluginPermissions;
use switchboard::{AppBuilder, Plugin};

pub use worker::Clipboard;

/// The permission declarations, as data (see the README's table).
pub const PERMISSIONS: &str = include_str!("../permissions.toml");

/// An image: `width × height` pixels, 4 bytes each (red, green, blue, alpha), row by row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Image {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height * 4` bytes of RGBA.
    #[specta(type = Vec<u8>)]
    pub rgba: ByteBuf,
}

/// Why a clipboard call failed (code `app`; `data` is `{ kind, message }`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ClipboardError {
    /// No clipboard here (no display, or a platform arboard does not support).
    #[error("unsupported: no clipboard is available: {message}")]
    Unsupported {
        /// Why.
        message: String,
    },
    /// The clipboard holds nothing of the asked kind (no text, or no image).
    #[error("the clipboard holds no {format}")]
    Empty {
        /// `text` or `image`.
        format: String,
    },
    /// The image's bytes are not `width * height * 4`.
    #[error("an image of {width}×{height} needs {expected} bytes of RGBA, not {got}")]
    BadImage {
        /// Width.
        width: u32,
        /// Height.
        height: u32,
        /// `width * height * 4`.
        expected: u64,
        /// What came.
        got: u64,
    },
    /// The platform refused (busy, conversion failed, ...).
    #[error("the clipboard failed: {message}")]
    Failed {
        /// The platform's message.
        message: String,
    },
}

/// The clipboard plugin: `App::builder().plugin(ClipboardPlugin::new())`.
#[derive(Debug, Clone, Default)]
pub struct ClipboardPlugin;

impl ClipboardPlugin {
    /// The plugin.
    pub fn new() -> Self {
        ClipboardPlugin
    }

    /// The plugin's permissions.
    pub fn permissions() -> PluginPermissions {
        // part of the crate and parsed by its tests: it cannot fail here
        PluginPermissions::from_toml("clipboard", PERMISSIONS)
            .unwrap_or_else(|e| panic!("the clipboard plugin's permissions.toml is broken: {e}"))
    }
}

impl Plugin for ClipboardPlugin {
    fn build(self, app: AppBuilder) -> AppBuilder {
        app.plugin_actor("clipboard", Clipboard::new())
            .permissions(Self::permissions())
    }
}
