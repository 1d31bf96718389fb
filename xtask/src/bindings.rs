//! `cargo xtask bindings [--check]`: regenerate each example's `bindings.ts` from its Rust code
//! and compile its TypeScript frontend against them.
//!
//! Each app writes its own bindings when run with `SWITCHBOARD_BINDINGS=<path>` (see
//! `switchboard::bindings`), so an app developer regenerates theirs the same way. With
//! `--check` nothing is written: the command fails when a committed `bindings.ts` or a compiled
//! `.js` file differs from a fresh one, or when a frontend no longer type-checks against the
//! Rust API (a type change in Rust that breaks the frontend fails here).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::run::{cargo, status};
use crate::{deps, root};

/// The apps with a TypeScript frontend: package, and the frontend's source folder (its
/// tsconfig's `outDir` is where the compiled files are committed).
const APPS: &[(&str, &str, &str)] = &[
    (
        "switchboard-example-hello",
        "examples/hello/frontend-src",
        "examples/hello/frontend",
    ),
    (
        "switchboard-example-notes",
        "examples/notes/frontend-src",
        "examples/notes/frontend",
    ),
];

/// `cargo xtask bindings --package <app> --out <path>`: any app's bindings, written where its
/// frontend wants them (the app must call `switchboard::bindings::requested()` in `main`).
pub(crate) fn one(package: &str, out: &Path) -> Result<(), String> {
    let out = if out.is_absolute() {
        out.to_owned()
    } else {
        std::env::current_dir()
            .map_err(|e| e.to_string())?
            .join(out)
    };
    let mut export = cargo(&["run", "--quiet", "-p", package]);
    export.env("SWITCHBOARD_BINDINGS", &out);
    status(&mut export)?;
    if !out.exists() {
        return Err(format!(
            "`{package}` wrote no bindings: call `switchboard::bindings::requested()` in its main (see switchboard::bindings)"
        ));
    }
    println!("xtask: wrote {}", out.display());
    Ok(())
}

pub(crate) fn run(check: bool) -> Result<(), String> {
    deps::js_packages()?;
    client_types()?;
    let scratch = root().join("target/xtask-bindings");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch)
        .map_err(|e| format!("creating {}: {e}", scratch.display()))?;
    let mut stale = Vec::new();
    for (package, src, out) in APPS {
        let (src, out) = (root().join(src), root().join(out));
        let committed = src.join("bindings.ts");
        let fresh = if check {
            scratch.join(format!("{package}.bindings.ts"))
        } else {
            committed.clone()
        };
        let mut export = cargo(&["run", "--quiet", "-p", package]);
        export.env("SWITCHBOARD_BINDINGS", &fresh);
        status(&mut export)?;
        if check && read(&fresh)? != read(&committed)? {
            stale.push(committed.display().to_string());
        }
        let mut tsc = Command::new(root().join("js-client/node_modules/.bin/tsc"));
        tsc.arg("-p").arg(&src);
        if check {
            // type-check the committed sources, and compare a fresh compile with the committed JS
            let emitted = scratch.join(package);
            tsc.arg("--outDir").arg(&emitted);
            status(&mut tsc)?;
            for js in js_files(&emitted)? {
                let name = js.file_name().map(PathBuf::from).unwrap_or_default();
                if read(&js)? != read(&out.join(&name)).unwrap_or_default() {
                    stale.push(out.join(name).display().to_string());
                }
            }
        } else {
            status(&mut tsc)?;
            println!(
                "xtask: wrote {} and compiled {} into {}",
                committed.display(),
                src.display(),
                out.display()
            );
        }
    }
    if stale.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "stale generated files (run `cargo xtask bindings` and commit): {}",
            stale.join(", ")
        ))
    }
}

/// The client's declaration files, which the frontends type-check against.
fn client_types() -> Result<(), String> {
    let dir = root().join("js-client");
    if dir.join("dist/index.d.ts").exists() {
        return Ok(());
    }
    status(
        Command::new("npm")
            .args(["run", "--silent", "build"])
            .current_dir(dir),
    )
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))
}

fn js_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("reading {}: {e}", dir.display()))?;
    Ok(entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "js"))
        .collect())
}
