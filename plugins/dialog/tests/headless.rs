//! Under the headless runtime there is no UI thread: every dialog answers `unsupported` at
//! once, never hangs. (A real GTK dialog driven with xdotool: `plugins/desktop-tests`.)

use std::path::Path;
use std::time::Duration;

use switchboard::{args, App, Capability};
use switchboard_plugin_dialog::DialogPlugin;

fn app() -> App {
    App::builder()
        .plugin(DialogPlugin::new())
        .capability(
            Capability::new("main")
                .windows(["main"])
                .allow(["dialog:default"]),
        )
        .build()
        .unwrap()
}

#[tokio::test]
async fn every_dialog_answers_unsupported_without_a_ui_thread() {
    tokio::time::timeout(Duration::from_secs(30), async {
        let main = app().test_client("main");
        for method in ["open", "save", "message", "ask", "confirm"] {
            let err = main
                .invoke::<serde_json::Value>("plugin:dialog", method, &args! { message: "hi" })
                .await
                .unwrap_err();
            let data: serde_json::Value = err.data().unwrap();
            assert_eq!(data["kind"], "unsupported", "{method}: {err:?}");
        }
    })
    .await
    .expect("the test timed out")
}

#[test]
fn the_readme_lists_every_permission() {
    let table = switchboard::permission::markdown_table(app().permissions());
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    assert!(
        readme.contains(&table),
        "README.md's table is stale; it should read:\n{table}\n"
    );
}
