//! What the app plugin does, through the in-process client with real capabilities, under
//! the headless runtime (`restart` is tested for real, with a real restart of a real app,
//! in `plugins/desktop-tests`).

use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use switchboard::protocol::ErrorCode;
use switchboard::{args, App, Capability, HeadlessRuntime};
use switchboard_plugin_app::{AppDirs, AppInfo, AppPlugin};

async fn within<T>(work: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), work)
        .await
        .expect("the test timed out")
}

fn app(runtime: Arc<HeadlessRuntime>) -> App {
    App::builder()
        .runtime(runtime)
        .plugin(AppPlugin::new("Notes", "1.2.3", "com.example.notes"))
        .capability(
            Capability::new("main")
                .windows(["main"])
                .allow(["app:default", "app:allow-quit"]),
        )
        .capability(
            Capability::new("other")
                .windows(["other"])
                .allow(["app:default"]),
        )
        .build()
        .unwrap()
}

#[tokio::test]
async fn info_and_dirs_name_the_app() {
    within(async {
        let app = app(Arc::new(HeadlessRuntime::new()));
        let main = app.test_client("main");
        let info: AppInfo = main.invoke("plugin:app", "info", &args! {}).await.unwrap();
        assert_eq!(
            info,
            AppInfo {
                name: "Notes".into(),
                version: "1.2.3".into(),
                identifier: "com.example.notes".into()
            }
        );
        let dirs: AppDirs = main.invoke("plugin:app", "dirs", &args! {}).await.unwrap();
        for dir in [&dirs.data, &dirs.config, &dirs.cache, &dirs.log] {
            assert!(Path::new(dir).is_absolute(), "{dir}");
            assert!(dir.contains("com.example.notes"), "{dir}");
        }
        assert_ne!(dirs.data, dirs.cache);
        if cfg!(target_os = "linux") {
            let home = std::env::var("HOME").unwrap();
            if std::env::var_os("XDG_CONFIG_HOME").is_none() {
                assert_eq!(dirs.config, format!("{home}/.config/com.example.notes"));
            }
        }
    })
    .await
}

#[tokio::test]
async fn quit_stops_the_runtime_only_when_granted() {
    within(async {
        let runtime = Arc::new(HeadlessRuntime::new());
        let app = app(runtime.clone());
        let other = app.test_client("other");
        let err = other
            .invoke::<()>("plugin:app", "quit", &args! { code: 1 })
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Forbidden);
        assert_eq!(runtime.exit_code(), None, "a refused quit never ran");
        let main = app.test_client("main");
        main.invoke::<()>("plugin:app", "quit", &args! { code: 7 })
            .await
            .unwrap();
        assert_eq!(runtime.exit_code(), Some(7));
    })
    .await
}

#[test]
fn the_readme_lists_every_permission() {
    let app = App::builder()
        .plugin(AppPlugin::new("x", "0", "x.y.z"))
        .build()
        .unwrap();
    let table = switchboard::permission::markdown_table(app.permissions());
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    assert!(
        readme.contains(&table),
        "README.md's table is stale; it should read:\n{table}\n"
    );
}
