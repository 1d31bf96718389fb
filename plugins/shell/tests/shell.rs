//! What the shell plugin does, with real processes through the in-process client and real
//! capabilities.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;
use switchboard::client::ClientStream;
use switchboard::protocol::ErrorCode;
use switchboard::window::WindowEvent;
use switchboard::{args, App, Capability, Client, ClientError, Grant};
use switchboard_plugin_shell::{ProcessEvent, ShellPlugin};

async fn within<T>(work: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), work)
        .await
        .expect("the test timed out")
}

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("switchboard-shell-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// An app whose `main` window may run `touch <dir>/allowed`, `echo` with any arguments,
/// `cat` and `sleep <digits>`; whose opener is a stand-in that appends the URL it is handed
/// to `<dir>/opened.txt`.
fn app(dir: &Path) -> App {
    let allowed = dir.join("allowed").display().to_string();
    let log = dir.join("opened.txt").display().to_string();
    App::builder()
        .plugin(ShellPlugin::new().opener(
            "sh",
            ["-c", &format!("printf '%s\\n' \"$1\" >> '{log}'"), "opener"],
        ))
        .capability(
            Capability::new("main")
                .windows(["main", "other"])
                .grant(
                    Grant::new("shell:allow-spawn")
                        .allow_scope(json!({ "name": "touch", "cmd": "touch", "args": [allowed] }))
                        .allow_scope(json!({ "name": "echo", "cmd": "echo", "args": true }))
                        .allow_scope(json!({ "name": "cat", "cmd": "cat" }))
                        .allow_scope(json!({ "name": "sleep", "cmd": "sleep", "args": [{ "validator": "[0-9]+" }] })),
                )
                .allow(["shell:allow-open"]),
        )
        .capability(
            Capability::new("files").windows(["files"]).grant(
                Grant::new("shell:allow-open")
                    .allow_scope(json!({ "open": "file" }))
                    .deny_scope(json!({ "open": "mailto" })),
            ),
        )
        .build()
        .unwrap()
}

async fn spawn(
    c: &Client,
    program: &str,
    args: &[&str],
) -> Result<ClientStream<ProcessEvent>, ClientError> {
    c.stream(
        "plugin:shell",
        "spawn",
        &args! { program: program, args: args },
        64,
    )
    .await
}

/// Every event of a stream until it ends.
async fn events(mut run: ClientStream<ProcessEvent>) -> Vec<ProcessEvent> {
    let mut all = Vec::new();
    while let Some(e) = run.next().await {
        all.push(e.unwrap());
        run.credit(1).await.unwrap();
    }
    all
}

fn stdout(events: &[ProcessEvent]) -> String {
    events
        .iter()
        .filter_map(|e| match e {
            ProcessEvent::Stdout { data } => Some(String::from_utf8_lossy(data).into_owned()),
            _ => None,
        })
        .collect()
}

fn exit(events: &[ProcessEvent]) -> (Option<i32>, Option<i32>) {
    match events.last() {
        Some(ProcessEvent::Exit { code, signal }) => (*code, *signal),
        other => panic!("no exit at the end: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_program_or_argument_outside_the_scope_is_forbidden_and_never_runs() {
    within(async {
        let dir = dir("denied");
        let app = app(&dir);
        let main = app.test_client("main");
        let victim = dir.join("victim");
        std::fs::write(&victim, "keep me").unwrap();

        let err = spawn(&main, "rm", &[&victim.display().to_string()])
            .await
            .err()
            .unwrap();
        assert_eq!(err.code(), ErrorCode::Forbidden, "{err}");
        assert!(err.message().contains("program `rm`"), "{}", err.message());
        // the page cannot name a path instead of a program either
        let err = spawn(&main, "/bin/rm", &[&victim.display().to_string()])
            .await
            .err()
            .unwrap();
        assert_eq!(err.code(), ErrorCode::Forbidden, "{err}");
        // nor reach a shell that no entry names
        let err = spawn(&main, "sh", &["-c", "touch x"]).await.err().unwrap();
        assert_eq!(err.code(), ErrorCode::Forbidden, "{err}");
        assert!(victim.exists());

        // touch: only the one path the scope names
        let other = dir.join("other");
        let err = spawn(&main, "touch", &[&other.display().to_string()])
            .await
            .err()
            .unwrap();
        assert_eq!(err.code(), ErrorCode::Forbidden, "{err}");
        assert!(err.message().contains("argument 1"), "{}", err.message());
        let err = spawn(&main, "touch", &[]).await.err().unwrap();
        assert_eq!(err.code(), ErrorCode::Forbidden, "{err}");
        let err = spawn(&main, "sleep", &["1; reboot"]).await.err().unwrap();
        assert_eq!(err.code(), ErrorCode::Forbidden, "{err}");
        assert!(!other.exists(), "a refused call ran");

        let allowed = dir.join("allowed");
        let done = events(
            spawn(&main, "touch", &[&allowed.display().to_string()])
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(exit(&done), (Some(0), None));
        assert!(allowed.exists());
        assert!(matches!(done[0], ProcessEvent::Started { .. }), "{done:?}");
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arguments_reach_the_program_unparsed_by_any_shell() {
    within(async {
        let dir = dir("unparsed");
        let app = app(&dir);
        let main = app.test_client("main");
        let marker = dir.join("pwned");
        let sneaky = format!(
            "$(touch {}); `touch {}` | x",
            marker.display(),
            marker.display()
        );
        let done = events(spawn(&main, "echo", &[&sneaky, "'quoted'"]).await.unwrap()).await;
        assert_eq!(stdout(&done), format!("{sneaky} 'quoted'\n"));
        assert!(!marker.exists());
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_streams_as_it_comes_and_stdin_reaches_the_process() {
    within(async {
        let dir = dir("stdin");
        let app = app(&dir);
        let main = app.test_client("main");
        let mut run = spawn(&main, "cat", &[]).await.unwrap();
        let Some(Ok(ProcessEvent::Started { id, pid })) = run.next().await else {
            panic!("no start");
        };
        assert!(pid > 0);
        for line in ["one\n", "two\n"] {
            main.invoke::<()>(
                "plugin:shell",
                "write",
                &WriteArgs {
                    id,
                    data: serde_bytes::ByteBuf::from(line.as_bytes().to_vec()),
                },
            )
            .await
            .unwrap();
            // the echo arrives while the process still runs (its input is open)
            let mut got = Vec::new();
            while got.len() < line.len() {
                match run.next().await {
                    Some(Ok(ProcessEvent::Stdout { data })) => got.extend(data),
                    other => panic!("expected output, got {other:?}"),
                }
            }
            assert_eq!(got, line.as_bytes());
        }
        // another window cannot touch it
        let other = app.test_client("other");
        let err = other
            .invoke::<()>("plugin:shell", "kill", &args! { id: id })
            .await
            .unwrap_err();
        assert_eq!(
            err.data::<serde_json::Value>().unwrap()["kind"],
            "unknown_process"
        );

        main.invoke::<()>("plugin:shell", "close_stdin", &args! { id: id })
            .await
            .unwrap();
        let rest = events(run).await;
        assert_eq!(exit(&rest), (Some(0), None));
    })
    .await
}

#[derive(serde::Serialize)]
struct WriteArgs {
    id: u32,
    data: serde_bytes::ByteBuf,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_ends_the_process_and_the_stream_says_how() {
    within(async {
        let dir = dir("kill");
        let app = app(&dir);
        let main = app.test_client("main");
        let mut run = spawn(&main, "sleep", &["30"]).await.unwrap();
        let Some(Ok(ProcessEvent::Started { id, .. })) = run.next().await else {
            panic!("no start");
        };
        main.invoke::<()>("plugin:shell", "kill", &args! { id: id })
            .await
            .unwrap();
        let rest = events(run).await;
        assert_eq!(exit(&rest), (None, Some(9)));
    })
    .await
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| s.split_whitespace().nth(2) != Some("Z"))
        .unwrap_or(false)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_the_window_kills_the_processes_it_started() {
    within(async {
        let dir = dir("close");
        let app = app(&dir);
        let other = app.test_client("other");
        let main = app.test_client("main");
        let mut theirs = spawn(&other, "sleep", &["30"]).await.unwrap();
        let Some(Ok(ProcessEvent::Started { pid, .. })) = theirs.next().await else {
            panic!("no start");
        };
        let mut mine = spawn(&main, "sleep", &["30"]).await.unwrap();
        let Some(Ok(ProcessEvent::Started {
            pid: my_pid,
            id: my_id,
        })) = mine.next().await
        else {
            panic!("no start");
        };
        assert!(alive(pid));
        app.window_event(&"other".parse().unwrap(), &WindowEvent::Destroyed)
            .unwrap();
        while alive(pid) {
            tokio::time::sleep(Duration::from_millis(10)).await; // polling the OS, not timing
        }
        // the other window's process runs on
        assert!(alive(my_pid));
        main.invoke::<()>("plugin:shell", "kill", &args! { id: my_id })
            .await
            .unwrap();
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_hands_over_only_the_schemes_of_the_scope() {
    within(async {
        let dir = dir("open");
        let app = app(&dir);
        let main = app.test_client("main");
        let open = |c: &Client, target: &str| {
            let c = c.clone();
            let target = target.to_owned();
            async move {
                c.invoke::<()>("plugin:shell", "open", &args! { target: target })
                    .await
            }
        };
        open(&main, "https://example.com/a b").await.unwrap();
        open(&main, "mailto:ada@example.com").await.unwrap();
        for dangerous in [
            "file:///etc/passwd",
            "/etc/passwd",
            "smb://attacker.example/share/run.exe",
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            " \tjavascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "ms-msdt:/id PCWDiagnostic",
            "relative/path",
            "--help",
        ] {
            let err = open(&main, dangerous).await.unwrap_err();
            assert_eq!(err.code(), ErrorCode::Forbidden, "{dangerous}: {err}");
        }
        // a window granted `file:` opens files, and its deny entry wins over the default
        let files = app.test_client("files");
        open(&files, "/etc/hostname").await.unwrap();
        let err = open(&files, "mailto:ada@example.com").await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Forbidden, "{err}");

        let opened = std::fs::read_to_string(dir.join("opened.txt")).unwrap();
        assert_eq!(
            opened,
            "https://example.com/a%20b\nmailto:ada@example.com\nfile:///etc/hostname\n"
        );
    })
    .await
}

#[test]
fn the_readme_lists_every_permission() {
    let app = App::builder().plugin(ShellPlugin::new()).build().unwrap();
    let table = switchboard::permission::markdown_table(app.permissions());
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    assert!(
        readme.contains(&table),
        "README.md's table is stale; it should read:\n{table}\n"
    );
    let ts = switchboard::bindings::Bindings::new(&app)
        .typescript()
        .unwrap();
    assert!(
        ts.contains("{ kind: \"stdout\"; data: Uint8Array }"),
        "{ts}"
    );
}
