//! Installing what the demo and the tests need on a fresh Debian machine.
//!
//! System packages come from `apt-get` (directly as root, through `sudo` otherwise); the JS
//! client's packages come from `npm ci` against its committed lock file. Everything is
//! checked first and only what is missing is installed, with a line saying what and why.

use std::process::Command;

use crate::root;
use crate::run::{have, status};

/// What a command needs installed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Need {
    /// Building and showing the demo app.
    Demo,
    /// The whole test suite.
    Test,
}

/// Packages the webview runtime needs to build and to run headless.
const WEBVIEW_PACKAGES: &[&str] = &[
    "pkg-config",
    "libwebkit2gtk-4.1-dev",
    "libgtk-3-dev",
    "libxdo-dev",
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    // `import` takes the demo's screenshot.
    "imagemagick",
    // A font, so pages render text on a machine installed without recommends.
    "fonts-dejavu-core",
    // plugins/tray: tray-icon loads libayatana-appindicator at run time.
    "libayatana-appindicator3-dev",
];

/// Extra packages for the tests: headless Chromium for the JS client's browser tests,
/// Node.js and npm when the machine has none.
const TEST_PACKAGES: &[&str] = &[
    "chromium",
    // the desktop plugins' real tests: keys and clicks sent to the X server, another
    // clipboard client, a private D-Bus session for the notification server
    "xdotool", "xclip", "dbus",
    // `switchboard build` strips the binaries it packages (its tests run it)
    "binutils", // the fuzz smoke: cargo-fuzz builds libFuzzer (C++)
    "g++",
];

/// Install whatever is missing for `need`.
pub(crate) fn ensure(need: Need) -> Result<(), String> {
    let mut wanted: Vec<&str> = WEBVIEW_PACKAGES.to_vec();
    if need == Need::Test {
        wanted.extend_from_slice(TEST_PACKAGES);
        if !have("node") || !have("npm") {
            wanted.extend_from_slice(&["nodejs", "npm"]);
        }
    }
    let missing: Vec<&str> = wanted.into_iter().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        println!("xtask: system packages present");
    } else {
        apt_install(&missing)?;
    }
    if need == Need::Test {
        js_packages()?;
        crate::fuzz::ensure_cargo_fuzz()?;
    }
    Ok(())
}

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn apt_install(packages: &[&str]) -> Result<(), String> {
    println!(
        "xtask: installing missing system packages with apt-get: {}",
        packages.join(" ")
    );
    let sudo = !is_root();
    if sudo && !have("sudo") {
        return Err(format!(
            "not root and no sudo: install these packages yourself: apt-get install {}",
            packages.join(" ")
        ));
    }
    let apt = |args: &[&str]| {
        let mut cmd = if sudo {
            let mut c = Command::new("sudo");
            c.arg("apt-get");
            c
        } else {
            Command::new("apt-get")
        };
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    status(&mut apt(&["update", "-qq"]))?;
    let mut install = apt(&["install", "-y", "-qq", "--no-install-recommends"]);
    install.args(packages);
    status(&mut install)
}

/// `npm ci` in js-client when its `node_modules` is missing or older than its lock file.
pub(crate) fn js_packages() -> Result<(), String> {
    let dir = root().join("js-client");
    let lock = dir.join("package-lock.json");
    if !lock.exists() {
        return Ok(());
    }
    let stamp = dir.join("node_modules/.package-lock.json");
    let fresh = match (stamp.metadata(), lock.metadata()) {
        (Ok(s), Ok(l)) => match (s.modified(), l.modified()) {
            (Ok(s), Ok(l)) => s >= l,
            _ => false,
        },
        _ => false,
    };
    if fresh {
        println!("xtask: js-client npm packages present");
        return Ok(());
    }
    println!("xtask: installing the JS client's npm packages (npm ci)");
    status(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir),
    )
}
