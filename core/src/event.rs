//! Publish/subscribe by topic. Subscribers are sessions (pages, through their
//! [`Outbound`]) and Rust listeners
//! ([`AppHandle::listen`](crate::AppHandle::listen)).
//!
//! An emit encodes the `event` frame once and hands it to every subscriber before it
//! returns, on the emitter's thread: events from one publisher reach every subscriber in
//! the order they were published, and nothing queues inside the bus (the outbound
//! transport owns its queue).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use dashmap::DashMap;
use serde::de::DeserializeOwned;
use switchboard_protocol::{payload, Address, Event as EventFrame, Frame, Limits, Name, Topic};

use crate::session::Outbound;

/// An event as a Rust listener receives it.
#[derive(Debug, Clone)]
pub struct Event {
    /// The topic.
    pub topic: Topic,
    /// The encoded value.
    pub payload: Bytes,
    /// The publisher (`window:<label>` for a page's emit; `None` from Rust).
    pub from: Option<Address>,
}

impl Event {
    /// Decode the value.
    ///
    /// ```
    /// use switchboard::event::Event;
    /// let e = Event { topic: "t".parse().unwrap(), payload: switchboard::protocol::payload::to_bytes(&5u8).unwrap(), from: None };
    /// assert_eq!(e.decode::<u8>().unwrap(), 5);
    /// ```
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, switchboard_protocol::PayloadError> {
        payload::from_slice(&self.payload, &Limits::default())
    }
}

/// Identifies a Rust listener, for [`AppHandle::unlisten`](crate::AppHandle::unlisten).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ListenerId(u64);

type Listener = Arc<dyn Fn(&Event) + Send + Sync>;

#[derive(Clone)]
enum Sink {
    Session {
        session: u64,
        window: Name,
        outbound: Arc<dyn Outbound>,
    },
    Rust {
        id: u64,
        listener: Listener,
    },
}

/// The subscriptions, by topic. Copy-on-write lists: an emit clones an `Arc`, not a list.
#[derive(Default)]
pub(crate) struct EventBus {
    topics: DashMap<Topic, Arc<Vec<Sink>>>,
    next_listener: AtomicU64,
}

impl EventBus {
    fn update(&self, topic: &Topic, f: impl FnOnce(&mut Vec<Sink>)) {
        let mut entry = self.topics.entry(topic.clone()).or_default();
        let mut list = (**entry).clone();
        f(&mut list);
        let empty = list.is_empty();
        *entry = Arc::new(list);
        drop(entry);
        if empty {
            self.topics.remove_if(topic, |_, l| l.is_empty());
        }
    }

    pub(crate) fn subscribe_session(
        &self,
        topic: &Topic,
        session: u64,
        window: Name,
        outbound: Arc<dyn Outbound>,
    ) {
        self.update(topic, |list| {
            if !list
                .iter()
                .any(|s| matches!(s, Sink::Session { session: id, .. } if *id == session))
            {
                list.push(Sink::Session {
                    session,
                    window,
                    outbound,
                });
            }
        });
    }

    pub(crate) fn unsubscribe_session(&self, topic: &Topic, session: u64) {
        self.update(topic, |list| {
            list.retain(|s| !matches!(s, Sink::Session { session: id, .. } if *id == session))
        });
    }

    pub(crate) fn listen(&self, topic: &Topic, listener: Listener) -> ListenerId {
        let id = self.next_listener.fetch_add(1, Ordering::Relaxed);
        self.update(topic, |list| list.push(Sink::Rust { id, listener }));
        ListenerId(id)
    }

    pub(crate) fn unlisten(&self, id: ListenerId) -> bool {
        let topics: Vec<Topic> = self
            .topics
            .iter()
            .filter(|e| {
                e.value()
                    .iter()
                    .any(|s| matches!(s, Sink::Rust { id: i, .. } if *i == id.0))
            })
            .map(|e| e.key().clone())
            .collect();
        for topic in &topics {
            self.update(topic, |list| {
                list.retain(|s| !matches!(s, Sink::Rust { id: i, .. } if *i == id.0))
            });
        }
        !topics.is_empty()
    }

    /// Number of subscribers (sessions and listeners) of a topic.
    pub(crate) fn subscribers(&self, topic: &Topic) -> usize {
        self.topics.get(topic).map_or(0, |l| l.len())
    }

    /// Total subscriptions, over all topics (for leak checks).
    pub(crate) fn total(&self) -> usize {
        self.topics.iter().map(|e| e.value().len()).sum()
    }

    /// Deliver to the topic's subscribers (only those in `window`, when given).
    pub(crate) fn publish(
        &self,
        topic: &Topic,
        payload: Bytes,
        from: Option<Address>,
        window: Option<&Name>,
    ) -> usize {
        let Some(list) = self.topics.get(topic).map(|l| Arc::clone(&l)) else {
            return 0;
        };
        let event = Event {
            topic: topic.clone(),
            payload,
            from,
        };
        let mut frame: Option<Bytes> = None;
        let mut delivered = 0;
        for sink in list.iter() {
            match sink {
                Sink::Session {
                    window: w,
                    outbound,
                    ..
                } => {
                    if window.is_some_and(|only| only != w) {
                        continue;
                    }
                    let bytes = frame.get_or_insert_with(|| {
                        Bytes::from(
                            Frame::Event(EventFrame {
                                topic: event.topic.clone(),
                                payload: event.payload.clone(),
                                from: event.from.clone(),
                            })
                            .encode(),
                        )
                    });
                    if outbound.send(bytes.clone()).is_ok() {
                        delivered += 1;
                    }
                }
                Sink::Rust { listener, .. } => {
                    if window.is_none() {
                        listener(&event);
                        delivered += 1;
                    }
                }
            }
        }
        delivered
    }
}
