//! Supervision and faults: panics, full mailboxes, too many pending, deadlines, cancel,
//! closed windows, and protocol misuse. Each test fails without its mechanism.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use switchboard::client::CallOptions;
use switchboard::protocol::{ErrorCode, Frame, Limits, Request, RequestId};
use switchboard::{args, commands, App, Caller, Capability, Closed, Outbound, State};
use tokio::sync::Semaphore;

/// Sets its flag when dropped: proves a handler future was dropped.
struct DropFlag(Arc<AtomicBool>);
impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

struct Gate {
    /// One permit per handler that entered (a `Notify` keeps only one wake-up, so two
    /// handlers entering before the test waits would look like one).
    entered: Semaphore,
    release: Semaphore,
    dropped: Arc<AtomicBool>,
}

impl Default for Gate {
    fn default() -> Self {
        Gate {
            entered: Semaphore::new(0),
            release: Semaphore::new(0),
            dropped: Arc::default(),
        }
    }
}

impl Gate {
    /// Wait until one more handler has entered.
    async fn wait_entered(&self) {
        self.entered
            .acquire()
            .await
            .expect("the gate is never closed")
            .forget();
    }
}

#[switchboard::command]
async fn wait(gate: State<Gate>) -> u32 {
    let _flag = DropFlag(gate.dropped.clone());
    gate.entered.add_permits(1);
    let _permit = gate.release.acquire().await;
    7
}

#[switchboard::command]
async fn boom(really: bool) -> u32 {
    if really {
        panic!("boom on purpose");
    }
    1
}

#[derive(Clone)]
struct Flaky {
    calls: u32,
    gate: Arc<Gate>,
}

#[switchboard::actor]
impl Flaky {
    fn bump(&mut self) -> u32 {
        self.calls += 1;
        self.calls
    }
    fn explode(&mut self) -> u32 {
        panic!("actor exploded")
    }
    async fn hold(&mut self) -> u32 {
        let _flag = DropFlag(self.gate.dropped.clone());
        self.gate.entered.add_permits(1);
        let _permit = self.gate.release.acquire().await;
        self.calls
    }
}

fn app(gate: Arc<Gate>, mailbox: usize, max_pending: usize) -> App {
    App::builder()
        .manage(Gate::default())
        .commands(commands![wait, boom])
        .mailbox(mailbox)
        .max_pending(max_pending)
        .actor("flaky", Flaky { calls: 0, gate })
        .capability(Capability::new("all").windows(["main"]).allow(["*"]))
        .build()
        .unwrap()
}

#[tokio::test]
async fn panicking_actor_answers_actor_failed_restarts_and_keeps_serving() {
    let app = app(Arc::new(Gate::default()), 16, 64);
    let client = app.test_client("main");
    let n: u32 = client.invoke("flaky", "bump", &args! {}).await.unwrap();
    assert_eq!(n, 1);
    let e = client
        .invoke::<u32>("flaky", "explode", &args! {})
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::ActorFailed);
    assert!(!e.message().contains("exploded"), "{}", e.message());
    // restarted from its initial state, and still serving
    let n: u32 = client.invoke("flaky", "bump", &args! {}).await.unwrap();
    assert_eq!(n, 1);
    assert_eq!(app.restarts("flaky"), Some(1));
}

#[tokio::test]
async fn panicking_command_answers_actor_failed_and_the_app_keeps_serving() {
    let app = app(Arc::new(Gate::default()), 16, 64);
    let client = app.test_client("main");
    let e = client
        .invoke::<u32>("cmd:boom", "", &args! { really: true })
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::ActorFailed);
    let n: u32 = client
        .invoke("cmd:boom", "", &args! { really: false })
        .await
        .unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn in_flight_and_queued_calls_all_get_answers_when_the_actor_panics() {
    let app = app(Arc::new(Gate::default()), 64, 64);
    let client = app.test_client("main");
    // three panics: within the default restart limit (3 in 5 s)
    let calls = (0..15).map(|i| {
        let client = client.clone();
        async move {
            let method = if i % 5 == 0 { "explode" } else { "bump" };
            client.invoke::<u32>("flaky", method, &args! {}).await
        }
    });
    let results = futures::future::join_all(calls).await;
    let failed = results
        .iter()
        .filter(|r| matches!(r, Err(e) if e.code() == ErrorCode::ActorFailed))
        .count();
    assert_eq!(failed, 3);
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 12);
    assert_eq!(app.restarts("flaky"), Some(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_mailbox_answers_busy() {
    let gate = Arc::new(Gate::default());
    let app = app(gate.clone(), 2, 64);
    let client = app.test_client("main");
    let first = tokio::spawn({
        let c = client.clone();
        async move { c.invoke::<u32>("flaky", "hold", &args! {}).await }
    });
    gate.wait_entered().await;
    // the actor is busy with `first`: at most three more calls can wait (its mailbox of 2,
    // plus the one the actor's task holds while it waits for the actor, once it took it),
    // so of four at least one is answered `busy` while the actor is still held
    let (tx, mut answers) = tokio::sync::mpsc::unbounded_channel();
    for _ in 0..4 {
        let c = client.clone();
        let tx = tx.clone();
        tokio::spawn(async move {
            let _ = tx.send(c.invoke::<u32>("flaky", "bump", &args! {}).await);
        });
    }
    drop(tx);
    let e = answers.recv().await.unwrap().unwrap_err();
    assert_eq!(e.code(), ErrorCode::Busy);
    assert!(e.message().contains("mailbox"), "{}", e.message());
    gate.release.add_permits(10);
    assert_eq!(first.await.unwrap().unwrap(), 0);
    let (mut ok, mut busy) = (0, 1);
    while let Some(answer) = answers.recv().await {
        match answer {
            Ok(_) => ok += 1,
            Err(e) if e.code() == ErrorCode::Busy => busy += 1,
            Err(e) => panic!("{e}"),
        }
    }
    // two wait in the mailbox; a third only if the actor's task had taken one out
    assert!(
        (2..=3).contains(&ok) && ok + busy == 4,
        "{ok} ok, {busy} busy"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_pending_requests_answer_busy() {
    let app = app(Arc::new(Gate::default()), 16, 2);
    let gate = app.state::<Gate>().unwrap();
    let client = app.test_client("main");
    let held: Vec<_> = (0..2)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move { c.invoke::<u32>("cmd:wait", "", &args! {}).await })
        })
        .collect();
    gate.wait_entered().await;
    gate.wait_entered().await;
    assert_eq!(client.session().pending(), 2);
    let e = client
        .invoke::<u32>("cmd:wait", "", &args! {})
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Busy);
    gate.release.add_permits(2);
    for h in held {
        assert_eq!(h.await.unwrap().unwrap(), 7);
    }
    assert_eq!(client.session().pending(), 0);
}

#[tokio::test]
async fn deadline_answers_deadline_exceeded_and_drops_the_handler() {
    let app = app(Arc::new(Gate::default()), 16, 64);
    let gate = app.state::<Gate>().unwrap();
    let client = app.test_client("main");
    let options = CallOptions {
        deadline: Some(Duration::from_millis(30)),
        ..CallOptions::default()
    };
    let e = client
        .invoke_with::<u32>("cmd:wait", "", &args! {}, options)
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::DeadlineExceeded);
    assert!(gate.dropped.load(Ordering::SeqCst), "handler still alive");
    assert_eq!(client.session().pending(), 0);
}

// The clock is paused: it moves only when every task waits, so the deadline passes after
// the actor's task has taken the call and entered `hold` (on a loaded machine a running
// clock could expire the call while it is still queued, and it would be skipped).
#[tokio::test(start_paused = true)]
async fn deadline_on_an_actor_call_answers_at_once_and_the_handler_finishes() {
    let gate = Arc::new(Gate::default());
    let app = app(gate.clone(), 16, 64);
    let client = app.test_client("main");
    let options = CallOptions {
        deadline: Some(Duration::from_millis(30)),
        ..CallOptions::default()
    };
    let e = client
        .invoke_with::<u32>("flaky", "hold", &args! {}, options)
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::DeadlineExceeded);
    gate.wait_entered().await;
    // a started `&mut self` handler runs to completion (core::actor docs): still running
    assert!(!gate.dropped.load(Ordering::SeqCst));
    let next = tokio::spawn({
        let c = client.clone();
        async move { c.invoke::<u32>("flaky", "bump", &args! {}).await }
    });
    gate.release.add_permits(1);
    assert_eq!(next.await.unwrap().unwrap(), 1);
    assert!(gate.dropped.load(Ordering::SeqCst));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_drops_the_handler_and_answers_cancelled() {
    let app = app(Arc::new(Gate::default()), 16, 64);
    let gate = app.state::<Gate>().unwrap();
    let client = app.test_client("main");
    let id = client.next_id();
    let call = tokio::spawn({
        let c = client.clone();
        async move {
            let options = CallOptions {
                id: Some(id),
                ..CallOptions::default()
            };
            c.invoke_with::<u32>("cmd:wait", "", &args! {}, options)
                .await
        }
    });
    gate.wait_entered().await;
    client.cancel(id).await.unwrap();
    let e = call.await.unwrap().unwrap_err();
    assert_eq!(e.code(), ErrorCode::Cancelled);
    assert!(gate.dropped.load(Ordering::SeqCst));
    assert_eq!(client.session().pending(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_the_window_drops_pending_calls_and_subscriptions() {
    let app = App::builder()
        .manage(Gate::default())
        .commands(commands![wait])
        .capability(Capability::new("all").windows(["main"]).allow(["*"]))
        .build()
        .unwrap();
    let gate = app.state::<Gate>().unwrap();
    let client = app.test_client("main");
    let _sub = client.subscribe("news").await.unwrap();
    assert_eq!(app.subscription_count(), 1);
    let call = tokio::spawn({
        let c = client.clone();
        async move { c.invoke::<u32>("cmd:wait", "", &args! {}).await }
    });
    gate.wait_entered().await;
    client.close();
    let e = call.await.unwrap().unwrap_err();
    assert_eq!(e.code(), ErrorCode::WindowClosed);
    assert_eq!(e.message(), "window `main` is closed");
    assert!(gate.dropped.load(Ordering::SeqCst));
    assert_eq!(app.subscription_count(), 0);
    assert_eq!(app.session_count(), 0);
    // one wording whichever path answers: a call made after the close, a subscription
    let e = client
        .invoke::<u32>("cmd:wait", "", &args! {})
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::WindowClosed);
    assert_eq!(e.message(), "window `main` is closed");
    let e = client.subscribe("news").await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::WindowClosed);
    assert_eq!(e.message(), "window `main` is closed");
}

#[tokio::test]
async fn dropped_session_leaves_nothing_behind() {
    let app = app(Arc::new(Gate::default()), 16, 64);
    {
        let client = app.test_client("main");
        client.subscribe("a").await.unwrap();
        client.subscribe("b").await.unwrap();
        assert_eq!(app.subscription_count(), 2);
        assert_eq!(app.session_count(), 1);
    }
    assert_eq!(app.subscription_count(), 0);
    assert_eq!(app.session_count(), 0);
}

struct Discard;
impl Outbound for Discard {
    fn send(&self, _frame: Bytes) -> Result<(), Closed> {
        Ok(())
    }
}

fn request(id: u64, to: &str) -> Bytes {
    Frame::Request(Request {
        id: RequestId::new(id).unwrap(),
        to: to.parse().unwrap(),
        method: String::new(),
        payload: Bytes::new(),
        deadline_ms: None,
        credit: None,
    })
    .encode()
    .into()
}

fn decode(bytes: Option<Bytes>) -> Frame {
    Frame::decode(&bytes.expect("an answer"), &Limits::default()).unwrap()
}

#[tokio::test]
async fn request_before_hello_is_a_protocol_violation() {
    let app = app(Arc::new(Gate::default()), 16, 64);
    let session = app.session(Caller::new("main", "app://localhost"), Arc::new(Discard));
    match decode(session.handle(request(1, "cmd:boom")).await) {
        Frame::Response(r) => assert_eq!(r.result.unwrap_err().code, ErrorCode::ProtocolViolation),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn bad_frames_get_typed_errors_never_silence() {
    let app = app(Arc::new(Gate::default()), 16, 64);
    let client = app.test_client("main");
    for (bytes, code) in [
        (vec![0xc1], ErrorCode::Malformed),
        (vec![0x81, 0xa1, b'v'], ErrorCode::Malformed),
        (vec![0x92, 0x01, 0x02], ErrorCode::Malformed),
        (
            vec![0xc6, 0xff, 0xff, 0xff, 0xff, 0x00],
            ErrorCode::Malformed,
        ),
    ] {
        let answer = client.send_raw(Bytes::from(bytes)).await.unwrap();
        match decode(answer) {
            Frame::Error(e) => assert_eq!(e.error.code, code),
            other => panic!("{other:?}"),
        }
    }
    // 10,000 nested arrays in a payload: refused, no stack overflow
    let mut payload = vec![0x81, 0xa6];
    payload.extend_from_slice(b"really");
    payload.extend(std::iter::repeat_n(0x91, 10_000));
    payload.push(0xc3);
    let frame = Frame::Request(Request {
        id: RequestId::new(9).unwrap(),
        to: "cmd:boom".parse().unwrap(),
        method: String::new(),
        payload: payload.into(),
        deadline_ms: None,
        credit: None,
    });
    match decode(client.send_raw(frame.encode().into()).await.unwrap()) {
        Frame::Response(r) => assert_eq!(r.result.unwrap_err().code, ErrorCode::Malformed),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn unsupported_version_is_answered_with_the_versions_spoken() {
    let app = app(Arc::new(Gate::default()), 16, 64);
    let session = app.session(Caller::new("main", "app://localhost"), Arc::new(Discard));
    let hello = Frame::Hello(switchboard::protocol::Hello {
        versions: vec![7, 8],
        client: "test".into(),
        name: "future".into(),
    });
    match decode(session.handle(hello.encode().into()).await) {
        Frame::Error(e) => {
            assert_eq!(e.error.code, ErrorCode::UnsupportedVersion);
            assert_eq!(e.versions, Some(vec![2, 1]));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_newest_common_version_is_chosen_and_told_to_the_transport() {
    #[derive(Default)]
    struct Told(std::sync::Mutex<Vec<u32>>);
    impl Outbound for Told {
        fn send(&self, _frame: Bytes) -> Result<(), Closed> {
            Ok(())
        }
        fn negotiated(&self, version: u32) {
            self.0.lock().unwrap().push(version);
        }
    }
    let app = app(Arc::new(Gate::default()), 16, 64);
    for (offered, chosen) in [(vec![1], 1), (vec![1, 2], 2), (vec![2, 1, 9], 2)] {
        let told = Arc::new(Told::default());
        let session = app.session(Caller::new("main", "app://localhost"), told.clone());
        let hello = Frame::Hello(switchboard::protocol::Hello {
            versions: offered.clone(),
            client: "test".into(),
            name: "versions".into(),
        });
        match decode(session.handle(hello.encode().into()).await) {
            Frame::Welcome(w) => assert_eq!(w.version, chosen, "{offered:?}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(*told.0.lock().unwrap(), [chosen]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_pending_id_is_a_protocol_violation() {
    let app = app(Arc::new(Gate::default()), 16, 64);
    let gate = app.state::<Gate>().unwrap();
    let client = app.test_client("main");
    client.welcome().await.unwrap();
    let first = tokio::spawn({
        let c = client.clone();
        async move { c.send_raw(request(5, "cmd:wait")).await }
    });
    gate.wait_entered().await;
    match decode(client.send_raw(request(5, "cmd:wait")).await.unwrap()) {
        Frame::Response(r) => assert_eq!(r.result.unwrap_err().code, ErrorCode::ProtocolViolation),
        other => panic!("{other:?}"),
    }
    gate.release.add_permits(1);
    assert!(
        matches!(decode(first.await.unwrap().unwrap()), Frame::Response(r) if r.result.is_ok())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_calls_to_a_slow_actor_is_bounded() {
    let gate = Arc::new(Gate::default());
    let app = app(gate.clone(), 8, 10_000);
    let client = app.test_client("main");
    let hold = tokio::spawn({
        let c = client.clone();
        async move { c.invoke::<u32>("flaky", "hold", &args! {}).await }
    });
    gate.wait_entered().await;
    let (busy_tx, mut busy) = tokio::sync::mpsc::unbounded_channel();
    let flood = (0..1000).map(|_| {
        let c = client.clone();
        let busy_tx = busy_tx.clone();
        tokio::spawn(async move {
            if let Err(e) = c.invoke::<u32>("flaky", "bump", &args! {}).await {
                if e.code() == ErrorCode::Busy {
                    let _ = busy_tx.send(());
                }
            }
        })
    });
    let flood: Vec<_> = flood.collect();
    // at most the mailbox (8, plus the one the actor's task holds while it waits) is
    // queued; the rest are refused at once, while the actor is still held (the timeout
    // only turns a broken bound into a failure instead of a hang)
    let refused = tokio::time::timeout(Duration::from_secs(30), async {
        for _ in 0..991 {
            busy.recv().await.unwrap();
        }
    })
    .await;
    assert!(refused.is_ok(), "fewer than 991 calls were refused");
    gate.release.add_permits(1);
    hold.await.unwrap().unwrap();
    for f in flood {
        f.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_cancelled_while_queued_never_run() {
    let gate = Arc::new(Gate::default());
    let app = app(gate.clone(), 16, 64);
    let client = app.test_client("main");
    let hold = tokio::spawn({
        let c = client.clone();
        async move { c.invoke::<u32>("flaky", "hold", &args! {}).await }
    });
    gate.wait_entered().await;
    let options = CallOptions {
        deadline: Some(Duration::from_millis(10)),
        ..CallOptions::default()
    };
    for _ in 0..3 {
        let e = client
            .invoke_with::<u32>("flaky", "bump", &args! {}, options)
            .await
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::DeadlineExceeded);
    }
    gate.release.add_permits(1);
    assert_eq!(hold.await.unwrap().unwrap(), 0);
    // the three expired bumps were skipped, not run
    let n: u32 = client.invoke("flaky", "bump", &args! {}).await.unwrap();
    assert_eq!(n, 1);
}
