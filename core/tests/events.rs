//! Publish/subscribe between Rust and pages.

use std::sync::{Arc, Mutex};

use switchboard::protocol::ErrorCode;
use switchboard::{App, Capability};

fn app() -> App {
    App::builder()
        .capability(
            Capability::new("main")
                .windows(["main", "other"])
                .allow(["event:news", "event:chat/*"]),
        )
        .build()
        .unwrap()
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
        assert!(event.from.is_none());
    }
}

#[tokio::test]
async fn page_emit_reaches_rust_listeners_and_other_pages() {
    let app = app();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let id = app
        .listen("chat/room1", move |e| {
            s.lock().unwrap().push((
                e.decode::<String>().unwrap(),
                e.from.clone().unwrap().to_string(),
            ))
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
    assert_eq!(first.from.unwrap().to_string(), "window:main");
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
    assert_eq!(*heard.lock().unwrap(), 0);
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
async fn window_destroyed_event_closes_its_sessions() {
    use switchboard::window::{WindowEvent, WindowSpec};
    let app = App::builder()
        .window(WindowSpec::new("main"))
        .capability(Capability::new("main").windows(["main"]).allow(["*"]))
        .build()
        .unwrap();
    let client = app.test_client("main");
    client.subscribe("news").await.unwrap();
    assert!(app.window("main").is_some());
    app.window_event(&"main".parse().unwrap(), &WindowEvent::Destroyed)
        .unwrap();
    assert!(app.window("main").is_none());
    assert_eq!(app.subscription_count(), 0);
    let e = client.subscribe("news").await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::WindowClosed);
}
