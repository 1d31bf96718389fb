//! Streamed replies under credit, cancel and deadlines.

use std::sync::Arc;
use std::time::Duration;

use switchboard::protocol::ErrorCode;
use switchboard::{args, commands, App, Capability, State, Stream};
use tokio::sync::watch;

/// What the producers did, as values a test can wait on (no sleeps).
struct Produced {
    /// Items produced so far.
    count: watch::Sender<u64>,
    /// Set when the producer was dropped (or its task saw the stream gone).
    dropped: Arc<watch::Sender<bool>>,
}

impl Default for Produced {
    fn default() -> Self {
        Produced {
            count: watch::Sender::new(0),
            dropped: Arc::new(watch::Sender::new(false)),
        }
    }
}

impl Produced {
    fn count(&self) -> u64 {
        *self.count.borrow()
    }

    fn made_one(&self) {
        self.count.send_modify(|n| *n += 1);
    }

    /// Wait until at least `n` items were produced.
    async fn reached(&self, n: u64) {
        let mut count = self.count.subscribe();
        within(count.wait_for(|made| *made >= n))
            .await
            .map(drop)
            .expect("the sender lives as long as `self`");
    }

    /// Wait until the producer is gone.
    async fn gone(&self) {
        let mut dropped = self.dropped.subscribe();
        within(dropped.wait_for(|dropped| *dropped))
            .await
            .map(drop)
            .expect("the sender lives as long as `self`");
    }
}

/// A guard against a hang, not a synchronization: a broken mechanism fails the test
/// instead of stalling it.
async fn within<F: std::future::Future>(wait: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(30), wait)
        .await
        .expect("the signal never came")
}

struct DropFlag(Arc<watch::Sender<bool>>);
impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.send_replace(true);
    }
}

/// Counts from 0 to `to` (exclusive), recording how many items were produced.
#[switchboard::command]
fn count(to: u64, produced: State<Produced>) -> Stream<u64> {
    let produced = produced.inner().clone();
    let flag = DropFlag(produced.dropped.clone());
    Stream::new(futures::stream::iter(0..to).map(move |i| {
        let _keep = &flag;
        produced.made_one();
        i
    }))
}

/// A producer task behind a bounded channel.
#[switchboard::command]
fn ticks(produced: State<Produced>) -> Stream<u64> {
    let produced = produced.inner().clone();
    let (tx, stream) = Stream::channel(2);
    tokio::spawn(async move {
        for i in 0.. {
            if tx.send(i).await.is_err() {
                produced.dropped.send_replace(true);
                return;
            }
            produced.made_one();
        }
    });
    stream
}

#[switchboard::command]
fn failing() -> Stream<Result<u8, String>> {
    Stream::new(futures::stream::iter(vec![Ok(1), Err("nope".to_string())]))
}

use futures::StreamExt;

fn app() -> App {
    App::builder()
        .manage(Produced::default())
        .commands(commands![count, ticks, failing])
        .capability(Capability::new("main").windows(["main"]).allow(["*"]))
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_items_arrive_in_order_then_the_end() {
    let app = app();
    let client = app.test_client("main");
    let mut stream = client
        .stream::<u64>("cmd:count", "", &args! { to: 50 }, 8)
        .await
        .unwrap();
    let mut got = Vec::new();
    while let Some(item) = stream.next().await {
        got.push(item.unwrap());
        stream.credit(1).await.unwrap();
    }
    assert_eq!(got, (0..50).collect::<Vec<_>>());
    assert_eq!(stream.sent(), Some(50));
    // the stream's pending entry is gone once it ended (the host frees it before it sends
    // the end)
    assert_eq!(client.session().pending(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_consumer_bounds_the_producer() {
    let app = app();
    let produced = app.state::<Produced>().unwrap();
    let client = app.test_client("main");
    let mut stream = client
        .stream::<u64>("cmd:count", "", &args! { to: 1_000_000 }, 4)
        .await
        .unwrap();
    for i in 0..4 {
        assert_eq!(stream.next().await.unwrap().unwrap(), i);
    }
    // no credit granted beyond the initial 4: the producer made 4 items, not a million
    // (the pump waits for credit before it polls the producer again, so this holds the
    // moment the 4th item is here; without credit the producer would be far ahead)
    assert_eq!(produced.count(), 4);
    stream.credit(3).await.unwrap();
    for i in 4..7 {
        assert_eq!(stream.next().await.unwrap().unwrap(), i);
    }
    assert_eq!(produced.count(), 7);
    assert!(stream.try_next().is_none(), "an item beyond the credit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_consumer_stalls_a_producer_task() {
    let app = app();
    let produced = app.state::<Produced>().unwrap();
    let client = app.test_client("main");
    let mut stream = client
        .stream::<u64>("cmd:ticks", "", &args! {}, 2)
        .await
        .unwrap();
    // the producer fills the credit (2) and the channel (2), then waits on a full channel
    produced.reached(4).await;
    assert_eq!(stream.next().await.unwrap().unwrap(), 0);
    assert_eq!(stream.next().await.unwrap().unwrap(), 1);
    // 2 sent under credit + 1 pulled into the pump's wait + 2 in the channel, at most
    let made = produced.count();
    assert!(made <= 5, "producer ran ahead: {made}");
    assert!(stream.try_next().is_none(), "an item beyond the credit");
    stream.cancel().await.unwrap();
    let mut end = None;
    while let Some(item) = stream.next().await {
        if let Err(e) = item {
            end = Some(e.code());
        }
    }
    assert_eq!(end, Some(ErrorCode::Cancelled));
    // the producer task learns at its next send that the stream is gone (the timeout in
    // `gone` turns "producer still running" into a failure)
    produced.gone().await;
    assert!(*produced.dropped.borrow(), "producer still running");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stops_the_producer() {
    let app = app();
    let produced = app.state::<Produced>().unwrap();
    let client = app.test_client("main");
    let mut stream = client
        .stream::<u64>("cmd:count", "", &args! { to: 1_000_000 }, 2)
        .await
        .unwrap();
    assert_eq!(stream.next().await.unwrap().unwrap(), 0);
    stream.cancel().await.unwrap();
    let mut end = None;
    while let Some(item) = stream.next().await {
        if let Err(e) = item {
            end = Some(e);
        }
    }
    assert_eq!(end.unwrap().code(), ErrorCode::Cancelled);
    // the pump drops the producer before it sends the end
    assert!(*produced.dropped.borrow());
    assert!(produced.count() <= 3);
    assert_eq!(client.session().pending(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn result_items_travel_as_values() {
    let app = app();
    let client = app.test_client("main");
    let mut stream = client
        .stream::<Result<u8, String>>("cmd:failing", "", &args! {}, 8)
        .await
        .unwrap();
    assert_eq!(stream.next().await.unwrap().unwrap(), Ok(1));
    assert_eq!(stream.next().await.unwrap().unwrap(), Err("nope".into()));
    assert!(stream.next().await.is_none());
    assert_eq!(stream.sent(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credit_for_no_stream_is_a_protocol_violation() {
    use switchboard::protocol::{Credit, Frame, Limits, RequestId};
    let app = app();
    let client = app.test_client("main");
    let frame = Frame::Credit(Credit {
        id: RequestId::new(77).unwrap(),
        n: 1,
    });
    let answer = client
        .send_raw(frame.encode().into())
        .await
        .unwrap()
        .unwrap();
    match Frame::decode(&answer, &Limits::default()).unwrap() {
        Frame::Error(e) => assert_eq!(e.error.code, ErrorCode::ProtocolViolation),
        other => panic!("{other:?}"),
    }
}
