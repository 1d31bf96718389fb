//! `cargo xtask fuzz`: the cargo-fuzz targets in `fuzz/` (see `fuzz/README.md`).
//!
//! - `cargo xtask fuzz smoke [--seconds N]`: builds every target in one `cargo fuzz build`,
//!   then runs each for N seconds (30 by default; several at a time on a machine with the
//!   cores) from its committed corpus, new inputs going to a temporary folder. A target
//!   passes when it ran its time without a crash. `cargo xtask test` runs this.
//! - `cargo xtask fuzz <target> [--minutes N]`: one long run (10 minutes by default), new
//!   inputs added to `fuzz/corpus/<target>`, a crash saved in `fuzz/artifacts/<target>/`.
//!
//! Long runs are built with AddressSanitizer by rustup's nightly toolchain where it is
//! installed. The smoke (and a long run without nightly: a CI machine cannot fetch toolchains)
//! is built by the default toolchain with `--sanitizer none`, which cargo-fuzz supports on
//! stable: still coverage-guided, with debug assertions (overflow checks), but without ASan;
//! the ASan build would triple the smoke's cold cost. The output says which.
//! `SWITCHBOARD_FUZZ_NIGHTLY=0` takes the stable path for a long run too;
//! `SWITCHBOARD_FUZZ_NIGHTLY=1` takes nightly for the smoke.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use crate::root;
use crate::run::{describe, status};
use crate::test::Tally;

/// Every target in `fuzz/fuzz_targets/`.
pub(crate) const TARGETS: &[&str] = &[
    "decode",
    "batch",
    "payload",
    "bridge_request",
    "bridge_message",
    "capabilities",
];

/// The cargo-fuzz release `cargo xtask deps` installs (`cargo install --locked`).
pub(crate) const CARGO_FUZZ_VERSION: &str = "0.13.1";

/// `cargo xtask fuzz ...`.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        Some("smoke") => {
            let seconds = crate::number(args, "--seconds")?.unwrap_or(30);
            smoke(seconds)
        }
        Some(target) if TARGETS.contains(&target) => {
            let minutes = crate::number(args, "--minutes")?.unwrap_or(10);
            long(target, minutes)
        }
        _ => Err(format!(
            "usage: cargo xtask fuzz <smoke [--seconds N] | {} [--minutes N]>",
            TARGETS.join(" | ")
        )),
    }
}

/// Install cargo-fuzz when it is missing or another version.
pub(crate) fn ensure_cargo_fuzz() -> Result<(), String> {
    let version = Command::new("cargo")
        .args(["fuzz", "--version"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    if version.split_whitespace().any(|w| w == CARGO_FUZZ_VERSION) {
        println!("xtask: cargo-fuzz {CARGO_FUZZ_VERSION} present");
        return Ok(());
    }
    println!("xtask: installing cargo-fuzz {CARGO_FUZZ_VERSION} (the fuzz smoke runs it)");
    status(Command::new("cargo").args([
        "install",
        "cargo-fuzz",
        "--locked",
        "--version",
        CARGO_FUZZ_VERSION,
    ]))
}

/// How the targets are built: nightly with ASan, or the default toolchain without a sanitizer.
#[derive(Clone, Copy)]
struct Build {
    nightly: bool,
}

impl Build {
    /// Long runs take nightly + ASan where it is installed; the smoke takes the default
    /// toolchain unless asked (`SWITCHBOARD_FUZZ_NIGHTLY=1`): an ASan build of the targets
    /// costs ~10 minutes cold, three times the plain one, and CI's budget is the cold suite.
    fn detect(smoke: bool) -> Self {
        match std::env::var("SWITCHBOARD_FUZZ_NIGHTLY").as_deref() {
            Ok("0") => return Build { nightly: false },
            Ok("1") => {}
            _ if smoke => return Build { nightly: false },
            _ => {}
        }
        let nightly = Command::new("rustup")
            .args(["run", "nightly", "rustc", "--version"])
            .output()
            .is_ok_and(|o| o.status.success());
        Build { nightly }
    }

    fn describe(self) -> &'static str {
        if self.nightly {
            "nightly, AddressSanitizer"
        } else {
            "default toolchain, NO sanitizer (`cargo fuzz --sanitizer none`)"
        }
    }

    /// `cargo fuzz <sub> -a [-s none]` in `fuzz/`.
    fn cargo_fuzz(self, sub: &str) -> Command {
        let mut cmd = if self.nightly {
            let mut c = Command::new("rustup");
            c.args(["run", "nightly", "cargo"]);
            c
        } else {
            Command::new("cargo")
        };
        cmd.args(["fuzz", sub, "--debug-assertions"]);
        if !self.nightly {
            cmd.args(["--sanitizer", "none"]);
        }
        // builds go to fuzz/target whatever the caller's target folder
        cmd.env_remove("CARGO_TARGET_DIR")
            .env_remove("RUSTUP_TOOLCHAIN")
            .current_dir(root().join("fuzz"));
        cmd
    }
}

fn smoke(seconds: u64) -> Result<(), String> {
    let build = Build::detect(true);
    println!(
        "xtask: fuzz smoke: {} targets, {seconds} s each ({})",
        TARGETS.len(),
        build.describe()
    );
    let started = Instant::now();
    status(&mut build.cargo_fuzz("build"))?;
    println!(
        "xtask: fuzz smoke: built in {} s",
        started.elapsed().as_secs()
    );

    let jobs = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(TARGETS.len());
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(&str, bool, String)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                while let Some(&target) = TARGETS.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let (ok, report) = smoke_one(build, target, seconds);
                    println!(
                        "xtask: fuzz smoke: {target} {}: {report}",
                        if ok { "passed" } else { "FAILED" }
                    );
                    results
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((target, ok, report));
                }
            });
        }
    });
    let results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    let failed: Vec<&str> = results.iter().filter(|r| !r.1).map(|r| r.0).collect();
    println!(
        "xtask: fuzz smoke: {} passed, {} failed in {} s ({})",
        results.len() - failed.len(),
        failed.len(),
        started.elapsed().as_secs(),
        build.describe()
    );
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("fuzz targets failed: {}", failed.join(", ")))
    }
}

/// Run one target for `seconds` from its committed corpus; whether it passed, and a line
/// saying what it did (or the end of its output when it failed).
fn smoke_one(build: Build, target: &str, seconds: u64) -> (bool, String) {
    let fuzz = root().join("fuzz");
    let scratch =
        std::env::temp_dir().join(format!("switchboard-fuzz-{}-{target}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    if let Err(e) = std::fs::create_dir_all(&scratch) {
        return (false, format!("creating {}: {e}", scratch.display()));
    }
    let mut cmd = build.cargo_fuzz("run");
    cmd.arg(target)
        .arg(&scratch)
        .arg(fuzz.join("corpus").join(target))
        .arg("--")
        .arg(format!("-max_total_time={seconds}"))
        .arg("-timeout=10")
        .arg("-print_final_stats=1");
    let what = describe(&cmd);
    let output = cmd.output();
    let _ = std::fs::remove_dir_all(&scratch);
    let output = match output {
        Ok(o) => o,
        Err(e) => return (false, format!("could not start `{what}`: {e}")),
    };
    let text = String::from_utf8_lossy(&output.stderr).into_owned()
        + &String::from_utf8_lossy(&output.stdout);
    if output.status.success() {
        (true, figures(&text))
    } else {
        let tail: Vec<&str> = text.lines().rev().take(40).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        (
            false,
            format!("`{what}` failed ({}):\n{}", output.status, tail.join("\n")),
        )
    }
}

/// `N runs, cov C ft F, corpus K` from libFuzzer's closing lines.
fn figures(text: &str) -> String {
    let runs = text
        .lines()
        .find_map(|l| {
            l.strip_prefix("Done ")
                .and_then(|r| r.split_whitespace().next())
        })
        .unwrap_or("?");
    let done = text
        .lines()
        .rev()
        .find(|l| l.contains("DONE") || l.contains("cov:"));
    let field = |name: &str| {
        done.and_then(|l| {
            let mut words = l.split_whitespace();
            words.find(|w| *w == name)?;
            words.next()
        })
        .unwrap_or("?")
    };
    format!(
        "{runs} runs, cov {}, ft {}, corpus {}, {} exec/s",
        field("cov:"),
        field("ft:"),
        field("corp:"),
        field("exec/s:")
    )
}

/// One long run of `target`, growing its committed corpus.
fn long(target: &str, minutes: u64) -> Result<(), String> {
    let build = Build::detect(false);
    println!(
        "xtask: fuzzing {target} for {minutes} min ({})",
        build.describe()
    );
    let corpus: PathBuf = Path::new("corpus").join(target);
    let mut cmd = build.cargo_fuzz("run");
    cmd.arg(target)
        .arg(corpus)
        .arg("--")
        .arg(format!("-max_total_time={}", minutes * 60))
        .arg("-print_final_stats=1");
    status(&mut cmd)
}

/// Count the smoke's per-target lines for `cargo xtask test`'s tally.
pub(crate) fn parse_smoke(lines: &[String]) -> Tally {
    let mut tally = Tally::default();
    for line in lines {
        if let Some(rest) = line.strip_prefix("xtask: fuzz smoke: ") {
            let mut words = rest.split_whitespace();
            let target = words.next().unwrap_or_default();
            if TARGETS.contains(&target) {
                match words.next() {
                    Some("passed:") => tally.passed += 1,
                    Some("FAILED:") => tally.failed += 1,
                    _ => {}
                }
            }
        }
    }
    tally
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smoke_lines_are_counted_per_target() {
        let lines: Vec<String> = [
            "xtask: fuzz smoke: 5 targets, 30 s each (nightly, AddressSanitizer)",
            "xtask: fuzz smoke: decode passed: 1000 runs, cov 2000, ft 3000, corpus 500, 4000 exec/s",
            "xtask: fuzz smoke: batch FAILED: `cargo fuzz run batch` failed (exit status: 1):",
            "xtask: fuzz smoke: 1 passed, 1 failed in 70 s (nightly, AddressSanitizer)",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            parse_smoke(&lines),
            Tally {
                passed: 1,
                failed: 1
            }
        );
    }

    #[test]
    fn libfuzzer_figures_are_read() {
        let text = "#51252\tDONE   cov: 2091 ft: 3899 corp: 554/75Kb lim: 2145 exec/s: 5694 rss: 175Mb\nDone 51252 runs in 9 second(s)\n";
        assert_eq!(
            figures(text),
            "51252 runs, cov 2091, ft 3899, corpus 554/75Kb, 5694 exec/s"
        );
    }
}
