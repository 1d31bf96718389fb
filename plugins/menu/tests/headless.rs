//! Under the headless runtime there is no UI thread: menu calls answer `unsupported`, and
//! bad menus are refused before anything is posted. (A real menu bar in a real window,
//! clicked with xdotool: `plugins/desktop-tests`.)

use std::path::Path;
use std::time::Duration;

use switchboard::{args, App, Capability, WindowSpec};
use switchboard_plugin_menu::{validate, Item, MenuError, MenuPlugin};

fn app() -> App {
    App::builder()
        .plugin(MenuPlugin::new())
        .window(WindowSpec::new("main"))
        .capability(
            Capability::new("main")
                .windows(["main"])
                .allow(["menu:default"]),
        )
        .build()
        .unwrap()
}

#[tokio::test]
async fn menus_need_a_ui_thread_and_say_so() {
    tokio::time::timeout(Duration::from_secs(30), async {
        let main = app().test_client("main");
        let menu = vec![Item::submenu("File", [Item::new("export", "Export")])];
        #[derive(serde::Serialize)]
        struct Set {
            window: &'static str,
            items: Vec<Item>,
        }
        let err = main
            .invoke::<()>(
                "plugin:menu",
                "set_window_menu",
                &Set {
                    window: "main",
                    items: menu,
                },
            )
            .await
            .unwrap_err();
        let data: serde_json::Value = err.data().unwrap();
        assert_eq!(data["kind"], "unsupported", "{err:?}");
        let err = main
            .invoke::<()>(
                "plugin:menu",
                "set_checked",
                &args! { id: "x", checked: true },
            )
            .await
            .unwrap_err();
        let data: serde_json::Value = err.data().unwrap();
        assert_eq!(data["kind"], "unsupported", "{err:?}");
    })
    .await
    .expect("the test timed out")
}

#[test]
fn ids_must_fit_a_topic_and_accelerators_must_parse() {
    assert!(
        validate(&[Item::new("file-export_2", "Export").accelerator("CmdOrCtrl+Shift+E")]).is_ok()
    );
    assert!(matches!(
        validate(&[Item::new("a/b", "x")]),
        Err(MenuError::BadId { .. })
    ));
    assert!(matches!(
        validate(&[Item::submenu(
            "F",
            [Item::new("a", "x"), Item::check("a", "y", false)]
        )]),
        Err(MenuError::BadId { .. })
    ));
    assert!(matches!(
        validate(&[Item::new("a", "x").accelerator("Ctrl+Nope+Q")]),
        Err(MenuError::BadAccelerator { .. })
    ));
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
