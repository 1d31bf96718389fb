//! What the log plugin does: pages' lines land in `tracing` with their window and origin
//! (through the in-process client with real capabilities), the file layer rotates by size and
//! filters by target, a page reads back its own lines only.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use switchboard::protocol::ErrorCode;
use switchboard::{args, App, Caller, Capability};
use switchboard_plugin_log::{FileLog, LogLine, LogPlugin, CONSOLE_SCRIPT};
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;

async fn within<T>(work: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), work)
        .await
        .expect("the test timed out")
}

/// Every event's target, level and fields, as the app's subscriber would see them.
#[derive(Debug, Clone)]
struct Seen {
    target: String,
    level: tracing::Level,
    fields: BTreeMap<String, String>,
}

static SEEN: Mutex<Vec<Seen>> = Mutex::new(Vec::new());

struct Capture;

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl<S: tracing::Subscriber> Layer<S> for Capture {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        SEEN.lock().unwrap().push(Seen {
            target: event.metadata().target().to_owned(),
            level: *event.metadata().level(),
            fields,
        });
    }
}

fn capture() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(Capture))
            .unwrap();
    });
}

fn app() -> App {
    App::builder()
        .plugin(LogPlugin::new().recent(3))
        .capability(
            Capability::new("windows")
                .windows(["main", "second"])
                .allow(["log:default", "log:allow-recent"]),
        )
        .capability(
            Capability::new("quiet")
                .windows(["quiet"])
                .allow(["log:default"]),
        )
        .capability(
            Capability::new("docs")
                .windows(["second"])
                .origins(["https://docs.example"])
                .allow(["log:default"]),
        )
        .build()
        .unwrap()
}

async fn log(c: &switchboard::Client, level: &str, message: &str) {
    c.invoke::<()>(
        "plugin:log",
        "log",
        &args! { level: level, message: message, location: "/index.html" },
    )
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lines_from_two_windows_carry_their_labels_and_origins() {
    capture();
    within(async {
        let app = app();
        let main = app.test_client("main");
        let second = app.test_client_as(Caller::new("second", "https://docs.example"));
        log(&main, "info", "hello from main (a)").await;
        log(&second, "warn", "hello from second (a)").await;
        log(&main, "error", "boom in main (a)").await;

        let seen = SEEN.lock().unwrap().clone();
        let mine: Vec<&Seen> = seen
            .iter()
            .filter(|s| s.fields.get("message").is_some_and(|m| m.ends_with("(a)")))
            .collect();
        assert_eq!(mine.len(), 3, "{seen:#?}");
        let by = |text: &str| {
            *mine
                .iter()
                .find(|s| s.fields["message"] == text)
                .unwrap_or_else(|| panic!("no `{text}` in {mine:#?}"))
        };
        let a = by("hello from main (a)");
        assert_eq!(
            (a.target.as_str(), a.level),
            ("webview", tracing::Level::INFO)
        );
        assert_eq!(a.fields["window"], "main");
        assert_eq!(a.fields["origin"], "app://localhost");
        assert_eq!(a.fields["location"], "/index.html");
        let b = by("hello from second (a)");
        assert_eq!(
            (b.fields["window"].as_str(), b.level),
            ("second", tracing::Level::WARN)
        );
        assert_eq!(b.fields["origin"], "https://docs.example");
        assert_eq!(by("boom in main (a)").level, tracing::Level::ERROR);
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_reads_back_its_own_recent_lines_only_when_granted() {
    capture();
    within(async {
        let app = app();
        let main = app.test_client("main");
        let second = app.test_client("second");
        for n in 0..5 {
            log(&main, "info", &format!("main {n}")).await;
        }
        log(&second, "debug", "second 0").await;
        let lines: Vec<LogLine> = main
            .invoke("plugin:log", "recent", &args! {})
            .await
            .unwrap();
        let texts: Vec<&str> = lines.iter().map(|l| l.message.as_str()).collect();
        assert_eq!(texts, ["main 2", "main 3", "main 4"], "the last 3 kept");
        let lines: Vec<LogLine> = main
            .invoke("plugin:log", "recent", &args! { limit: 1 })
            .await
            .unwrap();
        assert_eq!(lines[0].message, "main 4");
        let lines: Vec<LogLine> = second
            .invoke("plugin:log", "recent", &args! {})
            .await
            .unwrap();
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].location.as_deref(), Some("/index.html"));

        let quiet = app.test_client("quiet");
        log(&quiet, "info", "quiet 0").await;
        let err = quiet
            .invoke::<Vec<LogLine>>("plugin:log", "recent", &args! {})
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Forbidden, "{err}");
    })
    .await
}

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("switchboard-log-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

#[test]
fn the_file_rotates_by_size_and_filters_by_target() {
    let dir = dir("file");
    let (layer, guard) = FileLog::new(&dir, "app")
        .max_bytes(600)
        .keep(2)
        .level("webview", tracing::Level::WARN)
        .off("noisy")
        .default_level(tracing::Level::INFO)
        .layer()
        .unwrap();
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!(target: "webview", window = "main", "page info: filtered out");
        tracing::warn!(target: "webview", window = "main", origin = "app://localhost", "page warning: kept");
        tracing::error!(target: "noisy", "never written");
        tracing::debug!(target: "app", "below the default level");
        for n in 0..40 {
            tracing::info!(target: "app::sync", n, "line {n:02} of the app");
        }
    });
    drop(guard); // writes what is queued and stops the writer thread

    let current = read(&dir.join("app.log"));
    let older = read(&dir.join("app.1.log"));
    let oldest = read(&dir.join("app.2.log"));
    assert!(
        !dir.join("app.3.log").exists(),
        "keep(2) keeps two old files"
    );
    for (name, text) in [
        ("app.log", &current),
        ("app.1.log", &older),
        ("app.2.log", &oldest),
    ] {
        assert!(!text.is_empty(), "{name} is empty");
        assert!(text.len() <= 600, "{name} has {} bytes", text.len());
        assert!(text.ends_with('\n'), "{name} ends inside a line");
    }
    let all = format!("{oldest}{older}{current}");
    assert!(current.contains("line 39 of the app"), "{current}");
    assert!(!all.contains("filtered out") && !all.contains("never written"));
    assert!(!all.contains("below the default level"));
    // the oldest lines rotated away; what is kept is in order
    assert!(
        !all.contains("page warning: kept"),
        "three small files hold the last lines only"
    );
    let numbers: Vec<u32> = all
        .lines()
        .filter_map(|l| l.split("line ").nth(1)?.get(..2)?.parse().ok())
        .collect();
    assert!(numbers.windows(2).all(|w| w[1] == w[0] + 1), "{numbers:?}");
    assert_eq!(numbers.last(), Some(&39));
}

#[test]
fn a_page_warning_reaches_the_file_with_its_window() {
    let dir = dir("fields");
    let (layer, guard) = FileLog::new(&dir, "app")
        .level("webview", tracing::Level::WARN)
        .layer()
        .unwrap();
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        tracing::warn!(target: "webview", window = %"main", origin = %"app://localhost", "saved");
    });
    drop(guard);
    let text = read(&dir.join("app.log"));
    assert!(
        text.contains("WARN webview: saved window=main origin=app://localhost"),
        "{text}"
    );
}

#[test]
fn the_console_script_forwards_every_console_level() {
    for method in ["debug", "log", "info", "warn", "error", "trace"] {
        assert!(
            CONSOLE_SCRIPT.contains(&format!("{method}: \"")),
            "{method}"
        );
    }
    assert!(CONSOLE_SCRIPT.contains("\"plugin:log.log\""));
}

#[test]
fn the_readme_lists_every_permission() {
    let app = App::builder().plugin(LogPlugin::new()).build().unwrap();
    let table = switchboard::permission::markdown_table(app.permissions());
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    assert!(
        readme.contains(&table),
        "README.md's table is stale; it should read:\n{table}\n"
    );
}
