//! divan micro-benchmarks for finding hot spots on the path of one call (the end-to-end table
//! in `cargo xtask bench e2e` is the headline; `codec` and `bus` print ratios to baselines).
//!
//! `cargo bench -p switchboard-benches --bench hot` times, each alone: the frame codec, the
//! strict scan, typed payload decoding (a small argument map and the 1,000-struct
//! `echo_struct` value), and one request through a session (decode, capability check, route,
//! command, encode) without the client.

use bytes::Bytes;
use divan::{black_box, Bencher};
use serde::{Deserialize, Serialize};
use switchboard::protocol::{payload, scan, Address, Frame, Limits, Request, RequestId};

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
