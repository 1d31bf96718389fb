//! The desktop plugins against the real thing: the test app (`src/main.rs`: tao, wry and
//! GTK's event loop) runs as a child process on the suite's X display (Xvfb under
//! `cargo xtask test`), is driven with `xdotool` like a user would, and reports on stdout
//! what its page saw (`SEEN <what> <json>`).
//!
//! Tests here share one display, its keyboard focus and pointer: they take turns (a lock),
//! every wait has a deadline, and waits are on observable conditions (a line from the app,
//! a window appearing, a file changing, a geometry), never sleeps.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[path = "../../../runtime-wry/e2e/tests/support/mod.rs"]
mod support;

static DISPLAY_LOCK: Mutex<()> = Mutex::new(());

const APP: &str = env!("CARGO_BIN_EXE_desktop-test-app");
const WAIT: Duration = Duration::from_secs(60);

/// The suite's X display: `$DISPLAY` (`cargo xtask test` starts Xvfb), else a private Xvfb
/// started once for this test binary. Never skipped: without a display the test fails.
fn ensure_display() {
    static DISPLAY: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    DISPLAY.get_or_init(|| {
        let name = support::display();
        // every child (the app, xdotool, xclip) inherits it
        std::env::set_var("DISPLAY", name);
    });
}

fn dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("desktop-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A running test app: its stdout as lines, its stdin for commands.
struct TestApp {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl TestApp {
    fn start(mode: &str, dir: &Path) -> Self {
        // its log goes to a file: a restarted app outlives this test's pipes
        let log = std::fs::File::create(dir.join(format!("{mode}.log"))).unwrap();
        let mut child = Command::new(APP)
            .arg(mode)
            .env("DESKTOP_TEST_DIR", dir)
            // GTK's recently used files go here, not to the user's list
            .env("XDG_DATA_HOME", dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("the test app starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        TestApp {
            child,
            stdin,
            lines,
            seen: Vec::new(),
        }
    }

    /// The first line starting with `prefix` (waiting up to a minute).
    fn expect(&mut self, prefix: &str) -> String {
        self.expect_within(prefix, WAIT).unwrap_or_else(|| {
            panic!(
                "no `{prefix}` line within {WAIT:?}; the app said: {:?}",
                self.seen
            )
        })
    }

    /// The first line starting with `prefix`, if one comes within `wait`.
    fn expect_within(&mut self, prefix: &str, wait: Duration) -> Option<String> {
        let end = Instant::now() + wait;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            let line = self.lines.recv_timeout(left).ok()?;
            self.seen.push(line.clone());
            if let Some(rest) = line.strip_prefix(prefix) {
                return Some(rest.trim().to_owned());
            }
            assert!(!line.starts_with("ERROR"), "the app failed: {line}");
        }
    }

    fn send(&mut self, command: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{command}").unwrap();
        stdin.flush().unwrap();
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // a restarted app is not our child: stop it by the pid it printed
        let mine = self.child.id().to_string();
        for pid in self.seen.iter().filter_map(|l| l.strip_prefix("STARTED ")) {
            if pid.trim() != mine {
                let _ = Command::new("kill").arg(pid.trim()).status();
            }
        }
    }
}

fn xdotool(args: &[&str]) -> String {
    let out = Command::new("xdotool")
        .args(args)
        .output()
        .expect("xdotool must be installed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Poll `probe` until it answers `Some`, for up to a minute.
fn until<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let end = Instant::now() + WAIT;
    loop {
        if let Some(v) = probe() {
            return v;
        }
        assert!(Instant::now() < end, "timed out waiting for {what}");
        std::thread::yield_now();
    }
}

/// The X window ids of visible windows whose name matches `name`.
fn windows(name: &str) -> Vec<String> {
    xdotool(&["search", "--onlyvisible", "--name", name])
        .lines()
        .map(str::to_owned)
        .collect()
}

/// `(x, y, width, height)` of an X window.
fn geometry(window: &str) -> Option<(i32, i32, u32, u32)> {
    let text = xdotool(&["getwindowgeometry", "--shell", window]);
    let get = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
            .and_then(|v| v.trim().parse::<i64>().ok())
    };
    Some((
        get("X")? as i32,
        get("Y")? as i32,
        get("WIDTH")? as u32,
        get("HEIGHT")? as u32,
    ))
}

fn lock() -> std::sync::MutexGuard<'static, ()> {
    DISPLAY_LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

#[test]
fn the_menu_bar_is_in_the_window_and_a_click_reaches_the_page() {
    ensure_display();
    let _display = lock();
    let dir = dir("menu");
    let mut app = TestApp::start("menu", &dir);
    app.expect("MENU ready");
    app.expect("SEEN ready");
    let main = until("the main window", || windows("^desktop test menu$").pop());
    let (x, y, _, _) = geometry(&main).unwrap();

    // a screenshot for people to look at: the menu bar is drawn above the page
    let shot = dir.join("menu-bar.png");
    let status = Command::new("import")
        .args(["-window", "root"])
        .arg(&shot)
        .status()
        .expect("imagemagick's import must be installed");
    assert!(status.success() && std::fs::metadata(&shot).unwrap().len() > 0);
    eprintln!("screenshot of the menu bar: {}", shot.display());

    // click "File" in the menu bar: its menu (a popup window of its own) opens below
    let open_file_menu = || {
        let before: usize = xdotool(&["search", "--onlyvisible", "--name", ""])
            .lines()
            .count();
        xdotool(&[
            "mousemove",
            &(x + 19).to_string(),
            &(y + 12).to_string(),
            "click",
            "1",
        ]);
        until("the File menu to open", || {
            let ids: Vec<String> = xdotool(&["search", "--onlyvisible", "--name", ""])
                .lines()
                .map(str::to_owned)
                .collect();
            if ids.len() <= before {
                return None;
            }
            // the popup: the visible window whose top is the menu bar's bottom
            ids.iter()
                .filter_map(|w| geometry(w))
                .find(|&(px, py, w, h)| px == x && py > y && py < y + 60 && w < 400 && h < 200)
        })
    };
    let (px, py, _, _) = open_file_menu();
    // "Export" is the first item
    xdotool(&[
        "mousemove",
        &(px + 40).to_string(),
        &(py + 12).to_string(),
        "click",
        "1",
    ]);
    let clicked = app.expect("SEEN menu/export/clicked");
    assert_eq!(clicked, r#"{"id":"export","checked":null}"#);

    // "Autosave", a check item, second: checked after the click
    let (px, py, _, _) = open_file_menu();
    xdotool(&[
        "mousemove",
        &(px + 40).to_string(),
        &(py + 37).to_string(),
        "click",
        "1",
    ]);
    let clicked = app.expect("SEEN menu/autosave/clicked");
    assert_eq!(clicked, r#"{"id":"autosave","checked":true}"#);

    // the page changed items at run time: the menu shows it
    let states: serde_json::Value = serde_json::from_str(&app.expect("SEEN states")).unwrap();
    assert_eq!(
        states,
        serde_json::json!({
            "autosave": { "text": "Autosave", "enabled": true, "checked": false },
            "export": { "text": "Export (off)", "enabled": false, "checked": null },
        })
    );

    // a context menu at the cursor
    let (cx, cy) = (x + 200, y + 150);
    xdotool(&["mousemove", &cx.to_string(), &cy.to_string()]);
    let before: usize = xdotool(&["search", "--onlyvisible", "--name", ""])
        .lines()
        .count();
    app.send("popup");
    app.expect("POPUP shown");
    let (px, py, _, _) = until("the context menu to open", || {
        let ids: Vec<String> = xdotool(&["search", "--onlyvisible", "--name", ""])
            .lines()
            .map(str::to_owned)
            .collect();
        if ids.len() <= before {
            return None;
        }
        ids.iter()
            .filter_map(|w| geometry(w))
            .find(|&(px, py, w, h)| {
                (px - cx).abs() < 40 && (py - cy).abs() < 40 && w < 400 && h < 200
            })
    });
    xdotool(&[
        "mousemove",
        &(px + 30).to_string(),
        &(py + 12).to_string(),
        "click",
        "1",
    ]);
    let clicked = app.expect("SEEN menu/copy/clicked");
    assert_eq!(clicked, r#"{"id":"copy","checked":null}"#);
}

#[test]
fn a_save_dialog_driven_with_xdotool_gives_the_page_its_path_and_only_that_path() {
    ensure_display();
    let _display = lock();
    let dir = dir("dialog");
    let target = dir.join("export.txt");
    let mut app = TestApp::start("dialog", &dir);
    app.expect("SEEN ready");
    let dialog = until("the save dialog", || windows("^Export notes$").pop());
    xdotool(&["windowfocus", "--sync", &dialog]);
    // the name field has the focus: replace its text with an absolute path, press Enter
    xdotool(&["key", "--clearmodifiers", "ctrl+a"]);
    xdotool(&["type", "--delay", "5", &target.display().to_string()]);
    xdotool(&["key", "Return"]);
    let chosen = app.expect("SEEN chosen");
    assert_eq!(chosen, format!("{:?}", target.display().to_string()));
    // a path next to it is not in the page's scope
    assert_eq!(app.expect("SEEN other-path"), r#""forbidden""#);
    app.expect("SEEN written");
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "exported by the page"
    );

    // an open dialog: a location typed (ctrl+l opens GTK's location field), Enter
    // A key sent while GTK is still building the dialog is lost, and nothing outside shows
    // when it is ready: type again until the page has its answer (5 tries, 5 s each).
    let dialog = until("the open dialog", || windows("^Open notes$").pop());
    let mut answer = None;
    for _ in 0..5 {
        xdotool(&["windowfocus", "--sync", &dialog]);
        xdotool(&["key", "--clearmodifiers", "ctrl+l"]);
        xdotool(&["key", "--clearmodifiers", "ctrl+a"]);
        xdotool(&["type", "--delay", "5", &target.display().to_string()]);
        xdotool(&["key", "Return"]);
        answer = app.expect_within("SEEN opened", Duration::from_secs(5));
        if answer.is_some() {
            break;
        }
    }
    let answer = answer.expect("the open dialog never took the typed path");
    let opened: Vec<String> = serde_json::from_str(&answer).unwrap();
    assert_eq!(opened, vec![target.display().to_string()]);
    assert_eq!(app.expect("SEEN read"), r#""exported by the page""#);

    // a yes/no question: "_Yes" by its mnemonic
    let question = until("the question", || windows("^Question$").pop());
    xdotool(&["windowfocus", "--sync", &question]);
    xdotool(&["key", "--clearmodifiers", "alt+y"]);
    assert_eq!(app.expect("SEEN asked"), "true");
}

#[test]
fn a_global_shortcut_sent_with_xdotool_reaches_the_page() {
    ensure_display();
    let _display = lock();
    let dir = dir("shortcut");
    let mut app = TestApp::start("shortcut", &dir);
    // the page registered ctrl+shift+F8 before it said ready
    app.expect("SEEN ready");
    xdotool(&["key", "ctrl+shift+F8"]);
    let pressed = app.expect("SEEN global-shortcut/pressed");
    assert_eq!(pressed, r#"{"shortcut":"ctrl+shift+F8"}"#);
}

#[test]
fn a_second_launch_hands_its_arguments_to_the_first() {
    ensure_display();
    let _display = lock();
    let dir = dir("single");
    let mut first = TestApp::start("single-instance", &dir);
    first.expect("SEEN ready");
    let second = Command::new(APP)
        .args(["single-instance", "--open", "notes.md"])
        .env("DESKTOP_TEST_DIR", &dir)
        .current_dir(&dir)
        .output()
        .expect("the second launch runs");
    assert!(second.status.success(), "{second:?}");
    assert_eq!(String::from_utf8_lossy(&second.stdout).trim(), "FORWARDED");
    let launched: serde_json::Value =
        serde_json::from_str(&first.expect("SEEN single-instance/launched")).unwrap();
    assert_eq!(
        launched["args"],
        serde_json::json!(["single-instance", "--open", "notes.md"])
    );
    assert_eq!(launched["cwd"], dir.display().to_string());
}

#[test]
fn window_size_and_position_survive_a_real_restart() {
    ensure_display();
    let _display = lock();
    let dir = dir("window-state");
    let file = dir.join("window-state.msgpack");
    let mut app = TestApp::start("window-state", &dir);
    let first_pid = app.expect("STARTED");
    app.expect("SEEN ready");
    let main = until("the main window", || {
        windows("^desktop test window-state$").pop()
    });
    // what a user does with the mouse, as the X server sees it
    xdotool(&["windowsize", "--sync", &main, "640", "420"]);
    xdotool(&["windowmove", "--sync", &main, "100", "120"]);
    until("the state file to hold the new geometry", || {
        let bytes = std::fs::read(&file).ok()?;
        let states: std::collections::BTreeMap<
            String,
            switchboard_plugin_window_state::SavedWindowState,
        > = rmp_serde::from_slice(&bytes).ok()?;
        let main = states.get("main")?;
        (main.width == 640.0
            && main.height == 420.0
            && main.x == Some(100.0)
            && main.y == Some(120.0))
        .then_some(())
    });

    // a real restart: plugin:app.restart starts a new process and this one quits
    app.send("restart");
    let second_pid = app.expect("STARTED");
    assert_ne!(first_pid, second_pid);
    let second_pid: i32 = second_pid.parse().unwrap();
    app.expect("SEEN ready");
    let geometry = until("the new window back where it was", || {
        let ids = windows("^desktop test window-state$");
        let [only] = ids.as_slice() else { return None };
        let g = geometry(only)?;
        (g == (100, 120, 640, 420)).then_some(g)
    });
    assert_eq!(geometry, (100, 120, 640, 420));
    // the restarted app is not our child: ask it to quit, and make sure it did
    app.send("quit");
    until("the restarted app to quit", || {
        (!Path::new(&format!("/proc/{second_pid}")).exists()
            || std::fs::read_to_string(format!("/proc/{second_pid}/stat"))
                .map(|s| s.contains(") Z "))
                .unwrap_or(true))
        .then_some(())
    });
}

#[test]
fn a_tray_icon_is_created_on_the_ui_thread_and_its_state_follows_the_page() {
    ensure_display();
    let _display = lock();
    let dir = dir("tray");
    let mut app = TestApp::start("tray", &dir);
    // libayatana-appindicator makes the icon on the UI thread; no StatusNotifier host runs
    // here to show it, so what is checked is the actor's state through the page
    app.expect("TRAY created");
    let seen: serde_json::Value = serde_json::from_str(&app.expect("SEEN tray")).unwrap();
    assert_eq!(
        seen,
        serde_json::json!({
            "before": { "tooltip": "desktop test", "visible": true, "has_menu": true },
            "after": { "tooltip": "changed by the page", "visible": false, "has_menu": true },
        })
    );
}
