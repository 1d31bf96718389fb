//! `watch`: change events through the `notify` crate, filtered by the caller's scope and
//! emitted on `fs/changed` to the caller's window only.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use notify::{RecursiveMode, Watcher};
use serde::{Deserialize, Serialize};
use switchboard::AppHandle;

use crate::error::FsError;
use crate::scope::FsScope;
use crate::MAX_WATCHES;

/// The topic of change events.
pub const CHANGED: &str = "fs/changed";

/// One change seen by a watch, emitted on `fs/changed` to the window that started it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct FsChange {
    /// The watch id `watch` answered.
    pub watch: u32,
    /// `create`, `modify`, `remove`, `access` or `other`.
    pub kind: String,
    /// The paths concerned (canonical, absolute), only those inside the caller's scope.
    pub paths: Vec<String>,
}

pub(crate) struct Watch {
    window: String,
    _watcher: notify::RecommendedWatcher,
}

#[derive(Default)]
pub(crate) struct Watches {
    by_id: HashMap<u32, Watch>,
    next: u32,
}

fn lock(w: &Mutex<Watches>) -> std::sync::MutexGuard<'_, Watches> {
    w.lock().unwrap_or_else(|p| p.into_inner())
}

fn kind(kind: &notify::EventKind) -> &'static str {
    match kind {
        notify::EventKind::Create(_) => "create",
        notify::EventKind::Modify(_) => "modify",
        notify::EventKind::Remove(_) => "remove",
        notify::EventKind::Access(_) => "access",
        _ => "other",
    }
}

pub(crate) fn start(
    watches: &Arc<Mutex<Watches>>,
    app: AppHandle,
    window: String,
    scope: Arc<FsScope>,
    shown: &str,
    real: &Path,
    recursive: bool,
) -> Result<u32, FsError> {
    let id = {
        let mut w = lock(watches);
        if w.by_id.values().filter(|w| w.window == window).count() >= MAX_WATCHES {
            return Err(FsError::Limit {
                what: "watches".into(),
                limit: MAX_WATCHES as u32,
            });
        }
        w.next = w.next.wrapping_add(1).max(1);
        w.next
    };
    let to = window.clone();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        let paths: Vec<String> = event
            .paths
            .iter()
            .filter(|p| scope.permits_name(p))
            .map(|p| p.display().to_string())
            .collect();
        if paths.is_empty() {
            return;
        }
        let change = FsChange {
            watch: id,
            kind: kind(&event.kind).to_owned(),
            paths,
        };
        if let Err(e) = app.emit_to(&to, CHANGED, &change) {
            tracing::debug!(error = %e, "fs change not delivered");
        }
    })
    .map_err(|e| FsError::Io {
        path: shown.to_owned(),
        message: e.to_string(),
    })?;
    let mode = if recursive {
        RecursiveMode::Recursive
    } else {
        RecursiveMode::NonRecursive
    };
    watcher.watch(real, mode).map_err(|e| FsError::Io {
        path: shown.to_owned(),
        message: e.to_string(),
    })?;
    lock(watches).by_id.insert(
        id,
        Watch {
            window,
            _watcher: watcher,
        },
    );
    Ok(id)
}

pub(crate) fn stop(watches: &Mutex<Watches>, id: u32, window: &str) -> bool {
    let mut w = lock(watches);
    match w.by_id.get(&id) {
        Some(watch) if watch.window == window => w.by_id.remove(&id).is_some(),
        _ => false,
    }
}

/// Drop a window's watches when it is destroyed.
pub(crate) fn stop_on_close(
    app: &AppHandle,
    window: &str,
    watches: &Arc<Mutex<Watches>>,
    cleaned: &Arc<Mutex<HashSet<String>>>,
) {
    let watches = Arc::clone(watches);
    let cleaned = Arc::clone(cleaned);
    let label = window.to_owned();
    let topic = format!("window/{window}/destroyed");
    let listened = app.listen(&topic, move |_| {
        lock(&watches).by_id.retain(|_, w| w.window != label);
        cleaned
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&label);
    });
    if let Err(e) = listened {
        tracing::debug!(error = %e, "cannot follow the window's close");
    }
}
