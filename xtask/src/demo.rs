//! `cargo xtask demo`: install what is missing, build `examples/hello`, and show it.
//!
//! With a display the app simply runs. Without one it runs under a private Xvfb with
//! `SWITCHBOARD_DEMO_AUTORUN=1`: the page makes a real round trip to Rust on load and the app
//! prints `demo: round trip ok: <reply>`; the screen is then saved to `target/demo/hello.png`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use crate::run::{cargo, describe, status};
use crate::{deps, display, root};

const PACKAGE: &str = "switchboard-example-hello";
const READY: &str = "demo: round trip ok";
/// The main window's title, to screenshot that window only.
const TITLE: &str = "Hello, Switchboard";
const WAIT: Duration = Duration::from_secs(60);

pub(crate) fn run() -> Result<(), String> {
    deps::ensure(deps::Need::Demo)?;
    let exe = build()?;
    let display = display::ensure()?;
    if !display.headless() {
        println!("xtask: running {} on {}", exe, display.name);
        return status(Command::new(&exe).current_dir(root()));
    }

    let mut child = Command::new(&exe)
        .current_dir(root())
        .env("DISPLAY", &display.name)
        .env("SWITCHBOARD_DEMO_AUTORUN", "1")
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start {exe}: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            if line.starts_with(READY) {
                let _ = tx.send(line);
            }
        }
    });
    let outcome = match rx.recv_timeout(WAIT) {
        Ok(line) => {
            // Let the page paint the reply before the picture is taken.
            thread::sleep(Duration::from_millis(700));
            screenshot(&display.name).map(|path| (line, path))
        }
        Err(_) => Err(format!(
            "the demo did not report `{READY}` within {} s",
            WAIT.as_secs()
        )),
    };
    let _ = child.kill();
    let _ = child.wait();
    let (line, path) = outcome?;
    println!("xtask: {line}");
    println!("xtask: screenshot of the demo window saved to {path}");
    Ok(())
}

/// Build the example and return its executable's path.
fn build() -> Result<String, String> {
    let mut cmd = cargo(&[
        "build",
        "-p",
        PACKAGE,
        "--message-format=json-render-diagnostics",
    ]);
    let what = describe(&cmd);
    let (ok, lines) = stdout_lines(&mut cmd)?;
    if !ok {
        return Err(format!("`{what}` failed"));
    }
    lines
        .iter()
        .filter(|l| l.contains("\"reason\":\"compiler-artifact\""))
        .filter_map(|l| {
            let start = l.find("\"executable\":\"")? + "\"executable\":\"".len();
            let end = l[start..].find('"')? + start;
            Some(l[start..end].to_owned())
        })
        .next_back()
        .ok_or_else(|| format!("`{what}` built no executable"))
}

/// Run a command with stderr on the terminal and return its stdout's lines (cargo's JSON).
fn stdout_lines(cmd: &mut Command) -> Result<(bool, Vec<String>), String> {
    cmd.stderr(Stdio::inherit());
    let child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start cargo: {e}"))?;
    let output = child
        .wait_with_output()
        .map_err(|e| format!("waiting for cargo: {e}"))?;
    let lines = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    Ok((output.status.success(), lines))
}

fn screenshot(display: &str) -> Result<String, String> {
    let dir = root().join("target/demo");
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let path = dir.join("hello.png");
    // The demo window by its title; the whole screen if that window can't be found.
    for window in [TITLE, "root"] {
        let taken = Command::new("import")
            .args(["-window", window])
            .arg(&path)
            .env("DISPLAY", display)
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if taken {
            return Ok(path.display().to_string());
        }
    }
    Err(format!("`import` could not take a screenshot on {display}"))
}
