//! # notes
//!
//! What a user builds first: a notes app. Notes live in SQLite with full-text search (the
//! `sql` plugin, FTS5), settings in a store (`store`), an export lands in your documents
//! folder (`fs`), and the page's logs — including its `console.*` — land in the app's log file
//! with the window's label (`log`). Links open in the browser (`shell`, `https` only). Like
//! any desktop app it has a menu bar (File › Export, Export As…, Quit; `menu`), a tray icon
//! (`tray`), a save dialog for "Export As…" (`dialog`: the chosen file joins the page's fs
//! scope for that session only), a notification when an export is done (`notification`),
//! and it remembers its window's size and place (`window-state`). The frontend is
//! TypeScript on the bindings generated from this file and the plugins.
//!
//! Run it with `cargo run -p switchboard-example-notes`.
//!
//! Where things go (each can be moved with an environment variable, as the tests do):
//! - `NOTES_DATA_DIR` (default: the platform's app data folder): `databases/notes.sqlite3`,
//!   `stores/settings.msgpack`, `logs/notes.log`, `window-state.msgpack`;
//! - `NOTES_DOCUMENTS_DIR` (default: your documents folder): `Switchboard Notes/` receives
//!   the exports;
//! - `NOTES_OPENER`: a program that opens links instead of the system's (tests use a stand-in);
//! - `NOTES_E2E=1`: also grants the main window `cat` through the shell plugin, for the
//!   end-to-end test of `spawn` (nothing in the app uses it).
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

use serde::Serialize;
use switchboard::bindings::Bindings;
use switchboard::{App, AppBuilder, AppHandle, Capability, Grant, Type, WindowCommand, WindowSpec};
use switchboard_plugin_fs::FsPlugin;
use switchboard_plugin_log::{FileLog, LogPlugin};
use switchboard_plugin_menu::{Item, MenuClicked};
use switchboard_plugin_shell::ShellPlugin;
use switchboard_plugin_sql::{Migration, SqlPlugin};
use switchboard_plugin_store::StorePlugin;
use switchboard_plugin_tray::{Icon, Tray};
use switchboard_runtime_wry::{assets, Frontend, WryRuntime};
use tracing_subscriber::prelude::*;

/// The folder under the documents folder that exports go to.
const EXPORT_FOLDER: &str = "Switchboard Notes";

/// The schema, as versioned migrations (each runs once, in a transaction).
fn migrations() -> Vec<Migration> {
    vec![
        Migration::new(
            1,
            "notes",
            "CREATE TABLE notes (
                id INTEGER PRIMARY KEY,
                title TEXT NOT NULL DEFAULT '',
                body TEXT NOT NULL DEFAULT '',
                created_ms INTEGER NOT NULL,
                updated_ms INTEGER NOT NULL
            );
            CREATE INDEX notes_updated ON notes (updated_ms DESC);",
        ),
        Migration::new(
            2,
            "full-text search",
            "CREATE VIRTUAL TABLE notes_fts USING fts5(
                title, body, content = 'notes', content_rowid = 'id',
                tokenize = 'unicode61 remove_diacritics 2'
            );
            INSERT INTO notes_fts (rowid, title, body) SELECT id, title, body FROM notes;
            CREATE TRIGGER notes_fts_insert AFTER INSERT ON notes BEGIN
                INSERT INTO notes_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
            END;
            CREATE TRIGGER notes_fts_delete AFTER DELETE ON notes BEGIN
                INSERT INTO notes_fts (notes_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
            END;
            CREATE TRIGGER notes_fts_update AFTER UPDATE ON notes BEGIN
                INSERT INTO notes_fts (notes_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
                INSERT INTO notes_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
            END;",
        ),
    ]
}

/// Where the app keeps its files and where exports go.
#[derive(Debug, Clone)]
struct Folders {
    data: PathBuf,
    documents: PathBuf,
}

impl Folders {
    fn from_env(fs: &FsPlugin) -> Self {
        let var = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let known = |name: &str| fs.variables().get(name).map(Path::to_owned);
        Folders {
            data: var("NOTES_DATA_DIR")
                .or_else(|| known("APPDATA"))
                .unwrap_or_else(|| std::env::temp_dir().join("switchboard-notes")),
            documents: var("NOTES_DOCUMENTS_DIR")
                .or_else(|| known("DOCUMENT"))
                .or_else(|| known("HOME"))
                .unwrap_or_else(std::env::temp_dir),
        }
    }
}

/// Where exports go, for the page to show and to write to.
#[derive(Debug, Serialize, Type)]
struct ExportFolder {
    /// The folder as the fs plugin's scope names it (`$DOCUMENT/Switchboard Notes`): what
    /// the page passes to `plugins.fs`.
    scoped: String,
    /// The same folder on this machine, to show the user.
    shown: String,
}

/// Where exports go.
#[switchboard::command]
fn export_folder(folders: switchboard::State<Folders>) -> ExportFolder {
    ExportFolder {
        scoped: format!("$DOCUMENT/{EXPORT_FOLDER}"),
        shown: folders.documents.join(EXPORT_FOLDER).display().to_string(),
    }
}

/// The app: plugins, the one command, and what the main window may do.
fn app(folders: &Folders, fs: FsPlugin) -> AppBuilder {
    let opener = std::env::var("NOTES_OPENER").ok().filter(|v| !v.is_empty());
    let shell = match opener {
        Some(program) => ShellPlugin::new().opener(program, Vec::<String>::new()),
        None => ShellPlugin::new(),
    };
    let export = format!("$DOCUMENT/{EXPORT_FOLDER}");
    let mut builder = App::builder()
        .manage(folders.clone())
        .commands(switchboard::commands![export_folder])
        .plugin(
            fs.variable("APPDATA", &folders.data)
                .variable("DOCUMENT", &folders.documents),
        )
        .plugin(StorePlugin::new(folders.data.join("stores")))
        .plugin(SqlPlugin::new(folders.data.join("databases")).migrations("notes", migrations()))
        .plugin(LogPlugin::new())
        .plugin(shell)
        .plugin(switchboard_plugin_menu::MenuPlugin::new())
        .plugin(switchboard_plugin_tray::TrayPlugin::new())
        .plugin(switchboard_plugin_dialog::DialogPlugin::new())
        .plugin(switchboard_plugin_notification::NotificationPlugin::new(
            "Notes",
        ))
        .plugin(switchboard_plugin_window_state::WindowStatePlugin::new(
            folders.data.join("window-state.msgpack"),
        ))
        .event::<MenuClicked>("menu/export/clicked")
        .event::<MenuClicked>("menu/export_as/clicked")
        .capability(
            Capability::new("notes-window")
                .description(
                    "The notes window: its database, its settings, its export folder, its logs.",
                )
                .windows(["main"])
                .allow([
                    "cmd:export_folder",
                    "store:allow-listen",
                    "log:default",
                    "log:allow-recent",
                    "shell:default",
                    "menu:allow-listen",
                    "dialog:allow-save",
                    "notification:allow-notify",
                ])
                .grant(Grant::new("sql:allow-read").allow_scope("notes"))
                .grant(Grant::new("sql:allow-write").allow_scope("notes"))
                .grant(Grant::new("store:allow-read").allow_scope("settings"))
                .grant(Grant::new("store:allow-write").allow_scope("settings"))
                .grant(Grant::new("fs:allow-read").allow_scope(format!("{export}/**")))
                .grant(Grant::new("fs:allow-write").allow_scope(format!("{export}/**"))),
        )
        // "Export As…": writing anywhere else only to the file the user picks in the save
        // dialog (granted to this session by the dialog plugin)
        .capability(
            Capability::new("export-as")
                .windows(["main"])
                .grant(Grant::new("fs:allow-write")),
        );
    if std::env::var("NOTES_E2E").is_ok_and(|v| v == "1") {
        builder = builder.capability(
            Capability::new("e2e-shell").windows(["main"]).grant(
                Grant::new("shell:allow-spawn")
                    .allow_scope(serde_json::json!({ "name": "cat", "cmd": "cat" })),
            ),
        );
    }
    builder
}

/// `SWITCHBOARD_BINDINGS=<path>`: write `bindings.ts` for the frontend and stop.
fn export_bindings(path: &Path) {
    let fs = FsPlugin::new("dev", "switchboard", "notes");
    let folders = Folders {
        data: std::env::temp_dir().join("switchboard-notes-bindings"),
        documents: std::env::temp_dir(),
    };
    let written = app(&folders, fs)
        .build()
        .map_err(|e| e.to_string())
        .and_then(|app| {
            Bindings::new(&app)
                .import_from("./switchboard-client.js")
                .export(path)
                .map_err(|e| e.to_string())
        });
    if let Err(e) = written {
        eprintln!("notes: {e}");
        std::process::exit(1);
    }
}

fn main() {
    if let Some(path) = switchboard::bindings::requested() {
        export_bindings(&path);
        return;
    }
    let fs = FsPlugin::new("dev", "switchboard", "notes");
    let folders = Folders::from_env(&fs);

    // the log file (pages' lines included) and the terminal; RUST_LOG is the terminal's knob
    let file = FileLog::new(folders.data.join("logs"), "notes")
        .max_bytes(1024 * 1024)
        .keep(3)
        .level("webview", tracing::Level::DEBUG)
        .default_level(tracing::Level::INFO)
        .layer();
    let (file, log_guard) = match file {
        Ok((layer, guard)) => (Some(layer), Some(guard)),
        Err(e) => {
            eprintln!("notes: no log file ({e})");
            (None, None)
        }
    };
    let terminal = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        );
    tracing_subscriber::registry()
        .with(file)
        .with(terminal)
        .init();
    tracing::info!(data = %folders.data.display(), documents = %folders.documents.display(), "notes starting");

    let runtime = WryRuntime::new(Frontend::Embedded(assets!("frontend")));
    let app = runtime
        .configure(app(&folders, fs))
        .window(
            WindowSpec::new("main")
                .title("Notes")
                .url("index.html")
                .size(980.0, 640.0)
                .min_size(640.0, 420.0),
        )
        .build()
        .unwrap_or_else(|e| {
            eprintln!("notes: {e}");
            std::process::exit(1)
        });
    // `run` never returns: when the window is gone (the app exits after it), write the log
    // lines still queued
    let guard = std::sync::Mutex::new(log_guard);
    let flushed = app.listen("window/main/destroyed", move |_| {
        drop(guard.lock().unwrap_or_else(|p| p.into_inner()).take());
    });
    if let Err(e) = flushed {
        tracing::warn!(error = %e, "the log file may miss its last lines");
    }
    desktop(&app.handle(), runtime.async_runtime());
    runtime.run(app);
}

/// The desktop around the window: its size and place remembered, a menu bar, a tray icon.
/// Where the session has no panel or menu support, the app runs on without them.
fn desktop(app: &AppHandle, rt: &tokio::runtime::Handle) {
    switchboard_plugin_window_state::track(app);
    let quit = app.clone();
    let show = app.clone();
    let listened = app
        .listen("menu/quit/clicked", move |_| quit.exit(0))
        .and_then(|_| {
            app.listen("menu/show/clicked", move |_| {
                if let Some(main) = show.window("main") {
                    let _ = main.send(WindowCommand::Show);
                    let _ = main.send(WindowCommand::Focus);
                }
            })
        });
    if let Err(e) = listened {
        tracing::warn!(error = %e, "the menu's Quit and Show are not wired");
    }
    let app = app.clone();
    rt.spawn(async move {
        let file = Item::submenu(
            "File",
            [
                Item::new("export", "Export").accelerator("CmdOrCtrl+E"),
                Item::new("export_as", "Export As…").accelerator("CmdOrCtrl+Shift+E"),
                Item::separator(),
                Item::new("quit", "Quit").accelerator("CmdOrCtrl+Q"),
            ],
        );
        if let Err(e) = switchboard_plugin_menu::set_window_menu(&app, "main", vec![file]).await {
            tracing::warn!(error = %e, "no menu bar");
        }
        let tray = Tray::new("notes")
            .tooltip("Notes")
            .icon(Icon::solid(16, 16, [64, 112, 224, 255]))
            .menu(vec![
                Item::new("show", "Show Notes"),
                Item::new("quit", "Quit"),
            ]);
        if let Err(e) = switchboard_plugin_tray::create(&app, tray).await {
            tracing::warn!(error = %e, "no tray icon");
        }
    });
}

#[cfg(test)]
mod tests {
    /// The page loads the console capture from a file: it must be the plugin's script.
    #[test]
    fn the_console_capture_file_is_the_plugins_script() {
        let file = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("frontend/console-capture.js"),
        )
        .unwrap_or_default();
        assert!(
            file == switchboard_plugin_log::CONSOLE_SCRIPT,
            "examples/notes/frontend/console-capture.js differs from switchboard_plugin_log::CONSOLE_SCRIPT: copy plugins/log/js/console-capture.js"
        );
    }
}
