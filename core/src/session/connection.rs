//! A connection's state: the negotiated version, the pending requests (with their cancel
//! and credit hooks), the subscribed topics, and whether the window was closed.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use futures::future::AbortHandle;
use switchboard_protocol::{Address, RequestId, Topic};

use super::Outbound;
use crate::app::AppHandle;
use crate::call::Caller;
use crate::capability::Grants;
use crate::scope::ResolvedScope;
use crate::stream::CreditGate;

/// One request not answered yet: how to cancel it, and its stream's credit once it streams.
pub(super) struct Pending {
    pub(super) abort: AbortHandle,
    pub(super) credit: Option<Arc<CreditGate>>,
}

#[derive(Default)]
pub(super) struct SessionState {
    pub(super) version: Option<u32>,
    pub(super) pending: HashMap<RequestId, Pending>,
    pub(super) topics: HashSet<Topic>,
    pub(super) closed: bool,
}

pub(crate) struct SessionInner {
    pub(super) id: u64,
    pub(super) uuid: String,
    pub(super) app: AppHandle,
    pub(super) caller: Arc<Caller>,
    pub(super) outbound: Arc<dyn Outbound>,
    pub(super) grants: Grants,
    pub(super) state: Mutex<SessionState>,
    /// Resolved scopes of scoped plugins' methods, made on first use.
    pub(super) scopes: Mutex<HashMap<(Address, String), Result<ResolvedScope, String>>>,
    /// Scope entries granted to this session at run time, by plugin address.
    pub(super) granted: Mutex<HashMap<Address, Vec<serde_json::Value>>>,
}

impl SessionInner {
    /// Add allow entries to this session's scope of the plugin at `to` (until it closes).
    pub(crate) fn grant_scope(&self, to: Address, entries: Vec<serde_json::Value>) {
        let mut scopes = self.scopes.lock().unwrap_or_else(|p| p.into_inner());
        self.granted
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(to.clone())
            .or_default()
            .extend(entries);
        // resolved again, with the new entries, on the next call
        scopes.retain(|(address, _), _| *address != to);
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, SessionState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Cancel every pending request, drop every subscription, leave the app's registry.
    pub(crate) fn close(&self) {
        let (pending, topics) = {
            let mut state = self.lock();
            state.closed = true;
            (
                std::mem::take(&mut state.pending),
                std::mem::take(&mut state.topics),
            )
        };
        for p in pending.into_values() {
            p.abort.abort();
        }
        for topic in &topics {
            self.app.inner.events.unsubscribe_session(topic, self.id);
        }
        self.app.inner.sessions.remove(&self.id);
    }
}

impl Drop for SessionInner {
    fn drop(&mut self) {
        self.close();
    }
}

/// Removes a request from the pending table when its answer is sent (or its future dropped).
pub(super) struct PendingGuard {
    pub(super) session: Arc<SessionInner>,
    pub(super) id: RequestId,
}

impl Drop for PendingGuard {
    fn drop(&mut self) {
        self.session.lock().pending.remove(&self.id);
    }
}
