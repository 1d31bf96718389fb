//! Deny by default: capabilities from code and files, windows and origins.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use switchboard::protocol::ErrorCode;
use switchboard::{args, commands, App, Caller, Capability, Closed, Outbound, State};

#[derive(Default)]
struct Calls(AtomicU32);

#[switchboard::command]
fn secret(calls: State<Calls>) -> u32 {
    calls.0.fetch_add(1, Ordering::SeqCst) + 1
}

#[switchboard::command]
fn public() -> &'static str {
    "ok"
}

#[derive(Clone)]
struct Vault {
    opened: Arc<AtomicU32>,
}

#[switchboard::actor]
impl Vault {
    fn open(&mut self) -> u32 {
        self.opened.fetch_add(1, Ordering::SeqCst) + 1
    }
    fn peek(&self) -> u32 {
        self.opened.load(Ordering::SeqCst)
    }
}

fn app(opened: Arc<AtomicU32>) -> App {
    App::builder()
        .manage(Calls::default())
        .commands(commands![secret, public])
        .actor("vault", Vault { opened })
        .capability(
            Capability::new("main")
                .windows(["main"])
                .allow(["cmd:public", "vault.peek"]),
        )
        .capability(Capability::new("admin").windows(["admin"]).allow(["*"]))
        .build()
        .unwrap()
}

#[tokio::test]
async fn denied_call_never_reaches_the_actor() {
    let opened = Arc::new(AtomicU32::new(0));
    let app = app(opened.clone());
    let client = app.test_client("main");
    let e = client
        .invoke::<u32>("vault", "open", &args! {})
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden);
    assert!(e.message().contains("`vault.open`"), "{}", e.message());
    assert_eq!(opened.load(Ordering::SeqCst), 0);
    let peek: u32 = client.invoke("vault", "peek", &args! {}).await.unwrap();
    assert_eq!(peek, 0);
    let e = client
        .invoke::<u32>("cmd:secret", "", &args! {})
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden);
    assert!(e.message().contains("`cmd:secret`"), "{}", e.message());
    assert_eq!(app.state::<Calls>().unwrap().0.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_window_without_a_capability_gets_nothing() {
    let app = app(Arc::new(AtomicU32::new(0)));
    let client = app.test_client("settings");
    let e = client
        .invoke::<String>("cmd:public", "", &args! {})
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden);
    assert!(client.welcome().await.unwrap().grants.is_empty());
}

#[tokio::test]
async fn unknown_targets_are_not_revealed_to_callers_without_permission() {
    let app = app(Arc::new(AtomicU32::new(0)));
    let e = app
        .test_client("main")
        .invoke::<()>("cmd:nope", "", &args! {})
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden);
    let e = app
        .test_client("admin")
        .invoke::<()>("cmd:nope", "", &args! {})
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::UnknownTarget);
}

struct Discard;
impl Outbound for Discard {
    fn send(&self, _frame: bytes::Bytes) -> Result<(), Closed> {
        Ok(())
    }
}

#[tokio::test]
async fn remote_origin_in_a_granted_window_is_denied() {
    let app = app(Arc::new(AtomicU32::new(0)));
    let session = app.session(
        Caller::new("admin", "http://evil.example"),
        Arc::new(Discard),
    );
    assert!(session.grants().is_empty());
    let mut iframe = Caller::new("admin", "app://localhost");
    iframe.top_frame = false;
    assert!(app.session(iframe, Arc::new(Discard)).grants().is_empty());
    let local = app.session(Caller::new("admin", "app://localhost"), Arc::new(Discard));
    assert_eq!(local.grants(), ["*"]);
}

#[tokio::test]
async fn remote_origin_is_allowed_only_what_its_capability_names() {
    let app = App::builder()
        .commands(commands![public, secret])
        .manage(Calls::default())
        .capability(
            Capability::new("docs-site")
                .windows(["main"])
                .origins(["https://docs.example"])
                .allow(["cmd:public"]),
        )
        .build()
        .unwrap();
    let session = app.session(
        Caller::new("main", "https://docs.example"),
        Arc::new(Discard),
    );
    assert_eq!(session.grants(), ["cmd:public"]);
}

#[cfg(not(feature = "toml"))]
#[test]
fn a_toml_capability_file_without_the_toml_feature_is_refused_naming_the_feature() {
    let dir = temp_dir("no-toml");
    std::fs::write(
        dir.join("main.toml"),
        "identifier = \"main\"\nwindows = [\"main\"]\npermissions = [\"cmd:public\"]\n",
    )
    .unwrap();
    let text = App::builder()
        .capabilities_dir(&dir)
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("main.toml") && text.contains("without its `toml` feature"),
        "{text}"
    );
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("switchboard-caps-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[cfg(feature = "toml")]
#[tokio::test]
async fn capabilities_load_from_json_and_toml_files() {
    let dir = temp_dir("good");
    std::fs::write(
        dir.join("main.json"),
        r#"{ "identifier": "main", "windows": ["main"], "permissions": ["cmd:public"] }"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("admin.toml"),
        "identifier = \"admin\"\nwindows = [\"admin\"]\npermissions = [\"cmd:secret\"]\n",
    )
    .unwrap();
    let app = App::builder()
        .manage(Calls::default())
        .commands(commands![public, secret])
        .capabilities_dir(&dir)
        .build()
        .unwrap();
    let ok: String = app
        .test_client("main")
        .invoke("cmd:public", "", &args! {})
        .await
        .unwrap();
    assert_eq!(ok, "ok");
    let n: u32 = app
        .test_client("admin")
        .invoke("cmd:secret", "", &args! {})
        .await
        .unwrap();
    assert_eq!(n, 1);
    let e = app
        .test_client("admin")
        .invoke::<String>("cmd:public", "", &args! {})
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden);
}

#[cfg(feature = "toml")]
#[test]
fn bad_capability_files_are_refused_with_the_file_and_the_reason() {
    let dir = temp_dir("bad-json");
    std::fs::write(
        dir.join("broken.json"),
        r#"{ "identifier": "x", "windows": ["main"], "#,
    )
    .unwrap();
    let err = App::builder().capabilities_dir(&dir).build().unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(
            err,
            switchboard::Error::Capability(switchboard::capability::CapabilityError::Parse { .. })
        ),
        "{text}"
    );
    assert!(text.contains("broken.json"), "{text}");

    let dir = temp_dir("bad-perm");
    std::fs::write(
        dir.join("main.toml"),
        "identifier = \"main\"\nwindows = [\"main\"]\npermissions = [\"cmd:a b\"]\n",
    )
    .unwrap();
    let text = App::builder()
        .capabilities_dir(&dir)
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("main.toml") && text.contains("`cmd:a b`"),
        "{text}"
    );

    let dir = temp_dir("unknown-field");
    std::fs::write(
        dir.join("main.json"),
        r#"{ "identifier": "main", "windows": ["main"], "permission": ["cmd:x"] }"#,
    )
    .unwrap();
    let text = App::builder()
        .capabilities_dir(&dir)
        .build()
        .unwrap_err()
        .to_string();
    assert!(text.contains("unknown field `permission`"), "{text}");

    let dir = temp_dir("yaml");
    std::fs::write(dir.join("main.yaml"), "identifier: main").unwrap();
    let text = App::builder()
        .capabilities_dir(&dir)
        .build()
        .unwrap_err()
        .to_string();
    assert!(text.contains("must end in .json or .toml"), "{text}");

    let text = App::builder()
        .capabilities_dir(dir.join("missing"))
        .build()
        .unwrap_err()
        .to_string();
    assert!(text.contains("could not read"), "{text}");
}

#[cfg(feature = "toml")]
#[tokio::test]
async fn listen_and_emit_grants_load_from_files() {
    let dir = temp_dir("events");
    std::fs::write(
        dir.join("chat.json"),
        r#"{ "identifier": "chat", "windows": ["main"], "permissions": ["event:chat/*", "emit:chat/*"] }"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("viewer.toml"),
        "identifier = \"viewer\"\nwindows = [\"viewer\"]\npermissions = [\"event:chat/*\"]\n",
    )
    .unwrap();
    let app = App::builder().capabilities_dir(&dir).build().unwrap();
    let main = app.test_client("main");
    let viewer = app.test_client("viewer");
    let mut heard = viewer.subscribe("chat/room1").await.unwrap();
    main.emit("chat/room1", "hi").await.unwrap();
    assert_eq!(
        heard.next().await.unwrap().decode::<String>().unwrap(),
        "hi"
    );
    let e = viewer.emit("chat/room1", "forged").await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden);
    assert!(heard.try_next().is_none());

    let dir = temp_dir("reserved");
    std::fs::write(
        dir.join("second.toml"),
        "identifier = \"second\"\nwindows = [\"second\"]\npermissions = [\"emit:window/main/*\"]\n",
    )
    .unwrap();
    let text = App::builder()
        .capabilities_dir(&dir)
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("second.toml") && text.contains("reserved for the host"),
        "{text}"
    );
}
