//! The shell plugin's scope under attack, beyond `shell.rs` (a program or a path outside the
//! scope, one bad argument per validator, `file:`, `smb:`, `javascript:`, `data:`, `ms-msdt:`,
//! a relative path, `--help`). Every refusal here is the bus's `forbidden`, before the plugin
//! runs; a stand-in opener logs what it is handed, and a stand-in program logs each run, so
//! "never ran" is checked, not assumed.
//!
//! | case | expected outcome |
//! |---|---|
//! | `program_names_match_exactly` | 16 near misses of an allowed name (spaces, NUL, newline, case, a path, `./`, a prefix, a longer name, a Cyrillic look-alike, empty): `forbidden`, nothing runs; a denied name stays denied though an entry allows it |
//! | `validators_match_whole_arguments` | `[0-9]+` refuses 15 near misses (newline, spaces, signs, fullwidth and Arabic-Indic digits, a zero-width space, hex, exponent, an extra or a missing argument); an alternation validator `ab|cd` is anchored as a whole (`abX`, `Xcd` refused); an exact path refuses its variants (`/./`, `..`, a trailing slash or space, case); nothing runs |
//! | `open_refuses_every_scheme_the_scope_does_not_name` | 40 targets: `file:` in every case and form, `vbscript:`, `smb:`, custom schemes (`myapp:`, `steam:`, `ms-settings:`, `search-ms:`, ...), leading whitespace and control characters, tabs and newlines inside the scheme, encoded and entity-escaped schemes, look-alike letters, UNC and scheme-relative paths: `forbidden`, the opener never runs. Mixed-case `HTTPS:` and a leading space are allowed and reach the opener normalised |
//! | `a_file_grant_opens_local_files_only` | with `file:` granted, `file://attacker.example/share/run.exe` (a remote share: SMB on Windows, Tauri's CVE-2025-31477) is `forbidden`; `file:///…` and `file://localhost/…` open. Before the fix the remote one reached the opener |
//! | `a_denied_scheme_is_denied_whatever_its_case` | deny `MAILTO` refuses `mailto:`, `MailTo:` |

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;
use switchboard::client::ClientStream;
use switchboard::protocol::ErrorCode;
use switchboard::{args, App, Capability, Client, ClientError, Grant};
use switchboard_plugin_shell::{ProcessEvent, ShellPlugin};

async fn within<T>(work: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), work)
        .await
        .expect("the test timed out")
}

/// The folder of test `name`, holding its stand-in program. All are made at once, before
/// any test spawns a process: a program written while another thread forks can fail to
/// run ("text file busy"), so none is written once processes run.
fn dir(name: &str) -> PathBuf {
    static DIRS: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let root = DIRS.get_or_init(|| {
        let root =
            std::env::temp_dir().join(format!("switchboard-shell-adv-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for test in ["names", "validators", "open", "file-host", "deny-case"] {
            let d = root.join(test);
            std::fs::create_dir_all(&d).unwrap();
            write_logger(&d);
        }
        root
    });
    let d = root.join(name);
    assert!(d.is_dir(), "no folder made for test `{name}`");
    d
}

/// Writes the stand-in program: it appends its arguments to `<dir>/ran.txt`, one run per
/// line.
fn write_logger(dir: &Path) {
    let path = logger(dir);
    let log = dir.join("ran.txt");
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\nprintf '%s|' \"$@\" >> '{}'\necho >> '{}'\n",
            log.display(),
            log.display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// The stand-in program's path.
fn logger(dir: &Path) -> PathBuf {
    dir.join("logger.sh")
}

fn runs(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("ran.txt"))
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn opened(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("opened.txt"))
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// `main` may run `log` (any arguments), `digits <[0-9]+>`, `alt <ab|cd>`, `touch-one
/// <dir>/allowed`, and `denied` (which a deny entry refuses), all the stand-in program, and
/// open https and mailto; `files` may open `file:` too; `nomail` has `mailto` denied as
/// `MAILTO`.
fn app(dir: &Path) -> App {
    let program = logger(dir).display().to_string();
    let allowed = dir.join("allowed").display().to_string();
    let log = dir.join("opened.txt").display().to_string();
    App::builder()
        .plugin(ShellPlugin::new().opener(
            "sh",
            ["-c", &format!("printf '%s\\n' \"$1\" >> '{log}'"), "opener"],
        ))
        .capability(
            Capability::new("main")
                .windows(["main"])
                .grant(
                    Grant::new("shell:allow-spawn")
                        .allow_scope(json!({ "name": "log", "cmd": program, "args": true }))
                        .allow_scope(json!({ "name": "digits", "cmd": program, "args": [{ "validator": "[0-9]+" }] }))
                        .allow_scope(json!({ "name": "alt", "cmd": program, "args": [{ "validator": "ab|cd" }] }))
                        .allow_scope(json!({ "name": "touch-one", "cmd": program, "args": [allowed] }))
                        .allow_scope(json!({ "name": "denied", "cmd": program, "args": true }))
                        .deny_scope(json!({ "name": "denied" })),
                )
                .allow(["shell:allow-open"]),
        )
        .capability(
            Capability::new("files")
                .windows(["files"])
                .grant(Grant::new("shell:allow-open").allow_scope(json!({ "open": "file" }))),
        )
        .capability(
            Capability::new("nomail")
                .windows(["nomail"])
                .grant(Grant::new("shell:allow-open").deny_scope(json!({ "open": "MAILTO" }))),
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

/// Runs `program` to its end.
async fn run(c: &Client, program: &str, args: &[&str]) {
    let mut s = spawn(c, program, args).await.unwrap();
    while let Some(e) = s.next().await {
        e.unwrap();
        s.credit(1).await.unwrap();
    }
}

async fn forbidden(c: &Client, program: &str, args: &[&str]) {
    let e = spawn(c, program, args)
        .await
        .err()
        .unwrap_or_else(|| panic!("{program:?} {args:?} was spawned"));
    assert_eq!(e.code(), ErrorCode::Forbidden, "{program:?} {args:?}: {e}");
}

async fn open(c: &Client, target: &str) -> Result<(), ClientError> {
    c.invoke::<()>("plugin:shell", "open", &args! { target: target })
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn program_names_match_exactly() {
    within(async {
        let dir = dir("names");
        let app = app(&dir);
        let main = app.test_client("main");
        let program = logger(&dir).display().to_string();
        for name in [
            " log",
            "log ",
            "log\0",
            "log\n",
            "LOG",
            "Log",
            "./log",
            "/log",
            "lo",
            "logs",
            "log/",
            "log/../denied",
            "l\u{043e}g",
            "",
            &program,
            "logger.sh",
        ] {
            forbidden(&main, name, &["x"]).await;
        }
        // deny wins over the entry that allows it
        forbidden(&main, "denied", &[]).await;
        assert_eq!(runs(&dir), Vec::<String>::new(), "a refused program ran");
        // the fixture: the exact name runs
        run(&main, "log", &["a", "b c"]).await;
        assert_eq!(runs(&dir), ["a|b c|"]);
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validators_match_whole_arguments() {
    within(async {
        let dir = dir("validators");
        let app = app(&dir);
        let main = app.test_client("main");
        for arg in [
            "1\n",
            "1 ",
            " 1",
            "+1",
            "-1",
            "",
            "\u{ff11}",
            "\u{0663}",
            "1\u{200b}",
            "0x1",
            "1e3",
            "1.0",
            "1;2",
            "1\0",
        ] {
            forbidden(&main, "digits", &[arg]).await;
        }
        forbidden(&main, "digits", &["1", "2"]).await;
        forbidden(&main, "digits", &[]).await;
        // an alternation is anchored as a whole, not as `^ab|cd$`
        for arg in ["abX", "Xcd", "abcd", "ab|cd", ""] {
            forbidden(&main, "alt", &[arg]).await;
        }
        let allowed = dir.join("allowed").display().to_string();
        let d = dir.display().to_string();
        for arg in [
            format!("{d}/./allowed"),
            format!("{d}/x/../allowed"),
            format!("{allowed}/"),
            format!("{allowed} "),
            format!("{d}/ALLOWED"),
            format!("{d}//allowed"),
            "allowed".to_owned(),
        ] {
            forbidden(&main, "touch-one", &[&arg]).await;
        }
        assert_eq!(runs(&dir), Vec::<String>::new(), "a refused call ran");
        run(&main, "digits", &["42"]).await;
        run(&main, "alt", &["cd"]).await;
        run(&main, "touch-one", &[&allowed]).await;
        assert_eq!(runs(&dir), ["42|", "cd|", &format!("{allowed}|")]);
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_refuses_every_scheme_the_scope_does_not_name() {
    within(async {
        let dir = dir("open");
        let app = app(&dir);
        let main = app.test_client("main");
        for target in [
            "file:///etc/passwd",
            "FiLe:///etc/passwd",
            "FILE:/etc/passwd",
            "file:etc/passwd",
            "file://localhost/etc/passwd",
            "file:\\\\attacker\\share",
            "vbscript:msgbox(1)",
            "VBScript:msgbox(1)",
            "smb://attacker.example/share/run.exe",
            "SMB://attacker.example/share",
            "\\\\attacker.example\\share\\run.exe",
            "//attacker.example/share/run.exe",
            "myapp://do/something",
            "steam://run/1",
            "ms-settings:privacy",
            "search-ms:query=x&crumb=location:\\\\attacker\\share",
            "ms-officecmd:{}",
            "x-apple-systempreferences:com.apple.preference",
            "jar:file:///x.jar!/",
            "view-source:https://example.com",
            "\u{0}file:///etc/passwd",
            "\u{1}javascript:alert(1)",
            "\u{7f}file:///etc/passwd",
            "\u{a0}file:///etc/passwd",
            "\u{feff}javascript:alert(1)",
            "\u{3000}file:///etc/passwd",
            "java\tscript:alert(1)",
            "javascript\n:alert(1)",
            "file\r:///etc/passwd",
            " \nfile:///etc/passwd",
            "jav&#x09;ascript:alert(1)",
            "%6Aavascript:alert(1)",
            "%66ile:///etc/passwd",
            "\u{0445}ttps://example.com",
            "h\u{0442}tps://example.com",
            "https:javascript:alert(1)",
            "",
            " ",
            "-",
            "--version",
        ] {
            let e = open(&main, target)
                .await
                .expect_err(&format!("{target:?} was opened"));
            assert_eq!(e.code(), ErrorCode::Forbidden, "{target:?}: {e}");
        }
        assert_eq!(opened(&dir), Vec::<String>::new(), "the opener ran");
        // what the scope names, however it is written, reaches the opener normalised
        open(&main, "HTTPS://EXAMPLE.COM/A").await.unwrap();
        open(&main, "  https://example.com/b").await.unwrap();
        open(&main, "MailTo:ada@example.com").await.unwrap();
        assert_eq!(
            opened(&dir),
            [
                "https://example.com/A",
                "https://example.com/b",
                "mailto:ada@example.com"
            ]
        );
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_grant_opens_local_files_only() {
    within(async {
        let dir = dir("file-host");
        let app = app(&dir);
        let files = app.test_client("files");
        for target in [
            "file://attacker.example/share/run.exe",
            "FILE://attacker.example/share/run.exe",
            "file://192.0.2.1/share/run.exe",
            "file://[2001:db8::1]/share",
            "file://attacker.example:445/share",
        ] {
            let e = open(&files, target)
                .await
                .expect_err(&format!("{target:?} was opened"));
            assert_eq!(e.code(), ErrorCode::Forbidden, "{target:?}: {e}");
        }
        assert_eq!(opened(&dir), Vec::<String>::new(), "the opener ran");
        open(&files, "file:///etc/hostname").await.unwrap();
        open(&files, "file://localhost/etc/hostname").await.unwrap();
        open(&files, "/etc/hostname").await.unwrap();
        assert_eq!(opened(&dir).len(), 3);
        assert!(opened(&dir).iter().all(|o| o.ends_with("/etc/hostname")));
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_scheme_is_denied_whatever_its_case() {
    within(async {
        let dir = dir("deny-case");
        let app = app(&dir);
        let nomail = app.test_client("nomail");
        for target in [
            "mailto:ada@example.com",
            "MailTo:ada@example.com",
            "MAILTO:x",
        ] {
            let e = open(&nomail, target).await.unwrap_err();
            assert_eq!(e.code(), ErrorCode::Forbidden, "{target}: {e}");
        }
        open(&nomail, "https://example.com").await.unwrap();
        assert_eq!(opened(&dir), ["https://example.com/"]);
    })
    .await
}
