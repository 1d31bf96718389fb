//! One window as the bridge sees it: the document its top frame shows, that document's
//! sessions (one per caller origin, each with its own outbound queue) and its `postMessage`
//! token.
//!
//! **Documents.** Every committed navigation of the top frame starts a new document
//! ([`WindowLink::navigated`], called from the webview's load-committed signal): the old
//! document's sessions are closed (their subscriptions, pending calls and queued frames
//! with them), its token stops working, and late answers addressed to it are dropped (they
//! carry its [`DocumentId`]). The new document opens sessions on its first frame.
//!
//! **The token.** wry's `window.ipc.postMessage` reaches WebKit's `ipc` message handler,
//! which every frame of the page can reach, and the message arrives with the URL the
//! webview shows (during a navigation, already the next page's). So the top frame's guard
//! script asks for a token at document start, before any page script runs, by a
//! synchronous `POST /token`; the bridge answers it once per document, and only when the
//! request's `Origin` is the committed document's and that origin is trusted. Messages
//! carrying the token are stamped with the origin recorded when it was issued, never with
//! the URL the webview reports when they arrive.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::origin::Origin;

use super::outbox::{Budget, Outbox, MAX_QUEUED_BYTES};
use super::BusSession;

/// Most sessions one document keeps (one per trusted caller origin, top frame or iframe).
pub(crate) const MAX_SESSIONS_PER_DOCUMENT: usize = 16;

/// Which document of a window (counts up with every committed navigation).
pub(crate) type DocumentId = u64;

/// Opens a session for a caller origin (`top_frame`: the request came from the window's
/// top document's origin), pushing into `outbox`.
pub(crate) type Connect = Box<dyn Fn(&str, bool, Arc<Outbox>) -> Arc<dyn BusSession> + Send + Sync>;

/// Asks the UI thread to flush the top session's queue of a document by `evaluate_script`.
pub(crate) type ScheduleFlush = Arc<dyn Fn(DocumentId) + Send + Sync>;

/// A session and the queue of what the bus pushes to it.
#[derive(Clone)]
pub(crate) struct Channel {
    pub(crate) session: Arc<dyn BusSession>,
    pub(crate) outbox: Arc<Outbox>,
}

impl Channel {
    fn close(&self) {
        self.outbox.close();
        self.session.close();
    }
}

/// Why a caller gets no session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refused {
    /// No capability grants this origin anything, and it is not the app's own.
    Untrusted,
    /// The document already talks to [`MAX_SESSIONS_PER_DOCUMENT`] origins.
    TooManyOrigins,
    /// The window is closed.
    Closed,
}

struct Document {
    id: DocumentId,
    /// The origin of the committed top document (`None`: opaque, or nothing loaded yet).
    origin: Option<Origin>,
    /// This document's `postMessage` token, once issued (at most once per document).
    token: Option<String>,
    token_issued: bool,
    channels: HashMap<(Origin, bool), Channel>,
    closed: bool,
}

/// One window of the bridge (see the module docs).
pub(crate) struct WindowLink {
    pub(crate) label: String,
    document: Mutex<Document>,
    connect: Connect,
    schedule_flush: ScheduleFlush,
    budget: Arc<Budget>,
}

impl WindowLink {
    /// A window about to load `page_url` (its first document is committed by
    /// [`WindowLink::navigated`]; until then frames are stamped with this URL's origin).
    pub(crate) fn new(
        label: String,
        page_url: &str,
        connect: Connect,
        schedule_flush: ScheduleFlush,
    ) -> Self {
        Self {
            label,
            document: Mutex::new(Document {
                id: 0,
                origin: Origin::parse(page_url),
                token: None,
                token_issued: false,
                channels: HashMap::new(),
                closed: false,
            }),
            connect,
            schedule_flush,
            budget: Budget::new(MAX_QUEUED_BYTES),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Document> {
        self.document.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The current document.
    pub(crate) fn document(&self) -> DocumentId {
        self.lock().id
    }

    /// The top frame committed a navigation to `url` (UI thread): a new document begins.
    pub(crate) fn navigated(&self, url: &str) {
        let channels = {
            let mut doc = self.lock();
            doc.id += 1;
            doc.origin = Origin::parse(url);
            doc.token = None;
            doc.token_issued = false;
            std::mem::take(&mut doc.channels)
        };
        for channel in channels.values() {
            channel.close();
        }
    }

    /// Issue the current document's token to a request from `origin`: only once per
    /// document, only to the document's own origin, only when that origin is `trusted`
    /// (may reach the bus).
    pub(crate) fn issue_token(&self, origin: Option<&Origin>, trusted: bool) -> Option<String> {
        let mut doc = self.lock();
        let origin = origin?;
        if !trusted || doc.closed || doc.token_issued || doc.origin.as_ref() != Some(origin) {
            return None;
        }
        let token = uuid::Uuid::new_v4().simple().to_string();
        doc.token_issued = true;
        doc.token = Some(token.clone());
        Some(token)
    }

    /// The document a `postMessage` carrying `token` belongs to, and its origin: `None`
    /// when the token is not the current document's.
    pub(crate) fn document_of_token(&self, token: &str) -> Option<(DocumentId, Origin)> {
        let doc = self.lock();
        match (&doc.token, &doc.origin) {
            (Some(mine), Some(origin)) if !doc.closed && super::parse::same_token(mine, token) => {
                Some((doc.id, origin.clone()))
            }
            _ => None,
        }
    }

    /// The channel of callers from `origin` in the current document, opened on first use
    /// when `local` (the app's own origin) or a capability grants it something. Untrusted
    /// callers get nothing, and nothing is kept for them.
    pub(crate) fn channel(&self, origin: &Origin, local: bool) -> Result<Channel, Refused> {
        let (document, top_frame) = {
            let doc = self.lock();
            if doc.closed {
                return Err(Refused::Closed);
            }
            let top_frame = doc.origin.as_ref() == Some(origin);
            if let Some(channel) = doc.channels.get(&(origin.clone(), top_frame)) {
                return Ok(channel.clone());
            }
            if doc.channels.len() >= MAX_SESSIONS_PER_DOCUMENT {
                return Err(Refused::TooManyOrigins);
            }
            (doc.id, top_frame)
        };
        // open it outside the lock (the bus resolves the caller's grants)
        let flush = self.schedule_flush.clone();
        let outbox = Arc::new(Outbox::new(
            Box::new(move || flush(document)),
            self.budget.clone(),
        ));
        let session = (self.connect)(origin.as_str(), top_frame, outbox.clone());
        let channel = Channel { session, outbox };
        if !local && !channel.session.has_grants() {
            channel.close();
            return Err(Refused::Untrusted);
        }
        let mut doc = self.lock();
        if doc.closed || doc.id != document {
            drop(doc);
            channel.close();
            return Err(Refused::Closed);
        }
        // a racing request may have opened it meanwhile: keep the first
        let kept = doc
            .channels
            .entry((origin.clone(), top_frame))
            .or_insert_with(|| channel.clone())
            .clone();
        drop(doc);
        if !Arc::ptr_eq(&kept.session, &channel.session) {
            channel.close();
        }
        Ok(kept)
    }

    /// The queue of document `document`'s top session, if that is still the current
    /// document and the session is open.
    pub(crate) fn top_outbox(&self, document: DocumentId) -> Option<Arc<Outbox>> {
        let doc = self.lock();
        if doc.id != document {
            return None;
        }
        let origin = doc.origin.clone()?;
        doc.channels
            .get(&(origin, true))
            .map(|channel| channel.outbox.clone())
    }

    /// The window is gone: close every session, refuse everything from now on.
    pub(crate) fn close(&self) {
        let channels = {
            let mut doc = self.lock();
            doc.closed = true;
            doc.token = None;
            std::mem::take(&mut doc.channels)
        };
        for channel in channels.values() {
            channel.close();
        }
    }

    #[cfg(test)]
    pub(crate) fn sessions(&self) -> usize {
        self.lock().channels.len()
    }
}
