//! The Switchboard bench app: the same page workloads as the floor (`page/bench.js`), but every
//! call goes through `@switchboard/client`, the bridge, the bus and a `#[switchboard::command]`.
//!
//! Output on stdout, as the floor: `READY`, `RESULT <json>` lines, `DONE`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use switchboard::{App, AppHandle, Binary, Capability, State, WindowSpec};
use switchboard_bench_e2e::{print_result, HostPings};
use switchboard_runtime_wry::{assets, Frontend, WryRuntime};
use tokio::sync::Notify;

/// Set to print the host's share of the events workloads on stderr.
const TRACE_ENV: &str = "SWITCHBOARD_BENCH_TRACE";

/// When each ping reached its command (the sequential loop's p50/p99, host clock).
static PINGS: HostPings = HostPings::new();

/// `ping`: the smallest useful round trip.
#[switchboard::command]
fn ping(n: u32) -> u32 {
    PINGS.arrived();
    n.wrapping_add(1)
}

/// One item of `echo_struct`.
#[derive(Serialize, Deserialize)]
struct Item {
    id: u64,
    name: String,
    tags: Vec<String>,
    score: f64,
}

/// `echo_struct`: 1,000 items there and back.
#[switchboard::command]
fn echo_struct(items: Vec<Item>) -> Vec<Item> {
    items
}

/// `bulk`: bytes there and back. `Binary` is a slice of the request frame (no copy) and is
/// written straight into the response frame (one copy).
#[switchboard::command]
fn bulk(data: Binary) -> Binary {
    data
}

/// A figure measured in the page: printed for the harness.
#[switchboard::command]
fn report(result: serde_json::Value) {
    if result["workload"] == "first_ping" {
        println!("READY");
    } else {
        println!("RESULT {result}");
        PINGS.report(&result.to_string());
    }
}

/// The page is done: print `DONE` and leave.
#[switchboard::command]
fn finish(app: AppHandle) {
    println!("DONE");
    app.exit(0);
}

/// The events workload's bookkeeping.
#[derive(Default)]
struct Bench {
    listeners_ready: AtomicUsize,
    windows_done: AtomicUsize,
    ready: Notify,
    done: Notify,
    open: Mutex<usize>,
    /// When the running events workload started (for the trace).
    started: Mutex<Option<Instant>>,
}

/// One pushed event.
#[derive(Serialize)]
struct Tick {
    i: u32,
    last: bool,
}

/// A listener window subscribed and is ready to count.
#[switchboard::command]
fn listener_ready(bench: State<Bench>) {
    bench.listeners_ready.fetch_add(1, Ordering::SeqCst);
    bench.ready.notify_one();
}

/// A window saw the last event of a run.
#[switchboard::command]
fn events_done(bench: State<Bench>, caller: switchboard::Caller) {
    if std::env::var_os(TRACE_ENV).is_some() {
        let started = *bench.started.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(at) = started {
            eprintln!(
                "  {} done after {:.1} ms",
                caller.window,
                at.elapsed().as_secs_f64() * 1e3
            );
        }
    }
    bench.windows_done.fetch_add(1, Ordering::SeqCst);
    bench.done.notify_one();
}

/// `events`: emit `count` events to each of `windows` windows and time until all saw the last.
#[switchboard::command]
async fn events(
    count: u32,
    windows: u32,
    app: AppHandle,
    bench: State<Bench>,
) -> Result<(), String> {
    let windows = windows.max(1) as usize;
    let listeners = windows - 1;
    let to_open = {
        let mut open = bench.open.lock().map_err(|e| e.to_string())?;
        let from = *open;
        *open = (*open).max(listeners);
        from..listeners
    };
    for i in to_open {
        let spec = WindowSpec::new(&format!("listener{i}"))
            .title("bench listener")
            .url("switchboard.html?role=listener")
            .size(320.0, 240.0);
        app.open_window(spec).map_err(|e| e.to_string())?;
    }
    let deadline = Duration::from_secs(60);
    tokio::time::timeout(deadline, async {
        while bench.listeners_ready.load(Ordering::SeqCst) < listeners {
            bench.ready.notified().await;
        }
    })
    .await
    .map_err(|_| "listener windows did not get ready".to_owned())?;

    let mut labels = vec!["main".to_owned()];
    labels.extend((0..listeners).map(|i| format!("listener{i}")));
    bench.windows_done.store(0, Ordering::SeqCst);
    let started = Instant::now();
    *bench.started.lock().map_err(|e| e.to_string())? = Some(started);
    for i in 0..count {
        let tick = Tick {
            i,
            last: i + 1 == count,
        };
        for label in &labels {
            app.emit_to(label, "bench/tick", &tick)
                .map_err(|e| e.to_string())?;
        }
    }
    let emitted = started.elapsed();
    tokio::time::timeout(deadline, async {
        while bench.windows_done.load(Ordering::SeqCst) < windows {
            bench.done.notified().await;
        }
    })
    .await
    .map_err(|_| "not every window saw the last event".to_owned())?;
    let seconds = started.elapsed().as_secs_f64();
    if std::env::var_os(TRACE_ENV).is_some() {
        // the host's share: emit_to (encode, route, queue) for every event, page time excluded
        eprintln!(
            "events_{windows}w: host emit {:.1} ms of {:.1} ms ({:.2} us/event)",
            emitted.as_secs_f64() * 1e3,
            seconds * 1e3,
            emitted.as_secs_f64() * 1e6 / (f64::from(count) * windows as f64)
        );
    }
    print_result(
        &format!("events_{windows}w"),
        f64::from(count) * windows as f64 / seconds,
        "events/s",
        "higher",
    );
    Ok(())
}

fn main() {
    let runtime = WryRuntime::new(Frontend::Embedded(assets!("page")));
    let app = runtime
        .configure(App::builder())
        .manage(Bench::default())
        .commands(switchboard::commands![
            ping,
            echo_struct,
            bulk,
            report,
            finish,
            listener_ready,
            events_done,
            events
        ])
        .capability(
            Capability::new("bench")
                .windows(["main", "listener*"])
                .allow(["cmd:*", "event:bench/tick"]),
        )
        .window(
            WindowSpec::new("main")
                .title("switchboard e2e bench")
                .url("switchboard.html"),
        )
        .build()
        .unwrap_or_else(|e| {
            eprintln!("switchboard bench: {e}");
            std::process::exit(1)
        });
    runtime.run(app);
}
