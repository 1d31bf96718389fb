//! The app: its registry of actors (by address), managed state, capabilities, event bus
//! and runtime ([`App`], [`AppBuilder`], [`AppHandle`]).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};

use dashmap::DashMap;
use serde::Serialize;
use switchboard_protocol::{payload, Address, Limits, Name, Topic};

use crate::actor::{Actor, ActorRef, Factory, Supervision};
use crate::call::Caller;
use crate::capability::{Capability, CompiledCapability, Grants};
use crate::command::{Command, Commands, HandlerFn, HandlerMeta};
use crate::error::Error;
use crate::event::{Event, EventBus, EventType, ListenerId, Publisher};
use crate::permission::{PermissionDef, PluginPermissions, Registry};
use crate::runtime::{HeadlessRuntime, Runtime};
use crate::scope::ErasedSchema;
use crate::session::{Outbound, Session, SessionInner};
use crate::state::{State, StateMap};
use crate::window::{Window, WindowEvent, WindowSpec};

/// Calls an actor's mailbox holds before answering `busy`, by default.
pub const DEFAULT_MAILBOX: usize = 1024;

/// Requests a session may have unanswered before it is answered `busy`, by default.
pub const DEFAULT_MAX_PENDING: usize = 1024;

/// Topics one session may be subscribed to at once, by default; one more `subscribe` is
/// answered `busy` until the session unsubscribes from one (see
/// [`AppBuilder::max_subscriptions`]).
pub const DEFAULT_MAX_SUBSCRIPTIONS: usize = 1024;

/// Origins that count as the app's own pages by default (capabilities without `origins`
/// apply to these only): the embedded frontend's origin on Linux and macOS, which the
/// in-process test client also uses. A runtime replaces them with the origins it really
/// serves pages from ([`AppBuilder::local_origins`]); the bridge's own scheme serves no
/// page, so it is never among them.
pub const DEFAULT_LOCAL_ORIGINS: &[&str] = &["app://localhost"];

/// Where the router sends a call.
#[derive(Clone)]
pub(crate) enum Route {
    Command(HandlerFn),
    Actor(Arc<ActorRef>),
}

pub(crate) struct AppInner {
    pub(crate) routes: DashMap<Address, Route>,
    commands: Vec<HandlerMeta>,
    state: StateMap,
    capabilities: Vec<CompiledCapability>,
    permissions: Vec<PermissionDef>,
    schemas: HashMap<Address, Arc<dyn ErasedSchema>>,
    event_types: Vec<EventType>,
    local_origins: Vec<String>,
    pub(crate) events: EventBus,
    pub(crate) sessions: DashMap<u64, (Name, Weak<SessionInner>)>,
    next_session: AtomicU64,
    runtime: Arc<dyn Runtime>,
    pub(crate) limits: Limits,
    pub(crate) max_pending: usize,
    pub(crate) max_subscriptions: usize,
}

/// A cheap, cloneable handle on the app: emit and listen from Rust, open and drive
/// windows, read managed state. Inject it into a command by naming an `AppHandle` argument.
///
/// ```
/// use switchboard::App;
/// let app = App::builder().build().unwrap();
/// let handle = app.handle();
/// let seen = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
/// let s = seen.clone();
/// handle.listen("news", move |e| { s.fetch_add(e.decode::<u32>().unwrap(), std::sync::atomic::Ordering::SeqCst); }).unwrap();
/// handle.emit("news", &5u32).unwrap();
/// assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 5);
/// ```
#[derive(Clone)]
pub struct AppHandle {
    pub(crate) inner: Arc<AppInner>,
}

impl std::fmt::Debug for AppHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppHandle")
            .field("routes", &self.inner.routes.len())
            .field("sessions", &self.inner.sessions.len())
            .finish()
    }
}

fn topic(text: &str) -> Result<Topic, Error> {
    Topic::new(text).map_err(|e| Error::bad_name(text, e))
}

impl AppHandle {
    /// The managed value of type `T`, if one was registered with
    /// [`AppBuilder::manage`].
    pub fn state<T: Send + Sync + 'static>(&self) -> Option<State<T>> {
        self.inner.state.get::<T>()
    }

    /// The runtime.
    pub fn runtime(&self) -> &Arc<dyn Runtime> {
        &self.inner.runtime
    }

    /// The decoding limits sessions enforce.
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// Publish `value` on `topic` to every subscriber (pages and Rust listeners), in order.
    pub fn emit<T: Serialize + ?Sized>(&self, topic_name: &str, value: &T) -> Result<(), Error> {
        let topic = topic(topic_name)?;
        let bytes = payload::to_bytes(value).map_err(|e| Error::Encode(e.to_string()))?;
        self.inner
            .events
            .publish(&topic, bytes, Publisher::App, None);
        Ok(())
    }

    /// Publish `value` on `topic` to the subscribers in one window only.
    pub fn emit_to<T: Serialize + ?Sized>(
        &self,
        window: &str,
        topic_name: &str,
        value: &T,
    ) -> Result<(), Error> {
        let topic = topic(topic_name)?;
        let window = Name::new(window).map_err(|e| Error::bad_name(window, e))?;
        let bytes = payload::to_bytes(value).map_err(|e| Error::Encode(e.to_string()))?;
        self.inner
            .events
            .publish(&topic, bytes, Publisher::App, Some(&window));
        Ok(())
    }

    /// Call `listener` with every event published on `topic` (on the publisher's thread,
    /// in order; keep it short, or hand the event to a task). [`Event::publisher`] says who
    /// published it: the app, or a page with its window, origin and frame.
    pub fn listen(
        &self,
        topic_name: &str,
        listener: impl Fn(&Event) + Send + Sync + 'static,
    ) -> Result<ListenerId, Error> {
        let topic = topic(topic_name)?;
        Ok(self.inner.events.listen(&topic, Arc::new(listener)))
    }

    /// Stop a listener; `false` if it was not listening.
    pub fn unlisten(&self, id: ListenerId) -> bool {
        self.inner.events.unlisten(id)
    }

    /// How many subscribers (pages and listeners) `topic` has.
    pub fn subscribers(&self, topic_name: &str) -> usize {
        Topic::new(topic_name).map_or(0, |t| self.inner.events.subscribers(&t))
    }

    /// Subscriptions over all topics (a closed window leaves none behind).
    pub fn subscription_count(&self) -> usize {
        self.inner.events.total()
    }

    /// Sessions open now.
    pub fn session_count(&self) -> usize {
        self.inner.sessions.len()
    }

    /// Open a window through the runtime; its actor answers at `window:<label>`.
    pub fn open_window(&self, spec: WindowSpec) -> Result<Window, Error> {
        let label = spec.label.clone();
        self.inner.runtime.open_window(spec)?;
        Ok(self.adopt_window(&label))
    }

    /// Register a window the runtime opened by itself: its actor answers at
    /// `window:<label>` from now on (a window already registered keeps its actor).
    pub fn adopt_window(&self, label: &Name) -> Window {
        self.inner
            .routes
            .entry(Address::Window(label.clone()))
            .or_insert_with(|| crate::window::route(self, label));
        Window::new(self.clone(), label.clone())
    }

    /// A handle on an open window.
    pub fn window(&self, label: &str) -> Option<Window> {
        let label = Name::new(label).ok()?;
        self.has_window(&label)
            .then(|| Window::new(self.clone(), label))
    }

    /// The labels of the open windows, sorted.
    ///
    /// ```
    /// use switchboard::{App, WindowSpec};
    /// let app = App::builder().window(WindowSpec::new("main")).build().unwrap();
    /// assert_eq!(app.handle().windows(), ["main"]);
    /// ```
    pub fn windows(&self) -> Vec<String> {
        let mut labels: Vec<String> = self
            .inner
            .routes
            .iter()
            .filter_map(|e| match e.key() {
                Address::Window(label) => Some(label.to_string()),
                _ => None,
            })
            .collect();
        labels.sort();
        labels
    }

    pub(crate) fn has_window(&self, label: &Name) -> bool {
        self.inner
            .routes
            .contains_key(&Address::Window(label.clone()))
    }

    /// The runtime reports that a window is gone: its actor stops answering (calls still
    /// queued are answered `window_closed`), the sessions stamped with its label are closed
    /// (their pending calls and streams cancelled, their subscriptions dropped), and
    /// `window/<label>/destroyed` is published when the window was open. Reporting the same
    /// window twice publishes nothing the second time.
    ///
    /// ```
    /// use switchboard::{App, WindowSpec};
    /// let app = App::builder().window(WindowSpec::new("main")).build().unwrap();
    /// let handle = app.handle();
    /// handle.window_closed(&"main".parse().unwrap());
    /// assert!(handle.window("main").is_none());
    /// ```
    pub fn window_closed(&self, label: &Name) {
        let was_open = self
            .inner
            .routes
            .remove(&Address::Window(label.clone()))
            .is_some();
        // sessions stamped with the label go in any case (an in-process client may speak
        // for a window no runtime opened)
        self.forget_window(label);
        if was_open {
            if let Err(e) = self.window_event(label, &WindowEvent::Destroyed) {
                tracing::warn!(window = %label, error = %e, "publishing `destroyed` failed");
            }
        }
    }

    /// The grants a session for `caller` would hold (for calls made on its behalf).
    pub(crate) fn grants_for(&self, caller: &Caller) -> Grants {
        Grants::resolve(&self.inner.capabilities, caller, &self.inner.local_origins)
    }

    /// Publish a window's event on `window/<label>/<event>` (what the runtime calls).
    pub fn window_event(&self, label: &Name, event: &WindowEvent) -> Result<(), Error> {
        self.emit(event.topic(label).as_str(), event)
    }

    fn forget_window(&self, label: &Name) {
        let sessions: Vec<Arc<SessionInner>> = self
            .inner
            .sessions
            .iter()
            .filter(|e| &e.value().0 == label)
            .filter_map(|e| e.value().1.upgrade())
            .collect();
        for s in sessions {
            s.close();
        }
    }

    /// Ask the runtime to stop the app.
    pub fn exit(&self, code: i32) {
        self.inner.runtime.exit(code)
    }

    /// The registered commands' metadata (for bindings).
    pub fn commands(&self) -> &[HandlerMeta] {
        &self.inner.commands
    }

    /// The registered actors (and plugin actors) and their methods' metadata.
    pub fn actors(&self) -> Vec<(Address, &'static [HandlerMeta])> {
        let mut actors: Vec<_> = self
            .inner
            .routes
            .iter()
            .filter_map(|e| match e.value() {
                Route::Actor(a) => Some((e.key().clone(), a.methods())),
                Route::Command(_) => None,
            })
            .collect();
        actors.sort_by(|a, b| a.0.cmp(&b.0));
        actors
    }

    /// Every permission every registered plugin declares, sorted by identifier (see
    /// [`permission`](crate::permission)).
    pub fn permissions(&self) -> &[PermissionDef] {
        &self.inner.permissions
    }

    /// The event topics plugins (and the app) declared with [`AppBuilder::event`], with
    /// their value types, for the bindings.
    pub fn event_types(&self) -> &[EventType] {
        &self.inner.event_types
    }

    /// The scope schema of the plugin at `address`, if it declared one.
    pub(crate) fn scope_schema(&self, address: &Address) -> Option<&Arc<dyn ErasedSchema>> {
        self.inner.schemas.get(address)
    }

    /// How many times the actor at `address` was restarted after a panic.
    pub fn restarts(&self, address: &str) -> Option<u64> {
        let address = Address::parse(address).ok()?;
        match self.inner.routes.get(&address)?.value() {
            Route::Actor(a) => Some(a.restarts()),
            Route::Command(_) => None,
        }
    }

    /// A session for one client connection: `caller` is who the runtime knows it to be,
    /// `outbound` where host→client frames (events, stream items) go.
    pub fn session(&self, caller: Caller, outbound: Arc<dyn Outbound>) -> Session {
        let id = self.inner.next_session.fetch_add(1, Ordering::Relaxed);
        let grants = Grants::resolve(&self.inner.capabilities, &caller, &self.inner.local_origins);
        let window = caller.window.clone();
        let session = Session::new(id, self.clone(), caller, outbound, grants);
        self.inner
            .sessions
            .insert(id, (window, Arc::downgrade(&session.inner)));
        session
    }

    /// An in-process client in window `window` (origin `app://localhost`), speaking real
    /// encoded frames through a real [`Session`].
    ///
    /// # Panics
    /// When `window` is not a valid label.
    pub fn test_client(&self, window: &str) -> crate::client::Client {
        crate::client::Client::new(self, Caller::new(window, "app://localhost"))
    }

    /// An in-process client that the runtime would have stamped as `caller` (a remote
    /// origin, an iframe): it gets the grants that caller gets.
    ///
    /// ```
    /// use switchboard::{App, Caller};
    /// let app = App::builder().build().unwrap();
    /// let mut caller = Caller::new("main", "https://docs.example");
    /// caller.top_frame = false;
    /// let client = app.test_client_as(caller);
    /// assert!(!client.session().caller().top_frame);
    /// ```
    pub fn test_client_as(&self, caller: Caller) -> crate::client::Client {
        crate::client::Client::new(self, caller)
    }
}

/// A built app. Cheap to clone; every clone is the same app.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use switchboard::{App, Capability};
/// #[switchboard::command]
/// fn hello(name: String) -> String { format!("hello, {name}") }
///
/// let app = App::builder()
///     .commands(switchboard::commands![hello])
///     .capability(Capability::new("main").windows(["main"]).allow(["cmd:hello"]))
///     .build()
///     .unwrap();
/// let client = app.test_client("main");
/// let answer: String = client.invoke("cmd:hello", "", &[("name", "ada")].into_iter().collect::<std::collections::HashMap<_, _>>()).await.unwrap();
/// assert_eq!(answer, "hello, ada");
/// # });
/// ```
#[derive(Clone, Debug)]
pub struct App {
    handle: AppHandle,
}

impl App {
    /// Start building an app.
    pub fn builder() -> AppBuilder {
        AppBuilder::default()
    }

    /// A handle on the app.
    pub fn handle(&self) -> AppHandle {
        self.handle.clone()
    }

    /// See [`AppHandle::session`].
    pub fn session(&self, caller: Caller, outbound: Arc<dyn Outbound>) -> Session {
        self.handle.session(caller, outbound)
    }

    /// See [`AppHandle::test_client`].
    pub fn test_client(&self, window: &str) -> crate::client::Client {
        self.handle.test_client(window)
    }

    /// See [`AppHandle::test_client_as`].
    pub fn test_client_as(&self, caller: Caller) -> crate::client::Client {
        self.handle.test_client_as(caller)
    }
}

impl std::ops::Deref for App {
    type Target = AppHandle;
    fn deref(&self) -> &AppHandle {
        &self.handle
    }
}

/// Something that adds to an app: commands, actors, state, capabilities.
///
/// ```
/// use switchboard::{AppBuilder, Plugin};
/// struct Clock;
/// #[derive(Clone)]
/// struct Time;
/// #[switchboard::actor]
/// impl Time { fn now(&self) -> u64 { 0 } }
/// impl Plugin for Clock {
///     fn build(self, app: AppBuilder) -> AppBuilder { app.plugin_actor("clock", Time) }
/// }
/// let app = switchboard::App::builder().plugin(Clock).build().unwrap();
/// assert_eq!(app.actors()[0].0.to_string(), "plugin:clock");
/// ```
pub trait Plugin {
    /// Add the plugin's parts to the app.
    fn build(self, app: AppBuilder) -> AppBuilder;
}

/// Sets up an [`App`]. Errors (bad names, duplicate addresses, bad capability files) are
/// reported by [`AppBuilder::build`].
pub struct AppBuilder {
    routes: Vec<(Address, Route)>,
    commands: Vec<HandlerMeta>,
    state: StateMap,
    capabilities: Vec<Capability>,
    capability_dirs: Vec<PathBuf>,
    plugin_permissions: Vec<PluginPermissions>,
    event_types: Vec<EventType>,
    local_origins: Vec<String>,
    runtime: Option<Arc<dyn Runtime>>,
    windows: Vec<WindowSpec>,
    mailbox: usize,
    max_pending: usize,
    max_subscriptions: usize,
    limits: Limits,
    errors: Vec<Error>,
}

impl Default for AppBuilder {
    fn default() -> Self {
        AppBuilder {
            routes: Vec::new(),
            commands: Vec::new(),
            state: StateMap::default(),
            capabilities: Vec::new(),
            capability_dirs: Vec::new(),
            plugin_permissions: Vec::new(),
            event_types: Vec::new(),
            local_origins: DEFAULT_LOCAL_ORIGINS
                .iter()
                .map(|s| s.to_string())
                .collect(),
            runtime: None,
            windows: Vec::new(),
            mailbox: DEFAULT_MAILBOX,
            max_pending: DEFAULT_MAX_PENDING,
            max_subscriptions: DEFAULT_MAX_SUBSCRIPTIONS,
            limits: Limits::default(),
            errors: Vec::new(),
        }
    }
}

impl AppBuilder {
    /// Manage a value, injected into handlers as [`State<T>`].
    pub fn manage<T: Send + Sync + 'static>(mut self, value: T) -> Self {
        self.state.insert(value);
        self
    }

    /// Register commands (made with [`commands!`](crate::commands)), at `cmd:<name>`.
    pub fn commands(mut self, commands: Commands) -> Self {
        for c in commands.0 {
            self = self.command(c);
        }
        self
    }

    /// Register one command.
    pub fn command(mut self, command: Command) -> Self {
        match Address::command(command.meta.name) {
            Ok(address) => {
                self.commands.push(command.meta);
                self.routes.push((address, Route::Command(command.handler)));
            }
            Err(e) => self.errors.push(Error::bad_name(command.meta.name, e)),
        }
        self
    }

    /// Register a native actor at `address`, made by `factory`, supervised by `supervision`
    /// (every native registration comes here).
    pub(crate) fn add_actor(
        mut self,
        address: Result<Address, (String, switchboard_protocol::NameError)>,
        factory: Factory,
        methods: &'static [HandlerMeta],
        supervision: Supervision,
    ) -> Self {
        match address {
            Ok(address) => {
                let actor = ActorRef::supervised(
                    address.clone(),
                    factory,
                    self.mailbox,
                    methods,
                    supervision,
                );
                self.routes.push((address, Route::Actor(Arc::new(actor))));
            }
            Err((text, e)) => self.errors.push(Error::bad_name(&text, e)),
        }
        self
    }

    /// Register the route `make` builds from the address and the mailbox capacity (actors
    /// with their own supervision, actix actors).
    #[cfg(feature = "actix")]
    pub(crate) fn route_with(
        mut self,
        address: Result<Address, Error>,
        make: impl FnOnce(Address, usize) -> Route,
    ) -> Self {
        match address {
            Ok(address) => {
                let route = make(address.clone(), self.mailbox);
                self.routes.push((address, route));
            }
            Err(e) => self.errors.push(e),
        }
        self
    }

    /// Register an actor at `name`. After a panic it restarts from a clone of `actor`,
    /// within [`Supervision::default`] (3 restarts within 5 s; choose another strategy with
    /// [`actor_supervised`](Self::actor_supervised)).
    pub fn actor<A: Actor + Clone>(self, name: &str, actor: A) -> Self {
        self.actor_supervised(name, actor, Supervision::default())
    }

    /// Register an actor at `name`, made (and remade after a panic) by `factory`, within
    /// [`Supervision::default`] (another strategy:
    /// [`actor_with_supervised`](Self::actor_with_supervised)).
    pub fn actor_with<A: Actor>(
        self,
        name: &str,
        factory: impl Fn() -> A + Send + 'static,
    ) -> Self {
        self.actor_with_supervised(name, factory, Supervision::default())
    }

    /// Register a plugin's actor at `plugin:<name>`, within [`Supervision::default`]
    /// (another strategy: [`plugin_actor_supervised`](Self::plugin_actor_supervised)).
    pub fn plugin_actor<A: Actor + Clone>(self, name: &str, actor: A) -> Self {
        self.plugin_actor_supervised(name, actor, Supervision::default())
    }

    /// Add a plugin.
    pub fn plugin(self, plugin: impl Plugin) -> Self {
        plugin.build(self)
    }

    /// Register a plugin's permissions and scope schema (a plugin calls this from
    /// [`Plugin::build`]); capabilities may then grant them by name. See
    /// [`permission`](crate::permission).
    pub fn permissions(mut self, permissions: PluginPermissions) -> Self {
        self.plugin_permissions.push(permissions);
        self
    }

    /// Declare the value type of an event topic, so the bindings type it
    /// (`events.<camelCaseTopic>.listen`) without the app doing anything: a plugin calls
    /// this for each topic it emits.
    ///
    /// ```
    /// #[derive(serde::Serialize, switchboard::Type)]
    /// struct Tick { n: u32 }
    /// let app = switchboard::App::builder().event::<Tick>("clock/tick").build().unwrap();
    /// assert_eq!(app.event_types()[0].topic(), "clock/tick");
    /// # #[cfg(feature = "bindings")] {
    /// let ts = switchboard::bindings::Bindings::new(&app).typescript().unwrap();
    /// assert!(ts.contains("clockTick"), "{ts}");
    /// # }
    /// ```
    pub fn event<T: specta::Type>(mut self, topic: &str) -> Self {
        self.event_types.push(EventType::of::<T>(topic));
        self
    }

    /// Grant a capability.
    pub fn capability(mut self, capability: Capability) -> Self {
        self.capabilities.push(capability);
        self
    }

    /// Load every `*.json` / `*.toml` capability in `dir` when the app is built.
    pub fn capabilities_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.capability_dirs.push(dir.into());
        self
    }

    /// Count `origin` as one of the app's own (see [`DEFAULT_LOCAL_ORIGINS`]).
    pub fn local_origin(mut self, origin: impl Into<String>) -> Self {
        self.local_origins.push(origin.into());
        self
    }

    /// The app's own origins are exactly `origins` (replacing [`DEFAULT_LOCAL_ORIGINS`]):
    /// a runtime calls this with the origins it serves pages from.
    ///
    /// ```
    /// let app = switchboard::App::builder()
    ///     .local_origins(["http://localhost:5173"])
    ///     .build()
    ///     .unwrap();
    /// # drop(app);
    /// ```
    pub fn local_origins<I, S>(mut self, origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.local_origins = origins.into_iter().map(Into::into).collect();
        self
    }

    /// The runtime that draws windows (default: [`HeadlessRuntime`]).
    pub fn runtime(mut self, runtime: Arc<dyn Runtime>) -> Self {
        self.runtime = Some(runtime);
        self
    }

    /// A window to open when the app is built.
    pub fn window(mut self, spec: WindowSpec) -> Self {
        self.windows.push(spec);
        self
    }

    /// Mailbox capacity of the actors registered after this call (default 1024).
    pub fn mailbox(mut self, capacity: usize) -> Self {
        self.mailbox = capacity.max(1);
        self
    }

    /// Requests a session may have unanswered before it is answered `busy` (default
    /// [`DEFAULT_MAX_PENDING`]).
    pub fn max_pending(mut self, max: usize) -> Self {
        self.max_pending = max.max(1);
        self
    }

    /// Topics a session may be subscribed to at once (default
    /// [`DEFAULT_MAX_SUBSCRIPTIONS`]). A `subscribe` past the limit is answered `busy`
    /// (naming the limit) and subscribes nothing; subscribing again to a topic the session
    /// already holds does not count twice, and unsubscribing frees a place.
    pub fn max_subscriptions(mut self, max: usize) -> Self {
        self.max_subscriptions = max.max(1);
        self
    }

    /// The decoding limits (frame size, nesting).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Check everything and build the app; opens the declared windows.
    pub fn build(mut self) -> Result<App, Error> {
        if let Some(e) = self.errors.drain(..).next() {
            return Err(e);
        }
        for dir in std::mem::take(&mut self.capability_dirs) {
            self.capabilities.extend(Capability::load_dir(&dir)?);
        }
        let registry = {
            let routes = &self.routes;
            Registry::build(std::mem::take(&mut self.plugin_permissions), |address| {
                routes.iter().find_map(|(a, r)| match r {
                    Route::Actor(actor) if a == address => Some(actor.methods()),
                    _ => None,
                })
            })?
        };
        let capabilities = self
            .capabilities
            .iter()
            .map(|c| c.compile(&registry))
            .collect::<Result<Vec<_>, _>>()?;
        let (permissions, schemas) = registry.into_defs();
        let routes = DashMap::new();
        for (address, route) in self.routes {
            if routes.contains_key(&address) {
                return Err(Error::Duplicate(address.to_string()));
            }
            routes.insert(address, route);
        }
        let runtime = self
            .runtime
            .unwrap_or_else(|| Arc::new(HeadlessRuntime::new()));
        let handle = AppHandle {
            inner: Arc::new(AppInner {
                routes,
                commands: self.commands,
                state: self.state,
                capabilities,
                permissions,
                schemas,
                event_types: self.event_types,
                local_origins: self.local_origins,
                events: EventBus::default(),
                sessions: DashMap::new(),
                next_session: AtomicU64::new(1),
                runtime,
                limits: self.limits,
                max_pending: self.max_pending,
                max_subscriptions: self.max_subscriptions,
            }),
        };
        for spec in self.windows {
            handle.open_window(spec)?;
        }
        Ok(App { handle })
    }
}
