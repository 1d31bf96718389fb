//! A display for windows: the user's own, or a private Xvfb started for the duration of a command.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// A running Xvfb, stopped when dropped; `None` inside when the user's display is used.
pub(crate) struct Display {
    xvfb: Option<Child>,
    /// The value for `DISPLAY`.
    pub(crate) name: String,
}

impl Display {
    /// Whether this is a private Xvfb (so nobody is looking at it).
    pub(crate) fn headless(&self) -> bool {
        self.xvfb.is_some()
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        if let Some(child) = &mut self.xvfb {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The current `DISPLAY` if there is one, else a fresh Xvfb on a free display number.
pub(crate) fn ensure() -> Result<Display, String> {
    if let Ok(name) = std::env::var("DISPLAY") {
        if !name.is_empty() {
            return Ok(Display { xvfb: None, name });
        }
    }
    let number = (90..200)
        .find(|n| {
            !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
        })
        .ok_or("no free X display number between :90 and :199")?;
    let name = format!(":{number}");
    println!("xtask: no DISPLAY: starting Xvfb on {name}");
    let child = Command::new("Xvfb")
        .args([&name, "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("could not start Xvfb (is the xvfb package installed?): {e}"))?;
    let display = Display {
        xvfb: Some(child),
        name,
    };
    let socket = format!("/tmp/.X11-unix/X{number}");
    let start = Instant::now();
    while !Path::new(&socket).exists() {
        if start.elapsed() > Duration::from_secs(10) {
            return Err(format!("Xvfb did not open {socket} within 10 s"));
        }
        sleep(Duration::from_millis(50));
    }
    Ok(display)
}
