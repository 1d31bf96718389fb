//! The README's permissions table is the plugin's.

use std::path::Path;

#[test]
fn the_readme_lists_every_permission() {
    let app = switchboard::App::builder()
        .plugin(switchboard_plugin_notification::NotificationPlugin::new(
            "x",
        ))
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
