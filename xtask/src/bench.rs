//! `cargo xtask bench`: the end-to-end benchmark (a real webview, through the bridge and the
//! bus, against a bare wry floor measured in the same run; `benches/e2e/README.md`), then the
//! micro-benchmarks (codec, bus). Each figure is printed with its ratio to its baseline.
//!
//! `cargo xtask bench e2e` runs only the end-to-end table; `cargo xtask bench micro` only the
//! micro-benchmarks.

use crate::run::{cargo, status};
use crate::{deps, display, root};

pub(crate) fn run(which: Option<&str>) -> Result<(), String> {
    let (e2e, micro) = match which {
        None => (true, true),
        Some("e2e") => (true, false),
        Some("micro") => (false, true),
        Some(other) => return Err(format!("unknown bench `{other}`: expected e2e or micro")),
    };
    if e2e {
        deps::ensure(deps::Need::Demo)?;
        status(&mut cargo(&[
            "build",
            "--release",
            "-p",
            "switchboard-bench-e2e",
            "--bins",
        ]))?;
        let display = display::ensure()?;
        let harness = root().join("target/release/harness");
        let json = root().join("target/bench/e2e.json");
        let mut cmd = std::process::Command::new(harness);
        cmd.arg("--json").arg(&json).env("DISPLAY", &display.name);
        status(&mut cmd)?;
    }
    if micro {
        status(&mut cargo(&["bench", "-p", "switchboard-benches"]))?;
    }
    Ok(())
}
