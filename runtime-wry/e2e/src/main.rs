//! The app the end-to-end tests drive through WebKitWebDriver: a few commands, two
//! windows, capabilities that deny one command, and hooks for the tests (a counter of
//! calls that reached Rust, a command that opens any window).
//!
//! Environment: `E2E_PID_FILE` (write the pid there, so the test can always stop it),
//! `E2E_FRIEND_ORIGIN` (the remote origin the `friend` window's capability names).

mod adversarial;
mod faults;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use serde_bytes::ByteBuf;
use switchboard::{App, AppHandle, Capability, State, WindowSpec};
use switchboard_runtime_wry::{assets, CloseDecision, Frontend, WryRuntime, DEFAULT_CSP};

/// Calls that reached a command (the denied and untrusted ones must not count).
#[derive(Default)]
struct Hits(AtomicU64);

#[switchboard::command]
fn greet(name: String, counter: State<Hits>) -> String {
    counter.0.fetch_add(1, Ordering::SeqCst);
    format!("Hello, {name}! (from Rust)")
}

#[switchboard::command]
fn secret(counter: State<Hits>) -> String {
    counter.0.fetch_add(1, Ordering::SeqCst);
    "the secret".to_owned()
}

#[switchboard::command]
fn echo(data: ByteBuf) -> ByteBuf {
    data
}

#[switchboard::command]
async fn slow(ms: u64, counter: State<Hits>) -> String {
    counter.0.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(ms)).await;
    "slow done".to_owned()
}

#[switchboard::command]
fn hits(counter: State<Hits>) -> u64 {
    counter.0.load(Ordering::SeqCst)
}

#[switchboard::command]
fn broadcast(text: String, app: AppHandle) -> Result<(), String> {
    app.emit("news", &text).map_err(|e| e.to_string())
}

/// Publish `n` events on `topic` as fast as possible (for the push benchmark).
#[switchboard::command]
fn burst(n: u32, topic: String, app: AppHandle) -> Result<(), String> {
    for i in 0..n {
        app.emit(&topic, &i).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// An actor with a synchronous method that blocks: it must never hold the UI thread.
#[derive(Clone, Default)]
struct Sleeper;

#[switchboard::actor]
impl Sleeper {
    /// Block the calling thread for `ms` milliseconds.
    fn nap(&mut self, ms: u64) -> u64 {
        std::thread::sleep(Duration::from_millis(ms));
        ms
    }
}

/// While set, closing the main window from the window manager is vetoed.
static KEEP_MAIN_OPEN: AtomicBool = AtomicBool::new(false);

#[switchboard::command]
fn prevent_close(on: bool) {
    KEEP_MAIN_OPEN.store(on, Ordering::SeqCst);
}

#[switchboard::command]
fn open_window(label: String, url: String, app: AppHandle) -> Result<(), String> {
    let spec = WindowSpec::try_new(&label).map_err(|e| e.to_string())?;
    app.open_window(spec.url(url).size(640.0, 480.0))
        .map(|_| ())
        .map_err(|e| e.to_string())
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    if let Ok(path) = std::env::var("E2E_PID_FILE") {
        let _ = std::fs::write(path, std::process::id().to_string());
    }
    let runtime = WryRuntime::new(Frontend::Embedded(assets!("frontend")))
        // the tests frame pages from a local server to check they are refused
        .csp(format!("{DEFAULT_CSP}; frame-src http://127.0.0.1:*"))
        .on_close_requested(|label| {
            if label == "main" && KEEP_MAIN_OPEN.load(Ordering::SeqCst) {
                CloseDecision::Keep
            } else {
                CloseDecision::Close
            }
        });
    let permissions = [
        "cmd:greet",
        "cmd:echo",
        "cmd:slow",
        "cmd:hits",
        "cmd:broadcast",
        "cmd:burst",
        "cmd:prevent_close",
        "event:bench",
        "cmd:open_window",
        "event:news",
        "window:second.*",
        "window:main.*",
        "event:window/main/*",
        "sleeper.*",
    ];
    let app = faults::install(runtime.configure(App::builder()))
        .manage(Hits::default())
        .actor("sleeper", Sleeper)
        .plugin(adversarial::Adversarial)
        .commands(switchboard::commands![
            greet,
            secret,
            echo,
            slow,
            hits,
            broadcast,
            burst,
            prevent_close,
            open_window
        ])
        .capability(
            Capability::new("e2e")
                .windows(["main", "second", "bench-poll", "bench-eval"])
                .allow(permissions),
        )
        // a remote page gets rights only from a capability naming its origin
        .capability(
            Capability::new("remote-friend")
                .windows(["friend"])
                .origins([std::env::var("E2E_FRIEND_ORIGIN")
                    .unwrap_or_else(|_| "http://127.0.0.1:1".to_owned())])
                .allow(["cmd:hits"]),
        )
        .window(
            WindowSpec::new("main")
                .title("e2e main")
                .url("index.html")
                .size(640.0, 480.0),
        )
        .window(
            WindowSpec::new("second")
                .title("e2e second")
                .url("index.html?w=second")
                .size(640.0, 480.0),
        )
        .build()
        .unwrap_or_else(|e| panic!("building the e2e app: {e}"));
    runtime.run(app);
}
