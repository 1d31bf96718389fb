//! One SQLite connection on a dedicated thread that owns it. The actor sends it one job at a
//! time ([`Conn`]) and awaits the answer; the thread ends when its last handle is dropped,
//! rolling back a transaction still open.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{mpsc, Arc};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};
use tokio::sync::oneshot;

use crate::value::{Executed, Row, SqlValue};
use crate::{Migration, SqlError};

/// What every connection of one plugin instance shares.
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) dir: PathBuf,
    pub(crate) busy_timeout: Duration,
    pub(crate) migrations: HashMap<String, Arc<[Migration]>>,
    pub(crate) max_result: u64,
}

type Answer<T> = oneshot::Sender<Result<T, SqlError>>;

enum Job {
    Execute {
        sql: String,
        params: Vec<SqlValue>,
        reply: Answer<Executed>,
    },
    Select {
        sql: String,
        params: Vec<SqlValue>,
        reply: Answer<Vec<Row>>,
    },
    Commit {
        reply: Answer<()>,
    },
    Rollback {
        reply: Answer<()>,
    },
}

/// A handle on one connection's thread.
#[derive(Clone)]
pub(crate) struct Conn {
    jobs: mpsc::Sender<Job>,
    db: Arc<str>,
}

/// What a connection is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// The database's shared connection: runs its migrations, then autocommit statements.
    Main,
    /// One page transaction: `BEGIN IMMEDIATE` on open, `ROLLBACK` unless committed.
    Transaction,
}

fn gone(db: &str) -> SqlError {
    SqlError::Other {
        db: db.to_owned(),
        code: None,
        message: "the database's connection stopped".into(),
    }
}

impl Conn {
    /// Open database `db` on a new thread. Answers the schema version (the last migration
    /// applied) once the connection is ready.
    pub(crate) async fn open(
        settings: &Arc<Settings>,
        db: &str,
        role: Role,
    ) -> Result<(Conn, u32), SqlError> {
        let (jobs, rx) = mpsc::channel();
        let (ready, opened) = oneshot::channel();
        let settings = Arc::clone(settings);
        let name: Arc<str> = Arc::from(db);
        let thread_name = Arc::clone(&name);
        std::thread::Builder::new()
            .name(format!("switchboard-sql-{db}"))
            .spawn(move || run(&settings, &thread_name, role, rx, ready))
            .map_err(|e| SqlError::Open {
                db: db.to_owned(),
                message: format!("cannot start its thread: {e}"),
            })?;
        let version = opened.await.unwrap_or_else(|_| Err(gone(db)))?;
        Ok((Conn { jobs, db: name }, version))
    }

    async fn ask<T>(&self, job: impl FnOnce(Answer<T>) -> Job) -> Result<T, SqlError> {
        let (reply, answer) = oneshot::channel();
        self.jobs.send(job(reply)).map_err(|_| gone(&self.db))?;
        answer.await.unwrap_or_else(|_| Err(gone(&self.db)))
    }

    pub(crate) async fn execute(
        &self,
        sql: String,
        params: Vec<SqlValue>,
    ) -> Result<Executed, SqlError> {
        self.ask(|reply| Job::Execute { sql, params, reply }).await
    }

    pub(crate) async fn select(
        &self,
        sql: String,
        params: Vec<SqlValue>,
    ) -> Result<Vec<Row>, SqlError> {
        self.ask(|reply| Job::Select { sql, params, reply }).await
    }

    pub(crate) async fn commit(&self) -> Result<(), SqlError> {
        self.ask(|reply| Job::Commit { reply }).await
    }

    pub(crate) async fn rollback(&self) -> Result<(), SqlError> {
        self.ask(|reply| Job::Rollback { reply }).await
    }

    pub(crate) fn db(&self) -> &str {
        &self.db
    }
}

fn run(
    settings: &Settings,
    db: &str,
    role: Role,
    jobs: mpsc::Receiver<Job>,
    ready: oneshot::Sender<Result<u32, SqlError>>,
) {
    let opened = open(settings, db, role);
    let conn = match opened {
        Ok((conn, version)) => {
            if ready.send(Ok(version)).is_err() {
                return; // nobody waits (the caller went away): roll back by closing
            }
            conn
        }
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let mut in_transaction = role == Role::Transaction;
    let span = tracing::debug_span!("sql connection", db, ?role);
    let _entered = span.enter();
    while let Ok(job) = jobs.recv() {
        match job {
            Job::Execute { sql, params, reply } => {
                let _ = reply.send(execute(&conn, db, &sql, &params));
            }
            Job::Select { sql, params, reply } => {
                let _ = reply.send(select(&conn, db, &sql, &params, settings.max_result));
            }
            Job::Commit { reply } => {
                let done = conn
                    .execute_batch("COMMIT")
                    .map_err(|e| classify(db, e, false));
                if done.is_ok() {
                    in_transaction = false;
                }
                let _ = reply.send(done);
            }
            Job::Rollback { reply } => {
                let done = if conn.is_autocommit() {
                    Ok(())
                } else {
                    conn.execute_batch("ROLLBACK")
                        .map_err(|e| classify(db, e, false))
                };
                in_transaction = false;
                let _ = reply.send(done);
            }
        }
    }
    if in_transaction && !conn.is_autocommit() {
        match conn.execute_batch("ROLLBACK") {
            Ok(()) => tracing::debug!("transaction dropped: rolled back"),
            Err(e) => tracing::warn!(error = %e, "rolling back a dropped transaction failed"),
        }
    }
}

fn open(settings: &Settings, db: &str, role: Role) -> Result<(Connection, u32), SqlError> {
    let open_err = |e: &dyn std::fmt::Display| SqlError::Open {
        db: db.to_owned(),
        message: e.to_string(),
    };
    std::fs::create_dir_all(&settings.dir).map_err(|e| open_err(&e))?;
    let path = settings.dir.join(format!("{db}.sqlite3"));
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_NOFOLLOW;
    let conn = Connection::open_with_flags(&path, flags).map_err(|e| open_err(&e))?;
    conn.busy_timeout(settings.busy_timeout)
        .map_err(|e| open_err(&e))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
    )
    .map_err(|e| open_err(&e))?;
    harden(&conn).map_err(|e| open_err(&e))?;
    let version = match role {
        Role::Main => {
            let empty: Arc<[Migration]> = Arc::from(Vec::new());
            let list = settings.migrations.get(db).unwrap_or(&empty);
            migrate(&conn, db, list)?
        }
        Role::Transaction => {
            conn.execute_batch("BEGIN IMMEDIATE")
                .map_err(|e| classify(db, e, false))?;
            0
        }
    };
    Ok((conn, version))
}

/// Pragmas that change the whole process rather than one connection: where SQLite writes
/// its temporary files (any folder, for every connection) and its memory limits (a
/// `hard_heap_limit` of 1 fails every database of the app). A page's SQL may not run them.
const PROCESS_PRAGMAS: &[&str] = &[
    "temp_store_directory",
    "data_store_directory",
    "soft_heap_limit",
    "hard_heap_limit",
];

/// What a page's SQL may not do on this connection: reach other files, load code, write
/// the schema table directly, change the whole process.
fn harden(conn: &Connection) -> rusqlite::Result<()> {
    use rusqlite::config::DbConfig;
    use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
    use rusqlite::limits::Limit;
    // ATTACH (and VACUUM INTO, which attaches) fails: a page reaches its database only
    conn.set_limit(Limit::SQLITE_LIMIT_ATTACHED, 0)?;
    conn.authorizer(Some(|ctx: AuthContext<'_>| match ctx.action {
        AuthAction::Pragma { pragma_name, .. }
            if PROCESS_PRAGMAS
                .iter()
                .any(|p| p.eq_ignore_ascii_case(pragma_name)) =>
        {
            Authorization::Deny
        }
        _ => Authorization::Allow,
    }));
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, true)?;
    Ok(())
}

const MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS _switchboard_migrations (
    version INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at_ms INTEGER NOT NULL
)";

/// Run the migrations not yet applied, each in its own `IMMEDIATE` transaction with the
/// record that it ran (so two processes opening the database at once run each once).
/// Answers the version reached.
fn migrate(conn: &Connection, db: &str, list: &[Migration]) -> Result<u32, SqlError> {
    let fail = |version: u32, e: rusqlite::Error| SqlError::Migration {
        db: db.to_owned(),
        version,
        message: e.to_string(),
    };
    conn.execute_batch(MIGRATIONS_TABLE)
        .map_err(|e| fail(0, e))?;
    let applied = |c: &Connection| -> rusqlite::Result<u32> {
        c.query_row(
            "SELECT COALESCE(MAX(version), 0) FROM _switchboard_migrations",
            [],
            |r| r.get::<_, i64>(0),
        )
        .map(|v| u32::try_from(v).unwrap_or(u32::MAX))
    };
    let start = applied(conn).map_err(|e| fail(0, e))?;
    let mut version = start;
    for m in list.iter().filter(|m| m.version > start) {
        let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)
            .map_err(|e| fail(m.version, e))?;
        // another process may have run it meanwhile
        if applied(&tx).map_err(|e| fail(m.version, e))? >= m.version {
            version = m.version;
            continue;
        }
        tx.execute_batch(&m.sql).map_err(|e| fail(m.version, e))?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        tx.execute(
            "INSERT INTO _switchboard_migrations (version, description, applied_at_ms) VALUES (?1, ?2, ?3)",
            rusqlite::params![m.version, m.description, now],
        )
        .map_err(|e| fail(m.version, e))?;
        tx.commit().map_err(|e| fail(m.version, e))?;
        tracing::info!(db, version = m.version, description = %m.description, "migration applied");
        version = m.version;
    }
    Ok(version)
}

fn prepare<'c>(
    conn: &'c Connection,
    db: &str,
    sql: &str,
    params: &[SqlValue],
) -> Result<rusqlite::Statement<'c>, SqlError> {
    let stmt = conn.prepare(sql).map_err(|e| classify(db, e, true))?;
    let expected = stmt.parameter_count();
    if expected != params.len() {
        return Err(SqlError::Parameters {
            db: db.to_owned(),
            message: format!(
                "the statement has {expected} placeholder(s) and {} parameter(s) were given",
                params.len()
            ),
        });
    }
    Ok(stmt)
}

fn execute(
    conn: &Connection,
    db: &str,
    sql: &str,
    params: &[SqlValue],
) -> Result<Executed, SqlError> {
    let mut stmt = prepare(conn, db, sql, params)?;
    let mut rows = stmt
        .query(rusqlite::params_from_iter(params))
        .map_err(|e| classify(db, e, false))?;
    // run the statement to its end (a statement with RETURNING yields rows; they are dropped)
    while rows.next().map_err(|e| classify(db, e, false))?.is_some() {}
    drop(rows);
    Ok(Executed {
        rows_affected: conn.changes(),
        last_insert_id: SqlValue::Integer(conn.last_insert_rowid()),
    })
}

fn select(
    conn: &Connection,
    db: &str,
    sql: &str,
    params: &[SqlValue],
    max_result: u64,
) -> Result<Vec<Row>, SqlError> {
    let mut stmt = prepare(conn, db, sql, params)?;
    if !stmt.readonly() {
        return Err(SqlError::ReadOnly {
            db: db.to_owned(),
            message: "`select` runs statements that only read; this one writes (use `execute`)"
                .into(),
        });
    }
    let names: Vec<String> = stmt
        .column_names()
        .iter()
        .map(|n| (*n).to_owned())
        .collect();
    let mut rows = stmt
        .query(rusqlite::params_from_iter(params))
        .map_err(|e| classify(db, e, false))?;
    let mut out = Vec::new();
    let mut size: u64 = 0;
    while let Some(row) = rows.next().map_err(|e| classify(db, e, false))? {
        let mut cells = Vec::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            let value = SqlValue::from(row.get_ref(i).map_err(|e| classify(db, e, false))?);
            size += name.len() as u64
                + match &value {
                    SqlValue::Text(t) => t.len() as u64,
                    SqlValue::Blob(b) => b.len() as u64,
                    _ => 9,
                };
            cells.push((name.clone(), value));
        }
        let values = (out.len() as u64 + 1) * (1 + 2 * names.len() as u64);
        if size > max_result || values > crate::MAX_RESULT_VALUES {
            return Err(SqlError::TooLarge {
                db: db.to_owned(),
                message: if size > max_result {
                    format!("over {max_result} bytes")
                } else {
                    format!("over {} values", crate::MAX_RESULT_VALUES)
                },
            });
        }
        out.push(Row(cells));
    }
    Ok(out)
}

/// Name the SQL problem. `preparing`: the error came from compiling the statement.
pub(crate) fn classify(db: &str, e: rusqlite::Error, preparing: bool) -> SqlError {
    let db = db.to_owned();
    match e {
        rusqlite::Error::SqliteFailure(f, message) => {
            let message = message.unwrap_or_else(|| f.to_string());
            match f.code {
                ErrorCode::ConstraintViolation => SqlError::Constraint {
                    db,
                    constraint: constraint_kind(f.extended_code).into(),
                    message,
                },
                ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                    SqlError::Busy { db, message }
                }
                ErrorCode::ReadOnly => SqlError::ReadOnly { db, message },
                ErrorCode::Unknown if preparing => SqlError::Syntax {
                    db,
                    message,
                    offset: None,
                },
                ErrorCode::TooBig => SqlError::TooLarge { db, message },
                _ => SqlError::Other {
                    db,
                    code: Some(f.extended_code),
                    message,
                },
            }
        }
        rusqlite::Error::SqlInputError {
            msg, offset, error, ..
        } => match error.code {
            ErrorCode::Unknown => SqlError::Syntax {
                db,
                message: msg,
                offset: u32::try_from(offset).ok(),
            },
            _ => classify(
                &db,
                rusqlite::Error::SqliteFailure(error, Some(msg)),
                preparing,
            ),
        },
        rusqlite::Error::MultipleStatement => SqlError::MultipleStatements { db },
        rusqlite::Error::InvalidParameterCount(got, expected) => SqlError::Parameters {
            db,
            message: format!("{got} parameter(s) for {expected} placeholder(s)"),
        },
        rusqlite::Error::InvalidParameterName(name) => SqlError::Parameters {
            db,
            message: format!("no placeholder named `{name}`"),
        },
        other => SqlError::Other {
            db,
            code: None,
            message: other.to_string(),
        },
    }
}

fn constraint_kind(extended: i32) -> &'static str {
    use rusqlite::ffi;
    match extended {
        ffi::SQLITE_CONSTRAINT_UNIQUE => "unique",
        ffi::SQLITE_CONSTRAINT_PRIMARYKEY | ffi::SQLITE_CONSTRAINT_ROWID => "primary_key",
        ffi::SQLITE_CONSTRAINT_NOTNULL => "not_null",
        ffi::SQLITE_CONSTRAINT_FOREIGNKEY => "foreign_key",
        ffi::SQLITE_CONSTRAINT_CHECK => "check",
        _ => "other",
    }
}
