//! # switchboard
//!
//! The bus at the heart of Switchboard: every command, actor, window and plugin is an
//! actor with an address (`cmd:greet`, `counter`, `window:main`, `plugin:fs`) on one
//! message bus, speaking the frames of [`switchboard_protocol`]. A [`Session`] per client
//! connection decodes frames, checks [`Capability`] grants (deny by default), routes
//! requests, and carries events and streams back through an [`Outbound`].
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use switchboard::{commands, App, Capability, State};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Default)]
//! struct Greeter;
//! #[derive(Debug, Serialize, Deserialize, thiserror::Error)]
//! #[error("nobody to greet")]
//! struct GreetError;
//!
//! #[switchboard::command]
//! async fn greet(name: String, _greeter: State<Greeter>) -> Result<String, GreetError> {
//!     if name.is_empty() { Err(GreetError) } else { Ok(format!("hello, {name}")) }
//! }
//!
//! #[derive(Default, Clone)]
//! struct Counter { total: i64 }
//! #[switchboard::actor]
//! impl Counter {
//!     async fn add(&mut self, n: i64) -> i64 { self.total += n; self.total }
//! }
//!
//! let app = App::builder()
//!     .manage(Greeter)
//!     .commands(commands![greet])
//!     .actor("counter", Counter::default())
//!     .capability(Capability::new("main-window").windows(["main"]).allow(["cmd:greet", "counter.*"]))
//!     .build()
//!     .unwrap();
//!
//! let client = app.test_client("main");
//! let hi: String = client.invoke("cmd:greet", "", &switchboard::args! { name: "ada" }).await.unwrap();
//! assert_eq!(hi, "hello, ada");
//! let total: i64 = client.invoke("counter", "add", &switchboard::args! { n: 5 }).await.unwrap();
//! assert_eq!(total, 5);
//! # });
//! ```
//!
//! ## How a call runs, and why not actix
//! No code the app wrote runs on the caller's thread (which may be the webview's UI
//! thread) unless its author opts in. A sync command runs on a worker of the bus's tokio
//! runtime, or on the blocking pool when marked `#[command(blocking)]`, or on the caller's
//! thread when marked `#[command(inline)]` (no hop, but the caller waits); an async
//! command is polled by the caller's task, and must not block (see [`command`](mod@command)). An actor
//! owns its state on its own tokio task, which drains a bounded mailbox (full: `busy`) in
//! order and runs each handler to completion under `catch_unwind`, restarting the actor
//! within limits after a panic ([`actor`](mod@actor)). The app calls its actors from Rust with
//! [`AppHandle::call`] and typed handles ([`handle`]). Native actors are measured cheaper
//! than actix here (no second runtime, no arbiter hop), restart on panic (actix's
//! `Supervisor` restarts on stop), and actix actors join the bus through an adapter
//! (feature `actix`). Measured numbers are in `core/README.md`.
//!
//! ## Errors
//! Setting up or driving the app fails with [`Error`]. Every error the bus answers a page
//! (or a Rust caller) with is a [`BusError`], mapped to its stable wire code in one place
//! ([`BusError::code`]; PROTOCOL.md §6); a handler's own error is answered `app`, with the
//! error value as data.
//!
//! ## Cargo features
//! | feature | default | what it adds |
//! |---|---|---|
//! | `bindings` | on | the `bindings` module: TypeScript bindings generation (links `specta-typescript`) |
//! | `toml` | on | capability files in TOML (`*.toml` in [`AppBuilder::capabilities_dir`], [`Capability::from_file`]) and `PluginPermissions::from_toml` (links `toml`); JSON files are read either way |
//! | `actix` | off | actix actors on the bus (`AppBuilder::actix_actor`, the `actix` module) |
//!
//! An app that turns the defaults off (`default-features = false`) links neither
//! `specta-typescript` nor `toml`. The macros still record the types of arguments, results
//! and events ([`Type`], through `specta`) either way, so turning `bindings` back on needs no
//! change to the app's code. Without `toml`, a `.toml` capability file fails the build
//! with [`CapabilityError::TomlDisabled`](crate::capability::CapabilityError::TomlDisabled).
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

extern crate self as switchboard;

#[cfg(feature = "actix")]
pub mod actix;
pub mod actor;
pub mod app;
mod binary;
#[cfg(feature = "bindings")]
pub mod bindings;
pub mod call;
pub mod capability;
pub mod client;
pub mod command;
mod error;
pub mod event;
pub mod handle;
pub mod permission;
pub mod reply;
pub mod runtime;
pub mod scope;
pub mod session;
mod state;
pub mod stream;
pub mod window;

pub use actor::Actor;
pub use app::{App, AppBuilder, AppHandle, Plugin};
pub use binary::Binary;
pub use call::{Call, Caller};
pub use capability::{Capability, Grant};
pub use client::{Client, ClientError};
pub use error::{BusError, Closed, Error};
pub use runtime::{HeadlessRuntime, Runtime};
pub use scope::CallerScope;
pub use session::{Outbound, Session};
pub use specta;
/// Derive it on the types of arguments, results, errors and events to get them in full in
/// the generated TypeScript bindings (the `bindings` module, feature `bindings`).
pub use specta::Type;
pub use state::State;
pub use stream::Stream;
/// Turn a function into a command, answered at `cmd:<name>`.
///
/// Arguments are decoded from the request's payload map by name (any `Deserialize` type;
/// an `Option` may be left out) or injected (`State<T>`, `Window`, `Caller`, `AppHandle`).
/// Sync or async. `Result<T, E>` with `E: Serialize` answers `Err` as error code `app`
/// with `E` encoded in `data` (and its `Display` as the message); a [`Stream<T>`] answers
/// with a stream.
///
/// A sync command runs on a worker of the bus's runtime; `#[command(blocking)]` puts it on
/// the blocking pool (sleeps, slow file or database work), `#[command(inline)]` on the
/// caller's thread (no hop; the caller, maybe the UI thread, waits while it runs). See
/// [the `command` module](mod@crate::command) for the table and the cost.
///
/// ```
/// use switchboard::{State, Window};
/// #[derive(Default)]
/// struct Db;
/// #[derive(serde::Serialize, Debug)]
/// enum SaveError { ReadOnly }
///
/// #[switchboard::command]
/// async fn save(path: String, contents: Vec<u8>, _db: State<Db>, window: Window) -> Result<u64, SaveError> {
///     if path.starts_with("/etc") { return Err(SaveError::ReadOnly) }
///     let _ = window.label();
///     Ok(contents.len() as u64)
/// }
/// let commands = switchboard::commands![save];
/// ```
pub use switchboard_macros::command;

/// Make an inherent `impl` block an [`Actor`]: each method taking `&self` or `&mut self`
/// (sync or async) is callable as `<name>.<method>`, arguments decoded by name like a
/// command's. `#[switchboard(skip)]` keeps a helper method off the bus,
/// `#[switchboard(blocking)]` runs a sync method that blocks on the blocking pool, and
/// `#[switchboard(started)]` / `#[switchboard(stopping)]` mark the lifecycle hooks (see
/// [the `actor` module](mod@crate::actor)). It also generates a typed handle, `<Type>Handle`, for calls
/// from Rust: `app.actor::<Todo>("todo").add("milk".into()).await` ([`handle`]); name it
/// with `#[switchboard::actor(handle = Name)]`.
///
/// ```
/// #[derive(Default, Clone)]
/// struct Todo { items: Vec<String> }
///
/// #[switchboard::actor]
/// impl Todo {
///     fn add(&mut self, item: String) -> usize { self.items.push(item); self.items.len() }
///     async fn list(&self) -> Vec<String> { self.items.clone() }
///     #[switchboard(skip)]
///     fn clear(&mut self) { self.items.clear() }
/// }
/// let app = switchboard::App::builder().actor("todo", Todo::default()).build().unwrap();
/// assert_eq!(app.actors()[0].1.len(), 2);
/// ```
pub use switchboard_macros::actor;

/// The list of commands to register: `commands![greet, files::read]`.
///
/// ```
/// mod files {
///     #[switchboard::command]
///     pub fn read(path: String) -> String { path }
/// }
/// #[switchboard::command]
/// fn ping() {}
/// let app = switchboard::App::builder().commands(switchboard::commands![ping, files::read]).build().unwrap();
/// assert_eq!(app.commands().len(), 2);
/// ```
pub use switchboard_macros::commands;
pub use switchboard_protocol as protocol;
pub use window::{Window, WindowCommand, WindowEvent, WindowSpec};

/// Build a map of argument name to value, for [`Client::invoke`]:
/// `args! { name: "ada", n: 5 }`.
///
/// ```
/// let a = switchboard::args! { name: "ada", n: 5 };
/// assert_eq!(a.len(), 2);
/// ```
#[macro_export]
macro_rules! args {
    () => { ::std::collections::BTreeMap::<&'static str, $crate::__private::Value>::new() };
    ($($name:ident : $value:expr),+ $(,)?) => {{
        let mut map = ::std::collections::BTreeMap::<&'static str, $crate::__private::Value>::new();
        $( map.insert(::std::stringify!($name), $crate::__private::value(&$value)); )+
        map
    }};
}

#[doc(hidden)]
pub mod __private {
    pub use crate::call::{Args, CommandArg};
    pub use crate::command::{ArgMeta, Command, HandlerMeta};
    pub use crate::handle::{
        ArgProbe, ArgsWriter, DecodeReply, EncodeArg, NoDecodeReply, NoEncodeArg, ReplyProbe,
    };
    pub use crate::reply::{
        app_error, DisplayMessage, ErrorMessage, IntoReply, PlainMessage, Reply,
    };
    pub use futures::future::BoxFuture;
    pub use switchboard_protocol::WireError;

    pub use specta::{DataType, TypeCollection};

    /// Autoref probe: `(&&TypeProbe::<T>(PhantomData)).datatype(types)` is `Some` when
    /// `T: specta::Type`, `None` otherwise.
    pub struct TypeProbe<T: ?Sized>(pub std::marker::PhantomData<T>);

    pub trait SpectaType {
        fn datatype(&self, types: &mut TypeCollection) -> Option<DataType>;
    }

    impl<T: specta::Type + ?Sized> SpectaType for &TypeProbe<T> {
        fn datatype(&self, types: &mut TypeCollection) -> Option<DataType> {
            Some(T::reference(types, &[]).inner)
        }
    }

    pub trait NoSpectaType {
        fn datatype(&self, types: &mut TypeCollection) -> Option<DataType>;
    }

    impl<T: ?Sized> NoSpectaType for TypeProbe<T> {
        fn datatype(&self, _types: &mut TypeCollection) -> Option<DataType> {
            None
        }
    }

    /// A loosely typed value, for [`args!`](crate::args).
    pub type Value = serde_json::Value;

    /// Encode anything as a [`Value`] (`null` if it cannot be represented).
    pub fn value<T: serde::Serialize + ?Sized>(value: &T) -> Value {
        serde_json::to_value(value).unwrap_or(Value::Null)
    }
}
