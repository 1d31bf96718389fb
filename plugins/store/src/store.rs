//! The actor at `plugin:store`: the stores' contents in memory, one map per store file.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use rmpv::Value;
use serde::{Deserialize, Serialize};
use switchboard::AppHandle;

use crate::writer::Writer;
use crate::StoreError;

/// The topic of change events.
pub const CHANGED: &str = "store/changed";

/// A change to a store, emitted on `store/changed` to every window that listens. It carries
/// the key, never the value: a window reads the value with `get`, inside its own scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct StoreChange {
    /// The store's name.
    pub store: String,
    /// The key (none for `clear`).
    pub key: Option<String>,
    /// `set`, `delete` or `clear`.
    pub kind: String,
}

/// Whether `name` can name a store (and its file): 1 to 64 of `A-Z a-z 0-9 _ -`.
pub(crate) fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err("a store name is 1 to 64 of A-Z a-z 0-9 _ -".into())
    }
}

type Map = BTreeMap<String, Value>;

/// The store actor. A clone starts with nothing loaded (what a restart after a panic starts
/// from): stores are read again from disk after the writer has flushed them.
pub struct Stores {
    dir: PathBuf,
    writer: Writer,
    open: HashMap<String, Map>,
}

impl Clone for Stores {
    fn clone(&self) -> Self {
        Stores {
            dir: self.dir.clone(),
            writer: self.writer.clone(),
            open: HashMap::new(),
        }
    }
}

impl Stores {
    pub(crate) fn new(dir: PathBuf, writer: Writer) -> Self {
        Stores {
            dir,
            writer,
            open: HashMap::new(),
        }
    }

    fn path(&self, store: &str) -> PathBuf {
        self.dir.join(format!("{store}.msgpack"))
    }

    /// The store's map, loaded on first use (after the writer flushed what it holds for it).
    async fn map(&mut self, store: &str) -> Result<&mut Map, StoreError> {
        check_name(store).map_err(|message| StoreError::BadName {
            store: store.to_owned(),
            message,
        })?;
        if !self.open.contains_key(store) {
            let path = self.path(store);
            let io = |e: std::io::Error| StoreError::Io {
                store: store.to_owned(),
                message: e.to_string(),
            };
            self.writer.flush(path.clone()).await.map_err(io)?;
            let read = tokio::task::spawn_blocking(move || std::fs::read(path))
                .await
                .map_err(|e| StoreError::Io {
                    store: store.to_owned(),
                    message: e.to_string(),
                })?;
            let map = match read {
                Ok(bytes) => crate::decode(&bytes).map_err(|message| StoreError::Corrupt {
                    store: store.to_owned(),
                    message,
                })?,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Map::new(),
                Err(e) => return Err(io(e)),
            };
            self.open.insert(store.to_owned(), map);
        }
        Ok(self.open.entry(store.to_owned()).or_default())
    }

    fn encoded(&self, store: &str) -> Result<Vec<u8>, StoreError> {
        let empty = Map::new();
        let map = self.open.get(store).unwrap_or(&empty);
        rmp_serde::to_vec_named(map).map_err(|e| StoreError::Io {
            store: store.to_owned(),
            message: e.to_string(),
        })
    }

    /// After a change: schedule the autosave and tell the listeners.
    fn changed(
        &self,
        app: &AppHandle,
        store: &str,
        key: Option<String>,
        kind: &str,
    ) -> Result<(), StoreError> {
        self.writer.later(self.path(store), self.encoded(store)?);
        let _ = app.emit(
            CHANGED,
            &StoreChange {
                store: store.to_owned(),
                key,
                kind: kind.to_owned(),
            },
        );
        Ok(())
    }
}

#[switchboard::actor]
impl Stores {
    /// The value under `key` in `store`, or `null`.
    async fn get(&mut self, store: String, key: String) -> Result<Option<Value>, StoreError> {
        Ok(self.map(&store).await?.get(&key).cloned())
    }

    /// Set `key` to `value` (any MessagePack value: it comes back with its type). In memory
    /// and announced when this answers; on disk after the debounce, or at `save`.
    async fn set(
        &mut self,
        store: String,
        key: String,
        value: Value,
        app: AppHandle,
    ) -> Result<(), StoreError> {
        self.map(&store).await?.insert(key.clone(), value);
        self.changed(&app, &store, Some(key), "set")
    }

    /// Remove `key`; `false` if it was not there.
    async fn delete(
        &mut self,
        store: String,
        key: String,
        app: AppHandle,
    ) -> Result<bool, StoreError> {
        let removed = self.map(&store).await?.remove(&key).is_some();
        if removed {
            self.changed(&app, &store, Some(key), "delete")?;
        }
        Ok(removed)
    }

    /// Every key of `store`, in order.
    async fn keys(&mut self, store: String) -> Result<Vec<String>, StoreError> {
        Ok(self.map(&store).await?.keys().cloned().collect())
    }

    /// Every key and value of `store`, in key order.
    async fn entries(&mut self, store: String) -> Result<Vec<(String, Value)>, StoreError> {
        Ok(self
            .map(&store)
            .await?
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }

    /// Remove every key of `store`.
    async fn clear(&mut self, store: String, app: AppHandle) -> Result<(), StoreError> {
        self.map(&store).await?.clear();
        self.changed(&app, &store, None, "clear")
    }

    /// Write `store` to disk now; answers once it is durable (fsynced and renamed into place).
    async fn save(&mut self, store: String) -> Result<(), StoreError> {
        self.map(&store).await?;
        let bytes = self.encoded(&store)?;
        self.writer
            .now(self.path(&store), bytes)
            .await
            .map_err(|e| StoreError::Io {
                store,
                message: e.to_string(),
            })
    }
}
