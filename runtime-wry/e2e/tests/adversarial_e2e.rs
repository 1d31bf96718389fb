//! Adversarial end-to-end (issue #14, "Hardening"): hostile pages in real WebKitGTK windows
//! (Xvfb, WebKitWebDriver, the e2e app with its `cmd:adv_*` hooks, `src/adversarial.rs`)
//! against every route of the bridge: **fetch** (`POST switchboard://localhost/ipc`, `/poll`,
//! `/token`), **postMessage** (`window.webkit.messageHandlers.ipc`, answered by
//! `evaluate_script`) and the **reply route** (`messageHandlers.switchboard`, WebKitGTK's
//! script message with reply). `tests/e2e.rs` already covers a remote page and a
//! cross-origin iframe on another port, the token attack of a remote page (hooks on the
//! handlers' prototype and `Reflect.apply` after the guard, replay from an iframe) and a
//! remote origin's grants; this file extends that. `cmd:adv_whoami` logs the caller the
//! runtime stamped on every call that reaches it, so who acted is read from Rust, not from
//! the page; a dropped `postMessage` is known to be handled once a later message of the same
//! webview is answered (one channel, in order).
//!
//! | test | case | routes | expected |
//! |---|---|---|---|
//! | [`a_page_claiming_another_windows_label_acts_only_as_its_own`] | window `adv-low` (granted only `cmd:adv_*`) claims `main` in `hello` and `request` fields and in the payload (`window`, `label`, `caller`, `origin`, `from`) | all three | stamped `adv-low`, `app://localhost`, top frame; `welcome.window` is `adv-low`, without `main`'s grants; `cmd:greet` (`main`'s) `forbidden` |
//! | | the label in the URL: host (`switchboard://main/ipc`, `main.localhost`), userinfo, path (`/main/ipc`, `//main/ipc`, `/ipc/../main/ipc`), query, fragment, `;params` | fetch | stamped `adv-low`, or `404`, or not fetched (userinfo); never `main` |
//! | | the label in headers (`X-Switchboard-Window`, ...), with and without CORS | fetch | stamped `adv-low` (WebKit sends them, the bridge reads none); `no-cors` goes without `Origin`: refused |
//! | | the label as the token (`main:<frame>`) through the guard, and around it (the real handlers through WebKit's prototype getter: `main:`, `adv-low:`, no token, an object) | postMessage, reply | through the guard: `malformed` (the token is the guard's, the label is then body); around it: dropped (postMessage) or rejected (reply); nothing runs |
//! | | the window's page on look-alike hosts of the app's scheme (the asset handler serves any host): `app://app.evil.com`, `app://localhost.evil.com`, `app://app.localhost.evil.com`, `app://app@evil.com`, `app://localhost:8080` | all three | `forbidden` (`hello`, `request`), `403` (`/poll`, `/token`), the guard's handlers throw (no token), the real reply handler rejects; nothing runs |
//! | [`two_windows_racing_the_same_request_ids_get_only_their_own_answers`] | `main` and `second` each hold 20 requests per route with the **same ids** at a gate at once (120 held), then it opens | all three | every request answered once, with its own window's answer; by `evaluate_script` only the window's own ids, once each |
//! | [`look_alike_origins_and_foreign_frames_reach_no_command`] (dev-server mode: the app's origin is `http://127.0.0.1:<A>`, no CSP, so every frame kind loads) | iframes of the app's page: `data:`, a `blob:` made in it, sandboxed `srcdoc` (`allow-scripts`), a sandboxed page of the app's own origin, `http://localhost:<A>` (same server and port, another host name) and a `blob:` made in it, `http://127.0.0.1:<A>@127.0.0.1:<B>` (userinfo) | all three | `forbidden` (`hello`, `request`, and a request with forged `Origin`/`Referer` headers), `403` (`/poll`, `/token`); their real handlers (an iframe has no guard) post untokened messages: dropped (postMessage), rejected (reply); the top frame's handlers out of reach (cross-origin); nothing runs |
//! | | same-origin frames, as the bridge docs say: `srcdoc`, `sandbox="allow-scripts allow-same-origin"`, a `blob:` made by the app's page | all three | the top frame to the bridge: stamped `main`, the app's origin, `top_frame` (never a `blob:`/`about:` origin); no token of their own (`403`); their untokened messages dropped/rejected; the parent's guarded handlers work for them; they share the top frame's session (and its request ids) |
//! | | the window navigated after load to `http://localhost:<A>`, to `data:` and to `file:` | all three | the same refusals, the guard's handlers throw (no token); the app page's subscription is gone (0 subscribers) once the navigation commits |
//! | | back on the app's page: by URL, and by going back from a remote page after the page tampered with what the guard reads (`PageTransitionEvent.prototype.persisted`, a capturing `pageshow` listener that stops propagation, `Reflect.apply`) | all three | a new document with a token of its own: every route answers. WebKit restores the page from its page cache; before the fix it kept its dead token and session (fetch `protocol_violation`, postMessage never answered, reply rejected) |
//! | [`a_frame_over_64_mib_is_refused_typed_on_every_route_and_the_app_keeps_serving`] | a `fetch` frame of exactly 64 MiB, then 64 MiB + 1 byte | fetch | 64 MiB reaches the command; 64 MiB + 1: a `response` `too_large` with the id |
//! | | string messages: the base64 of 64 MiB + 1 byte (as long as a 64 MiB frame's), of 64 MiB + 3 bytes, and a GiB | postMessage, reply | the first reaches the host, which refuses it `too_large` (an `error` frame: the decoder's size check); the longer ones: the guard throws an error with `code` `too_large` at once. Before the fix a GiB postMessage was never answered (it reached the host empty), the reply route rejected it as "not a string". Then every route serves the next call, and the other window too |
//! | [`requests_of_a_closing_window_never_reach_a_command_after_it_closed`] | `window.open` in a page | — | `null`: wry opens no window without a handler, so no script outlives its window (nor runs in a new top document before its guard) |
//! | | window `adv-closing` floods all three routes with calls that log on the UI thread (`#[command(inline)]`) and is closed mid-flood | all three | none of its calls runs after it closed (the log does not grow while the other window makes a round trip on each route through the UI thread); none is stamped with another window; the app keeps serving |
//!
//! **Bounds.** wry reads a `fetch` body whole, on the UI thread, in 1 KiB chunks, before the
//! bridge sees it: a body of 64 MiB + 1 byte is buffered whole by the host (64 MiB), then
//! refused unread. On the string routes the guard refuses in the page a message longer than
//! the base64 of a 64 MiB frame (89,478,488 characters); 64 MiB + 1 or 2 bytes encode to that
//! length, reach the host (WebKit copies them, ~90 MB) and are refused by the decoder's size
//! check. A message sent around the guard carries no token and is dropped (postMessage) or
//! rejected (reply) after WebKit copied it: WebKit bounds its length (measured here: 512 MiB
//! arrives; a GiB arrives empty). Figures on a loaded 2-core machine: 64 MiB by `fetch`
//! ~1.5–2 s a frame; an 89 MB string ~3–4 s on either string route.
//!
//! Each test starts its own app (the harness serializes them); every wait polls a condition
//! with a deadline.

mod support;

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::{serial, Driver, Pages};

/// The longest any single condition is waited for (a loaded 2-core CI machine).
const WAIT: Duration = Duration::from_secs(60);

/// Helpers installed in a page that has the e2e client (`SB`): raw frames on each route,
/// every frame `evaluate_script` delivers collected in `ADV.evals`.
const KIT: &str = r#"
if (!window.ADV) window.ADV = (() => {
  const unb64 = (t) => { const s = atob(t); const b = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i); return b; };
  const describe = (f) => f.k === 'welcome' ? 'welcome ' + f.window
    : f.k === 'response' ? (f.err ? 'error ' + f.err.code : 'ok ' + JSON.stringify(f.ok && f.ok.length ? SB.decode(f.ok) : null))
    : f.k === 'error' ? 'error ' + f.code : 'frame ' + f.k;
  const real = () => { const d = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(window.webkit), 'messageHandlers'); return d.get.call(window.webkit); };
  const evals = [];
  const previous = window.__SWITCHBOARD_RECEIVE__;
  window.__SWITCHBOARD_RECEIVE__ = (t) => {
    try { const v = SB.decode(unb64(t)); (Array.isArray(v) ? v.map((b) => SB.decode(b)) : [v]).forEach((f) => evals.push(f)); }
    catch (e) { evals.push({ k: 'undecodable' }); }
    if (previous) previous(t);
  };
  const frame = (id, to, args, extra) => Object.assign({ v: 1, k: 'request', id, to, method: '', payload: SB.encode(args || {}) }, extra || {});
  const text = (f) => SB.b64(SB.encode(f));
  const viaFetch = async (f, url, init) => {
    try {
      const r = await fetch(url || SB.BASE + '/ipc', Object.assign({ method: 'POST', body: f instanceof Uint8Array ? f : SB.encode(f) }, init || {}));
      if (r.type === 'opaque') return 'opaque';
      if (r.status !== 200) return 'status ' + r.status;
      return describe(SB.decode(new Uint8Array(await r.arrayBuffer())));
    } catch (e) { return 'network'; }
  };
  // `threw <code>`: the handler refused the message at once (the guard: no token, too long)
  const viaReply = async (message, handler) => {
    let p;
    try { p = (handler || window.webkit.messageHandlers.switchboard).postMessage(message); } catch (e) { return 'threw ' + (e.code || 'error'); }
    try { const t = await p; return t ? describe(SB.decode(unb64(t))) : 'empty ' + t; }
    catch (e) { return 'rejected'; }
  };
  // an answer by evaluate_script: the frame with this id, or an `error` frame without one
  const waitEval = (since, id) => new Promise((resolve) => {
    const t0 = Date.now();
    const look = () => {
      const f = evals.slice(since).find((f) => f.id === id || (f.k === 'error' && f.id === undefined));
      if (f) resolve(describe(f)); else if (Date.now() - t0 > 50000) resolve('no answer'); else setTimeout(look, 10);
    };
    look();
  });
  const viaPost = (message, id, handler) => {
    const since = evals.length;
    try { (handler || window.webkit.messageHandlers.ipc).postMessage(message); } catch (e) { return Promise.resolve('threw ' + (e.code || 'error')); }
    return waitEval(since, id);
  };
  const token = () => { try { const x = new XMLHttpRequest(); x.open('POST', SB.BASE + '/token', false); x.send(); return x.status; } catch (e) { return 'error'; } };
  return { unb64, describe, real, evals, frame, text, viaFetch, viaReply, viaPost, waitEval, token };
})();
"#;

/// Run `body` (the statements of an async function, with `ADV` and `SB` in scope) in the
/// current window or frame and return what it returns.
fn js(driver: &Driver, body: &str) -> Value {
    driver.run_async(&format!(
        "const done = arguments[arguments.length - 1]; {KIT} \
         (async () => {{ {body} }})().then(done, (e) => done('js error: ' + e + ' ' + (e && e.stack)));"
    ))
}

/// What `cmd:adv_whoami` logged: (tag, window, origin, top frame).
fn seen(driver: &Driver) -> Vec<(String, String, String, bool)> {
    let log = js(
        driver,
        "await SB.welcome(); return ADV.viaFetch(ADV.frame(Date.now() % 1e9 + 1, 'cmd:adv_seen', {}));",
    );
    let text = log.as_str().unwrap_or_default();
    let json = text
        .strip_prefix("ok ")
        .unwrap_or_else(|| panic!("cmd:adv_seen failed: {log}"));
    serde_json::from_str(json).unwrap_or_else(|e| panic!("cmd:adv_seen: {e}: {json}"))
}

/// `cmd:hits` of the e2e app: calls that reached `greet` or `secret`.
fn hits(driver: &Driver) -> u64 {
    let answer = js(driver, "return SB.invoke('cmd:hits', {});");
    answer
        .as_u64()
        .unwrap_or_else(|| panic!("cmd:hits: {answer}"))
}

/// Poll `check` until it holds, or fail naming `what` after [`WAIT`].
fn until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn open_window(driver: &Driver, label: &str, url: &str) {
    let opened = js(
        driver,
        &format!("await SB.invoke('cmd:open_window', {{ label: {label:?}, url: {url:?} }}); return 'ok';"),
    );
    assert_eq!(opened, json!("ok"), "opening {label}: {opened}");
}

/// Fields that claim to be window `main` of the app's origin, for any frame or payload.
const CLAIMS: &str = "{ window: 'main', label: 'main', from: 'main', origin: 'app://localhost', \
                      caller: { window: 'main', origin: 'app://localhost', top_frame: true } }";

#[test]
fn a_page_claiming_another_windows_label_acts_only_as_its_own() {
    let _serial = serial();
    let driver = Driver::start_with(&[("RUST_LOG", "error")]);
    driver.switch_to_label("main");
    open_window(&driver, "adv-low", "index.html?w=adv-low");
    driver.switch_to_label("adv-low");

    // 1. fields in frames and payloads, on every route
    let fields = js(
        &driver,
        &format!(
            "const claims = {CLAIMS}; const r = {{}}; \
             const hello = await fetch(SB.BASE + '/ipc', {{ method: 'POST', body: SB.encode(Object.assign({{ v: 1, k: 'hello', versions: [1], client: 'test', name: 'adv' }}, claims)) }}); \
             const w = SB.decode(new Uint8Array(await hello.arrayBuffer())); \
             r.welcome = {{ window: w.window, greet: (w.grants || []).includes('cmd:greet') }}; \
             const who = (id, tag) => ADV.frame(id, 'cmd:adv_whoami', Object.assign({{ tag }}, claims), claims); \
             const greet = (id) => ADV.frame(id, 'cmd:greet', Object.assign({{ name: 'x' }}, claims), claims); \
             r.fetchWho = await ADV.viaFetch(who(11, 'claim-fields-fetch')); \
             r.fetchGreet = await ADV.viaFetch(greet(12)); \
             r.postWho = await ADV.viaPost(ADV.text(who(13, 'claim-fields-post')), 13); \
             r.postGreet = await ADV.viaPost(ADV.text(greet(14)), 14); \
             r.replyWho = await ADV.viaReply(ADV.text(who(15, 'claim-fields-reply'))); \
             r.replyGreet = await ADV.viaReply(ADV.text(greet(16))); \
             return r;"
        ),
    );
    eprintln!("claims in fields: {fields}");
    let me = "ok [\"adv-low\",\"app://localhost\",true]";
    assert_eq!(
        fields["welcome"],
        json!({ "window": "adv-low", "greet": false }),
        "{fields}"
    );
    for route in ["fetch", "post", "reply"] {
        assert_eq!(
            fields[format!("{route}Who")],
            json!(me),
            "{route}: {fields}"
        );
        assert_eq!(
            fields[format!("{route}Greet")],
            json!("error forbidden"),
            "{route}: {fields}"
        );
    }

    // 2. the label in the URL and in headers (fetch)
    let urls = js(
        &driver,
        "const who = (id, tag) => ADV.frame(id, 'cmd:adv_whoami', { tag }); \
         const urls = ['switchboard://main/ipc', 'switchboard://main.localhost/ipc', 'switchboard://main@localhost/ipc', \
                       SB.BASE + '/main/ipc', SB.BASE + '//main/ipc', SB.BASE + '/ipc?window=main&label=main', \
                       SB.BASE + '/ipc#main', SB.BASE + '/ipc;window=main', SB.BASE + '/ipc/../main/ipc']; \
         const r = {}; let id = 20; \
         for (const url of urls) { id++; r[url] = [await ADV.viaFetch(who(id, 'claim-url-' + id), url), await ADV.viaFetch(ADV.frame(100 + id, 'cmd:greet', { name: 'x' }), url)]; } \
         const headers = { 'X-Switchboard-Window': 'main', 'X-Switchboard-Label': 'main', 'X-Window': 'main' }; \
         r.headers = await ADV.viaFetch(who(40, 'claim-header-cors'), null, { headers }); \
         r.noCors = await ADV.viaFetch(who(41, 'claim-header-no-cors'), null, { mode: 'no-cors', headers }); \
         return r;",
    );
    eprintln!("claims in URLs and headers: {urls}");
    // WebKit sends custom headers to the scheme (no preflight); a no-cors request goes
    // without `Origin` and is refused; a URL with userinfo is not fetched at all
    assert_eq!(urls["headers"], json!(me), "custom headers: {urls}");
    assert!(
        ["network", "opaque"].contains(&urls["noCors"].as_str().unwrap_or_default()),
        "no-cors: {urls}"
    );
    for (url, answers) in urls.as_object().unwrap() {
        if url == "headers" || url == "noCors" {
            continue;
        }
        let who = answers[0].as_str().unwrap_or_default();
        let greet = answers[1].as_str().unwrap_or_default();
        assert!([me, "status 404", "network"].contains(&who), "{url}: {who}");
        assert!(
            ["error forbidden", "status 404", "network"].contains(&greet),
            "{url}: {greet}"
        );
    }

    // 3. the label as the token, through the guard and around it
    let tokens = js(
        &driver,
        "const who = (id, tag) => ADV.text(ADV.frame(id, 'cmd:adv_whoami', { tag })); const r = {}; \
         r.postGuard = await ADV.viaPost('main:' + who(50, 'claim-token-post-guard'), 50); \
         r.replyGuard = await ADV.viaReply('main:' + who(51, 'claim-token-reply-guard')); \
         const raw = ADV.real(); \
         raw.ipc.postMessage('main:' + who(52, 'claim-token-post-raw')); \
         raw.ipc.postMessage('adv-low:' + who(53, 'claim-token-post-raw')); \
         raw.ipc.postMessage(who(54, 'claim-token-post-raw')); \
         try { raw.ipc.postMessage({ window: 'main', message: who(55, 'claim-token-post-raw') }); } catch (e) {} \
         r.replyRaw = [await ADV.viaReply('main:' + who(56, 'claim-token-reply-raw'), raw.switchboard), \
                       await ADV.viaReply(who(57, 'claim-token-reply-raw'), raw.switchboard), \
                       await ADV.viaReply({ window: 'main', message: who(58, 'claim-token-reply-raw') }, raw.switchboard)]; \
         r.sync = await ADV.viaPost(who(59, 'claim-sync'), 59); \
         return r;",
    );
    eprintln!("claims as the token: {tokens}");
    assert_eq!(tokens["postGuard"], json!("error malformed"), "{tokens}");
    assert_eq!(tokens["replyGuard"], json!("error malformed"), "{tokens}");
    assert_eq!(
        tokens["replyRaw"],
        json!(["rejected", "rejected", "rejected"]),
        "{tokens}"
    );
    // the raw posts were handled before this one (one channel, in order)
    assert_eq!(tokens["sync"], json!(me), "{tokens}");

    // 4. look-alike hosts of the app's scheme as the window's page
    let hosts = [
        "app.evil.com",
        "localhost.evil.com",
        "app.localhost.evil.com",
        "app@evil.com",
        "localhost:8080",
    ];
    for host in hosts {
        let url = format!("app://{host}/index.html?w=adv-low");
        driver.call("POST", "/url", Some(&json!({ "url": url })));
        let attack = js(
            &driver,
            "const who = (id) => ADV.frame(id, 'cmd:adv_whoami', { tag: 'look-alike ' + location.origin }); const r = { origin: location.origin }; \
             r.hello = await ADV.viaFetch({ v: 1, k: 'hello', versions: [1], client: 'test', name: 'adv' }); \
             r.fetch = await ADV.viaFetch(who(61)); \
             r.poll = await ADV.viaFetch(new Uint8Array(0), SB.BASE + '/poll'); \
             r.token = ADV.token(); \
             r.postGuard = await ADV.viaPost(ADV.text(who(62)), 62); \
             r.replyGuard = await ADV.viaReply(ADV.text(who(63))); \
             ADV.real().ipc.postMessage(ADV.text(who(64))); \
             r.replyRaw = await ADV.viaReply(ADV.text(who(65)), ADV.real().switchboard); \
             return r;",
        );
        eprintln!("app://{host}: {attack}");
        let origin = attack["origin"].as_str().unwrap_or_default();
        assert_ne!(origin, "app://localhost", "{host}: {attack}");
        assert_eq!(
            attack["hello"],
            json!("error forbidden"),
            "{host}: {attack}"
        );
        assert_eq!(
            attack["fetch"],
            json!("error forbidden"),
            "{host}: {attack}"
        );
        assert_eq!(attack["poll"], json!("status 403"), "{host}: {attack}");
        assert_eq!(attack["token"], json!(403), "{host}: {attack}");
        // the guard gave the page no token: its handlers throw
        assert_eq!(
            attack["postGuard"],
            json!("threw error"),
            "{host}: {attack}"
        );
        assert_eq!(
            attack["replyGuard"],
            json!("threw error"),
            "{host}: {attack}"
        );
        assert_eq!(attack["replyRaw"], json!("rejected"), "{host}: {attack}");
    }

    // who acted: only adv-low, from the app's origin, for exactly the calls it may make
    driver.switch_to_label("main");
    let log = seen(&driver);
    eprintln!("log: {log:?}");
    for (tag, window, origin, top) in &log {
        assert_eq!(
            (window.as_str(), origin.as_str(), *top),
            ("adv-low", "app://localhost", true),
            "{tag}"
        );
        assert!(
            !tag.starts_with("claim-token") && !tag.starts_with("look-alike"),
            "a refused message reached a command: {tag}"
        );
    }
    for tag in [
        "claim-fields-fetch",
        "claim-fields-post",
        "claim-fields-reply",
        "claim-sync",
    ] {
        assert!(
            log.iter().any(|(t, ..)| t == tag),
            "{tag} never ran: {log:?}"
        );
    }
    assert_eq!(hits(&driver), 0, "cmd:greet ran for a window without it");
}

/// Start 20 requests per route to the gate in the current window, with the ids every
/// window uses: fetch 500–519, postMessage 600–619, reply 700–719.
const RACE: &str = "await SB.welcome(); window.race = { fetch: {}, post: {}, reply: {} }; \
    const gate = (id, route) => ADV.frame(id, 'cmd:adv_gate', { tag: route + '-' + id }); \
    for (let i = 0; i < 20; i++) { \
      const f = 500 + i, p = 600 + i, r = 700 + i; \
      ADV.viaFetch(gate(f, 'fetch')).then((v) => { window.race.fetch[f] = v; }); \
      ADV.viaPost(ADV.text(gate(p, 'post')), p).then((v) => { window.race.post[p] = v; }); \
      ADV.viaReply(ADV.text(gate(r, 'reply'))).then((v) => { window.race.reply[r] = v; }); \
    } \
    return 'started';";

fn gate(driver: &Driver, args: &str, to: &str) -> Value {
    js(
        driver,
        &format!(
            "await SB.welcome(); return ADV.viaFetch(ADV.frame(Date.now() % 1e9 + 1, {to:?}, {args}));"
        ),
    )
}

#[test]
fn two_windows_racing_the_same_request_ids_get_only_their_own_answers() {
    let _serial = serial();
    let driver = Driver::start_with(&[("RUST_LOG", "error")]);
    for label in ["main", "second"] {
        driver.switch_to_label(label);
        assert_eq!(js(&driver, RACE), json!("started"), "{label}");
    }
    // all 120 requests are held at once: both windows' ids are pending together
    until("120 requests held at the gate", || {
        gate(&driver, "{}", "cmd:adv_gate_waiting") == json!("ok 120")
    });
    assert_eq!(
        gate(&driver, "{ open: true }", "cmd:adv_gate_open"),
        json!("ok null")
    );
    for label in ["main", "second"] {
        driver.switch_to_label(label);
        driver.wait_for(
            &format!("every answer in {label}"),
            "return window.race && Object.keys(race.fetch).length + Object.keys(race.post).length + Object.keys(race.reply).length === 60;",
            WAIT,
        );
        let race = driver.run(
            "const ids = {}; for (const f of ADV.evals) if (f.id !== undefined) ids[f.id] = (ids[f.id] || 0) + 1; \
             return { race: window.race, delivered: ids };",
        );
        for (route, base) in [("fetch", 500), ("post", 600), ("reply", 700)] {
            for id in base..base + 20 {
                assert_eq!(
                    race["race"][route][id.to_string()],
                    json!(format!("ok \"{label}:{route}-{id}\"")),
                    "{label} {route} {id}: {race}"
                );
            }
        }
        // by evaluate_script, each of this window's ids exactly once (and no other id)
        let delivered = race["delivered"].as_object().unwrap();
        let post: Vec<String> = (600..620).map(|id| id.to_string()).collect();
        for (id, count) in delivered {
            assert!(
                post.contains(id),
                "{label}: a frame for id {id} by script: {race}"
            );
            assert_eq!(count, &json!(1), "{label}: id {id} delivered {count} times");
        }
        assert_eq!(delivered.len(), 20, "{label}: {race}");
    }
}

#[test]
fn a_frame_over_64_mib_is_refused_typed_on_every_route_and_the_app_keeps_serving() {
    let _serial = serial();
    let driver = Driver::start_with(&[("RUST_LOG", "error")]);
    driver.switch_to_label("main");
    let started = Instant::now();
    // one WebDriver script per route (each well within the script timeout)
    let script = "await SB.welcome(); const max = 64 * 1024 * 1024; \
         const big = (id, total) => { \
           const probe = SB.encode(ADV.frame(id, 'cmd:adv_len', { data: new Uint8Array(70000) })); \
           const head = probe.slice(0, probe.length - 70000); const n = total - head.length; \
           if (head[head.length - 5] !== 0xc6 || head[head.length - 16] !== 0xc6) throw new Error('unexpected frame layout'); \
           const view = new DataView(head.buffer); view.setUint32(head.length - 4, n); view.setUint32(head.length - 15, n + 11); \
           return { head, n, total }; }; \
         const bytesOf = (b) => { const a = new Uint8Array(b.total); a.set(b.head); return a; }; \
         const textOf = (b) => { \
           const pad = (3 - b.head.length % 3) % 3; const h = new Uint8Array(b.head.length + pad); h.set(b.head); \
           const rest = b.n - pad, r = rest % 3; \
           return SB.b64(h) + 'AAAA'.repeat((rest - r) / 3) + (r === 1 ? 'AA==' : r === 2 ? 'AAA=' : ''); }; \
         const small = (id) => ADV.frame(id, 'cmd:adv_len', { data: new Uint8Array(3) }); \
         const r = { n: big(1, max).n }; \
         if (ROUTE === 'fetch') { \
           const t0 = Date.now(); \
           r.fetchMax = await ADV.viaFetch(bytesOf(big(11, max))); \
           r.fetchOver = await ADV.viaFetch(bytesOf(big(12, max + 1))); \
           r.fetchNext = await ADV.viaFetch(small(13)); \
           r.fetchMs = Date.now() - t0; \
           return r; } \
         for (const [route, base] of [['post', 20], ['reply', 30]].filter(([route]) => route === ROUTE)) { \
           const send = async (text, id) => { \
             const t = Date.now(); const a = await (route === 'post' ? ADV.viaPost(text, id) : ADV.viaReply(text)); \
             r[route + 'Ms'].push(Date.now() - t); return a; }; \
           r[route + 'Ms'] = []; r[route + 'Length'] = textOf(big(base + 3, max + 3)).length; \
           r[route + 'Over1'] = await send(textOf(big(base + 2, max + 1)), base + 2); \
           r[route + 'Over3'] = await send(textOf(big(base + 3, max + 3)), base + 3); \
           r[route + 'GiB'] = await send(textOf(big(base + 5, 3 * 256 * 1024 * 1024)), base + 5); \
           r[route + 'Next'] = await send(ADV.text(small(base + 4)), base + 4); \
         } \
         return r;";
    let mut sizes = json!({});
    for route in ["fetch", "post", "reply"] {
        let part = js(&driver, &format!("const ROUTE = {route:?}; {script}"));
        assert!(part.is_object(), "{route}: {part}");
        for (key, value) in part.as_object().unwrap() {
            sizes[key] = value.clone();
        }
    }
    eprintln!(
        "64 MiB on every route ({:?} in all): {sizes}",
        started.elapsed()
    );
    let fits = json!(format!("ok {}", sizes["n"]));
    assert_eq!(sizes["fetchMax"], fits, "{sizes}");
    assert_eq!(sizes["fetchOver"], json!("error too_large"), "{sizes}");
    assert_eq!(sizes["fetchNext"], json!("ok 3"), "{sizes}");
    for route in ["post", "reply"] {
        // as long as the base64 of a 64 MiB frame: the host decodes it and refuses it
        assert_eq!(
            sizes[format!("{route}Over1")],
            json!("error too_large"),
            "{route}: {sizes}"
        );
        // longer: the guard refuses it in the page, at once (WebKit carried 512 MiB to the
        // host, which refused it; a GiB arrived empty: never answered on postMessage)
        for over in ["Over3", "GiB"] {
            assert_eq!(
                sizes[format!("{route}{over}")],
                json!("threw too_large"),
                "{route} {over}: {sizes}"
            );
        }
        assert_eq!(
            sizes[format!("{route}Next")],
            json!("ok 3"),
            "{route}: {sizes}"
        );
    }
    // and the other window is served too
    driver.switch_to_label("second");
    assert_eq!(
        gate(&driver, "{ data: new Uint8Array(5) }", "cmd:adv_len"),
        json!("ok 5")
    );
    assert!(driver.app_alive());
}

#[test]
fn requests_of_a_closing_window_never_reach_a_command_after_it_closed() {
    let _serial = serial();
    let driver = Driver::start_with(&[("RUST_LOG", "error")]);
    driver.switch_to_label("main");
    open_window(&driver, "adv-closing", "index.html?w=adv-closing");
    driver.switch_to_label("adv-closing");
    // no script can outlive its window: a page cannot open a child window
    let child = js(
        &driver,
        "return String(window.open('index.html?w=adv-child'));",
    );
    assert_eq!(child, json!("null"), "window.open opened something");
    assert_eq!(driver.windows().len(), 3, "a child window exists");
    // flood every route with calls that log themselves (`adv_mark` runs on the UI thread)
    let flooding = js(
        &driver,
        "await SB.welcome(); window.flood = 0; \
         const mark = (id, tag) => ADV.frame(id, 'cmd:adv_mark', { tag }); \
         const go = () => { \
           for (let i = 0; i < 8; i++) { const n = window.flood++; \
             ADV.viaFetch(mark(100000 + n, 'late-fetch')); \
             try { window.webkit.messageHandlers.ipc.postMessage(ADV.text(mark(200000 + n, 'late-post'))); } catch (e) {} \
             try { window.webkit.messageHandlers.switchboard.postMessage(ADV.text(mark(300000 + n, 'late-reply'))).catch(() => {}); } catch (e) {} \
           } \
           setTimeout(go, 0); }; \
         go(); return 'flooding';",
    );
    assert_eq!(flooding, json!("flooding"));
    driver.switch_to_label("main");
    let late = |log: &[(String, String, String, bool)]| {
        log.iter()
            .filter(|(tag, ..)| tag.starts_with("late-"))
            .count()
    };
    until("the flood to reach commands on every route", || {
        let log = seen(&driver);
        ["late-fetch", "late-post", "late-reply"]
            .iter()
            .all(|route| log.iter().any(|(tag, ..)| tag == route))
    });
    // close it mid-flood
    assert_eq!(
        gate(&driver, "{ label: 'adv-closing' }", "cmd:adv_close"),
        json!("ok null")
    );
    until("adv-closing to close", || driver.windows().len() == 2);
    let before = seen(&driver);
    // every route of the window left makes a round trip through the UI thread
    let after_close = js(
        &driver,
        "const who = (id, tag) => ADV.frame(id, 'cmd:adv_mark', { tag }); \
         return [await ADV.viaFetch(who(41, 'after-fetch')), await ADV.viaPost(ADV.text(who(42, 'after-post')), 42), \
                 await ADV.viaReply(ADV.text(who(43, 'after-reply')))];",
    );
    let me = "ok [\"main\",\"app://localhost\",true]";
    assert_eq!(after_close, json!([me, me, me]), "{after_close}");
    let after = seen(&driver);
    eprintln!(
        "calls of the closing window that ran: {} (of {} sent at least)",
        late(&after),
        late(&after) / 3
    );
    assert_eq!(
        late(&before),
        late(&after),
        "a call of the closed window reached a command after it closed"
    );
    for (tag, window, origin, top) in &after {
        if tag.starts_with("late-") {
            assert_eq!(
                (window.as_str(), origin.as_str(), *top),
                ("adv-closing", "app://localhost", true),
                "{tag}"
            );
        }
    }
    assert!(driver.app_alive());
}

/// The app's page in dev-server mode: the label from `?w=`, and every result an attack frame
/// posts up collected in `window.results` by case.
const PARENT_PAGE: &str = r#"<!doctype html><html><head><meta charset="utf-8"><script>{client}</script></head>
<body><h1 id="label">?</h1><script>
document.getElementById('label').textContent = new URLSearchParams(location.search).get('w') || 'main';
window.results = {};
window.addEventListener('message', (e) => { if (e.data && e.data.adv) window.results[e.data.adv.case] = e.data.adv; });
</script></body></html>"#;

/// A hostile document, as an iframe (named `<case>[|blob]`) or a top page (`?case=` or
/// `#case=`): it tries every route (fetch `hello`, `request`, `/poll`, `/token`; the real
/// message handlers reached through WebKit's prototype getter and the ones it sees, with and
/// without a label as the token; its parent's handlers when it can reach them), writes what
/// happened in `#result` and posts it to its parent. With `|blob` it frames a `blob:` copy of
/// itself, whose results it forwards. Every call is `cmd:adv_whoami` tagged `<case>/<route>`.
const ATTACK_PAGE: &str = r#"<!doctype html><html><head><meta charset="utf-8"><script>{client}</script></head>
<body><h1 id="label">attack</h1><pre id="result"></pre><script>
(async () => {
  const q = (k) => new URLSearchParams(location.search).get(k) || new URLSearchParams(location.hash.slice(1)).get(k);
  const [name, nest, app] = (window.name || (q('case') + '||' + q('app'))).split('|');
  window.addEventListener('message', (e) => { if (e.data && e.data.adv && parent !== window) parent.postMessage(e.data, '*'); });
  const r = { case: name, origin: String(self.origin) };
  const unb64 = (t) => { const s = atob(t); const b = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i); return b; };
  const describe = (f) => f.k === 'welcome' ? 'welcome ' + f.window
    : f.k === 'response' ? (f.err ? 'error ' + f.err.code : 'ok ' + JSON.stringify(f.ok && f.ok.length ? SB.decode(f.ok) : null))
    : f.k === 'error' ? 'error ' + f.code : 'frame ' + f.k;
  // same-origin frames share the top frame's session: ids of their own
  const base = 10 * (1 + Math.floor(Math.random() * 1e12));
  const call = (n, tag) => SB.encode({ v: 1, k: 'request', id: base + n % 10, to: 'cmd:adv_whoami', method: '', payload: SB.encode({ tag: name + '/' + tag }) });
  const viaFetch = async (path, body) => {
    try { const res = await fetch(SB.BASE + path, { method: 'POST', body }); if (res.status !== 200) return 'status ' + res.status; return describe(SB.decode(new Uint8Array(await res.arrayBuffer()))); }
    catch (e) { return 'network'; }
  };
  const viaReply = async (h, text) => { try { const t = await h.postMessage(text); return t ? describe(SB.decode(unb64(t))) : 'empty'; } catch (e) { return 'rejected'; } };
  r.fetchHello = await viaFetch('/ipc', SB.encode({ v: 1, k: 'hello', versions: [1], client: 'test', name: 'attack' }));
  r.fetchCall = await viaFetch('/ipc', call(901, 'fetch'));
  // headers a page cannot set (WebKit drops them) or the bridge does not read
  try {
    const res = await fetch(SB.BASE + '/ipc', { method: 'POST', body: call(909, 'forged'), headers: { Origin: app, Referer: app + '/', 'X-Origin': app } });
    r.fetchForged = res.status !== 200 ? 'status ' + res.status : describe(SB.decode(new Uint8Array(await res.arrayBuffer())));
  } catch (e) { r.fetchForged = 'network'; }
  if (!r.fetchHello.startsWith('welcome')) r.poll = await viaFetch('/poll', new Uint8Array(0));
  try { const x = new XMLHttpRequest(); x.open('POST', SB.BASE + '/token', false); x.send(); r.token = x.status; } catch (e) { r.token = 'error'; }
  let real = null;
  try { real = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(window.webkit), 'messageHandlers').get.call(window.webkit); }
  catch (e) { real = window.webkit && window.webkit.messageHandlers; }
  const seen = window.webkit && window.webkit.messageHandlers;
  try { real.ipc.postMessage(SB.b64(call(902, 'post'))); real.ipc.postMessage('main:' + SB.b64(call(903, 'post'))); r.post = 'sent'; } catch (e) { r.post = 'threw'; }
  try { seen.ipc.postMessage(SB.b64(call(904, 'post'))); r.postSeen = 'sent'; } catch (e) { r.postSeen = 'threw'; }
  r.reply = real && real.switchboard ? await viaReply(real.switchboard, SB.b64(call(905, 'reply'))) : 'no handler';
  r.replySeen = await viaReply(seen.switchboard, SB.b64(call(906, 'reply')));
  if (parent !== window) {
    let p = null;
    try { p = parent.webkit.messageHandlers; r.parent = 'reachable'; } catch (e) { r.parent = 'blocked'; }
    if (p) {
      r.parentReply = await viaReply(p.switchboard, SB.b64(call(907, 'parent-reply')));
      try { p.ipc.postMessage(SB.b64(call(908, 'parent-post'))); r.parentPost = 'sent'; } catch (e) { r.parentPost = 'threw'; }
    }
  }
  if (nest === 'blob') {
    const f = document.createElement('iframe'); f.name = name + '-blob||' + app;
    f.src = URL.createObjectURL(new Blob(['<!doctype html>' + document.documentElement.outerHTML], { type: 'text/html' }));
    document.body.appendChild(f);
  }
  document.getElementById('result').textContent = JSON.stringify(r);
  if (parent !== window) parent.postMessage({ adv: r }, '*');
})();
</script></body></html>"#;

#[test]
fn look_alike_origins_and_foreign_frames_reach_no_command() {
    let _serial = serial();
    let app = Pages::start(&[("/index.html", PARENT_PAGE), ("/attack.html", ATTACK_PAGE)]);
    let other = Pages::start(&[("/attack.html", ATTACK_PAGE)]);
    let (a, b) = (app.port, other.port);
    let origin = app.origin();
    let dev_url = format!("{origin}/");
    let driver = Driver::start_with(&[
        ("SWITCHBOARD_DEV_URL", dev_url.as_str()),
        ("RUST_LOG", "error"),
    ]);
    driver.switch_to_label("main");
    let listening = js(
        &driver,
        "await SB.listen('adv/stale', () => undefined); \
         return ADV.viaFetch(ADV.frame(2, 'cmd:adv_subscribers', { topic: 'adv/stale' }));",
    );
    assert_eq!(listening, json!("ok 1"));

    let frames = js(
        &driver,
        &format!(
            "const src = await (await fetch('/attack.html')).text(); \
             const add = (name, set) => {{ const f = document.createElement('iframe'); f.name = name + (name.includes('|') ? '|' : '||') + location.origin; set(f); document.body.appendChild(f); }}; \
             add('data|blob', (f) => {{ f.src = 'data:text/html;charset=utf-8,' + encodeURIComponent(src); }}); \
             add('blob', (f) => {{ f.src = URL.createObjectURL(new Blob([src], {{ type: 'text/html' }})); }}); \
             add('srcdoc', (f) => {{ f.srcdoc = src; }}); \
             add('srcdoc-sandboxed', (f) => {{ f.sandbox = 'allow-scripts'; f.srcdoc = src; }}); \
             add('srcdoc-sandboxed-same-origin', (f) => {{ f.sandbox = 'allow-scripts allow-same-origin'; f.srcdoc = src; }}); \
             add('page-sandboxed', (f) => {{ f.sandbox = 'allow-scripts'; f.src = '/attack.html'; }}); \
             add('localhost-alias|blob', (f) => {{ f.src = 'http://localhost:{a}/attack.html'; }}); \
             add('userinfo', (f) => {{ f.src = 'http://127.0.0.1:{a}@127.0.0.1:{b}/attack.html'; }}); \
             return document.querySelectorAll('iframe').length;"
        ),
    );
    assert_eq!(frames, json!(8));
    let expected = [
        "data",
        "data-blob",
        "srcdoc-sandboxed",
        "page-sandboxed",
        "localhost-alias",
        "localhost-alias-blob",
        "userinfo",
        "blob",
        "srcdoc",
        "srcdoc-sandboxed-same-origin",
    ];
    let results = driver.wait_for(
        "every frame's results",
        &format!("const r = window.results; return {expected:?}.every((c) => r[c]) ? r : null;"),
        WAIT,
    );
    let me = format!("ok [\"main\",\"{origin}\",true]");
    for case in &expected[..7] {
        let r = &results[case];
        eprintln!("{case}: {r}");
        assert_ne!(r["origin"], json!(origin), "{case}: {r}");
        for key in ["fetchHello", "fetchCall", "fetchForged"] {
            assert_eq!(r[key], json!("error forbidden"), "{case} {key}: {r}");
        }
        assert_eq!(r["poll"], json!("status 403"), "{case}: {r}");
        assert_eq!(r["token"], json!(403), "{case}: {r}");
        // an iframe's handlers are the real ones (the guard is the top frame's): its
        // untokened messages go out, and are dropped or rejected
        assert_eq!(
            (&r["post"], &r["postSeen"]),
            (&json!("sent"), &json!("sent")),
            "{case}: {r}"
        );
        assert_eq!(
            (&r["reply"], &r["replySeen"]),
            (&json!("rejected"), &json!("rejected")),
            "{case}: {r}"
        );
        if case.ends_with("-blob") {
            // its parent is the frame that made it, no guard there either
            assert_eq!(r["parentReply"], json!("rejected"), "{case}: {r}");
        } else {
            assert_eq!(
                r["parent"],
                json!("blocked"),
                "{case}: the top frame's handlers: {r}"
            );
        }
    }
    for case in &expected[7..] {
        // same-origin frames are the top frame to the bridge (its module docs)
        let r = &results[case];
        eprintln!("{case}: {r}");
        assert_eq!(r["origin"], json!(origin), "{case}: {r}");
        assert_eq!(r["fetchHello"], json!("welcome main"), "{case}: {r}");
        assert_eq!(r["fetchCall"], json!(me), "{case}: {r}");
        assert_eq!(
            r["token"],
            json!(403),
            "{case}: a frame asked for a token: {r}"
        );
        assert_eq!(
            (&r["reply"], &r["replySeen"]),
            (&json!("rejected"), &json!("rejected")),
            "{case}: {r}"
        );
        assert_eq!(r["parentReply"], json!(me), "{case}: {r}");
    }
    // every message of the frames was handled before this one (one channel, in order)
    let sync = js(
        &driver,
        "return ADV.viaPost(ADV.text(ADV.frame(77, 'cmd:adv_whoami', { tag: 'sync' })), 77);",
    );
    assert_eq!(sync, json!(me));
    let log = seen(&driver);
    for (tag, window, from, top) in &log {
        assert_eq!(
            (window.as_str(), from.as_str(), *top),
            ("main", origin.as_str(), true),
            "{tag}"
        );
    }
    let tags: Vec<&str> = log.iter().map(|(t, ..)| t.as_str()).collect();
    let mut ran: Vec<&str> = tags.iter().copied().filter(|t| *t != "sync").collect();
    ran.sort();
    let mut want: Vec<String> = expected[7..]
        .iter()
        .flat_map(|c| {
            ["fetch", "forged", "parent-post", "parent-reply"].map(|r| format!("{c}/{r}"))
        })
        .collect();
    want.sort();
    assert_eq!(ran, want, "the calls that reached a command");

    // the window itself navigated, after load, to pages that are not the app's
    let client = include_str!("../frontend/client.js");
    let attack = ATTACK_PAGE.replace("{client}", client);
    let file = std::env::temp_dir().join(format!("switchboard-adv-{}.html", std::process::id()));
    std::fs::write(&file, &attack).unwrap_or_else(|e| panic!("writing {}: {e}", file.display()));
    let main = driver
        .call("GET", "/window", None)
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let second = {
        driver.switch_to_label("second");
        driver
            .call("GET", "/window", None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let pages = [
        (
            "top-alias",
            format!("http://localhost:{a}/attack.html?case=top-alias&app={origin}"),
        ),
        (
            "top-data",
            format!(
                "data:text/html;charset=utf-8,{}#case=top-data&app={origin}",
                urlencode(&attack)
            ),
        ),
        (
            "top-file",
            format!("file://{}#case=top-file&app={origin}", file.display()),
        ),
    ];
    for (n, (case, url)) in pages.iter().enumerate() {
        driver.switch_to(&main);
        driver.call("POST", "/url", Some(&json!({ "url": url })));
        let result = driver.wait_for(
            case,
            "const r = document.getElementById('result'); return r && r.textContent;",
            WAIT,
        );
        let r: Value = serde_json::from_str(result.as_str().unwrap_or_default()).unwrap();
        eprintln!("{case}: {r}");
        assert_eq!(r["case"], json!(case), "{r}");
        assert_ne!(r["origin"], json!(origin), "{case}: {r}");
        for key in ["fetchHello", "fetchCall", "fetchForged"] {
            assert_eq!(r[key], json!("error forbidden"), "{case} {key}: {r}");
        }
        assert_eq!(r["poll"], json!("status 403"), "{case}: {r}");
        assert_eq!(r["token"], json!(403), "{case}: {r}");
        // the guard gave the document no token: its handlers throw; the real ones (through
        // WebKit's getter) send, and are dropped or rejected
        assert_eq!(
            (&r["post"], &r["postSeen"]),
            (&json!("sent"), &json!("threw")),
            "{case}: {r}"
        );
        assert_eq!(
            (&r["reply"], &r["replySeen"]),
            (&json!("rejected"), &json!("rejected")),
            "{case}: {r}"
        );
        if n == 0 {
            // the app page's session went with its document
            driver.switch_to(&second);
            until("the navigated page's subscription to go", || {
                js(&driver, "await SB.welcome(); return ADV.viaFetch(ADV.frame(3, 'cmd:adv_subscribers', { topic: 'adv/stale' }));")
                    == json!("ok 0")
            });
        }
    }
    let _ = std::fs::remove_file(&file);

    // back on the app's page: a new document, with a token, on every route; and again after
    // going back to it from a remote page (WebKit restores it from its page cache: the
    // guard reloads it, its token and session died with the navigation)
    let app_url = format!("{origin}/index.html");
    driver.switch_to(&main);
    driver.call("POST", "/url", Some(&json!({ "url": app_url })));
    driver.switch_to_label("main");
    let every_route = "await SB.welcome(); const who = (id, tag) => ADV.frame(id, 'cmd:adv_whoami', { tag }); \
         return [await ADV.viaFetch(who(81, 'back-fetch')), await ADV.viaPost(ADV.text(who(82, 'back-post')), 82), \
                 await ADV.viaReply(ADV.text(who(83, 'back-reply')))];";
    // the page tampers with what the guard's reload reads, after the guard ran
    let tamper = "window.marker = 'kept'; \
         Object.defineProperty(PageTransitionEvent.prototype, 'persisted', { get() { return false; } }); \
         window.addEventListener('pageshow', (e) => e.stopImmediatePropagation(), true); \
         Reflect.apply = () => undefined;";
    let back = js(&driver, &format!("{tamper} {every_route}"));
    assert_eq!(back, json!([me, me, me]), "{back}");
    driver.call(
        "POST",
        "/url",
        Some(&json!({ "url": format!("http://localhost:{a}/attack.html?case=top-before-back&app={origin}") })),
    );
    driver.wait_for(
        "the remote page",
        "const r = document.getElementById('result'); return r && r.textContent;",
        WAIT,
    );
    driver.call("POST", "/back", Some(&json!({})));
    let fresh = format!(
        "return location.href === {app_url:?} && document.readyState === 'complete' && !!window.SB && window.marker === undefined;"
    );
    let deadline = Instant::now() + WAIT;
    while driver.run(&fresh) != json!(true) {
        if Instant::now() > deadline {
            // what the restored page gets instead (each call given 10 s)
            let stale = js(
                &driver,
                "const t = (p) => Promise.race([p, new Promise((r) => setTimeout(() => r('no answer in 10 s'), 10000))]); \
                 const who = (id) => ADV.frame(id, 'cmd:adv_whoami', { tag: 'stale' }); \
                 return { marker: window.marker, fetch: await t(ADV.viaFetch(who(91))), post: await t(ADV.viaPost(ADV.text(who(92)), 92)), \
                          reply: await t(ADV.viaReply(ADV.text(who(93)))) };",
            );
            panic!("going back restored the app's page with its old document's token and session: {stale}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let back = js(&driver, every_route);
    assert_eq!(back, json!([me, me, me]), "after going back: {back}");
    let log = seen(&driver);
    let top: Vec<&String> = log
        .iter()
        .map(|(t, ..)| t)
        .filter(|t| t.starts_with("top-"))
        .collect();
    assert!(
        top.is_empty(),
        "a navigated page reached a command: {top:?}"
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
