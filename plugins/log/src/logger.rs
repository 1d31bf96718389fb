//! The actor at `plugin:log`: a page's line becomes a `tracing` event with its window and
//! origin, and joins the window's recent lines.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use switchboard::{AppHandle, Caller};

use crate::MAX_MESSAGE;

/// A log level, as pages name it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, specta::Type,
)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Very detailed.
    Trace,
    /// For developers.
    Debug,
    /// Normal operation.
    Info,
    /// Something to look at.
    Warn,
    /// Something failed.
    Error,
}

/// One line a page logged, as `recent` answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct LogLine {
    /// When, in milliseconds since the Unix epoch.
    pub at_ms: u64,
    /// Its level.
    pub level: Level,
    /// The message.
    pub message: String,
    /// Where in the page, as the page said (its URL, a module), if it did.
    pub location: Option<String>,
}

type Recent = Arc<Mutex<HashMap<String, VecDeque<LogLine>>>>;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The log actor. Its clone shares the recent lines.
#[derive(Clone)]
pub struct Logger {
    keep: usize,
    recent: Recent,
}

impl Logger {
    pub(crate) fn new(keep: usize) -> Self {
        Logger {
            keep,
            recent: Arc::default(),
        }
    }

    /// Forget a window's lines when it is destroyed (listened once per window).
    fn follow(&self, app: &AppHandle, window: &str) {
        let recent = Arc::clone(&self.recent);
        let label = window.to_owned();
        if let Err(e) = app.listen(&format!("window/{window}/destroyed"), move |_| {
            lock(&recent).remove(&label);
        }) {
            tracing::debug!(error = %e, "cannot follow the window's close");
        }
    }
}

fn cut(mut message: String) -> String {
    if message.len() > MAX_MESSAGE {
        let mut end = MAX_MESSAGE;
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        message.truncate(end);
        message.push('…');
    }
    message
}

macro_rules! page_event {
    ($level:expr, $caller:expr, $location:expr, $message:expr) => {
        tracing::event!(
            target: "webview",
            $level,
            window = %$caller.window,
            origin = %$caller.origin,
            location = $location,
            "{}",
            $message
        )
    };
}

#[switchboard::actor]
impl Logger {
    /// Log `message` at `level` from this page: a `tracing` event of target `webview` with
    /// the window's label and origin as fields (`location`, if given, too).
    fn log(
        &mut self,
        level: Level,
        message: String,
        location: Option<String>,
        caller: Caller,
        app: AppHandle,
    ) {
        let message = cut(message);
        let location = location.map(cut);
        let at = location.as_deref().unwrap_or("");
        match level {
            Level::Trace => page_event!(tracing::Level::TRACE, caller, at, message),
            Level::Debug => page_event!(tracing::Level::DEBUG, caller, at, message),
            Level::Info => page_event!(tracing::Level::INFO, caller, at, message),
            Level::Warn => page_event!(tracing::Level::WARN, caller, at, message),
            Level::Error => page_event!(tracing::Level::ERROR, caller, at, message),
        }
        if self.keep == 0 {
            return;
        }
        let window = caller.window.to_string();
        let at_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let first = {
            let mut recent = lock(&self.recent);
            let first = !recent.contains_key(&window);
            let lines = recent.entry(window.clone()).or_default();
            if lines.len() >= self.keep {
                lines.pop_front();
            }
            lines.push_back(LogLine {
                at_ms,
                level,
                message,
                location,
            });
            first
        };
        if first {
            self.follow(&app, &window);
        }
    }

    /// This window's recent lines (its own only), oldest first; the last `limit` when given.
    fn recent(&self, limit: Option<u32>, caller: Caller) -> Vec<LogLine> {
        let recent = lock(&self.recent);
        let Some(lines) = recent.get(caller.window.as_str()) else {
            return Vec::new();
        };
        let skip = limit.map_or(0, |n| lines.len().saturating_sub(n as usize));
        lines.iter().skip(skip).cloned().collect()
    }
}
