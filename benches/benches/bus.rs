//! The bus, end to end in process: request/response through the in-process client (real
//! encoded frames, a real session, the router, a handler) and event fan-out, each next to
//! a bare tokio mpsc + oneshot round trip measured in the same run.
//!
//! Run with `cargo bench -p switchboard-benches --bench bus`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use switchboard::{commands, App, Capability};
use tokio::sync::{mpsc, oneshot};

#[derive(Serialize, Clone, Copy)]
struct AddArgs {
    a: i64,
    b: i64,
}

#[switchboard::command]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

#[derive(Default, Clone)]
struct Counter {
    total: i64,
}

#[switchboard::actor]
impl Counter {
    fn add(&mut self, a: i64, b: i64) -> i64 {
        self.total += a + b;
        self.total
    }
}

/// An actor that blocks until released: the target of the flood.
#[derive(Clone)]
struct Dam {
    gate: Arc<tokio::sync::Semaphore>,
}

#[switchboard::actor]
impl Dam {
    async fn hold(&mut self) -> u32 {
        let _permit = self.gate.acquire().await;
        0
    }
    fn pass(&mut self, a: i64, b: i64) -> i64 {
        a + b
    }
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// A flood of calls at an actor that does not answer: how many were queued, how many
/// refused `busy`, and what it cost in memory.
async fn flood() {
    const MAILBOX: usize = 4096;
    const CALLS: usize = 1_000_000;
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let app = App::builder()
        .mailbox(MAILBOX)
        .max_pending(8192)
        .actor("dam", Dam { gate: gate.clone() })
        .capability(Capability::new("bench").windows(["main"]).allow(["*"]))
        .build()
        .expect("flood app");
    let client = app.test_client("main");
    client.welcome().await.expect("hello");
    let holder = tokio::spawn({
        let c = client.clone();
        async move {
            c.invoke::<u32>("dam", "hold", &AddArgs { a: 0, b: 0 })
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(20)).await;
    let before = rss_kib();
    let start = Instant::now();
    let busy = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut peak = before;
    // like a transport that spawns a task per inbound frame, with at most 16k frames in
    // flight (the transport's own bound)
    let in_flight = Arc::new(tokio::sync::Semaphore::new(16_384));
    for i in 0..CALLS {
        let c = client.clone();
        let busy = busy.clone();
        let done = done.clone();
        let permit = in_flight.clone().acquire_owned().await.expect("permit");
        tokio::spawn(async move {
            let _permit = permit;
            let r = c
                .invoke::<i64>("dam", "pass", &AddArgs { a: i as i64, b: 1 })
                .await;
            if matches!(&r, Err(e) if e.code() == switchboard::protocol::ErrorCode::Busy) {
                busy.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        });
        if i % 4096 == 4095 {
            peak = peak.max(rss_kib());
        }
    }
    // wait until everything that is not stuck in the mailbox has been answered
    let queued = loop {
        let d = done.load(std::sync::atomic::Ordering::Relaxed);
        let b = busy.load(std::sync::atomic::Ordering::Relaxed);
        peak = peak.max(rss_kib());
        // the mailbox, plus the call the actor's task holds while the actor is busy
        if d == b && CALLS - d <= MAILBOX + 1 {
            break CALLS - d;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    let elapsed = start.elapsed();
    let refused = busy.load(std::sync::atomic::Ordering::Relaxed);
    println!(
        "{CALLS} calls (one task each, 16k in flight) at a stalled actor with a mailbox of {MAILBOX}, in {:.2} s: \
         {queued} queued, {refused} answered busy ({:.0} refusals/s); RSS {} MiB before, peak {} MiB, {} MiB after",
        elapsed.as_secs_f64(),
        refused as f64 / elapsed.as_secs_f64(),
        before / 1024,
        peak / 1024,
        rss_kib() / 1024,
    );
    gate.add_permits(1);
    holder.await.expect("holder").expect("hold");
    while done.load(std::sync::atomic::Ordering::Relaxed) < CALLS {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn app() -> App {
    App::builder()
        .commands(commands![add])
        .actor("counter", Counter::default())
        .mailbox(4096)
        .max_pending(4096)
        .capability(
            Capability::new("bench")
                .windows(["main", "sub-*"])
                .allow(["*"]),
        )
        .build()
        .expect("bench app")
}

struct Latency {
    p50: Duration,
    p99: Duration,
}

fn percentiles(mut samples: Vec<Duration>) -> Latency {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q) as usize];
    Latency {
        p50: at(0.50),
        p99: at(0.99),
    }
}

type BareRequest = (AddArgs, oneshot::Sender<i64>);

/// A bare server task: what a round trip costs with nothing but tokio.
fn bare_server() -> mpsc::Sender<BareRequest> {
    let (tx, mut rx) = mpsc::channel::<BareRequest>(4096);
    tokio::spawn(async move {
        while let Some((args, reply)) = rx.recv().await {
            let _ = reply.send(args.a + args.b);
        }
    });
    tx
}

async fn bare_call(server: &mpsc::Sender<BareRequest>, args: AddArgs) -> i64 {
    let (tx, rx) = oneshot::channel();
    server.send((args, tx)).await.expect("bare server");
    rx.await.expect("bare answer")
}

async fn latency_bare(n: usize) -> Latency {
    let server = bare_server();
    let mut samples = Vec::with_capacity(n);
    for i in 0..n {
        let start = Instant::now();
        let r = bare_call(&server, AddArgs { a: i as i64, b: 1 }).await;
        samples.push(start.elapsed());
        assert_eq!(r, i as i64 + 1);
    }
    percentiles(samples)
}

async fn latency_bus(client: &switchboard::Client, to: &str, method: &str, n: usize) -> Latency {
    let mut samples = Vec::with_capacity(n);
    for i in 0..n {
        let start = Instant::now();
        let r: i64 = client
            .invoke(to, method, &AddArgs { a: i as i64, b: 1 })
            .await
            .expect("bus call");
        samples.push(start.elapsed());
        if to.starts_with("cmd:") {
            assert_eq!(r, i as i64 + 1);
        }
    }
    percentiles(samples)
}

/// `total` calls, `in_flight` at a time (one task each), calls per second.
async fn throughput_bare(in_flight: usize, total: usize) -> f64 {
    let server = bare_server();
    let per = total / in_flight;
    let start = Instant::now();
    let tasks: Vec<_> = (0..in_flight)
        .map(|_| {
            let server = server.clone();
            tokio::spawn(async move {
                for i in 0..per {
                    bare_call(&server, AddArgs { a: i as i64, b: 1 }).await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("task");
    }
    (per * in_flight) as f64 / start.elapsed().as_secs_f64()
}

async fn throughput_bus(
    client: &switchboard::Client,
    to: &'static str,
    method: &'static str,
    in_flight: usize,
    total: usize,
) -> f64 {
    let per = total / in_flight;
    let start = Instant::now();
    let tasks: Vec<_> = (0..in_flight)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                for i in 0..per {
                    let _: i64 = client
                        .invoke(to, method, &AddArgs { a: i as i64, b: 1 })
                        .await
                        .expect("bus call");
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("task");
    }
    (per * in_flight) as f64 / start.elapsed().as_secs_f64()
}

/// Deliveries per second: `events` emitted from Rust to `subscribers` pages (in-process
/// clients: each delivery is an encoded frame decoded by the client), until all arrived.
async fn fanout_bus(app: &App, subscribers: usize, events: usize) -> f64 {
    let mut subs = Vec::new();
    let mut clients = Vec::new();
    for i in 0..subscribers {
        let client = app.test_client(&format!("sub-{i}"));
        subs.push(client.subscribe("bench/tick").await.expect("subscribe"));
        clients.push(client);
    }
    let start = Instant::now();
    for i in 0..events {
        app.emit("bench/tick", &(i as u64)).expect("emit");
    }
    for sub in &mut subs {
        for _ in 0..events {
            sub.next().await.expect("event");
        }
    }
    let rate = (events * subscribers) as f64 / start.elapsed().as_secs_f64();
    drop(subs);
    for c in clients {
        c.close();
    }
    rate
}

/// The same fan-out with bare unbounded mpsc channels (send each event to each channel).
async fn fanout_bare(subscribers: usize, events: usize) -> f64 {
    let (txs, mut rxs): (Vec<_>, Vec<_>) = (0..subscribers)
        .map(|_| mpsc::unbounded_channel::<u64>())
        .unzip();
    let start = Instant::now();
    for i in 0..events {
        for tx in &txs {
            let _ = tx.send(i as u64);
        }
    }
    for rx in &mut rxs {
        for _ in 0..events {
            rx.recv().await.expect("event");
        }
    }
    (events * subscribers) as f64 / start.elapsed().as_secs_f64()
}

fn us(d: Duration) -> String {
    format!("{:.2} µs", d.as_secs_f64() * 1e6)
}

async fn run() {
    let app = app();
    let client = app.test_client("main");
    client.welcome().await.expect("hello");
    const N: usize = 50_000;
    const TOTAL: usize = 640_000;

    // warm up
    let _ = latency_bus(&client, "cmd:add", "", 5_000).await;
    let _ = latency_bare(5_000).await;

    println!("## request/response, 1 in flight ({N} calls)");
    let bare = latency_bare(N).await;
    println!(
        "bare tokio mpsc+oneshot      p50 {:>10}  p99 {:>10}",
        us(bare.p50),
        us(bare.p99)
    );
    for (name, to, method) in [
        ("command cmd:add", "cmd:add", ""),
        ("actor counter.add", "counter", "add"),
    ] {
        let bus = latency_bus(&client, to, method, N).await;
        println!(
            "bus {name:<24} p50 {:>10}  p99 {:>10}  ({:.2}x / {:.2}x bare)",
            us(bus.p50),
            us(bus.p99),
            bus.p50.as_secs_f64() / bare.p50.as_secs_f64(),
            bus.p99.as_secs_f64() / bare.p99.as_secs_f64(),
        );
    }

    for in_flight in [1usize, 64] {
        let total = if in_flight == 1 { TOTAL / 4 } else { TOTAL };
        println!("\n## throughput, {in_flight} in flight ({total} calls)");
        let bare = throughput_bare(in_flight, total).await;
        println!("bare tokio mpsc+oneshot      {:>10.0} req/s", bare);
        for (name, to, method) in [
            ("command cmd:add", "cmd:add", ""),
            ("actor counter.add", "counter", "add"),
        ] {
            let bus = throughput_bus(&client, to, method, in_flight, total).await;
            println!(
                "bus {name:<24} {:>10.0} req/s  ({:.2}x bare)",
                bus,
                bus / bare
            );
        }
    }

    println!(
        "\n## event fan-out (events emitted from Rust, delivered as frames to in-process pages)"
    );
    for subscribers in [1usize, 10, 100] {
        let events = 100_000 / subscribers;
        let bare = fanout_bare(subscribers, events).await;
        let bus = fanout_bus(&app, subscribers, events).await;
        println!(
            "{subscribers:>3} subscribers × {events:>6} events: bus {:>10.0} deliveries/s, bare mpsc {:>11.0}/s ({:.2}x bare)",
            bus,
            bare,
            bus / bare
        );
    }

    println!("\n## flood");
    flood().await;
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    println!("# switchboard bus benchmark (tokio multi-thread runtime, 2 workers)\n");
    runtime.block_on(async { tokio::spawn(run()).await.expect("bench") });
}
