//! `switchboard doctor`: is everything an app needs here? WebKitGTK and GTK (to build and
//! run), Rust, Node and npm (the frontend), Xvfb (headless runs). Each missing piece is
//! listed with the exact command that installs it.

use std::process::Command;

use crate::failure::{Failure, Result};
use crate::ui;

/// One thing checked.
struct Check {
    what: &'static str,
    /// What was found (a version), or `None` when missing.
    found: Option<String>,
    /// Why it matters.
    why: &'static str,
    /// The command that fixes it.
    fix: String,
    /// Whether apps cannot be built or run without it.
    required: bool,
}

fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .filter(|s| !s.is_empty())
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

fn root() -> bool {
    output("id", &["-u"]).as_deref() == Some("0")
}

/// `apt-get install` (or dnf's) of `packages`, with `sudo` when not root.
fn install(apt: &[&str], dnf: &[&str]) -> String {
    let sudo = if root() { "" } else { "sudo " };
    if !on_path("apt-get") && on_path("dnf") {
        format!("{sudo}dnf install -y {}", dnf.join(" "))
    } else {
        format!("{sudo}apt-get install -y {}", apt.join(" "))
    }
}

fn pkg_config(module: &str) -> Option<String> {
    output("pkg-config", &["--modversion", module])
}

/// `(major, minor)` of a version like `v20.19.1` or `rustc 1.88.0 (...)`.
fn major_minor(text: &str) -> Option<(u32, u32)> {
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let mut parts = text[start..].split(|c: char| !c.is_ascii_digit());
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

fn checks() -> Vec<Check> {
    let rustc = output("rustc", &["--version"]);
    let rust_ok = rustc
        .as_deref()
        .and_then(major_minor)
        .is_some_and(|v| v >= (1, 88));
    let node = output("node", &["--version"]);
    let node_ok = node
        .as_deref()
        .and_then(major_minor)
        .is_some_and(|v| v >= (20, 19));
    vec![
        Check {
            what: "Rust",
            found: rustc.clone().filter(|_| rust_ok),
            why: "builds the app (1.88 or newer)",
            fix: if rustc.is_some() && on_path("rustup") {
                "rustup update stable".to_owned()
            } else {
                "curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y".to_owned()
            },
            required: true,
        },
        Check {
            what: "pkg-config",
            found: output("pkg-config", &["--version"]),
            why: "finds the system libraries when building",
            fix: install(&["pkg-config"], &["pkgconf-pkg-config"]),
            required: true,
        },
        Check {
            what: "WebKitGTK 4.1",
            found: pkg_config("webkit2gtk-4.1"),
            why: "the webview (headers and libraries to build against)",
            fix: install(&["libwebkit2gtk-4.1-dev"], &["webkit2gtk4.1-devel"]),
            required: true,
        },
        Check {
            what: "GTK 3",
            found: pkg_config("gtk+-3.0"),
            why: "the windows",
            fix: install(&["libgtk-3-dev"], &["gtk3-devel"]),
            required: true,
        },
        Check {
            what: "libxdo",
            found: (std::path::Path::new("/usr/include/xdo.h").is_file())
                .then(|| "present".to_owned()),
            why: "keyboard and menu support of the window toolkit",
            fix: install(&["libxdo-dev"], &["libxdo-devel"]),
            required: true,
        },
        Check {
            what: "Node.js",
            found: node.clone().filter(|_| node_ok),
            why: "builds and serves the frontend (20.19 or newer)",
            fix: if on_path("apt-get") {
                format!(
                    "curl -fsSL https://deb.nodesource.com/setup_20.x | {}bash - && {}",
                    if root() { "" } else { "sudo -E " },
                    install(&["nodejs"], &["nodejs"])
                )
            } else {
                install(&["nodejs", "npm"], &["nodejs", "npm"])
            },
            required: true,
        },
        Check {
            what: "npm",
            found: output("npm", &["--version"]),
            why: "installs the frontend's packages",
            fix: install(&["npm"], &["npm"]),
            required: true,
        },
        Check {
            what: "Xvfb",
            found: on_path("Xvfb").then(|| "present".to_owned()),
            why: "runs apps without a screen (CI, tests over ssh)",
            fix: install(
                &["xvfb", "xauth"],
                &["xorg-x11-server-Xvfb", "xorg-x11-xauth"],
            ),
            required: false,
        },
        Check {
            what: "WebKitWebDriver",
            found: on_path("WebKitWebDriver").then(|| "present".to_owned()),
            why: "drives a real window in end-to-end tests",
            fix: install(&["webkit2gtk-driver"], &["webkit2gtk4.1"]),
            required: false,
        },
    ]
}

pub(crate) fn run() -> Result<()> {
    let checks = checks();
    let mut fixes = Vec::new();
    let mut missing_required = 0;
    for check in &checks {
        match &check.found {
            Some(version) => eprintln!("  ok       {:<16} {version}", check.what),
            None => {
                let label = if check.required {
                    "missing "
                } else {
                    "optional"
                };
                eprintln!(
                    "  {label} {:<16} {}: {}",
                    check.what,
                    check.why,
                    ui::bold(&check.fix)
                );
                if check.required {
                    missing_required += 1;
                }
                if !fixes.contains(&check.fix) {
                    fixes.push(check.fix.clone());
                }
            }
        }
    }
    match std::env::var("DISPLAY") {
        Ok(d) if !d.is_empty() => eprintln!("  ok       {:<16} DISPLAY={d}", "display"),
        _ => eprintln!(
            "  note     {:<16} no DISPLAY: run apps under Xvfb, e.g. `xvfb-run -a switchboard dev`",
            "display"
        ),
    }
    if missing_required == 0 {
        ui::step("Ready", "everything an app needs is here");
        return Ok(());
    }
    Err(
        Failure::new(format!("{missing_required} thing(s) apps need are missing"))
            .next(format!("run: {}", fixes.join(" && "))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_from_tool_output() {
        assert_eq!(major_minor("v20.19.1"), Some((20, 19)));
        assert_eq!(
            major_minor("rustc 1.88.0 (6b00bc388 2025-06-23)"),
            Some((1, 88))
        );
        assert_eq!(major_minor("none"), None);
    }
}
