//! Fault hooks for `tests/faults_e2e.rs` and `cargo xtask soak`: a slow sink actor to flood,
//! actors that panic on every tenth request, commands that hold or give 16 MiB, a driver that
//! opens and closes windows, and a command that reports what the app holds (memory, threads,
//! sessions, windows, actors, restarts).
//!
//! Pages drive the faults with `frontend/faults.js`. With `E2E_FAULTS` set the app also opens
//! a window that drives itself (`faults.html?run=<mode>`), for runs without WebDriver:
//! - `shutdown`: the page puts calls in flight (ticks, 16 MiB answers, async and blocking
//!   sleeps), then asks the app to exit; the test reads the exit status and stderr;
//! - `soak:<seconds>[:<flood size>]` (default 1,000,000): the page floods, runs the panicking actor, and the app cycles windows
//!   meanwhile, until the time is up; then the app prints one `SOAK ...` line and exits. The
//!   page sends a heartbeat every 5 s (by fetch); after a minute without one the app ends the
//!   soak as failed (`stalled=` names what the page was doing) instead of waiting forever.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_bytes::ByteBuf;
use switchboard::actor::Supervision;
use switchboard::{AppBuilder, AppHandle, Capability, State, WindowSpec};

/// Marks the panics these actors make on purpose (the panic hook keeps them off stderr, so a
/// panic anywhere else still shows there).
const DELIBERATE: &str = "faults: deliberate panic";

/// The supervision of `flaky`: restarts after every panic (at most 100,000 within 10 s,
/// far more than a page can cause).
pub(crate) fn flaky_policy() -> Supervision {
    Supervision::default().intensity(100_000, Duration::from_secs(10))
}

/// What the faults' commands count.
#[derive(Default)]
struct Faults {
    ticks: AtomicU64,
    holds_started: AtomicU64,
    holds_done: AtomicU64,
    holds_cancelled: AtomicU64,
    held_bytes: AtomicU64,
    gives_started: AtomicU64,
    gives_done: AtomicU64,
    gives_cancelled: AtomicU64,
    ready: AtomicU64,
    cycles: AtomicU64,
    soak: Mutex<Option<Soak>>,
}

/// A soak in progress: until when, its running totals, its window cycler.
struct Soak {
    until: Instant,
    flood: u64,
    totals: BTreeMap<String, u64>,
    stop_cycling: Arc<AtomicBool>,
    cycler: Option<tokio::task::JoinHandle<Result<(), String>>>,
    peak_rss_kb: u64,
    /// The page's last heartbeat: when, and what it said.
    heartbeat: (Instant, String),
}

/// Heartbeats the soak page may miss before the app ends the soak as stalled (the page
/// beats every 5 s; its process can die under the app, e.g. killed by WebKit).
const SOAK_SILENCE: Duration = Duration::from_secs(60);

/// Counts a started operation as cancelled when dropped before it finished (the future of a
/// call whose window went away is dropped: that is how Rust code sees the window gone).
struct Watch<'a> {
    done: Option<&'a AtomicU64>,
    cancelled: &'a AtomicU64,
}

impl<'a> Watch<'a> {
    fn start(started: &AtomicU64, done: &'a AtomicU64, cancelled: &'a AtomicU64) -> Self {
        started.fetch_add(1, Ordering::SeqCst);
        Watch {
            done: Some(done),
            cancelled,
        }
    }

    fn finish(mut self) {
        if let Some(done) = self.done.take() {
            done.fetch_add(1, Ordering::SeqCst);
        }
    }
}

impl Drop for Watch<'_> {
    fn drop(&mut self) {
        if self.done.is_some() {
            self.cancelled.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// The flood's target: one call at a time, each at least a millisecond, so that a page
/// sending faster than ~1,000 calls/s fills the mailbox and its pending calls (`busy`).
#[derive(Clone, Default)]
struct Sink;

#[switchboard::actor]
impl Sink {
    async fn add(&mut self, n: u64) -> u64 {
        tokio::time::sleep(Duration::from_millis(1)).await;
        SINK_CALLS.fetch_add(1, Ordering::SeqCst);
        n
    }
}

/// Panics on every tenth request (`n % 10 == 9`), answers `n` otherwise.
#[derive(Clone, Default)]
struct Flaky;

#[switchboard::actor]
impl Flaky {
    fn work(&mut self, n: u64) -> u64 {
        if n % 10 == 9 {
            panic!("{DELIBERATE}: request {n}");
        }
        n
    }
}

/// A method that blocks its thread (on the blocking pool, as the actor docs advise).
#[derive(Clone, Default)]
struct Napper;

#[switchboard::actor]
impl Napper {
    #[switchboard(blocking)]
    fn nap(&mut self, ms: u64) -> u64 {
        NAPS_STARTED.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(ms));
        ms
    }
}

/// A ping: answers at once.
#[switchboard::command]
fn faults_ping() -> u64 {
    1
}

/// A cheap call that reached Rust.
#[switchboard::command]
fn faults_tick(faults: State<Faults>) -> u64 {
    faults.ticks.fetch_add(1, Ordering::SeqCst) + 1
}

/// Receive `data`, then hold the call `ms` milliseconds; answers the length received.
#[switchboard::command]
async fn faults_hold(data: ByteBuf, ms: u64, faults: State<Faults>) -> u64 {
    let f = &*faults;
    f.held_bytes.fetch_add(data.len() as u64, Ordering::SeqCst);
    let watch = Watch::start(&f.holds_started, &f.holds_done, &f.holds_cancelled);
    tokio::time::sleep(Duration::from_millis(ms)).await;
    watch.finish();
    data.len() as u64
}

/// Wait `ms` milliseconds, then answer `bytes` bytes (byte `i` is `i * 7 % 251`).
#[switchboard::command]
async fn faults_give(bytes: u64, ms: u64, faults: State<Faults>) -> ByteBuf {
    let f = &*faults;
    let watch = Watch::start(&f.gives_started, &f.gives_done, &f.gives_cancelled);
    tokio::time::sleep(Duration::from_millis(ms)).await;
    let data: Vec<u8> = (0..bytes).map(|i| (i * 7 % 251) as u8).collect();
    watch.finish();
    ByteBuf::from(data)
}

/// A page of a cycled window says it loaded and reached the bus.
#[switchboard::command]
fn faults_ready(faults: State<Faults>) -> u64 {
    faults.ready.fetch_add(1, Ordering::SeqCst) + 1
}

/// What the app holds now.
#[switchboard::command]
fn faults_stats(faults: State<Faults>, app: AppHandle) -> BTreeMap<String, u64> {
    stats(&faults, &app)
}

fn stats(f: &Faults, app: &AppHandle) -> BTreeMap<String, u64> {
    let status = proc_status();
    let mut s = BTreeMap::new();
    let mut put = |k: &str, v: u64| {
        s.insert(k.to_owned(), v);
    };
    put("rss_kb", status.0);
    put("hwm_kb", status.1);
    put("threads", threads());
    put("sessions", app.session_count() as u64);
    put("windows", app.windows().len() as u64);
    put("actors", app.actors().len() as u64);
    put("subscriptions", app.subscription_count() as u64);
    put("flaky_restarts", app.restarts("flaky").unwrap_or(u64::MAX));
    put(
        "brittle_restarts",
        app.restarts("brittle").unwrap_or(u64::MAX),
    );
    put(
        "brittle_stopped",
        u64::from(app.stopped("brittle").is_some()),
    );
    put("flaky_stopped", u64::from(app.stopped("flaky").is_some()));
    for (k, v) in [
        ("sink_calls", &SINK_CALLS),
        ("ticks", &f.ticks),
        ("holds_started", &f.holds_started),
        ("holds_done", &f.holds_done),
        ("holds_cancelled", &f.holds_cancelled),
        ("held_bytes", &f.held_bytes),
        ("gives_started", &f.gives_started),
        ("gives_done", &f.gives_done),
        ("gives_cancelled", &f.gives_cancelled),
        ("naps_started", &NAPS_STARTED),
        ("ready", &f.ready),
        ("cycles", &f.cycles),
        ("deliberate_panics", &DELIBERATE_PANICS),
    ] {
        put(k, v.load(Ordering::SeqCst));
    }
    s
}

/// Give the allocator's free memory back to the system (glibc keeps freed 16 MiB buffers in
/// each thread's arena), so that RSS measures what the app holds; answers RSS after, in KiB.
#[switchboard::command]
fn faults_trim() -> u64 {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: glibc's malloc_trim takes no pointer and may be called from any thread.
        unsafe {
            malloc_trim(0);
        }
    }
    proc_status().0
}

/// (VmRSS, VmHWM) of this process in KiB.
fn proc_status() -> (u64, u64) {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn threads() -> u64 {
    std::fs::read_dir("/proc/self/task")
        .map(|d| d.count() as u64)
        .unwrap_or(0)
}

/// Open and close a window `n` times (each time waiting for its page to reach the bus and
/// for the window to be gone); answers the milliseconds the cycles took.
#[switchboard::command]
async fn faults_cycle(n: u64, faults: State<Faults>, app: AppHandle) -> Result<u64, String> {
    let started = Instant::now();
    for _ in 0..n {
        cycle_once(&app, &faults).await?;
    }
    Ok(started.elapsed().as_millis() as u64)
}

/// How long one step of a cycle may take before the cycle fails.
const STEP: Duration = Duration::from_secs(30);

async fn cycle_once(app: &AppHandle, faults: &Faults) -> Result<(), String> {
    let label = "faults-cycle";
    let before = faults.ready.load(Ordering::SeqCst);
    let spec = WindowSpec::new(label)
        .title("faults cycle")
        .url(format!("faults.html?w={label}&run=ready"))
        .size(320.0, 240.0);
    let window = app.open_window(spec).map_err(|e| e.to_string())?;
    until("the cycled window's page to reach the bus", || {
        faults.ready.load(Ordering::SeqCst) > before
    })
    .await?;
    window.close().map_err(|e| e.to_string())?;
    until("the cycled window to close", || app.window(label).is_none()).await?;
    faults.cycles.fetch_add(1, Ordering::SeqCst);
    Ok(())
}

/// Poll `done` every 5 ms until it holds, or fail after [`STEP`].
async fn until(what: &str, mut done: impl FnMut() -> bool) -> Result<(), String> {
    let deadline = Instant::now() + STEP;
    while !done() {
        if Instant::now() > deadline {
            return Err(format!("timed out after {STEP:?} waiting for {what}"));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(())
}

/// Print what is in flight, then ask the runtime to stop the app.
#[switchboard::command]
fn faults_exit(faults: State<Faults>, app: AppHandle) {
    let s = stats(&faults, &app);
    let in_flight = s["holds_started"] - s["holds_done"] + s["gives_started"] - s["gives_done"];
    eprintln!(
        "FAULTS exit requested: {in_flight} async calls and {} naps in flight, {} sessions",
        s["naps_started"], s["sessions"]
    );
    app.exit(0);
}

/// The soak page asks what to run next: `{ flood, panic }` counts, or nothing when the time is
/// up. The first call starts the window cycler.
#[switchboard::command]
fn faults_soak_next(faults: State<Faults>, app: AppHandle) -> Option<BTreeMap<String, u64>> {
    let mut soak = faults.soak.lock().unwrap_or_else(|e| e.into_inner());
    let soak = soak.as_mut()?;
    soak.peak_rss_kb = soak.peak_rss_kb.max(proc_status().0);
    if soak.cycler.is_none() {
        let stop = soak.stop_cycling.clone();
        let (cycler_faults, cycler_app) = (faults.clone(), app.clone());
        soak.cycler = Some(tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                cycle_once(&cycler_app, &cycler_faults).await?;
            }
            Ok(())
        }));
        soak.heartbeat.0 = Instant::now();
        let (faults, app) = (faults.clone(), app.clone());
        tokio::spawn(async move {
            let silent = loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                let soak = faults.soak.lock().unwrap_or_else(|e| e.into_inner());
                let Some(soak) = soak.as_ref() else { return };
                if soak.heartbeat.0.elapsed() > SOAK_SILENCE {
                    break soak.heartbeat.1.clone();
                }
            };
            println!(
                "SOAK-STALL the page sent no heartbeat for {SOAK_SILENCE:?}; its last: {silent}"
            );
            finish_soak(&faults, &app, Some(silent)).await;
        });
    }
    if Instant::now() >= soak.until {
        return None;
    }
    Some(BTreeMap::from([
        ("flood".to_owned(), soak.flood),
        ("panic".to_owned(), 10_000),
    ]))
}

/// The soak page's heartbeat: what it is doing (a line for the stall report).
#[switchboard::command]
fn faults_soak_progress(state: String, faults: State<Faults>) {
    let mut soak = faults.soak.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(soak) = soak.as_mut() {
        soak.heartbeat = (Instant::now(), state);
    }
}

/// The soak page's counts of one round, added to the totals.
#[switchboard::command]
fn faults_soak_report(counts: BTreeMap<String, u64>, faults: State<Faults>) {
    let mut soak = faults.soak.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(soak) = soak.as_mut() {
        soak.peak_rss_kb = soak.peak_rss_kb.max(proc_status().0);
        for (k, v) in counts {
            *soak.totals.entry(k).or_default() += v;
        }
        let t = &soak.totals;
        let get = |k: &str| t.get(k).copied().unwrap_or(0);
        println!(
            "SOAK-ROUND rounds={} sent={} ok={} busy={} actor_failed={} other={} lost={} rss_kb={} cycles={}",
            get("rounds"),
            get("sent"),
            get("ok"),
            get("busy"),
            get("actor_failed"),
            get("other"),
            get("lost"),
            proc_status().0,
            faults.cycles.load(Ordering::SeqCst)
        );
    }
}

/// The time is up: stop cycling, print the summary, exit (1 if a request was lost or the
/// cycler failed).
#[switchboard::command]
async fn faults_soak_finish(faults: State<Faults>, app: AppHandle) {
    finish_soak(&faults, &app, None).await;
}

/// Stop cycling, print the summary, exit: 1 if a request was lost, the cycler failed, or
/// the page `stalled` (its last heartbeat given).
async fn finish_soak(faults: &Faults, app: &AppHandle, stalled: Option<String>) {
    let (cycler, totals, peak) = {
        let mut soak = faults.soak.lock().unwrap_or_else(|e| e.into_inner());
        let Some(soak) = soak.as_mut() else { return };
        soak.stop_cycling.store(true, Ordering::SeqCst);
        (
            soak.cycler.take(),
            soak.totals.clone(),
            soak.peak_rss_kb.max(proc_status().0),
        )
    };
    let cycler = match cycler {
        Some(task) => match task.await {
            Ok(result) => result,
            Err(e) => Err(e.to_string()),
        },
        None => Ok(()),
    };
    let s = stats(faults, app);
    let get = |k: &str| totals.get(k).copied().unwrap_or(0);
    let lost = get("lost");
    // answered counted from the outcomes, not from what was sent
    let answered = get("ok") + get("busy") + get("actor_failed") + get("other");
    let line = format!(
        "SOAK sent={} answered={} ok={} busy={} actor_failed={} other_errors={} lost={} \
         peak_rss_kb={} hwm_kb={} rss_kb={} restarts={} panics={} cycles={} threads={} sessions={} windows={} rounds={}{}{}",
        get("sent"),
        answered,
        get("ok"),
        get("busy"),
        get("actor_failed"),
        get("other"),
        lost,
        peak,
        s["hwm_kb"],
        s["rss_kb"],
        s["flaky_restarts"],
        s["deliberate_panics"],
        s["cycles"],
        s["threads"],
        s["sessions"],
        s["windows"],
        get("rounds"),
        match &cycler {
            Ok(()) => String::new(),
            Err(e) => format!(" cycler_error={e:?}"),
        },
        match &stalled {
            None => String::new(),
            Some(last) => format!(" stalled={last:?}"),
        }
    );
    println!("{line}");
    eprintln!("{line}");
    let failed = lost > 0
        || answered != get("sent")
        || cycler.is_err()
        || get("other") > 0
        || stalled.is_some();
    app.exit(i32::from(failed));
}

/// The faults' actors, commands and capability, and the self-driving window `E2E_FAULTS`
/// asks for.
pub(crate) fn install(builder: AppBuilder) -> AppBuilder {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let text = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if text.starts_with(DELIBERATE) {
            DELIBERATE_PANICS.fetch_add(1, Ordering::SeqCst);
        } else {
            previous(info);
        }
    }));
    let faults = Faults::default();
    let mode = std::env::var("E2E_FAULTS").unwrap_or_default();
    let mut window = None;
    if mode == "shutdown" {
        window = Some("shutdown");
    } else if let Some(rest) = mode.strip_prefix("soak:") {
        // `soak:<seconds>[:<requests a flood>]`
        let mut parts = rest.split(':').map(|p| p.parse::<u64>().ok());
        let secs = parts.next().flatten().unwrap_or(600);
        let flood = parts.next().flatten().unwrap_or(1_000_000);
        *faults.soak.lock().unwrap_or_else(|e| e.into_inner()) = Some(Soak {
            until: Instant::now() + Duration::from_secs(secs),
            flood,
            totals: BTreeMap::new(),
            stop_cycling: Arc::new(AtomicBool::new(false)),
            cycler: None,
            peak_rss_kb: 0,
            heartbeat: (Instant::now(), "none yet".to_owned()),
        });
        window = Some("soak");
    }
    let builder = builder
        .manage(faults)
        .actor("faults-sink", Sink)
        .actor_supervised("flaky", Flaky, flaky_policy())
        // the default policy: 3 restarts within 5 s, then stopped
        .actor("brittle", Flaky)
        .actor("napper", Napper)
        .commands(switchboard::commands![
            faults_ping,
            faults_tick,
            faults_hold,
            faults_give,
            faults_ready,
            faults_stats,
            faults_trim,
            faults_cycle,
            faults_exit,
            faults_soak_next,
            faults_soak_report,
            faults_soak_progress,
            faults_soak_finish
        ])
        .capability(
            Capability::new("faults")
                .windows(["main", "second", "faults-*"])
                .allow([
                    "cmd:faults_*",
                    "cmd:open_window",
                    "faults-sink.*",
                    "flaky.*",
                    "brittle.*",
                    "napper.*",
                    "sleeper.*",
                ]),
        );
    match window {
        Some(run) => builder.window(
            WindowSpec::new(&format!("faults-{run}"))
                .title(format!("faults {run}"))
                .url(format!("faults.html?w=faults-{run}&run={run}"))
                .size(480.0, 320.0),
        ),
        None => builder,
    }
}

/// Deliberate panics seen by the hook.
static DELIBERATE_PANICS: AtomicU64 = AtomicU64::new(0);
/// Calls `faults-sink` answered.
static SINK_CALLS: AtomicU64 = AtomicU64::new(0);
/// Blocking naps started.
static NAPS_STARTED: AtomicU64 = AtomicU64::new(0);
