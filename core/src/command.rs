//! Commands: functions registered with [`commands!`](crate::commands), addressed as
//! `cmd:<name>`, run on the caller's task (no thread hop).

use std::sync::Arc;

use futures::future::BoxFuture;

use crate::call::Call;
use crate::reply::Reply;

/// A type-erased handler: takes a call, answers a reply.
pub type HandlerFn = Arc<dyn Fn(Call) -> BoxFuture<'static, Reply> + Send + Sync>;

/// What the macros record about a command or actor method, for generated bindings.
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
