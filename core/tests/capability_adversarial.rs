//! Capability patterns against their near misses, through the bus (PROTOCOL.md §4): a
//! permission is `<address>` or `<address>.<method>`, `event:<topic>`, `emit:<topic>` or
//! `*`; a `*` may only end a part and matches any rest of it (a prefix); everything else is
//! denied. Each case builds an app whose only capability grants the patterns named, then
//! calls from a test client: an allowed call must reach its handler (which answers its own
//! name), a denied one must answer `forbidden`. Beside `capabilities.rs` (files, origins of
//! remote pages, iframes), `deny_by_default.rs` (nothing granted; `*` for one window) and
//! `events.rs` (listen vs emit, reserved topics under `*`, `emit:w*`, `emit:a*`).
//!
//! | case | expected outcome |
//! |---|---|
//! | `patterns_match_what_the_protocol_says_and_nothing_more` | 60 (pattern, call) pairs: exact names never match a prefix sibling (`cmd:greet` vs `cmd:greet2`, `counter.add` vs `counter.add_all`, `plugin:fs.*` vs `plugin:fsx.read`), case differs (`counter` vs `Counter`), `<address>` alone is method-less calls only, `<address>.*` never a method-less call, a trailing `*` is a prefix of that part only (`plugin:fs*.read` does reach `plugin:fsx.read`, `*.add` any actor's `add`) |
//! | `malformed_patterns_do_not_build` | `*` in the middle, empty segments, trailing separators in addresses, whitespace, upper-case prefixes (`CMD:greet` is a plugin permission nobody declares), and Unicode look-alikes (Cyrillic `е`, fullwidth `ｃ`, a zero-width space) are refused when the app is built, naming the entry |
//! | `plugin_permissions_grant_their_own_plugin_only` | `fs:allow-read` reaches `plugin:fs.read` only (not `read_dir`, `write`, nor `plugin:fsx.read`); `fsx:allow-read` likewise; `FS:allow-read`, `fs:allow-rea`, `fs:allow-read*`, `fs:*` do not build |
//! | `window_globs_and_labels_match_exactly` | a capability for `main` gives `main2`, `Main`, `mai` nothing; `editor-*` covers `editor-1` but not `editor` or `editorx`; `ma*in` (a star in the middle) matches no window |
//! | `origins_match_exactly` | a capability for `https://docs.example` gives its look-alikes (scheme, case, port, suffix, path, `null`, empty) nothing; the local origin's look-alikes get nothing from a capability without `origins` |
//! | `a_page_cannot_emit_on_topics_the_host_or_another_plugin_owns` | with `*`, `emit:*`, `emit:window*`, `emit:windo*`, `emit:ap*`, `emit:actor*`: every reserved topic (another window's, `window/`, `app/`, `actor/plugin:fs/stopped`) is `forbidden` and no listener hears it; a plugin's listen-only topic cannot be emitted with that permission nor with another plugin's emit permission; `Window/main/..` (another topic: topics are case-sensitive) reaches no listener of `window/main/..`; `chat/../window/main/x` is not `window/main/x` |
//! | `a_page_cannot_forge_the_publisher` | an `event` frame whose `from` says `window:admin` is delivered as from the emitting page's window, to Rust and to other pages |
//! | `one_windows_grants_give_another_nothing` | window `a`'s calls, `window:a.*`, listen and emit grants give `b` (and `a2`, `A`) nothing; `a`'s subscription does not deliver to `b` |

use std::sync::{Arc, Mutex};
use std::time::Duration;

use switchboard::event::Publisher;
use switchboard::permission::{PermissionDef, PluginPermissions};
use switchboard::protocol::{ErrorCode, Event as EventFrame, Frame};
use switchboard::{args, commands, App, Caller, Capability, Error, WindowSpec};

#[switchboard::command]
fn greet() -> &'static str {
    "greet"
}

#[switchboard::command]
fn greet2() -> &'static str {
    "greet2"
}

#[switchboard::command]
fn hello() -> &'static str {
    "hello"
}

#[derive(Clone)]
struct Counter;

#[switchboard::actor]
impl Counter {
    fn add(&self) -> &'static str {
        "add"
    }
    fn add_all(&self) -> &'static str {
        "add_all"
    }
    fn get(&self) -> &'static str {
        "get"
    }
}

#[derive(Clone)]
struct Files;

#[switchboard::actor]
impl Files {
    fn read(&self) -> &'static str {
        "read"
    }
    fn read_dir(&self) -> &'static str {
        "read_dir"
    }
    fn write(&self) -> &'static str {
        "write"
    }
}

const WINDOWS: [&str; 9] = [
    "main", "main2", "Main", "mai", "editor", "editor-1", "editorx", "other", "admin",
];

fn build(capabilities: Vec<Capability>) -> Result<App, Error> {
    let mut b = App::builder()
        .commands(commands![greet, greet2, hello])
        .actor("counter", Counter)
        .actor("counterx", Counter)
        .actor("Counter", Counter)
        .plugin_actor("fs", Files)
        .plugin_actor("fsx", Files)
        .permissions(
            PluginPermissions::new("fs")
                .permission(PermissionDef::new("allow-read").methods(["read"]))
                .permission(PermissionDef::new("watch").listen(["fs/changed"])),
        )
        .permissions(
            PluginPermissions::new("fsx")
                .permission(PermissionDef::new("allow-read").methods(["read"]))
                .permission(PermissionDef::new("shout").emit(["fsx/news"])),
        );
    for w in WINDOWS {
        b = b.window(WindowSpec::new(w));
    }
    for c in capabilities {
        b = b.capability(c);
    }
    b.build()
}

fn granting(window: &str, patterns: &[&str]) -> App {
    build(vec![Capability::new("under-test")
        .windows([window])
        .allow(patterns.iter().copied())])
    .unwrap_or_else(|e| panic!("{patterns:?}: {e}"))
}

/// Whether `window` may call `to`.`method`: `true` when the handler answered (the answer is
/// checked to be that handler's), `false` when the bus answered `forbidden`.
async fn reaches(app: &App, window: &str, to: &str, method: &str) -> bool {
    let client = app.test_client(window);
    match client.invoke::<String>(to, method, &args! {}).await {
        Ok(answer) => {
            let expected = match (to, method) {
                ("cmd:greet", "") => "greet",
                ("cmd:greet2", "") => "greet2",
                ("cmd:hello", "") => "hello",
                (t, "title") if t.starts_with("window:") => &t["window:".len()..],
                (_, m) => m,
            };
            assert_eq!(
                answer, expected,
                "{to}.{method} answered by another handler"
            );
            true
        }
        Err(e) if e.code() == ErrorCode::Forbidden => false,
        Err(e) => panic!("{window} → {to}.{method}: neither answered nor forbidden: {e}"),
    }
}

/// Runs `body` with a deadline that turns a hang into a failure (not a synchronization).
async fn within<F: std::future::Future>(body: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(60), body)
        .await
        .expect("the test hung")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patterns_match_what_the_protocol_says_and_nothing_more() {
    within(async {
        // (pattern, address, method, allowed)
        let cases: &[(&str, &str, &str, bool)] = &[
            ("cmd:greet", "cmd:greet", "", true),
            ("cmd:greet", "cmd:greet2", "", false),
            ("cmd:greet", "cmd:hello", "", false),
            ("cmd:greet", "counter", "add", false),
            ("cmd:greet2", "cmd:greet", "", false),
            ("cmd:GREET", "cmd:greet", "", false),
            ("cmd:gr*", "cmd:greet", "", true),
            ("cmd:gr*", "cmd:greet2", "", true),
            ("cmd:gr*", "cmd:hello", "", false),
            ("cmd:*", "cmd:hello", "", true),
            ("cmd:*", "counter", "add", false),
            ("cmd:*", "plugin:fs", "read", false),
            ("cmd*", "cmd:greet", "", true),
            ("cmd*", "counter", "add", false),
            ("counter.add", "counter", "add", true),
            ("counter.add", "counter", "add_all", false),
            ("counter.add", "counter", "get", false),
            ("counter.add", "counterx", "add", false),
            ("counter.add", "Counter", "add", false),
            ("counter.add", "counter", "", false),
            ("counter.add*", "counter", "add", true),
            ("counter.add*", "counter", "add_all", true),
            ("counter.add*", "counter", "get", false),
            ("counter.add*", "counterx", "add", false),
            ("counter.*", "counter", "get", true),
            ("counter.*", "counter", "", false),
            ("counter.*", "counterx", "add", false),
            ("counter.*", "Counter", "add", false),
            ("Counter.*", "counter", "add", false),
            ("Counter.*", "Counter", "add", true),
            ("counter", "counter", "add", false),
            ("counter*", "counter", "add", false),
            ("counter*.add", "counterx", "add", true),
            ("counter*.add", "counterx", "get", false),
            ("counter*.add", "Counter", "add", false),
            ("*.add", "counter", "add", true),
            ("*.add", "Counter", "add", true),
            ("*.add", "counter", "get", false),
            ("*.add", "cmd:greet", "", false),
            ("plugin:fs.*", "plugin:fs", "read", true),
            ("plugin:fs.*", "plugin:fs", "write", true),
            ("plugin:fs.*", "plugin:fsx", "read", false),
            ("plugin:fs.read", "plugin:fs", "read_dir", false),
            ("plugin:fs.read*", "plugin:fs", "read_dir", true),
            ("plugin:fs.read*", "plugin:fs", "write", false),
            ("plugin:fs.read*", "plugin:fsx", "read", false),
            ("plugin:fs*.read", "plugin:fsx", "read", true),
            ("plugin:fsx.*", "plugin:fs", "read", false),
            ("plugin:*", "plugin:fsx", "write", false),
            ("plugin:*.write", "plugin:fsx", "write", true),
            ("window:main.*", "window:main", "title", true),
            ("window:main.*", "window:main2", "title", false),
            ("window:main.*", "window:Main", "title", false),
            ("window:main*.title", "window:main2", "title", true),
            ("window:main*.title", "window:mai", "title", false),
            ("event:chat/*", "cmd:greet", "", false),
            ("emit:*", "cmd:greet", "", false),
            ("emit:*", "counter", "add", false),
            ("*", "plugin:fsx", "write", true),
            ("*", "window:other", "title", true),
        ];
        let mut wrong = Vec::new();
        for &(pattern, to, method, allowed) in cases {
            let app = granting("main", &[pattern]);
            let got = reaches(&app, "main", to, method).await;
            if got != allowed {
                wrong.push(format!(
                    "`{pattern}` → {to}.{method}: {} (expected {})",
                    if got { "allowed" } else { "denied" },
                    if allowed { "allowed" } else { "denied" }
                ));
            }
            // no pattern granted to `main` reaches anything for `other`
            assert!(
                !reaches(&app, "other", to, method).await,
                "{pattern} for other"
            );
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    })
    .await
}

#[test]
fn malformed_patterns_do_not_build() {
    for bad in [
        "",
        "*cmd:greet",
        "cmd:*eet",
        "cmd:gr*et",
        "cmd:**",
        "counter.*.add",
        "counter.a*d",
        "counter..add",
        "counter.",
        ".add",
        "*.",
        "cmd:greet.",
        "cmd:",
        "cmd::greet",
        "cmd:greet/",
        "plugin:fs/",
        "plugin:fs.read/",
        "counter.add ",
        " cmd:greet",
        "cmd:greet\n",
        "cmd:greet\t",
        "cmd: greet",
        "CMD:greet",
        "Cmd:greet",
        "Emit:chat/x",
        "EVENT:chat/x",
        "event:",
        "emit:",
        "event:chat/*/x",
        "event:*chat",
        "emit:ch*t",
        "event:chat room",
        "emit:chat\\x",
        // look-alikes: Cyrillic е and а, fullwidth ｃ, zero-width space, NBSP, combining dot
        "cmd:gr\u{0435}et",
        "counter.\u{0430}dd",
        "\u{ff43}md:greet",
        "cmd:greet\u{200b}",
        "cmd:\u{00a0}greet",
        "plugin:fs.rea\u{0307}d",
        "event:ch\u{0430}t/*",
        "emit:chat\u{2215}x",
    ] {
        let err = build(vec![Capability::new("bad").windows(["main"]).allow([bad])])
            .map(drop)
            .expect_err(&format!("{bad:?} built"));
        let text = err.to_string();
        assert!(
            text.contains("`bad`") || text.contains(bad),
            "{bad:?}: {text}"
        );
    }
    // the fixture builds with well-formed patterns
    build(vec![Capability::new("ok").windows(["main"]).allow([
        "cmd:greet",
        "counter.*",
        "event:chat/",
        "emit:chat/*",
        "fs:allow-read",
    ])])
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plugin_permissions_grant_their_own_plugin_only() {
    within(async {
        let app = granting("main", &["fs:allow-read"]);
        assert!(reaches(&app, "main", "plugin:fs", "read").await);
        for (to, method) in [
            ("plugin:fs", "read_dir"),
            ("plugin:fs", "write"),
            ("plugin:fsx", "read"),
            ("cmd:greet", ""),
        ] {
            assert!(!reaches(&app, "main", to, method).await, "{to}.{method}");
        }
        let app = granting("main", &["fsx:allow-read"]);
        assert!(reaches(&app, "main", "plugin:fsx", "read").await);
        assert!(!reaches(&app, "main", "plugin:fs", "read").await);
        for bad in [
            "FS:allow-read",
            "fs:allow-rea",
            "fs:allow-read*",
            "fs:*",
            "fs:Allow-read",
            "fsx:watch",
        ] {
            assert!(
                build(vec![Capability::new("bad").windows(["main"]).allow([bad])]).is_err(),
                "{bad} built"
            );
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn window_globs_and_labels_match_exactly() {
    within(async {
        for (windows, granted) in [
            (vec!["main"], vec!["main"]),
            (vec!["editor-*"], vec!["editor-1"]),
            (vec!["ma*in"], vec![]),
            (vec!["Main"], vec!["Main"]),
            (vec!["*"], WINDOWS.to_vec()),
        ] {
            let app = build(vec![Capability::new("c")
                .windows(windows.clone())
                .allow(["cmd:greet"])])
            .unwrap();
            for w in WINDOWS {
                assert_eq!(
                    reaches(&app, w, "cmd:greet", "").await,
                    granted.contains(&w),
                    "windows {windows:?}, caller {w}"
                );
            }
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn origins_match_exactly() {
    within(async {
        let app = build(vec![
            Capability::new("docs")
                .windows(["main"])
                .origins(["https://docs.example"])
                .allow(["cmd:greet"]),
            Capability::new("local")
                .windows(["main"])
                .allow(["cmd:hello"]),
        ])
        .unwrap();
        let call = |origin: &str, to: &'static str| {
            let client = app.test_client_as(Caller::new("main", origin));
            async move { client.invoke::<String>(to, "", &args! {}).await }
        };
        assert_eq!(
            call("https://docs.example", "cmd:greet").await.unwrap(),
            "greet"
        );
        assert_eq!(call("app://localhost", "cmd:hello").await.unwrap(), "hello");
        for origin in [
            "http://docs.example",
            "https://DOCS.example",
            "https://docs.example:443",
            "https://docs.example:8443",
            "https://docs.example.evil",
            "https://evil-docs.example",
            "https://docs.example/",
            "https://docs.example/path",
            "https://user@docs.example",
            "null",
            "",
        ] {
            let e = call(origin, "cmd:greet").await.unwrap_err();
            assert_eq!(e.code(), ErrorCode::Forbidden, "{origin:?}");
        }
        for origin in [
            "app://localhost.evil",
            "APP://localhost",
            "app://localhost/",
            "app://localhost:1",
            "app://127.0.0.1",
            "https://docs.example",
            "null",
        ] {
            let e = call(origin, "cmd:hello").await.unwrap_err();
            assert_eq!(e.code(), ErrorCode::Forbidden, "{origin:?}");
        }
    })
    .await
}

/// Every event a Rust listener on `topic` hears, with its publisher.
fn recorder(app: &App, topic: &str) -> Arc<Mutex<Vec<(String, Publisher)>>> {
    let heard = Arc::new(Mutex::new(Vec::new()));
    let h = heard.clone();
    app.listen(topic, move |e| {
        h.lock().unwrap().push((
            e.decode::<String>().unwrap_or_default(),
            e.publisher.clone(),
        ))
    })
    .unwrap();
    heard
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_cannot_emit_on_topics_the_host_or_another_plugin_owns() {
    within(async {
        let reserved = [
            "window/main/file_dropped",
            "window/other/close_requested",
            "window/",
            "window/main",
            "app/",
            "app/ready",
            "actor/plugin:fs/stopped",
            "actor/counter/stopped",
        ];
        for grant in [
            "*",
            "emit:*",
            "emit:window*",
            "emit:windo*",
            "emit:ap*",
            "emit:actor*",
        ] {
            let app = granting("main", &[grant, "fs:watch"]);
            let heard: Vec<_> = reserved.iter().map(|t| recorder(&app, t)).collect();
            let page = app.test_client("main");
            for topic in reserved {
                let e = page.emit(topic, "forged").await.unwrap_err();
                assert_eq!(e.code(), ErrorCode::Forbidden, "{grant}: {topic}");
                assert!(e.message().contains("reserved"), "{}", e.message());
            }
            assert!(
                heard.iter().all(|h| h.lock().unwrap().is_empty()),
                "{grant}"
            );
            // a case variant is another topic: it reaches no listener of the real one
            let real = recorder(&app, "window/main/file_dropped");
            if page.emit("Window/main/file_dropped", "x").await.is_ok() {
                assert!(real.lock().unwrap().is_empty(), "{grant}");
            }
        }
        // `chat/../window/main/x` is a topic of its own, not a path to `window/main/x`
        let app = granting("main", &["emit:chat/*"]);
        let real = recorder(&app, "window/main/x");
        let odd = recorder(&app, "chat/../window/main/x");
        app.test_client("main")
            .emit("chat/../window/main/x", "x")
            .await
            .unwrap();
        assert_eq!(odd.lock().unwrap().len(), 1);
        assert!(real.lock().unwrap().is_empty());
        // a plugin's listen-only topic: not emittable with its listen permission, nor with
        // another plugin's emit permission, nor with a prefix sibling's grant
        let app = granting(
            "main",
            &["fs:watch", "fsx:shout", "emit:fs/changed2", "emit:fsx/*"],
        );
        let changed = recorder(&app, "fs/changed");
        let page = app.test_client("main");
        let e = page.emit("fs/changed", "forged").await.unwrap_err();
        assert_eq!(e.code(), ErrorCode::Forbidden);
        assert!(e.message().contains("emit:fs/changed"), "{}", e.message());
        assert!(changed.lock().unwrap().is_empty());
        // while the grants it does hold work
        page.emit("fsx/news", "ok").await.unwrap();
        page.emit("fs/changed2", "ok").await.unwrap();
        let mut sub = page.subscribe("fs/changed").await.unwrap();
        app.emit("fs/changed", "real").unwrap();
        assert_eq!(sub.next().await.unwrap().publisher, Publisher::App);
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_cannot_forge_the_publisher() {
    within(async {
        let app = build(vec![
            Capability::new("main")
                .windows(["main"])
                .allow(["emit:chat/*"]),
            Capability::new("other")
                .windows(["other"])
                .allow(["event:chat/*"]),
        ])
        .unwrap();
        let heard = recorder(&app, "chat/room");
        let other = app.test_client("other");
        let mut sub = other.subscribe("chat/room").await.unwrap();
        let page = app.test_client("main");
        for from in ["window:admin", "plugin:fs", "cmd:greet", "window:main"] {
            let frame = Frame::Event(EventFrame {
                topic: "chat/room".parse().unwrap(),
                payload: switchboard::protocol::payload::to_bytes(from).unwrap(),
                from: Some(from.parse().unwrap()),
            });
            assert_eq!(page.send_raw(frame.encode().into()).await.unwrap(), None);
            let event = sub.next().await.unwrap();
            assert_eq!(
                event.from().map(|a| a.to_string()).as_deref(),
                Some("window:main"),
                "{from}"
            );
        }
        let heard = heard.lock().unwrap();
        assert_eq!(heard.len(), 4);
        for (claimed, publisher) in heard.iter() {
            assert_eq!(
                publisher,
                &Publisher::Page(Arc::new(Caller::new("main", "app://localhost"))),
                "claimed {claimed}"
            );
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_windows_grants_give_another_nothing() {
    within(async {
        let app = App::builder()
            .commands(commands![greet])
            .actor("counter", Counter)
            .window(WindowSpec::new("a"))
            .window(WindowSpec::new("b"))
            .window(WindowSpec::new("a2"))
            .window(WindowSpec::new("A"))
            .capability(Capability::new("a").windows(["a"]).allow([
                "cmd:greet",
                "counter.*",
                "window:a.*",
                "window:b.*",
                "event:news",
                "emit:chat/*",
            ]))
            .build()
            .unwrap();
        let a = app.test_client("a");
        assert_eq!(
            a.invoke::<String>("cmd:greet", "", &args! {})
                .await
                .unwrap(),
            "greet"
        );
        assert_eq!(
            a.invoke::<String>("counter", "get", &args! {})
                .await
                .unwrap(),
            "get"
        );
        assert_eq!(
            a.invoke::<String>("window:b", "title", &args! {})
                .await
                .unwrap(),
            "b"
        );
        let mut news = a.subscribe("news").await.unwrap();
        a.emit("chat/x", "hi").await.unwrap();
        for label in ["b", "a2", "A"] {
            let c = app.test_client(label);
            for (to, method) in [
                ("cmd:greet", ""),
                ("counter", "get"),
                ("window:a", "title"),
                ("window:b", "title"),
                ("window:A", "title"),
            ] {
                let e = c.invoke::<String>(to, method, &args! {}).await.unwrap_err();
                assert_eq!(e.code(), ErrorCode::Forbidden, "{label}: {to}.{method}");
            }
            assert_eq!(
                c.subscribe("news").await.unwrap_err().code(),
                ErrorCode::Forbidden
            );
            assert_eq!(
                c.emit("chat/x", "hi").await.unwrap_err().code(),
                ErrorCode::Forbidden
            );
            assert!(
                c.session().grants().is_empty(),
                "{label}: {:?}",
                c.session().grants()
            );
        }
        // `a`'s subscription delivers to `a` only
        app.emit("news", "n").unwrap();
        assert_eq!(news.next().await.unwrap().decode::<String>().unwrap(), "n");
        assert_eq!(app.subscribers("news"), 1);
    })
    .await
}
