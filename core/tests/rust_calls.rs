//! Calls from Rust: trusted when the app makes them, checked by the same capabilities when
//! made on behalf of a window.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use switchboard::protocol::ErrorCode;
use switchboard::{args, commands, App, AppHandle, Caller, Capability, Window};

#[derive(Clone, Default)]
struct Counter {
    total: i64,
    reached: Arc<AtomicU32>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Point {
    x: i64,
    y: i64,
}

#[derive(Debug, Serialize, thiserror::Error)]
#[error("too big: {0}")]
struct TooBig(i64);

#[switchboard::actor]
impl Counter {
    /// Add `n`, answer the new total.
    fn add(&mut self, n: i64) -> i64 {
        self.reached.fetch_add(1, Ordering::SeqCst);
        self.total += n;
        self.total
    }

    async fn move_by(&mut self, by: Point, app: AppHandle) -> Point {
        let _ = app;
        self.total += by.x + by.y;
        Point {
            x: by.x * 2,
            y: by.y,
        }
    }

    fn checked(&self, n: i64) -> Result<i64, TooBig> {
        if n > 10 {
            Err(TooBig(n))
        } else {
            Ok(n)
        }
    }

    fn total(&self) -> i64 {
        self.total
    }
}

#[switchboard::command]
fn double(n: i64) -> i64 {
    n * 2
}

#[switchboard::command]
fn my_window(window: Window) -> String {
    window.label().to_string()
}

/// A command that forwards its page's request to the counter, on the page's behalf.
#[switchboard::command]
async fn forward(n: i64, caller: Caller, app: AppHandle) -> Result<i64, String> {
    app.actor::<Counter>("counter")
        .on_behalf_of(caller)
        .add(n)
        .await
        .map_err(|e| e.code().to_string())
}

fn app(reached: Arc<AtomicU32>) -> App {
    App::builder()
        .commands(commands![double, my_window, forward])
        .actor("counter", Counter { total: 0, reached })
        .capability(Capability::new("main").windows(["main"]).allow([
            "counter.add",
            "cmd:forward",
            "cmd:my_window",
        ]))
        .capability(
            Capability::new("viewer")
                .windows(["viewer"])
                .allow(["cmd:forward"]),
        )
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_typed_rust_call_reaches_the_actor() {
    let reached = Arc::new(AtomicU32::new(0));
    let app = app(reached.clone());
    let counter = app.actor::<Counter>("counter");
    assert_eq!(counter.add(5).await.unwrap(), 5);
    assert_eq!(counter.add(-2).await.unwrap(), 3);
    // struct arguments, injected arguments left out of the signature
    let moved = counter.move_by(Point { x: 1, y: 2 }).await.unwrap();
    assert_eq!(moved, Point { x: 2, y: 2 });
    assert_eq!(counter.total().await.unwrap(), 6);
    // an application error keeps its code and data
    let e = counter.checked(11).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::App);
    assert_eq!(e.message(), "too big: 11");
    assert_eq!(e.data::<i64>(), Some(11));
    assert_eq!(reached.load(Ordering::SeqCst), 2);
    // the same actor, seen by a page
    let page = app.test_client("main");
    let total: i64 = page
        .invoke("counter", "add", &args! { n: 1 })
        .await
        .unwrap();
    assert_eq!(total, 7);
}

#[tokio::test]
async fn an_untyped_rust_call_reaches_commands_and_actors() {
    let app = app(Arc::default());
    let two: i64 = app.call("cmd:double", "", &args! { n: 1 }).await.unwrap();
    assert_eq!(two, 2);
    let total: i64 = app
        .address("counter")
        .call("add", &args! { n: 4 })
        .await
        .unwrap();
    assert_eq!(total, 4);
    let e = app
        .call::<i64>("nobody", "add", &args! {})
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::UnknownTarget);
    let e = app
        .call::<i64>("counter", "nothing", &args! {})
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::UnknownMethod);
}

#[tokio::test]
async fn a_call_on_behalf_of_a_window_without_the_grant_is_forbidden_and_never_reaches_the_actor() {
    let reached = Arc::new(AtomicU32::new(0));
    let app = app(reached.clone());
    let viewer = Caller::new("viewer", "app://localhost");
    let e = app
        .actor::<Counter>("counter")
        .on_behalf_of(viewer.clone())
        .add(5)
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden);
    assert!(e.message().contains("counter.add"), "{}", e.message());
    let e = app
        .call_as::<i64>(&viewer, "counter", "add", &args! { n: 5 })
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden);
    // a remote page in the main window does not get the main window's grants either
    let remote = Caller::new("main", "https://evil.example");
    let e = app
        .call_as::<i64>(&remote, "counter", "add", &args! { n: 5 })
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden);
    assert_eq!(reached.load(Ordering::SeqCst), 0);
    // granted: it goes through
    let main = Caller::new("main", "app://localhost");
    let total = app
        .actor::<Counter>("counter")
        .on_behalf_of(main)
        .add(5)
        .await
        .unwrap();
    assert_eq!(total, 5);
    assert_eq!(reached.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_command_forwarding_for_its_page_cannot_exceed_the_pages_grants() {
    let reached = Arc::new(AtomicU32::new(0));
    let app = app(reached.clone());
    let main: i64 = app
        .test_client("main")
        .invoke("cmd:forward", "", &args! { n: 3 })
        .await
        .unwrap();
    assert_eq!(main, 3);
    // the viewer may call `forward` but not `counter.add`: no confused deputy
    let e = app
        .test_client("viewer")
        .invoke::<i64>("cmd:forward", "", &args! { n: 3 })
        .await
        .unwrap_err();
    assert_eq!(e.data::<String>().as_deref(), Some("forbidden"));
    assert_eq!(reached.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_handler_that_needs_a_window_refuses_the_apps_own_call() {
    let app = app(Arc::default());
    let e = app
        .call::<String>("cmd:my_window", "", &args! {})
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Internal);
    assert!(e.message().contains("call_as"), "{}", e.message());
    let main = Caller::new("main", "app://localhost");
    let label: String = app
        .call_as(&main, "cmd:my_window", "", &args! {})
        .await
        .unwrap();
    assert_eq!(label, "main");
}
