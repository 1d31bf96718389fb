//! How actor and command calls run: off the caller's thread, in order, to completion once
//! started, and under supervision with limits. Each test fails without its mechanism.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use switchboard::actor::{Context, StopReason, Stopped, Supervision};
use switchboard::protocol::{ErrorCode, Frame, Limits, Request, RequestId};
use switchboard::{args, commands, App, Capability, Client};
use tokio::sync::{Notify, Semaphore};

/// How long a blocking handler blocks. The sleeps below are the thing under test (a
/// handler that blocks its thread), not a synchronization: the tests wait on `Naps`.
const NAP: Duration = Duration::from_millis(500);

/// Signals when a nap starts and when it ends.
struct Naps {
    entered: Semaphore,
    done: AtomicBool,
}

impl Default for Naps {
    fn default() -> Self {
        Naps {
            entered: Semaphore::new(0),
            done: AtomicBool::new(false),
        }
    }
}

#[derive(Clone)]
struct Sleeper {
    naps: Arc<Naps>,
}

#[switchboard::actor]
impl Sleeper {
    /// A sync method that blocks (like the plugin guide's `Kv::set` writing a file).
    fn nap(&mut self) -> u32 {
        self.naps.entered.add_permits(1);
        std::thread::sleep(NAP);
        self.naps.done.store(true, Ordering::SeqCst);
        1
    }

    /// The same, marked: it runs on the blocking pool.
    #[switchboard(blocking)]
    fn nap_blocking(&mut self) -> u32 {
        self.nap()
    }

    fn thread(&self) -> String {
        format!("{:?}", std::thread::current().id())
    }
}

#[switchboard::command]
fn nap_command(naps: switchboard::State<Arc<Naps>>) -> u32 {
    naps.entered.add_permits(1);
    std::thread::sleep(NAP);
    naps.done.store(true, Ordering::SeqCst);
    2
}

#[switchboard::command(blocking)]
fn nap_blocking_command(naps: switchboard::State<Arc<Naps>>) -> u32 {
    naps.entered.add_permits(1);
    std::thread::sleep(NAP);
    naps.done.store(true, Ordering::SeqCst);
    3
}

#[switchboard::command]
fn ping() -> &'static str {
    "pong"
}

#[switchboard::command]
fn where_am_i() -> String {
    format!("{:?}", std::thread::current().id())
}

#[switchboard::command(inline)]
fn where_am_i_inline() -> String {
    format!("{:?}", std::thread::current().id())
}

fn sleepy_app(naps: Arc<Naps>) -> App {
    App::builder()
        .manage(naps.clone())
        .commands(commands![
            nap_command,
            nap_blocking_command,
            ping,
            where_am_i,
            where_am_i_inline
        ])
        .actor("sleeper", Sleeper { naps })
        .capability(Capability::new("all").windows(["main"]).allow(["*"]))
        .build()
        .unwrap()
}

fn request(id: u64, to: &str, method: &str) -> Bytes {
    Frame::Request(Request {
        id: RequestId::new(id).unwrap(),
        to: to.parse().unwrap(),
        method: method.into(),
        payload: Bytes::from_static(&[0x80]),
        deadline_ms: None,
        credit: None,
    })
    .encode()
    .into()
}

fn answer<T: serde::de::DeserializeOwned>(frame: Option<Bytes>) -> T {
    match Frame::decode(&frame.expect("an answer"), &Limits::default()).unwrap() {
        Frame::Response(r) => {
            switchboard::protocol::payload::from_slice(&r.result.unwrap(), &Limits::default())
                .unwrap()
        }
        other => panic!("unexpected {other:?}"),
    }
}

/// Poll a future once, as the bridge does on the UI thread, with a waker that does
/// nothing; return its output if it was ready, and how long the poll took.
fn poll_once<F: Future + Unpin>(future: &mut F) -> (Option<F::Output>, Duration) {
    let waker = futures::task::noop_waker();
    let mut cx = TaskContext::from_waker(&waker);
    let start = Instant::now();
    let output = match std::pin::Pin::new(future).poll(&mut cx) {
        Poll::Ready(output) => Some(output),
        Poll::Pending => None,
    };
    (output, start.elapsed())
}

/// The call to `to.method` that naps must leave the submitting thread at once, and a
/// second call must complete while it naps.
async fn nap_does_not_block_the_caller(to: &str, method: &str, expected: u32) {
    let naps = Arc::new(Naps::default());
    let app = sleepy_app(naps.clone());
    let client = app.test_client("main");
    client.welcome().await.unwrap();
    let mut call = Box::pin(client.session().handle(request(1 << 40, to, method)));
    let (ready, took) = poll_once(&mut call);
    assert!(ready.is_none(), "{to}.{method} ran on the caller's thread");
    assert!(took < NAP / 4, "polling once took {took:?}");
    // the nap has started elsewhere; another call completes meanwhile
    let _entered = naps.entered.acquire().await.unwrap();
    let pong: String = client.invoke("cmd:ping", "", &args! {}).await.unwrap();
    assert_eq!(pong, "pong");
    assert!(
        !naps.done.load(Ordering::SeqCst),
        "the second call waited for the nap"
    );
    assert_eq!(answer::<u32>(call.await), expected);
    assert!(naps.done.load(Ordering::SeqCst));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_actor_method_that_sleeps_does_not_block_the_callers_thread() {
    nap_does_not_block_the_caller("sleeper", "nap", 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocking_actor_method_runs_on_the_blocking_pool() {
    nap_does_not_block_the_caller("sleeper", "nap_blocking", 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_command_that_sleeps_does_not_block_the_callers_thread() {
    nap_does_not_block_the_caller("cmd:nap_command", "", 2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocking_command_runs_on_the_blocking_pool() {
    nap_does_not_block_the_caller("cmd:nap_blocking_command", "", 3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocking_call_leaves_both_workers_free() {
    // two blocking naps at once, and the workers still answer a command meanwhile
    let naps = Arc::new(Naps::default());
    let app = sleepy_app(naps.clone());
    let client = app.test_client("main");
    let calls: Vec<_> = (0..2)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move {
                c.invoke::<u32>("cmd:nap_blocking_command", "", &args! {})
                    .await
            })
        })
        .collect();
    let _both = naps.entered.acquire_many(2).await.unwrap();
    let here: String = client
        .invoke("cmd:where_am_i", "", &args! {})
        .await
        .unwrap();
    assert!(!here.is_empty());
    assert!(!naps.done.load(Ordering::SeqCst));
    for c in calls {
        assert_eq!(c.await.unwrap().unwrap(), 3);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_an_inline_command_runs_on_the_callers_thread() {
    let app = sleepy_app(Arc::new(Naps::default()));
    let client = app.test_client("main");
    client.welcome().await.unwrap();
    let me = format!("{:?}", std::thread::current().id());

    let mut inline = Box::pin(client.session().handle(request(
        1 << 40,
        "cmd:where_am_i_inline",
        "",
    )));
    let (ready, _) = poll_once(&mut inline);
    let ready = ready.expect("an inline command answers in the first poll");
    assert_eq!(answer::<String>(ready), me);

    let worker: String = client
        .invoke("cmd:where_am_i", "", &args! {})
        .await
        .unwrap();
    assert_ne!(worker, me);
    let actor: String = client.invoke("sleeper", "thread", &args! {}).await.unwrap();
    assert_ne!(actor, me);
}

// ---- order ----

#[derive(Clone, Default)]
struct Log {
    seen: Vec<u32>,
}

#[switchboard::actor]
impl Log {
    async fn push(&mut self, i: u32) -> u32 {
        self.seen.push(i);
        // give way now and then, so calls pile up in the mailbox
        if i % 7 == 0 {
            tokio::task::yield_now().await;
        }
        i
    }

    fn seen(&self) -> Vec<u32> {
        self.seen.clone()
    }
}

fn log_app() -> App {
    App::builder()
        .mailbox(16_384)
        .max_pending(16_384)
        .actor("log", Log::default())
        .capability(
            Capability::new("all")
                .windows(["main", "other"])
                .allow(["*"]),
        )
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_concurrent_calls_from_one_client_are_handled_in_order() {
    const N: u32 = 10_000;
    let app = log_app();
    let client = app.test_client("main");
    client.welcome().await.unwrap();
    // load from another client on the same actor, all along
    let other = app.test_client("other");
    let stop = Arc::new(AtomicBool::new(false));
    let noise = tokio::spawn({
        let stop = stop.clone();
        async move {
            let mut n = 0u32;
            while !stop.load(Ordering::SeqCst) {
                let _: u32 = other
                    .invoke("log", "push", &args! { i: 1_000_000 + n })
                    .await
                    .unwrap();
                n += 1;
            }
            n
        }
    });
    // sent in order (each call is polled once, in order, as the bridge does with the
    // frames of one page), then all awaited concurrently
    let calls = (0..N).map(|i| {
        let c = client.clone();
        async move { c.invoke::<u32>("log", "push", &args! { i: i }).await }
    });
    let answers = futures::future::join_all(calls).await;
    stop.store(true, Ordering::SeqCst);
    let noise_calls = noise.await.unwrap();
    for (i, a) in answers.into_iter().enumerate() {
        assert_eq!(a.unwrap(), i as u32);
    }
    let seen: Vec<u32> = client.invoke("log", "seen", &args! {}).await.unwrap();
    let mine: Vec<u32> = seen.iter().copied().filter(|&i| i < N).collect();
    assert_eq!(mine, (0..N).collect::<Vec<_>>());
    assert_eq!(seen.len() as u32, N + noise_calls);
}

// ---- cancellation ----

/// Moves `n` from `a` to `b` across an `.await`: `a + b` is 0 between calls.
#[derive(Clone)]
struct Ledger {
    a: i64,
    b: i64,
    gate: Arc<Semaphore>,
    entered: Arc<Notify>,
}

#[switchboard::actor]
impl Ledger {
    async fn transfer(&mut self, n: i64) -> i64 {
        self.a -= n;
        self.entered.notify_one();
        let _permit = self.gate.acquire().await;
        self.b += n;
        self.b
    }

    fn balances(&self) -> (i64, i64) {
        (self.a, self.b)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_mut_self_call_runs_to_completion_and_leaves_state_consistent() {
    let gate = Arc::new(Semaphore::new(0));
    let entered = Arc::new(Notify::new());
    let app = App::builder()
        .actor(
            "ledger",
            Ledger {
                a: 0,
                b: 0,
                gate: gate.clone(),
                entered: entered.clone(),
            },
        )
        .capability(Capability::new("all").windows(["main"]).allow(["*"]))
        .build()
        .unwrap();
    let client = app.test_client("main");
    let id = client.next_id();
    let call = tokio::spawn({
        let c = client.clone();
        async move {
            let options = switchboard::client::CallOptions {
                id: Some(id),
                ..Default::default()
            };
            c.invoke_with::<i64>("ledger", "transfer", &args! { n: 5 }, options)
                .await
        }
    });
    entered.notified().await;
    client.cancel(id).await.unwrap();
    // the caller is answered at once, while the handler still waits at its `.await`
    let e = call.await.unwrap().unwrap_err();
    assert_eq!(e.code(), ErrorCode::Cancelled);
    // queued behind the running transfer; answered once it has finished
    let balances = tokio::spawn({
        let c = client.clone();
        async move {
            c.invoke::<(i64, i64)>("ledger", "balances", &args! {})
                .await
        }
    });
    gate.add_permits(1);
    assert_eq!(balances.await.unwrap().unwrap(), (-5, 5));
}

// ---- supervision ----

#[derive(Clone)]
struct Fragile {
    calls: u32,
    events: Arc<Mutex<Vec<String>>>,
}

#[switchboard::actor]
impl Fragile {
    #[switchboard(started)]
    fn up(&mut self, cx: &Context) {
        self.events
            .lock()
            .unwrap()
            .push(format!("started {}", cx.restarts()));
    }

    #[switchboard(stopping)]
    async fn down(&mut self, cx: &Context) {
        let why = match cx.reason() {
            Some(StopReason::Restart { .. }) => "restart",
            Some(StopReason::Failed { .. }) => "failed",
            Some(StopReason::Shutdown) => "shutdown",
            _ => "other",
        };
        self.events.lock().unwrap().push(format!("stopping {why}"));
    }

    fn bump(&mut self) -> u32 {
        self.calls += 1;
        self.calls
    }

    fn explode(&mut self) -> u32 {
        panic!("fragile exploded")
    }
}

fn fragile_app(supervision: Option<Supervision>) -> (App, Arc<Mutex<Vec<String>>>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let actor = Fragile {
        calls: 0,
        events: events.clone(),
    };
    let builder = App::builder().capability(
        Capability::new("all")
            .windows(["main"])
            .allow(["*", "event:actor/fragile/stopped"]),
    );
    let builder = match supervision {
        Some(s) => builder.actor_supervised("fragile", actor, s),
        None => builder.actor("fragile", actor),
    };
    (builder.build().unwrap(), events)
}

async fn explode(client: &Client) -> switchboard::ClientError {
    client
        .invoke::<u32>("fragile", "explode", &args! {})
        .await
        .unwrap_err()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_actor_panicking_four_times_in_five_seconds_is_stopped_and_every_caller_answered() {
    let (app, events) = fragile_app(None);
    let client = app.test_client("main");
    let mut page = client.subscribe("actor/fragile/stopped").await.unwrap();
    // what Rust listeners hear, as a channel: the listener may run after the page's copy
    // arrived, so the test waits for it rather than reading a slot
    let (heard_tx, mut heard) = tokio::sync::mpsc::unbounded_channel::<Option<Stopped>>();
    app.listen("actor/fragile/stopped", move |e| {
        let _ = heard_tx.send(e.decode().ok());
    })
    .unwrap();

    // four panics, with calls queued behind each: all sent at once, in order
    let calls = (0..20).map(|i| {
        let c = client.clone();
        async move {
            let method = if i % 5 == 0 { "explode" } else { "bump" };
            (i, c.invoke::<u32>("fragile", method, &args! {}).await)
        }
    });
    let results = futures::future::join_all(calls).await;
    for (i, r) in &results {
        match (i, r) {
            // before the fourth panic: served by a fresh state each time
            (0..15, Ok(n)) => assert_eq!(*n, (*i % 5) as u32),
            (0 | 5 | 10 | 15, Err(e)) => {
                assert_eq!(e.code(), ErrorCode::ActorFailed);
                // the panic's text goes to the log, never to the caller
                assert!(!e.message().contains("exploded"), "{}", e.message());
                assert!(e.message().contains("log"), "{}", e.message());
            }
            // queued behind the fourth panic: answered with the reason
            (16..20, Err(e)) => {
                assert_eq!(e.code(), ErrorCode::ActorFailed);
                assert!(e.message().contains("is stopped"), "{}", e.message());
            }
            other => panic!("unexpected answer {other:?}"),
        }
    }
    assert_eq!(app.restarts("fragile"), Some(3));
    // later callers are answered at once
    let start = Instant::now();
    let e = client
        .invoke::<u32>("fragile", "bump", &args! {})
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::ActorFailed);
    assert!(
        e.message().contains("failed more than 3 times within 5s"),
        "{}",
        e.message()
    );
    assert!(start.elapsed() < Duration::from_secs(1));
    assert!(app.stopped("fragile").is_some());
    // the bus says why, to pages and to Rust
    let event = page.next().await.unwrap();
    let stopped: Stopped = event.decode().unwrap();
    assert_eq!(stopped.address, "fragile");
    assert_eq!(stopped.restarts, 3);
    assert!(
        stopped.reason.contains("failed more than 3 times") && !stopped.reason.contains("exploded"),
        "the reason says why, the panic's text stays in the log: {}",
        stopped.reason
    );
    assert_eq!(heard.recv().await.unwrap().as_ref(), Some(&stopped));
    // the hooks ran around each restart, and once at the end
    assert_eq!(
        *events.lock().unwrap(),
        [
            "started 0",
            "stopping restart",
            "started 1",
            "stopping restart",
            "started 2",
            "stopping restart",
            "started 3",
            "stopping failed",
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_intensity_allows_more_restarts() {
    let (app, _) = fragile_app(Some(
        Supervision::default().intensity(5, Duration::from_secs(60)),
    ));
    let client = app.test_client("main");
    for _ in 0..5 {
        assert!(explode(&client).await.message().contains("failed"));
    }
    assert_eq!(
        client
            .invoke::<u32>("fragile", "bump", &args! {})
            .await
            .unwrap(),
        1
    );
    assert!(explode(&client).await.message().contains("failed"));
    let e = client
        .invoke::<u32>("fragile", "bump", &args! {})
        .await
        .unwrap_err();
    assert!(e.message().contains("is stopped"), "{}", e.message());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn never_stops_at_the_first_panic() {
    let (app, _) = fragile_app(Some(Supervision::never()));
    let client = app.test_client("main");
    assert!(explode(&client).await.message().contains("failed"));
    let e = client
        .invoke::<u32>("fragile", "bump", &args! {})
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::ActorFailed);
    assert_eq!(app.restarts("fragile"), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_factory_actor_follows_the_supervision_it_was_registered_with() {
    let made = Arc::new(AtomicU32::new(0));
    let events = Arc::new(Mutex::new(Vec::new()));
    let app = App::builder()
        .actor_with_supervised(
            "fragile",
            {
                let made = made.clone();
                move || {
                    made.fetch_add(1, Ordering::SeqCst);
                    Fragile {
                        calls: 0,
                        events: events.clone(),
                    }
                }
            },
            Supervision::default().intensity(1, Duration::from_secs(60)),
        )
        .capability(Capability::new("all").windows(["main"]).allow(["*"]))
        .build()
        .unwrap();
    let client = app.test_client("main");
    assert!(explode(&client).await.message().contains("failed"));
    // restarted once, from the factory: a fresh state
    assert_eq!(
        client
            .invoke::<u32>("fragile", "bump", &args! {})
            .await
            .unwrap(),
        1
    );
    assert_eq!(app.restarts("fragile"), Some(1));
    // the second panic is past its intensity (the default would have restarted it)
    assert!(explode(&client).await.message().contains("failed"));
    let e = client
        .invoke::<u32>("fragile", "bump", &args! {})
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::ActorFailed);
    assert!(
        e.message().contains("failed more than 1 times within 60s"),
        "{}",
        e.message()
    );
    assert_eq!(app.restarts("fragile"), Some(1));
    // one probe for its methods, the first state, the restart
    assert_eq!(made.load(Ordering::SeqCst), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_actor_follows_the_supervision_it_was_registered_with() {
    let fragile = Fragile {
        calls: 0,
        events: Arc::new(Mutex::new(Vec::new())),
    };
    let app = App::builder()
        .plugin_actor("lenient", fragile.clone())
        .plugin_actor_supervised("strict", fragile, Supervision::never())
        .capability(Capability::new("all").windows(["main"]).allow(["*"]))
        .build()
        .unwrap();
    let client = app.test_client("main");
    for plugin in ["plugin:lenient", "plugin:strict"] {
        let e = client
            .invoke::<u32>(plugin, "explode", &args! {})
            .await
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::ActorFailed, "{plugin}");
    }
    // the default restarts a plugin's actor...
    assert_eq!(
        client
            .invoke::<u32>("plugin:lenient", "bump", &args! {})
            .await
            .unwrap(),
        1
    );
    assert_eq!(app.restarts("plugin:lenient"), Some(1));
    // ...`Supervision::never()` stops it at the first panic
    let e = client
        .invoke::<u32>("plugin:strict", "bump", &args! {})
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::ActorFailed);
    assert!(e.message().contains("is stopped"), "{}", e.message());
    assert_eq!(app.restarts("plugin:strict"), Some(0));
    assert!(app.stopped("plugin:strict").is_some());
    assert!(app.stopped("plugin:lenient").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backoff_delays_the_restart() {
    const FIRST: Duration = Duration::from_millis(150);
    let (app, _) = fragile_app(Some(
        Supervision::default()
            .intensity(3, Duration::from_secs(60))
            .backoff(FIRST, Duration::from_secs(1)),
    ));
    let client = app.test_client("main");
    assert_eq!(
        client
            .invoke::<u32>("fragile", "bump", &args! {})
            .await
            .unwrap(),
        1
    );
    let start = Instant::now();
    explode(&client).await;
    // the next call waits in the mailbox for the restart
    assert_eq!(
        client
            .invoke::<u32>("fragile", "bump", &args! {})
            .await
            .unwrap(),
        1
    );
    assert!(start.elapsed() >= FIRST, "{:?}", start.elapsed());
    // the second restart of the window waits twice as long
    let start = Instant::now();
    explode(&client).await;
    assert_eq!(
        client
            .invoke::<u32>("fragile", "bump", &args! {})
            .await
            .unwrap(),
        1
    );
    assert!(start.elapsed() >= FIRST * 2, "{:?}", start.elapsed());
}

/// Its `started` hook panics every time.
#[derive(Clone)]
struct Doomed {
    starts: Arc<AtomicU32>,
}

#[switchboard::actor]
impl Doomed {
    #[switchboard(started)]
    fn boot(&mut self) {
        self.starts.fetch_add(1, Ordering::SeqCst);
        panic!("cannot start");
    }

    fn hello(&self) -> u32 {
        1
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_started_hook_that_always_panics_stops_the_actor_and_answers_its_callers() {
    let starts = Arc::new(AtomicU32::new(0));
    let app = App::builder()
        .actor(
            "doomed",
            Doomed {
                starts: starts.clone(),
            },
        )
        .capability(Capability::new("all").windows(["main"]).allow(["*"]))
        .build()
        .unwrap();
    let client = app.test_client("main");
    let calls = (0..5).map(|_| {
        let c = client.clone();
        async move { c.invoke::<u32>("doomed", "hello", &args! {}).await }
    });
    for r in futures::future::join_all(calls).await {
        let e = r.unwrap_err();
        assert_eq!(e.code(), ErrorCode::ActorFailed);
        assert!(e.message().contains("is stopped"), "{}", e.message());
        assert!(!e.message().contains("cannot start"), "{}", e.message());
    }
    assert_eq!(starts.load(Ordering::SeqCst), 4);
}
