//! What the sql plugin does, on real SQLite files through the in-process client with real
//! capabilities.

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

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("switchboard-sql-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

const NOTES: &str = "CREATE TABLE notes (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL UNIQUE,
    body TEXT,
    score REAL,
    big INTEGER,
    data BLOB
)";

fn plugin(dir: &Path) -> SqlPlugin {
    SqlPlugin::new(dir).migrations("notes", [Migration::new(1, "notes", NOTES)])
}

fn app_with(plugin: SqlPlugin) -> App {
    App::builder()
        .plugin(plugin)
        .capability(
            Capability::new("main")
                .windows(["main", "other"])
                .grant(Grant::new("sql:allow-read").allow_scope("notes"))
                .grant(Grant::new("sql:allow-write").allow_scope("notes")),
        )
        .capability(
            Capability::new("reader")
                .windows(["reader"])
                .grant(Grant::new("sql:allow-read").allow_scope("notes")),
        )
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
    sql: &str,
    params: Vec<SqlValue>,
    tx: Option<u32>,
) -> Result<Executed, ClientError> {
    let stmt = Stmt {
        db: "notes",
        sql,
        params,
        tx,
    };
    c.invoke("plugin:sql", "execute", &stmt).await
}

async fn select(
    c: &Client,
    sql: &str,
    params: Vec<SqlValue>,
    tx: Option<u32>,
) -> Result<Vec<Row>, ClientError> {
    let stmt = Stmt {
        db: "notes",
        sql,
        params,
        tx,
    };
    c.invoke("plugin:sql", "select", &stmt).await
}

fn text(s: &str) -> SqlValue {
    SqlValue::Text(s.into())
}

fn kind(err: &ClientError) -> String {
    assert_eq!(err.code(), ErrorCode::App, "{err}");
    err.data::<serde_json::Value>()
        .and_then(|d| d["kind"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("no kind in {err}"))
}

async fn count(c: &Client) -> i64 {
    let rows = select(c, "SELECT COUNT(*) AS n FROM notes", vec![], None)
        .await
        .unwrap();
    match rows[0].get("n") {
        Some(SqlValue::Integer(n)) => *n,
        other => panic!("count: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_come_back_typed_with_blobs_as_bytes_and_big_integers_exact() {
    within(async {
        let dir = dir("types");
        let app = app_with(plugin(&dir));
        let main = app.test_client("main");
        let done = execute(
            &main,
            "INSERT INTO notes (title, body, score, big, data) VALUES (?, ?, ?, ?, ?)",
            vec![
                text("a"),
                SqlValue::Null,
                SqlValue::Real(2.5),
                SqlValue::Integer(i64::MAX),
                SqlValue::Blob(vec![0, 1, 255]),
            ],
            None,
        )
        .await
        .unwrap();
        assert_eq!(done.rows_affected, 1);
        assert_eq!(done.last_insert_id, SqlValue::Integer(1));
        let rows = select(
            &main,
            "SELECT id, title, body, score, big, data FROM notes WHERE title = ?1",
            vec![text("a")],
            None,
        )
        .await
        .unwrap();
        let row = &rows[0];
        let names: Vec<&str> = row.0.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["id", "title", "body", "score", "big", "data"]);
        assert_eq!(row.get("id"), Some(&SqlValue::Integer(1)));
        assert_eq!(row.get("body"), Some(&SqlValue::Null));
        assert_eq!(row.get("score"), Some(&SqlValue::Real(2.5)));
        assert_eq!(row.get("big"), Some(&SqlValue::Integer(i64::MAX)));
        assert_eq!(row.get("data"), Some(&SqlValue::Blob(vec![0, 1, 255])));

        // on the wire: the big integer is a string a page cannot round, the blob is `bin`
        let raw: serde_json::Value = main
            .invoke(
                "plugin:sql",
                "select",
                &args! { db: "notes", sql: "SELECT big, 9007199254740991 AS safe FROM notes" },
            )
            .await
            .unwrap();
        assert_eq!(
            raw[0]["big"],
            serde_json::json!({ "int64": "9223372036854775807" })
        );
        assert_eq!(raw[0]["safe"], serde_json::json!(9007199254740991i64));
        // and a page can send one back the same way
        let rows: Vec<Row> = main
            .invoke(
                "plugin:sql",
                "select",
                &args! { db: "notes", sql: "SELECT COUNT(*) AS n FROM notes WHERE big = ?",
                params: [serde_json::json!({ "int64": "9223372036854775807" })] },
            )
            .await
            .unwrap();
        assert_eq!(rows[0].get("n"), Some(&SqlValue::Integer(1)));
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_name_the_sql_problem() {
    within(async {
        let dir = dir("errors");
        let app = app_with(plugin(&dir));
        let main = app.test_client("main");
        execute(
            &main,
            "INSERT INTO notes (title) VALUES (?)",
            vec![text("a")],
            None,
        )
        .await
        .unwrap();

        let err = execute(
            &main,
            "INSERT INTO notes (title) VALUES (?)",
            vec![text("a")],
            None,
        )
        .await
        .unwrap_err();
        assert_eq!(kind(&err), "constraint");
        let data: serde_json::Value = err.data().unwrap();
        assert_eq!(data["constraint"], "unique", "{data}");
        assert!(err.message().contains("notes.title"), "{}", err.message());

        let err = execute(&main, "INSERT INTO notes (body) VALUES ('x')", vec![], None)
            .await
            .unwrap_err();
        assert_eq!(
            err.data::<serde_json::Value>().unwrap()["constraint"],
            "not_null"
        );

        let err = execute(
            &main,
            "INSERT INTO notes (title) VALUS (?)",
            vec![text("b")],
            None,
        )
        .await
        .unwrap_err();
        assert_eq!(kind(&err), "syntax", "{err}");
        assert!(err.message().contains("syntax error"), "{}", err.message());
        let err = select(&main, "SELECT nope FROM notes", vec![], None)
            .await
            .unwrap_err();
        assert_eq!(kind(&err), "syntax", "{err}");

        // one statement per call: no `; DROP TABLE` riding along
        let err = execute(
            &main,
            "UPDATE notes SET body = ?; DROP TABLE notes",
            vec![text("x")],
            None,
        )
        .await
        .unwrap_err();
        assert_eq!(kind(&err), "multiple_statements", "{err}");
        let err = execute(&main, "INSERT INTO notes (title) VALUES (?)", vec![], None)
            .await
            .unwrap_err();
        assert_eq!(kind(&err), "parameters", "{err}");

        // select only reads, so `sql:allow-read` cannot write
        let reader = app.test_client("reader");
        let err = select(&reader, "DELETE FROM notes RETURNING id", vec![], None)
            .await
            .unwrap_err();
        assert_eq!(kind(&err), "read_only", "{err}");
        let err = execute(&reader, "DELETE FROM notes", vec![], None)
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Forbidden, "{err}");
        assert_eq!(count(&main).await, 1);

        // no other file is reachable from a page's SQL
        let outside = dir.join("outside.sqlite3");
        let attach = format!("ATTACH DATABASE '{}' AS evil", outside.display());
        let err = execute(&main, &attach, vec![], None).await.unwrap_err();
        assert_eq!(kind(&err), "other", "{err}");
        let vacuum = format!("VACUUM INTO '{}'", outside.display());
        let err = execute(&main, &vacuum, vec![], None).await.unwrap_err();
        assert!(!outside.exists(), "VACUUM INTO wrote a file: {err}");
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_result_too_large_for_one_answer_says_so() {
    within(async {
        let dir = dir("large");
        let app = app_with(plugin(&dir).max_result(10_000));
        let main = app.test_client("main");
        let counting = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT ?)
                        SELECT x, 'some text to fill a row' AS filler FROM c";
        let rows = select(&main, counting, vec![SqlValue::Integer(100)], None)
            .await
            .unwrap();
        assert_eq!(rows.len(), 100);
        let err = select(&main, counting, vec![SqlValue::Integer(100_000)], None)
            .await
            .unwrap_err();
        assert_eq!(kind(&err), "too_large", "{err}");
        assert!(
            err.message().contains("LIMIT and OFFSET"),
            "{}",
            err.message()
        );
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_run_once_each_in_a_transaction() {
    within(async {
        let dir = dir("migrations");
        let seed = Migration::new(
            1,
            "notes with a seed row",
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL);
             INSERT INTO notes (title) VALUES ('welcome');",
        );
        // migration 2 fails halfway: its first statement must not survive
        let broken = Migration::new(
            2,
            "tags",
            "CREATE TABLE tags (name TEXT); INSERT INTO missing VALUES (1);",
        );
        let app = app_with(SqlPlugin::new(&dir).migrations("notes", [seed.clone(), broken]));
        let main = app.test_client("main");
        let err = main
            .invoke::<u32>("plugin:sql", "open", &args! { db: "notes" })
            .await
            .unwrap_err();
        assert_eq!(kind(&err), "migration", "{err}");
        assert_eq!(err.data::<serde_json::Value>().unwrap()["version"], 2);
        drop(main);
        drop(app);

        let fixed = Migration::new(2, "tags", "CREATE TABLE tags (name TEXT);");
        for _ in 0..2 {
            let app =
                app_with(SqlPlugin::new(&dir).migrations("notes", [seed.clone(), fixed.clone()]));
            let main = app.test_client("main");
            let version: u32 = main
                .invoke("plugin:sql", "open", &args! { db: "notes" })
                .await
                .unwrap();
            assert_eq!(version, 2);
            // migration 1 ran once: one seed row, however often the app starts
            assert_eq!(count(&main).await, 1);
            let applied = select(
                &main,
                "SELECT version FROM _switchboard_migrations ORDER BY version",
                vec![],
                None,
            )
            .await
            .unwrap();
            assert_eq!(applied.len(), 2);
            let tags = select(&main, "SELECT COUNT(*) AS n FROM tags", vec![], None)
                .await
                .unwrap();
            assert_eq!(tags[0].get("n"), Some(&SqlValue::Integer(0)));
        }
    })
    .await
}

/// Begin a transaction; answers the stream (the page's handle) and the id.
async fn begin(c: &Client) -> (switchboard::client::ClientStream<u32>, u32) {
    let mut tx = c
        .stream::<u32>("plugin:sql", "begin", &args! { db: "notes" }, 4)
        .await
        .unwrap();
    let id = tx.next().await.unwrap().unwrap();
    (tx, id)
}

fn long_busy(dir: &Path) -> App {
    // a lock left behind would make the next write wait this long, then fail `busy`
    app_with(plugin(dir).busy_timeout(Duration::from_secs(20)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_transaction_handle_rolls_it_back() {
    within(async {
        let dir = dir("drop");
        let app = long_busy(&dir);
        let main = app.test_client("main");
        let (tx, id) = begin(&main).await;
        execute(
            &main,
            "INSERT INTO notes (title) VALUES (?)",
            vec![text("draft")],
            Some(id),
        )
        .await
        .unwrap();
        let inside = select(&main, "SELECT title FROM notes", vec![], Some(id))
            .await
            .unwrap();
        assert_eq!(inside.len(), 1, "the transaction sees its own write");
        assert_eq!(count(&main).await, 0, "nobody else does");

        tx.cancel().await.unwrap(); // what `return()` / leaving the loop does in JS
                                    // the write lock is free again (else this waits 20 s and fails `busy`), and the
                                    // draft never happened
        execute(
            &main,
            "INSERT INTO notes (title) VALUES (?)",
            vec![text("kept")],
            None,
        )
        .await
        .unwrap();
        let titles = select(&main, "SELECT title FROM notes", vec![], None)
            .await
            .unwrap();
        assert_eq!(titles.len(), 1);
        assert_eq!(titles[0].get("title"), Some(&text("kept")));
        let err = execute(
            &main,
            "INSERT INTO notes (title) VALUES ('x')",
            vec![],
            Some(id),
        )
        .await
        .unwrap_err();
        assert_eq!(kind(&err), "unknown_transaction", "{err}");
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_the_window_rolls_back_its_transactions() {
    within(async {
        let dir = dir("close");
        let app = long_busy(&dir);
        let other = app.test_client("other");
        let (_tx, id) = begin(&other).await;
        execute(
            &other,
            "INSERT INTO notes (title) VALUES (?)",
            vec![text("draft")],
            Some(id),
        )
        .await
        .unwrap();
        // the runtime reports the window gone: its session closes, its stream with it
        app.window_closed(&"other".parse().unwrap());
        let main = app.test_client("main");
        execute(
            &main,
            "INSERT INTO notes (title) VALUES (?)",
            vec![text("kept")],
            None,
        )
        .await
        .unwrap();
        assert_eq!(count(&main).await, 1);
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commit_keeps_the_work_and_a_held_lock_answers_busy() {
    within(async {
        let dir = dir("busy");
        let app = app_with(plugin(&dir).busy_timeout(Duration::from_millis(50)));
        let main = app.test_client("main");
        let other = app.test_client("other");
        let (mut tx, id) = begin(&main).await;
        execute(
            &main,
            "INSERT INTO notes (title) VALUES (?)",
            vec![text("a")],
            Some(id),
        )
        .await
        .unwrap();
        // the transaction holds the write lock: a write elsewhere waits, then says why
        let err = execute(
            &other,
            "INSERT INTO notes (title) VALUES (?)",
            vec![text("b")],
            None,
        )
        .await
        .unwrap_err();
        assert_eq!(kind(&err), "busy", "{err}");
        // the transaction belongs to its window
        let err = other
            .invoke::<()>("plugin:sql", "commit", &args! { tx: id })
            .await
            .unwrap_err();
        assert_eq!(kind(&err), "unknown_transaction", "{err}");

        main.invoke::<()>("plugin:sql", "commit", &args! { tx: id })
            .await
            .unwrap();
        assert!(
            tx.next().await.is_none(),
            "the handle's stream ends at commit"
        );
        execute(
            &other,
            "INSERT INTO notes (title) VALUES (?)",
            vec![text("b")],
            None,
        )
        .await
        .unwrap();
        assert_eq!(count(&main).await, 2);

        // an explicit rollback
        let (_tx, id) = begin(&main).await;
        execute(&main, "DELETE FROM notes", vec![], Some(id))
            .await
            .unwrap();
        main.invoke::<()>("plugin:sql", "rollback", &args! { tx: id })
            .await
            .unwrap();
        assert_eq!(count(&main).await, 2);
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outside_the_scope_is_forbidden_before_it_is_opened() {
    within(async {
        let dir = dir("scope");
        let app = app_with(plugin(&dir));
        let main = app.test_client("main");
        let err = main
            .invoke::<Vec<Row>>(
                "plugin:sql",
                "select",
                &args! { db: "secrets", sql: "SELECT 1" },
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Forbidden, "{err}");
        assert!(
            err.message().contains("database `secrets`"),
            "{}",
            err.message()
        );
        assert!(
            err.message().contains("databases [notes]"),
            "{}",
            err.message()
        );
        assert!(!dir.join("secrets.sqlite3").exists(), "the plugin ran");
    })
    .await
}

#[test]
fn the_readme_lists_every_permission() {
    let app = App::builder()
        .plugin(SqlPlugin::new(dir("readme")))
        .build()
        .unwrap();
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
        ts.contains(
            "export type SqlValue = null | number | string | Uint8Array | { int64: string }"
        ),
        "{ts}"
    );
}
