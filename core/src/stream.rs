//! Streamed replies: a handler returns a [`Stream<T>`]; the session sends its items as
//! `stream_item` frames, never more than the client's credit ahead, then `stream_end`.
//!
//! The producer is pulled, not pushed: an item is produced only when there is credit to
//! send it, so a slow page slows the producer and memory stays bounded. Cancelling the
//! request (or closing the window) drops the producer.

use std::sync::Mutex;

use futures::stream::{BoxStream, StreamExt};
use serde::Serialize;
use tokio::sync::{mpsc, Notify};

use crate::reply::encode;

/// A streamed reply of `T` items.
///
/// ```
/// use switchboard::Stream;
/// #[switchboard::command]
/// fn count(to: u32) -> Stream<u32> {
///     Stream::new(futures::stream::iter(0..to))
/// }
/// ```
///
/// Or produce from a task, through a bounded channel:
/// ```
/// use switchboard::Stream;
/// #[switchboard::command]
/// fn ticks() -> Stream<u64> {
///     let (tx, stream) = Stream::channel(4);
///     tokio::spawn(async move {
///         for i in 0..3u64 {
///             if tx.send(i).await.is_err() { break } // the client cancelled
///         }
///     });
///     stream
/// }
/// ```
pub struct Stream<T> {
    inner: BoxStream<'static, T>,
}

impl<T: Send + 'static> Stream<T> {
    /// A reply streaming the items of `stream`.
    pub fn new(stream: impl futures::Stream<Item = T> + Send + 'static) -> Self {
        Stream {
            inner: stream.boxed(),
        }
    }

    /// A bounded channel: a producer task sends into the [`StreamSender`] (waiting when
    /// `capacity` items are queued and the client has no credit left), the reply streams
    /// what it receives. Sending fails once the client cancelled.
    pub fn channel(capacity: usize) -> (StreamSender<T>, Self) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        let stream = futures::stream::unfold(rx, |mut rx| async move {
            let item = rx.recv().await?;
            Some((item, rx))
        });
        (StreamSender { tx }, Stream::new(stream))
    }
}

impl<T: Serialize + Send + 'static> Stream<T> {
    pub(crate) fn into_encoded(
        self,
    ) -> BoxStream<'static, Result<bytes::Bytes, switchboard_protocol::WireError>> {
        self.inner.map(|item| encode(&item)).boxed()
    }
}

/// In bindings a stream is described by its item type.
impl<T: specta::Type> specta::Type for Stream<T> {
    fn inline(types: &mut specta::TypeCollection, generics: specta::Generics) -> specta::DataType {
        T::inline(types, generics)
    }
}

/// The sending half of [`Stream::channel`].
pub struct StreamSender<T> {
    tx: mpsc::Sender<T>,
}

impl<T> Clone for StreamSender<T> {
    fn clone(&self) -> Self {
        StreamSender {
            tx: self.tx.clone(),
        }
    }
}

impl<T> StreamSender<T> {
    /// Send one item, waiting while the channel is full; `Err` when the stream was dropped
    /// (the client cancelled, closed its window, or its deadline passed).
    pub async fn send(&self, item: T) -> Result<(), crate::Closed> {
        self.tx.send(item).await.map_err(|_| crate::Closed)
    }

    /// Whether the stream was dropped.
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }
}

/// How many more items a stream may send (PROTOCOL.md §2, `credit`).
pub(crate) struct CreditGate {
    available: Mutex<u64>,
    notify: Notify,
}

impl CreditGate {
    pub(crate) fn new(initial: u64) -> Self {
        CreditGate {
            available: Mutex::new(initial),
            notify: Notify::new(),
        }
    }

    /// Wait for one unit of credit and take it.
    pub(crate) async fn acquire(&self) {
        loop {
            let notified = self.notify.notified();
            {
                let mut available = self.available.lock().unwrap_or_else(|p| p.into_inner());
                if *available > 0 {
                    *available -= 1;
                    return;
                }
            }
            notified.await;
        }
    }

    pub(crate) fn add(&self, n: u64) {
        let mut available = self.available.lock().unwrap_or_else(|p| p.into_inner());
        *available = available.saturating_add(n);
        drop(available);
        self.notify.notify_one();
    }
}
