//! # switchboard-plugin-dialog
//!
//! Native dialogs on `rfd` (what Tauri uses; GTK on Linux): open one or several files, pick
//! a folder, save a file, with filters; show a message, ask yes/no, confirm ok/cancel.
//!
//! **The paths a user picks are granted to the calling page**: they join the page's
//! `plugin:fs` scope for the rest of its session (until it closes or navigates), through
//! core's [`switchboard::scope::SessionScope`]. A page granted
//! `fs:allow-write-text` with no scope can write the file the user chose in a save dialog,
//! and nothing else; its fs *permissions* still decide which fs methods it may call.
//!
//! ```no_run
//! use switchboard::{App, Capability};
//! use switchboard_plugin_dialog::DialogPlugin;
//! let app = App::builder()
//!     .plugin(DialogPlugin::new())
//!     .capability(Capability::new("main").windows(["main"]).allow(["dialog:default"]))
//!     .build()
//!     .unwrap();
//! ```
//!
//! ```ts
//! const path = await plugins.dialog.save("Export", null, null, "notes.md");
//! if (path) await plugins.fs.writeText(path, text); // inside the scope now
//! ```
//!
//! ## Threads
//! A dialog is shown by GTK's main loop, which runtime-wry runs on the UI thread; the actor
//! awaits the user's answer on its own task (one dialog at a time; a second call waits in
//! the mailbox). Under the headless runtime there is no UI thread: every call answers
//! `unsupported` at once.
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use switchboard::permission::PluginPermissions;
use switchboard::scope::SessionScope;
use switchboard::{AppBuilder, AppHandle, Plugin};

/// The permission declarations, as data (see the README's table).
pub const PERMISSIONS: &str = include_str!("../permissions.toml");

/// A file filter: `{ name: "Markdown", extensions: ["md", "markdown"] }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Filter {
    /// What the user sees.
    pub name: String,
    /// Extensions without the dot.
    pub extensions: Vec<String>,
}

/// How a message looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum MessageLevel {
    /// Information.
    #[default]
    Info,
    /// A warning.
    Warning,
    /// An error.
    Error,
}

/// Why a dialog call failed (code `app`; `data` is `{ kind, message }`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum DialogError {
    /// No UI thread (the headless runtime) or no display.
    #[error("unsupported: {message}")]
    Unsupported {
        /// Why.
        message: String,
    },
}

fn check_ui(app: &AppHandle) -> Result<(), DialogError> {
    app.runtime()
        .on_ui(Box::new(|_| {}))
        .map_err(|e| DialogError::Unsupported {
            message: e.to_string(),
        })
}

fn file_dialog(
    title: Option<String>,
    filters: Option<Vec<Filter>>,
    directory: Option<String>,
    file_name: Option<String>,
) -> rfd::AsyncFileDialog {
    let mut d = rfd::AsyncFileDialog::new();
    if let Some(t) = title {
        d = d.set_title(t);
    }
    for f in filters.unwrap_or_default() {
        d = d.add_filter(f.name, &f.extensions);
    }
    if let Some(dir) = directory {
        d = d.set_directory(dir);
    }
    if let Some(name) = file_name {
        d = d.set_file_name(name);
    }
    d
}

fn text(p: &std::path::Path) -> String {
    p.to_string_lossy().into_owned()
}

/// The actor at `plugin:dialog`.
#[derive(Debug, Clone, Default)]
pub struct Dialogs;

#[switchboard::actor]
impl Dialogs {
    /// Let the user pick files (`multiple`), or a folder (`directory`): their paths, or
    /// `null` when cancelled. The paths (a folder with everything below it) join the
    /// caller's fs scope for its session.
    #[allow(clippy::too_many_arguments)]
    async fn open(
        &mut self,
        title: Option<String>,
        filters: Option<Vec<Filter>>,
        default_path: Option<String>,
        multiple: Option<bool>,
        directory: Option<bool>,
        app: AppHandle,
        session: SessionScope,
    ) -> Result<Option<Vec<String>>, DialogError> {
        check_ui(&app)?;
        let dialog = file_dialog(title, filters, default_path, None);
        let directory = directory.unwrap_or(false);
        let picked: Option<Vec<PathBuf>> = match (directory, multiple.unwrap_or(false)) {
            (true, false) => dialog
                .pick_folder()
                .await
                .map(|h| vec![h.path().to_owned()]),
            (true, true) => dialog
                .pick_folders()
                .await
                .map(|hs| hs.iter().map(|h| h.path().to_owned()).collect()),
            (false, false) => dialog.pick_file().await.map(|h| vec![h.path().to_owned()]),
            (false, true) => dialog
                .pick_files()
                .await
                .map(|hs| hs.iter().map(|h| h.path().to_owned()).collect()),
        };
        let Some(paths) = picked else { return Ok(None) };
        let entries: Vec<String> = paths
            .iter()
            .map(|p| {
                if directory {
                    format!("{}/**", text(p))
                } else {
                    text(p)
                }
            })
            .collect();
        session.grant("plugin:fs", entries);
        Ok(Some(paths.iter().map(|p| text(p)).collect()))
    }

    /// Let the user choose where to save: the path, or `null` when cancelled. The path
    /// joins the caller's fs scope for its session.
    async fn save(
        &mut self,
        title: Option<String>,
        filters: Option<Vec<Filter>>,
        default_path: Option<String>,
        default_name: Option<String>,
        app: AppHandle,
        session: SessionScope,
    ) -> Result<Option<String>, DialogError> {
        check_ui(&app)?;
        let chosen = file_dialog(title, filters, default_path, default_name)
            .save_file()
            .await;
        let Some(path) = chosen.map(|h| text(h.path())) else {
            return Ok(None);
        };
        session.grant("plugin:fs", [path.clone()]);
        Ok(Some(path))
    }

    /// Show a message with an OK button; answers when it is closed.
    async fn message(
        &mut self,
        message: String,
        title: Option<String>,
        level: Option<MessageLevel>,
        app: AppHandle,
    ) -> Result<(), DialogError> {
        check_ui(&app)?;
        show(message, title, level, rfd::MessageButtons::Ok).await;
        Ok(())
    }

    /// Ask a yes/no question: `true` for yes.
    async fn ask(
        &mut self,
        message: String,
        title: Option<String>,
        level: Option<MessageLevel>,
        app: AppHandle,
    ) -> Result<bool, DialogError> {
        check_ui(&app)?;
        Ok(
            show(message, title, level, rfd::MessageButtons::YesNo).await
                == rfd::MessageDialogResult::Yes,
        )
    }

    /// Ask to confirm: `true` for OK.
    async fn confirm(
        &mut self,
        message: String,
        title: Option<String>,
        level: Option<MessageLevel>,
        app: AppHandle,
    ) -> Result<bool, DialogError> {
        check_ui(&app)?;
        Ok(
            show(message, title, level, rfd::MessageButtons::OkCancel).await
                == rfd::MessageDialogResult::Ok,
        )
    }
}

async fn show(
    message: String,
    title: Option<String>,
    level: Option<MessageLevel>,
    buttons: rfd::MessageButtons,
) -> rfd::MessageDialogResult {
    let level = match level.unwrap_or_default() {
        MessageLevel::Info => rfd::MessageLevel::Info,
        MessageLevel::Warning => rfd::MessageLevel::Warning,
        MessageLevel::Error => rfd::MessageLevel::Error,
    };
    let mut d = rfd::AsyncMessageDialog::new()
        .set_description(message)
        .set_level(level)
        .set_buttons(buttons);
    if let Some(t) = title {
        d = d.set_title(t);
    }
    d.show().await
}

/// The dialog plugin: `App::builder().plugin(DialogPlugin::new())`.
#[derive(Debug, Clone, Default)]
pub struct DialogPlugin;

impl DialogPlugin {
    /// The plugin.
    pub fn new() -> Self {
        DialogPlugin
    }

    /// The plugin's permissions.
    pub fn permissions() -> PluginPermissions {
        // part of the crate and parsed by its tests: it cannot fail here
        PluginPermissions::from_toml("dialog", PERMISSIONS)
            .unwrap_or_else(|e| panic!("the dialog plugin's permissions.toml is broken: {e}"))
    }
}

impl Plugin for DialogPlugin {
    fn build(self, app: AppBuilder) -> AppBuilder {
        app.plugin_actor("dialog", Dialogs)
            .permissions(Self::permissions())
    }
}
