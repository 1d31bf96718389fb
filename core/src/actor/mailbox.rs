//! The light runtime of a native actor: a bounded mailbox drained in order by the actor's
//! own tokio task, which owns the state, runs each handler to completion under
//! `catch_unwind`, and supervises (restart within limits, then stop).

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Instant;

use futures::FutureExt;
use switchboard_protocol::{Address, WireError};
use tokio::sync::{mpsc, oneshot};
use tracing::Instrument;

use super::supervision::{Decision, Intensity, Supervision};
use super::{Actor, Context, StopReason, Stopped};
use crate::app::{AppHandle, AppInner};
use crate::call::Call;
use crate::error::{panic_message, BusError};
use crate::reply::Reply;

/// Makes an actor's state: at start, and again after each restart.
pub(crate) type Factory = Box<dyn Fn() -> Box<dyn Actor> + Send>;

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

    /// Answer (discarded when the caller stopped waiting).
    pub(crate) fn send(mut self, reply: Reply) {
        if let Some(tx) = self.tx.take() {
            let _ = tx.send(reply);
        }
    }

    pub(crate) fn fail(self, error: WireError) {
        self.send(Reply::Value(Err(error)))
    }

    /// Whether the caller stopped waiting (cancel, deadline, closed window).
    pub(crate) fn caller_gone(&self) -> bool {
        self.tx.as_ref().is_none_or(|tx| tx.is_closed())
    }
}

impl Drop for ReplyHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.tx.take() {
            let _ = tx.send(Reply::error(
                BusError::StoppedBeforeAnswering {
                    address: self.target.clone(),
                }
                .into(),
            ));
        }
    }
}

struct Envelope {
    call: Call,
    reply: ReplyHandle,
}

/// What the router and the actor's task share.
#[derive(Default)]
struct Shared {
    restarts: AtomicU64,
    /// Set once, when the supervisor gives up: why.
    stopped: OnceLock<BusError>,
}

type Start = Box<dyn FnOnce(Weak<AppInner>) + Send>;

/// The router's side of a native actor: its mailbox. The actor's task starts on the
/// first call (an app can be built outside a tokio runtime).
pub(crate) struct Mailbox {
    address: Address,
    tx: mpsc::Sender<Envelope>,
    capacity: usize,
    shared: Arc<Shared>,
    started: AtomicBool,
    start: Mutex<Option<Start>>,
}

impl Mailbox {
    pub(crate) fn new(
        address: Address,
        factory: Factory,
        capacity: usize,
        supervision: Supervision,
    ) -> Self {
        let capacity = capacity.max(1);
        let (tx, rx) = mpsc::channel(capacity);
        let shared = Arc::new(Shared::default());
        let start: Start = {
            let address = address.clone();
            let shared = Arc::clone(&shared);
            Box::new(move |app| {
                let span = tracing::debug_span!("actor", address = %address);
                let task = Task {
                    rx,
                    factory,
                    address,
                    shared,
                    intensity: Intensity::new(supervision),
                    app,
                };
                tokio::spawn(task.run().instrument(span));
            })
        };
        Mailbox {
            address,
            tx,
            capacity,
            shared,
            started: AtomicBool::new(false),
            start: Mutex::new(Some(start)),
        }
    }

    fn ensure_started(&self, app: &AppHandle) {
        if self.started.load(Ordering::Acquire) {
            return;
        }
        let start = self.start.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(start) = start {
            start(Arc::downgrade(&app.inner));
            self.started.store(true, Ordering::Release);
        }
    }

    fn stopped_error(&self) -> Option<WireError> {
        self.shared.stopped.get().cloned().map(WireError::from)
    }

    /// Post a call to the mailbox (`busy` when it is full; `actor_failed` once the actor
    /// is stopped) and wait for its answer. The call is posted when this future is first
    /// polled, so calls polled in order are handled in that order.
    pub(crate) async fn call(&self, call: Call) -> Reply {
        if let Some(error) = self.stopped_error() {
            return Reply::error(error);
        }
        self.ensure_started(&call.app);
        let (reply, answer) = ReplyHandle::new(self.address.clone());
        match self.tx.try_send(Envelope { call, reply }) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                let full = BusError::MailboxFull {
                    address: self.address.clone(),
                    capacity: self.capacity,
                };
                return Reply::error(full.into());
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                return Reply::error(self.stopped_error().unwrap_or_else(|| {
                    BusError::ActorStopped {
                        address: self.address.clone(),
                    }
                    .into()
                }))
            }
        }
        answer.await.unwrap_or_else(|_| {
            Reply::error(
                BusError::StoppedBeforeAnswering {
                    address: self.address.clone(),
                }
                .into(),
            )
        })
    }

    pub(crate) fn restarts(&self) -> u64 {
        self.shared.restarts.load(Ordering::Relaxed)
    }

    /// Why the actor was stopped, if it was.
    pub(crate) fn stopped(&self) -> Option<&BusError> {
        self.shared.stopped.get()
    }
}

/// The actor's own task: owns the state, drains the mailbox in order.
struct Task {
    rx: mpsc::Receiver<Envelope>,
    factory: Factory,
    address: Address,
    shared: Arc<Shared>,
    intensity: Intensity,
    app: Weak<AppInner>,
}

/// How a handler ended.
enum Ran {
    Answered(Reply),
    /// It panicked: its message. The state is gone or suspect.
    Panicked(String),
}

impl Task {
    fn context(&self, reason: Option<StopReason>) -> Context {
        Context {
            address: self.address.clone(),
            app: self.app.upgrade().map(|inner| AppHandle { inner }),
            restarts: self.shared.restarts.load(Ordering::Relaxed),
            reason,
        }
    }

    async fn run(mut self) {
        let mut actor = Some((self.factory)());
        let mut fresh = true;
        loop {
            let mut state = match actor.take() {
                Some(state) => state,
                None => (self.factory)(),
            };
            if fresh {
                fresh = false;
                let cx = self.context(None);
                if let Err(panic) = AssertUnwindSafe(state.started(&cx)).catch_unwind().await {
                    let message = format!("`started` panicked: {}", panic_message(&*panic));
                    match self.failed(state, &message).await {
                        Some(()) => {
                            fresh = true;
                            continue;
                        }
                        None => return,
                    }
                }
            }
            let Some(Envelope { call, reply }) = self.rx.recv().await else {
                // the app is gone
                let cx = self.context(Some(StopReason::Shutdown));
                let _ = AssertUnwindSafe(state.stopping(&cx)).catch_unwind().await;
                return;
            };
            if reply.caller_gone() {
                // cancelled, expired or closed while queued: don't run it
                actor = Some(state);
                continue;
            }
            // Once started, a handler runs to completion even if its caller leaves
            // (its answer is then discarded): `&mut self` is never left half-updated.
            let (state, ran) = run_handler(state, call).await;
            match ran {
                Ran::Answered(answer) => {
                    reply.send(answer);
                    actor = state;
                }
                Ran::Panicked(message) => {
                    tracing::warn!(address = %self.address, %message, "actor panicked");
                    // the panic's text goes to the log only, never to the page
                    reply.fail(
                        BusError::Panicked {
                            target: self.address.clone(),
                        }
                        .into(),
                    );
                    let state = state.unwrap_or_else(|| (self.factory)());
                    match self.failed(state, &message).await {
                        Some(()) => fresh = true,
                        None => return,
                    }
                }
            }
        }
    }

    /// A handler or `started` panicked: run `stopping` on the old state, then restart
    /// (`Some`, after the backoff) or stop for good (`None`: every queued call answered).
    async fn failed(&mut self, mut state: Box<dyn Actor>, message: &str) -> Option<()> {
        let decision = self.intensity.failed(Instant::now());
        let gave_up = matches!(decision, Decision::Stop).then(|| self.give_up(message));
        let reason = match &gave_up {
            None => StopReason::Restart {
                panic: message.to_owned(),
            },
            Some(error) => StopReason::Failed {
                reason: error.to_string(),
            },
        };
        let cx = self.context(Some(reason));
        if let Err(panic) = AssertUnwindSafe(state.stopping(&cx)).catch_unwind().await {
            tracing::warn!(address = %self.address, message = %panic_message(&*panic), "`stopping` panicked");
        }
        drop(state);
        match decision {
            Decision::Restart(delay) => {
                self.shared.restarts.fetch_add(1, Ordering::Relaxed);
                tracing::info!(address = %self.address, ?delay, "restarting the actor");
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                Some(())
            }
            Decision::Stop => {
                self.stop(gave_up.unwrap_or(BusError::ActorStopped {
                    address: self.address.clone(),
                }));
                None
            }
        }
    }

    /// Why the actor stopped, as callers and `actor/<name>/stopped` listeners read it: the
    /// panic's text (which may hold anything) is logged, not repeated here.
    fn give_up(&self, message: &str) -> BusError {
        let strategy = self.intensity.strategy();
        tracing::warn!(address = %self.address, last = %message, "actor gives up");
        BusError::ActorGaveUp {
            address: self.address.clone(),
            max_restarts: strategy.max_restarts(),
            within: strategy.within(),
        }
    }

    /// Stop for good: refuse new calls, answer the queued ones, say so on the bus.
    fn stop(&mut self, error: BusError) {
        tracing::warn!(address = %self.address, reason = %error, "actor stopped");
        let _ = self.shared.stopped.set(error.clone());
        self.rx.close();
        while let Ok(Envelope { reply, .. }) = self.rx.try_recv() {
            reply.fail(error.clone().into());
        }
        let reason = error.to_string();
        if let Some(inner) = self.app.upgrade() {
            let app = AppHandle { inner };
            let event = Stopped {
                address: self.address.to_string(),
                reason,
                restarts: self.shared.restarts.load(Ordering::Relaxed),
            };
            if let Err(e) = app.emit(&stopped_topic(&self.address), &event) {
                tracing::warn!(address = %self.address, error = %e, "could not publish the stop");
            }
        }
    }
}

/// `actor/<address>/stopped`: `actor/counter/stopped`, `actor/plugin:kv/stopped`.
fn stopped_topic(address: &Address) -> String {
    format!("actor/{address}/stopped")
}

/// Run one handler to completion under `catch_unwind`: on this task, or on tokio's
/// blocking pool when the method is marked blocking (the state moves there and back).
async fn run_handler(mut state: Box<dyn Actor>, call: Call) -> (Option<Box<dyn Actor>>, Ran) {
    if state.is_blocking(call.method()) {
        let task = tokio::task::spawn_blocking(move || {
            let ran = std::panic::catch_unwind(AssertUnwindSafe(|| {
                futures::executor::block_on(state.handle(call))
            }));
            (state, ran)
        });
        return match task.await {
            Ok((state, Ok(reply))) => (Some(state), Ran::Answered(reply)),
            Ok((state, Err(panic))) => (Some(state), Ran::Panicked(panic_message(&*panic))),
            Err(e) => (
                None,
                Ran::Panicked(format!("the blocking task failed: {e}")),
            ),
        };
    }
    let ran = AssertUnwindSafe(state.handle(call)).catch_unwind().await;
    match ran {
        Ok(reply) => (Some(state), Ran::Answered(reply)),
        Err(panic) => (Some(state), Ran::Panicked(panic_message(&*panic))),
    }
}
