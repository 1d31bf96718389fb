//! The sql plugin's scope under attack (README: a page opens a database **by name** inside
//! its scope; `ATTACH` and `VACUUM INTO` fail; defensive mode). Beside `sql.rs`, which
//! checks one name outside the scope and one `ATTACH` / `VACUUM INTO` of a path.
//!
//! | case | expected outcome |
//! |---|---|
//! | `names_outside_the_scope_are_forbidden_and_create_nothing` | with the scope `notes`, 24 names (`..`, `../notes`, absolute paths, `:memory:`, URI filenames `file:..?mode=`, `notes.sqlite3`, case and Unicode look-alikes, NUL, spaces, `*`, a sibling `notes-wal`) through `open`, `select`, `execute`, `begin`: `forbidden` before the plugin runs; no file is created, in the folder or outside it |
//! | `with_every_database_granted_bad_names_are_refused_before_sqlite` | with the scope `*`, the same names: those that are not a database name (`[A-Za-z0-9_-]{1,64}`) are `bad_name`; the others open `<name>.sqlite3` inside the folder and nowhere else; `:memory:` is never an in-memory database |
//! | `a_denied_database_stays_denied_whatever_its_case` | allow `*`, deny `secrets`: `secrets`, `SECRETS`, `Secrets` are `forbidden` (on a case-insensitive file system, macOS' and Windows' default, they are one file). Before the fix only `secrets` was |
//! | `sql_cannot_reach_another_file` | `ATTACH` in 7 spellings (`:memory:`, a URI with `mode=memory`, a bound parameter, lower case, after a comment, in a `select`, inside a transaction), `VACUUM INTO` a bound path, `load_extension`, a write to `sqlite_master` after `PRAGMA writable_schema = ON`, and the pragmas that change the whole process (`temp_store_directory` in three spellings, `data_store_directory`, `soft_heap_limit`, `hard_heap_limit`): each fails (an `app` error), no file appears outside the folder, and the connection still lists only its own database. Before the fix the process-wide pragmas ran |

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;
use switchboard::protocol::ErrorCode;
use switchboard::{args, App, Capability, Client, ClientError, Grant};
use switchboard_plugin_sql::{Executed, Migration, Row, SqlPlugin, SqlValue};

async fn within<T>(work: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), work)
        .await
        .expect("the test timed out")
}

/// A fresh folder holding the plugin's folder (`dbs`), so files created beside it are seen.
fn root(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("switchboard-sql-adv-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("dbs")).unwrap();
    d
}

/// Every file under `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

fn app(dir: &Path, read: &[&str], write: &[&str], deny: &[&str]) -> App {
    let mut r = Grant::new("sql:allow-read");
    let mut w = Grant::new("sql:allow-write");
    for a in read {
        r = r.allow_scope(*a);
    }
    for a in write {
        w = w.allow_scope(*a);
    }
    for d in deny {
        r = r.deny_scope(*d);
        w = w.deny_scope(*d);
    }
    App::builder()
        .plugin(SqlPlugin::new(dir).migrations(
            "notes",
            [Migration::new(
                1,
                "notes",
                "CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT)",
            )],
        ))
        .capability(Capability::new("main").windows(["main"]).grant(r).grant(w))
        .build()
        .unwrap()
}

#[derive(Serialize)]
struct Stmt<'a> {
    db: &'a str,
    sql: &'a str,
    params: Vec<SqlValue>,
    tx: Option<u32>,
}

async fn execute(
    c: &Client,
    db: &str,
    sql: &str,
    params: Vec<SqlValue>,
    tx: Option<u32>,
) -> Result<Executed, ClientError> {
    let stmt = Stmt {
        db,
        sql,
        params,
        tx,
    };
    c.invoke("plugin:sql", "execute", &stmt).await
}

async fn select(c: &Client, db: &str, sql: &str) -> Result<Vec<Row>, ClientError> {
    let stmt = Stmt {
        db,
        sql,
        params: vec![],
        tx: None,
    };
    c.invoke("plugin:sql", "select", &stmt).await
}

fn kind(err: &ClientError) -> String {
    assert_eq!(err.code(), ErrorCode::App, "{err}");
    err.data::<serde_json::Value>()
        .and_then(|d| d["kind"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("no kind in {err}"))
}

/// Names a page might try to escape its scope with; the absolute ones point into `root`.
fn hostile_names(root: &Path) -> Vec<String> {
    let abs = root.join("outside").display().to_string();
    vec![
        "..".into(),
        "../notes".into(),
        "../outside".into(),
        "../../outside".into(),
        abs.clone(),
        format!("{abs}.sqlite3"),
        ":memory:".into(),
        "".into(),
        "file:notes?mode=memory".into(),
        "file:outside?mode=rwc".into(),
        format!("file:{abs}?mode=rwc"),
        format!("file://{abs}"),
        "notes.sqlite3".into(),
        "notes/../outside".into(),
        "notes\0".into(),
        "notes ".into(),
        " notes".into(),
        "n\u{043e}tes".into(),
        "notes\u{200b}".into(),
        "*".into(),
        "NOTES".into(),
        "Notes".into(),
        "notes-wal".into(),
        "x".repeat(65),
    ]
}

/// Whether `name` is a database name by the README's rule.
fn is_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Every call that names a database, with `db`: (method, answer).
async fn every_method(c: &Client, db: &str) -> Vec<(&'static str, Result<(), ClientError>)> {
    vec![
        (
            "open",
            c.invoke::<u32>("plugin:sql", "open", &args! { db: db })
                .await
                .map(drop),
        ),
        ("select", select(c, db, "SELECT 1 AS one").await.map(drop)),
        (
            "execute",
            execute(c, db, "CREATE TABLE IF NOT EXISTS t (x)", vec![], None)
                .await
                .map(drop),
        ),
        (
            "begin",
            c.stream::<u32>("plugin:sql", "begin", &args! { db: db }, 1)
                .await
                .map(drop),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_outside_the_scope_are_forbidden_and_create_nothing() {
    within(async {
        let root = root("outside-scope");
        let app = app(&root.join("dbs"), &["notes"], &["notes"], &[]);
        let c = app.test_client("main");
        for name in hostile_names(&root) {
            for (method, answer) in every_method(&c, &name).await {
                let e = answer.expect_err(&format!("{method} `{name:?}` answered"));
                assert_eq!(e.code(), ErrorCode::Forbidden, "{method} {name:?}: {e}");
            }
        }
        assert_eq!(files(&root), Vec::<String>::new(), "files were created");
        // the fixture: the name in scope works
        select(&c, "notes", "SELECT 1 AS one").await.unwrap();
        assert!(files(&root).contains(&"dbs/notes.sqlite3".to_owned()));
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_every_database_granted_bad_names_are_refused_before_sqlite() {
    within(async {
        let root = root("star-scope");
        let app = app(&root.join("dbs"), &["*"], &["*"], &[]);
        let c = app.test_client("main");
        let mut opened = Vec::new();
        for name in hostile_names(&root) {
            let answers = every_method(&c, &name).await;
            if is_name(&name) {
                for (method, answer) in answers {
                    answer.unwrap_or_else(|e| panic!("{method} {name:?}: {e}"));
                }
                opened.push(name);
                continue;
            }
            for (method, answer) in answers {
                let e = answer.expect_err(&format!("{method} `{name:?}` answered"));
                assert_eq!(kind(&e), "bad_name", "{method} {name:?}: {e}");
            }
        }
        assert_eq!(opened, ["NOTES", "Notes", "notes-wal"]);
        // only `<name>.sqlite3` (and its WAL files) inside the folder, nothing beside it
        for f in files(&root) {
            let base = f
                .strip_prefix("dbs/")
                .unwrap_or_else(|| panic!("a file outside the folder: {f}"));
            let db = base
                .trim_end_matches("-wal")
                .trim_end_matches("-shm")
                .trim_end_matches(".sqlite3");
            assert!(opened.iter().any(|o| o == db), "unexpected file {f}");
        }
        // `:memory:` never became a database: nothing answers from one
        let e = execute(&c, ":memory:", "CREATE TABLE m (x)", vec![], None)
            .await
            .unwrap_err();
        assert_eq!(kind(&e), "bad_name");
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_database_stays_denied_whatever_its_case() {
    within(async {
        let root = root("deny-case");
        let app = app(&root.join("dbs"), &["*"], &["*"], &["secrets"]);
        let c = app.test_client("main");
        for name in ["secrets", "SECRETS", "Secrets", "sEcReTs"] {
            for (method, answer) in every_method(&c, name).await {
                let e = answer.expect_err(&format!("{method} {name} answered"));
                assert_eq!(e.code(), ErrorCode::Forbidden, "{method} {name}: {e}");
            }
        }
        assert_eq!(files(&root), Vec::<String>::new());
        // other names stay allowed
        select(&c, "notes", "SELECT 1 AS one").await.unwrap();
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_cannot_reach_another_file() {
    within(async {
        let root = root("attach");
        let app = app(&root.join("dbs"), &["notes"], &["notes"], &[]);
        let c = app.test_client("main");
        select(&c, "notes", "SELECT 1 AS one").await.unwrap();
        let before = files(&root);
        let outside = root.join("outside.sqlite3").display().to_string();
        let temp_dir = root.join("temp");
        std::fs::create_dir_all(&temp_dir).unwrap();
        let text = |s: &str| SqlValue::Text(s.into());
        let attempts: Vec<(&str, String, Vec<SqlValue>)> = vec![
            (
                "attach :memory:",
                "ATTACH DATABASE ':memory:' AS m".into(),
                vec![],
            ),
            (
                "attach a URI",
                "ATTACH DATABASE 'file:evil?mode=memory&cache=shared' AS m".into(),
                vec![],
            ),
            (
                "attach a bound path",
                "ATTACH DATABASE ? AS m".into(),
                vec![text(&outside)],
            ),
            (
                "attach, lower case",
                format!("attach database '{outside}' as m"),
                vec![],
            ),
            (
                "attach after a comment",
                format!("/* hi */ ATTACH '{outside}' AS m"),
                vec![],
            ),
            (
                "vacuum into a bound path",
                "VACUUM INTO ?".into(),
                vec![text(&outside)],
            ),
            (
                "load_extension",
                "SELECT load_extension(?)".into(),
                vec![text(&outside)],
            ),
            // defensive mode: the pragma may run, it does not make the schema writable
            (
                "a write to sqlite_master after writable_schema",
                "UPDATE sqlite_master SET sql = 'CREATE TABLE notes (x)' WHERE name = 'notes'"
                    .into(),
                vec![],
            ),
            // pragmas that change the whole process (every connection, every window):
            // where SQLite writes temporary files, and its memory limits
            (
                "temp_store_directory",
                format!("PRAGMA temp_store_directory = '{}'", temp_dir.display()),
                vec![],
            ),
            (
                "temp_store_directory, mixed case",
                format!("pragma Temp_Store_Directory = '{}'", temp_dir.display()),
                vec![],
            ),
            (
                "temp_store_directory, schema-qualified",
                format!(
                    "PRAGMA main.temp_store_directory = '{}'",
                    temp_dir.display()
                ),
                vec![],
            ),
            (
                "data_store_directory",
                format!("PRAGMA data_store_directory = '{}'", temp_dir.display()),
                vec![],
            ),
            (
                "soft_heap_limit",
                "PRAGMA soft_heap_limit = 1".into(),
                vec![],
            ),
            (
                "hard_heap_limit",
                "PRAGMA hard_heap_limit = 1".into(),
                vec![],
            ),
        ];
        execute(&c, "notes", "PRAGMA writable_schema = ON", vec![], None)
            .await
            .ok();
        let mut failures = Vec::new();
        for (what, sql, params) in &attempts {
            match execute(&c, "notes", sql, params.clone(), None).await {
                Ok(done) => failures.push(format!("{what}: ran ({done:?})")),
                Err(e) => assert_eq!(e.code(), ErrorCode::App, "{what}: {e}"),
            }
        }
        // through `select`, and inside a transaction (a connection of its own)
        let e = select(&c, "notes", &format!("ATTACH '{outside}' AS m"))
            .await
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::App, "{e}");
        let mut tx = c
            .stream::<u32>("plugin:sql", "begin", &args! { db: "notes" }, 1)
            .await
            .unwrap();
        let id = tx.next().await.unwrap().unwrap();
        let e = execute(
            &c,
            "notes",
            &format!("ATTACH '{outside}' AS m"),
            vec![],
            Some(id),
        )
        .await
        .unwrap_err();
        assert_eq!(e.code(), ErrorCode::App, "{e}");
        c.invoke::<()>("plugin:sql", "rollback", &args! { tx: id })
            .await
            .unwrap();
        drop(tx);
        assert!(failures.is_empty(), "{failures:#?}");
        // nothing appeared outside the folder, and the connection holds its own database only
        let after: Vec<String> = files(&root)
            .into_iter()
            .filter(|f| !before.contains(f))
            .collect();
        assert!(
            after.iter().all(|f| f.starts_with("dbs/notes.sqlite3")),
            "new files: {after:?}"
        );
        let rows = select(&c, "notes", "SELECT name FROM pragma_database_list")
            .await
            .unwrap();
        let names: Vec<_> = rows.iter().map(|r| r.get("name").cloned()).collect();
        assert!(
            names
                .iter()
                .all(|n| matches!(n, Some(SqlValue::Text(t)) if t == "main" || t == "temp")),
            "{names:?}"
        );
    })
    .await
}
