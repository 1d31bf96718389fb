//! # hello
//!
//! The smallest complete Switchboard app: the window `main` has a name field and a button
//! that calls the Rust command `greet` and shows its reply; another button opens a second
//! window from JS, and the two windows talk through events (`hello/chat`).
//!
//! Run it with `cargo run -p switchboard-example-hello`. With `SWITCHBOARD_DEMO_AUTORUN=1`
//! the page greets on its own and the app prints `demo: round trip ok: <reply>` once the
//! reply is on screen (what `cargo xtask demo` waits for). `SWITCHBOARD_DEV_URL` loads a dev
//! server instead of the embedded `frontend/`.
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};
use switchboard::bindings::Bindings;
use switchboard::{App, AppBuilder, AppHandle, Capability, Type, WindowSpec};
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

/// The app's commands, capabilities and window: what the page and the generated bindings
/// see.
fn app() -> AppBuilder {
    App::builder()
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
        ]))
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
    runtime.run(app);
}
