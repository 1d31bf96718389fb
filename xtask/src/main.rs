//! The project's commands, run as `cargo xtask <command>` (the alias is in `.cargo/config.toml`).
//!
//! | command | what it does |
//! |---|---|
//! | `demo` | installs what the demo needs, runs `examples/hello` (under Xvfb with a screenshot when there is no display) |
//! | `test` | installs what the tests need, then runs every Rust and JS test, the webview end-to-end tests included |
//! | `deps` | only the installs (system packages, the JS client's npm packages) |
//! | `fuzz smoke [--seconds N]` / `fuzz <target> [--minutes N]` | builds the cargo-fuzz targets and runs each briefly (a suite of `test`), or one target long (see `fuzz/README.md`) |
//! | `bench` | the micro-benchmarks (codec, bus) and, when present, the end-to-end benchmark |
//! | `vectors [--check]` | regenerates the protocol's golden vectors, or checks the committed ones are current |
//! | `bindings [--check]` | regenerates the examples' TypeScript bindings from their Rust code and compiles their frontends, or checks both are current and type-check; `--package <app> --out <path>` writes any app's bindings |
//!
//! It uses only the standard library so that it builds in seconds on a fresh machine.

mod bench;
mod bindings;
mod demo;
mod deps;
mod display;
mod fuzz;
mod run;
mod soak;
mod test;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str =
    "usage: cargo xtask <demo | test | deps | bench [e2e | micro] | fuzz <smoke | target [--minutes N]> | soak [--minutes N] [--flood N] | vectors [--check] | bindings [--check | --package <app> --out <path>]>";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("demo") => demo::run(),
        Some("test") => test::run(),
        Some("deps") => deps::ensure(deps::Need::Test),
        Some("bench") => bench::run(args.get(1).map(String::as_str)),
        Some("soak") => soak::run(&args),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("vectors") => vectors(args.iter().any(|a| a == "--check")),
        Some("bindings") => match (flag(&args, "--package"), flag(&args, "--out")) {
            (Some(package), Some(out)) => bindings::one(&package, std::path::Path::new(&out)),
            (None, None) => bindings::run(args.iter().any(|a| a == "--check")),
            _ => Err("bindings: give both --package <app> and --out <path>, or neither".into()),
        },
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The value after `name` in the arguments.
fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// The whole number after `name` in `args`, if it is there (`--minutes 10`).
fn number(args: &[String], name: &str) -> Result<Option<u64>, String> {
    flag(args, name)
        .map(|v| {
            v.parse()
                .map_err(|_| format!("{name} takes a whole number, not `{v}`"))
        })
        .transpose()
}

/// The workspace root (the parent of this crate's folder).
pub(crate) fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

fn vectors(check: bool) -> Result<(), String> {
    let mut cmd = run::cargo(&[
        "run",
        "--quiet",
        "-p",
        "switchboard-protocol",
        "--example",
        "vectors",
    ]);
    if check {
        cmd.args(["--", "--check"]);
    }
    run::status(&mut cmd)
}
