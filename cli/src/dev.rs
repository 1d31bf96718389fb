//! `switchboard dev`: `before_dev` (the dev server) is started and waited for, the app is
//! built and opened on `frontend.dev_url`, and the Rust side is watched: a change (debounced,
//! `.gitignore` honoured) rebuilds, regenerates the bindings and restarts the app. A failed
//! build is printed and the running app stays up; the page's own hot reload is the dev
//! server's, untouched.

use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use notify::{RecursiveMode, Watcher};

use crate::bindings;
use crate::failure::{Context, Failure, Result};
use crate::project::{Profile, Project};
use crate::ui;

/// Quiet time after the last change before rebuilding.
const DEBOUNCE: Duration = Duration::from_millis(300);
/// How long the dev server may take to answer.
const SERVER_WAIT: Duration = Duration::from_secs(120);

/// A child in a process group of its own (the dev server: `sh`, `npm`, `node`...), ended
/// as a group.
struct Group(Child);

impl Group {
    fn spawn(command: &str, dir: &Path) -> Result<Group> {
        use std::os::unix::process::CommandExt;
        Command::new("sh")
            .args(["-c", command])
            .current_dir(dir)
            .process_group(0)
            .spawn()
            .map(Group)
            .context(|| format!("cannot start `{command}`"))
    }

    fn stop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &format!("-{}", self.0.id())])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = Command::new("kill")
            .args(["-KILL", &format!("-{}", self.0.id())])
            .status();
        let _ = self.0.wait();
    }
}

/// The running app.
struct App {
    child: Child,
}

impl App {
    fn start(binary: &Path, project: &Project, dev_url: Option<&str>) -> Result<App> {
        let mut cmd = Command::new(binary);
        cmd.current_dir(&project.root);
        if let Some(url) = dev_url {
            cmd.env("SWITCHBOARD_DEV_URL", url);
        }
        let child = cmd
            .spawn()
            .context(|| format!("cannot start {}", binary.display()))?;
        ui::step("Running", &format!("{} (pid {})", project.bin, child.id()));
        Ok(App { child })
    }

    fn stop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Which changed files are the Rust side's: `.rs` files, `Cargo.toml`, `build.rs`,
/// `switchboard.toml` and the capability files, outside what `.gitignore` ignores.
struct Filter {
    root: PathBuf,
    ignore: Gitignore,
    capabilities: PathBuf,
}

impl Filter {
    fn new(project: &Project) -> Filter {
        let mut builder = GitignoreBuilder::new(&project.root);
        let _ = builder.add(project.root.join(".gitignore"));
        for always in ["/target", "/node_modules", "/.git"] {
            let _ = builder.add_line(None, always);
        }
        let ignore = builder.build().unwrap_or_else(|_| Gitignore::empty());
        Filter {
            root: project.root.clone(),
            ignore,
            capabilities: project.path(&project.config.security.capabilities),
        }
    }

    fn wanted(&self, path: &Path) -> bool {
        let Ok(relative) = path.strip_prefix(&self.root) else {
            return false;
        };
        if self
            .ignore
            .matched_path_or_any_parents(relative, false)
            .is_ignore()
        {
            return false;
        }
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        path.extension().is_some_and(|e| e == "rs")
            || matches!(name, "Cargo.toml" | "switchboard.toml")
            || path.starts_with(&self.capabilities)
    }
}

fn wait_for_server(url: &str, server: &mut Option<Group>) -> Result<()> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host_port = rest.split('/').next().unwrap_or(rest);
    let address = if host_port.contains(':') {
        host_port.to_owned()
    } else if url.starts_with("https") {
        format!("{host_port}:443")
    } else {
        format!("{host_port}:80")
    };
    let long = ui::Long::start("Waiting", &format!("for the dev server at {url}"));
    let deadline = Instant::now() + SERVER_WAIT;
    loop {
        let up = address
            .to_socket_addrs()
            .map(|mut addrs| {
                addrs.any(|a| TcpStream::connect_timeout(&a, Duration::from_millis(300)).is_ok())
            })
            .unwrap_or(false);
        if up {
            long.finish();
            return Ok(());
        }
        if let Some(group) = server {
            if let Ok(Some(status)) = group.0.try_wait() {
                long.abandon();
                return Err(Failure::new(format!("the dev server (before_dev) stopped: {status}"))
                    .next("run frontend.before_dev by hand to see why, fix it, then `switchboard dev` again"));
            }
        }
        if Instant::now() > deadline {
            long.abandon();
            return Err(Failure::new(format!(
                "nothing answered at {url} within {}s",
                SERVER_WAIT.as_secs()
            ))
            .next(
                "check that frontend.before_dev starts a server on frontend.dev_url (same port)",
            ));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Wait for the first wanted change, then for quiet; the changed paths.
fn next_change(
    events: &Receiver<PathBuf>,
    filter: &Filter,
    stop: &AtomicBool,
    app: &mut App,
) -> Option<Vec<PathBuf>> {
    let mut changed: Vec<PathBuf> = Vec::new();
    let mut last = Instant::now();
    loop {
        if stop.load(Ordering::SeqCst) {
            return None;
        }
        if changed.is_empty() {
            if let Ok(Some(_)) = app.child.try_wait() {
                return None;
            }
        }
        match events.recv_timeout(Duration::from_millis(100)) {
            Ok(path) => {
                if filter.wanted(&path) && !changed.contains(&path) {
                    changed.push(path);
                    last = Instant::now();
                } else if !changed.is_empty() && filter.wanted(&path) {
                    last = Instant::now();
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                if !changed.is_empty() && last.elapsed() >= DEBOUNCE {
                    return Some(changed);
                }
            }
            Err(RecvTimeoutError::Disconnected) => return None,
        }
    }
}

pub(crate) fn run(project: &Project) -> Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        ctrlc::set_handler(move || stop.store(true, Ordering::SeqCst))
            .context(|| "cannot handle Ctrl-C".to_owned())?;
    }
    let dev_url = project
        .config
        .frontend
        .dev_url
        .as_ref()
        .map(|u| u.get_ref().clone());
    let mut server = match &project.config.frontend.before_dev {
        Some(command) => {
            ui::step("Starting", &format!("before_dev: {}", ui::bold(command)));
            Some(Group::spawn(command, &project.root)?)
        }
        None => None,
    };
    let result = session(project, dev_url.as_deref(), &mut server, &stop);
    if let Some(group) = &mut server {
        group.stop();
    }
    result
}

fn session(
    project: &Project,
    dev_url: Option<&str>,
    server: &mut Option<Group>,
    stop: &AtomicBool,
) -> Result<()> {
    match dev_url {
        Some(url) => wait_for_server(url, server)?,
        None => ui::warn("no frontend.dev_url in switchboard.toml: the app shows its embedded frontend (no hot reload)"),
    }
    let (tx, events) = channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event {
            if !matches!(event.kind, notify::EventKind::Access(_)) {
                for path in event.paths {
                    let _ = tx.send(path);
                }
            }
        }
    })
    .context(|| "cannot watch files".to_owned())?;
    watcher
        .watch(&project.root, RecursiveMode::Recursive)
        .context(|| format!("cannot watch {}", project.root.display()))?;
    let filter = Filter::new(project);

    let binary = loop {
        match build(project) {
            Ok(binary) => break binary,
            Err(e) => {
                ui::error(&e.message, Some("fix it and save: the build runs again"));
                if next_quiet_change(&events, &filter, stop).is_none() {
                    return Ok(());
                }
            }
        }
    };
    let mut app = App::start(&binary, project, dev_url)?;
    ui::step(
        "Watching",
        &format!("{} for Rust changes (Ctrl-C stops)", project.root.display()),
    );
    while let Some(changed) = next_change(&events, &filter, stop, &mut app) {
        let names: Vec<String> = changed
            .iter()
            .map(|p| {
                p.strip_prefix(&project.root)
                    .unwrap_or(p)
                    .display()
                    .to_string()
            })
            .collect();
        ui::step("Changed", &names.join(", "));
        match build(project) {
            Ok(binary) => {
                ui::step("Restarting", &project.bin);
                app.stop();
                app = App::start(&binary, project, dev_url)?;
            }
            Err(e) => {
                ui::error(
                    &format!("build failed, the running app stays up: {}", e.message),
                    Some("fix it and save: the build runs again"),
                );
            }
        }
    }
    let exited_itself = matches!(app.child.try_wait(), Ok(Some(_)));
    app.stop();
    if exited_itself {
        ui::step("Stopped", "the app exited");
    } else {
        ui::step("Stopped", "");
    }
    Ok(())
}

/// Before the first successful build there is no app to watch: wait for a change only.
fn next_quiet_change(events: &Receiver<PathBuf>, filter: &Filter, stop: &AtomicBool) -> Option<()> {
    let mut seen = false;
    let mut last = Instant::now();
    loop {
        if stop.load(Ordering::SeqCst) {
            return None;
        }
        match events.recv_timeout(Duration::from_millis(100)) {
            Ok(path) if filter.wanted(&path) => {
                seen = true;
                last = Instant::now();
            }
            Ok(_) => {}
            Err(RecvTimeoutError::Timeout) if seen && last.elapsed() >= DEBOUNCE => return Some(()),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return None,
        }
    }
}

/// Build the debug binary and refresh the bindings from it.
fn build(project: &Project) -> Result<PathBuf> {
    let binary = project.cargo_build(Profile::Debug)?;
    if bindings::refresh(project, &binary)? {
        ui::step(
            "Wrote",
            &format!(
                "{} (the Rust API changed)",
                project.config.frontend.bindings
            ),
        );
    }
    Ok(binary)
}
