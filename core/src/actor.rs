//! User actors: state plus methods, addressed by name, one call at a time.
//!
//! An actor's state sits behind an async lock and is run by whoever holds it: when the
//! actor is idle and its mailbox empty, the caller's own task runs the call (no thread
//! hop); otherwise the call waits in a bounded mailbox (`try_send`: a full mailbox
//! answers `busy`) that the actor's tokio task drains in order. Either way a call runs
//! under `catch_unwind`: when a handler panics the caller is answered `actor_failed`, the
//! state is rebuilt from the actor's factory, and the queued calls are served by the new
//! state. Every queued call carries a reply handle that answers `actor_failed` if it
//! is dropped unanswered, so a stopped actor never leaves a caller waiting. When the
//! caller stops waiting (cancel, deadline, closed window) the handler future is dropped,
//! and a queued call whose caller left is skipped.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use futures::FutureExt;
use switchboard_protocol::{Address, ErrorCode, WireError};
use tokio::sync::{mpsc, oneshot};
use tracing::Instrument;

use crate::call::Call;
use crate::command::HandlerMeta;
use crate::error::{actor_failed, panic_message, wire};
use crate::reply::Reply;

/// An actor: state that answers calls one at a time. Implement it with
/// `#[switchboard::actor]` on an `impl` block; every method taking `self` becomes a method
/// on the bus (`counter.add`), with arguments decoded by name.
///
/// ```
/// #[derive(Default, Clone)]
/// struct Counter { total: i64 }
///
/// #[switchboard::actor]
/// impl Counter {
///     /// Add `n`, answer the new total.
///     async fn add(&mut self, n: i64) -> i64 { self.total += n; self.total }
///     fn get(&self) -> i64 { self.total }
/// }
/// let app = switchboard::App::builder().actor("counter", Counter::default()).build().unwrap();
/// # drop(app);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a switchboard actor",
    note = "put `#[switchboard::actor]` on an `impl {Self} {{ .. }}` block whose methods take `&mut self` or `&self`"
)]
pub trait Actor: Send + 'static {
    /// Answer one call (dispatch on [`Call::method`]).
    fn handle(&mut self, call: Call) -> BoxFuture<'_, Reply>;

    /// The methods, for generated bindings.
    fn methods(&self) -> &'static [HandlerMeta] {
        &[]
    }
}

/// The answer slot of one call sent to an actor. Answers `actor_failed` when dropped
/// unanswered: the one mechanism that guarantees every call an answer (DESIGN.md §4).
pub(crate) struct ReplyHandle {
    tx: Option<oneshot::Sender<Reply>>,
    target: Address,
}

impl ReplyHandle {
    pub(crate) fn new(target: Address) -> (Self, oneshot::Receiver<Reply>) {
        let (tx, rx) = oneshot::channel();
        (
            ReplyHandle {
                tx: Some(tx),
                target,
            },
            rx,
        )
    }

    pub(crate) fn send(mut self, reply: Reply) {
        if let Some(tx) = self.tx.take() {
            let _ = tx.send(reply);
        }
    }

    pub(crate) fn fail(mut self, error: WireError) {
        if let Some(tx) = self.tx.take() {
            let _ = tx.send(Reply::Value(Err(error)));
        }
    }

    fn caller_gone(&self) -> bool {
        self.tx.as_ref().is_none_or(|tx| tx.is_closed())
    }

    /// Resolves when the caller stopped waiting.
    async fn closed(&mut self) {
        match self.tx.as_mut() {
            Some(tx) => tx.closed().await,
            None => futures::future::pending().await,
        }
    }
}

impl Drop for ReplyHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.tx.take() {
            let _ = tx.send(Reply::Value(Err(actor_failed(format!(
                "actor `{}` stopped before answering",
                self.target
            )))));
        }
    }
}

pub(crate) struct Envelope {
    call: Call,
    reply: ReplyHandle,
}

pub(crate) type Factory = Box<dyn Fn() -> Box<dyn Actor> + Send>;

/// The actor's state and the factory that rebuilds it after a panic. Whoever holds the
/// lock runs the actor: the actor's own task (draining the mailbox) or, when the actor is
/// idle and its mailbox empty, the caller's task (no thread hop).
pub(crate) struct Slot {
    actor: Box<dyn Actor>,
    factory: Factory,
}

type SharedSlot = Arc<tokio::sync::Mutex<Slot>>;

/// The router's handle on one actor: its mailbox, started lazily on the first call so an
/// app can be built outside a tokio runtime.
pub(crate) struct ActorRef {
    address: Address,
    tx: mpsc::Sender<Envelope>,
    capacity: usize,
    slot: SharedSlot,
    started: AtomicBool,
    start: Mutex<Option<Box<dyn FnOnce() + Send>>>,
    restarts: Arc<AtomicU64>,
    methods: &'static [HandlerMeta],
}

impl ActorRef {
    pub(crate) fn new(
        address: Address,
        factory: Factory,
        capacity: usize,
        methods: &'static [HandlerMeta],
    ) -> Self {
        let capacity = capacity.max(1);
        let (tx, rx) = mpsc::channel(capacity);
        let restarts = Arc::new(AtomicU64::new(0));
        let slot = Arc::new(tokio::sync::Mutex::new(Slot {
            actor: factory(),
            factory,
        }));
        let start: Box<dyn FnOnce() + Send> = {
            let address = address.clone();
            let restarts = Arc::clone(&restarts);
            let slot = Arc::clone(&slot);
            Box::new(move || {
                let span = tracing::debug_span!("actor", address = %address);
                tokio::spawn(run(rx, slot, address, restarts).instrument(span));
            })
        };
        ActorRef {
            address,
            tx,
            capacity,
            slot,
            started: AtomicBool::new(false),
            start: Mutex::new(Some(start)),
            restarts,
            methods,
        }
    }

    fn ensure_started(&self) {
        if self.started.load(Ordering::Acquire) {
            return;
        }
        let start = self.start.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(start) = start {
            start();
            self.started.store(true, Ordering::Release);
        }
    }

    /// Run a call: on the caller's task when the actor is idle and nothing is queued,
    /// otherwise through the mailbox (`busy` when it is full). At most `capacity` calls
    /// wait in the mailbox, plus the one the actor's task holds while it waits for the
    /// actor to be free.
    pub(crate) async fn call(&self, call: Call) -> Reply {
        if self.tx.capacity() == self.tx.max_capacity() {
            if let Ok(mut slot) = Arc::clone(&self.slot).try_lock_owned() {
                return match run_one(&mut slot, call, &self.address, &self.restarts).await {
                    Ok(reply) => reply,
                    Err(error) => Reply::error(error),
                };
            }
        }
        match self.post(call) {
            Ok(answer) => answer.await.unwrap_or_else(|_| {
                Reply::error(actor_failed("the actor stopped before answering"))
            }),
            Err(e) => Reply::error(e),
        }
    }

    /// Post a call to the mailbox; `busy` when it is full.
    fn post(&self, call: Call) -> Result<oneshot::Receiver<Reply>, WireError> {
        self.ensure_started();
        let (reply, rx) = ReplyHandle::new(self.address.clone());
        match self.tx.try_send(Envelope { call, reply }) {
            Ok(()) => Ok(rx),
            Err(mpsc::error::TrySendError::Full(envelope)) => {
                envelope.reply.fail(wire(
                    ErrorCode::Busy,
                    format!(
                        "the mailbox of `{}` is full ({} calls queued)",
                        self.address, self.capacity
                    ),
                ));
                Ok(rx)
            }
            Err(mpsc::error::TrySendError::Closed(_)) => Ok(rx),
        }
    }

    pub(crate) fn restarts(&self) -> u64 {
        self.restarts.load(Ordering::Relaxed)
    }

    pub(crate) fn methods(&self) -> &'static [HandlerMeta] {
        self.methods
    }
}

/// Run one call on the locked actor under `catch_unwind`; after a panic, rebuild the
/// state and answer `actor_failed`.
async fn run_one(
    slot: &mut Slot,
    call: Call,
    address: &Address,
    restarts: &AtomicU64,
) -> Result<Reply, WireError> {
    match AssertUnwindSafe(slot.actor.handle(call))
        .catch_unwind()
        .await
    {
        Ok(reply) => Ok(reply),
        Err(panic) => {
            let message = panic_message(&*panic);
            tracing::warn!(%address, %message, "actor panicked; restarting it");
            slot.actor = (slot.factory)();
            restarts.fetch_add(1, Ordering::Relaxed);
            Err(actor_failed(format!(
                "actor `{address}` failed; the app's log has the details"
            )))
        }
    }
}

async fn run(
    mut rx: mpsc::Receiver<Envelope>,
    slot: SharedSlot,
    address: Address,
    restarts: Arc<AtomicU64>,
) {
    while let Some(Envelope { call, mut reply }) = rx.recv().await {
        if reply.caller_gone() {
            // cancelled, expired or closed while queued: don't run it
            continue;
        }
        // wait for the actor (a caller may be running it inline), unless the caller leaves
        let mut slot = tokio::select! {
            biased;
            () = reply.closed() => continue,
            guard = slot.lock() => guard,
        };
        if reply.caller_gone() {
            continue;
        }
        let outcome = tokio::select! {
            biased;
            result = run_one(&mut slot, call, &address, &restarts) => Some(result),
            () = reply.closed() => None,
        };
        match outcome {
            Some(Ok(answer)) => reply.send(answer),
            Some(Err(error)) => reply.fail(error),
            None => drop(reply),
        }
    }
}
