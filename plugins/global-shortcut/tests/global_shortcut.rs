//! Global shortcuts for real: under a display (the suite runs under Xvfb), a shortcut
//! registered through the bus and pressed with `xdotool key` (a synthetic key event the X
//! server delivers like a keyboard's) is published pressed, then released.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use switchboard::{args, App, Capability};
use switchboard_plugin_global_shortcut::{GlobalShortcutPlugin, Shortcut};

fn app() -> App {
    App::builder()
        .plugin(GlobalShortcutPlugin::new())
        .capability(
            Capability::new("main")
                .windows(["main"])
                .allow(["global-shortcut:default"]),
        )
        .build()
        .unwrap()
}

fn kind(err: &switchboard::ClientError) -> String {
    err.data::<serde_json::Value>().unwrap()["kind"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_pressed_anywhere_reaches_the_bus() {
    // fails, never skips: `cargo xtask test` (or `xvfb-run -a cargo test`) provides one
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "no DISPLAY: the real global-shortcut test needs one (cargo xtask test starts Xvfb)"
    );
    tokio::time::timeout(Duration::from_secs(60), async {
        let app = app();
        let main = app.test_client("main");
        let mut pressed = main.subscribe("global-shortcut/pressed").await.unwrap();
        let mut released = main.subscribe("global-shortcut/released").await.unwrap();
        main.invoke::<()>(
            "plugin:global-shortcut",
            "register",
            &args! { shortcut: "ctrl+shift+F7" },
        )
        .await
        .unwrap();
        let again = main
            .invoke::<()>(
                "plugin:global-shortcut",
                "register",
                &args! { shortcut: "ctrl+shift+F7" },
            )
            .await
            .unwrap_err();
        assert_eq!(kind(&again), "already_registered");
        let bad = main
            .invoke::<()>(
                "plugin:global-shortcut",
                "register",
                &args! { shortcut: "ctrl+nokey" },
            )
            .await
            .unwrap_err();
        assert_eq!(kind(&bad), "bad_shortcut");

        let status = tokio::task::spawn_blocking(|| {
            Command::new("xdotool")
                .args(["key", "ctrl+shift+F7"])
                .status()
                .expect("xdotool must be installed")
        })
        .await
        .unwrap();
        assert!(status.success());
        let down: Shortcut = pressed.next().await.unwrap().decode().unwrap();
        assert_eq!(down.shortcut, "ctrl+shift+F7");
        let up: Shortcut = released.next().await.unwrap().decode().unwrap();
        assert_eq!(up.shortcut, "ctrl+shift+F7");

        let held: Vec<String> = main
            .invoke("plugin:global-shortcut", "registered", &args! {})
            .await
            .unwrap();
        assert_eq!(held, vec!["ctrl+shift+F7"]);
        main.invoke::<()>(
            "plugin:global-shortcut",
            "unregister",
            &args! { shortcut: "ctrl+shift+F7" },
        )
        .await
        .unwrap();
        let gone = main
            .invoke::<()>(
                "plugin:global-shortcut",
                "unregister",
                &args! { shortcut: "ctrl+shift+F7" },
            )
            .await
            .unwrap_err();
        assert_eq!(kind(&gone), "not_registered");
    })
    .await
    .expect("the test timed out")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shortcut_another_client_holds_is_a_typed_conflict() {
    // fails, never skips: `cargo xtask test` (or `xvfb-run -a cargo test`) provides one
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "no DISPLAY: the real global-shortcut test needs one (cargo xtask test starts Xvfb)"
    );
    tokio::time::timeout(Duration::from_secs(60), async {
        // two apps: each plugin grabs keys over an X connection of its own, like two programs
        let first = app();
        let second = app();
        first
            .test_client("main")
            .invoke::<()>(
                "plugin:global-shortcut",
                "register",
                &args! { shortcut: "ctrl+alt+F9" },
            )
            .await
            .unwrap();
        let err = second
            .test_client("main")
            .invoke::<()>(
                "plugin:global-shortcut",
                "register",
                &args! { shortcut: "ctrl+alt+F9" },
            )
            .await
            .unwrap_err();
        assert_eq!(kind(&err), "conflict", "{err:?}");
        let held: Vec<String> = second
            .test_client("main")
            .invoke("plugin:global-shortcut", "registered", &args! {})
            .await
            .unwrap();
        assert!(held.is_empty(), "a refused shortcut is not held");
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
