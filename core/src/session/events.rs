//! A page's side of events: subscribing to a topic (`event:<topic>`), unsubscribing, and
//! emitting (`emit:<topic>`; topics under the host's reserved prefixes refused).

use std::sync::Arc;

use bytes::Bytes;
use switchboard_protocol::{Event as EventFrame, RequestId, Topic};

use super::frames::{error_frame, response};
use super::Session;
use crate::capability::reserved_prefix;
use crate::error::BusError;
use crate::event::Publisher;

impl Session {
    pub(super) fn subscribe(&self, id: RequestId, topic: Topic) -> Bytes {
        if !self.inner.grants.allows_listen(&topic) {
            return response(id, Err(self.forbidden(&format!("event:{topic}"))));
        }
        {
            let mut state = self.inner.lock();
            if state.closed {
                let closed = BusError::WindowClosed {
                    label: self.inner.caller.window.clone(),
                };
                return response(id, Err(closed.into()));
            }
            let max = self.inner.app.inner.max_subscriptions;
            if !state.topics.contains(&topic) && state.topics.len() >= max {
                let full = BusError::TooManySubscriptions {
                    window: self.inner.caller.window.clone(),
                    max,
                };
                return response(id, Err(full.into()));
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
            let reserved = BusError::ReservedTopic {
                window: self.inner.caller.window.clone(),
                origin: self.inner.caller.origin.clone(),
                topic: event.topic.clone(),
                prefix,
            };
            return Some(error_frame(reserved.into(), None));
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
