//! What the store plugin does, through the in-process client with real capabilities.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rmpv::Value;
use switchboard::protocol::ErrorCode;
use switchboard::{args, App, Capability, Grant};
use switchboard_plugin_store::{decode, StoreChange, StorePlugin};

async fn within<T>(work: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), work)
        .await
        .expect("the test timed out")
}

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("switchboard-store-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn app(dir: &Path) -> App {
    App::builder()
        .plugin(StorePlugin::new(dir).debounce(Duration::from_secs(3600)))
        .capability(
            Capability::new("main")
                .windows(["main"])
                .allow(["store:default"]),
        )
        .capability(
            Capability::new("settings")
                .windows(["settings"])
                .grant(Grant::new("store:allow-read").allow_scope("settings"))
                .grant(Grant::new("store:allow-write").allow_scope("settings"))
                .allow(["store:allow-listen"]),
        )
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_keep_their_type_and_changes_reach_every_listener() {
    within(async {
        let dir = dir("types");
        let app = app(&dir);
        let main = app.test_client("main");
        let settings = app.test_client("settings");
        let mut heard_main = main.subscribe("store/changed").await.unwrap();
        let mut heard_settings = settings.subscribe("store/changed").await.unwrap();

        // a typed payload: `args!` goes through JSON, which has no binary
        #[derive(serde::Serialize)]
        struct Set {
            store: &'static str,
            key: &'static str,
            value: Value,
        }
        let set = |key: &'static str, value: Value| {
            let settings = settings.clone();
            async move {
                settings
                    .invoke::<()>(
                        "plugin:store",
                        "set",
                        &Set {
                            store: "settings",
                            key,
                            value,
                        },
                    )
                    .await
                    .unwrap()
            }
        };
        set("theme", Value::from("dark")).await;
        set("size", Value::from(14)).await;
        set("blob", Value::Binary(vec![0, 1, 2])).await;
        set(
            "nested",
            Value::Map(vec![(
                Value::from("a"),
                Value::Array(vec![Value::from(true), Value::Nil]),
            )]),
        )
        .await;
        for heard in [&mut heard_main, &mut heard_settings] {
            let change: StoreChange = heard.next().await.unwrap().decode().unwrap();
            assert_eq!(
                change,
                StoreChange {
                    store: "settings".into(),
                    key: Some("theme".into()),
                    kind: "set".into()
                }
            );
        }
        let size: u32 = main
            .invoke(
                "plugin:store",
                "get",
                &args! { store: "settings", key: "size" },
            )
            .await
            .unwrap();
        assert_eq!(size, 14);
        let blob: Value = main
            .invoke(
                "plugin:store",
                "get",
                &args! { store: "settings", key: "blob" },
            )
            .await
            .unwrap();
        assert_eq!(blob, Value::Binary(vec![0, 1, 2]));
        let missing: Option<String> = main
            .invoke(
                "plugin:store",
                "get",
                &args! { store: "settings", key: "nope" },
            )
            .await
            .unwrap();
        assert_eq!(missing, None);
        let keys: Vec<String> = main
            .invoke("plugin:store", "keys", &args! { store: "settings" })
            .await
            .unwrap();
        assert_eq!(keys, ["blob", "nested", "size", "theme"]);
        let entries: Vec<(String, Value)> = main
            .invoke("plugin:store", "entries", &args! { store: "settings" })
            .await
            .unwrap();
        assert_eq!(entries[3], ("theme".to_owned(), Value::from("dark")));
        assert!(main
            .invoke::<bool>(
                "plugin:store",
                "delete",
                &args! { store: "settings", key: "size" }
            )
            .await
            .unwrap());
        assert!(!main
            .invoke::<bool>(
                "plugin:store",
                "delete",
                &args! { store: "settings", key: "size" }
            )
            .await
            .unwrap());

        // save writes a MessagePack map that a new app reads back
        main.invoke::<()>("plugin:store", "save", &args! { store: "settings" })
            .await
            .unwrap();
        let on_disk = decode(&std::fs::read(dir.join("settings.msgpack")).unwrap()).unwrap();
        assert_eq!(on_disk["theme"], Value::from("dark"));
        assert!(!on_disk.contains_key("size"));
        drop(app);
        let again = self::app(&dir);
        let theme: String = again
            .test_client("main")
            .invoke(
                "plugin:store",
                "get",
                &args! { store: "settings", key: "theme" },
            )
            .await
            .unwrap();
        assert_eq!(theme, "dark");
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_outside_the_scope_is_forbidden() {
    within(async {
        let dir = dir("scope");
        let app = app(&dir);
        let settings = app.test_client("settings");
        let err = settings
            .invoke::<()>(
                "plugin:store",
                "set",
                &args! { store: "secrets", key: "k", value: 1 },
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Forbidden, "{err}");
        assert!(
            err.message().contains("store `secrets`"),
            "{}",
            err.message()
        );
        assert!(
            err.message().contains("stores [settings]"),
            "{}",
            err.message()
        );
        // nothing ran: no store was created
        let main = app.test_client("main");
        let keys: Vec<String> = main
            .invoke("plugin:store", "keys", &args! { store: "secrets" })
            .await
            .unwrap();
        assert!(keys.is_empty());
        // a name that cannot be a file name is refused by the plugin
        let err = main
            .invoke::<()>(
                "plugin:store",
                "set",
                &args! { store: "../etc", key: "k", value: 1 },
            )
            .await
            .unwrap_err();
        assert_eq!(err.data::<serde_json::Value>().unwrap()["kind"], "bad_name");
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autosave_writes_after_the_debounce() {
    within(async {
        let dir = dir("autosave");
        let app = App::builder()
            .plugin(StorePlugin::new(&dir).debounce(Duration::from_millis(20)))
            .capability(
                Capability::new("main")
                    .windows(["main"])
                    .allow(["store:default"]),
            )
            .build()
            .unwrap();
        let main = app.test_client("main");
        main.invoke::<()>(
            "plugin:store",
            "set",
            &args! { store: "s", key: "k", value: "v" },
        )
        .await
        .unwrap();
        // wait for the file to appear (the writer's debounce), not for a fixed time
        let path = dir.join("s.msgpack");
        let bytes = tokio::task::spawn_blocking(move || loop {
            if let Ok(bytes) = std::fs::read(&path) {
                return bytes;
            }
            std::thread::yield_now();
        })
        .await
        .unwrap();
        assert_eq!(decode(&bytes).unwrap()["k"], Value::from("v"));
    })
    .await
}

#[test]
fn the_readme_lists_every_permission() {
    let app = App::builder()
        .plugin(StorePlugin::new(dir("readme")))
        .build()
        .unwrap();
    let table = switchboard::permission::markdown_table(app.permissions());
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    assert!(
        readme.contains(&table),
        "README.md's table is stale; it should read:\n{table}\n"
    );
    let ts = switchboard::bindings::Bindings::new(&app)
        .typescript()
        .unwrap();
    assert!(ts.contains("storeChanged: {"), "{ts}");
}
