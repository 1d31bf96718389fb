//! Windows are actors too: `window:<label>.<method>` goes through the runtime.

use std::sync::Arc;
use std::time::Duration;

use switchboard::protocol::ErrorCode;
use switchboard::window::{Size, WindowSpec};
use switchboard::{
    args, commands, App, Capability, HeadlessRuntime, Stream, Window, WindowCommand,
};

#[switchboard::command]
fn rename(title: String, window: Window) -> Result<(), String> {
    window.set_title(&title).map_err(|e| e.to_string())
}

fn app(runtime: Arc<HeadlessRuntime>) -> App {
    App::builder()
        .runtime(runtime)
        .window(WindowSpec::new("main").title("Main"))
        .window(WindowSpec::new("tools"))
        .commands(commands![rename])
        .capability(
            Capability::new("main")
                .windows(["main"])
                .allow(["window:main.*", "cmd:rename"]),
        )
        .build()
        .unwrap()
}

#[tokio::test]
async fn window_methods_become_runtime_commands() {
    let runtime = Arc::new(HeadlessRuntime::new());
    let app = app(runtime.clone());
    assert_eq!(runtime.windows(), ["main", "tools"]);
    assert_eq!(runtime.spec("main").unwrap().title, "Main");
    let client = app.test_client("main");
    client
        .invoke::<()>("window:main", "set_title", &args! { title: "Hello" })
        .await
        .unwrap();
    client
        .invoke::<()>(
            "window:main",
            "set_size",
            &args! { width: 640.0, height: 480.0 },
        )
        .await
        .unwrap();
    client
        .invoke::<()>("cmd:rename", "", &args! { title: "Renamed" })
        .await
        .unwrap();
    assert_eq!(
        runtime.commands("main"),
        [
            WindowCommand::SetTitle("Hello".into()),
            WindowCommand::SetSize(Size {
                width: 640.0,
                height: 480.0
            }),
            WindowCommand::SetTitle("Renamed".into()),
        ]
    );
}

#[tokio::test]
async fn window_calls_are_checked_like_any_other() {
    let runtime = Arc::new(HeadlessRuntime::new());
    let app = app(runtime.clone());
    let client = app.test_client("main");
    let e = client
        .invoke::<()>("window:tools", "close", &args! {})
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden);
    assert!(runtime.commands("tools").is_empty());
    let e = client
        .invoke::<()>("window:main", "fly", &args! {})
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::UnknownMethod);
    let e = client
        .invoke::<()>("window:main", "set_title", &args! { title: 5 })
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::BadPayload);
    assert!(e.message().contains("argument `title`"));
}

#[tokio::test]
async fn a_closed_window_is_answered_window_closed() {
    let runtime = Arc::new(HeadlessRuntime::new());
    let app = app(runtime.clone());
    let client = app.test_client("main");
    client
        .invoke::<()>("window:main", "close", &args! {})
        .await
        .unwrap();
    let e = client
        .invoke::<()>("window:main", "show", &args! {})
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::WindowClosed);
}

#[derive(Clone, Default)]
struct Feed;

#[switchboard::actor]
impl Feed {
    /// An endless feed: only a deadline or a cancel stops it.
    fn forever(&mut self) -> Stream<u64> {
        Stream::new(futures::stream::iter(0..))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_actor_can_stream_and_a_deadline_ends_the_stream() {
    let app = App::builder()
        .actor("feed", Feed)
        .capability(Capability::new("main").windows(["main"]).allow(["feed.*"]))
        .build()
        .unwrap();
    let client = app.test_client("main");
    let id = client.next_id();
    let frame = switchboard::protocol::Frame::Request(switchboard::protocol::Request {
        id: switchboard::protocol::RequestId::new(id).unwrap(),
        to: "feed".parse().unwrap(),
        method: "forever".into(),
        payload: bytes::Bytes::new(),
        deadline_ms: Some(50),
        credit: Some(1_000_000),
    });
    assert!(client
        .send_raw(frame.encode().into())
        .await
        .unwrap()
        .is_none());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        client.session().pending(),
        0,
        "the stream outlived its deadline"
    );
    let mut s = client
        .stream::<u64>("feed", "forever", &args! {}, 3)
        .await
        .unwrap();
    for i in 0..3 {
        assert_eq!(s.next().await.unwrap().unwrap(), i);
    }
    s.cancel().await.unwrap();
    assert_eq!(
        s.next().await.unwrap().unwrap_err().code(),
        ErrorCode::Cancelled
    );
}
