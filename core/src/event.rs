//! Publish/subscribe by topic. Subscribers are sessions (pages, through their
//! [`Outbound`]) and Rust listeners
//! ([`AppHandle::listen`](crate::AppHandle::listen)).
//!
//! An emit encodes the `event` frame once and hands it to every subscriber before it
//! returns, on the emitter's thread: events from one publisher reach every subscriber in
//! the order they were published, and nothing queues inside the bus (the outbound
//! transport owns its queue).
//!
//! Every event says who published it ([`Event::publisher`]): the app itself (Rust, the
//! runtime's window events) or a page, with the [`Caller`] the runtime stamped its session
//! with (window label, origin, top frame or iframe). A page may listen on a topic only with
//! `event:<topic>` and emit only with `emit:<topic>`, and never on the host's topics
//! (`window/`, `app/`, `actor/`; see [`capability`](crate::capability)). Pages receiving an
//! event see only the publisher's address (`from`: `window:<label>`, or none from Rust).
//!
//! ```
//! use switchboard::event::Publisher;
//! let app = switchboard::App::builder().build().unwrap();
//! app.listen("window/main/file_dropped", |event| {
//!     // only the host publishes under `window/`: no page can forge this
//!     assert_eq!(event.publisher, Publisher::App);
//! }).unwrap();
//! app.listen("chat/room1", |event| {
//!     if let Publisher::Page(caller) = &event.publisher {
//!         tracing::info!(window = %caller.window, origin = %caller.origin, top = caller.top_frame, "chat");
//!     }
//! }).unwrap();
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use dashmap::DashMap;
use serde::de::DeserializeOwned;
use switchboard_protocol::{payload, Address, Event as EventFrame, Frame, Limits, Name, Topic};

use specta::datatype::DataType;
use specta::TypeCollection;

use crate::call::Caller;
use crate::command::TypeFn;
use crate::session::Outbound;

/// An event topic and the type of its values, declared with
/// [`AppBuilder::event`](crate::AppBuilder::event) (plugins declare their own topics so
/// the app's bindings type them without the app doing anything). Recorded whether or not
/// the `bindings` feature is on; the bindings generator reads them.
#[derive(Debug, Clone)]
pub struct EventType {
    pub(crate) topic: String,
    #[cfg_attr(not(feature = "bindings"), allow(dead_code))]
    pub(crate) datatype: TypeFn,
    pub(crate) rust: &'static str,
}

impl EventType {
    /// Topic `topic` carries values of type `T`.
    pub fn of<T: specta::Type>(topic: &str) -> Self {
        fn definition<T: specta::Type>(types: &mut TypeCollection) -> Option<DataType> {
            Some(T::reference(types, &[]).inner)
        }
        EventType {
            topic: topic.to_owned(),
            datatype: definition::<T>,
            rust: std::any::type_name::<T>(),
        }
    }

    /// The topic.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The Rust type of its values, as `std::any::type_name` writes it.
    pub fn rust_type(&self) -> &'static str {
        self.rust
    }
}

/// Who published an event.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Publisher {
    /// The app itself: [`AppHandle::emit`](crate::AppHandle::emit),
    /// [`emit_to`](crate::AppHandle::emit_to), or the runtime's window events.
    App,
    /// A page, as the runtime stamped its session: window label, origin, and whether it is
    /// the top frame. What Rust listeners see for a page's emit.
    Page(Arc<Caller>),
    /// A page, known only by the `from` address an `event` frame carries (`window:<label>`):
    /// what a client that receives events through frames (the in-process
    /// [`Client`](crate::client::Client)) learns. Rust listeners never see this.
    Window(Name),
}

impl Publisher {
    /// The address put in the `event` frame's `from` (`window:<label>`; `None` for the app).
    pub fn address(&self) -> Option<Address> {
        match self {
            Publisher::App => None,
            Publisher::Page(caller) => Some(Address::Window(caller.window.clone())),
            Publisher::Window(label) => Some(Address::Window(label.clone())),
        }
    }

    /// The page's caller (window, origin, top frame), when a page published it and its
    /// session is known.
    pub fn caller(&self) -> Option<&Caller> {
        match self {
            Publisher::Page(caller) => Some(caller),
            Publisher::App | Publisher::Window(_) => None,
        }
    }

    /// Whether the app (Rust) published it.
    pub fn is_app(&self) -> bool {
        matches!(self, Publisher::App)
    }
}

/// An event as a listener receives it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Event {
    /// The topic.
    pub topic: Topic,
    /// The encoded value.
    pub payload: Bytes,
    /// Who published it.
    pub publisher: Publisher,
}

impl Event {
    /// An event (to test a listener, for example).
    pub fn new(topic: Topic, payload: Bytes, publisher: Publisher) -> Self {
        Event {
            topic,
            payload,
            publisher,
        }
    }

    /// The publisher's address, as an `event` frame's `from` says it (`window:<label>` for
    /// a page; `None` from the app).
    pub fn from(&self) -> Option<Address> {
        self.publisher.address()
    }

    /// Decode the value.
    ///
    /// ```
    /// use switchboard::event::{Event, Publisher};
    /// let payload = switchboard::protocol::payload::to_bytes(&5u8).unwrap();
    /// let e = Event::new("t".parse().unwrap(), payload, Publisher::App);
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
        publisher: Publisher,
        window: Option<&Name>,
    ) -> usize {
        let Some(list) = self.topics.get(topic).map(|l| Arc::clone(&l)) else {
            return 0;
        };
        let event = Event {
            topic: topic.clone(),
            payload,
            publisher,
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
                                from: event.from(),
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
