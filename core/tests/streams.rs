//! Streamed replies under credit, cancel and deadlines.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use switchboard::protocol::ErrorCode;
use switchboard::{args, commands, App, Capability, State, Stream};

#[derive(Default)]
struct Produced {
    count: AtomicU64,
    dropped: Arc<AtomicBool>,
}

struct DropFlag(Arc<AtomicBool>);
impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Counts from 0 to `to` (exclusive), recording how many items were produced.
#[switchboard::command]
fn count(to: u64, produced: State<Produced>) -> Stream<u64> {
    let produced = produced.inner().clone();
    let flag = DropFlag(produced.dropped.clone());
    Stream::new(futures::stream::iter(0..to).map(move |i| {
        let _keep = &flag;
        produced.count.fetch_add(1, Ordering::SeqCst);
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
                produced.dropped.store(true, Ordering::SeqCst);
                return;
            }
            produced.count.fetch_add(1, Ordering::SeqCst);
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
    // the stream's pending entry is gone once it ended
    tokio::time::sleep(Duration::from_millis(20)).await;
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
    tokio::time::sleep(Duration::from_millis(100)).await;
    // no credit granted beyond the initial 4: the producer made 4 items, not a million
    assert_eq!(produced.count.load(Ordering::SeqCst), 4);
    for i in 0..4 {
        assert_eq!(stream.next().await.unwrap().unwrap(), i);
    }
    stream.credit(3).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(produced.count.load(Ordering::SeqCst), 7);
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
    tokio::time::sleep(Duration::from_millis(100)).await;
    // 2 sent under credit + 1 pulled into the pump's wait + 2 in the channel, at most
    let made = produced.count.load(Ordering::SeqCst);
    assert!(made <= 5, "producer ran ahead: {made}");
    assert_eq!(stream.next().await.unwrap().unwrap(), 0);
    stream.cancel().await.unwrap();
    let mut end = None;
    while let Some(item) = stream.next().await {
        if let Err(e) = item {
            end = Some(e.code());
        }
    }
    assert_eq!(end, Some(ErrorCode::Cancelled));
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        produced.dropped.load(Ordering::SeqCst),
        "producer still running"
    );
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
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(produced.dropped.load(Ordering::SeqCst));
    assert!(produced.count.load(Ordering::SeqCst) <= 3);
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
