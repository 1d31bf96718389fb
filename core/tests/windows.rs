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
    // closing its own window: the page is gone with it, so is the call's answer
    let closed = client.invoke::<()>("window:main", "close", &args! {}).await;
    assert!(
        closed.is_ok() || closed.as_ref().unwrap_err().code() == ErrorCode::WindowClosed,
        "{closed:?}"
    );
    assert!(app.window("main").is_none(), "the window's actor is gone");
    let e = client
        .invoke::<()>("window:main", "show", &args! {})
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::WindowClosed);
}

#[tokio::test]
async fn closing_another_window_removes_its_actor() {
    let runtime = Arc::new(HeadlessRuntime::new());
    let app = App::builder()
        .runtime(runtime.clone())
        .window(WindowSpec::new("main"))
        .window(WindowSpec::new("tools"))
        .capability(
            Capability::new("main")
                .windows(["main"])
                .allow(["window:tools.*"]),
        )
        .build()
        .unwrap();
    let client = app.test_client("main");
    client
        .invoke::<()>("window:tools", "close", &args! {})
        .await
        .unwrap();
    assert_eq!(app.windows(), ["main"]);
    let e = client
        .invoke::<()>("window:tools", "show", &args! {})
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::UnknownTarget);
    assert!(
        e.message().contains("no window labelled `tools`"),
        "{}",
        e.message()
    );
}

#[tokio::test]
async fn getters_read_the_windows_state() {
    let runtime = Arc::new(HeadlessRuntime::new());
    let app = app(runtime.clone());
    let client = app.test_client("main");
    assert_eq!(
        client
            .invoke::<String>("window:main", "title", &args! {})
            .await
            .unwrap(),
        "Main"
    );
    client
        .invoke::<()>(
            "window:main",
            "set_size",
            &args! { width: 320.0, height: 200.0 },
        )
        .await
        .unwrap();
    client
        .invoke::<()>("window:main", "hide", &args! {})
        .await
        .unwrap();
    let size: Size = client
        .invoke("window:main", "size", &args! {})
        .await
        .unwrap();
    assert_eq!((size.width, size.height), (320.0, 200.0));
    assert!(!client
        .invoke::<bool>("window:main", "is_visible", &args! {})
        .await
        .unwrap());
    let state: switchboard::window::WindowState = client
        .invoke("window:main", "state", &args! {})
        .await
        .unwrap();
    assert_eq!(state.title, "Main");
    assert_eq!(state.scale_factor, 1.0);
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

/// An outbound that hands every pushed frame to the test.
struct Pushed(tokio::sync::mpsc::UnboundedSender<bytes::Bytes>);

impl switchboard::Outbound for Pushed {
    fn send(&self, frame: bytes::Bytes) -> Result<(), switchboard::Closed> {
        self.0.send(frame).map_err(|_| switchboard::Closed)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_actor_can_stream_and_a_deadline_ends_the_stream() {
    let app = App::builder()
        .actor("feed", Feed)
        .capability(Capability::new("main").windows(["main"]).allow(["feed.*"]))
        .build()
        .unwrap();
    use switchboard::protocol::{Frame, Hello, Limits, Request, RequestId};
    // a page's session whose pushed frames the test reads: the end is the signal
    let (tx, mut pushed) = tokio::sync::mpsc::unbounded_channel();
    let session = app.session(
        switchboard::Caller::new("main", "app://localhost"),
        Arc::new(Pushed(tx)),
    );
    let hello = Frame::Hello(Hello {
        versions: vec![1],
        client: "test".into(),
        name: "deadline".into(),
    });
    assert!(session.handle(hello.encode().into()).await.is_some());
    let frame = Frame::Request(Request {
        id: RequestId::new(1).unwrap(),
        to: "feed".parse().unwrap(),
        method: "forever".into(),
        payload: bytes::Bytes::new(),
        deadline_ms: Some(50),
        credit: Some(1_000_000),
    });
    assert!(session.handle(frame.encode().into()).await.is_none());
    let end = loop {
        let bytes = pushed
            .recv()
            .await
            .expect("the stream ended without an end");
        match Frame::decode(&bytes, &Limits::default()).unwrap() {
            Frame::StreamItem(_) => continue,
            Frame::StreamEnd(end) => break end,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(end.error.map(|e| e.code), Some(ErrorCode::DeadlineExceeded));
    assert_eq!(session.pending(), 0, "the stream outlived its deadline");
    let client = app.test_client("main");
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

/// A runtime whose UI thread is stuck: commands are accepted but never applied until the
/// test lets them through.
struct StuckUi {
    inner: HeadlessRuntime,
    release: Arc<tokio::sync::Semaphore>,
}

impl StuckUi {
    fn new() -> Self {
        Self {
            inner: HeadlessRuntime::new(),
            release: Arc::new(tokio::sync::Semaphore::new(0)),
        }
    }
}

impl switchboard::Runtime for StuckUi {
    fn open_window(&self, spec: WindowSpec) -> Result<(), switchboard::runtime::RuntimeError> {
        self.inner.open_window(spec)
    }
    fn send(
        &self,
        window: &switchboard::protocol::Name,
        command: WindowCommand,
    ) -> Result<(), switchboard::runtime::RuntimeError> {
        self.inner.send(window, command)
    }
    fn exit(&self, code: i32) {
        self.inner.exit(code)
    }
    fn apply(
        &self,
        window: &switchboard::protocol::Name,
        command: WindowCommand,
    ) -> futures::future::BoxFuture<'static, Result<(), switchboard::runtime::RuntimeError>> {
        let sent = self.inner.send(window, command);
        let release = self.release.clone();
        Box::pin(async move {
            release.acquire().await.unwrap().forget();
            sent
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_flooding_its_window_hears_busy_and_the_ui_queue_stays_bounded() {
    use switchboard::window::WINDOW_MAILBOX;
    let runtime = Arc::new(StuckUi::new());
    let app = App::builder()
        .runtime(runtime.clone())
        .window(WindowSpec::new("main"))
        .capability(
            Capability::new("main")
                .windows(["main"])
                .allow(["window:main.*"]),
        )
        .build()
        .unwrap();
    let client = app.test_client("main");
    let (tx, mut answers) = tokio::sync::mpsc::unbounded_channel();
    let sent = 1000;
    for i in 0..sent {
        let c = client.clone();
        let tx = tx.clone();
        tokio::spawn(async move {
            let title = format!("t{i}");
            let _ = tx.send(
                c.invoke::<()>("window:main", "set_title", &args! { title: title })
                    .await,
            );
        });
    }
    drop(tx);
    // with the UI stuck, everything past the mailbox (and the one call being applied) is
    // answered `busy` at once
    let mut busy = 0;
    while busy < sent - WINDOW_MAILBOX - 1 {
        let answer = tokio::time::timeout(Duration::from_secs(10), answers.recv())
            .await
            .expect("a flooded window left a caller waiting")
            .expect("answers ended early");
        let e = answer.expect_err("a call went through while the UI was stuck");
        assert_eq!(e.code(), ErrorCode::Busy, "{e}");
        busy += 1;
    }
    assert!(
        runtime.inner.commands("main").len() <= 1,
        "the UI's queue grew"
    );
    // the UI thread catches up: the queued calls are applied, in order
    runtime.release.add_permits(sent);
    let mut applied = 0;
    while let Some(answer) = answers.recv().await {
        answer.unwrap();
        applied += 1;
    }
    assert_eq!(applied, WINDOW_MAILBOX + 1);
    assert_eq!(runtime.inner.commands("main").len(), WINDOW_MAILBOX + 1);
}
