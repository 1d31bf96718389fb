//! The actor model in real windows (WebKitGTK under Xvfb, driven by WebKitWebDriver): the
//! app's code never holds the UI thread, and a window's actor bounds what a page can queue
//! on it.

mod support;

use std::time::Duration;

use serde_json::{json, Value};
use support::{serial, Driver};

const WAIT: Duration = Duration::from_secs(30);

/// Milliseconds a `cmd:greet` round trip takes from the current window (fetch path).
fn ping_ms(driver: &Driver) -> Value {
    driver.run_async(
        "const done = arguments[arguments.length - 1]; const t0 = Date.now(); \
         SB.invoke('cmd:greet', { name: 'ping' }).then(() => done({ ms: Date.now() - t0, at: Date.now() }), e => done({ error: String(e.code || e) }));",
    )
}

#[test]
fn a_blocking_actor_method_never_holds_the_ui_thread() {
    let _serial = serial();
    let driver = Driver::start();
    driver.switch_to_label("second");
    let idle = ping_ms(&driver);
    assert!(idle["ms"].is_u64(), "{idle}");

    // main: frames are counted while a sync actor method sleeps 1.5 s; the call goes by
    // postMessage, the path whose handler runs on the UI thread
    driver.switch_to_label("main");
    let started = driver.run_async(
        "const done = arguments[arguments.length - 1]; \
         const s = window.napState = { gaps: [], frames: 0, running: true }; \
         let last = null; \
         const tick = (t) => { if (last !== null) s.gaps.push(t - last); last = t; s.frames++; if (s.running) requestAnimationFrame(tick); }; \
         requestAnimationFrame(tick); \
         const go = () => { if (s.frames < 5) { requestAnimationFrame(go); return; } \
           s.start = Date.now(); s.nap = SB.invokeViaPost('sleeper', { ms: 1500 }, undefined, 'nap') \
             .then(v => { s.end = Date.now(); s.result = v; s.running = false; }, e => { s.end = Date.now(); s.error = String(e.code || e); s.running = false; }); \
           done(s.start); }; \
         requestAnimationFrame(go);",
    );
    let nap_start = started.as_u64().expect("the nap did not start");

    // meanwhile the second window's ping is answered at its usual pace
    driver.switch_to_label("second");
    let busy = ping_ms(&driver);
    let busy_ms = busy["ms"].as_u64().unwrap_or_else(|| panic!("{busy}"));
    let at = busy["at"].as_u64().unwrap();
    eprintln!("ping idle {idle}, during the nap {busy}");
    assert!(
        at < nap_start + 1500,
        "the ping ended after the nap: not measured during it"
    );
    assert!(
        busy_ms < 400,
        "a second window's ping took {busy_ms} ms while an actor slept"
    );

    driver.switch_to_label("main");
    let nap = driver.wait_for(
        "the nap's answer",
        "const s = window.napState; return s.end ? { result: s.result, error: s.error, ms: s.end - s.start, frames: s.frames, max_gap: Math.max(...s.gaps) } : null;",
        WAIT,
    );
    eprintln!("main during the nap: {nap}");
    assert_eq!(nap["result"], json!(1500), "{nap}");
    let max_gap = nap["max_gap"].as_f64().unwrap();
    assert!(
        max_gap < 400.0,
        "a frame waited {max_gap} ms while the actor slept: it ran on the UI thread"
    );
    assert!(nap["frames"].as_u64().unwrap() > 10, "{nap}");
}

#[test]
fn a_page_flooding_its_window_hears_busy_and_every_call_is_answered() {
    let _serial = serial();
    let driver = Driver::start();
    driver.switch_to_label("main");
    let flood = driver.run_async(
        "const done = arguments[arguments.length - 1]; \
         const s = window.flood = { ok: 0, busy: 0, other: {}, sent: 0 }; \
         SB.invokeViaPost('cmd:hits', {}).then(() => { \
           const all = []; \
           for (let i = 0; i < 100000; i++) { \
             all.push(SB.invokeViaPost('window:main', { title: 't' + i }, undefined, 'set_title') \
               .then(() => s.ok++, e => { if (e.code === 'busy') s.busy++; else s.other[e.code] = (s.other[e.code] || 0) + 1; })); \
             s.sent++; \
           } \
           s.all = Promise.all(all).then(() => { s.done = Date.now(); }); \
           done(s.sent); });",
    );
    assert_eq!(flood, json!(100000));
    // while the page's calls are answered, the second window is served
    driver.switch_to_label("second");
    let during = ping_ms(&driver);
    eprintln!("second window's ping during the flood: {during}");
    let during_ms = during["ms"].as_u64().unwrap_or_else(|| panic!("{during}"));
    assert!(during_ms < 2000, "the second window waited {during_ms} ms");

    driver.switch_to_label("main");
    let result = driver.wait_for(
        "every flooded call answered",
        "const s = window.flood; return s.done ? { ok: s.ok, busy: s.busy, other: s.other } : null;",
        Duration::from_secs(120),
    );
    eprintln!("flood: {result}");
    let ok = result["ok"].as_u64().unwrap();
    let busy = result["busy"].as_u64().unwrap();
    assert_eq!(result["other"], json!({}), "{result}");
    assert_eq!(ok + busy, 100000, "calls were lost");
    assert!(busy > 0, "the window's mailbox never filled: {result}");
    assert!(ok > 64, "{result}");
    // the window is still there and answers its getters
    let title = driver.run_async(
        "const done = arguments[arguments.length - 1]; \
         SB.invoke('window:main', {}, 'title').then(v => done(v), e => done('error: ' + e.code));",
    );
    let title = title.as_str().unwrap().to_owned();
    assert!(title.starts_with('t'), "{title}");
}

#[test]
fn window_getters_report_the_real_window() {
    let _serial = serial();
    let driver = Driver::start();
    driver.switch_to_label("main");
    // The window system applies a resize asynchronously (X sends a ConfigureNotify back), so
    // the page asks for the new size and then waits until `state` reports it: a getter that
    // never caught up (or reported a made-up size) times this out.
    driver.run(
        "window.measured = null; \
         (async () => { \
           await SB.invoke('window:main', { width: 500, height: 300 }, 'set_size'); \
           await SB.invoke('window:main', { title: 'measured' }, 'set_title'); \
           for (;;) { \
             const s = await SB.invoke('window:main', {}, 'state'); \
             if (s.size.width === 500 && s.size.height === 300) { window.measured = s; return; } \
             await new Promise(r => setTimeout(r, 20)); \
           } \
         })().catch(e => { window.measured = { error: e.code + ': ' + e.message }; });",
    );
    let state = driver.wait_for(
        "the resized window's state",
        "return window.measured;",
        Duration::from_secs(20),
    );
    eprintln!("state: {state}");
    assert_eq!(state["title"], json!("measured"), "{state}");
    assert_eq!(state["size"]["width"].as_f64(), Some(500.0), "{state}");
    assert_eq!(state["size"]["height"].as_f64(), Some(300.0), "{state}");
    assert_eq!(state["visible"], json!(true), "{state}");
    assert!(state["scale_factor"].as_f64().unwrap() > 0.0);
}
