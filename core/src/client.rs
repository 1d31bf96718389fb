//! The in-process client: speaks real encoded frames to a real [`Session`], the way a page
//! does, without a webview. For tests, benchmarks and Rust-side tools.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use switchboard::{App, Capability};
//! #[derive(Default, Clone)]
//! struct Counter { total: i64 }
//! #[switchboard::actor]
//! impl Counter {
//!     fn add(&mut self, n: i64) -> i64 { self.total += n; self.total }
//! }
//! let app = App::builder()
//!     .actor("counter", Counter::default())
//!     .capability(Capability::new("main").windows(["main"]).allow(["counter.*"]))
//!     .build()
//!     .unwrap();
//! let client = app.test_client("main");
//! #[derive(serde::Serialize)]
//! struct Add { n: i64 }
//! let total: i64 = client.invoke("counter", "add", &Add { n: 2 }).await.unwrap();
//! assert_eq!(total, 2);
//! # });
//! ```

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Serialize;
use switchboard_protocol::{
    payload, Address, Cancel, Credit, ErrorCode, Event as EventFrame, Frame, Hello, Limits,
    Request, RequestId, Subscribe, Topic, Unsubscribe, Welcome, WireError, PROTOCOL_VERSION,
};
use tokio::sync::{mpsc, OnceCell};

use crate::app::AppHandle;
use crate::call::Caller;
use crate::error::Closed;
use crate::event::{Event, Publisher};
use crate::session::{Outbound, Session};

/// Why a client call failed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The host answered with an error.
    #[error("{0}")]
    Remote(WireError),
    /// The arguments could not be encoded, or the address did not parse.
    #[error("could not send the request: {0}")]
    Request(String),
    /// The answer could not be decoded into the expected type.
    #[error("could not decode the answer: {0}")]
    Decode(String),
    /// The host sent no answer where one was due, or an unexpected frame.
    #[error("unexpected answer: {0}")]
    Unexpected(String),
}

impl ClientError {
    /// The wire code (for a local failure: `malformed` for decoding, `internal` otherwise).
    pub fn code(&self) -> ErrorCode {
        match self {
            ClientError::Remote(e) => e.code.clone(),
            ClientError::Decode(_) => ErrorCode::Malformed,
            _ => ErrorCode::Internal,
        }
    }

    /// The host's message (or the local failure's).
    pub fn message(&self) -> String {
        match self {
            ClientError::Remote(e) => e.message.clone(),
            other => other.to_string(),
        }
    }

    /// The typed error data of an `app` error, decoded.
    pub fn data<E: DeserializeOwned>(&self) -> Option<E> {
        match self {
            ClientError::Remote(WireError {
                data: Some(data), ..
            }) => payload::from_slice(data, &Limits::default()).ok(),
            _ => None,
        }
    }
}

enum StreamMessage {
    Item(Bytes),
    End(Option<WireError>, u64),
}

#[derive(Default)]
struct Inbox {
    topics: Mutex<HashMap<Topic, Vec<mpsc::UnboundedSender<Event>>>>,
    streams: Mutex<HashMap<RequestId, mpsc::UnboundedSender<StreamMessage>>>,
    errors: Mutex<Vec<WireError>>,
}

impl Outbound for Inbox {
    fn send(&self, frame: Bytes) -> Result<(), Closed> {
        match Frame::decode(&frame, &Limits::default()) {
            Ok(Frame::Event(EventFrame {
                topic,
                payload,
                from,
            })) => {
                // a frame names a page by its window only (`from`), never its origin
                let publisher = match from {
                    Some(Address::Window(label)) => Publisher::Window(label),
                    _ => Publisher::App,
                };
                let mut topics = self.topics.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(subs) = topics.get_mut(&topic) {
                    subs.retain(|tx| {
                        tx.send(Event::new(
                            topic.clone(),
                            payload.clone(),
                            publisher.clone(),
                        ))
                        .is_ok()
                    });
                }
            }
            Ok(Frame::StreamItem(item)) => {
                let streams = self.streams.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(tx) = streams.get(&item.id) {
                    let _ = tx.send(StreamMessage::Item(item.payload));
                }
            }
            Ok(Frame::StreamEnd(end)) => {
                let mut streams = self.streams.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(tx) = streams.remove(&end.id) {
                    let _ = tx.send(StreamMessage::End(end.error, end.seq));
                }
            }
            Ok(Frame::Error(e)) => self
                .errors
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(e.error),
            _ => {}
        }
        Ok(())
    }
}

/// Options of one call.
#[derive(Debug, Clone, Copy, Default)]
pub struct CallOptions {
    /// How long the caller waits (sent as `deadline`).
    pub deadline: Option<Duration>,
    /// Use this request id (to cancel it from elsewhere); default: the next free one.
    pub id: Option<u64>,
}

/// An in-process client, from [`App::test_client`](crate::App::test_client). Cheap to
/// clone; clones share the session, so calls may run concurrently.
#[derive(Clone)]
pub struct Client {
    session: Session,
    inbox: Arc<Inbox>,
    next_id: Arc<AtomicU64>,
    welcome: Arc<OnceCell<Result<Welcome, ClientError>>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("session", &self.session)
            .finish()
    }
}

fn address(to: &str) -> Result<Address, ClientError> {
    Address::parse(to).map_err(|e| ClientError::Request(e.to_string()))
}

fn topic(name: &str) -> Result<Topic, ClientError> {
    Topic::new(name).map_err(|e| ClientError::Request(e.to_string()))
}

fn args<A: Serialize + ?Sized>(args: &A) -> Result<Bytes, ClientError> {
    payload::to_bytes(args).map_err(|e| ClientError::Request(e.to_string()))
}

fn decode_frame(bytes: Option<Bytes>) -> Result<Frame, ClientError> {
    let bytes = bytes.ok_or_else(|| ClientError::Unexpected("no answer".into()))?;
    Frame::decode(&bytes, &Limits::default()).map_err(|e| ClientError::Decode(e.to_string()))
}

fn value<R: DeserializeOwned>(frame: Frame) -> Result<R, ClientError> {
    match frame {
        Frame::Response(r) => {
            let ok = r.result.map_err(ClientError::Remote)?;
            payload::from_slice(&ok, &Limits::default())
                .map_err(|e| ClientError::Decode(e.to_string()))
        }
        Frame::Error(e) => Err(ClientError::Remote(e.error)),
        other => Err(ClientError::Unexpected(format!(
            "a `{}` frame",
            other.kind()
        ))),
    }
}

impl Client {
    pub(crate) fn new(app: &AppHandle, caller: Caller) -> Self {
        let inbox = Arc::new(Inbox::default());
        let session = app.session(caller, Arc::clone(&inbox) as Arc<dyn Outbound>);
        Client {
            session,
            inbox,
            next_id: Arc::new(AtomicU64::new(1)),
            welcome: Arc::new(OnceCell::new()),
        }
    }

    /// The session under this client.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Say `hello` (done once, before the first call) and return the host's `welcome`.
    pub async fn welcome(&self) -> Result<Welcome, ClientError> {
        self.welcome
            .get_or_init(|| async {
                let hello = Frame::Hello(Hello {
                    versions: vec![PROTOCOL_VERSION],
                    client: "test".into(),
                    name: "switchboard::Client".into(),
                });
                match decode_frame(self.session.handle(hello.encode().into()).await)? {
                    Frame::Welcome(w) => Ok(w),
                    Frame::Error(e) => Err(ClientError::Remote(e.error)),
                    other => Err(ClientError::Unexpected(format!(
                        "a `{}` frame",
                        other.kind()
                    ))),
                }
            })
            .await
            .clone()
    }

    /// A fresh request id.
    pub fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Send one raw encoded frame (after `hello`) and return the raw answer.
    pub async fn send_raw(&self, frame: Bytes) -> Result<Option<Bytes>, ClientError> {
        self.welcome().await?;
        Ok(self.session.handle(frame).await)
    }

    /// Call `method` on `to` (`""` for a command) with `args` (a struct or map of argument
    /// name to value) and decode the answer.
    pub async fn invoke<R: DeserializeOwned>(
        &self,
        to: &str,
        method: &str,
        args: &(impl Serialize + ?Sized),
    ) -> Result<R, ClientError> {
        self.invoke_with(to, method, args, CallOptions::default())
            .await
    }

    /// [`Self::invoke`] with a deadline or a chosen id.
    pub async fn invoke_with<R: DeserializeOwned>(
        &self,
        to: &str,
        method: &str,
        args: &(impl Serialize + ?Sized),
        options: CallOptions,
    ) -> Result<R, ClientError> {
        self.welcome().await?;
        let request = self.request(to, method, args, options, None)?;
        value(decode_frame(
            self.session.handle(request.encode().into()).await,
        )?)
    }

    fn request(
        &self,
        to: &str,
        method: &str,
        payload: &(impl Serialize + ?Sized),
        options: CallOptions,
        credit: Option<u32>,
    ) -> Result<Frame, ClientError> {
        let id = options.id.unwrap_or_else(|| self.next_id());
        Ok(Frame::Request(Request {
            id: RequestId::new(id)
                .ok_or_else(|| ClientError::Request(format!("id {id} is too large")))?,
            to: address(to)?,
            method: method.to_owned(),
            payload: args(payload)?,
            deadline_ms: options.deadline.map(|d| {
                u64::try_from(d.as_millis())
                    .unwrap_or(u64::MAX)
                    .min(switchboard_protocol::MAX_SAFE_INTEGER)
            }),
            credit,
        }))
    }

    /// Cancel a pending request by id.
    pub async fn cancel(&self, id: u64) -> Result<(), ClientError> {
        let id = RequestId::new(id).ok_or_else(|| ClientError::Request("bad id".into()))?;
        self.send_raw(Frame::Cancel(Cancel { id }).encode().into())
            .await?;
        Ok(())
    }

    /// Subscribe to `topic`; events arrive on the returned [`Subscription`].
    pub async fn subscribe(&self, topic_name: &str) -> Result<Subscription, ClientError> {
        let topic = topic(topic_name)?;
        let (tx, rx) = mpsc::unbounded_channel();
        self.inbox
            .topics
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(topic.clone())
            .or_default()
            .push(tx);
        let id = RequestId::new(self.next_id())
            .ok_or_else(|| ClientError::Request("ids exhausted".into()))?;
        let answer = self
            .send_raw(Frame::Subscribe(Subscribe { id, topic }).encode().into())
            .await?;
        match decode_frame(answer)? {
            Frame::Response(r) => r.result.map(drop).map_err(ClientError::Remote)?,
            other => {
                return Err(ClientError::Unexpected(format!(
                    "a `{}` frame",
                    other.kind()
                )))
            }
        }
        Ok(Subscription { rx })
    }

    /// Unsubscribe from `topic`.
    pub async fn unsubscribe(&self, topic_name: &str) -> Result<(), ClientError> {
        let topic = topic(topic_name)?;
        let id = RequestId::new(self.next_id())
            .ok_or_else(|| ClientError::Request("ids exhausted".into()))?;
        let answer = self
            .send_raw(
                Frame::Unsubscribe(Unsubscribe {
                    id,
                    topic: topic.clone(),
                })
                .encode()
                .into(),
            )
            .await?;
        self.inbox
            .topics
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&topic);
        match decode_frame(answer)? {
            Frame::Response(r) => r.result.map(drop).map_err(ClientError::Remote),
            other => Err(ClientError::Unexpected(format!(
                "a `{}` frame",
                other.kind()
            ))),
        }
    }

    /// Emit `value` on `topic` (needs `emit:<topic>`; never on a topic the host reserves,
    /// such as `window/..`). A refused emit is answered `forbidden`.
    pub async fn emit(
        &self,
        topic_name: &str,
        value: &(impl Serialize + ?Sized),
    ) -> Result<(), ClientError> {
        let frame = Frame::Event(EventFrame {
            topic: topic(topic_name)?,
            payload: args(value)?,
            from: None,
        });
        match self.send_raw(frame.encode().into()).await? {
            None => Ok(()),
            Some(answer) => match decode_frame(Some(answer))? {
                Frame::Error(e) => Err(ClientError::Remote(e.error)),
                other => Err(ClientError::Unexpected(format!(
                    "a `{}` frame",
                    other.kind()
                ))),
            },
        }
    }

    /// Call a method whose answer is a stream, with `credit` items of initial credit.
    pub async fn stream<T: DeserializeOwned>(
        &self,
        to: &str,
        method: &str,
        args: &(impl Serialize + ?Sized),
        credit: u32,
    ) -> Result<ClientStream<T>, ClientError> {
        self.welcome().await?;
        let frame = self.request(to, method, args, CallOptions::default(), Some(credit))?;
        let Frame::Request(Request { id, .. }) = &frame else {
            return Err(ClientError::Unexpected("not a request".into()));
        };
        let id = *id;
        let (tx, rx) = mpsc::unbounded_channel();
        self.inbox
            .streams
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, tx);
        let answer = self.session.handle(frame.encode().into()).await;
        if let Some(answer) = answer {
            self.inbox
                .streams
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&id);
            return match decode_frame(Some(answer))? {
                Frame::Response(r) => Err(r.result.err().map_or_else(
                    || ClientError::Unexpected("a single value where a stream was expected".into()),
                    ClientError::Remote,
                )),
                Frame::Error(e) => Err(ClientError::Remote(e.error)),
                other => Err(ClientError::Unexpected(format!(
                    "a `{}` frame",
                    other.kind()
                ))),
            };
        }
        Ok(ClientStream {
            client: self.clone(),
            id,
            rx,
            ended: None,
            _item: PhantomData,
        })
    }

    /// Frame-level errors the host pushed (through the outbound), oldest first.
    pub fn pushed_errors(&self) -> Vec<WireError> {
        self.inbox
            .errors
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Close the session, as closing the window would.
    pub fn close(&self) {
        self.session.close();
    }
}

/// Events of one topic, from [`Client::subscribe`].
#[derive(Debug)]
pub struct Subscription {
    rx: mpsc::UnboundedReceiver<Event>,
}

impl Subscription {
    /// The next event (`None` once unsubscribed).
    pub async fn next(&mut self) -> Option<Event> {
        self.rx.recv().await
    }

    /// An event already received, without waiting.
    pub fn try_next(&mut self) -> Option<Event> {
        self.rx.try_recv().ok()
    }
}

/// A streamed answer, from [`Client::stream`]. Credit is not granted automatically: call
/// [`ClientStream::credit`] as items are consumed.
pub struct ClientStream<T> {
    client: Client,
    id: RequestId,
    rx: mpsc::UnboundedReceiver<StreamMessage>,
    ended: Option<(Option<WireError>, u64)>,
    _item: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> ClientStream<T> {
    /// The request id.
    pub fn id(&self) -> u64 {
        self.id.get()
    }

    /// The next item; `None` at the end. An error end yields `Some(Err(..))`, then `None`.
    pub async fn next(&mut self) -> Option<Result<T, ClientError>> {
        if self.ended.is_some() {
            return None;
        }
        match self.rx.recv().await {
            Some(StreamMessage::Item(bytes)) => Some(
                payload::from_slice(&bytes, &Limits::default())
                    .map_err(|e| ClientError::Decode(e.to_string())),
            ),
            Some(StreamMessage::End(error, seq)) => {
                self.ended = Some((error.clone(), seq));
                error.map(|e| Err(ClientError::Remote(e)))
            }
            None => None,
        }
    }

    /// An item already received, without waiting (`None` if none is queued).
    pub fn try_next(&mut self) -> Option<Result<T, ClientError>> {
        match self.rx.try_recv().ok()? {
            StreamMessage::Item(bytes) => Some(
                payload::from_slice(&bytes, &Limits::default())
                    .map_err(|e| ClientError::Decode(e.to_string())),
            ),
            StreamMessage::End(error, seq) => {
                self.ended = Some((error.clone(), seq));
                error.map(|e| Err(ClientError::Remote(e)))
            }
        }
    }

    /// After the end: how many items the host said it sent.
    pub fn sent(&self) -> Option<u64> {
        self.ended.as_ref().map(|(_, seq)| *seq)
    }

    /// Let the host send `n` more items.
    pub async fn credit(&self, n: u32) -> Result<(), ClientError> {
        self.client
            .send_raw(Frame::Credit(Credit { id: self.id, n }).encode().into())
            .await?;
        Ok(())
    }

    /// Cancel the stream (the producer is dropped; the end says `cancelled`).
    pub async fn cancel(&self) -> Result<(), ClientError> {
        self.client.cancel(self.id.get()).await
    }
}
