//! A page's side of events: subscribing to a topic (`event:<topic>`), unsubscribing, and
//! emitting (`emit:<topic>`; topics under the host's reserved prefixes refused).

use std::sync::Arc;

use bytes::Bytes;
use switchboard_protocol::{ErrorCode, Event as EventFrame, RequestId, Topic};

use super::frames::{error_frame, response};
use super::Session;
use crate::capability::reserved_prefix;
use crate::error::wire;
use crate::event::Publisher;

impl Session {
    pub(super) fn subscribe(&self, id: RequestId, topic: Topic) -> Bytes {
        if !self.inner.grants.allows_listen(&topic) {
            return response(id, Err(self.forbidden(&format!("event:{topic}"))));
        }
        {
            let mut state = self.inner.lock();
            if state.closed {
                return response(id, Err(wire(ErrorCode::WindowClosed, "window closed")));
            }
            let max = self.inner.app.inner.max_subscriptions;
            if !state.topics.contains(&topic) && state.topics.len() >= max {
                return response(
                    id,
                    Err(wire(
                        ErrorCode::Busy,
                        format!(
                            "window `{}` holds {max} subscriptions, the limit; unsubscribe from one first",
                            self.inner.caller.window
                        ),
                    )),
                );
            }
            state.topics.insert(topic.clone());
        }
        self.inner.app.inner.events.subscribe_session(
            &topic,
            self.inner.id,
            self.inner.caller.window.clone(),
            Arc::clone(&self.inner.outbound),
        );
        response(id, Ok(Bytes::new()))
    }

    pub(super) fn unsubscribe(&self, id: RequestId, topic: Topic) -> Bytes {
        let removed = self.inner.lock().topics.remove(&topic);
        if removed {
            self.inner
                .app
                .inner
                .events
                .unsubscribe_session(&topic, self.inner.id);
        }
        response(id, Ok(Bytes::new()))
    }

    pub(super) fn emit(&self, event: EventFrame) -> Option<Bytes> {
        if let Some(prefix) = reserved_prefix(event.topic.as_str()) {
            tracing::debug!(topic = %event.topic, "emit on a reserved topic refused");
            return Some(error_frame(
                wire(
                    ErrorCode::Forbidden,
                    format!(
                        "window `{}` (origin {}) may not emit `{}`: topics under `{prefix}` are reserved for the host",
                        self.inner.caller.window, self.inner.caller.origin, event.topic
                    ),
                ),
                None,
            ));
        }
        if !self.inner.grants.allows_emit(&event.topic) {
            return Some(error_frame(
                self.forbidden(&format!("emit:{}", event.topic)),
                None,
            ));
        }
        let publisher = Publisher::Page(Arc::clone(&self.inner.caller));
        self.inner
            .app
            .inner
            .events
            .publish(&event.topic, event.payload, publisher, None);
        None
    }
}
