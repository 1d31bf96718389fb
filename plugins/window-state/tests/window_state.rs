//! What the window-state plugin does under the headless runtime: window events in, a state
//! file out, and window commands back at the next launch. (A real window, a real restart:
//! `plugins/desktop-tests`.)

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use switchboard::window::Size;
use switchboard::{args, App, Capability, HeadlessRuntime, WindowCommand, WindowEvent, WindowSpec};
use switchboard_plugin_window_state::{track, SavedWindowState, WindowStatePlugin};

fn file(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("switchboard-ws-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d.join("window-state.msgpack")
}

fn app(file: &Path, runtime: Arc<HeadlessRuntime>) -> App {
    App::builder()
        .runtime(runtime)
        .plugin(WindowStatePlugin::new(file))
        .window(WindowSpec::new("main"))
        .capability(
            Capability::new("main")
                .windows(["main"])
                .allow(["window-state:default"]),
        )
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn size_and_position_survive_a_restart() {
    tokio::time::timeout(Duration::from_secs(30), async {
        let file = file("restart");
        {
            let runtime = Arc::new(HeadlessRuntime::new());
            let app = app(&file, runtime.clone());
            track(&app);
            assert!(runtime.commands("main").is_empty(), "nothing saved yet");
            let main: switchboard::protocol::Name = "main".parse().unwrap();
            app.window_event(
                &main,
                &WindowEvent::Resized(Size {
                    width: 640.0,
                    height: 480.0,
                }),
            )
            .unwrap();
            app.window_event(&main, &WindowEvent::Moved { x: 30.0, y: 40.0 })
                .unwrap();
            let client = app.test_client("main");
            client
                .invoke::<()>("plugin:window-state", "save", &args! {})
                .await
                .unwrap();
            let saved: Option<SavedWindowState> = client
                .invoke("plugin:window-state", "state", &args! { window: "main" })
                .await
                .unwrap();
            let expected = SavedWindowState {
                width: 640.0,
                height: 480.0,
                x: Some(30.0),
                y: Some(40.0),
                maximized: false,
            };
            assert_eq!(saved, Some(expected));
            // the file is a store file
            let map = switchboard_plugin_store::decode(&std::fs::read(&file).unwrap()).unwrap();
            assert!(map.contains_key("main"));
        }
        // the next launch
        let runtime = Arc::new(HeadlessRuntime::new());
        let app = app(&file, runtime.clone());
        track(&app);
        assert_eq!(
            runtime.commands("main"),
            vec![
                WindowCommand::SetSize(Size {
                    width: 640.0,
                    height: 480.0
                }),
                WindowCommand::SetPosition { x: 30.0, y: 40.0 }
            ]
        );
        let err = app
            .test_client("main")
            .invoke::<()>("plugin:window-state", "restore", &args! { window: "other" })
            .await
            .unwrap_err();
        let data: serde_json::Value = err.data().unwrap();
        assert_eq!(data["kind"], "unknown");
    })
    .await
    .expect("the test timed out")
}

#[test]
fn the_readme_lists_every_permission() {
    let app = App::builder()
        .plugin(WindowStatePlugin::new(file("readme")))
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
