//! Every desktop plugin together in one app: the permissions check out at build time, and
//! the TypeScript bindings are generated with their methods, events and error types.

use switchboard::App;

#[test]
fn every_desktop_plugin_has_typed_bindings() {
    let dir = std::env::temp_dir().join(format!("desktop-bindings-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let switchboard_plugin_single_instance::Launch::Primary(instance) =
        switchboard_plugin_single_instance::SingleInstance::new("x")
            .at(dir.join("bindings.sock"))
            .acquire()
            .unwrap()
    else {
        panic!("nobody else uses this socket")
    };
    let app = App::builder()
        .plugin(switchboard_plugin_app::AppPlugin::new("x", "0", "x.y.z"))
        .plugin(switchboard_plugin_menu::MenuPlugin::new())
        .plugin(switchboard_plugin_dialog::DialogPlugin::new())
        .plugin(switchboard_plugin_global_shortcut::GlobalShortcutPlugin::new())
        .plugin(switchboard_plugin_tray::TrayPlugin::new())
        .plugin(switchboard_plugin_clipboard::ClipboardPlugin::new())
        .plugin(switchboard_plugin_notification::NotificationPlugin::new(
            "x",
        ))
        .plugin(switchboard_plugin_window_state::WindowStatePlugin::new(
            dir.join("ws.msgpack"),
        ))
        .plugin(instance.plugin())
        .build()
        .unwrap();
    let ts = switchboard::bindings::Bindings::new(&app)
        .typescript()
        .unwrap();
    for expected in [
        "\"window-state\": {",
        "\"global-shortcut\": {",
        "\"single-instance\": {",
        "setWindowMenu",
        "readImage",
        "notificationAction",
        "globalShortcutPressed",
        "singleInstanceLaunched",
        "no_notification_server",
        "already_registered",
        "unsupported",
    ] {
        assert!(
            ts.contains(expected),
            "the bindings lack `{expected}`:\n{ts}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
