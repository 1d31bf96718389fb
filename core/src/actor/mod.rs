//! User actors: state plus methods, addressed by name, one call at a time.
//!
//! ## How a call runs
//! Each actor has a bounded mailbox (`try_send`: a full mailbox answers `busy`) and its own
//! tokio task, which owns the state and drains the mailbox in order. The caller's task
//! only posts the call and waits for the answer: **no actor code runs on the caller's
//! thread** (which may be the webview's UI thread), and calls from one client are handled
//! in the order they were posted. A sync method runs on the actor's task (a worker of the
//! bus's runtime); a method marked `#[switchboard(blocking)]` runs on tokio's blocking pool
//! (`spawn_blocking`, the state moves there and back), so a method that sleeps or does slow
//! file I/O blocks neither the caller nor a worker. The cost is two thread hops per call
//! (to the actor's task and back): in the bus bench an actor's round trip went from 1.4 µs
//! p50 with the former idle-actor inline path to 1.8 µs (`core/README.md`).
//!
//! ## Cancellation: a started handler runs to completion
//! When the caller stops waiting (cancel, deadline, closed window), a call still queued is
//! skipped, and a call whose handler has started runs to its end; its answer is discarded.
//! So a `&mut self` method is never interrupted at an `.await` with the state half-updated,
//! as in actix and kameo. A handler that waits forever keeps its actor busy: give it a
//! timeout of its own.
//!
//! ## Supervision
//! Handlers run under `catch_unwind`. A panic answers its caller `actor_failed`, runs the
//! `stopping` hook on the old state and restarts the actor from its factory (then runs
//! `started`), within the actor's [`Supervision`] (default: 3 restarts within 5 s, no
//! backoff). Every registration can choose its own: `actor_supervised`,
//! `actor_with_supervised` (a factory) and `plugin_actor_supervised` take the strategy that
//! `actor`, `actor_with` and `plugin_actor` leave at the default. Past the limit the actor is stopped: every queued and later call is answered
//! `actor_failed` at once with the reason, and [`Stopped`] is published on
//! `actor/<address>/stopped`. Every queued call carries a reply handle that answers
//! `actor_failed` if it is dropped unanswered, so a stopped actor never leaves a caller
//! waiting.
//!
//! ## Lifecycle hooks
//! The actor's task starts on its first call. `started` runs before the first call and
//! after each restart; `stopping` runs on a state about to be replaced (after a panic) or
//! dropped (the actor stopped, the app dropped). In a `#[switchboard::actor]` block, mark a
//! method `#[switchboard(started)]` or `#[switchboard(stopping)]`; it takes `&mut self` and
//! optionally a `&Context`, sync or async:
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use switchboard::actor::Context;
//! #[derive(Default, Clone)]
//! struct Cache { warm: bool }
//!
//! #[switchboard::actor]
//! impl Cache {
//!     #[switchboard(started)]
//!     async fn warm_up(&mut self, cx: &Context) { self.warm = cx.restarts() == 0; }
//!     #[switchboard(stopping)]
//!     fn flush(&mut self) {}
//!     fn warm(&self) -> bool { self.warm }
//! }
//! let app = switchboard::App::builder().actor("cache", Cache::default()).build().unwrap();
//! assert!(app.call::<bool>("cache", "warm", &switchboard::args! {}).await.unwrap());
//! # });
//! ```
//!
//! ## actix actors
//! With the `actix` feature, an `actix::Addr<A>` joins the bus too
//! (`AppBuilder::actix_actor`); the `switchboard::actix` module says when to choose which.

mod mailbox;
mod supervision;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use switchboard_protocol::{Address, Name};

use crate::app::AppHandle;
use crate::call::Call;
use crate::command::HandlerMeta;
use crate::reply::Reply;

pub(crate) use mailbox::Factory;
pub use supervision::Supervision;

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

    /// Whether `method` blocks (sleeps, slow I/O): it then runs on tokio's blocking pool
    /// instead of the actor's task (`#[switchboard(blocking)]`).
    fn is_blocking(&self, method: &str) -> bool {
        let _ = method;
        false
    }

    /// Runs on the actor's task before its first call, and after each restart.
    fn started<'a>(&'a mut self, cx: &'a Context) -> BoxFuture<'a, ()> {
        let _ = cx;
        Box::pin(async {})
    }

    /// Runs on a state about to be dropped: replaced after a panic, or stopped for good
    /// ([`Context::reason`] says which). After a panic the state may be half-updated.
    fn stopping<'a>(&'a mut self, cx: &'a Context) -> BoxFuture<'a, ()> {
        let _ = cx;
        Box::pin(async {})
    }
}

/// What a lifecycle hook ([`Actor::started`], [`Actor::stopping`]) is told.
#[derive(Debug)]
pub struct Context {
    address: Address,
    app: Option<AppHandle>,
    restarts: u64,
    reason: Option<StopReason>,
}

impl Context {
    /// The actor's address.
    pub fn address(&self) -> &Address {
        &self.address
    }

    /// The app (`None` when the app is being dropped).
    pub fn app(&self) -> Option<&AppHandle> {
        self.app.as_ref()
    }

    /// How many times the actor was restarted so far.
    pub fn restarts(&self) -> u64 {
        self.restarts
    }

    /// In `stopping`: why the state is dropped. `None` in `started`.
    pub fn reason(&self) -> Option<&StopReason> {
        self.reason.as_ref()
    }
}

/// Why an actor's state is dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StopReason {
    /// A handler (or `started`) panicked; a fresh state replaces this one.
    Restart {
        /// The panic's message.
        panic: String,
    },
    /// The restart limit was reached; the actor is stopped for good.
    Failed {
        /// The reason, as published in [`Stopped`].
        reason: String,
    },
    /// The app was dropped.
    Shutdown,
}

/// Published on `actor/<address>/stopped` (`actor/counter/stopped`,
/// `actor/plugin:kv/stopped`) when the supervisor stops an actor for good.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Stopped {
    /// The actor's address.
    pub address: String,
    /// Why it was stopped.
    pub reason: String,
    /// How many times it had been restarted.
    pub restarts: u64,
}

/// The router's handle on one actor: a native mailbox, or an adapter (actix).
pub(crate) struct ActorRef {
    methods: &'static [HandlerMeta],
    backend: Backend,
}

enum Backend {
    Native(mailbox::Mailbox),
    #[cfg(feature = "actix")]
    Actix(crate::actix::ActixRoute),
}

impl ActorRef {
    /// A native actor with the default supervision.
    pub(crate) fn new(
        address: Address,
        factory: Factory,
        capacity: usize,
        methods: &'static [HandlerMeta],
    ) -> Self {
        Self::supervised(address, factory, capacity, methods, Supervision::default())
    }

    /// A native actor with its own supervision strategy.
    pub(crate) fn supervised(
        address: Address,
        factory: Factory,
        capacity: usize,
        methods: &'static [HandlerMeta],
        supervision: Supervision,
    ) -> Self {
        ActorRef {
            methods,
            backend: Backend::Native(mailbox::Mailbox::new(
                address,
                factory,
                capacity,
                supervision,
            )),
        }
    }

    #[cfg(feature = "actix")]
    pub(crate) fn actix(route: crate::actix::ActixRoute) -> Self {
        ActorRef {
            methods: &[],
            backend: Backend::Actix(route),
        }
    }

    /// Run a call on the actor and answer it (see the module docs).
    pub(crate) async fn call(&self, call: Call) -> Reply {
        match &self.backend {
            Backend::Native(mailbox) => mailbox.call(call).await,
            #[cfg(feature = "actix")]
            Backend::Actix(route) => route.call(call).await,
        }
    }

    pub(crate) fn restarts(&self) -> u64 {
        match &self.backend {
            Backend::Native(mailbox) => mailbox.restarts(),
            #[cfg(feature = "actix")]
            Backend::Actix(_) => 0,
        }
    }

    /// Why the actor was stopped for good, if it was.
    pub(crate) fn stopped(&self) -> Option<&crate::BusError> {
        match &self.backend {
            Backend::Native(mailbox) => mailbox.stopped(),
            #[cfg(feature = "actix")]
            Backend::Actix(_) => None,
        }
    }

    pub(crate) fn methods(&self) -> &'static [HandlerMeta] {
        self.methods
    }
}

/// Every native registration takes a [`Supervision`]: `actor`, `actor_with` and
/// `plugin_actor` use [`Supervision::default`], their `_supervised` forms take one.
impl crate::AppBuilder {
    /// Register an actor at `name` with its own supervision strategy. After a panic it
    /// restarts from a clone of `actor`, within the strategy's limits.
    ///
    /// ```
    /// use std::time::Duration;
    /// use switchboard::actor::Supervision;
    /// #[derive(Default, Clone)]
    /// struct Counter { total: i64 }
    /// #[switchboard::actor]
    /// impl Counter { fn add(&mut self, n: i64) -> i64 { self.total += n; self.total } }
    ///
    /// let app = switchboard::App::builder()
    ///     .actor_supervised(
    ///         "counter",
    ///         Counter::default(),
    ///         Supervision::default().intensity(5, Duration::from_secs(10)).backoff(
    ///             Duration::from_millis(50),
    ///             Duration::from_secs(2),
    ///         ),
    ///     )
    ///     .build()
    ///     .unwrap();
    /// # drop(app);
    /// ```
    pub fn actor_supervised<A: Actor + Clone>(
        self,
        name: &str,
        actor: A,
        supervision: Supervision,
    ) -> Self {
        let methods = actor.methods();
        let address = Name::new(name)
            .map(Address::Actor)
            .map_err(|e| (name.to_owned(), e));
        self.add_actor(
            address,
            Box::new(move || Box::new(actor.clone())),
            methods,
            supervision,
        )
    }

    /// Register an actor at `name`, made (and remade after each panic) by `factory`, with
    /// its own supervision strategy.
    ///
    /// ```
    /// use switchboard::actor::Supervision;
    /// struct Conn { opened_at: std::time::Instant }
    /// #[switchboard::actor]
    /// impl Conn { fn age_ms(&self) -> u64 { self.opened_at.elapsed().as_millis() as u64 } }
    ///
    /// // a fresh connection on each restart; a second panic stops it for good
    /// let app = switchboard::App::builder()
    ///     .actor_with_supervised(
    ///         "conn",
    ///         || Conn { opened_at: std::time::Instant::now() },
    ///         Supervision::default().intensity(1, std::time::Duration::from_secs(60)),
    ///     )
    ///     .build()
    ///     .unwrap();
    /// # drop(app);
    /// ```
    pub fn actor_with_supervised<A: Actor>(
        self,
        name: &str,
        factory: impl Fn() -> A + Send + 'static,
        supervision: Supervision,
    ) -> Self {
        let methods = factory().methods();
        let address = Name::new(name)
            .map(Address::Actor)
            .map_err(|e| (name.to_owned(), e));
        self.add_actor(
            address,
            Box::new(move || Box::new(factory())),
            methods,
            supervision,
        )
    }

    /// Register a plugin's actor at `plugin:<name>` with its own supervision strategy (a
    /// plugin calls this from [`Plugin::build`](crate::Plugin::build)). After a panic it
    /// restarts from a clone of `actor`, within the strategy's limits.
    ///
    /// ```
    /// use switchboard::actor::Supervision;
    /// use switchboard::{AppBuilder, Plugin};
    /// #[derive(Default, Clone)]
    /// struct Clock;
    /// #[switchboard::actor]
    /// impl Clock { fn now(&self) -> u64 { 0 } }
    ///
    /// struct ClockPlugin;
    /// impl Plugin for ClockPlugin {
    ///     fn build(self, app: AppBuilder) -> AppBuilder {
    ///         // a clock that panics has a bug no restart fixes: stop it at once
    ///         app.plugin_actor_supervised("clock", Clock, Supervision::never())
    ///     }
    /// }
    /// let app = switchboard::App::builder().plugin(ClockPlugin).build().unwrap();
    /// # drop(app);
    /// ```
    pub fn plugin_actor_supervised<A: Actor + Clone>(
        self,
        name: &str,
        actor: A,
        supervision: Supervision,
    ) -> Self {
        let methods = actor.methods();
        let address = Name::new(name)
            .map(Address::Plugin)
            .map_err(|e| (name.to_owned(), e));
        self.add_actor(
            address,
            Box::new(move || Box::new(actor.clone())),
            methods,
            supervision,
        )
    }
}
