//! Apps made by `switchboard new`, as a user makes them: they build, their own tests pass,
//! they open a real window (Xvfb when there is no display) whose page gets its first answer
//! from Rust; `switchboard build` packages them (the `.deb` installs here and runs);
//! `switchboard dev` restarts the app on a Rust change and leaves the page's hot reload to
//! the dev server. Every app builds into the workspace's target folder with the workspace's
//! Cargo.lock, so nothing is compiled twice; the tests run one at a time.

mod support;

use std::process::Command;

use support::{
    command, ok, run, self_check_line, serial, switchboard, App, Running, BUILD, NPM, START,
};

/// `cargo test`, `npm test` and `switchboard bindings --check` of a new app, then its
/// binary in a window to the first answered call.
fn check_new_app(app: &App, title: &str) {
    let cargo = support::ok(
        "cargo test (the app's Rust tests)",
        command("cargo", &app.dir).arg("test"),
        BUILD,
    );
    assert!(
        cargo.stdout.contains("test result: ok. 4 passed"),
        "{}",
        cargo.stdout
    );

    let npm = ok(
        "npm test (the app's frontend tests)",
        command("npm", &app.dir).arg("test"),
        NPM,
    );
    assert!(npm.stdout.contains("3 passed"), "{}", npm.stdout);

    ok(
        "switchboard bindings --check",
        &mut switchboard(&app.dir, &["bindings", "--check"]),
        BUILD,
    );

    let mut window = Running::start(
        &app.name,
        command(app.binary(), &app.dir).env("SWITCHBOARD_SELF_CHECK", "1"),
    );
    let expected = self_check_line(title);
    window.wait_for("the page's first answer from Rust", START, |l| {
        l == expected
    });
}

/// A mistake in switchboard.toml fails `cargo build` (the build script) with its place.
fn check_broken_config_fails_the_build(app: &App) {
    let original = std::fs::read_to_string(app.path("switchboard.toml")).unwrap();
    app.edit("switchboard.toml", "width = 800", "widht = 800");
    let out = run(
        "cargo build with a broken switchboard.toml",
        command("cargo", &app.dir).arg("build"),
        BUILD,
    );
    std::fs::write(app.path("switchboard.toml"), original).unwrap();
    assert!(!out.ok, "the build must fail");
    let line = app.path("switchboard.toml").display().to_string() + ":19:1: unknown field `widht`";
    assert!(
        out.stderr.contains(&line),
        "wanted `{line}` in:\n{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("`width`"),
        "the accepted keys are listed:\n{}",
        out.stderr
    );
}

#[test]
fn a_new_vanilla_ts_app_builds_passes_its_tests_and_answers_in_a_window() {
    let _serial = serial();
    let app = App::new("sb-vanilla", "vanilla-ts");
    for file in [
        "Cargo.toml",
        "Cargo.lock",
        "build.rs",
        "switchboard.toml",
        "switchboard.schema.json",
        "capabilities/main.toml",
        "src/lib.rs",
        "src/main.rs",
        "tests/app.rs",
        "frontend/index.html",
        "frontend/main.ts",
        "frontend/bindings.ts",
        "frontend/greeting.test.ts",
        "icons/icon.png",
        "README.md",
        "dist/index.html",
    ] {
        assert!(app.path(file).is_file(), "{file} is missing");
    }
    let readme = std::fs::read_to_string(app.path("README.md")).unwrap();
    assert!(readme.contains("not published yet"), "{readme}");
    check_new_app(&app, "Sb Vanilla");
    check_broken_config_fails_the_build(&app);

    // info: versions, the resolved config, the API with what grants each call
    let info = ok(
        "switchboard info",
        &mut switchboard(&app.dir, &["info"]),
        NPM,
    );
    for wanted in [
        "wry ",
        "WebKitGTK (webkit2gtk-4.1)",
        "identifier = \"com.example.sb-vanilla\"",
        "width = 800.0",
        "main-window (main.toml): windows [\"main\"]",
        "command  cmd:greet                        granted by main-window",
        "actor    counter.add                      granted by main-window",
    ] {
        assert!(
            info.stdout.contains(wanted),
            "`{wanted}` not in:\n{}",
            info.stdout
        );
    }
}

#[test]
fn a_new_react_ts_app_builds_passes_its_tests_and_answers_in_a_window() {
    let _serial = serial();
    let app = App::new("sb-react", "react-ts");
    assert!(app.path("frontend/App.tsx").is_file());
    let package = std::fs::read_to_string(app.path("package.json")).unwrap();
    assert!(package.contains("\"vite\": \"8.3.8\""), "{package}");
    check_new_app(&app, "Sb React");
}

/// `dpkg-deb -c` lines' paths (`./usr/bin/x`).
fn deb_paths(listing: &str) -> Vec<String> {
    listing
        .lines()
        .filter_map(|l| l.split_whitespace().last())
        .map(str::to_owned)
        .collect()
}

#[test]
fn build_packages_a_deb_that_installs_and_answers_plus_an_rpm_and_a_tarball() {
    let _serial = serial();
    let app = App::new("sb-bundle", "vanilla-ts");
    let out = ok(
        "switchboard build",
        &mut switchboard(&app.dir, &["build", "--debug"]),
        BUILD,
    );
    let bundle = support::target_dir().join("debug/bundle");
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    let deb = bundle.join(format!("deb/sb-bundle_0.1.0_{arch}.deb"));
    assert!(deb.is_file(), "no {}: {}", deb.display(), out.stderr);

    // the files, as dpkg sees them
    let listing = ok(
        "dpkg-deb -c",
        Command::new("dpkg-deb").arg("-c").arg(&deb),
        NPM,
    );
    let paths = deb_paths(&listing.stdout);
    let mut wanted = vec![
        "usr/bin/sb-bundle".to_owned(),
        "usr/share/applications/sb-bundle.desktop".to_owned(),
    ];
    for n in [16, 32, 48, 64, 128, 256, 512] {
        wanted.push(format!(
            "usr/share/icons/hicolor/{n}x{n}/apps/sb-bundle.png"
        ));
    }
    for path in &wanted {
        assert!(
            paths.contains(path),
            "{path} not in the .deb:\n{}",
            listing.stdout
        );
    }
    assert!(
        listing.stdout.contains("-rwxr-xr-x root/root"),
        "{}",
        listing.stdout
    );
    let info = ok(
        "dpkg-deb -I",
        Command::new("dpkg-deb").arg("-I").arg(&deb),
        NPM,
    );
    assert!(
        info.stdout
            .contains("Depends: libwebkit2gtk-4.1-0, libgtk-3-0"),
        "{}",
        info.stdout
    );
    let desktop = ok(
        "dpkg-deb --fsys-tarfile | tar -xO",
        Command::new("sh").arg("-c").arg(format!(
            "dpkg-deb --fsys-tarfile {} | tar -xO usr/share/applications/sb-bundle.desktop",
            deb.display()
        )),
        NPM,
    );
    assert!(
        desktop.stdout.contains("Exec=sb-bundle\n") && desktop.stdout.contains("Icon=sb-bundle\n"),
        "{}",
        desktop.stdout
    );
    assert!(
        desktop.stdout.contains("Categories=Utility;"),
        "{}",
        desktop.stdout
    );

    // the rpm and the tarball hold the same tree
    let rpm = bundle.join(format!(
        "rpm/sb-bundle-0.1.0-1.{}.rpm",
        std::env::consts::ARCH
    ));
    let package = rpm::Package::open(&rpm).unwrap_or_else(|e| panic!("{}: {e}", rpm.display()));
    let rpm_paths: Vec<String> = package
        .metadata
        .get_file_paths()
        .unwrap()
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    for path in &wanted {
        assert!(
            rpm_paths.contains(&format!("/{path}")),
            "{path} not in the rpm: {rpm_paths:?}"
        );
    }
    assert!(package
        .metadata
        .get_requires()
        .unwrap()
        .iter()
        .any(|d| d.name == "webkit2gtk4.1"));
    let tarball = bundle.join(format!("tar.gz/sb-bundle-0.1.0-linux-{arch}.tar.gz"));
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(
        std::fs::File::open(&tarball).unwrap(),
    ));
    let tar_paths: Vec<String> = archive
        .entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().display().to_string())
        .collect();
    assert!(
        tar_paths.contains(&"sb-bundle-0.1.0/usr/bin/sb-bundle".to_owned()),
        "{tar_paths:?}"
    );

    // installed on this machine, it starts and answers
    if !is_root() {
        eprintln!("not root: the .deb is not installed (dpkg -i needs root)");
        return;
    }
    let _ = Command::new("dpkg").args(["-r", "sb-bundle"]).output();
    ok("dpkg -i", Command::new("dpkg").arg("-i").arg(&deb), NPM);
    let removed = Removal;
    let mut installed = Running::start(
        "/usr/bin/sb-bundle",
        command("/usr/bin/sb-bundle", std::path::Path::new("/")).env("SWITCHBOARD_SELF_CHECK", "1"),
    );
    let expected = self_check_line("Sb Bundle");
    installed.wait_for("the installed app's first answer", START, |l| l == expected);
    drop(installed);
    drop(removed);
    assert!(
        !std::path::Path::new("/usr/bin/sb-bundle").exists(),
        "dpkg -r left the binary"
    );
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Removes the test package, whatever happens to the test.
struct Removal;

impl Drop for Removal {
    fn drop(&mut self) {
        let _ = Command::new("dpkg").args(["-r", "sb-bundle"]).output();
    }
}

#[test]
fn dev_restarts_on_a_rust_change_keeps_the_old_app_on_a_broken_one_and_leaves_the_page_hot() {
    let _serial = serial();
    let app = App::new("sb-dev", "vanilla-ts");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap();
    app.edit(
        "switchboard.toml",
        "http://localhost:5173",
        &format!("http://localhost:{port}"),
    );
    app.edit(
        "switchboard.toml",
        "before_dev = \"npm run dev\"",
        &format!("before_dev = \"npm run dev -- --port {port}\""),
    );
    let mut dev = Running::start(
        "switchboard dev",
        switchboard(&app.dir, &["dev"]).env("SWITCHBOARD_SELF_CHECK", "1"),
    );
    let first = self_check_line("Sb Dev");
    dev.wait_for("the app on the dev server", BUILD, |l| l == first);
    let pid_line = dev
        .seen
        .iter()
        .rev()
        .find(|(_, l)| l.contains("Running sb-dev (pid"))
        .cloned()
        .unwrap();

    // a broken Rust change: the error is printed, the app stays up, the watcher goes on
    app.edit("src/lib.rs", "Ok(format!(", "Ok(formt!(");
    dev.wait_for("the build error", BUILD, |l| {
        l.contains("build failed, the running app stays up")
    });
    assert!(dev.alive(), "switchboard dev stopped on a build error");
    let pid: u32 = pid_line
        .1
        .split("(pid ")
        .nth(1)
        .unwrap()
        .trim_end_matches(')')
        .parse()
        .unwrap();
    assert!(
        std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "the old app was stopped"
    );

    // fixed, with new behaviour: rebuilt, restarted, the page shows the new answer
    app.edit(
        "src/lib.rs",
        "Ok(formt!(\"Hello, {name}! Greetings from Rust.\")",
        "Ok(format!(\"Hello, {name}! Greetings from the rebuilt Rust.\")",
    );
    let second = "self-check: Hello, Switchboard! Greetings from the rebuilt Rust. | Sb Dev";
    dev.wait_for("the restarted app's new answer", BUILD, |l| l == second);
    let restarts = dev
        .seen
        .iter()
        .filter(|(_, l)| l.contains("Restarting"))
        .count();
    assert_eq!(restarts, 1, "{}", dev.transcript());

    // a frontend change: the dev server reloads the page, the app is not restarted
    app.edit(
        "frontend/index.html",
        "<title>Sb Dev</title>",
        "<title>Sb Dev, edited</title>",
    );
    let third = "self-check: Hello, Switchboard! Greetings from the rebuilt Rust. | Sb Dev, edited";
    dev.wait_for("the page reloaded by the dev server", START, |l| l == third);
    let restarts = dev
        .seen
        .iter()
        .filter(|(_, l)| l.contains("Restarting"))
        .count();
    assert_eq!(
        restarts,
        1,
        "the app was restarted for a frontend change:\n{}",
        dev.transcript()
    );
    assert!(dev.alive());
}
