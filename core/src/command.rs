//! Commands: functions registered with [`commands!`](crate::commands), addressed as
//! `cmd:<name>`.
//!
//! ## Where a command runs
//! The caller of [`Session::handle`](crate::Session::handle) may be the webview's UI thread
//! (the bridge polls a call once there), so a command's code does not run on the caller's
//! thread unless its author says so:
//!
//! | command | runs on | cost |
//! |---|---|---|
//! | sync, `#[command]` | a worker of the bus's tokio runtime (`tokio::spawn`) | one hop there and back |
//! | sync, `#[command(blocking)]` (sleeps, slow file or database work) | tokio's blocking pool (`spawn_blocking`) | a hop to a pool thread (a new thread when none is idle) |
//! | sync, `#[command(inline)]` | the caller's thread, inside `Session::handle` | none; but while it runs the caller waits: on the UI thread, every window freezes |
//! | `async` | polled by the caller's task: up to its first `.await`, on the caller's thread | none; an async function must not block (move blocking work to `spawn_blocking`) |
//!
//! `inline` is worth it only for a tiny sync command called very often (a getter): in the
//! bus bench a sync command's round trip costs about 1.3 µs p50 inline and 1.7 µs on a
//! worker, more at p99 under load (`core/README.md`). A cancelled or expired call drops an async command at its
//! current `.await`; a sync command that has started finishes (its answer is discarded),
//! one that has not started never runs.

use std::sync::Arc;

use futures::future::BoxFuture;
use tracing::Instrument;

use crate::call::Call;
use crate::error::BusError;
use crate::reply::Reply;

/// A type-erased handler: takes a call, answers a reply.
pub type HandlerFn = Arc<dyn Fn(Call) -> BoxFuture<'static, Reply> + Send + Sync>;

/// Produces a type's [`specta`] definition (registering the named types it uses in the
/// collection), or `None` when the type does not implement `specta::Type`.
pub type TypeFn = fn(&mut specta::TypeCollection) -> Option<specta::DataType>;

/// What the macros record about a command or actor method, for generated bindings
/// (`cargo xtask bindings`).
///
/// Types that derive `specta::Type` get a full definition; the others only their name as
/// written (`ty`, `returns`).
///
/// ```
/// #[derive(serde::Deserialize, specta::Type)]
/// struct Point { x: f64, y: f64 }
///
/// /// Distance from the origin.
/// #[switchboard::command]
/// fn norm(p: Point) -> f64 { (p.x * p.x + p.y * p.y).sqrt() }
///
/// let commands = switchboard::commands![norm];
/// let meta = commands.iter().next().unwrap().meta();
/// assert_eq!(meta.docs, "Distance from the origin.");
/// assert_eq!(meta.args[0].name, "p");
/// let mut types = specta::TypeCollection::default();
/// assert!((meta.args[0].datatype)(&mut types).is_some());
/// assert!((meta.ok)(&mut types).is_some());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct HandlerMeta {
    /// The command's or method's name.
    pub name: &'static str,
    /// Its doc comment.
    pub docs: &'static str,
    /// Its arguments, in order.
    pub args: &'static [ArgMeta],
    /// Its return type, as written.
    pub returns: &'static str,
    /// The success type (`T` of `Result<T, E>`, the item type of a `Stream<T>`).
    pub ok: TypeFn,
    /// The application error type (`E` of `Result<T, E>`), if it returns a `Result`.
    pub error: Option<TypeFn>,
    /// Whether the answer is a stream.
    pub stream: bool,
}

/// One argument of a command or method.
#[derive(Debug, Clone, Copy)]
pub struct ArgMeta {
    /// The argument's name (its key in the payload map).
    pub name: &'static str,
    /// Its type, as written.
    pub ty: &'static str,
    /// Whether it is decoded from the payload (`false`: injected, like `State<T>`).
    pub from_payload: bool,
    /// Its specta definition, when it has one.
    pub datatype: TypeFn,
}

/// A registered command: name, metadata and handler. Made by `#[switchboard::command]`.
#[derive(Clone)]
pub struct Command {
    pub(crate) meta: HandlerMeta,
    pub(crate) handler: HandlerFn,
}

impl Command {
    /// A command from its metadata and an async handler, polled by the caller's task
    /// (`#[command] async fn`).
    pub fn new(
        meta: HandlerMeta,
        handler: impl Fn(Call) -> BoxFuture<'static, Reply> + Send + Sync + 'static,
    ) -> Self {
        Command {
            meta,
            handler: Arc::new(handler),
        }
    }

    /// A sync command run on a worker of the bus's tokio runtime (`#[command] fn`).
    pub fn on_worker(
        meta: HandlerMeta,
        handler: impl Fn(Call) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let handler = Arc::new(handler);
        Self::new(meta, move |call| {
            let handler = Arc::clone(&handler);
            Box::pin(off_caller(false, move || handler(call)))
        })
    }

    /// A sync command that blocks, run on tokio's blocking pool
    /// (`#[command(blocking)] fn`).
    pub fn blocking(
        meta: HandlerMeta,
        handler: impl Fn(Call) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let handler = Arc::new(handler);
        Self::new(meta, move |call| {
            let handler = Arc::clone(&handler);
            Box::pin(off_caller(true, move || handler(call)))
        })
    }

    /// A sync command run on the caller's thread (`#[command(inline)] fn`): no hop, but
    /// the caller (maybe the UI thread) waits while it runs.
    pub fn inline(
        meta: HandlerMeta,
        handler: impl Fn(Call) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let handler = Arc::new(handler);
        Self::new(meta, move |call| {
            let handler = Arc::clone(&handler);
            Box::pin(async move { handler(call) })
        })
    }

    /// The command's metadata.
    pub fn meta(&self) -> &HandlerMeta {
        &self.meta
    }
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Command")
            .field("name", &self.meta.name)
            .finish()
    }
}

/// Aborts the task when the call is dropped (cancel, deadline): a sync handler that has
/// not started never runs; one that has started finishes, its answer discarded.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Run a sync handler off the caller's thread: on a worker, or on the blocking pool. A
/// panic is resumed here, so the router answers it like any panicking command.
async fn off_caller(blocking: bool, run: impl FnOnce() -> Reply + Send + 'static) -> Reply {
    let span = tracing::Span::current();
    let task = if blocking {
        tokio::task::spawn_blocking(move || span.in_scope(run))
    } else {
        tokio::spawn(async move { run() }.instrument(span))
    };
    let mut task = AbortOnDrop(task);
    match (&mut task.0).await {
        Ok(reply) => reply,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Reply::error(BusError::CommandTaskCancelled.into()),
    }
}

/// A list of commands, made by [`commands!`](crate::commands).
///
/// ```
/// #[switchboard::command]
/// fn ping() -> &'static str { "pong" }
/// let commands = switchboard::commands![ping];
/// assert_eq!(commands.iter().next().unwrap().meta().name, "ping");
/// ```
#[derive(Debug, Clone, Default)]
pub struct Commands(pub(crate) Vec<Command>);

impl Commands {
    /// Commands from a list.
    pub fn new(commands: Vec<Command>) -> Self {
        Commands(commands)
    }

    /// The commands.
    pub fn iter(&self) -> impl Iterator<Item = &Command> {
        self.0.iter()
    }
}
