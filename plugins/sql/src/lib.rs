//! # switchboard-plugin-sql
//!
//! Embedded SQLite for Switchboard pages, compiled into the app (`rusqlite` with its
//! `bundled` feature: no system library; FTS5 included). A page opens a database **by name**
//! inside its scope (`notes` is `<dir>/notes.sqlite3`), the app's migrations run once, in a
//! transaction each, and the page runs one parameterised statement per call — `execute` or
//! `select` — never SQL built by concatenating strings: values go in `params`. Rows come back
//! as typed objects (integers past 2^53 − 1 as `{ int64: "…" }`, BLOBs as bytes), errors name
//! the SQL problem (`constraint`, `syntax`, `busy`, ...), and a transaction lives as long as
//! the page holds its handle: dropping it, or closing the window, rolls it back.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use switchboard::{args, App, Capability, Grant};
//! use switchboard_plugin_sql::{Migration, Row, SqlPlugin, SqlValue};
//!
//! let dir = std::env::temp_dir().join(format!("sql-doc-{}", std::process::id()));
//! let app = App::builder()
//!     .plugin(SqlPlugin::new(&dir).migrations("notes", [
//!         Migration::new(1, "notes", "CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL UNIQUE)"),
//!     ]))
//!     .capability(Capability::new("main").windows(["main"])
//!         .grant(Grant::new("sql:allow-read").allow_scope("notes"))
//!         .grant(Grant::new("sql:allow-write").allow_scope("notes")))
//!     .build()
//!     .unwrap();
//! let main = app.test_client("main");
//! main.invoke::<serde_json::Value>("plugin:sql", "execute",
//!     &args! { db: "notes", sql: "INSERT INTO notes (title) VALUES (?)", params: ["Groceries"] }).await.unwrap();
//! let rows: Vec<Row> = main.invoke("plugin:sql", "select",
//!     &args! { db: "notes", sql: "SELECT id, title FROM notes", params: () }).await.unwrap();
//! assert_eq!(rows[0].get("title"), Some(&SqlValue::Text("Groceries".into())));
//! // another database is outside this window's scope
//! let err = main.invoke::<Vec<Row>>("plugin:sql", "select",
//!     &args! { db: "secrets", sql: "SELECT 1", params: () }).await.unwrap_err();
//! assert_eq!(err.code(), switchboard::protocol::ErrorCode::Forbidden);
//! # drop(app);
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # });
//! ```
//!
//! ## Blocking work
//! Every database connection lives on **a dedicated thread** that owns it (a SQLite
//! connection is used by one thread at a time, and its statements have an order); the actor
//! hands it one statement at a time and awaits the answer, so no query runs on the UI thread
//! or a tokio worker. A transaction has a connection (and a thread) of its own, so the
//! statements of other windows never land inside it.
//!
//! ## Safety of the SQL a page sends
//! - One statement per call (a second one after `;` is refused: `multiple_statements`).
//! - `select` runs only statements that do not write (`read_only`), so `sql:allow-read`
//!   cannot be turned into a write.
//! - `ATTACH` (and `VACUUM INTO`, which attaches) is refused: a page can reach no file but
//!   its database. The connection runs in SQLite's defensive mode (no writable schema, no
//!   extension loading, untrusted schema).
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

mod connection;
mod db;
mod scope;
mod value;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use switchboard::permission::PluginPermissions;
use switchboard::{AppBuilder, Plugin};

pub use db::Sql;
pub use scope::{DbScope, DbScopeSchema};
pub use value::{Executed, Row, SqlValue, MAX_SAFE_INTEGER};

/// The permission declarations, as data (see the README's table).
pub const PERMISSIONS: &str = include_str!("../permissions.toml");

/// How long a statement waits for a lock another connection holds before it answers `busy`,
/// by default.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(2);

/// The most values (column names and cells) one `select` answers: the protocol's decoders
/// accept 2^20 elements per payload (`Limits::max_elements`), rows included.
pub const MAX_RESULT_VALUES: u64 = 1_000_000;

/// Transactions one window may hold open at once.
pub const MAX_TRANSACTIONS: usize = 8;

/// Why an sql call failed (code `app`; `data` is `{ kind: "constraint", db, constraint,
/// message }`...). Calls outside the caller's scope never get here: the bus answers them
/// `forbidden` before the plugin runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum SqlError {
    /// The name cannot name a database.
    #[error("database `{db}`: {message}")]
    BadName {
        /// The name.
        db: String,
        /// Why.
        message: String,
    },
    /// The database file could not be opened or created.
    #[error("database `{db}`: cannot open it: {message}")]
    Open {
        /// The database.
        db: String,
        /// SQLite's or the OS's message.
        message: String,
    },
    /// A migration failed; it was rolled back, and the database stays at the version
    /// before it.
    #[error("database `{db}`: migration {version} failed: {message}")]
    Migration {
        /// The database.
        db: String,
        /// The migration's version.
        version: u32,
        /// SQLite's message.
        message: String,
    },
    /// The statement does not compile: a syntax error, or a table or column that does not
    /// exist.
    #[error("database `{db}`: {message}")]
    Syntax {
        /// The database.
        db: String,
        /// SQLite's message.
        message: String,
        /// Where in the SQL text the error is (bytes), when SQLite says.
        offset: Option<u32>,
    },
    /// A constraint refused the change.
    #[error("database `{db}`: {constraint} constraint failed: {message}")]
    Constraint {
        /// The database.
        db: String,
        /// `unique`, `primary_key`, `not_null`, `foreign_key`, `check` or `other`.
        constraint: String,
        /// SQLite's message (it names the table and column).
        message: String,
    },
    /// Another connection (another window's transaction, another process) held the lock
    /// past the busy timeout. Try again.
    #[error("database `{db}`: busy: {message}")]
    Busy {
        /// The database.
        db: String,
        /// SQLite's message.
        message: String,
    },
    /// `select` was given a statement that writes, or the database is read-only.
    #[error("database `{db}`: {message}")]
    ReadOnly {
        /// The database.
        db: String,
        /// Why.
        message: String,
    },
    /// The SQL holds more than one statement: send one per call.
    #[error("database `{db}`: one statement per call; the SQL holds more")]
    MultipleStatements {
        /// The database.
        db: String,
    },
    /// The parameters do not fit the statement's placeholders.
    #[error("database `{db}`: {message}")]
    Parameters {
        /// The database.
        db: String,
        /// What does not fit.
        message: String,
    },
    /// A transaction id this window did not begin, or that ended.
    #[error("transaction {tx}: no such transaction in this window")]
    UnknownTransaction {
        /// The id.
        tx: u32,
    },
    /// Too many open transactions in one window.
    #[error("at most {limit} open transactions per window")]
    TooManyTransactions {
        /// The limit ([`MAX_TRANSACTIONS`]).
        limit: u32,
    },
    /// A result too large to send in one answer: page through it (`LIMIT` / `OFFSET`).
    #[error("database `{db}`: the result is too large to answer at once ({message}); page through it with LIMIT and OFFSET")]
    TooLarge {
        /// The database.
        db: String,
        /// Which limit it passed.
        message: String,
    },
    /// Any other SQLite error.
    #[error("database `{db}`: {message}")]
    Other {
        /// The database.
        db: String,
        /// SQLite's extended result code, when there is one.
        code: Option<i32>,
        /// SQLite's message.
        message: String,
    },
}

/// Whether `name` can name a database (and its file): 1 to 64 of `A-Z a-z 0-9 _ -`.
pub(crate) fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err("a database name is 1 to 64 of A-Z a-z 0-9 _ -".into())
    }
}

/// One versioned migration: SQL the app ships (it may hold several statements), run once per
/// database, in a transaction with the record that it ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// Its version; migrations run in increasing order, each once.
    pub version: u32,
    /// What it does (kept in the `_switchboard_migrations` table).
    pub description: String,
    /// The SQL.
    pub sql: String,
}

impl Migration {
    /// Migration `version`, described as `description`, running `sql`.
    pub fn new(version: u32, description: impl Into<String>, sql: impl Into<String>) -> Self {
        Migration {
            version,
            description: description.into(),
            sql: sql.into(),
        }
    }
}

/// The sql plugin: `App::builder().plugin(SqlPlugin::new(app_data_dir.join("databases")))`.
/// Database `notes` lives in `<dir>/notes.sqlite3`; its actor answers at `plugin:sql`.
#[derive(Debug, Clone)]
pub struct SqlPlugin {
    dir: PathBuf,
    busy_timeout: Duration,
    migrations: Vec<(String, Vec<Migration>)>,
    max_result: u64,
}

impl SqlPlugin {
    /// Databases kept in `dir` (created on first use).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        SqlPlugin {
            dir: dir.into(),
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
            migrations: Vec::new(),
            max_result: 32 * 1024 * 1024,
        }
    }

    /// The migrations of database `db`, run when it is first opened (in version order, each
    /// once, each in a transaction).
    ///
    /// # Panics
    /// When `db` is not a valid database name, or two migrations share a version: both are
    /// mistakes in the app's code.
    pub fn migrations(mut self, db: &str, migrations: impl IntoIterator<Item = Migration>) -> Self {
        if let Err(e) = check_name(db) {
            panic!("SqlPlugin::migrations(`{db}`): {e}");
        }
        let mut list: Vec<Migration> = migrations.into_iter().collect();
        list.sort_by_key(|m| m.version);
        if let Some(w) = list.windows(2).find(|w| w[0].version == w[1].version) {
            panic!(
                "SqlPlugin::migrations(`{db}`): version {} twice",
                w[0].version
            );
        }
        self.migrations.retain(|(name, _)| name != db);
        self.migrations.push((db.to_owned(), list));
        self
    }

    /// How long a statement waits for a lock before answering `busy` (default
    /// [`DEFAULT_BUSY_TIMEOUT`]).
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// The largest `select` answer, in bytes of row data (default 32 MiB): past it (or past
    /// [`MAX_RESULT_VALUES`] values) the call answers `too_large`.
    pub fn max_result(mut self, bytes: u64) -> Self {
        self.max_result = bytes;
        self
    }

    /// The plugin's permissions and scope schema.
    pub fn permissions(&self) -> PluginPermissions {
        // the file is part of the crate and parsed by a test: it cannot fail here
        PluginPermissions::from_toml("sql", PERMISSIONS)
            .unwrap_or_else(|e| panic!("the sql plugin's permissions.toml is broken: {e}"))
            .scope(DbScopeSchema)
    }
}

impl Plugin for SqlPlugin {
    fn build(self, app: AppBuilder) -> AppBuilder {
        let permissions = self.permissions();
        let settings = connection::Settings {
            dir: self.dir,
            busy_timeout: self.busy_timeout,
            migrations: self
                .migrations
                .into_iter()
                .map(|(db, list)| (db, Arc::from(list)))
                .collect(),
            max_result: self.max_result,
        };
        app.plugin_actor("sql", Sql::new(Arc::new(settings)))
            .permissions(permissions)
    }
}
