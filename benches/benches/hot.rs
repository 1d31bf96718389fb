//! divan micro-benchmarks for finding hot spots on the path of one call (the end-to-end table
//! in `cargo xtask bench e2e` is the headline; `codec` and `bus` print ratios to baselines).
//!
//! `cargo bench -p switchboard-benches --bench hot` times, each alone: the frame codec, the
//! strict scan, typed payload decoding (a small argument map and the 1,000-struct
//! `echo_struct` value), one request through a session (decode, capability check, route,
//! command, encode) without the client, and the bridge's whole host share of the e2e bench's
//! `bulk` (16 MiB, `ByteBuf` against `Binary`) and `echo_struct` rows: an encoded request frame
//! into [`switchboard::Session::handle`], the encoded response frame out.

use bytes::Bytes;
use divan::{black_box, Bencher};
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use switchboard::protocol::{
    payload, scan, Address, Frame, Hello, Limits, Request, RequestId, SUPPORTED_VERSIONS,
};
use switchboard::Binary;

fn main() {
    divan::main();
}

#[derive(Serialize, Deserialize, Clone)]
struct Item {
    id: u64,
    name: String,
    tags: Vec<String>,
    score: f64,
}

#[derive(Serialize, Deserialize)]
struct Items {
    items: Vec<Item>,
}

#[derive(Serialize, Deserialize)]
struct Ping {
    n: u32,
}

fn items() -> Items {
    Items {
        items: (0..1000)
            .map(|i| Item {
                id: i,
                name: format!("item number {i}"),
                tags: vec!["alpha".into(), "beta".into(), format!("t{}", i % 7)],
                score: i as f64 * 0.5 + 0.25,
            })
            .collect(),
    }
}

fn request(payload: Bytes) -> Frame {
    Frame::Request(Request {
        id: RequestId::new(1).expect("small id"),
        to: Address::parse("cmd:ping").expect("valid address"),
        method: String::new(),
        payload,
        deadline_ms: None,
        credit: None,
    })
}

#[divan::bench(args = [0, 1024, 1 << 20])]
fn frame_encode(bencher: Bencher, payload_len: usize) {
    let frame = request(Bytes::from(vec![7u8; payload_len]));
    bencher.bench_local(|| black_box(&frame).encode());
}

#[divan::bench(args = [0, 1024, 1 << 20])]
fn frame_decode(bencher: Bencher, payload_len: usize) {
    let bytes = Bytes::from(request(Bytes::from(vec![7u8; payload_len])).encode());
    let limits = Limits::default();
    bencher.bench_local(|| Frame::decode(black_box(&bytes), &limits));
}

#[divan::bench]
fn scan_echo_struct_payload(bencher: Bencher) {
    let bytes = payload::to_bytes(&items()).expect("encodes");
    bencher.bench_local(|| scan(black_box(&bytes), 64));
}

#[divan::bench]
fn payload_decode_small_args(bencher: Bencher) {
    let bytes = payload::to_bytes(&Ping { n: 41 }).expect("encodes");
    let limits = Limits::default();
    bencher.bench_local(|| payload::from_slice::<Ping>(black_box(&bytes), &limits));
}

#[divan::bench]
fn payload_decode_echo_struct(bencher: Bencher) {
    let bytes = payload::to_bytes(&items()).expect("encodes");
    let limits = Limits::default();
    bencher.bench_local(|| payload::from_slice::<Items>(black_box(&bytes), &limits));
}

#[divan::bench]
fn payload_encode_echo_struct(bencher: Bencher) {
    let value = items();
    bencher.bench_local(|| payload::to_bytes(black_box(&value)));
}

/// `n + 1`, the bench's command.
#[switchboard::command]
fn ping(n: u32) -> u32 {
    n.wrapping_add(1)
}

#[divan::bench]
fn client_round_trip_command(bencher: Bencher) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let app = switchboard::App::builder()
        .commands(switchboard::commands![ping])
        .capability(
            switchboard::Capability::new("bench")
                .windows(["main"])
                .allow(["cmd:ping"]),
        )
        .build()
        .expect("a valid app");
    let client = runtime.block_on(async { app.test_client("main") });
    let args = switchboard::args! { n: 41 };
    bencher
        .bench_local(|| runtime.block_on(client.invoke::<u32>("cmd:ping", "", black_box(&args))));
}

/// `bulk` with `ByteBuf`: the argument copied out of the frame, the answer framed once.
#[switchboard::command]
fn bulk_bytebuf(data: ByteBuf) -> ByteBuf {
    data
}

/// `bulk` with `Binary`: the argument a slice of the frame, the answer framed once.
#[switchboard::command]
fn bulk_binary(data: Binary) -> Binary {
    data
}

/// `bulk` the way every command answered before `Binary` and framed replies (the A/B
/// baseline): the argument copied into a `ByteBuf`, the answer encoded into a payload of its
/// own, then copied into the response frame.
fn bulk_before() -> switchboard::command::Command {
    use switchboard::command::{ArgMeta, Command, HandlerMeta};
    use switchboard::reply::Reply;
    const ARGS: &[ArgMeta] = &[ArgMeta {
        name: "data",
        ty: "ByteBuf",
        from_payload: true,
        datatype: |_| None,
    }];
    let meta = HandlerMeta {
        name: "bulk_before",
        docs: "",
        args: ARGS,
        returns: "ByteBuf",
        ok: |_| None,
        error: None,
        stream: false,
    };
    Command::on_worker(meta, |call| {
        let data = match call.args().and_then(|args| args.get::<ByteBuf>("data")) {
            Ok(data) => data,
            Err(error) => return Reply::error(error),
        };
        Reply::value(&data)
    })
}

/// The e2e bench's `echo_struct`.
#[switchboard::command]
fn echo_struct(items: Vec<Item>) -> Vec<Item> {
    items
}

/// A session after `hello`, on a current-thread runtime, as the bridge drives one.
fn session() -> (tokio::runtime::Runtime, switchboard::Session) {
    struct Discard;
    impl switchboard::Outbound for Discard {
        fn send(&self, _frame: Bytes) -> Result<(), switchboard::Closed> {
            Ok(())
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let app = switchboard::App::builder()
        .commands(switchboard::commands![
            bulk_bytebuf,
            bulk_binary,
            echo_struct
        ])
        .command(bulk_before())
        .capability(
            switchboard::Capability::new("bench")
                .windows(["main"])
                .allow([
                    "cmd:bulk_before",
                    "cmd:bulk_bytebuf",
                    "cmd:bulk_binary",
                    "cmd:echo_struct",
                ]),
        )
        .build()
        .expect("a valid app");
    let session = app.session(
        switchboard::Caller::new("main", "app://localhost"),
        std::sync::Arc::new(Discard),
    );
    let hello = Frame::Hello(Hello {
        versions: SUPPORTED_VERSIONS.to_vec(),
        client: "bench".into(),
        name: "hot".into(),
    });
    runtime.block_on(session.handle(hello.encode().into()));
    (runtime, session)
}

/// Panics unless `answer` is a `response` with a value.
fn check_ok(answer: &Bytes) {
    match Frame::decode(answer, &Limits::default()) {
        Ok(Frame::Response(switchboard::protocol::Response { result: Ok(_), .. })) => {}
        other => panic!("not an ok response: {other:?}"),
    }
}

/// The encoded request frame calling `to` with `args`, id 1,000 (a page's ids grow).
fn call_frame(to: &str, args: &impl Serialize) -> Bytes {
    Frame::Request(Request {
        id: RequestId::new(1000).expect("small id"),
        to: Address::parse(to).expect("valid address"),
        method: String::new(),
        payload: payload::to_bytes(args).expect("encodes"),
        deadline_ms: None,
        credit: None,
    })
    .encode()
    .into()
}

#[derive(Serialize)]
struct Data {
    data: ByteBuf,
}

/// The host's whole share of one `bulk` call of 16 MiB through command `to`: request frame in,
/// response frame out, as the `Vec` the bridge hands wry.
fn session_bulk(bencher: Bencher, to: &str) {
    let (runtime, session) = session();
    let frame = call_frame(
        to,
        &Data {
            data: ByteBuf::from(vec![7u8; 16 << 20]),
        },
    );
    check_ok(
        &runtime
            .block_on(session.handle(frame.clone()))
            .expect("an answer"),
    );
    bencher.bench_local(|| {
        let answer = runtime.block_on(session.handle(black_box(frame.clone())));
        Vec::from(answer.expect("an answer"))
    });
}

/// `bulk` of 16 MiB the way it was answered before `Binary` and framed replies.
#[divan::bench(sample_count = 20)]
fn session_bulk_16m_before(bencher: Bencher) {
    session_bulk(bencher, "cmd:bulk_before");
}

/// `bulk` of 16 MiB taking and answering a `ByteBuf` (framed reply).
#[divan::bench(sample_count = 20)]
fn session_bulk_16m_bytebuf(bencher: Bencher) {
    session_bulk(bencher, "cmd:bulk_bytebuf");
}

/// `bulk` of 16 MiB taking and answering a `Binary` (no copy in, framed reply).
#[divan::bench(sample_count = 20)]
fn session_bulk_16m_binary(bencher: Bencher) {
    session_bulk(bencher, "cmd:bulk_binary");
}

/// The host's whole share of one `echo_struct` call: request frame in, response frame out.
#[divan::bench]
fn session_echo_struct(bencher: Bencher) {
    let (runtime, session) = session();
    let frame = call_frame("cmd:echo_struct", &items());
    check_ok(
        &runtime
            .block_on(session.handle(frame.clone()))
            .expect("an answer"),
    );
    bencher.bench_local(|| runtime.block_on(session.handle(black_box(frame.clone()))));
}
