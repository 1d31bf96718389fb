//! `cargo xtask soak [--minutes N] [--flood N]` (default 10 minutes, floods of 1,000,000
//! requests; not part of `cargo xtask test`): the fault
//! cases of `runtime-wry/e2e/tests/faults_e2e.rs` at full size, in a loop, in real windows.
//!
//! It builds the e2e app in release and runs it (on a private Xvfb when there is no display)
//! with `E2E_FAULTS=soak:<seconds>`: the app's `faults-soak` window floods an actor with
//! 1,000,000 requests (4,096 unanswered at most), then sends 10,000 to an actor that panics on
//! every tenth, round after round, while the app opens and closes a window over and over. No
//! WebDriver: the page drives itself and the app reports (`src/faults.rs`), so nothing but the
//! app can stall a ten-minute run. At the end it prints requests sent, answered (with their
//! outcomes), lost, peak RSS, restarts and window cycles, and fails when a request was lost,
//! a cycle failed, a request was answered with an unexpected code, the soak page stopped
//! (no heartbeat for a minute: the app says what it was doing), or the app did not exit
//! cleanly in time.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crate::run::{cargo, status};
use crate::{deps, display, root};

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let minutes = crate::number(args, "--minutes")?.unwrap_or(10);
    // requests a flood round sends (default 1,000,000); a smaller flood leaves the window
    // cycler more of the two cores
    let flood = crate::number(args, "--flood")?.unwrap_or(1_000_000);
    deps::ensure(deps::Need::Demo)?;
    status(&mut cargo(&[
        "build",
        "--release",
        "-p",
        "switchboard-runtime-wry-e2e",
        "--bin",
        "switchboard-e2e-app",
    ]))?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    let app = target.join("release/switchboard-e2e-app");
    let logs = target.join("soak");
    std::fs::create_dir_all(&logs).map_err(|e| format!("creating {}: {e}", logs.display()))?;
    let stderr_path = logs.join("app-stderr.log");
    let stderr = std::fs::File::create(&stderr_path)
        .map_err(|e| format!("creating {}: {e}", stderr_path.display()))?;
    let display = display::ensure()?;

    println!(
        "xtask: soaking for {minutes} min (app stderr in {})",
        stderr_path.display()
    );
    let started = Instant::now();
    let mut child = Command::new(&app)
        .env("DISPLAY", &display.name)
        .env("E2E_FAULTS", format!("soak:{}:{flood}", minutes * 60))
        .env(
            "RUST_LOG",
            std::env::var("RUST_LOG").unwrap_or_else(|_| "error".to_owned()),
        )
        .env_remove("SWITCHBOARD_DEV_URL")
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("starting {}: {e}", app.display()))?;
    let pid = child.id();

    // our own RSS samples, independent of what the app reports
    let peak = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, stop) = (peak.clone(), stop.clone());
        thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                peak.fetch_max(rss_kb(pid), Ordering::SeqCst);
                thread::sleep(Duration::from_millis(250));
            }
        })
    };
    let out = child.stdout.take().ok_or("no stdout from the app")?;
    let summary = Arc::new(std::sync::Mutex::new(None::<String>));
    let reader = {
        let summary = summary.clone();
        thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if line.starts_with("SOAK-ROUND") {
                    println!(
                        "xtask: [{:>4} s] {}",
                        started.elapsed().as_secs(),
                        &line["SOAK-ROUND ".len()..]
                    );
                } else if line.starts_with("SOAK-STALL") {
                    println!("xtask: [{:>4} s] {line}", started.elapsed().as_secs());
                } else if line.starts_with("SOAK ") {
                    *summary.lock().unwrap_or_else(|e| e.into_inner()) = Some(line);
                }
            }
        })
    };

    // the last round may start just before the time is up: a million requests and the
    // cycler's last window take well under five minutes
    let deadline = started + Duration::from_secs(minutes * 60 + 300);
    let exit = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() > deadline => break None,
            Ok(None) => thread::sleep(Duration::from_millis(200)),
            Err(e) => return Err(format!("waiting for the app: {e}")),
        }
    };
    if exit.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    stop.store(true, Ordering::SeqCst);
    let _ = sampler.join();
    let _ = reader.join();
    drop(display);

    let line = summary
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
        .unwrap_or_default();
    let field = |name: &str| -> Option<u64> {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            .and_then(|v| v.parse().ok())
    };
    let Some(exit) = exit else {
        return Err(format!(
            "the app did not finish within {minutes} min + 5 min (killed); see {}",
            stderr_path.display()
        ));
    };
    if line.is_empty() {
        return Err(format!(
            "the app exited ({exit}) without a summary; see {}",
            stderr_path.display()
        ));
    }
    let n = |name: &str| field(name).unwrap_or(0);
    let mib = |kb: u64| kb as f64 / 1024.0;
    println!();
    println!(
        "soak: {:.1} min, {} rounds",
        started.elapsed().as_secs_f64() / 60.0,
        n("rounds")
    );
    println!(
        "soak: requests sent {}, answered {} (ok {}, busy {}, actor_failed {}, other errors {}), lost {}",
        n("sent"),
        n("answered"),
        n("ok"),
        n("busy"),
        n("actor_failed"),
        n("other_errors"),
        n("lost")
    );
    println!(
        "soak: peak RSS {:.1} MiB (app's VmHWM {:.1} MiB, sampled {:.1} MiB), RSS at the end {:.1} MiB",
        mib(n("peak_rss_kb").max(n("hwm_kb")).max(peak.load(Ordering::SeqCst))),
        mib(n("hwm_kb")),
        mib(peak.load(Ordering::SeqCst)),
        mib(n("rss_kb"))
    );
    println!(
        "soak: actor restarts {} (deliberate panics {}), window cycles {}, at the end {} threads, {} sessions, {} windows",
        n("restarts"),
        n("panics"),
        n("cycles"),
        n("threads"),
        n("sessions"),
        n("windows")
    );
    if line.contains("cycler_error") || line.contains("stalled=") {
        println!("soak: {line}");
    }
    let lost = field("lost");
    if lost != Some(0) || !exit.success() || n("other_errors") > 0 {
        let stalled = if line.contains("stalled=") {
            ", the soak page stopped (no heartbeat)"
        } else {
            ""
        };
        return Err(format!(
            "soak failed: lost {lost:?}, other errors {}, app {exit}{stalled}",
            n("other_errors")
        ));
    }
    Ok(())
}

/// `VmRSS` of `pid` in KiB (0 once it is gone).
fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}
