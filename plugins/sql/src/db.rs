//! The actor at `plugin:sql`: the open databases (one connection thread each) and the
//! pages' open transactions (one connection thread each, owned by the window that began it).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use switchboard::{Caller, Stream};
use tokio::sync::oneshot;

use crate::connection::{Conn, Role, Settings};
use crate::value::{Executed, Row, SqlValue};
use crate::{check_name, SqlError, MAX_TRANSACTIONS};

struct Transaction {
    window: String,
    conn: Conn,
    /// Ends the page's `begin` stream (commit or rollback).
    end: oneshot::Sender<()>,
}

type Transactions = Arc<Mutex<HashMap<u32, Transaction>>>;

fn lock(txs: &Transactions) -> std::sync::MutexGuard<'_, HashMap<u32, Transaction>> {
    txs.lock().unwrap_or_else(|p| p.into_inner())
}

/// Held by the `begin` stream: when the page drops its handle (cancel), its window closes
/// (the session's requests are dropped) or the stream ends, the transaction leaves the table
/// and its connection thread rolls back what was not committed.
struct TxGuard {
    id: u32,
    txs: Transactions,
}

impl Drop for TxGuard {
    fn drop(&mut self) {
        let removed = lock(&self.txs).remove(&self.id);
        if removed.is_some() {
            tracing::debug!(tx = self.id, "transaction handle dropped: rolling back");
        }
    }
}

/// The sql actor. A clone (what a restart after a panic starts from) reopens databases on
/// first use; open transactions survive in the shared table.
pub struct Sql {
    settings: Arc<Settings>,
    open: HashMap<String, Conn>,
    txs: Transactions,
    next_tx: Arc<AtomicU32>,
}

impl Clone for Sql {
    fn clone(&self) -> Self {
        Sql {
            settings: Arc::clone(&self.settings),
            open: HashMap::new(),
            txs: Arc::clone(&self.txs),
            next_tx: Arc::clone(&self.next_tx),
        }
    }
}

impl Sql {
    pub(crate) fn new(settings: Arc<Settings>) -> Self {
        Sql {
            settings,
            open: HashMap::new(),
            txs: Arc::default(),
            next_tx: Arc::new(AtomicU32::new(1)),
        }
    }

    /// The database's shared connection, opened (and migrated) on first use.
    async fn main(&mut self, db: &str) -> Result<(Conn, u32), SqlError> {
        check_name(db).map_err(|message| SqlError::BadName {
            db: db.to_owned(),
            message,
        })?;
        if let Some(conn) = self.open.get(db) {
            return Ok((conn.clone(), 0));
        }
        let (conn, version) = Conn::open(&self.settings, db, Role::Main).await?;
        self.open.insert(db.to_owned(), conn.clone());
        Ok((conn, version))
    }

    /// The connection a statement runs on: the transaction's (which must be this window's,
    /// on this database), or the database's.
    async fn conn(&mut self, db: &str, tx: Option<u32>, caller: &Caller) -> Result<Conn, SqlError> {
        match tx {
            None => Ok(self.main(db).await?.0),
            Some(id) => {
                let txs = lock(&self.txs);
                match txs.get(&id) {
                    Some(t) if t.window == caller.window.as_str() && t.conn.db() == db => {
                        Ok(t.conn.clone())
                    }
                    _ => Err(SqlError::UnknownTransaction { tx: id }),
                }
            }
        }
    }

    fn take(&self, id: u32, caller: &Caller) -> Result<Transaction, SqlError> {
        let mut txs = lock(&self.txs);
        match txs.get(&id) {
            Some(t) if t.window == caller.window.as_str() => txs
                .remove(&id)
                .ok_or(SqlError::UnknownTransaction { tx: id }),
            _ => Err(SqlError::UnknownTransaction { tx: id }),
        }
    }
}

#[switchboard::actor]
impl Sql {
    /// Open database `db` (created if missing) and run its migrations; answers its schema
    /// version (the last migration applied). Other methods open the database on first use
    /// too, so calling this is optional.
    async fn open(&mut self, db: String) -> Result<u32, SqlError> {
        if self.open.contains_key(&db) {
            // the version is what the migrations table says
            let rows = self
                .main(&db)
                .await?
                .0
                .select(
                    "SELECT COALESCE(MAX(version), 0) AS v FROM _switchboard_migrations".into(),
                    Vec::new(),
                )
                .await?;
            return Ok(match rows.first().and_then(|r| r.get("v")) {
                Some(SqlValue::Integer(v)) => u32::try_from(*v).unwrap_or(0),
                _ => 0,
            });
        }
        Ok(self.main(&db).await?.1)
    }

    /// Run one statement (`INSERT`, `UPDATE`, `DELETE`, `CREATE`, ...) with `params` bound to
    /// its placeholders (`?`, `?1`, `:name` in order), in transaction `tx` when given.
    async fn execute(
        &mut self,
        db: String,
        sql: String,
        params: Option<Vec<SqlValue>>,
        tx: Option<u32>,
        caller: Caller,
    ) -> Result<Executed, SqlError> {
        let conn = self.conn(&db, tx, &caller).await?;
        conn.execute(sql, params.unwrap_or_default()).await
    }

    /// Run one statement that only reads, with `params` bound to its placeholders, in
    /// transaction `tx` when given; answers its rows as objects of column name to value.
    async fn select(
        &mut self,
        db: String,
        sql: String,
        params: Option<Vec<SqlValue>>,
        tx: Option<u32>,
        caller: Caller,
    ) -> Result<Vec<Row>, SqlError> {
        let conn = self.conn(&db, tx, &caller).await?;
        conn.select(sql, params.unwrap_or_default()).await
    }

    /// Begin a transaction on `db` (`BEGIN IMMEDIATE`: it holds the write lock until it
    /// ends). The stream's first item is the transaction's id, for `execute`, `select`,
    /// `commit` and `rollback`; the stream ends when the transaction does. **Dropping the
    /// stream (leaving the loop, `return()`), or closing the window, rolls it back.**
    async fn begin(&mut self, db: String, caller: Caller) -> Result<Stream<u32>, SqlError> {
        let window = caller.window.to_string();
        let held = lock(&self.txs)
            .values()
            .filter(|t| t.window == window)
            .count();
        if held >= MAX_TRANSACTIONS {
            return Err(SqlError::TooManyTransactions {
                limit: MAX_TRANSACTIONS as u32,
            });
        }
        // the shared connection first: it runs the migrations
        self.main(&db).await?;
        let (conn, _) = Conn::open(&self.settings, &db, Role::Transaction).await?;
        let id = self.next_tx.fetch_add(1, Ordering::Relaxed).max(1);
        let (end, ended) = oneshot::channel();
        lock(&self.txs).insert(id, Transaction { window, conn, end });
        let guard = TxGuard {
            id,
            txs: Arc::clone(&self.txs),
        };
        let items = futures::stream::unfold(Some((guard, ended, true)), move |state| async move {
            let (guard, ended, first) = state?;
            if first {
                return Some((id, Some((guard, ended, false))));
            }
            let _ = ended.await;
            drop(guard);
            None
        });
        Ok(Stream::new(items))
    }

    /// Commit transaction `tx`; its stream ends. If the commit fails, the transaction is
    /// rolled back.
    async fn commit(&mut self, tx: u32, caller: Caller) -> Result<(), SqlError> {
        let t = self.take(tx, &caller)?;
        let done = t.conn.commit().await;
        let _ = t.end.send(());
        done
    }

    /// Roll back transaction `tx`; its stream ends.
    async fn rollback(&mut self, tx: u32, caller: Caller) -> Result<(), SqlError> {
        let t = self.take(tx, &caller)?;
        let done = t.conn.rollback().await;
        let _ = t.end.send(());
        done
    }
}
