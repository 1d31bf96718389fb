//! Hooks for `tests/adversarial_e2e.rs`: commands at `cmd:adv_*`, granted (with the topics
//! `adv/*`) to `main`, `second` and every `adv-*` window, and to nothing else. Each call
//! that reaches one is logged with the caller the runtime stamped, so a test can read who
//! really acted; a gate holds calls until the test opens it, so two windows can hold
//! requests with the same id at once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use serde_bytes::ByteBuf;
use switchboard::{AppBuilder, AppHandle, Caller, Capability, Plugin, State};
use tokio::sync::watch;

/// The commands and the capability (`.plugin(adversarial::Adversarial)`).
pub struct Adversarial;

impl Plugin for Adversarial {
    fn build(self, app: AppBuilder) -> AppBuilder {
        app.manage(Seen::default())
            .manage(Gate::default())
            .commands(switchboard::commands![
                adv_whoami,
                adv_mark,
                adv_seen,
                adv_gate,
                adv_gate_waiting,
                adv_gate_open,
                adv_len,
                adv_subscribers,
                adv_emit,
                adv_close
            ])
            .capability(
                Capability::new("adversarial")
                    .windows(["main", "second", "adv-*"])
                    .allow(["cmd:adv_*", "event:adv/*"]),
            )
    }
}

/// Every call that reached `adv_whoami`: (tag, window, origin, top frame).
#[derive(Default)]
struct Seen(Mutex<Vec<(String, String, String, bool)>>);

/// Log the caller the runtime stamped on this call, and return it.
#[switchboard::command]
fn adv_whoami(tag: String, caller: Caller, seen: State<Seen>) -> (String, String, bool) {
    log(tag, &caller, &seen)
}

/// `adv_whoami` run on the UI thread, in the bridge's own poll (`inline`): a call it logs
/// was handled before anything the UI thread does next, such as closing its window.
#[switchboard::command(inline)]
fn adv_mark(tag: String, caller: Caller, seen: State<Seen>) -> (String, String, bool) {
    log(tag, &caller, &seen)
}

fn log(tag: String, caller: &Caller, seen: &Seen) -> (String, String, bool) {
    let who = (
        caller.window.as_str().to_owned(),
        caller.origin.clone(),
        caller.top_frame,
    );
    seen.0.lock().unwrap_or_else(|e| e.into_inner()).push((
        tag,
        who.0.clone(),
        who.1.clone(),
        who.2,
    ));
    who
}

/// The log of `adv_whoami` and `adv_mark`.
#[switchboard::command]
fn adv_seen(seen: State<Seen>) -> Vec<(String, String, String, bool)> {
    seen.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Calls held by `adv_gate`, and the gate.
struct Gate {
    waiting: AtomicUsize,
    open: watch::Sender<bool>,
}

impl Default for Gate {
    fn default() -> Self {
        Self {
            waiting: AtomicUsize::new(0),
            open: watch::Sender::new(false),
        }
    }
}

/// Wait until the gate is open, then answer `<caller's window>:<tag>`.
#[switchboard::command]
async fn adv_gate(tag: String, caller: Caller, gate: State<Gate>) -> String {
    let mut open = gate.open.subscribe();
    gate.waiting.fetch_add(1, Ordering::SeqCst);
    let _ = open.wait_for(|o| *o).await;
    gate.waiting.fetch_sub(1, Ordering::SeqCst);
    format!("{}:{tag}", caller.window.as_str())
}

/// How many calls the gate holds.
#[switchboard::command]
fn adv_gate_waiting(gate: State<Gate>) -> usize {
    gate.waiting.load(Ordering::SeqCst)
}

/// Open (`true`) or close the gate.
#[switchboard::command]
fn adv_gate_open(open: bool, gate: State<Gate>) {
    gate.open.send_replace(open);
}

/// The length of `data` (for the frame size limit).
#[switchboard::command]
fn adv_len(data: ByteBuf) -> usize {
    data.len()
}

/// How many subscribers `topic` has (pages and listeners).
#[switchboard::command]
fn adv_subscribers(topic: String, app: AppHandle) -> usize {
    app.subscribers(&topic)
}

/// Publish `text` on `topic` (under `adv/`).
#[switchboard::command]
fn adv_emit(topic: String, text: String, app: AppHandle) -> Result<(), String> {
    app.emit(&topic, &text).map_err(|e| e.to_string())
}

/// Close window `label`.
#[switchboard::command]
fn adv_close(label: String, app: AppHandle) -> Result<(), String> {
    let window = app
        .window(&label)
        .ok_or_else(|| format!("no window `{label}`"))?;
    window.close().map_err(|e| e.to_string())
}
