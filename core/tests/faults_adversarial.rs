//! Faults under load (issue #14), beyond `faults.rs` (one panic, full mailboxes, deadlines,
//! cancel, one call on a closed window), `actors.rs` (the restart limit with 20 calls) and
//! `streams.rs` (credit with small items).
//!
//! | case | expected outcome |
//! |---|---|
//! | `an_actor_panicking_on_every_tenth_request_under_64_in_flight_keeps_answering` | 256 calls, 64 in flight at a time, every tenth panicking, restart policy generous: every call answered, the panicking ones `actor_failed` (without the panic's text), the others their own result; each panic answered within 2 s of it, and the next call served within 2 s of it (measured: printed, well under 100 ms); restarts = panics |
//! | `past_its_restart_limit_an_actor_stops_and_every_call_gets_a_typed_error` | the same with at most 3 restarts, and with `Supervision::never()`: the calls before the last allowed panic are served, the one that exceeds the limit and every call queued behind it are `actor_failed` naming the stop, later calls too, at once; none hangs |
//! | `a_slow_stream_consumer_holds_the_producer_back_and_memory_bounded` | 64 KiB items from a producer task, consumed one credit at a time: the producer is never more than credit + channel + 1 items ahead; when the consumer stops, the producer blocks (observed as a signal); the bytes live stay under 64 items' worth (not the 64 MiB streamed) |
//! | `closing_every_window_answers_every_request_in_flight` | per window, 64 requests in flight (an actor call running, 31 queued behind it, 29 async commands waiting, 2 blocking commands, one stream without credit): closing the windows (`AppHandle::window_closed`, what the runtime does as they go) answers each `window_closed` and ends the stream with it; no handler's late answer reaches anyone; the app serves a new window after |
//! | `stopping_the_bus_runtime_answers_every_request_in_flight` | an actor on the bus's tokio runtime with one call running and 63 queued, callers on another runtime: shutting the bus's runtime down answers all 64 `actor_failed`, and a later call too, at once; none hangs |
//!
//! The tests of this file run one at a time (a lock): the stream test counts the bytes
//! live in the whole process.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::pin::pin;
use std::sync::atomic::{AtomicIsize, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use switchboard::actor::Supervision;
use switchboard::protocol::{ErrorCode, Name};
use switchboard::{args, commands, App, Capability, ClientError, State, Stream};
use tokio::sync::{watch, Semaphore};

// ---------------------------------------------------------------------------------------
// A process-wide counting allocator: bytes live, and their high-water mark.

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

fn grow(by: usize) {
    let live = LIVE.fetch_add(by as isize, Ordering::Relaxed) + by as isize;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

// SAFETY: defers every call to the system allocator; only adds two atomic counters.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grow(layout.size());
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        grow(new_size);
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// One test at a time in this file (the allocator counts the whole process). Also
/// silences the panics the tests cause on purpose: the default hook would print (and with
/// `RUST_BACKTRACE` set, symbolize) a backtrace for each, which is not the bus's time.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let text = info
                .payload()
                .downcast_ref::<String>()
                .map(String::as_str)
                .unwrap_or_default();
            if !text.contains("on purpose") {
                default(info);
            }
        }));
    });
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A guard against a hang, not a synchronization: a broken mechanism fails the test
/// instead of stalling it.
async fn within<F: std::future::Future>(what: &str, wait: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(60), wait)
        .await
        .unwrap_or_else(|_| panic!("{what}: no answer within 60 s"))
}

// ---------------------------------------------------------------------------------------
// Panics under load.

/// When each panicking call panicked.
#[derive(Default)]
struct Panics(Mutex<HashMap<u32, Instant>>);

#[derive(Clone)]
struct Brittle {
    panics: Arc<Panics>,
}

#[switchboard::actor]
impl Brittle {
    /// Answers `i`, or panics when `i` is a multiple of ten.
    fn work(&mut self, i: u32) -> u32 {
        if i % 10 == 0 {
            self.panics.0.lock().unwrap().insert(i, Instant::now());
            panic!("request {i} panics on purpose");
        }
        i
    }
}

fn brittle_app(supervision: Supervision) -> (App, Arc<Panics>) {
    let panics = Arc::new(Panics::default());
    let app = App::builder()
        .actor_supervised(
            "brittle",
            Brittle {
                panics: panics.clone(),
            },
            supervision,
        )
        .capability(Capability::new("all").windows(["main"]).allow(["*"]))
        .build()
        .unwrap();
    (app, panics)
}

/// Sends calls `from..to` at once (posted in order: `join_all` polls them in order) and
/// returns each answer with when it arrived.
async fn round(
    client: &switchboard::Client,
    from: u32,
    to: u32,
) -> Vec<(u32, Result<u32, ClientError>, Instant)> {
    futures::future::join_all((from..to).map(|i| async move {
        let r = client
            .invoke::<u32>("brittle", "work", &args! { i: i })
            .await;
        (i, r, Instant::now())
    }))
    .await
}

#[test]
fn an_actor_panicking_on_every_tenth_request_under_64_in_flight_keeps_answering() {
    let _serial = serial();
    runtime().block_on(async {
        let (app, panics) =
            brittle_app(Supervision::default().intensity(1_000, Duration::from_secs(60)));
        let client = app.test_client("main");
        let mut answers = Vec::new();
        for r in 0..4 {
            answers.extend(within("a round", round(&client, r * 64, (r + 1) * 64)).await);
        }
        let panics = panics.0.lock().unwrap().clone();
        assert_eq!(panics.len(), 26, "0, 10, ..., 250 panicked");
        let (mut to_answer, mut to_next) = (Vec::new(), Vec::new());
        for (i, r, at) in &answers {
            match r {
                Ok(n) => {
                    assert_ne!(i % 10, 0, "{i} answered ok");
                    assert_eq!(n, i);
                }
                Err(e) => {
                    assert_eq!(i % 10, 0, "{i}: {e}");
                    assert_eq!(e.code(), ErrorCode::ActorFailed, "{i}");
                    assert!(!e.message().contains("on purpose"), "{}", e.message());
                    let panicked = panics[i];
                    to_answer.push(at.saturating_duration_since(panicked));
                    // the call after it, handled by the restarted actor
                    if let Some((_, Ok(_), next)) = answers.iter().find(|(j, _, _)| *j == i + 1) {
                        to_next.push(next.saturating_duration_since(panicked));
                    }
                }
            }
        }
        assert_eq!(app.restarts("brittle"), Some(26));
        let max_answer = to_answer.iter().max().copied().unwrap();
        let max_next = to_next.iter().max().copied().unwrap();
        eprintln!(
            "26 panics under 64 in flight: answered at most {max_answer:?} after the panic, \
             the next call served at most {max_next:?} after it"
        );
        assert!(max_answer <= Duration::from_secs(2), "{max_answer:?}");
        assert!(max_next <= Duration::from_secs(2), "{max_next:?}");
    });
}

#[test]
fn past_its_restart_limit_an_actor_stops_and_every_call_gets_a_typed_error() {
    let _serial = serial();
    runtime().block_on(async {
        // (policy, restarts allowed)
        for (supervision, allowed) in [
            (
                Supervision::default().intensity(3, Duration::from_secs(60)),
                3u32,
            ),
            (Supervision::never(), 0),
        ] {
            let (app, _) = brittle_app(supervision);
            let client = app.test_client("main");
            let answers = within("64 calls", round(&client, 0, 64)).await;
            // the panic that exceeds the limit is the (allowed + 1)-th: request 10 × allowed
            let last = 10 * allowed;
            for (i, r, _) in &answers {
                match r {
                    Ok(n) if *i < last => assert_eq!(n, i),
                    Err(e) if i % 10 == 0 && *i < last => {
                        assert_eq!(e.code(), ErrorCode::ActorFailed, "{i}")
                    }
                    Err(e) if *i >= last => {
                        assert_eq!(e.code(), ErrorCode::ActorFailed, "{i}: {e}");
                        if *i > last {
                            assert!(e.message().contains("is stopped"), "{i}: {}", e.message());
                        }
                    }
                    other => panic!("allowed {allowed}: request {i}: {other:?}"),
                }
            }
            assert_eq!(app.restarts("brittle"), Some(u64::from(allowed)));
            assert!(app.stopped("brittle").is_some(), "allowed {allowed}");
            // later calls are answered at once, never queued on a dead actor
            let start = Instant::now();
            for i in [1, 2, 3] {
                let e = within("a call to a stopped actor", async {
                    client
                        .invoke::<u32>("brittle", "work", &args! { i: i })
                        .await
                })
                .await
                .unwrap_err();
                assert_eq!(e.code(), ErrorCode::ActorFailed);
                assert!(e.message().contains("is stopped"), "{}", e.message());
            }
            let took = start.elapsed();
            eprintln!("allowed {allowed}: 3 calls to the stopped actor answered in {took:?}");
            assert!(took <= Duration::from_secs(2), "{took:?}");
        }
    });
}

// ---------------------------------------------------------------------------------------
// A slow stream consumer.

const ITEM: usize = 64 << 10;

/// What the producer did, as signals.
struct Producer {
    /// Items sent so far.
    sent: watch::Sender<u64>,
    /// Set while the producer waits on a full channel.
    blocked: watch::Sender<bool>,
}

impl Default for Producer {
    fn default() -> Self {
        Producer {
            sent: watch::Sender::new(0),
            blocked: watch::Sender::new(false),
        }
    }
}

/// 1,000 items of 64 KiB (64 MiB in all) from a producer task through a channel of 2.
#[switchboard::command]
fn big_items(producer: State<Producer>) -> Stream<serde_bytes::ByteBuf> {
    let producer = producer.inner().clone();
    let (tx, stream) = Stream::channel(2);
    tokio::spawn(async move {
        for i in 0..1_000u32 {
            let item = serde_bytes::ByteBuf::from(vec![i as u8; ITEM]);
            let mut send = pin!(tx.send(item));
            if futures::poll!(send.as_mut()).is_pending() {
                producer.blocked.send_replace(true);
                let done = send.await;
                producer.blocked.send_replace(false);
                if done.is_err() {
                    return;
                }
            }
            producer.sent.send_modify(|n| *n += 1);
        }
    });
    stream
}

#[test]
fn a_slow_stream_consumer_holds_the_producer_back_and_memory_bounded() {
    let _serial = serial();
    runtime().block_on(async {
        let app = App::builder()
            .manage(Producer::default())
            .commands(commands![big_items])
            .capability(Capability::new("all").windows(["main"]).allow(["*"]))
            .build()
            .unwrap();
        let producer = app.state::<Producer>().unwrap();
        let client = app.test_client("main");
        client.welcome().await.unwrap();
        let base = LIVE.load(Ordering::Relaxed);
        PEAK.store(base, Ordering::Relaxed);
        const CREDIT: u64 = 4;
        let mut stream = client
            .stream::<serde_bytes::ByteBuf>("cmd:big_items", "", &args! {}, CREDIT as u32)
            .await
            .unwrap();
        // ahead = sent − consumed ≤ credit outstanding + the channel (2) + the one item the
        // producer holds while it waits
        let bound = CREDIT + 2 + 1;
        let mut worst_ahead = 0;
        let mut consumed = 0u64;
        // consume 600 items slowly: one credit per item, after yielding to the producer
        while consumed < 600 {
            let item = within("an item", stream.next()).await.unwrap().unwrap();
            assert_eq!(item.len(), ITEM);
            assert_eq!(item[0], consumed as u8);
            consumed += 1;
            for _ in 0..10 {
                tokio::task::yield_now().await;
            }
            let ahead = producer.sent.borrow().saturating_sub(consumed);
            worst_ahead = worst_ahead.max(ahead);
            assert!(ahead <= bound, "the producer ran {ahead} items ahead");
            stream.credit(1).await.unwrap();
        }
        // the consumer stops: the producer fills what credit and the channel allow, then
        // waits (a signal, not a sleep)
        let mut sent = producer.sent.subscribe();
        within(
            "the producer to fill the credit and the channel",
            sent.wait_for(|n| *n >= consumed + CREDIT + 2),
        )
        .await
        .unwrap();
        let mut blocked = producer.blocked.subscribe();
        within("the producer to block", blocked.wait_for(|b| *b))
            .await
            .unwrap();
        let ahead = producer.sent.borrow().saturating_sub(consumed);
        assert!(
            ahead <= bound,
            "the producer ran {ahead} items ahead while blocked"
        );
        let peak = (PEAK.load(Ordering::Relaxed) - base).max(0) as usize;
        eprintln!(
            "600 items of 64 KiB consumed one credit at a time: the producer at most \
             {worst_ahead} items ahead (bound {bound}), {ahead} when it blocked; bytes live \
             peaked at {peak} ({:.1} items)",
            peak as f64 / ITEM as f64
        );
        assert!(peak <= 64 * ITEM, "{peak} bytes live at the peak");
        stream.cancel().await.unwrap();
    });
}

// ---------------------------------------------------------------------------------------
// Shutdown with requests in flight.

struct Gates {
    entered: Semaphore,
    release: Semaphore,
    /// Blocking commands wait on this (a std lock: they are on the blocking pool).
    blocking: Mutex<bool>,
    unblocked: std::sync::Condvar,
    /// Handler bodies that finished (their answers reach nobody).
    finished: AtomicU32,
}

impl Default for Gates {
    fn default() -> Self {
        Gates {
            entered: Semaphore::new(0),
            release: Semaphore::new(0),
            blocking: Mutex::new(true),
            unblocked: std::sync::Condvar::new(),
            finished: AtomicU32::new(0),
        }
    }
}

impl Gates {
    async fn wait_entered(&self, n: u32) {
        within("handlers to start", self.entered.acquire_many(n))
            .await
            .unwrap()
            .forget();
    }

    fn open(&self) {
        self.release.add_permits(1_000);
        *self.blocking.lock().unwrap_or_else(|p| p.into_inner()) = false;
        self.unblocked.notify_all();
    }
}

/// Opens the gates when dropped.
struct OpenOnDrop(Vec<Arc<Gates>>);

impl Drop for OpenOnDrop {
    fn drop(&mut self) {
        for g in &self.0 {
            g.open();
        }
    }
}

#[switchboard::command]
async fn wait(gates: State<Gates>) -> u32 {
    gates.entered.add_permits(1);
    let _ = gates.release.acquire().await;
    gates.finished.fetch_add(1, Ordering::SeqCst);
    1
}

#[switchboard::command(blocking)]
fn block(gates: State<Gates>) -> u32 {
    gates.entered.add_permits(1);
    let mut closed = gates.blocking.lock().unwrap();
    while *closed {
        closed = gates.unblocked.wait(closed).unwrap();
    }
    gates.finished.fetch_add(1, Ordering::SeqCst);
    2
}

#[switchboard::command]
fn stalled() -> Stream<u32> {
    Stream::new(futures::stream::iter(0..))
}

#[derive(Clone)]
struct Holder {
    gates: Arc<Gates>,
}

#[switchboard::actor]
impl Holder {
    async fn hold(&mut self) -> u32 {
        self.gates.entered.add_permits(1);
        let _ = self.gates.release.acquire().await;
        self.gates.finished.fetch_add(1, Ordering::SeqCst);
        3
    }
    fn ping(&mut self) -> u32 {
        4
    }
}

#[test]
fn closing_every_window_answers_every_request_in_flight() {
    let _serial = serial();
    runtime().block_on(async {
        let holder_gates = Arc::new(Gates::default());
        let app = App::builder()
            .manage(Gates::default())
            .commands(commands![wait, block, stalled])
            .actor(
                "holder",
                Holder {
                    gates: holder_gates.clone(),
                },
            )
            .capability(Capability::new("all").windows(["*"]).allow(["*"]))
            .build()
            .unwrap();
        let gates = app.state::<Gates>().unwrap();
        // should the test fail, its blocked handlers are let go (the runtime waits for
        // blocking threads when it is dropped)
        let _open = OpenOnDrop(vec![gates.inner().clone(), holder_gates.clone()]);
        let mut calls = Vec::new();
        let mut streams = Vec::new();
        for (w, label) in ["main", "second"].into_iter().enumerate() {
            let client = app.test_client(label);
            client.welcome().await.unwrap();
            let spawn = |to: &'static str, method: &'static str| {
                let c = client.clone();
                tokio::spawn(async move { c.invoke::<u32>(to, method, &args! {}).await })
            };
            if w == 0 {
                calls.push(spawn("holder", "hold"));
                holder_gates.wait_entered(1).await;
            } else {
                calls.push(spawn("holder", "ping"));
            }
            for _ in 0..31 {
                calls.push(spawn("holder", "ping"));
            }
            for _ in 0..29 {
                calls.push(spawn("cmd:wait", ""));
            }
            for _ in 0..2 {
                calls.push(spawn("cmd:block", ""));
            }
            streams.push(
                client
                    .stream::<u32>("cmd:stalled", "", &args! {}, 1)
                    .await
                    .unwrap(),
            );
            gates.wait_entered(31).await;
            // every request is registered (the stream's included)
            let deadline = Instant::now() + Duration::from_secs(60);
            while client.session().pending() < 64 {
                assert!(
                    Instant::now() < deadline,
                    "{} pending",
                    client.session().pending()
                );
                tokio::task::yield_now().await;
            }
        }
        assert_eq!(calls.len() + streams.len(), 128);
        // the runtime reports each window gone
        for label in ["main", "second"] {
            app.window_closed(&Name::new(label).unwrap());
        }
        for call in calls {
            let e = within("a call in flight", call).await.unwrap().unwrap_err();
            assert_eq!(e.code(), ErrorCode::WindowClosed, "{e}");
        }
        for mut stream in streams {
            let mut end = None;
            while let Some(item) = within("the stream's end", stream.next()).await {
                if let Err(e) = item {
                    end = Some(e.code());
                }
            }
            assert_eq!(end, Some(ErrorCode::WindowClosed));
        }
        assert_eq!(app.session_count(), 0);
        // the handlers still running finish; their answers go nowhere, and the app serves a
        // new window (the actor, which ran `hold` to completion, included)
        gates.open();
        holder_gates.open();
        let fresh = app.test_client("third");
        let n = within(
            "a new window's call",
            fresh.invoke::<u32>("holder", "ping", &args! {}),
        )
        .await
        .unwrap();
        assert_eq!(n, 4);
        assert_eq!(holder_gates.finished.load(Ordering::SeqCst), 1);
        // the blocking commands ran to completion on their threads; the async ones were
        // dropped at their `.await` when their callers were answered
        let deadline = Instant::now() + Duration::from_secs(60);
        while gates.finished.load(Ordering::SeqCst) < 2 * 2 {
            assert!(
                Instant::now() < deadline,
                "the blocking commands never finished"
            );
            tokio::task::yield_now().await;
        }
        assert_eq!(gates.finished.load(Ordering::SeqCst), 2 * 2);
    });
}

#[test]
fn stopping_the_bus_runtime_answers_every_request_in_flight() {
    let _serial = serial();
    let gates = Arc::new(Gates::default());
    let app = App::builder()
        .actor(
            "holder",
            Holder {
                gates: gates.clone(),
            },
        )
        .capability(Capability::new("all").windows(["main"]).allow(["*"]))
        .build()
        .unwrap();
    // the bus's runtime: the actor's task starts there, with its first call
    let bus = runtime();
    let warm = app.test_client("main");
    assert_eq!(
        bus.block_on(warm.invoke::<u32>("holder", "ping", &args! {}))
            .unwrap(),
        4
    );
    // the callers (the page's side) on a runtime of their own
    let callers = runtime();
    let client = app.test_client("main");
    callers.block_on(client.welcome()).unwrap();
    let calls: Vec<_> = (0..64)
        .map(|i| {
            let c = client.clone();
            let method = if i == 0 { "hold" } else { "ping" };
            callers.spawn(async move { c.invoke::<u32>("holder", method, &args! {}).await })
        })
        .collect();
    callers.block_on(async {
        gates.wait_entered(1).await;
        let deadline = Instant::now() + Duration::from_secs(60);
        while client.session().pending() < 64 {
            assert!(
                Instant::now() < deadline,
                "{} pending",
                client.session().pending()
            );
            tokio::task::yield_now().await;
        }
    });
    // the bus goes away with one call running and 63 queued
    bus.shutdown_timeout(Duration::from_secs(10));
    callers.block_on(async {
        let start = Instant::now();
        for call in calls {
            let e = within("a call in flight", call).await.unwrap().unwrap_err();
            assert_eq!(e.code(), ErrorCode::ActorFailed, "{e}");
        }
        eprintln!(
            "64 calls in flight answered {:?} after the bus stopped",
            start.elapsed()
        );
        let e = within(
            "a later call",
            client.invoke::<u32>("holder", "ping", &args! {}),
        )
        .await
        .unwrap_err();
        assert_eq!(e.code(), ErrorCode::ActorFailed, "{e}");
        assert_eq!(client.session().pending(), 0);
    });
}
