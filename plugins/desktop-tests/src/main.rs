//! The desktop plugins' test app: one real app (tao + wry + GTK under Xvfb) with every
//! desktop plugin, run by the tests in `tests/` as a child process. Its first argument
//! names the plugin under test (`menu`, `dialog`, `shortcut`, `window-state`,
//! `single-instance`); the page listens to that plugin's events and reports what it sees
//! through `cmd:seen`, which prints `SEEN <what> <json>` on stdout. Lines on stdin drive it
//! from the test: `restart` (through `plugin:app`), `quit`.
//!
//! `DESKTOP_TEST_DIR` is where it keeps its state (window state, the single-instance
//! socket).
#![forbid(unsafe_code)]

use std::io::{BufRead, Write};
use std::path::PathBuf;

use switchboard::{App, AppHandle, Capability, Grant, WindowSpec};
use switchboard_plugin_menu::Item;
use switchboard_plugin_single_instance::{Launch, SingleInstance};
use switchboard_runtime_wry::{assets, Frontend, WryRuntime};

/// What the page saw: printed for the test.
#[switchboard::command]
fn seen(what: String, value: String) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "SEEN {what} {value}");
    let _ = out.flush();
}

struct Mode(String);

/// Which plugin this run tests.
#[switchboard::command]
fn mode(current: switchboard::State<Mode>) -> String {
    current.0.clone()
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "menu".into());
    let dir = PathBuf::from(
        std::env::var("DESKTOP_TEST_DIR")
            .unwrap_or_else(|_| std::env::temp_dir().display().to_string()),
    );

    let instance = if mode == "single-instance" {
        match SingleInstance::new("dev.switchboard.desktop-test")
            .at(dir.join("single-instance.sock"))
            .acquire()
        {
            Ok(Launch::Primary(instance)) => Some(instance),
            Ok(Launch::Forwarded) => {
                say("FORWARDED");
                std::process::exit(0);
            }
            Err(e) => {
                say(&format!("ERROR {e}"));
                std::process::exit(2);
            }
        }
    } else {
        None
    };

    let runtime = WryRuntime::new(Frontend::Embedded(assets!("frontend")));
    let mut builder = runtime
        .configure(App::builder())
        .manage(Mode(mode.clone()))
        .commands(switchboard::commands![seen, mode])
        .plugin(switchboard_plugin_app::AppPlugin::new(
            "desktop test",
            env!("CARGO_PKG_VERSION"),
            "dev.switchboard.desktop-test",
        ))
        .plugin(switchboard_plugin_menu::MenuPlugin::new())
        .plugin(switchboard_plugin_dialog::DialogPlugin::new())
        .plugin(switchboard_plugin_global_shortcut::GlobalShortcutPlugin::new())
        .plugin(switchboard_plugin_tray::TrayPlugin::new())
        .plugin(switchboard_plugin_clipboard::ClipboardPlugin::new())
        .plugin(switchboard_plugin_notification::NotificationPlugin::new(
            "desktop test",
        ))
        .plugin(switchboard_plugin_fs::FsPlugin::new(
            "dev",
            "switchboard",
            "desktop-test",
        ))
        .plugin(switchboard_plugin_window_state::WindowStatePlugin::new(
            dir.join("window-state.msgpack"),
        ))
        .capability(
            Capability::new("main")
                .windows(["main"])
                .allow([
                    "cmd:seen",
                    "cmd:mode",
                    "app:default",
                    "app:allow-restart",
                    "menu:default",
                    "dialog:default",
                    "global-shortcut:default",
                    "window-state:default",
                    "tray:default",
                ])
                // file access to nothing but what the user picks in a dialog
                .grant(Grant::new("fs:allow-write"))
                .grant(Grant::new("fs:allow-read")),
        )
        .window(
            WindowSpec::new("main")
                .title(format!("desktop test {mode}"))
                .size(480.0, 360.0),
        );
    if let Some(instance) = &instance {
        builder = builder.plugin(instance.plugin()).capability(
            Capability::new("single-instance")
                .windows(["main"])
                .allow(["single-instance:default"]),
        );
    }
    let app = builder
        .build()
        .unwrap_or_else(|e| panic!("the test app: {e}"));
    let handle = app.handle();
    if let Some(instance) = &instance {
        instance.forward_to(&handle);
    }
    match mode.as_str() {
        "window-state" => switchboard_plugin_window_state::track(&handle),
        "menu" => {
            let h = handle.clone();
            runtime.async_runtime().spawn(async move {
                let file = Item::submenu(
                    "File",
                    [
                        Item::new("export", "Export").accelerator("CmdOrCtrl+E"),
                        Item::check("autosave", "Autosave", false),
                        Item::separator(),
                        Item::new("quit", "Quit"),
                    ],
                );
                let help = Item::submenu("Help", [Item::new("about", "About")]);
                match switchboard_plugin_menu::set_window_menu(&h, "main", vec![file, help]).await {
                    Ok(()) => say("MENU ready"),
                    Err(e) => say(&format!("ERROR menu: {e}")),
                }
            });
        }
        "tray" => {
            let h = handle.clone();
            runtime.async_runtime().spawn(async move {
                let tray = switchboard_plugin_tray::Tray::new("main")
                    .tooltip("desktop test")
                    .icon(switchboard_plugin_tray::Icon::solid(
                        16,
                        16,
                        [40, 120, 200, 255],
                    ))
                    .menu(vec![Item::new("show", "Show"), Item::new("quit", "Quit")]);
                match switchboard_plugin_tray::create(&h, tray).await {
                    Ok(()) => say("TRAY created"),
                    Err(e) => say(&format!("TRAY failed {e}")),
                }
            });
        }
        _ => {}
    }
    stdin_commands(handle, runtime.async_runtime().clone());
    say(&format!("STARTED {}", std::process::id()));
    runtime.run(app);
}

/// `restart`, `quit` and `popup` on stdin, for the tests.
fn stdin_commands(app: AppHandle, rt: tokio::runtime::Handle) {
    let _ = std::thread::Builder::new()
        .name("test-stdin".into())
        .spawn(move || {
            for line in std::io::stdin().lock().lines() {
                let Ok(line) = line else { break };
                match line.trim() {
                    "restart" => {
                        let r: Result<(), _> =
                            rt.block_on(app.call("plugin:app", "restart", &switchboard::args! {}));
                        // the answer may be lost: this process is quitting
                        say(&format!(
                            "RESTART {}",
                            if r.is_ok() { "answered" } else { "unanswered" }
                        ));
                    }
                    "quit" => app.exit(0),
                    "popup" => {
                        // a context menu at the cursor, asked for from Rust
                        let items = vec![Item::new("copy", "Copy"), Item::new("paste", "Paste")];
                        #[derive(serde::Serialize)]
                        struct Popup {
                            window: &'static str,
                            items: Vec<Item>,
                        }
                        let r: Result<(), _> = rt.block_on(app.call(
                            "plugin:menu",
                            "popup",
                            &Popup {
                                window: "main",
                                items,
                            },
                        ));
                        match r {
                            Ok(()) => say("POPUP shown"),
                            Err(e) => say(&format!("ERROR popup: {e}")),
                        }
                    }
                    _ => {}
                }
            }
        });
}
