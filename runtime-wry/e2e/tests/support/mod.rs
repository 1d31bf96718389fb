//! What the end-to-end tests stand on: a display (the caller's, or a private Xvfb), a
//! small WebDriver client over `std::net::TcpStream` speaking to WebKitWebDriver, which
//! launches the real app, and a tiny HTTP server for pages of an untrusted origin.
//!
//! Every step has a timeout: a hang fails the test with a message, it never stalls CI.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// How long one WebDriver command may take (session creation included).
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// The runtime's e2e app, when these helpers are compiled into its package's tests.
pub const APP: Option<&str> = option_env!("CARGO_BIN_EXE_switchboard-e2e-app");

/// Tests share one display; they run one at a time (each starts its own app).
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

struct Xvfb {
    name: String,
    _child: Option<Child>,
}

/// The display to use: `$DISPLAY`, else a private Xvfb on a free display number, started
/// once for the whole test binary.
pub fn display() -> String {
    static DISPLAY: OnceLock<Xvfb> = OnceLock::new();
    DISPLAY
        .get_or_init(|| {
            if let Ok(name) = std::env::var("DISPLAY") {
                if !name.is_empty() {
                    return Xvfb { name, _child: None };
                }
            }
            for n in 90..200 {
                if Path::new(&format!("/tmp/.X{n}-lock")).exists()
                    || Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                {
                    continue;
                }
                // a static is never dropped: a watchdog shell stops Xvfb when this test
                // process is gone
                #[allow(clippy::zombie_processes)]
                let child = Command::new("sh")
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
                    .unwrap_or_else(|e| panic!("starting Xvfb (apt install xvfb): {e}"));
                let socket = format!("/tmp/.X11-unix/X{n}");
                let deadline = Instant::now() + Duration::from_secs(10);
                while Instant::now() < deadline {
                    if Path::new(&socket).exists() {
                        return Xvfb {
                            name: format!(":{n}"),
                            _child: Some(child),
                        };
                    }
                    thread::sleep(Duration::from_millis(50));
                }
                panic!("Xvfb :{n} did not come up within 10 s");
            }
            panic!("no free X display number between :90 and :199");
        })
        .name
        .clone()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("finding a free port: {e}"))
}

/// A raw HTTP/1.1 exchange with a timeout; returns (status, body).
fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> (u16, Vec<u8>) {
    let mut stream = TcpStream::connect(("127.0.0.1", port))
        .unwrap_or_else(|e| panic!("connecting to WebKitWebDriver on {port}: {e}"));
    stream.set_read_timeout(Some(COMMAND_TIMEOUT)).ok();
    stream.set_write_timeout(Some(COMMAND_TIMEOUT)).ok();
    let payload = body.map(|b| b.to_string()).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{payload}",
        payload.len()
    );
    stream
        .write_all(request.as_bytes())
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    let mut raw = Vec::new();
    if let Err(e) = stream.read_to_end(&mut raw) {
        panic!("{method} {path}: no answer within {COMMAND_TIMEOUT:?} ({e})");
    }
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("{method} {path}: malformed HTTP answer"));
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut body = raw[split + 4..].to_vec();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    (status, body)
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(line_end) = data.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..line_end]).trim(), 16)
            .unwrap_or(0);
        if size == 0 {
            return out;
        }
        let start = line_end + 2;
        out.extend_from_slice(&data[start..(start + size).min(data.len())]);
        data = &data[(start + size + 2).min(data.len())..];
    }
}

/// A WebDriver session driving one instance of the app.
pub struct Driver {
    driver: Child,
    port: u16,
    session: String,
    pid_file: PathBuf,
}

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Driver {
    /// Start WebKitWebDriver and, through it, the e2e app (with automation allowed).
    pub fn start() -> Driver {
        Self::start_with(&[])
    }

    /// [`Driver::start`] with extra environment variables for the app.
    pub fn start_with(env: &[(&str, &str)]) -> Driver {
        Self::launch(
            APP.unwrap_or_else(|| panic!("the e2e app is not built here")),
            env,
        )
    }

    /// Start WebKitWebDriver and, through it, the app at `binary`.
    pub fn launch(binary: &str, env: &[(&str, &str)]) -> Driver {
        let display = display();
        let port = free_port();
        let pid_file =
            std::env::temp_dir().join(format!("switchboard-e2e-{}-{port}.pid", std::process::id()));
        let driver = Command::new("WebKitWebDriver")
            .arg(format!("--port={port}"))
            .env("DISPLAY", &display)
            .env("SWITCHBOARD_WEBVIEW_AUTOMATION", "1")
            .env("E2E_PID_FILE", &pid_file)
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".to_owned()),
            )
            .env_remove("SWITCHBOARD_DEV_URL")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("starting WebKitWebDriver (apt install webkit2gtk-driver): {e}")
            });
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "WebKitWebDriver did not listen on {port} within 15 s"
            );
            thread::sleep(Duration::from_millis(50));
        }
        let mut this = Driver {
            driver,
            port,
            session: String::new(),
            pid_file,
        };
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "webkitgtk:browserOptions": { "binary": binary, "args": [] }
        } } });
        let value = this.raw("POST", "/session", Some(&caps));
        this.session = value["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session id in {value}"))
            .to_owned();
        this.call(
            "POST",
            "/timeouts",
            Some(&json!({ "script": 60_000, "implicit": 0 })),
        );
        this
    }

    fn raw(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let (status, bytes) = http(self.port, method, path, body);
        let value: Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            panic!(
                "{method} {path}: answer is not JSON ({e}): {}",
                String::from_utf8_lossy(&bytes)
            )
        });
        if status != 200 {
            panic!("{method} {path} failed ({status}): {value}");
        }
        value["value"].clone()
    }

    /// A command of this session (`path` after `/session/<id>`).
    pub fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        self.raw(method, &format!("/session/{}{path}", self.session), body)
    }

    /// Run a script whose last argument is the callback to call with the result.
    pub fn run_async(&self, script: &str) -> Value {
        self.call(
            "POST",
            "/execute/async",
            Some(&json!({ "script": script, "args": [] })),
        )
    }

    /// Run a synchronous script and return its value.
    pub fn run(&self, script: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(&json!({ "script": script, "args": [] })),
        )
    }

    /// Poll `script` (sync) until it returns something truthy, or fail after `timeout`.
    pub fn wait_for(&self, what: &str, script: &str, timeout: Duration) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let v = self.run(script);
            let truthy = !(v.is_null() || v == json!(false) || v == json!("") || v == json!(0));
            if truthy {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "timed out after {timeout:?} waiting for {what}"
            );
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// The first element matching a CSS selector.
    pub fn find(&self, css: &str) -> String {
        let v = self.call(
            "POST",
            "/element",
            Some(&json!({ "using": "css selector", "value": css })),
        );
        v[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element `{css}`: {v}"))
            .to_owned()
    }

    /// Type into an element.
    pub fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css);
        self.call("POST", &format!("/element/{id}/clear"), Some(&json!({})));
        if !text.is_empty() {
            // WebKitWebDriver refuses an empty `text`
            self.call(
                "POST",
                &format!("/element/{id}/value"),
                Some(&json!({ "text": text })),
            );
        }
    }

    /// Click an element.
    pub fn click(&self, css: &str) {
        let id = self.find(css);
        self.call("POST", &format!("/element/{id}/click"), Some(&json!({})));
    }

    /// An element's text.
    pub fn text(&self, css: &str) -> String {
        let id = self.find(css);
        self.call("GET", &format!("/element/{id}/text"), None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Handles of the open windows.
    pub fn windows(&self) -> Vec<String> {
        self.call("GET", "/window/handles", None)
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Switch to a window.
    pub fn switch_to(&self, handle: &str) {
        self.call("POST", "/window", Some(&json!({ "handle": handle })));
    }

    /// Switch to the window whose `#label` heading reads `label` (waits for it to exist).
    pub fn switch_to_label(&self, label: &str) {
        self.switch_to_where(
            &format!("window `{label}`"),
            &format!(
                "const l = document.getElementById('label'); return !!l && l.textContent === {label:?};"
            ),
        );
    }

    /// Switch to the first window where `script` returns `true` (waits up to 20 s).
    pub fn switch_to_where(&self, what: &str, script: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            for handle in self.windows() {
                self.switch_to(&handle);
                if self.run(script) == json!(true) {
                    return;
                }
            }
            assert!(Instant::now() < deadline, "no {what} within 20 s");
            thread::sleep(Duration::from_millis(100));
        }
    }

    /// Switch into an iframe (by CSS selector), or back to the top with `None`.
    pub fn frame(&self, css: Option<&str>) {
        let id = match css {
            Some(css) => json!({ ELEMENT: self.find(css) }),
            None => Value::Null,
        };
        self.call("POST", "/frame", Some(&json!({ "id": id })));
    }

    /// Whether the app's process is still alive.
    pub fn app_alive(&self) -> bool {
        self.app_pid()
            .is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists() && !is_zombie(pid))
    }

    fn app_pid(&self) -> Option<u32> {
        std::fs::read_to_string(&self.pid_file)
            .ok()?
            .trim()
            .parse()
            .ok()
    }
}

fn is_zombie(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| s.split_whitespace().nth(2) == Some("Z"))
        .unwrap_or(true)
}

impl Drop for Driver {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            // best effort: WebKitWebDriver closes the browser with the session
            let port = self.port;
            let path = format!("/session/{}", self.session);
            let done = thread::spawn(move || http(port, "DELETE", &path, None));
            let deadline = Instant::now() + Duration::from_secs(5);
            while !done.is_finished() && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(20));
            }
        }
        if let Some(pid) = self.app_pid() {
            let _ = Command::new("kill")
                .arg("-9")
                .arg(pid.to_string())
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_file(&self.pid_file);
    }
}

/// The names of the X windows on the test display (`xwininfo -root -tree`).
pub fn x_window_names() -> String {
    let out = Command::new("xwininfo")
        .args(["-root", "-tree"])
        .env("DISPLAY", display())
        .output()
        .unwrap_or_else(|e| panic!("running xwininfo (apt install x11-utils): {e}"));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Ask the window manager's way for the X window titled `title` to close: send it
/// `WM_PROTOCOLS`/`WM_DELETE_WINDOW`, as a close button does.
pub fn request_close(title: &str) {
    let tree = x_window_names();
    let needle = format!("\"{title}\"");
    let id = tree
        .lines()
        .find(|l| l.contains(&needle))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|hex| u64::from_str_radix(hex.trim_start_matches("0x"), 16).ok())
        .unwrap_or_else(|| panic!("no X window titled {title:?}"));
    let display = std::ffi::CString::new(display()).unwrap_or_default();
    let xlib = x11_dl::xlib::Xlib::open().unwrap_or_else(|e| panic!("loading libX11: {e}"));
    // SAFETY: plain Xlib calls on a display we open and close here; the event is fully
    // initialised before it is sent.
    unsafe {
        let dpy = (xlib.XOpenDisplay)(display.as_ptr());
        assert!(!dpy.is_null(), "cannot open the X display");
        let protocols = (xlib.XInternAtom)(dpy, c"WM_PROTOCOLS".as_ptr(), 0);
        let delete = (xlib.XInternAtom)(dpy, c"WM_DELETE_WINDOW".as_ptr(), 0);
        let mut event: x11_dl::xlib::XEvent = std::mem::zeroed();
        event.client_message.type_ = x11_dl::xlib::ClientMessage;
        event.client_message.window = id;
        event.client_message.message_type = protocols;
        event.client_message.format = 32;
        event.client_message.data.set_long(0, delete as i64);
        event
            .client_message
            .data
            .set_long(1, x11_dl::xlib::CurrentTime as i64);
        (xlib.XSendEvent)(dpy, id, 0, x11_dl::xlib::NoEventMask, &mut event);
        (xlib.XFlush)(dpy);
        (xlib.XCloseDisplay)(dpy);
    }
}

/// A one-page HTTP server on 127.0.0.1 (an origin the app does not trust). Serves `page`
/// at every path, with the e2e client inlined where `{client}` appears.
pub struct Server {
    pub port: u16,
}

impl Server {
    pub fn start(page: &'static str) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("binding: {e}"));
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
        let client = include_str!("../../frontend/client.js");
        let html = page.replace("{client}", client);
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let html = html.clone();
                thread::spawn(move || {
                    let mut reader = BufReader::new(&stream);
                    let mut line = String::new();
                    while reader.read_line(&mut line).map(|n| n > 2).unwrap_or(false) {
                        line.clear();
                    }
                    let mut stream = &stream;
                    let _ = write!(
                        stream,
                        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{html}",
                        html.len()
                    );
                });
            }
        });
        Server { port }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/evil.html", self.port)
    }
}

/// An HTTP server on 127.0.0.1 serving several pages by path (the query is ignored; `404`
/// for any other path), each with the e2e client inlined where `{client}` appears.
pub struct Pages {
    pub port: u16,
}

impl Pages {
    pub fn start(pages: &[(&str, &str)]) -> Pages {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("binding: {e}"));
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
        let client = include_str!("../../frontend/client.js");
        let pages: std::sync::Arc<Vec<(String, String)>> = std::sync::Arc::new(
            pages
                .iter()
                .map(|(path, html)| (path.to_string(), html.replace("{client}", client)))
                .collect(),
        );
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let pages = pages.clone();
                thread::spawn(move || {
                    let mut reader = BufReader::new(&stream);
                    let mut first = String::new();
                    let _ = reader.read_line(&mut first);
                    let mut line = String::new();
                    while reader.read_line(&mut line).map(|n| n > 2).unwrap_or(false) {
                        line.clear();
                    }
                    let target = first.split_whitespace().nth(1).unwrap_or("/");
                    let path = target.split(['?', '#']).next().unwrap_or("/");
                    let found = pages.iter().find(|(p, _)| p == path);
                    let (status, body) = match found {
                        Some((_, html)) => ("200 OK", html.as_str()),
                        None => ("404 Not Found", "not found"),
                    };
                    let mut stream = &stream;
                    let _ = write!(
                        stream,
                        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                });
            }
        });
        Pages { port }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Driver {
    /// The app's process id (waits up to 10 s for the app to write it).
    pub fn pid(&self) -> u32 {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(pid) = self.app_pid() {
                return pid;
            }
            assert!(Instant::now() < deadline, "the app wrote no pid file");
            thread::sleep(Duration::from_millis(20));
        }
    }
}

/// A field of `/proc/<pid>/status` in KiB (`VmRSS`, `VmHWM`); 0 once the process is gone.
pub fn proc_kb(pid: u32, field: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// The threads of process `pid` (`/proc/<pid>/task`).
pub fn proc_threads(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .map(|d| d.count())
        .unwrap_or(0)
}

/// The open file descriptors of process `pid` (`/proc/<pid>/fd`).
pub fn proc_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0)
}

/// The live child processes of `pid` (WebKit's web and network processes for the app).
pub fn proc_children(pid: u32) -> usize {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|child| {
            std::fs::read_to_string(format!("/proc/{child}/stat")).is_ok_and(|s| {
                // the fields after the command's closing parenthesis: state, ppid
                let rest = s.rsplit_once(')').map_or("", |(_, r)| r);
                let mut f = rest.split_whitespace();
                let state = f.next().unwrap_or("");
                f.next().and_then(|p| p.parse::<u32>().ok()) == Some(pid) && state != "Z"
            })
        })
        .count()
}

/// Samples a process's `VmRSS` every 10 ms on a thread of its own and keeps the largest.
pub struct RssSampler {
    peak: std::sync::Arc<std::sync::atomic::AtomicU64>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl RssSampler {
    pub fn start(pid: u32) -> RssSampler {
        use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
        let peak = std::sync::Arc::new(AtomicU64::new(0));
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let (p, s) = (peak.clone(), stop.clone());
        let thread = thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                p.fetch_max(proc_kb(pid, "VmRSS"), Ordering::SeqCst);
                thread::sleep(Duration::from_millis(10));
            }
        });
        RssSampler {
            peak,
            stop,
            thread: Some(thread),
        }
    }

    /// The largest `VmRSS` seen so far, in KiB.
    pub fn peak_kb(&self) -> u64 {
        self.peak.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Drop for RssSampler {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
