//! Scopes: what a granted permission may touch (paths for fs, store files for store, ...),
//! defined by the plugin, written in capabilities, checked by the bus **before** the
//! plugin's code runs.
//!
//! A plugin declares a [`ScopeSchema`]: the shape of one scope entry as capabilities write
//! it ([`ScopeSchema::Entry`], any `Deserialize` type), how the entries a caller was granted
//! become one resolved scope ([`ScopeSchema::resolve`]), and how a call is checked against
//! it ([`ScopeSchema::check`]). For every call to the plugin's actor the session gathers the
//! scope entries of the grants that allowed that call (deny entries from any of them win),
//! resolves them once per session and method, and runs the check; a call outside answers
//! `forbidden`, naming the permissions and the scope, and the actor never sees it. The
//! plugin then reads the same resolved scope through an injected [`CallerScope<S>`]
//! argument, never re-reading capability files.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use switchboard::permission::{PermissionDef, PluginPermissions};
//! use switchboard::scope::{CallerScope, ScopeError, ScopeSchema};
//! use switchboard::{args, App, Call, Capability, Grant};
//!
//! /// Which rooms a caller may post to.
//! struct Rooms(Vec<String>);
//! impl std::fmt::Display for Rooms {
//!     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
//!         write!(f, "rooms {:?}", self.0)
//!     }
//! }
//!
//! struct RoomSchema;
//! impl ScopeSchema for RoomSchema {
//!     type Entry = String;
//!     type Scope = Rooms;
//!     fn resolve(&self, allow: Vec<String>, deny: Vec<String>) -> Result<Rooms, ScopeError> {
//!         Ok(Rooms(allow.into_iter().filter(|r| !deny.contains(r)).collect()))
//!     }
//!     fn check(&self, scope: &Rooms, call: &Call) -> Result<(), ScopeError> {
//!         let room: String = call.args().map_err(|e| ScopeError::new(e.message))?
//!             .get("room").map_err(|e| ScopeError::new(e.message))?;
//!         if scope.0.contains(&room) { Ok(()) } else { Err(ScopeError::new(format!("room `{room}`"))) }
//!     }
//! }
//!
//! #[derive(Clone)]
//! struct Chat;
//! #[switchboard::actor]
//! impl Chat {
//!     fn post(&mut self, room: String, scope: CallerScope<Rooms>) -> usize {
//!         scope.0.len() // the scope the bus checked, as the plugin sees it
//!     }
//! }
//!
//! let app = App::builder()
//!     .plugin_actor("chat", Chat)
//!     .permissions(PluginPermissions::new("chat").scope(RoomSchema)
//!         .permission(PermissionDef::new("allow-post").methods(["post"])))
//!     .capability(Capability::new("main").windows(["main"])
//!         .grant(Grant::new("chat:allow-post").allow_scope("lobby")))
//!     .build()
//!     .unwrap();
//! let main = app.test_client("main");
//! let n: usize = main.invoke("plugin:chat", "post", &args! { room: "lobby" }).await.unwrap();
//! assert_eq!(n, 1);
//! let err = main.invoke::<usize>("plugin:chat", "post", &args! { room: "admins" }).await.unwrap_err();
//! assert_eq!(err.code(), switchboard::protocol::ErrorCode::Forbidden);
//! assert!(err.message().contains("chat:allow-post"), "{}", err.message());
//! assert!(err.message().contains("room `admins`"), "{}", err.message());
//! # });
//! ```

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;
use switchboard_protocol::WireError;

use crate::call::{Args, Call, CommandArg};
use crate::error::BusError;

/// Why a scope could not be resolved, or why a call falls outside it. The message says
/// what is outside (`path /etc/passwd`), the bus adds the permission and the scope.
///
/// ```
/// use switchboard::scope::ScopeError;
/// assert_eq!(ScopeError::new("room `admins`").to_string(), "room `admins`");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
#[non_exhaustive]
pub struct ScopeError {
    /// What went wrong, in words.
    pub message: String,
}

impl ScopeError {
    /// An error saying `message`.
    pub fn new(message: impl Into<String>) -> Self {
        ScopeError {
            message: message.into(),
        }
    }
}

/// A plugin's scope: the entries capabilities write, the scope they resolve to, and the
/// check every call to the plugin passes before the plugin's code runs. See the
/// [module docs](self) for a whole example.
pub trait ScopeSchema: Send + Sync + 'static {
    /// One entry as a capability writes it (a string, or a table): what `allow` and `deny`
    /// lists hold.
    type Entry: DeserializeOwned;
    /// The resolved scope a call is checked against, and that the plugin reads through
    /// [`CallerScope`]. Its `Display` is shown in `forbidden` answers.
    type Scope: fmt::Display + Send + Sync + 'static;

    /// Merge the entries a caller holds into one scope (deny wins). Also run when the app
    /// is built, on each grant's entries alone, so a bad entry fails the build.
    fn resolve(
        &self,
        allow: Vec<Self::Entry>,
        deny: Vec<Self::Entry>,
    ) -> Result<Self::Scope, ScopeError>;

    /// Whether `call` stays inside `scope`. `Err` answers the caller `forbidden`.
    fn check(&self, scope: &Self::Scope, call: &Call) -> Result<(), ScopeError>;

    /// Whether [`check`](Self::check) does blocking I/O (resolving paths on disk): then the
    /// bus runs it on tokio's blocking pool, never on an async worker or the UI thread.
    fn check_blocks(&self) -> bool {
        false
    }
}

type AnyScope = Arc<dyn Any + Send + Sync>;

/// [`ScopeSchema`] without its types, as the registry keeps it.
pub(crate) trait ErasedSchema: Send + Sync {
    fn validate(
        &self,
        allow: &[serde_json::Value],
        deny: &[serde_json::Value],
    ) -> Result<(), ScopeError>;
    fn resolve(
        &self,
        allow: &[serde_json::Value],
        deny: &[serde_json::Value],
    ) -> Result<(AnyScope, String), ScopeError>;
    fn check(&self, scope: &(dyn Any + Send + Sync), call: &Call) -> Result<(), ScopeError>;
    fn blocks(&self) -> bool;
}

pub(crate) struct SchemaBox<S>(pub(crate) S);

fn entries<E: DeserializeOwned>(values: &[serde_json::Value]) -> Result<Vec<E>, ScopeError> {
    values
        .iter()
        .map(|v| E::deserialize(v).map_err(|e| ScopeError::new(format!("scope entry {v}: {e}"))))
        .collect()
}

impl<S: ScopeSchema> ErasedSchema for SchemaBox<S> {
    fn validate(
        &self,
        allow: &[serde_json::Value],
        deny: &[serde_json::Value],
    ) -> Result<(), ScopeError> {
        self.0.resolve(entries(allow)?, entries(deny)?).map(drop)
    }

    fn resolve(
        &self,
        allow: &[serde_json::Value],
        deny: &[serde_json::Value],
    ) -> Result<(AnyScope, String), ScopeError> {
        let scope = self.0.resolve(entries(allow)?, entries(deny)?)?;
        let text = scope.to_string();
        Ok((Arc::new(scope), text))
    }

    fn check(&self, scope: &(dyn Any + Send + Sync), call: &Call) -> Result<(), ScopeError> {
        match scope.downcast_ref::<S::Scope>() {
            Some(scope) => self.0.check(scope, call),
            None => Err(ScopeError::new("the scope has an unexpected type")),
        }
    }

    fn blocks(&self) -> bool {
        self.0.check_blocks()
    }
}

/// One caller's scope for one method of a scoped plugin: what the session checks and what
/// [`CallerScope`] hands the plugin.
#[derive(Clone)]
pub(crate) struct ResolvedScope {
    value: AnyScope,
    text: Arc<str>,
    permissions: Arc<[String]>,
    schema: Arc<dyn ErasedSchema>,
}

/// What the session tells a caller whose call fell outside its scope (the `data` of the
/// `forbidden` error).
#[derive(Debug, Serialize)]
pub(crate) struct OutOfScope<'a> {
    pub(crate) permissions: &'a [String],
    pub(crate) scope: &'a str,
    pub(crate) reason: &'a str,
}

impl ResolvedScope {
    pub(crate) fn new(
        schema: Arc<dyn ErasedSchema>,
        permissions: Vec<String>,
        allow: &[serde_json::Value],
        deny: &[serde_json::Value],
    ) -> Result<Self, ScopeError> {
        let (value, text) = schema.resolve(allow, deny)?;
        Ok(ResolvedScope {
            value,
            text: text.into(),
            permissions: permissions.into(),
            schema,
        })
    }

    /// Check `call`; a blocking check runs on the blocking pool. Gives the call back.
    pub(crate) async fn check(&self, call: Call) -> (Call, Result<(), ScopeError>) {
        if !self.schema.blocks() {
            let result = self.schema.check(&*self.value, &call);
            return (call, result);
        }
        let schema = Arc::clone(&self.schema);
        let value = Arc::clone(&self.value);
        let handle = tokio::task::spawn_blocking(move || {
            let result = schema.check(&*value, &call);
            (call, result)
        });
        match handle.await {
            Ok(done) => done,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }

    pub(crate) fn permissions(&self) -> &[String] {
        &self.permissions
    }

    pub(crate) fn text(&self) -> &str {
        &self.text
    }
}

impl fmt::Debug for ResolvedScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResolvedScope")
            .field("scope", &self.text)
            .field("permissions", &self.permissions)
            .finish()
    }
}

/// The caller's resolved scope, injected into a plugin's method like [`Caller`](crate::Caller):
/// name an argument `scope: CallerScope<MyScope>`. It is the scope the bus already checked
/// the call against (so the plugin never re-reads capabilities), built from the grants that
/// allowed this call. It is not part of the payload and not in the bindings.
///
/// ```
/// use switchboard::scope::CallerScope;
/// # struct Rooms(Vec<String>);
/// # impl std::fmt::Display for Rooms { fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { Ok(()) } }
/// #[derive(Clone)]
/// struct Chat;
/// #[switchboard::actor]
/// impl Chat {
///     fn rooms(&self, scope: CallerScope<Rooms>) -> Vec<String> {
///         scope.0.clone() // Deref to the plugin's scope type
///     }
/// }
/// ```
pub struct CallerScope<S> {
    scope: Arc<S>,
    permissions: Arc<[String]>,
}

impl<S> Clone for CallerScope<S> {
    fn clone(&self) -> Self {
        CallerScope {
            scope: Arc::clone(&self.scope),
            permissions: Arc::clone(&self.permissions),
        }
    }
}

impl<S: fmt::Debug> fmt::Debug for CallerScope<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallerScope")
            .field("scope", &self.scope)
            .field("permissions", &self.permissions)
            .finish()
    }
}

impl<S> CallerScope<S> {
    /// The scope, shared.
    pub fn shared(&self) -> Arc<S> {
        Arc::clone(&self.scope)
    }

    /// The permissions (as granted) whose scopes make up this one.
    pub fn permissions(&self) -> &[String] {
        &self.permissions
    }
}

impl<S> std::ops::Deref for CallerScope<S> {
    type Target = S;
    fn deref(&self) -> &S {
        &self.scope
    }
}

impl<S: Send + Sync + 'static> CommandArg for CallerScope<S> {
    const FROM_PAYLOAD: bool = false;
    fn from_call(call: &Call, _args: &Args, _name: &'static str) -> Result<Self, WireError> {
        let missing = || -> WireError {
            BusError::ScopeNotDeclared {
                target: call.target().clone(),
                type_name: std::any::type_name::<S>(),
            }
            .into()
        };
        let resolved = call.scope.as_ref().ok_or_else(missing)?;
        let scope = Arc::clone(&resolved.value)
            .downcast::<S>()
            .map_err(|_| missing())?;
        Ok(CallerScope {
            scope,
            permissions: Arc::clone(&resolved.permissions),
        })
    }
}

/// The calling session's scopes, injected like [`CallerScope`]: name an argument
/// `session: SessionScope`. A plugin widens the caller's scope of another plugin for the
/// rest of that session only (a page that closes or navigates loses it), as the dialog
/// plugin does with the paths a user picked: `session.grant("plugin:fs", ["/home/ada/notes.md"])`.
/// The entries are allow entries of that plugin's [`ScopeSchema`]; they widen only methods
/// the caller's capabilities grant, and deny entries still win. Calls the app makes from
/// Rust have no session: [`SessionScope::grant`] answers `false` for them.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use switchboard::permission::{PermissionDef, PluginPermissions};
/// use switchboard::scope::{ScopeError, ScopeSchema, SessionScope};
/// use switchboard::{args, App, Call, Capability};
///
/// struct Rooms(Vec<String>);
/// impl std::fmt::Display for Rooms {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { write!(f, "{:?}", self.0) }
/// }
/// struct RoomSchema;
/// impl ScopeSchema for RoomSchema {
///     type Entry = String;
///     type Scope = Rooms;
///     fn resolve(&self, allow: Vec<String>, _deny: Vec<String>) -> Result<Rooms, ScopeError> { Ok(Rooms(allow)) }
///     fn check(&self, scope: &Rooms, call: &Call) -> Result<(), ScopeError> {
///         let room: String = call.args().unwrap().get("room").unwrap();
///         if scope.0.contains(&room) { Ok(()) } else { Err(ScopeError::new(format!("room `{room}`"))) }
///     }
/// }
/// #[derive(Clone)]
/// struct Chat;
/// #[switchboard::actor]
/// impl Chat {
///     fn post(&mut self, room: String) -> String { room }
/// }
/// /// Lets the user pick a room (a dialog would ask): the room joins the caller's chat scope.
/// #[derive(Clone)]
/// struct Picker;
/// #[switchboard::actor]
/// impl Picker {
///     fn pick(&mut self, room: String, session: SessionScope) -> bool { session.grant("plugin:chat", [room]) }
/// }
///
/// let app = App::builder()
///     .plugin_actor("chat", Chat)
///     .permissions(PluginPermissions::new("chat").scope(RoomSchema)
///         .permission(PermissionDef::new("allow-post").methods(["post"])))
///     .actor("picker", Picker)
///     .capability(Capability::new("main").windows(["main"]).allow(["chat:allow-post", "picker.pick"]))
///     .build()
///     .unwrap();
/// let page = app.test_client("main");
/// assert!(page.invoke::<String>("plugin:chat", "post", &args! { room: "lobby" }).await.is_err());
/// assert!(page.invoke::<bool>("picker", "pick", &args! { room: "lobby" }).await.unwrap());
/// assert_eq!(page.invoke::<String>("plugin:chat", "post", &args! { room: "lobby" }).await.unwrap(), "lobby");
/// // another session (another page load) does not have it
/// let other = app.test_client("main");
/// assert!(other.invoke::<String>("plugin:chat", "post", &args! { room: "lobby" }).await.is_err());
/// # });
/// ```
#[derive(Clone, Default)]
pub struct SessionScope {
    session: Option<std::sync::Weak<crate::session::SessionInner>>,
}

impl fmt::Debug for SessionScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionScope")
            .field("session", &self.session.is_some())
            .finish()
    }
}

impl SessionScope {
    /// Add `entries` (allow entries of the scope schema of the plugin at `plugin`, e.g.
    /// `plugin:fs`) to this session's scope. `false` when there is no session (a call from
    /// Rust), it has closed, or `plugin` is not an address.
    pub fn grant<E: Serialize>(&self, plugin: &str, entries: impl IntoIterator<Item = E>) -> bool {
        let Some(session) = self.session.as_ref().and_then(std::sync::Weak::upgrade) else {
            return false;
        };
        let Ok(address) = switchboard_protocol::Address::parse(plugin) else {
            return false;
        };
        let entries = entries
            .into_iter()
            .filter_map(|e| serde_json::to_value(e).ok())
            .collect();
        session.grant_scope(address, entries);
        true
    }
}

impl CommandArg for SessionScope {
    const FROM_PAYLOAD: bool = false;
    fn from_call(call: &Call, _args: &Args, _name: &'static str) -> Result<Self, WireError> {
        Ok(SessionScope {
            session: call.session.clone(),
        })
    }
}
