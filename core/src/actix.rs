//! actix actors on the bus (cargo feature `actix`): an `actix::Addr<A>` whose
//! `Handler<M>` impls become bus methods, in one line.
//!
//! ```
//! # fn main() {
//! use actix::prelude::*;
//! use serde::{Deserialize, Serialize};
//!
//! struct Counter(i64);
//! impl Actor for Counter { type Context = Context<Self>; }
//!
//! #[derive(Message, Deserialize)]
//! #[rtype(result = "i64")]
//! struct Add { n: i64 }
//! impl Handler<Add> for Counter {
//!     type Result = i64;
//!     fn handle(&mut self, msg: Add, _: &mut Context<Self>) -> i64 { self.0 += msg.n; self.0 }
//! }
//!
//! fn register(app: switchboard::AppBuilder, addr: Addr<Counter>) -> switchboard::AppBuilder {
//!     app.actix_actor("counter", addr, |m| m.method::<Add>("add"))
//! }
//! # }
//! ```
//!
//! A page then calls `counter.add` with `{ n: 5 }`: the payload map is decoded into the
//! message (fields by name), the handler's result is encoded as the answer. The call goes
//! through the same router as any actor's: the same capability checks (`counter.add`), the
//! same `busy`, `actor_failed`, deadline and cancel answers.
//!
//! - **`busy`**: each registered actix actor takes at most `capacity` bus calls at a time
//!   (default 16, actix's default mailbox capacity; [`ActixMethods::capacity`]); past that
//!   the bus answers `busy` at once. The adapter cannot use actix's `try_send`, which
//!   carries no answer, and actix's `send` on a full mailbox returns a request that waits
//!   for room (and, in actix 0.13, is never woken once parked): so the adapter bounds its
//!   own calls, and sends each through a fresh sender, which actix always accepts. It
//!   never uses `do_send`. Messages others send to the actor count against actix's
//!   mailbox, not against this bound.
//! - **`actor_failed`**: when the actor has stopped or died (a panicking actix handler
//!   kills its actor; actix's `Supervisor::restarting` runs on `stop`, not on a panic), its
//!   mailbox is closed and every call is answered `actor_failed`.
//! - **Cancellation**: a message already in the mailbox is handled; its answer is
//!   discarded (the same rule as native actors).
//! - actix methods do not appear in the generated TypeScript bindings.
//!
//! ## Native or actix?
//! Choose a native `#[switchboard::actor]` for new actors: it runs on the bus's own tokio
//! runtime (no second runtime, no arbiter thread), is restarted within limits after a
//! panic (actix's actor dies), gets `started`/`stopping` hooks, typed TypeScript bindings
//! and a typed Rust handle. Bring an actix actor when you already have one (an actix-web
//! backend, an actor crate) and want pages to reach it without rewriting it.
//!
//! Measured (`core/tests/actix.rs`, `measure_actix_adapter_against_a_native_actor`,
//! release, 2 cores at load average ~5, p50 / p99 of a round trip through the in-process
//! client): with the caller on a worker of the bus's runtime, native 1.8 / 7.7 µs, actix
//! 6.5 / 14–16 µs (the hop to the arbiter thread and back); with the caller on a thread
//! of its own (as the UI thread is), native 9.6 / 23–27 µs, actix 6.6–35 / 18–2,000 µs
//! (noisy: it depends on the arbiter thread being awake). Either is far below what a
//! webview's delivery costs (~200–450 µs, DESIGN.md).

use std::collections::HashMap;
use std::sync::Arc;

use ::actix::dev::ToEnvelope;
use ::actix::{Actor, Addr, Handler, MailboxError, Message};
use futures::future::BoxFuture;
use serde::de::DeserializeOwned;
use serde::Serialize;
use switchboard_protocol::{payload, Address, Name};
use tokio::sync::Semaphore;

use crate::app::{AppBuilder, Route};
use crate::call::Call;
use crate::error::BusError;
use crate::reply::{app_error, Reply};

/// actix's default mailbox capacity: the default bound on bus calls in flight.
pub const DEFAULT_CAPACITY: usize = 16;

type MethodFn = Arc<dyn Fn(Call) -> BoxFuture<'static, Reply> + Send + Sync>;

/// The methods an actix actor answers on the bus, made in
/// [`AppBuilder::actix_actor`]'s closure.
pub struct ActixMethods<A: Actor> {
    addr: Addr<A>,
    methods: HashMap<String, MethodFn>,
    capacity: usize,
}

fn decode<M: DeserializeOwned>(call: &Call) -> Result<M, switchboard_protocol::WireError> {
    let bytes: &[u8] = if call.payload().is_empty() {
        &[0x80]
    } else {
        call.payload()
    };
    payload::from_slice(bytes, call.app().limits()).map_err(|e| {
        BusError::BadMessage {
            message: std::any::type_name::<M>(),
            reason: e.to_string(),
        }
        .into()
    })
}

fn mailbox_error(address: &Address, e: MailboxError) -> Reply {
    Reply::error(
        BusError::ActixNoAnswer {
            address: address.clone(),
            reason: e.to_string(),
        }
        .into(),
    )
}

impl<A: Actor> ActixMethods<A> {
    /// Answer `name` with the actor's `Handler<M>`: the payload map is decoded into `M`,
    /// the result encoded.
    pub fn method<M>(mut self, name: &str) -> Self
    where
        A: Handler<M>,
        A::Context: ToEnvelope<A, M>,
        M: Message + DeserializeOwned + Send + 'static,
        M::Result: Serialize + Send,
    {
        let addr = self.addr.clone();
        let method: MethodFn = Arc::new(move |call: Call| {
            let addr = addr.clone();
            Box::pin(async move {
                let msg = match decode::<M>(&call) {
                    Ok(msg) => msg,
                    Err(e) => return Reply::error(e),
                };
                // a fresh sender: never parked, so `send` enqueues at once (see module docs)
                match addr.clone().send(msg).await {
                    Ok(result) => Reply::value(&result),
                    Err(e) => mailbox_error(call.target(), e),
                }
            })
        });
        self.methods.insert(name.to_owned(), method);
        self
    }

    /// Like [`Self::method`] for a handler answering `Result<T, E>`: `Ok` is the answer,
    /// `Err` the `app` error with `E` as its data, as for native handlers.
    pub fn fallible<M, T, E>(mut self, name: &str) -> Self
    where
        A: Handler<M>,
        A::Context: ToEnvelope<A, M>,
        M: Message<Result = Result<T, E>> + DeserializeOwned + Send + 'static,
        T: Serialize + Send + 'static,
        E: Serialize + std::fmt::Display + Send + 'static,
    {
        let addr = self.addr.clone();
        let method: MethodFn = Arc::new(move |call: Call| {
            let addr = addr.clone();
            Box::pin(async move {
                let msg = match decode::<M>(&call) {
                    Ok(msg) => msg,
                    Err(e) => return Reply::error(e),
                };
                match addr.clone().send(msg).await {
                    Ok(Ok(value)) => Reply::value(&value),
                    Ok(Err(error)) => Reply::error(app_error(&error, error.to_string())),
                    Err(e) => mailbox_error(call.target(), e),
                }
            })
        });
        self.methods.insert(name.to_owned(), method);
        self
    }

    /// Bus calls in flight at most (default [`DEFAULT_CAPACITY`]); past it, `busy`.
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity.max(1);
        self
    }
}

/// The router's side of an actix actor.
pub(crate) struct ActixRoute {
    methods: HashMap<String, MethodFn>,
    connected: Box<dyn Fn() -> bool + Send + Sync>,
    permits: Arc<Semaphore>,
    capacity: usize,
}

impl ActixRoute {
    pub(crate) async fn call(&self, call: Call) -> Reply {
        let Some(method) = self.methods.get(call.method()).cloned() else {
            return Reply::error(call.unknown_method());
        };
        if !(self.connected)() {
            return Reply::error(
                BusError::ActixStopped {
                    address: call.target().clone(),
                }
                .into(),
            );
        }
        let Ok(_permit) = Arc::clone(&self.permits).try_acquire_owned() else {
            let full = BusError::InFlightFull {
                address: call.target().clone(),
                capacity: self.capacity,
            };
            return Reply::error(full.into());
        };
        method(call).await
    }
}

impl AppBuilder {
    /// Register an actix actor at `name`; `methods` says which of its `Handler<M>` impls
    /// answer which method:
    /// `.actix_actor("counter", addr, |m| m.method::<Add>("add").method::<Get>("get"))`.
    /// See [`crate::actix`].
    pub fn actix_actor<A: Actor>(
        self,
        name: &str,
        addr: Addr<A>,
        methods: impl FnOnce(ActixMethods<A>) -> ActixMethods<A>,
    ) -> Self {
        let made = methods(ActixMethods {
            addr,
            methods: HashMap::new(),
            capacity: DEFAULT_CAPACITY,
        });
        let address = Name::new(name)
            .map(Address::Actor)
            .map_err(|e| crate::Error::bad_name(name, e));
        let addr = made.addr;
        let route = ActixRoute {
            methods: made.methods,
            connected: Box::new(move || addr.connected()),
            permits: Arc::new(Semaphore::new(made.capacity)),
            capacity: made.capacity,
        };
        self.route_with(address, move |_, _| {
            Route::Actor(Arc::new(crate::actor::ActorRef::actix(route)))
        })
    }
}
