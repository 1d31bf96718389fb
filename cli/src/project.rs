//! The app being worked on: its folder (where `switchboard.toml` is), its config, and what
//! cargo says about it (the binary, the target folder), and building it with cargo.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use switchboard_config::{Config, CONFIG_FILE};

use crate::failure::{Context, Failure, Result};
use crate::ui;

/// An app folder with a valid `switchboard.toml`.
pub(crate) struct Project {
    pub(crate) root: PathBuf,
    pub(crate) config: Config,
    /// The Cargo package's name and version.
    pub(crate) package: String,
    pub(crate) cargo_version: String,
    /// The binary cargo builds for the app.
    pub(crate) bin: String,
    pub(crate) target_dir: PathBuf,
}

/// Cargo's profile for a build.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Profile {
    Debug,
    Release,
}

impl Profile {
    pub(crate) fn dir(self) -> &'static str {
        match self {
            Profile::Debug => "debug",
            Profile::Release => "release",
        }
    }
}

/// The folder holding `switchboard.toml`: `start` or the nearest parent that has one.
pub(crate) fn find_root(start: &Path) -> Result<PathBuf> {
    let start = start
        .canonicalize()
        .context(|| format!("cannot open {}", start.display()))?;
    start
        .ancestors()
        .find(|dir| dir.join(CONFIG_FILE).is_file())
        .map(Path::to_path_buf)
        .ok_or_else(|| {
            Failure::new(format!(
                "no {CONFIG_FILE} in {} or any folder above it",
                start.display()
            ))
            .next(
                "run the command inside an app's folder, or make one with `switchboard new <name>`",
            )
        })
}

impl Project {
    /// Open the app at or above `start`: read its config, ask cargo about its package.
    pub(crate) fn open(start: &Path) -> Result<Project> {
        let root = find_root(start)?;
        let config = Config::load(&root.join(CONFIG_FILE))?;
        let meta = cargo_metadata(&root)?;
        let manifest = root.join("Cargo.toml");
        let package = meta["packages"]
            .as_array()
            .and_then(|ps| {
                ps.iter().find(|p| {
                    p["manifest_path"]
                        .as_str()
                        .is_some_and(|m| Path::new(m) == manifest)
                })
            })
            .ok_or_else(|| {
                Failure::new(format!("{} has no Cargo package", root.display()))
                    .next(format!("put the app's Cargo.toml beside its {CONFIG_FILE}"))
            })?;
        let bins: Vec<&str> = package["targets"]
            .as_array()
            .map(|ts| {
                ts.iter()
                    .filter(|t| {
                        t["kind"]
                            .as_array()
                            .is_some_and(|k| k.iter().any(|k| k == "bin"))
                    })
                    .filter_map(|t| t["name"].as_str())
                    .collect()
            })
            .unwrap_or_default();
        let name = config.name.get_ref().as_str();
        let bin = bins
            .iter()
            .find(|b| **b == name)
            .or(bins.first())
            .ok_or_else(|| {
                Failure::new(format!("the package in {} has no binary", root.display()))
                    .next("add src/main.rs (see `switchboard new` for one)")
            })?
            .to_string();
        Ok(Project {
            config,
            package: package["name"].as_str().unwrap_or_default().to_owned(),
            cargo_version: package["version"].as_str().unwrap_or_default().to_owned(),
            bin,
            target_dir: PathBuf::from(meta["target_directory"].as_str().unwrap_or("target")),
            root,
        })
    }

    pub(crate) fn version(&self) -> &str {
        self.config.version_or(&self.cargo_version)
    }

    pub(crate) fn binary(&self, profile: Profile) -> PathBuf {
        self.target_dir.join(profile.dir()).join(&self.bin)
    }

    pub(crate) fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// `cargo build` of the app's binary with a spinner naming the crate being compiled;
    /// compiler messages are printed as they come. Errors when the build fails.
    pub(crate) fn cargo_build(&self, profile: Profile) -> Result<PathBuf> {
        let mut cmd = Command::new(cargo());
        cmd.args([
            "build",
            "--bin",
            &self.bin,
            "--message-format=json-render-diagnostics",
        ])
        .current_dir(&self.root);
        if profile == Profile::Release {
            cmd.arg("--release");
        }
        let what = format!("{} ({})", self.package, profile.dir());
        let long = ui::Long::start("Compiling", &what);
        let ok = run_cargo(&mut cmd, &long)?;
        if !ok {
            long.abandon();
            return Err(
                Failure::new(format!("cargo could not build {}", self.package))
                    .next("fix the errors above and run the command again"),
            );
        }
        long.finish();
        Ok(self.binary(profile))
    }
}

/// The cargo to run: `$CARGO` when cargo started us, else `cargo` on the PATH.
pub(crate) fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

fn cargo_metadata(root: &Path) -> Result<serde_json::Value> {
    let out = Command::new(cargo())
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(root)
        .stderr(Stdio::piped())
        .output()
        .context(|| "cannot run cargo".to_owned())
        .map_err(|f| {
            f.next("install Rust with rustup (https://rustup.rs), then run `switchboard doctor`")
        })?;
    if !out.status.success() {
        return Err(Failure::new(format!(
            "cargo cannot read {}: {}",
            root.join("Cargo.toml").display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
        .next("fix Cargo.toml and run the command again"));
    }
    serde_json::from_slice(&out.stdout).context(|| "cargo metadata".to_owned())
}

/// Run a cargo command with JSON messages: crate names go to the spinner, rendered
/// diagnostics and other lines are printed. Whether it succeeded.
pub(crate) fn run_cargo(cmd: &mut Command, long: &ui::Long) -> Result<bool> {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context(|| "cannot run cargo".to_owned())?;
    let stderr = child.stderr.take();
    let stdout = child.stdout.take();
    std::thread::scope(|s| {
        if let Some(stdout) = stdout {
            s.spawn(move || {
                for line in BufReader::new(stdout)
                    .lines()
                    .map_while(std::result::Result::ok)
                {
                    if let Ok(msg) = serde_json::from_str::<serde_json::Value>(&line) {
                        if msg["reason"] == "compiler-artifact" {
                            if let Some(name) = msg["target"]["name"].as_str() {
                                long.detail(name);
                            }
                        }
                    }
                }
            });
        }
        if let Some(stderr) = stderr {
            for line in BufReader::new(stderr)
                .lines()
                .map_while(std::result::Result::ok)
            {
                let trimmed = line.trim_start();
                if trimmed.starts_with("Compiling ") || trimmed.starts_with("Fresh ") {
                    continue;
                }
                long.println(&line);
            }
        }
    });
    let status = child.wait().context(|| "waiting for cargo".to_owned())?;
    Ok(status.success())
}

/// `sh -c <command>` in `dir`, inheriting the terminal; fails with the command's name.
pub(crate) fn shell(command: &str, dir: &Path, what: &str) -> Result<()> {
    ui::step("Running", &format!("{what}: {}", ui::bold(command)));
    let status = Command::new("sh")
        .args(["-c", command])
        .current_dir(dir)
        .status()
        .context(|| format!("cannot run `{command}`"))?;
    if status.success() {
        Ok(())
    } else {
        Err(
            Failure::new(format!("`{command}` ({what}) failed: {status}")).next(format!(
                "run `{command}` in {} to see why, fix it, then try again",
                dir.display()
            )),
        )
    }
}
