//! What the app tests stand on: the `switchboard` binary, the workspace's target folder
//! (shared with every app the tests make, so nothing is compiled twice), a display (the
//! caller's or a private Xvfb), and processes with a deadline on every step: a hang fails
//! the test with what the process printed, it never stalls CI.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

pub const SWITCHBOARD: &str = env!("CARGO_BIN_EXE_switchboard");

/// A cold build of an app (every dependency compiled) on a 2-core machine takes minutes.
pub const BUILD: Duration = Duration::from_secs(20 * 60);
/// npm install, vite build, vitest.
pub const NPM: Duration = Duration::from_secs(5 * 60);
/// From starting an app to its first answered call.
pub const START: Duration = Duration::from_secs(90);

/// The Switchboard checkout (the workspace root).
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("cli/ is inside the workspace")
        .to_path_buf()
}

/// The workspace's target folder: `CARGO_TARGET_DIR`, else the parent of the tests' tmp
/// folder (`<target>/tmp`).
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                workspace().join(dir)
            }
        }
        _ => Path::new(env!("CARGO_TARGET_TMPDIR"))
            .parent()
            .expect("the tmp folder is inside the target folder")
            .to_path_buf(),
    }
}

/// Tests that build apps run one at a time (2 cores, one target folder).
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// A command set up like the user's shell, with the shared target folder.
pub fn command(program: impl AsRef<std::ffi::OsStr>, dir: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .env("NO_COLOR", "1")
        .env("DISPLAY", display())
        .env_remove("SWITCHBOARD_DEV_URL")
        .stdin(Stdio::null());
    cmd
}

/// `switchboard <args>` in `dir`.
pub fn switchboard(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = command(SWITCHBOARD, dir);
    cmd.args(args);
    cmd
}

/// What a finished process printed.
pub struct Output {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Run to the end within `timeout`; panics (with the output) on a timeout.
pub fn run(what: &str, cmd: &mut Command, timeout: Duration) -> Output {
    let started = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    let read = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = r.read_to_string(&mut text);
            text
        })
    };
    let out = read(Box::new(child.stdout.take().expect("piped")));
    let err = read(Box::new(child.stderr.take().expect("piped")));
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting") {
            break Some(status);
        }
        if started.elapsed() > timeout {
            kill_tree(child.id());
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = Output {
        ok: status.is_some_and(|s| s.success()),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    };
    eprintln!("[{what}: {:.1}s]", started.elapsed().as_secs_f64());
    if status.is_none() {
        panic!(
            "{what}: no end within {}s\n--- stdout\n{}\n--- stderr\n{}",
            timeout.as_secs(),
            output.stdout,
            output.stderr
        );
    }
    output
}

/// Run and require success.
pub fn ok(what: &str, cmd: &mut Command, timeout: Duration) -> Output {
    let output = run(what, cmd, timeout);
    assert!(
        output.ok,
        "{what} failed\n--- stdout\n{}\n--- stderr\n{}",
        output.stdout, output.stderr
    );
    output
}

/// Kill a process and everything it started (by walking /proc).
pub fn kill_tree(pid: u32) {
    for child in children(pid) {
        kill_tree(child);
    }
    let _ = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status();
}

fn children(pid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|p| {
            std::fs::read_to_string(format!("/proc/{p}/stat"))
                .ok()
                .and_then(|s| {
                    let after = s.rsplit_once(')')?.1.to_owned();
                    after.split_whitespace().nth(1)?.parse::<u32>().ok()
                })
                == Some(pid)
        })
        .collect()
}

/// A running process whose output lines are read as they come; killed (with what it
/// started) when dropped.
pub struct Running {
    pub child: Child,
    lines: Receiver<(bool, String)>,
    /// Everything printed so far: (from stderr, line).
    pub seen: Vec<(bool, String)>,
    what: String,
}

impl Running {
    pub fn start(what: &str, cmd: &mut Command) -> Running {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
        let (tx, lines) = channel();
        for (is_err, stream) in [
            (
                false,
                Box::new(child.stdout.take().expect("piped")) as Box<dyn Read + Send>,
            ),
            (true, Box::new(child.stderr.take().expect("piped"))),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if tx.send((is_err, line)).is_err() {
                        break;
                    }
                }
            });
        }
        Running {
            child,
            lines,
            seen: Vec::new(),
            what: what.to_owned(),
        }
    }

    /// Wait for a line `pred` accepts; panics with everything printed on a timeout.
    pub fn wait_for(
        &mut self,
        what: &str,
        timeout: Duration,
        pred: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + timeout;
        let started = Instant::now();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self
                .lines
                .recv_timeout(left.min(Duration::from_millis(200)))
            {
                Ok((is_err, line)) => {
                    self.seen.push((is_err, line.clone()));
                    if pred(&line) {
                        eprintln!(
                            "[{}: {what} after {:.1}s]",
                            self.what,
                            started.elapsed().as_secs_f64()
                        );
                        return line;
                    }
                }
                Err(_) if Instant::now() >= deadline => {
                    panic!(
                        "{}: {what}: not seen within {}s; it printed:\n{}",
                        self.what,
                        timeout.as_secs(),
                        self.transcript()
                    );
                }
                Err(_) => {
                    if let Ok(Some(status)) = self.child.try_wait() {
                        // drain what is left
                        while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(200)) {
                            self.seen.push(line);
                        }
                        if let Some((_, line)) = self.seen.iter().find(|(_, l)| pred(l)) {
                            return line.clone();
                        }
                        panic!(
                            "{}: {what}: the process ended ({status}); it printed:\n{}",
                            self.what,
                            self.transcript()
                        );
                    }
                }
            }
        }
    }

    /// Lines printed since, without waiting for more than `quiet`.
    pub fn drain(&mut self, quiet: Duration) -> Vec<String> {
        let mut out = Vec::new();
        while let Ok((is_err, line)) = self.lines.recv_timeout(quiet) {
            self.seen.push((is_err, line.clone()));
            out.push(line);
        }
        out
    }

    pub fn transcript(&self) -> String {
        self.seen
            .iter()
            .map(|(e, l)| format!("{} {l}", if *e { "err|" } else { "out|" }))
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        kill_tree(self.child.id());
        let _ = self.child.wait();
    }
}

/// The display: `$DISPLAY`, else a private Xvfb started once for this test binary (a
/// watchdog shell stops it when the test process is gone).
pub fn display() -> String {
    static DISPLAY: OnceLock<String> = OnceLock::new();
    DISPLAY
        .get_or_init(|| {
            if let Ok(name) = std::env::var("DISPLAY") {
                if !name.is_empty() {
                    return name;
                }
            }
            for n in 120..220 {
                if Path::new(&format!("/tmp/.X{n}-lock")).exists()
                    || Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                {
                    continue;
                }
                #[allow(clippy::zombie_processes)]
                let _watchdog = Command::new("sh")
                    .arg("-c")
                    .arg(format!(
                        "Xvfb :{n} -screen 0 1280x1024x24 -nolisten tcp >/dev/null 2>&1 & x=$!; \
                         while kill -0 {parent} 2>/dev/null && kill -0 $x 2>/dev/null; do sleep 0.5; done; \
                         kill $x 2>/dev/null",
                        parent = std::process::id()
                    ))
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap_or_else(|e| panic!("starting Xvfb (`switchboard doctor` says how to install it): {e}"));
                let socket = format!("/tmp/.X11-unix/X{n}");
                let deadline = Instant::now() + Duration::from_secs(10);
                while Instant::now() < deadline {
                    if Path::new(&socket).exists() {
                        return format!(":{n}");
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
                panic!("Xvfb :{n} did not come up within 10 s");
            }
            panic!("no free X display number between :120 and :219");
        })
        .clone()
}

/// A new app made by `switchboard new` in a fresh temporary folder (removed when dropped).
pub struct App {
    pub tmp: tempfile::TempDir,
    pub dir: PathBuf,
    pub name: String,
}

impl App {
    pub fn new(name: &str, template: &str) -> App {
        let tmp = tempfile::Builder::new()
            .prefix("switchboard-cli-test")
            .tempdir()
            .expect("a temp dir");
        let out = ok(
            &format!("switchboard new {name} --template {template}"),
            switchboard(
                tmp.path(),
                &["new", name, "--template", template, "--switchboard-path"],
            )
            .arg(workspace()),
            NPM * 2,
        );
        assert!(out.stderr.contains("is ready"), "{}", out.stderr);
        App {
            dir: tmp.path().join(name),
            tmp,
            name: name.to_owned(),
        }
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.join(relative)
    }

    pub fn edit(&self, relative: &str, from: &str, to: &str) {
        let path = self.path(relative);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(text.contains(from), "{relative} has no `{from}`");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }

    /// The debug binary cargo builds for the app.
    pub fn binary(&self) -> PathBuf {
        target_dir().join("debug").join(&self.name)
    }
}

/// The line the app prints once its page has greeted through Rust (src/self_check.rs).
pub fn self_check_line(title: &str) -> String {
    format!("self-check: Hello, Switchboard! Greetings from Rust. | {title}")
}
