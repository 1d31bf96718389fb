//! End-to-end: the real app (`src/main.rs`) in real WebKitGTK windows, driven through
//! WebKitWebDriver under Xvfb (started here when `DISPLAY` is unset). Each test starts its
//! own app; they run one at a time.

mod support;

use std::time::Duration;

use serde_json::{json, Value};
use support::{request_close, serial, x_window_names, Driver, Server};

const WAIT: Duration = Duration::from_secs(20);

/// Wait until the page's event subscription is in place.
fn wait_listening(driver: &Driver) {
    let state = driver.run_async(
        "const done = arguments[arguments.length - 1]; \
         const wait = () => window.listening ? window.listening.then(done) : setTimeout(wait, 20); wait();",
    );
    assert_eq!(state, json!("ok"), "subscribing to `news` failed");
}

fn invoke(driver: &Driver, to: &str, args: Value) -> Value {
    driver.run_async(&format!(
        "const done = arguments[arguments.length - 1]; \
         SB.invoke({to:?}, {args}).then(v => done({{ ok: v === undefined ? null : v }}), e => done({{ code: e.code || 'js', message: String(e.message) }}));"
    ))
}

fn hits(driver: &Driver) -> u64 {
    invoke(driver, "cmd:hits", json!({}))["ok"]
        .as_u64()
        .unwrap_or_else(|| panic!("cmd:hits did not answer a number"))
}

#[test]
fn click_invokes_greet_and_the_page_shows_the_rust_reply() {
    let _serial = serial();
    let driver = Driver::start();
    driver.switch_to_label("main");
    driver.type_into("#name", "Ada");
    driver.click("#greet");
    let reply = driver.wait_for(
        "the reply in #reply",
        "return document.getElementById('reply').textContent;",
        WAIT,
    );
    assert_eq!(reply, json!("Hello, Ada! (from Rust)"));
    assert_eq!(driver.text("#error"), "");
}

#[test]
fn an_event_emitted_in_rust_reaches_both_windows() {
    let _serial = serial();
    let driver = Driver::start();
    driver.switch_to_label("second");
    wait_listening(&driver);
    driver.switch_to_label("main");
    wait_listening(&driver);
    let sent = invoke(&driver, "cmd:broadcast", json!({ "text": "hello-both" }));
    assert_eq!(sent, json!({ "ok": null }), "broadcast failed: {sent}");
    for label in ["main", "second"] {
        driver.switch_to_label(label);
        let news = driver.wait_for(
            &format!("the event in window {label}"),
            "return document.getElementById('news').textContent;",
            WAIT,
        );
        assert_eq!(news, json!("hello-both"), "window {label}");
    }
}

#[test]
fn a_16_mib_binary_payload_round_trips_byte_exact() {
    let _serial = serial();
    let driver = Driver::start();
    driver.switch_to_label("main");
    let result = driver.run_async(
        "const done = arguments[arguments.length - 1]; \
         const n = 16 * 1024 * 1024; const data = new Uint8Array(n); \
         for (let i = 0; i < n; i++) data[i] = (i * 31 + 7 + (i >> 13)) & 255; \
         const t0 = Date.now(); \
         SB.invoke('cmd:echo', { data }).then(back => { \
           const ms = Date.now() - t0; \
           let diff = -1; \
           if (back.length === n) { for (let i = 0; i < n; i++) if (back[i] !== data[i]) { diff = i; break; } } \
           done({ length: back.length, firstDiff: diff, ms }); \
         }, e => done({ code: e.code, message: String(e.message) }));",
    );
    assert_eq!(result["length"], json!(16 * 1024 * 1024), "{result}");
    assert_eq!(result["firstDiff"], json!(-1), "bytes differ: {result}");
    eprintln!("16 MiB echo round trip: {} ms", result["ms"]);
}

#[test]
fn a_call_denied_by_capabilities_shows_forbidden_in_the_page() {
    let _serial = serial();
    let driver = Driver::start();
    driver.switch_to_label("main");
    let answer = invoke(&driver, "cmd:secret", json!({}));
    assert_eq!(answer["code"], json!("forbidden"), "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .unwrap_or("")
            .contains("cmd:secret"),
        "the message should name the permission: {answer}"
    );
    assert_eq!(hits(&driver), 0, "the denied command ran");
}

#[test]
fn closing_a_window_with_a_request_in_flight_leaves_the_app_serving_the_other() {
    let _serial = serial();
    let driver = Driver::start();
    driver.switch_to_label("second");
    // a request that is still running when its window goes
    driver.run(
        "window.slow = 'pending'; SB.invoke('cmd:slow', { ms: 1500 }).then(v => window.slow = v, e => window.slow = e.code);",
    );
    driver.wait_for("cmd:slow to start", "return true;", WAIT);
    driver.switch_to_label("main");
    // the slow call reached Rust before we close its window
    let deadline = std::time::Instant::now() + WAIT;
    while hits(&driver) < 1 {
        assert!(
            std::time::Instant::now() < deadline,
            "cmd:slow never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let closed = driver.run_async(
        "const done = arguments[arguments.length - 1]; \
         SB.invoke('window:second', {}, 'close').then(() => done('closed'), e => done(e.code + ': ' + e.message));",
    );
    assert_eq!(closed, json!("closed"));
    let deadline = std::time::Instant::now() + WAIT;
    while driver.windows().len() != 1 {
        assert!(
            std::time::Instant::now() < deadline,
            "window `second` did not close"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // wait past the slow call's end: its answer goes nowhere, and nothing breaks
    std::thread::sleep(Duration::from_millis(1700));
    assert!(driver.app_alive(), "the app died");
    driver.switch_to_label("main");
    driver.type_into("#name", "still here");
    driver.click("#greet");
    let reply = driver.wait_for(
        "the reply after closing the other window",
        "return document.getElementById('reply').textContent;",
        WAIT,
    );
    assert_eq!(reply, json!("Hello, still here! (from Rust)"));
}

/// The string routes every security test runs against (`?route=` of the attack pages): wry's
/// `postMessage` answered by `evaluate_script`, and the native reply route (WebKitGTK 2.40+'s
/// script message handler with reply). `fetch` is covered by `SB.invoke` in every test.
const ROUTES: [&str; 2] = ["post", "reply"];

/// A page of another origin: it tries the bridge with fetch and with WebKit's message
/// handler of the route named by `?route=` (`post`: `ipc`; `reply`: `switchboard`), and
/// writes what happened in `#fetch` and `#post`.
const EVIL_PAGE: &str = r#"<!doctype html><html><head><meta charset="utf-8"><script>{client}</script></head>
<body><h1 id="label">evil</h1><p id="fetch"></p><p id="post"></p><script>
(async () => {
  const show = (id, text) => { document.getElementById(id).textContent = text; };
  const route = new URLSearchParams(location.search).get('route') || 'post';
  try { const v = await SB.invoke('cmd:greet', { name: 'mallory' }); show('fetch', 'reached: ' + v); }
  catch (e) { show('fetch', 'refused: ' + (e.code || 'network')); }
  const handlers = window.webkit && window.webkit.messageHandlers && window.webkit.messageHandlers[SB.HANDLER[route]];
  if (!handlers) { show('post', 'refused: no message handler'); return; }
  try {
    // a raw request without hello: it must not ride on another session's handshake
    const raw = handlers.postMessage(SB.b64(SB.encode({ v: 1, k: 'request', id: 4242, to: 'cmd:greet', method: '', payload: SB.encode({ name: 'raw' }) })));
    if (raw && raw.catch) raw.catch(() => undefined);
    const timeout = new Promise((r) => setTimeout(() => r('refused: no answer'), 3000));
    const attempt = SB.via[route]('cmd:greet', { name: 'mallory' }, (t) => handlers.postMessage(t))
      .then((v) => 'reached: ' + v, (e) => 'refused: ' + (e.code || 'error'));
    show('post', route + ' ' + await Promise.race([attempt, timeout]));
  } catch (e) {
    // the top frame's guard gives a page of an untrusted origin no token: it throws
    show('post', 'refused: thrown');
  }
})();
</script></body></html>"#;

fn evil_results(driver: &Driver) -> (String, String) {
    driver.wait_for(
        "the untrusted page's results",
        "return document.getElementById('fetch').textContent && document.getElementById('post').textContent;",
        WAIT,
    );
    (driver.text("#fetch"), driver.text("#post"))
}

#[test]
fn a_page_in_an_untrusted_origin_or_iframe_cannot_reach_any_command() {
    let _serial = serial();
    let server = Server::start(EVIL_PAGE);
    for route in ROUTES {
        let page = format!("{}?route={route}", server.url());
        let driver = Driver::start();
        driver.switch_to_label("main");

        // an iframe of another origin inside the app's own page
        driver.run(&format!(
            "const f = document.createElement('iframe'); f.id = 'evil'; f.src = {page:?}; document.body.appendChild(f);"
        ));
        driver.wait_for(
            "the iframe",
            "const f = document.getElementById('evil'); return !!(f && f.contentWindow);",
            WAIT,
        );
        driver.frame(Some("#evil"));
        let (fetch, post) = evil_results(&driver);
        eprintln!("{route}: iframe of another origin: fetch -> {fetch:?}, message -> {post:?}");
        assert!(
            fetch.starts_with("refused"),
            "{route}: iframe fetch: {fetch}"
        );
        assert!(
            post.starts_with(&format!("{route} refused")),
            "{route}: iframe message: {post}"
        );
        driver.frame(None);

        // a window whose top page is of another origin
        let opened = invoke(
            &driver,
            "cmd:open_window",
            json!({ "label": "evil", "url": page }),
        );
        assert_eq!(opened, json!({ "ok": null }), "{opened}");
        driver.switch_to_label("evil");
        let (fetch, post) = evil_results(&driver);
        assert_eq!(fetch, "refused: forbidden", "{route}: top-level fetch");
        assert_eq!(
            post, "refused: thrown",
            "{route}: top-level message: the guard gives an untrusted page no token"
        );

        driver.switch_to_label("main");
        assert_eq!(
            hits(&driver),
            0,
            "{route}: a command ran for an untrusted page"
        );
    }
}

#[test]
fn the_post_message_fallback_answers_through_evaluate_script() {
    let _serial = serial();
    let driver = Driver::start();
    driver.switch_to_label("main");
    let answer = driver.run_async(
        "const done = arguments[arguments.length - 1]; \
         SB.invokeViaPost('cmd:greet', { name: 'Post' }).then(v => done({ ok: v }), e => done({ code: e.code }));",
    );
    assert_eq!(answer, json!({ "ok": "Hello, Post! (from Rust)" }));
    // the channel's guard must survive garbage collection (WebKit recreates wrappers)
    let many = driver.run_async(
        "const done = arguments[arguments.length - 1]; \
         (async () => { let junk = []; \
           for (let i = 0; i < 300; i++) { await SB.invokeViaPost('cmd:hits', {}); junk.push(new Array(2000).fill(i)); if (junk.length > 20) junk = []; } \
           return 'ok'; })().then(done, e => done(e.code + ': ' + e.message));",
    );
    assert_eq!(many, json!("ok"));
}

#[test]
fn the_reply_route_answers_at_once_and_later_and_survives_garbage_collection() {
    let _serial = serial();
    let driver = Driver::start();
    driver.switch_to_label("main");
    let present = driver.run(
        "return !!(window.webkit && window.webkit.messageHandlers && window.webkit.messageHandlers.switchboard);",
    );
    assert_eq!(
        present,
        json!(true),
        "WebKitGTK >= 2.40 registers the reply route"
    );
    let answer = driver.run_async(
        "const done = arguments[arguments.length - 1]; \
         SB.invokeViaReply('cmd:greet', { name: 'Reply' }).then(v => done({ ok: v }), e => done({ code: e.code || String(e) }));",
    );
    assert_eq!(answer, json!({ "ok": "Hello, Reply! (from Rust)" }));
    // an async command: its reply is kept and answered from the UI thread later
    let slow = driver.run_async(
        "const done = arguments[arguments.length - 1]; \
         SB.invokeViaReply('cmd:slow', { ms: 50 }).then(v => done({ ok: v }), e => done({ code: e.code || String(e) }));",
    );
    assert_eq!(slow, json!({ "ok": "slow done" }));
    let many = driver.run_async(
        "const done = arguments[arguments.length - 1]; \
         (async () => { let junk = []; \
           for (let i = 0; i < 300; i++) { await SB.invokeViaReply('cmd:hits', {}); junk.push(new Array(2000).fill(i)); if (junk.length > 20) junk = []; } \
           return 'ok'; })().then(done, e => done(e.code + ': ' + e.message));",
    );
    assert_eq!(many, json!("ok"));
    // a message without the token is refused: the promise rejects
    let raw = driver.run_async(
        "const done = arguments[arguments.length - 1]; \
         const d = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(window.webkit), 'messageHandlers'); \
         d.get.call(window.webkit).switchboard.postMessage('AAAA').then(v => done('answered ' + v), e => done('rejected'));",
    );
    assert_eq!(raw, json!("rejected"));
}

#[test]
fn window_commands_reach_the_window_and_its_events_reach_the_page() {
    let _serial = serial();
    let driver = Driver::start();
    driver.switch_to_label("main");
    let resized = driver.run_async(
        "const done = arguments[arguments.length - 1]; \
         (async () => { \
           const seen = []; \
           await SB.listen('window/main/resized', (e) => seen.push(e)); \
           await SB.invoke('window:main', { width: 500, height: 400 }, 'set_size'); \
           await SB.invoke('window:main', { title: 'renamed by a command' }, 'set_title'); \
           const t0 = Date.now(); \
           while (Date.now() - t0 < 10000 && !(window.innerWidth === 500 && seen.some(e => e.resized && e.resized.width === 500))) \
             await new Promise(r => setTimeout(r, 20)); \
           return { inner: [window.innerWidth, window.innerHeight], last: seen[seen.length - 1] || null }; \
         })().then(done, e => done({ error: e.code + ': ' + e.message }));",
    );
    assert_eq!(resized["inner"], json!([500, 400]), "{resized}");
    assert_eq!(
        resized["last"],
        json!({ "resized": { "width": 500, "height": 400 } }),
        "{resized}"
    );
    let deadline = std::time::Instant::now() + WAIT;
    while !x_window_names().contains("\"renamed by a command\"") {
        assert!(
            std::time::Instant::now() < deadline,
            "the X window title never changed"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // a command for a window that does not exist is answered, not dropped
    let ghost = invoke(&driver, "window:nosuch", json!({}));
    assert!(ghost["code"].is_string(), "{ghost}");
}

/// A dev server's page: the runtime loads it instead of the embedded frontend and counts
/// its origin as the app's own.
const DEV_PAGE: &str = r#"<!doctype html><html><head><meta charset="utf-8"><script>{client}</script></head>
<body><h1 id="label">main</h1><p id="reply"></p><script>
SB.invoke('cmd:greet', { name: 'dev server' })
  .then((v) => { document.getElementById('reply').textContent = v; },
        (e) => { document.getElementById('reply').textContent = 'error ' + e.code + ': ' + e.message; });
</script></body></html>"#;

#[test]
fn dev_mode_loads_the_dev_server_and_trusts_its_origin() {
    let _serial = serial();
    let server = Server::start(DEV_PAGE);
    let dev_url = format!("http://127.0.0.1:{}/", server.port);
    let driver = Driver::start_with(&[("SWITCHBOARD_DEV_URL", dev_url.as_str())]);
    driver.switch_to_label("main");
    let href = driver.run("return location.href;");
    assert!(
        href.as_str().unwrap_or("").starts_with(&dev_url),
        "the page came from {href}, not the dev server"
    );
    let reply = driver.wait_for(
        "the dev page's greeting",
        "return document.getElementById('reply').textContent;",
        WAIT,
    );
    assert_eq!(reply, json!("Hello, dev server! (from Rust)"));
}

#[test]
fn a_close_request_is_published_and_can_be_vetoed() {
    let _serial = serial();
    let driver = Driver::start();
    driver.switch_to_label("main");
    let set = driver.run_async(
        "const done = arguments[arguments.length - 1]; \
         window.closeRequests = 0; \
         SB.listen('window/main/close_requested', () => window.closeRequests++) \
           .then(() => SB.invoke('cmd:prevent_close', { on: true })).then(() => done('ok'), e => done(e.code + ': ' + e.message));",
    );
    assert_eq!(set, json!("ok"));
    request_close("e2e main");
    driver.wait_for(
        "the close request to reach the page",
        "return window.closeRequests;",
        WAIT,
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(driver.windows().len(), 2, "the vetoed window closed");
    assert_eq!(hits(&driver), 0, "the main window stopped answering");

    // without the veto, a close request closes
    request_close("e2e second");
    let deadline = std::time::Instant::now() + WAIT;
    while driver.windows().len() != 1 {
        assert!(
            std::time::Instant::now() < deadline,
            "window `second` did not close"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(driver.app_alive());
}

#[test]
fn each_window_is_stamped_with_its_own_label() {
    let _serial = serial();
    let driver = Driver::start();
    for label in ["second", "main"] {
        driver.switch_to_label(label);
        let welcome = driver.run_async(
            "const done = arguments[arguments.length - 1]; \
             SB.welcome().then(w => done({ window: w.window, grants: w.grants }), e => done({ error: e.code }));",
        );
        assert_eq!(welcome["window"], json!(label), "{welcome}");
        assert!(
            welcome["grants"]
                .as_array()
                .is_some_and(|g| g.contains(&json!("cmd:greet"))),
            "{welcome}"
        );
    }
    // the label comes from the webview the request came from, never from the page
    driver.switch_to_label("second");
    let answer = invoke(&driver, "cmd:greet", json!({ "name": "from second" }));
    assert_eq!(answer, json!({ "ok": "Hello, from second! (from Rust)" }));
}

#[test]
fn a_reloaded_page_starts_a_fresh_session() {
    let _serial = serial();
    let driver = Driver::start();
    driver.switch_to_label("main");
    wait_listening(&driver);
    let first = invoke(&driver, "cmd:greet", json!({ "name": "before" }));
    assert_eq!(first, json!({ "ok": "Hello, before! (from Rust)" }));
    driver.call("POST", "/refresh", Some(&json!({})));
    driver.switch_to_label("main");
    wait_listening(&driver);
    let again = invoke(&driver, "cmd:greet", json!({ "name": "after" }));
    assert_eq!(again, json!({ "ok": "Hello, after! (from Rust)" }));
    // events reach the new page once, through its own subscription
    let sent = invoke(&driver, "cmd:broadcast", json!({ "text": "once" }));
    assert_eq!(sent, json!({ "ok": null }));
    let news = driver.wait_for(
        "the event after reload",
        "return document.getElementById('news').textContent;",
        WAIT,
    );
    assert_eq!(news, json!("once"));
}

/// `xwininfo` for the X window titled `title`.
fn x_window_info(title: &str) -> String {
    let out = std::process::Command::new("xwininfo")
        .args(["-name", title])
        .env("DISPLAY", support::display())
        .output()
        .unwrap_or_else(|e| panic!("running xwininfo: {e}"));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn wait_x(title: &str, what: &str, check: impl Fn(&str) -> bool) {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let info = x_window_info(title);
        if check(&info) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "window {title:?}: {what} never happened:\n{info}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn hide_show_and_move_commands_change_the_x_window() {
    let _serial = serial();
    let driver = Driver::start();
    driver.switch_to_label("main");
    let call = |method: &str, args: Value| {
        let answer = driver.run_async(&format!(
            "const done = arguments[arguments.length - 1]; \
             SB.invoke('window:second', {args}, '{method}').then(() => done('ok'), e => done(e.code + ': ' + e.message));"
        ));
        assert_eq!(answer, json!("ok"), "window:second.{method}");
    };
    wait_x("e2e second", "mapping", |i| i.contains("IsViewable"));
    call("hide", json!({}));
    wait_x("e2e second", "hiding", |i| i.contains("IsUnMapped"));
    call("show", json!({}));
    wait_x("e2e second", "showing again", |i| i.contains("IsViewable"));
    call("set_position", json!({ "x": 123, "y": 77 }));
    wait_x("e2e second", "moving to 123,77", |i| {
        i.contains("Absolute upper-left X:  123") && i.contains("Absolute upper-left Y:  77")
    });
    // the main window is not affected by commands to `second`
    assert!(x_window_info("e2e main").contains("IsViewable"));
}

/// A remote page that tries a command its capability grants and one it does not.
const FRIEND_PAGE: &str = r#"<!doctype html><html><head><meta charset="utf-8"><script>{client}</script></head>
<body><h1 id="label">friend</h1><p id="fetch"></p><p id="post"></p><script>
(async () => {
  const show = (id, text) => { document.getElementById(id).textContent = text; };
  const attempt = (to) => SB.invoke(to, {}).then((v) => 'ok ' + v, (e) => 'refused: ' + (e.code || 'network'));
  show('fetch', await attempt('cmd:hits'));
  show('post', await attempt('cmd:secret'));
})();
</script></body></html>"#;

#[test]
fn a_remote_origin_named_by_a_capability_gets_exactly_its_grants() {
    let _serial = serial();
    let server = Server::start(FRIEND_PAGE);
    let origin = format!("http://127.0.0.1:{}", server.port);
    let driver = Driver::start_with(&[("E2E_FRIEND_ORIGIN", origin.as_str())]);
    driver.switch_to_label("main");
    let opened = invoke(
        &driver,
        "cmd:open_window",
        json!({ "label": "friend", "url": server.url() }),
    );
    assert_eq!(opened, json!({ "ok": null }), "{opened}");
    driver.switch_to_label("friend");
    let (granted, denied) = evil_results(&driver);
    assert_eq!(granted, "ok 0", "the granted command");
    assert_eq!(
        denied, "refused: forbidden",
        "a command the capability does not grant"
    );
}

/// A page of another origin that attacks a string route's token (`?route=`: `post` attacks
/// `ipc`, `reply` the reply route's `switchboard` handler): it reaches the real message
/// handler through WebKit's prototype getter, hooks `postMessage` on the handler's prototype
/// and `Reflect.apply`, calls the guarded wrapper, and asks for a token itself. It writes what
/// it saw in `#steal` as JSON. Framed with `#frame:<candidates>`, it posts a frame with each
/// candidate token through its own message handler instead, and writes `posted <n>` once
/// every message was answered or refused.
const ATTACK_PAGE: &str = r#"<!doctype html><html><head><meta charset="utf-8"><script>{client}</script></head>
<body><p id="steal"></p><script>
(() => {
  const route = new URLSearchParams(location.search).get('route') || 'post';
  const name = SB.HANDLER[route];
  const frame = (who) => SB.b64(SB.encode({ v: 1, k: 'request', id: 77, to: 'cmd:greet', method: '', payload: SB.encode({ name: who }) }));
  const real = () => {
    try {
      const d = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(window.webkit), 'messageHandlers');
      return d && d.get ? d.get.call(window.webkit)[name] : null;
    } catch (e) { return null; }
  };
  if (location.hash.startsWith('#frame:')) {
    // an iframe replaying what the top page captured
    const candidates = JSON.parse(decodeURIComponent(location.hash.slice(7)));
    const handler = real() || (window.webkit && window.webkit.messageHandlers[name]);
    let posted = 0;
    const answers = [];
    const post = (m) => { try { answers.push(Promise.resolve(handler.postMessage(m)).catch(() => undefined)); posted++; } catch (e) {} };
    for (const c of candidates) post(c.split(':')[0] + ':' + frame('replayed'));
    post(frame('untokened'));
    Promise.all(answers).then(() => { document.getElementById('steal').textContent = 'posted ' + posted; });
    return;
  }
  window.SB_STEAL = (() => {
    const captured = [];
    const handler = real();
    if (handler) {
      const proto = Object.getPrototypeOf(handler);
      const original = proto.postMessage;
      proto.postMessage = function (m) { captured.push(String(m)); return original.call(this, m); };
    }
    const apply = Reflect.apply;
    Reflect.apply = function (f, t, a) { captured.push(String(a && a[0])); return apply(f, t, a); };
    let wrapper;
    try { const p = window.webkit.messageHandlers[name].postMessage('probe'); if (p && p.catch) p.catch(() => undefined); wrapper = 'sent'; } catch (e) { wrapper = 'threw'; }
    let token;
    try { const x = new XMLHttpRequest(); x.open('POST', SB.BASE + '/token', false); x.send(); token = x.status + ':' + x.responseText; }
    catch (e) { token = 'error'; }
    Reflect.apply = apply;
    return { handler: !!handler, wrapper, token, captured };
  });
  if (!location.hash) document.getElementById('steal').textContent = JSON.stringify(window.SB_STEAL());
})();
</script></body></html>"#;

/// Whether any captured text starts with a bridge token (32 hex digits and a colon).
fn has_token(captured: &[Value]) -> bool {
    captured.iter().filter_map(Value::as_str).any(|c| {
        c.split_once(':').is_some_and(|(head, _)| {
            head.len() == 32 && head.bytes().all(|b| b.is_ascii_hexdigit())
        })
    })
}

#[test]
fn the_post_message_token_cannot_be_stolen_kept_or_replayed() {
    let _serial = serial();
    let server = Server::start(ATTACK_PAGE);
    for route in ROUTES {
        token_attack(&server, route);
    }
}

/// The token attack on one string route (see [`ATTACK_PAGE`]).
fn token_attack(server: &Server, route: &str) {
    let handler = if route == "reply" {
        "switchboard"
    } else {
        "ipc"
    };
    let page = format!("{}?route={route}", server.url());
    let driver = Driver::start();
    driver.switch_to_label("main");
    let app_url = driver.run("return location.href;");

    // 1. the window navigates to a remote page, which attacks the channel
    driver.call("POST", "/url", Some(&json!({ "url": page })));
    let stolen = driver.wait_for(
        "the remote page's attack",
        "return document.getElementById('steal') && document.getElementById('steal').textContent;",
        WAIT,
    );
    let stolen: Value = serde_json::from_str(stolen.as_str().unwrap()).unwrap();
    eprintln!("{route}: remote page saw: {stolen}");
    assert_eq!(
        stolen["handler"],
        json!(true),
        "{route}: the attack reaches the real handler"
    );
    assert_eq!(
        stolen["wrapper"],
        json!("threw"),
        "{route}: an untrusted document has no token"
    );
    assert!(
        stolen["token"].as_str().unwrap().starts_with("403"),
        "{route}: {stolen}"
    );
    let captured = stolen["captured"].as_array().unwrap().clone();
    assert!(
        !has_token(&captured),
        "{route}: the remote page read a token: {captured:?}"
    );

    // 2. back to the app: its new document gets a new token and works
    driver.call("POST", "/url", Some(&json!({ "url": app_url })));
    driver.switch_to_label("main");
    wait_listening(&driver);
    let before = hits(&driver);

    // in the app's own page, hooks installed after the guard see nothing either
    let own = driver.run_async(&format!(
        "const done = arguments[arguments.length - 1]; \
         const captured = []; \
         const d = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(window.webkit), 'messageHandlers'); \
         const handler = d.get.call(window.webkit)[{handler:?}]; const proto = Object.getPrototypeOf(handler); \
         const original = proto.postMessage; \
         proto.postMessage = function (m) {{ captured.push(String(m)); return original.call(this, m); }}; \
         const apply = Reflect.apply; Reflect.apply = function (f, t, a) {{ captured.push(String(a && a[0])); return apply(f, t, a); }}; \
         let again; try {{ const x = new XMLHttpRequest(); x.open('POST', SB.BASE + '/token', false); x.send(); again = x.status; }} catch (e) {{ again = 'error'; }} \
         SB.via[{route:?}]('cmd:greet', {{ name: 'own' }}) \
           .then(v => done({{ reply: v, captured, again }}), e => done({{ reply: 'failed: ' + e.code, captured, again }})) \
           .finally(() => {{ proto.postMessage = original; Reflect.apply = apply; }});"
    ));
    assert_eq!(
        own["reply"],
        json!("Hello, own! (from Rust)"),
        "{route}: {own}"
    );
    assert_eq!(
        own["again"],
        json!(403),
        "{route}: a document gets its token once"
    );
    let own_captured = own["captured"].as_array().unwrap();
    assert!(
        !has_token(own_captured),
        "{route}: a hook in the app's page read the token: {own_captured:?}"
    );

    // 3. a cross-origin iframe in the app's page replays whatever the remote page captured
    let replay = format!(
        "{page}#frame:{}",
        urlencode(&serde_json::to_string(&captured).unwrap())
    );
    driver.run(&format!(
        "const f = document.createElement('iframe'); f.id = 'replay'; f.src = {replay:?}; document.body.appendChild(f);"
    ));
    driver.frame(Some("#replay"));
    let posted = driver.wait_for(
        "the iframe's replay",
        "return document.getElementById('steal').textContent;",
        WAIT,
    );
    assert!(
        posted.as_str().unwrap().starts_with("posted "),
        "{route}: {posted}"
    );
    driver.frame(None);
    // the iframe's messages were handled before this call (one channel, in order; on the
    // reply route the iframe waited for every refusal)
    let after = hits(&driver);
    assert_eq!(
        after,
        before + 1,
        "{route}: a replayed or untokened message reached a command"
    );
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
