//! Publish/subscribe between Rust and pages: separate listen (`event:`) and emit (`emit:`)
//! grants, the host's reserved topics, who published an event, and the subscription cap.

use std::sync::{Arc, Mutex};

use switchboard::app::DEFAULT_MAX_SUBSCRIPTIONS;
use switchboard::event::{Event, Publisher};
use switchboard::protocol::ErrorCode;
use switchboard::{App, Caller, Capability};

fn app() -> App {
    App::builder()
        .capability(Capability::new("main").windows(["main", "other"]).allow([
            "event:news",
            "event:chat/*",
            "emit:chat/*",
        ]))
        .build()
        .unwrap()
}

/// Collects what a Rust listener heard.
fn recorder(app: &App, topic: &str) -> Arc<Mutex<Vec<Event>>> {
    let heard = Arc::new(Mutex::new(Vec::new()));
    let h = heard.clone();
    app.listen(topic, move |e| h.lock().unwrap().push(e.clone()))
        .unwrap();
    heard
}

#[tokio::test]
async fn rust_emit_reaches_subscribed_pages_in_order() {
    let app = app();
    let client = app.test_client("main");
    let mut news = client.subscribe("news").await.unwrap();
    for i in 0..100u32 {
        app.emit("news", &i).unwrap();
    }
    for i in 0..100u32 {
        let event = news.next().await.unwrap();
        assert_eq!(event.decode::<u32>().unwrap(), i);
        assert_eq!(event.topic.as_str(), "news");
        assert!(event.from().is_none());
        assert_eq!(event.publisher, Publisher::App);
    }
}

#[tokio::test]
async fn page_emit_reaches_rust_listeners_and_other_pages() {
    let app = app();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let id = app
        .listen("chat/room1", move |e| {
            s.lock()
                .unwrap()
                .push((e.decode::<String>().unwrap(), e.from().unwrap().to_string()))
        })
        .unwrap();
    let alice = app.test_client("main");
    let bob = app.test_client("other");
    let mut bob_chat = bob.subscribe("chat/room1").await.unwrap();
    alice.emit("chat/room1", "hi bob").await.unwrap();
    alice.emit("chat/room1", "still there?").await.unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        [
            ("hi bob".to_string(), "window:main".to_string()),
            ("still there?".to_string(), "window:main".to_string())
        ]
    );
    let first = bob_chat.next().await.unwrap();
    assert_eq!(first.decode::<String>().unwrap(), "hi bob");
    assert_eq!(first.from().unwrap().to_string(), "window:main");
    assert_eq!(first.publisher, Publisher::Window("main".parse().unwrap()));
    assert!(app.unlisten(id));
    alice.emit("chat/room1", "bye").await.unwrap();
    assert_eq!(seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn subscribing_or_emitting_without_permission_is_forbidden() {
    let app = app();
    let client = app.test_client("main");
    let e = client.subscribe("secrets").await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden);
    assert!(e.message().contains("event:secrets"), "{}", e.message());
    let heard = Arc::new(Mutex::new(0));
    let h = heard.clone();
    app.listen("secrets", move |_| *h.lock().unwrap() += 1)
        .unwrap();
    let e = client.emit("secrets", &1).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden);
    assert!(e.message().contains("emit:secrets"), "{}", e.message());
    assert_eq!(*heard.lock().unwrap(), 0);
}

#[tokio::test]
async fn a_listen_grant_does_not_let_a_page_emit() {
    let app = app();
    let heard = recorder(&app, "news");
    let client = app.test_client("main");
    // `event:news` lets it listen...
    let mut news = client.subscribe("news").await.unwrap();
    // ...but not publish
    let e = client.emit("news", "forged headline").await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden);
    assert!(e.message().contains("`emit:news`"), "{}", e.message());
    assert!(heard.lock().unwrap().is_empty());
    app.emit("news", "real headline").unwrap();
    assert_eq!(
        news.next().await.unwrap().decode::<String>().unwrap(),
        "real headline"
    );
    assert!(news.try_next().is_none());
}

#[tokio::test]
async fn an_emit_grant_does_not_let_a_page_listen() {
    let app = App::builder()
        .capability(Capability::new("c").windows(["main"]).allow(["emit:log"]))
        .build()
        .unwrap();
    let heard = recorder(&app, "log");
    let client = app.test_client("main");
    client.emit("log", "line").await.unwrap();
    assert_eq!(heard.lock().unwrap().len(), 1);
    let e = client.subscribe("log").await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden);
    assert!(e.message().contains("`event:log`"), "{}", e.message());
}

/// The review's attack: window `second`, granted `event:window/main/*`, forged
/// `window/main/file_dropped` with a path of its choosing.
#[tokio::test]
async fn pages_cannot_forge_window_events_whatever_their_grants() {
    let app = App::builder()
        .capability(
            Capability::new("second")
                .windows(["second"])
                .allow(["event:window/main/*"]),
        )
        .capability(Capability::new("admin").windows(["admin"]).allow(["*"]))
        .capability(
            Capability::new("wide")
                .windows(["wide"])
                .allow(["emit:*", "emit:w*", "emit:a*"]),
        )
        .build()
        .unwrap();
    let heard = recorder(&app, "window/main/file_dropped");
    for window in ["second", "admin", "wide"] {
        let client = app.test_client(window);
        for topic in [
            "window/main/file_dropped",
            "app/ready",
            "actor/counter/stopped",
        ] {
            let e = client
                .emit(topic, "/home/me/.ssh/id_rsa")
                .await
                .unwrap_err();
            assert_eq!(e.code(), ErrorCode::Forbidden, "{window} {topic}");
            assert!(
                e.message().contains(&format!("`{topic}`")) && e.message().contains("reserved"),
                "{}",
                e.message()
            );
        }
    }
    assert!(heard.lock().unwrap().is_empty());
    // listening to them stays possible with a grant
    let second = app.test_client("second");
    let mut dropped = second.subscribe("window/main/file_dropped").await.unwrap();
    app.emit("window/main/file_dropped", "/tmp/real").unwrap();
    assert_eq!(dropped.next().await.unwrap().publisher, Publisher::App);
    assert_eq!(heard.lock().unwrap()[0].publisher, Publisher::App);
}

#[test]
fn a_capability_granting_emit_on_a_reserved_topic_does_not_build() {
    let err = App::builder()
        .capability(
            Capability::new("bad")
                .windows(["second"])
                .allow(["emit:window/main/*"]),
        )
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`emit:window/main/*`") && err.contains("reserved for the host"),
        "{err}"
    );
}

#[tokio::test]
async fn rust_listeners_see_the_publishing_pages_caller() {
    let app = App::builder()
        .capability(
            Capability::new("local")
                .windows(["main"])
                .allow(["emit:chat/*"]),
        )
        .capability(
            Capability::new("docs")
                .windows(["main"])
                .origins(["https://docs.example"])
                .iframes(true)
                .allow(["emit:chat/*"]),
        )
        .build()
        .unwrap();
    let heard = recorder(&app, "chat/room1");
    app.test_client("main")
        .emit("chat/room1", "from the app's page")
        .await
        .unwrap();
    let mut iframe = Caller::new("main", "https://docs.example");
    iframe.top_frame = false;
    app.test_client_as(iframe.clone())
        .emit("chat/room1", "from an embedded page")
        .await
        .unwrap();
    app.emit("chat/room1", "from rust").unwrap();

    let heard = heard.lock().unwrap();
    let publishers: Vec<_> = heard.iter().map(|e| e.publisher.clone()).collect();
    assert_eq!(
        publishers,
        [
            Publisher::Page(Arc::new(Caller::new("main", "app://localhost"))),
            Publisher::Page(Arc::new(iframe)),
            Publisher::App,
        ]
    );
    let caller = heard[1].publisher.caller().unwrap();
    assert_eq!(
        (
            caller.window.as_str(),
            caller.origin.as_str(),
            caller.top_frame
        ),
        ("main", "https://docs.example", false)
    );
    assert_eq!(heard[1].from().unwrap().to_string(), "window:main");
    assert!(heard[2].publisher.is_app() && heard[2].publisher.caller().is_none());
}

#[tokio::test]
async fn subscriptions_per_session_are_capped() {
    let app = App::builder()
        .max_subscriptions(3)
        .capability(Capability::new("c").windows(["main"]).allow(["event:t/*"]))
        .build()
        .unwrap();
    let client = app.test_client("main");
    let mut subs = Vec::new();
    for i in 0..3 {
        subs.push(client.subscribe(&format!("t/{i}")).await.unwrap());
    }
    let e = client.subscribe("t/3").await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Busy);
    assert!(e.message().contains("3 subscriptions"), "{}", e.message());
    assert_eq!(app.subscription_count(), 3);
    assert_eq!(app.subscribers("t/3"), 0);
    // a topic already held does not count twice
    client.subscribe("t/0").await.unwrap();
    // unsubscribing frees a place
    client.unsubscribe("t/1").await.unwrap();
    client.subscribe("t/3").await.unwrap();
    assert_eq!(app.subscription_count(), 3);
    // the cap is per session: another page of the same window has its own
    app.test_client("main").subscribe("t/4").await.unwrap();
}

#[tokio::test]
async fn the_default_subscription_cap_holds() {
    let app = App::builder()
        .capability(Capability::new("c").windows(["main"]).allow(["*"]))
        .build()
        .unwrap();
    let client = app.test_client("main");
    for i in 0..DEFAULT_MAX_SUBSCRIPTIONS {
        client.subscribe(&format!("flood/{i}")).await.unwrap();
    }
    let e = client.subscribe("flood/one-more").await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Busy);
    assert_eq!(app.subscription_count(), DEFAULT_MAX_SUBSCRIPTIONS);
    client.close();
    assert_eq!(app.subscription_count(), 0);
}

#[tokio::test]
async fn emit_to_reaches_only_that_window() {
    let app = app();
    let main = app.test_client("main");
    let other = app.test_client("other");
    let mut main_news = main.subscribe("news").await.unwrap();
    let mut other_news = other.subscribe("news").await.unwrap();
    app.emit_to("other", "news", "for other").unwrap();
    app.emit("news", "for all").unwrap();
    assert_eq!(
        other_news.next().await.unwrap().decode::<String>().unwrap(),
        "for other"
    );
    assert_eq!(
        other_news.next().await.unwrap().decode::<String>().unwrap(),
        "for all"
    );
    assert_eq!(
        main_news.next().await.unwrap().decode::<String>().unwrap(),
        "for all"
    );
    assert!(main_news.try_next().is_none());
}

#[tokio::test]
async fn unsubscribe_stops_delivery() {
    let app = app();
    let client = app.test_client("main");
    let mut news = client.subscribe("news").await.unwrap();
    app.emit("news", &1).unwrap();
    assert_eq!(app.subscribers("news"), 1);
    client.unsubscribe("news").await.unwrap();
    assert_eq!(app.subscribers("news"), 0);
    app.emit("news", &2).unwrap();
    assert_eq!(news.next().await.unwrap().decode::<i32>().unwrap(), 1);
    assert!(news.next().await.is_none());
}

#[tokio::test]
async fn a_closed_window_closes_its_sessions_and_says_so_once() {
    use switchboard::window::WindowSpec;
    let app = App::builder()
        .window(WindowSpec::new("main"))
        .capability(Capability::new("main").windows(["main"]).allow(["*"]))
        .build()
        .unwrap();
    let client = app.test_client("main");
    client.subscribe("news").await.unwrap();
    let destroyed = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = destroyed.clone();
    app.listen("window/main/destroyed", move |_| {
        seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    })
    .unwrap();
    assert!(app.window("main").is_some());
    // an event that merely looks like the runtime's report changes nothing
    app.emit("window/main/destroyed", &()).unwrap();
    assert!(app.window("main").is_some());
    assert_eq!(app.subscription_count(), 2, "the page's and the listener's");
    // the runtime's report does, once
    let main = "main".parse().unwrap();
    app.window_closed(&main);
    app.window_closed(&main);
    assert!(app.window("main").is_none());
    assert_eq!(app.subscription_count(), 1, "the page's is gone");
    assert_eq!(
        destroyed.load(std::sync::atomic::Ordering::SeqCst),
        2,
        "one by hand, one report"
    );
    let e = client.subscribe("news").await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::WindowClosed);
}
