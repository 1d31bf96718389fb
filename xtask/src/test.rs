//! `cargo xtask test`: every test of the project, from a fresh machine, with one closing tally.
//!
//! The suites run in order (a failing suite does not stop the next, so one run shows every
//! failure): the golden vectors are current, the Rust workspace's tests (unit, integration,
//! doc and the webview end-to-end tests under Xvfb), a 30-second run of every fuzz target, then the JS client's tests in Node and
//! headless Chromium, its type check, the committed client bundle, and the generated bindings
//! (current, and the examples' frontends type-check against them). The last line is
//! `N passed, N failed`, which CI reads.

use std::process::Command;

use crate::run::{cargo, echoed};
use crate::{deps, display, root};

/// Passed and failed counts.
#[derive(Default, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tally {
    pub(crate) passed: u64,
    pub(crate) failed: u64,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.passed += other.passed;
        self.failed += other.failed;
    }
}

pub(crate) fn run() -> Result<(), String> {
    deps::ensure(deps::Need::Test)?;
    let display = display::ensure()?;
    let mut total = Tally::default();
    let mut failures: Vec<String> = Vec::new();

    let mut step = |name: &str, mut cmd: Command, parse: fn(&[String]) -> Tally| {
        cmd.env("DISPLAY", &display.name);
        println!("\nxtask: ==== {name} ====");
        let (ok, lines) = match echoed(&mut cmd) {
            Ok(result) => result,
            Err(e) => (false, vec![e]),
        };
        let mut tally = parse(&lines);
        if ok && tally == Tally::default() {
            // A check with no test counts of its own (vectors current, bundle current...).
            tally.passed = 1;
        }
        if !ok {
            if tally.failed == 0 {
                tally.failed = 1;
            }
            failures.push(name.to_owned());
        }
        println!(
            "xtask: {name}: {} passed, {} failed",
            tally.passed, tally.failed
        );
        total.add(tally);
    };

    step(
        "golden vectors are current",
        cargo(&["xtask", "vectors", "--check"]),
        |_| Tally::default(),
    );
    let js = root().join("js-client");
    if js.join("package.json").exists() && !js.join("dist/mocks.js").exists() {
        // the switchboard CLI's app tests install `@switchboard/client` from js-client/
        let mut build = Command::new("npm");
        build.args(["run", "--silent", "build"]).current_dir(&js);
        step(
            "js client package is built (for apps made by `switchboard new`)",
            build,
            |_| Tally::default(),
        );
    }
    step(
        "rust tests",
        cargo(&["test", "--workspace", "--no-fail-fast"]),
        parse_cargo,
    );
    step(
        "fuzz smoke (every cargo-fuzz target, 30 s each)",
        cargo(&["xtask", "fuzz", "smoke"]),
        crate::fuzz::parse_smoke,
    );
    if js.join("package.json").exists() {
        let npm = |script: &str| {
            let mut cmd = Command::new("npm");
            cmd.args(["run", "--silent", script]).current_dir(&js);
            cmd
        };
        step(
            "js client tests (node + chromium)",
            npm("test"),
            parse_vitest,
        );
        step("js client type check", npm("typecheck"), |_| {
            Tally::default()
        });
        step(
            "committed client bundle is current",
            npm("check:bundle"),
            |_| Tally::default(),
        );
        step(
            "generated bindings are current and the examples' frontends type-check",
            cargo(&["xtask", "bindings", "--check"]),
            |_| Tally::default(),
        );
    }
    drop(display);

    println!();
    if !failures.is_empty() {
        println!("xtask: failing suites: {}", failures.join(", "));
    }
    println!("{} passed, {} failed", total.passed, total.failed);
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!("{} suite(s) failed", failures.len()))
    }
}

/// Sum cargo test's `test result: ok. 3 passed; 0 failed; ...` lines.
pub(crate) fn parse_cargo(lines: &[String]) -> Tally {
    let mut tally = Tally::default();
    for line in lines {
        if let Some(rest) = line.trim().strip_prefix("test result:") {
            tally.passed += count_before(rest, "passed");
            tally.failed += count_before(rest, "failed");
        }
    }
    tally
}

/// Sum vitest's `Tests  2 failed | 40 passed (42)` summary lines.
pub(crate) fn parse_vitest(lines: &[String]) -> Tally {
    let mut tally = Tally::default();
    for line in lines {
        let clean = strip_ansi(line);
        if let Some(rest) = clean.trim().strip_prefix("Tests ") {
            tally.passed += count_before(rest, "passed");
            tally.failed += count_before(rest, "failed");
        }
    }
    tally
}

/// The number written just before `word` (`"3 passed"` → 3), or 0.
fn count_before(text: &str, word: &str) -> u64 {
    let tokens: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == ';' || c == '|' || c == ',')
        .filter(|t| !t.is_empty())
        .collect();
    tokens
        .windows(2)
        .find(|w| w[1] == word)
        .and_then(|w| w[0].parse().ok())
        .unwrap_or(0)
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_owned).collect()
    }

    #[test]
    fn cargo_results_are_summed() {
        let out = lines(
            "test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out\n\
             running 3 tests\n\
             test result: FAILED. 2 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out",
        );
        assert_eq!(
            parse_cargo(&out),
            Tally {
                passed: 14,
                failed: 1
            }
        );
    }

    #[test]
    fn vitest_summary_is_read_through_colours() {
        let out = lines(
            " Test Files  1 failed | 3 passed (4)\n\x1b[2m      Tests \x1b[22m \x1b[1m\x1b[31m2 failed\x1b[39m\x1b[22m\x1b[2m | \x1b[22m\x1b[1m\x1b[32m40 passed\x1b[39m\x1b[22m (42)",
        );
        assert_eq!(
            parse_vitest(&out),
            Tally {
                passed: 40,
                failed: 2
            }
        );
    }
}
