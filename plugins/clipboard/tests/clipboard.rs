//! The clipboard for real: under a display (the suite runs under Xvfb), text and an image
//! round-trip through the bus, and `xclip` (another X client) sees what the app wrote and
//! the app reads what `xclip` wrote. Without a display, every call answers `unsupported`
//! (`tests/no_display.rs`).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_bytes::ByteBuf;
use switchboard::{args, App, Capability};
use switchboard_plugin_clipboard::{ClipboardPlugin, Image};

fn app() -> App {
    App::builder()
        .plugin(ClipboardPlugin::new())
        .capability(Capability::new("main").windows(["main"]).allow([
            "clipboard:default",
            "clipboard:allow-read-text",
            "clipboard:allow-read-image",
            "clipboard:allow-clear",
        ]))
        .build()
        .unwrap()
}

fn xclip(args: &[&str]) -> Vec<u8> {
    let out = Command::new("xclip")
        .args(args)
        .stderr(Stdio::null())
        .output()
        .expect("xclip must be installed");
    out.stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_and_images_round_trip_and_other_apps_see_them() {
    // fails, never skips: `cargo xtask test` (or `xvfb-run -a cargo test`) provides one
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "no DISPLAY: the real clipboard test needs one (cargo xtask test starts Xvfb)"
    );
    tokio::time::timeout(Duration::from_secs(60), async {
        let app = app();
        let main = app.test_client("main");

        main.invoke::<()>(
            "plugin:clipboard",
            "write_text",
            &args! { text: "hello from switchboard ✓" },
        )
        .await
        .unwrap();
        let text: String = main
            .invoke("plugin:clipboard", "read_text", &args! {})
            .await
            .unwrap();
        assert_eq!(text, "hello from switchboard ✓");
        // another X client pastes it (the plugin's thread serves the selection)
        let pasted = tokio::task::spawn_blocking(|| xclip(&["-selection", "clipboard", "-o"]))
            .await
            .unwrap();
        assert_eq!(
            String::from_utf8(pasted).unwrap(),
            "hello from switchboard ✓"
        );

        // and the app reads what another client copied: `xclip -i` forks a child that takes
        // the selection and serves one paste; poll (with a deadline) until it owns it
        let mut copier = Command::new("xclip")
            .args(["-selection", "clipboard", "-i", "-quiet", "-loops", "1"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("xclip must be installed");
        copier
            .stdin
            .take()
            .unwrap()
            .write_all(b"from xclip")
            .unwrap();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let text: Result<String, _> = main
                .invoke("plugin:clipboard", "read_text", &args! {})
                .await;
            if text.as_deref().ok() == Some("from xclip") {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "never read xclip's text: {text:?}"
            );
            tokio::task::yield_now().await;
        }
        let _ = tokio::task::spawn_blocking(move || copier.wait()).await;

        // a 3×2 image
        let rgba: Vec<u8> = (0..24).map(|i| (i * 10) as u8).collect();
        let image = Image {
            width: 3,
            height: 2,
            rgba: ByteBuf::from(rgba.clone()),
        };
        #[derive(serde::Serialize)]
        struct Write {
            image: Image,
        }
        main.invoke::<()>(
            "plugin:clipboard",
            "write_image",
            &Write {
                image: image.clone(),
            },
        )
        .await
        .unwrap();
        let back: Image = main
            .invoke("plugin:clipboard", "read_image", &args! {})
            .await
            .unwrap();
        assert_eq!(back, image);
        let png = tokio::task::spawn_blocking(|| {
            xclip(&["-selection", "clipboard", "-t", "image/png", "-o"])
        })
        .await
        .unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "xclip pastes a PNG");

        // a wrong size is refused before the clipboard is touched
        let bad = Image {
            width: 3,
            height: 3,
            rgba: ByteBuf::from(rgba),
        };
        let err = main
            .invoke::<()>("plugin:clipboard", "write_image", &Write { image: bad })
            .await
            .unwrap_err();
        let data: serde_json::Value = err.data().unwrap();
        assert_eq!(data["kind"], "bad_image");

        main.invoke::<()>("plugin:clipboard", "clear", &args! {})
            .await
            .unwrap();
        let err = main
            .invoke::<String>("plugin:clipboard", "read_text", &args! {})
            .await
            .unwrap_err();
        let data: serde_json::Value = err.data().unwrap();
        assert_eq!(data["kind"], "empty", "{err:?}");
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
