//! actix actors on the bus (feature `actix`): calls, capability checks, `busy` when the
//! adapter's bound is reached, `actor_failed` once the actor has died.
#![cfg(feature = "actix")]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix::prelude::*;
use serde::{Deserialize, Serialize};
use switchboard::protocol::ErrorCode;
use switchboard::{args, App, Capability};
use tokio::sync::Semaphore;

struct Counter {
    total: i64,
    /// `hold` blocks the actor's thread until a permit arrives here.
    release: Arc<Mutex<std::sync::mpsc::Receiver<()>>>,
    entered: Arc<Semaphore>,
}

impl Actor for Counter {
    type Context = Context<Self>;
}

#[derive(Message, Deserialize)]
#[rtype(result = "i64")]
struct Add {
    n: i64,
}

impl Handler<Add> for Counter {
    type Result = i64;
    fn handle(&mut self, msg: Add, _: &mut Context<Self>) -> i64 {
        self.total += msg.n;
        self.total
    }
}

#[derive(Message, Deserialize)]
#[rtype(result = "i64")]
struct Hold {}

impl Handler<Hold> for Counter {
    type Result = i64;
    fn handle(&mut self, _: Hold, _: &mut Context<Self>) -> i64 {
        self.entered.add_permits(1);
        let _ = self.release.lock().unwrap().recv();
        self.total
    }
}

#[derive(Message, Deserialize)]
#[rtype(result = "()")]
struct Explode {}

impl Handler<Explode> for Counter {
    type Result = ();
    fn handle(&mut self, _: Explode, _: &mut Context<Self>) {
        panic!("actix handler exploded")
    }
}

#[derive(Message, Deserialize)]
#[rtype(result = "()")]
struct Stop {}

impl Handler<Stop> for Counter {
    type Result = ();
    fn handle(&mut self, _: Stop, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

#[derive(Debug, Serialize, thiserror::Error)]
#[error("negative: {0}")]
struct Negative(i64);

#[derive(Message, Deserialize)]
#[rtype(result = "Result<i64, Negative>")]
struct Sqrt {
    n: i64,
}

impl Handler<Sqrt> for Counter {
    type Result = Result<i64, Negative>;
    fn handle(&mut self, msg: Sqrt, _: &mut Context<Self>) -> Self::Result {
        if msg.n < 0 {
            Err(Negative(msg.n))
        } else {
            Ok((msg.n as f64).sqrt() as i64)
        }
    }
}

struct Fixture {
    app: App,
    release: std::sync::mpsc::Sender<()>,
    entered: Arc<Semaphore>,
}

/// An actix system on its own thread, running a `Counter`, registered on the bus.
fn fixture(capacity: usize) -> Fixture {
    let (release, rx) = std::sync::mpsc::channel();
    let entered = Arc::new(Semaphore::new(0));
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let actor_entered = entered.clone();
    std::thread::spawn(move || {
        let system = actix::System::new();
        system.block_on(async move {
            let addr = Counter {
                total: 0,
                release: Arc::new(Mutex::new(rx)),
                entered: actor_entered,
            }
            .start();
            addr_tx.send(addr).unwrap();
        });
        let _ = system.run();
    });
    let addr: Addr<Counter> = addr_rx.recv().unwrap();
    let app = App::builder()
        .actix_actor("counter", addr, |m| {
            m.method::<Add>("add")
                .method::<Hold>("hold")
                .method::<Explode>("explode")
                .method::<Stop>("stop")
                .fallible::<Sqrt, _, _>("sqrt")
                .capacity(capacity)
        })
        .capability(
            Capability::new("main")
                .windows(["main"])
                .allow(["counter.*"]),
        )
        .capability(
            Capability::new("viewer")
                .windows(["viewer"])
                .allow(["counter.sqrt"]),
        )
        .build()
        .unwrap();
    Fixture {
        app,
        release,
        entered,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_actix_handler_answers_bus_calls_under_the_same_capabilities() {
    let f = fixture(16);
    let page = f.app.test_client("main");
    let total: i64 = page
        .invoke("counter", "add", &args! { n: 5 })
        .await
        .unwrap();
    assert_eq!(total, 5);
    let total: i64 = page
        .invoke("counter", "add", &args! { n: 2 })
        .await
        .unwrap();
    assert_eq!(total, 7);
    // from Rust, trusted
    let total: i64 = f.app.call("counter", "add", &args! { n: 1 }).await.unwrap();
    assert_eq!(total, 8);
    // Result handlers: Ok is the answer, Err the app error with its data
    assert_eq!(
        page.invoke::<i64>("counter", "sqrt", &args! { n: 16 })
            .await
            .unwrap(),
        4
    );
    let e = page
        .invoke::<i64>("counter", "sqrt", &args! { n: -1 })
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::App);
    assert_eq!(e.message(), "negative: -1");
    // the viewer may only take square roots
    let viewer = f.app.test_client("viewer");
    let e = viewer
        .invoke::<i64>("counter", "add", &args! { n: 100 })
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden);
    assert_eq!(
        page.invoke::<i64>("counter", "add", &args! { n: 0 })
            .await
            .unwrap(),
        8
    );
    // what the adapter refuses itself
    let e = page
        .invoke::<i64>("counter", "nothing", &args! {})
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::UnknownMethod);
    let e = page
        .invoke::<i64>("counter", "add", &args! { n: "five" })
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::BadPayload);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_actix_actor_answers_busy_and_serves_the_rest_later() {
    let f = fixture(2);
    let page = f.app.test_client("main");
    let held = tokio::spawn({
        let c = page.clone();
        async move { c.invoke::<i64>("counter", "hold", &args! {}).await }
    });
    let _entered = f.entered.acquire().await.unwrap();
    // the actor is busy: one more call fits (it takes its slot when first polled), the
    // next is refused at once
    page.welcome().await.unwrap();
    let one = args! { n: 1 };
    let mut queued = Box::pin(page.invoke::<i64>("counter", "add", &one));
    assert!(futures::poll!(&mut queued).is_pending());
    let e = page
        .invoke::<i64>("counter", "add", &args! { n: 10 })
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Busy);
    assert!(e.message().contains("capacity"), "{}", e.message());
    f.release.send(()).unwrap();
    assert_eq!(held.await.unwrap().unwrap(), 0);
    assert_eq!(queued.await.unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_actix_actor_answers_actor_failed() {
    let f = fixture(16);
    let page = f.app.test_client("main");
    assert_eq!(
        page.invoke::<i64>("counter", "add", &args! { n: 1 })
            .await
            .unwrap(),
        1
    );
    // a panicking actix handler kills its actor: that call and every later one fail
    let e = page
        .invoke::<()>("counter", "explode", &args! {})
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::ActorFailed);
    let start = Instant::now();
    let e = page
        .invoke::<i64>("counter", "add", &args! { n: 1 })
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::ActorFailed);
    assert!(start.elapsed() < Duration::from_secs(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_actix_actor_answers_actor_failed() {
    let f = fixture(16);
    let page = f.app.test_client("main");
    page.invoke::<()>("counter", "stop", &args! {})
        .await
        .unwrap();
    let e = page
        .invoke::<i64>("counter", "add", &args! { n: 1 })
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::ActorFailed);
    assert!(e.message().contains("counter"), "{}", e.message());
}

#[derive(Clone, Default)]
struct Native {
    total: i64,
}

#[switchboard::actor]
impl Native {
    fn add(&mut self, n: i64) -> i64 {
        self.total += n;
        self.total
    }
}

/// Round trip through the adapter against a native actor, in the same run:
/// `cargo test -p switchboard --features actix --release --test actix -- --ignored --nocapture`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a check"]
async fn measure_actix_adapter_against_a_native_actor() {
    const N: usize = 20_000;
    let f = fixture(16);
    let app = App::builder()
        .actor("native", Native::default())
        .capability(Capability::new("main").windows(["main"]).allow(["*"]))
        .build()
        .unwrap();
    let native = app.test_client("main");
    let actix = f.app.test_client("main");
    async fn p50_p99(client: switchboard::Client, to: &'static str) -> (f64, f64) {
        let mut samples = Vec::with_capacity(N);
        for _ in 0..N {
            let start = Instant::now();
            let _: i64 = client.invoke(to, "add", &args! { n: 1 }).await.unwrap();
            samples.push(start.elapsed());
        }
        samples.sort();
        (
            samples[N / 2].as_secs_f64() * 1e6,
            samples[N * 99 / 100].as_secs_f64() * 1e6,
        )
    }
    for round in 0..2 {
        for (name, client, to) in [("native", &native, "native"), ("actix", &actix, "counter")] {
            // the caller on a worker of the bus's runtime, then on a thread of its own (as
            // the UI thread is)
            let on_worker = tokio::spawn(p50_p99(client.clone(), to)).await.unwrap();
            let outside = p50_p99(client.clone(), to).await;
            println!(
                "round {round} {name:<7} caller on a worker: p50 {:>6.2} µs p99 {:>7.2} µs | caller on its own thread: p50 {:>6.2} µs p99 {:>7.2} µs",
                on_worker.0, on_worker.1, outside.0, outside.1
            );
        }
    }
}
