//! Without a display the clipboard answers a typed `unsupported`, never panics or hangs.
//! One test in this binary: it removes `DISPLAY` before any thread starts.

use std::time::Duration;

use switchboard::{args, App, Capability};
use switchboard_plugin_clipboard::ClipboardPlugin;

#[test]
fn without_a_display_every_call_answers_unsupported() {
    std::env::remove_var("DISPLAY");
    std::env::remove_var("WAYLAND_DISPLAY");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(30), async {
            let app = App::builder()
                .plugin(ClipboardPlugin::new())
                .capability(
                    Capability::new("main")
                        .windows(["main"])
                        .allow(["clipboard:default", "clipboard:allow-read-text"]),
                )
                .build()
                .unwrap();
            let main = app.test_client("main");
            for method in ["read_text", "write_text"] {
                let err = main
                    .invoke::<serde_json::Value>("plugin:clipboard", method, &args! { text: "x" })
                    .await
                    .unwrap_err();
                let data: serde_json::Value = err.data().unwrap();
                assert_eq!(data["kind"], "unsupported", "{method}: {err:?}");
            }
        })
        .await
        .expect("the test timed out")
    });
}
