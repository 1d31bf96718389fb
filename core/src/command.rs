//! Commands: functions registered with [`commands!`](crate::commands), addressed as
//! `cmd:<name>`, run on the caller's task (no thread hop).

use std::sync::Arc;

use futures::future::BoxFuture;

use crate::call::Call;
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
    /// A command from its metadata and handler (the macro calls this).
    pub fn new(
        meta: HandlerMeta,
        handler: impl Fn(Call) -> BoxFuture<'static, Reply> + Send + Sync + 'static,
    ) -> Self {
        Command {
            meta,
            handler: Arc::new(handler),
        }
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
