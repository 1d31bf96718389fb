//! The tray actor's state and checks. Under the headless runtime there is no UI thread:
//! `create` answers `unsupported` and leaves no state. A real StatusNotifier host does not
//! run on this machine (see the README), so the native icon is not asserted here.

use std::path::Path;
use std::time::Duration;

use switchboard::{App, Capability};
use switchboard_plugin_tray::{Icon, Item, Tray, TrayPlugin};

fn app() -> App {
    App::builder()
        .plugin(TrayPlugin::new())
        .capability(
            Capability::new("main")
                .windows(["main"])
                .allow(["tray:default"]),
        )
        .build()
        .unwrap()
}

#[derive(serde::Serialize)]
struct Create {
    tray: Tray,
}

fn kind(err: &switchboard::ClientError) -> String {
    err.data::<serde_json::Value>().unwrap()["kind"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn bad_trays_are_refused_and_headless_says_unsupported() {
    tokio::time::timeout(Duration::from_secs(30), async {
        let main = app().test_client("main");
        let bad_icon = Tray::new("main").icon(Icon {
            width: 2,
            height: 2,
            rgba: serde_bytes::ByteBuf::from(vec![0; 3]),
        });
        let err = main
            .invoke::<()>("plugin:tray", "create", &Create { tray: bad_icon })
            .await
            .unwrap_err();
        assert_eq!(kind(&err), "invalid");
        let bad_menu = Tray::new("main").menu(vec![Item::new("a/b", "x")]);
        let err = main
            .invoke::<()>("plugin:tray", "create", &Create { tray: bad_menu })
            .await
            .unwrap_err();
        assert_eq!(kind(&err), "invalid");
        let bad_id = Tray::new("no spaces");
        let err = main
            .invoke::<()>("plugin:tray", "create", &Create { tray: bad_id })
            .await
            .unwrap_err();
        assert_eq!(kind(&err), "invalid");

        let good = Tray::new("main")
            .tooltip("Notes")
            .icon(Icon::solid(16, 16, [10, 20, 30, 255]))
            .menu(vec![Item::new("show", "Show")]);
        let err = main
            .invoke::<()>("plugin:tray", "create", &Create { tray: good })
            .await
            .unwrap_err();
        assert_eq!(kind(&err), "unsupported");
        let err = main
            .invoke::<()>("plugin:tray", "state", &switchboard::args! { id: "main" })
            .await
            .unwrap_err();
        assert_eq!(kind(&err), "unknown", "a refused create leaves no state");
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
