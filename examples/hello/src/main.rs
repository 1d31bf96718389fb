//! # hello
//!
//! The smallest complete Switchboard app: the window `main` has a name field and a button
//! that calls the Rust command `greet` and shows its reply; another button opens a second
//! window from JS, and the two windows talk through events (`hello/chat`).
//!
//! It is a desktop app too: a menu bar (File › Export…, Quit), a tray icon (Show, Quit), an
//! export of the greeting through a save dialog (the page may write the file the user chose,
//! and nothing else), a notification when the export is done, and a window that opens at
//! the size and place it was left.
//!
//! Run it with `cargo run -p switchboard-example-hello`. With `SWITCHBOARD_DEMO_AUTORUN=1`
//! the page greets on its own and the app prints `demo: round trip ok: <reply>` once the
//! reply is on screen (what `cargo xtask demo` waits for). `SWITCHBOARD_DEV_URL` loads a dev
//! server instead of the embedded `frontend/`.
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};
use switchboard::bindings::Bindings;
use switchboard::{App, AppBuilder, AppHandle, Capability, Grant, Type, WindowCommand, WindowSpec};
use switchboard_plugin_menu::{Item, MenuClicked};
use switchboard_plugin_tray::{Icon, Tray};
use switchboard_runtime_wry::{assets, Frontend, WryRuntime};

/// Why `greet` refused: a discriminated union on `kind` in the generated bindings.
#[derive(Debug, Serialize, Type, thiserror::Error)]
#[serde(tag = "kind")]
enum GreetError {
    /// The name was empty.
    #[error("tell me your name first")]
    EmptyName,
    /// The name was longer than `max` characters.
    #[error("a name of {len} characters is too long (at most {max})")]
    TooLong {
        /// The name's length in characters.
        len: u32,
        /// The longest name greeted.
        max: u32,
    },
}

/// Greet someone by name.
#[switchboard::command]
fn greet(name: String) -> Result<String, GreetError> {
    const MAX: u32 = 64;
    let name = name.trim();
    if name.is_empty() {
        return Err(GreetError::EmptyName);
    }
    let len = u32::try_from(name.chars().count()).unwrap_or(u32::MAX);
    if len > MAX {
        return Err(GreetError::TooLong { len, max: MAX });
    }
    Ok(format!("Hello, {name}! Greetings from Rust."))
}

/// A message one window sends the other on the `hello/chat` topic.
#[derive(Serialize, Deserialize, Type)]
struct Chat {
    /// The sending window's label.
    from: String,
    /// What it said.
    text: String,
}

/// Open the second window (once).
#[switchboard::command]
fn open_second(app: AppHandle) -> Result<(), String> {
    if app.window("second").is_some() {
        return Ok(());
    }
    let spec = WindowSpec::new("second")
        .title("Hello: second window")
        .url("second.html")
        .size(420.0, 360.0);
    app.open_window(spec).map(|_| ()).map_err(|e| e.to_string())
}

/// Whether the page should run the demo by itself (`SWITCHBOARD_DEMO_AUTORUN=1`).
#[switchboard::command]
fn autorun() -> bool {
    std::env::var("SWITCHBOARD_DEMO_AUTORUN").is_ok_and(|v| v == "1")
}

static DEMO_REPORTED: AtomicBool = AtomicBool::new(false);

/// The page shows the demo's reply: print the line `cargo xtask demo` waits for, once.
#[switchboard::command]
fn demo_shown(reply: String) {
    if autorun() && !DEMO_REPORTED.swap(true, Ordering::SeqCst) {
        println!("demo: round trip ok: {reply}");
    }
}

/// The app's identifier: names its directories (the window state is kept in its config).
const IDENTIFIER: &str = "dev.switchboard.hello";

/// The app's commands, plugins, capabilities and window: what the page and the generated
/// bindings see.
fn app() -> AppBuilder {
    let state_file = switchboard_plugin_app::AppDirs::for_identifier(IDENTIFIER)
        .map(|d| std::path::PathBuf::from(d.config).join("window-state.msgpack"))
        .unwrap_or_else(|_| std::env::temp_dir().join("hello-window-state.msgpack"));
    App::builder()
        .plugin(switchboard_plugin_app::AppPlugin::new(
            "Hello",
            env!("CARGO_PKG_VERSION"),
            IDENTIFIER,
        ))
        .plugin(switchboard_plugin_menu::MenuPlugin::new())
        .plugin(switchboard_plugin_tray::TrayPlugin::new())
        .plugin(switchboard_plugin_dialog::DialogPlugin::new())
        .plugin(switchboard_plugin_fs::FsPlugin::new(
            "dev",
            "switchboard",
            "hello",
        ))
        .plugin(switchboard_plugin_notification::NotificationPlugin::new(
            "Hello",
        ))
        .plugin(switchboard_plugin_window_state::WindowStatePlugin::new(
            state_file,
        ))
        .commands(switchboard::commands![
            greet,
            open_second,
            autorun,
            demo_shown
        ])
        .capability(Capability::new("main-window").windows(["main"]).allow([
            "cmd:greet",
            "cmd:open_second",
            "cmd:autorun",
            "cmd:demo_shown",
            "menu:allow-listen",
            "dialog:allow-save",
            "notification:allow-notify",
        ]))
        // writing files: only the one the user picks in the export dialog
        .capability(
            Capability::new("export")
                .windows(["main"])
                .grant(Grant::new("fs:allow-write")),
        )
        .capability(
            Capability::new("chat")
                .windows(["main", "second"])
                .allow(["event:hello/chat", "emit:hello/chat"]),
        )
        .window(
            WindowSpec::new("main")
                .title("Hello, Switchboard")
                .url("index.html")
                .size(640.0, 480.0),
        )
}

/// `SWITCHBOARD_BINDINGS=<path>`: write `bindings.ts` for the frontend and stop
/// (`cargo xtask bindings` does this; no window, no display needed).
fn export_bindings(path: &std::path::Path) {
    let written = app().build().map_err(|e| e.to_string()).and_then(|app| {
        Bindings::new(&app)
            .event::<Chat>("hello/chat")
            .event::<MenuClicked>("menu/export/clicked")
            .import_from("./switchboard-client.js")
            .export(path)
            .map_err(|e| e.to_string())
    });
    if let Err(e) = written {
        eprintln!("hello: {e}");
        std::process::exit(1);
    }
}

fn main() {
    if let Some(path) = switchboard::bindings::requested() {
        export_bindings(&path);
        return;
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();

    let runtime = WryRuntime::new(Frontend::Embedded(assets!("frontend")));
    let app = runtime.configure(app()).build().unwrap_or_else(|e| {
        eprintln!("hello: {e}");
        std::process::exit(1)
    });
    desktop(&app.handle(), runtime.async_runtime());
    runtime.run(app);
}

/// The window comes back as it was left; the menu bar and the tray icon are put up (on the
/// UI thread, by their plugins); Quit quits and Show shows the window.
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
                Item::new("export", "Export…").accelerator("CmdOrCtrl+E"),
                Item::separator(),
                Item::new("quit", "Quit").accelerator("CmdOrCtrl+Q"),
            ],
        );
        if let Err(e) = switchboard_plugin_menu::set_window_menu(&app, "main", vec![file]).await {
            tracing::warn!(error = %e, "no menu bar");
        }
        let tray = Tray::new("hello")
            .tooltip("Hello, Switchboard")
            .icon(Icon::solid(16, 16, [64, 112, 224, 255]))
            .menu(vec![Item::new("show", "Show"), Item::new("quit", "Quit")]);
        if let Err(e) = switchboard_plugin_tray::create(&app, tray).await {
            tracing::warn!(error = %e, "no tray icon");
        }
    });
}
