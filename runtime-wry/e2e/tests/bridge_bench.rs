//! Which bridge path is faster, measured in the real app (`src/main.rs`) under WebKitGTK:
//! replies through `fetch` to the custom scheme vs `postMessage` answered by
//! `evaluate_script`, pushes through a held-open `/poll` vs `evaluate_script`, and a large
//! payload both ways. Prints the figures (the bridge module's docs quote a release run:
//! `cargo test --release -p switchboard-runtime-wry-e2e --test bridge_bench -- --nocapture`)
//! and checks every path delivered everything.

mod support;

use serde_json::{json, Value};
use support::{serial, Driver};

const CALLS: u64 = 1000;
const EVENTS: u64 = 10_000;

fn open(driver: &Driver, label: &str) {
    let opened = driver.run_async(&format!(
        "const done = arguments[arguments.length - 1]; \
         SB.invoke('cmd:open_window', {{ label: '{label}', url: 'bench.html?w={label}' }}).then(() => done('ok'), e => done(e.code + ': ' + e.message));"
    ));
    assert_eq!(opened, json!("ok"), "opening {label}");
}

fn measure(driver: &Driver, body: &str) -> Value {
    let result = driver.run_async(&format!(
        "const done = arguments[arguments.length - 1]; \
         (async () => {{ {body} }})().then(done, e => done({{ error: (e.code || 'js') + ': ' + e.message }}));"
    ));
    assert!(result.get("error").is_none(), "{result}");
    result
}

#[test]
fn bridge_paths_are_measured() {
    let _serial = serial();
    let driver = Driver::start();
    driver.switch_to_label("main");
    open(&driver, "bench-poll");
    open(&driver, "bench-eval");

    // fetch replies and poll pushes
    driver.switch_to_label("bench-poll");
    let fetch = measure(
        &driver,
        &format!(
            "const nope = () => fetch(SB.BASE + '/nope', {{ method: 'POST', body: new Uint8Array(1) }}); \
             for (let i = 0; i < 50; i++) await nope(); \
             let t = Date.now(); for (let i = 0; i < {CALLS}; i++) await nope(); \
             const floorMs = Date.now() - t; \
             for (let i = 0; i < 50; i++) await SB.invoke('cmd:hits', {{}}); \
             t = Date.now(); for (let i = 0; i < {CALLS}; i++) await SB.invoke('cmd:hits', {{}}); \
             const replyMs = Date.now() - t; \
             let got = 0; await SB.listen('bench', () => {{ got++; }}); \
             const polls0 = SB.stats.polls; t = Date.now(); \
             await SB.invoke('cmd:burst', {{ n: {EVENTS}, topic: 'bench' }}); \
             while (got < {EVENTS}) await new Promise(r => setTimeout(r, 1)); \
             const pushMs = Date.now() - t; const polls = SB.stats.polls - polls0; \
             const big = new Uint8Array(4 << 20).fill(7); t = Date.now(); \
             const back = await SB.invoke('cmd:echo', {{ data: big }}); \
             const bigMs = Date.now() - t; \
             return {{ floorMs, replyMs, pushMs, polls, got, bigMs, bigOk: back.length === big.length }};"
        ),
    );

    // postMessage replies and evaluate_script pushes
    driver.switch_to_label("bench-eval");
    let eval = measure(
        &driver,
        &format!(
            "for (let i = 0; i < 50; i++) await SB.invokeViaPost('cmd:hits', {{}}); \
             let t = Date.now(); for (let i = 0; i < {CALLS}; i++) await SB.invokeViaPost('cmd:hits', {{}}); \
             const replyMs = Date.now() - t; \
             let got = 0; await SB.listenViaPost('bench', () => {{ got++; }}); \
             const evals0 = SB.stats.evals; t = Date.now(); \
             await SB.invokeViaPost('cmd:burst', {{ n: {EVENTS}, topic: 'bench' }}); \
             while (got < {EVENTS}) await new Promise(r => setTimeout(r, 1)); \
             const pushMs = Date.now() - t; const evals = SB.stats.evals - evals0; \
             const big = new Uint8Array(4 << 20).fill(7); t = Date.now(); \
             const back = await SB.invokeViaPost('cmd:echo', {{ data: big }}); \
             const bigMs = Date.now() - t; \
             return {{ replyMs, pushMs, evals, got, bigMs, bigOk: back.length === big.length }};"
        ),
    );

    let us = |v: &Value| v["replyMs"].as_f64().unwrap_or(f64::NAN) * 1000.0 / CALLS as f64;
    let rate =
        |v: &Value| EVENTS as f64 / (v["pushMs"].as_f64().unwrap_or(f64::NAN).max(1.0) / 1000.0);
    let mbps = |v: &Value| 2.0 * 4.0 / (v["bigMs"].as_f64().unwrap_or(f64::NAN).max(1.0) / 1000.0);
    eprintln!(
        "bridge paths ({} build):",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    let floor = fetch["floorMs"].as_f64().unwrap_or(f64::NAN) * 1000.0 / CALLS as f64;
    eprintln!("  floor, fetch answered 404 at once:   {floor:7.0} us per round trip (no bus)");
    eprintln!(
        "  reply, fetch POST /ipc:              {:7.0} us per round trip",
        us(&fetch)
    );
    eprintln!(
        "  reply, postMessage + evaluate_script:{:7.0} us per round trip",
        us(&eval)
    );
    eprintln!(
        "  push {EVENTS} events, held-open /poll:   {:7.0} events/s in {} responses",
        rate(&fetch),
        fetch["polls"]
    );
    eprintln!(
        "  push {EVENTS} events, evaluate_script:   {:7.0} events/s in {} script calls",
        rate(&eval),
        eval["evals"]
    );
    eprintln!(
        "  4 MiB echo, fetch:                   {:7.1} MB/s up+down",
        mbps(&fetch)
    );
    eprintln!(
        "  4 MiB echo, postMessage (base64):    {:7.1} MB/s up+down",
        mbps(&eval)
    );

    for (name, v) in [("fetch/poll", &fetch), ("postMessage/eval", &eval)] {
        assert_eq!(v["got"], json!(EVENTS), "{name}: events lost: {v}");
        assert_eq!(v["bigOk"], json!(true), "{name}: 4 MiB echo: {v}");
    }
    assert!(fetch["polls"].as_u64().unwrap_or(0) >= 1);
    assert!(eval["evals"].as_u64().unwrap_or(0) >= 1);
}
