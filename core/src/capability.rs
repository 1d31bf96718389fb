//! Capabilities: which windows (and, for remote pages, which origins) may call what.
//! Everything is denied unless a capability grants it (PROTOCOL.md §4).
//!
//! A capability names the windows it applies to, optionally the origins, and the
//! permission patterns it grants:
//!
//! | pattern | grants |
//! |---|---|
//! | `cmd:greet`, `cmd:*` | calling a command |
//! | `counter.add`, `counter.*`, `plugin:fs.read`, `window:main.*` | calling an actor's method |
//! | `event:<topic>`, `event:download/*` | **listening** (subscribing) to a topic |
//! | `emit:<topic>`, `emit:chat/*` | **emitting** on a topic |
//! | `*` | everything above (for tests) |
//!
//! Listening and emitting are separate: `event:` never lets a page emit, so a page that may
//! hear `download/progress` cannot forge it. Topics under the prefixes in
//! [`RESERVED_TOPIC_PREFIXES`] (`window/`, `app/`, `actor/`) are the host's: no page may
//! emit them whatever it is granted (not even `*`; the emit is answered `forbidden`), and a
//! capability that grants `emit:` on one of them does not build. Only Rust
//! ([`AppHandle::emit`](crate::AppHandle::emit), the runtime's window events) publishes
//! there, so a listener of `window/main/file_dropped` can trust its payload.
//!
//! A `*` may only end a pattern's part (`counter.*`, `editor-*`, `event:chat/*`).
//! Without `origins`, a capability applies only to the app's own (local) origins, so a
//! remote page navigated into a window gets nothing unless a capability names its origin.
//! A caller the runtime stamps as an iframe gets nothing unless the capability says
//! `iframes: true`. What counts as an iframe is the runtime's call: the webview runtime
//! stamps a caller `top_frame` when its origin is the top document's, so a **same-origin
//! iframe** (`srcdoc`, `about:blank`, `sandbox="allow-same-origin"`) has the top frame's
//! grants, and only iframes of other origins (or sandboxed without `allow-same-origin`,
//! origin `null`) are iframes here. Show untrusted HTML in `<iframe sandbox>` without
//! `allow-same-origin`.
//!
//! Plugins declare **named permissions** ([`permission`](crate::permission)):
//! `fs:allow-read`, `store:default`. A capability grants them by name beside the patterns
//! above, and may attach a **scope** to a plugin's permission (paths for fs, store names
//! for store; the entry format is the plugin's, see [`scope`](crate::scope)): an object
//! with the permission's `identifier` and `allow` / `deny` entries. A name no registered
//! plugin declares fails [`AppBuilder::build`](crate::AppBuilder::build), naming the file.
//!
//! Capabilities are declared in code ([`Capability::new`], [`Grant`]) or in
//! `capabilities/*.json` / `*.toml` files ([`Capability::load_dir`]):
//! ```json
//! { "identifier": "main-window", "windows": ["main"],
//!   "permissions": ["cmd:greet", "counter.*", "event:chat/*", "emit:chat/*",
//!                   "fs:default",
//!                   { "identifier": "fs:allow-read", "allow": ["$APPDATA/**"], "deny": ["$APPDATA/secrets/**"] }] }
//! ```
//! ```toml
//! identifier = "main-window"
//! windows = ["main"]
//! permissions = [
//!   "cmd:greet", "event:chat/*", "emit:chat/*",
//!   { identifier = "fs:allow-write", allow = ["$APPDATA/notes/**"] },
//! ]
//! ```

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use switchboard_protocol::{Address, Name, Topic};

use crate::call::Caller;
use crate::permission::{Registry, ScopeEntries};
use crate::scope::{ResolvedScope, ScopeError};

/// Why a capability is not valid.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CapabilityError {
    /// A permission pattern does not parse.
    #[error("capability `{capability}`: invalid permission `{pattern}`: {reason}")]
    BadPermission {
        /// The capability's identifier.
        capability: String,
        /// The pattern.
        pattern: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A capability with no window.
    #[error("capability `{0}` names no window")]
    NoWindows(String),
    /// A capability file could not be read.
    #[error("could not read capability file `{path}`: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A capability file is not valid JSON/TOML of the expected shape.
    #[error("capability file `{path}` is not valid: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message (it names the line or field).
        message: String,
    },
    /// A file in a capabilities folder that is neither `.json` nor `.toml`.
    #[error("capability file `{0}` must end in .json or .toml")]
    UnknownFormat(PathBuf),
    /// A `.toml` capability file, read by a switchboard built without its `toml` feature.
    #[error("capability file `{0}` is toml, and switchboard was built without its `toml` feature")]
    TomlDisabled(PathBuf),
    /// A capability names a permission that no registered plugin declares.
    #[error("{}capability `{capability}`: unknown permission `{permission}`{}", in_file(.file), known_note(.known))]
    UnknownPermission {
        /// The capability's identifier.
        capability: String,
        /// The name as written.
        permission: String,
        /// The file the capability came from, if any.
        file: Option<PathBuf>,
        /// The permissions the named plugin does declare (empty: no such plugin).
        known: Vec<String>,
    },
    /// A scope attached to a permission does not fit the plugin's scope schema, or is
    /// attached to something that takes none.
    #[error("{}capability `{capability}`: bad scope for `{permission}`: {reason}", in_file(.file))]
    BadScope {
        /// The capability's identifier.
        capability: String,
        /// The permission the scope is attached to.
        permission: String,
        /// The file the capability came from, if any.
        file: Option<PathBuf>,
        /// Why.
        reason: String,
    },
}

fn in_file(file: &Option<PathBuf>) -> String {
    match file {
        Some(path) => format!("capability file `{}`: ", path.display()),
        None => String::new(),
    }
}

fn known_note(known: &[String]) -> String {
    if known.is_empty() {
        " (no registered plugin declares it; is the plugin added to the app?)".to_owned()
    } else {
        format!(" (the plugin declares: {})", known.join(", "))
    }
}

/// A permission pattern, parsed: matches calls `(address, method)`, and topics to listen
/// to (`event:`) or emit on (`emit:`).
///
/// ```
/// use switchboard::capability::Permission;
/// let p: Permission = "counter.*".parse().unwrap();
/// assert!(p.allows_call(&"counter".parse().unwrap(), "add"));
/// assert!(!p.allows_call(&"other".parse().unwrap(), "add"));
/// assert!("counter.a b".parse::<Permission>().is_err());
///
/// let listen: Permission = "event:chat/*".parse().unwrap();
/// assert!(listen.allows_listen(&"chat/room1".parse().unwrap()));
/// assert!(!listen.allows_emit(&"chat/room1".parse().unwrap()));
/// let emit: Permission = "emit:chat/*".parse().unwrap();
/// assert!(emit.allows_emit(&"chat/room1".parse().unwrap()));
/// // the host's topics cannot be granted to pages
/// assert!("emit:window/main/*".parse::<Permission>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permission {
    text: String,
    kind: PermissionKind,
}

/// Topic prefixes only the host publishes on: pages can never emit a topic that starts with
/// one of these, whatever their grants (window events are `window/<label>/<event>`).
///
/// ```
/// use switchboard::capability::{is_reserved_topic, RESERVED_TOPIC_PREFIXES};
/// assert!(RESERVED_TOPIC_PREFIXES.contains(&"window/"));
/// assert!(is_reserved_topic(&"window/main/file_dropped".parse().unwrap()));
/// assert!(!is_reserved_topic(&"chat/room1".parse().unwrap()));
/// ```
pub const RESERVED_TOPIC_PREFIXES: &[&str] = &["window/", "app/", "actor/"];

/// Whether `topic` is reserved for the host (see [`RESERVED_TOPIC_PREFIXES`]).
pub fn is_reserved_topic(topic: &Topic) -> bool {
    reserved_prefix(topic.as_str()).is_some()
}

pub(crate) fn reserved_prefix(topic: &str) -> Option<&'static str> {
    RESERVED_TOPIC_PREFIXES
        .iter()
        .copied()
        .find(|prefix| topic.starts_with(prefix))
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PermissionKind {
    All,
    Listen(String),
    Emit(String),
    Call {
        address: String,
        method: Option<String>,
    },
}

/// Glob match where a trailing `*` matches any rest.
fn glob(pattern: &str, text: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => text.starts_with(prefix),
        None => pattern == text,
    }
}

fn check_glob(part: &str, extra: &str) -> Result<(), String> {
    let body = part.strip_suffix('*').unwrap_or(part);
    if part.is_empty() {
        return Err("empty part".into());
    }
    if let Some(c) = body
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-' || extra.contains(*c)))
    {
        return Err(format!("holds {c:?} (a `*` may only end a part)"));
    }
    Ok(())
}

fn check_topic(pattern: &str) -> Result<(), String> {
    check_glob(pattern, ".:/")?;
    if !pattern.ends_with('*') {
        Topic::new(pattern).map_err(|e| e.to_string())?;
    }
    Ok(())
}

impl Permission {
    /// Parse a pattern.
    pub fn parse(text: &str) -> Result<Self, String> {
        let kind = if text == "*" {
            PermissionKind::All
        } else if let Some(topic) = text.strip_prefix("event:") {
            check_topic(topic)?;
            PermissionKind::Listen(topic.to_owned())
        } else if let Some(topic) = text.strip_prefix("emit:") {
            check_topic(topic)?;
            let fixed = topic.strip_suffix('*').unwrap_or(topic);
            if let Some(prefix) = reserved_prefix(fixed) {
                return Err(format!(
                    "topics under `{prefix}` are reserved for the host; pages cannot emit them"
                ));
            }
            PermissionKind::Emit(topic.to_owned())
        } else {
            let (address, method) = match text.split_once('.') {
                Some((a, m)) => (a, Some(m)),
                None => (text, None),
            };
            check_glob(address, ":")?;
            if !address.ends_with('*') {
                Address::parse(address).map_err(|e| e.to_string())?;
            }
            if let Some(m) = method {
                check_glob(m, "")?;
            }
            PermissionKind::Call {
                address: address.to_owned(),
                method: method.map(str::to_owned),
            }
        };
        Ok(Permission {
            text: text.to_owned(),
            kind,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether this pattern allows calling `method` on `address` (`""` for a command).
    pub fn allows_call(&self, address: &Address, method: &str) -> bool {
        match &self.kind {
            PermissionKind::All => true,
            PermissionKind::Listen(_) | PermissionKind::Emit(_) => false,
            PermissionKind::Call {
                address: a,
                method: m,
            } => {
                glob(a, &address.to_string())
                    && match m {
                        Some(m) => !method.is_empty() && glob(m, method),
                        None => method.is_empty(),
                    }
            }
        }
    }

    /// Whether this pattern allows subscribing to `topic` (`event:<topic>` or `*`).
    pub fn allows_listen(&self, topic: &Topic) -> bool {
        match &self.kind {
            PermissionKind::All => true,
            PermissionKind::Listen(t) => glob(t, topic.as_str()),
            PermissionKind::Emit(_) | PermissionKind::Call { .. } => false,
        }
    }

    /// Whether this pattern allows a page to emit on `topic` (`emit:<topic>` or `*`). Never
    /// for a topic the host reserves ([`RESERVED_TOPIC_PREFIXES`]).
    pub fn allows_emit(&self, topic: &Topic) -> bool {
        if is_reserved_topic(topic) {
            return false;
        }
        match &self.kind {
            PermissionKind::All => true,
            PermissionKind::Emit(t) => glob(t, topic.as_str()),
            PermissionKind::Listen(_) | PermissionKind::Call { .. } => false,
        }
    }
}

impl std::str::FromStr for Permission {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Permission::parse(s)
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A set of permissions granted to some windows (and origins).
///
/// ```
/// use switchboard::Capability;
/// let cap = Capability::new("main-window")
///     .windows(["main"])
///     .allow(["cmd:greet", "counter.*", "event:news", "emit:chat/*"]);
/// assert_eq!(cap.identifier(), "main-window");
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capability {
    identifier: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    windows: Vec<String>,
    #[serde(default)]
    origins: Vec<String>,
    #[serde(default)]
    iframes: bool,
    #[serde(default)]
    permissions: Vec<Grant>,
    #[serde(skip)]
    file: Option<PathBuf>,
}

/// One entry of a capability's `permissions`: a pattern (`cmd:greet`, `plugin:fs.*`,
/// `event:chat/*`) or a plugin's permission by name (`fs:allow-read`), with optional scope
/// entries for the latter. In files it is a string, or an object with `identifier`, `allow`
/// and `deny`.
///
/// ```
/// use switchboard::{Capability, Grant};
/// let cap = Capability::new("main")
///     .windows(["main"])
///     .allow(["fs:default"])
///     .grant(Grant::new("fs:allow-write").allow_scope("$APPDATA/notes/**").deny_scope("$APPDATA/notes/.git/**"));
/// assert_eq!(cap.grants().len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "GrantRepr", into = "GrantRepr")]
pub struct Grant {
    identifier: String,
    scope: ScopeEntries,
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum GrantRepr {
    Name(String),
    Scoped(ScopedRepr),
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScopedRepr {
    identifier: String,
    #[serde(default)]
    allow: Vec<serde_json::Value>,
    #[serde(default)]
    deny: Vec<serde_json::Value>,
}

impl From<GrantRepr> for Grant {
    fn from(repr: GrantRepr) -> Self {
        match repr {
            GrantRepr::Name(identifier) => Grant::new(identifier),
            GrantRepr::Scoped(s) => Grant {
                identifier: s.identifier,
                scope: ScopeEntries {
                    allow: s.allow,
                    deny: s.deny,
                },
            },
        }
    }
}

impl From<Grant> for GrantRepr {
    fn from(grant: Grant) -> Self {
        if grant.scope.is_empty() {
            GrantRepr::Name(grant.identifier)
        } else {
            GrantRepr::Scoped(ScopedRepr {
                identifier: grant.identifier,
                allow: grant.scope.allow,
                deny: grant.scope.deny,
            })
        }
    }
}

impl Grant {
    /// Grant a pattern or a plugin's permission, without a scope of its own.
    pub fn new(identifier: impl Into<String>) -> Self {
        Grant {
            identifier: identifier.into(),
            scope: ScopeEntries::default(),
        }
    }

    /// Add a scope entry the grant allows, in the plugin's entry format (for fs a path
    /// pattern such as `"$APPDATA/**"`).
    pub fn allow_scope(mut self, entry: impl Serialize) -> Self {
        self.scope
            .allow
            .push(serde_json::to_value(entry).unwrap_or(serde_json::Value::Null));
        self
    }

    /// Add a scope entry the grant refuses (deny wins over every allow).
    pub fn deny_scope(mut self, entry: impl Serialize) -> Self {
        self.scope
            .deny
            .push(serde_json::to_value(entry).unwrap_or(serde_json::Value::Null));
        self
    }

    /// The pattern or permission name.
    pub fn identifier(&self) -> &str {
        &self.identifier
    }

    /// The scope entries attached.
    pub fn scope(&self) -> &ScopeEntries {
        &self.scope
    }
}

impl From<&str> for Grant {
    fn from(text: &str) -> Self {
        Grant::new(text)
    }
}

impl From<String> for Grant {
    fn from(text: String) -> Self {
        Grant::new(text)
    }
}

/// What a capability's entry names, by its syntax.
enum GrantKind {
    Pattern(Permission),
    /// `<plugin>:<name>`, resolved against the registry when the app is built.
    Plugin,
}

const PATTERN_PREFIXES: &[&str] = &["cmd", "plugin", "window", "event", "emit"];

fn grant_kind(text: &str) -> Result<GrantKind, String> {
    if let Some((plugin, name)) = text.split_once(':') {
        if !PATTERN_PREFIXES.contains(&plugin) {
            Name::new(plugin).map_err(|e| format!("plugin name: {e}"))?;
            Name::new(name).map_err(|e| format!("permission name: {e}"))?;
            return Ok(GrantKind::Plugin);
        }
    }
    Permission::parse(text).map(GrantKind::Pattern)
}

impl Capability {
    /// An empty capability named `identifier` (for messages).
    pub fn new(identifier: impl Into<String>) -> Self {
        Capability {
            identifier: identifier.into(),
            description: String::new(),
            windows: Vec::new(),
            origins: Vec::new(),
            iframes: false,
            permissions: Vec::new(),
            file: None,
        }
    }

    /// The identifier.
    pub fn identifier(&self) -> &str {
        &self.identifier
    }

    /// Describe what the capability is for (for people reading the config).
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = text.into();
        self
    }

    /// Apply to these window labels (`*` ends a glob: `"*"`, `"editor-*"`).
    pub fn windows<I: IntoIterator<Item = S>, S: Into<String>>(mut self, windows: I) -> Self {
        self.windows.extend(windows.into_iter().map(Into::into));
        self
    }

    /// Apply only to pages from these origins (`https://example.com`); needed for remote pages.
    pub fn origins<I: IntoIterator<Item = S>, S: Into<String>>(mut self, origins: I) -> Self {
        self.origins.extend(origins.into_iter().map(Into::into));
        self
    }

    /// Apply to iframes too (default: top frames only).
    pub fn iframes(mut self, allow: bool) -> Self {
        self.iframes = allow;
        self
    }

    /// Grant these permission patterns or plugin permissions by name (checked when the app
    /// is built).
    pub fn allow<I: IntoIterator<Item = S>, S: Into<String>>(mut self, permissions: I) -> Self {
        self.permissions
            .extend(permissions.into_iter().map(|p| Grant::new(p)));
        self
    }

    /// Grant one entry, possibly with a scope ([`Grant::allow_scope`]).
    pub fn grant(mut self, grant: impl Into<Grant>) -> Self {
        self.permissions.push(grant.into());
        self
    }

    /// The entries granted, as written.
    pub fn grants(&self) -> &[Grant] {
        &self.permissions
    }

    /// The file the capability was read from, if any.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// Read one capability from a `.json` or `.toml` file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, CapabilityError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| CapabilityError::Io {
            path: path.to_owned(),
            source,
        })?;
        let mut parsed: Capability = match path.extension().and_then(|e| e.to_str()) {
            Some("json") => serde_json::from_str(&text).map_err(|e| e.to_string()),
            #[cfg(feature = "toml")]
            Some("toml") => toml::from_str(&text).map_err(|e| e.to_string()),
            #[cfg(not(feature = "toml"))]
            Some("toml") => return Err(CapabilityError::TomlDisabled(path.to_owned())),
            _ => return Err(CapabilityError::UnknownFormat(path.to_owned())),
        }
        .map_err(|message| CapabilityError::Parse {
            path: path.to_owned(),
            message,
        })?;
        parsed.file = Some(path.to_owned());
        parsed.check_syntax().map_err(|e| match e {
            CapabilityError::BadPermission {
                capability,
                pattern,
                reason,
            } => CapabilityError::Parse {
                path: path.to_owned(),
                message: format!(
                    "capability `{capability}`: invalid permission `{pattern}`: {reason}"
                ),
            },
            other => other,
        })?;
        Ok(parsed)
    }

    /// Read every `.json` and `.toml` file in a folder (sorted by name), failing on the first
    /// bad one. A missing folder is an error.
    pub fn load_dir(dir: impl AsRef<Path>) -> Result<Vec<Self>, CapabilityError> {
        let dir = dir.as_ref();
        let io = |source| CapabilityError::Io {
            path: dir.to_owned(),
            source,
        };
        let mut paths = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io)? {
            let path = entry.map_err(io)?.path();
            if path.is_file() {
                paths.push(path);
            }
        }
        paths.sort();
        paths.iter().map(Capability::from_file).collect()
    }

    /// Check the entries' syntax (patterns parse, names look like `<plugin>:<name>`).
    fn check_syntax(&self) -> Result<(), CapabilityError> {
        if self.windows.is_empty() {
            return Err(CapabilityError::NoWindows(self.identifier.clone()));
        }
        for grant in &self.permissions {
            let kind =
                grant_kind(&grant.identifier).map_err(|reason| CapabilityError::BadPermission {
                    capability: self.identifier.clone(),
                    pattern: grant.identifier.clone(),
                    reason,
                })?;
            if matches!(kind, GrantKind::Pattern(_)) && !grant.scope.is_empty() {
                return Err(self.bad_scope(
                    grant,
                    "a scope attaches to a plugin's permission (like `fs:allow-read`), not to a pattern".into(),
                ));
            }
        }
        Ok(())
    }

    fn bad_scope(&self, grant: &Grant, reason: String) -> CapabilityError {
        CapabilityError::BadScope {
            capability: self.identifier.clone(),
            permission: grant.identifier.clone(),
            file: self.file.clone(),
            reason,
        }
    }

    /// Check the entries and resolve plugin permissions against `registry`.
    pub(crate) fn compile(
        &self,
        registry: &Registry,
    ) -> Result<CompiledCapability, CapabilityError> {
        self.check_syntax()?;
        let mut items = Vec::new();
        for grant in &self.permissions {
            match grant_kind(&grant.identifier) {
                Ok(GrantKind::Pattern(pattern)) => items.push(GrantItem {
                    pattern,
                    via: Arc::from(grant.identifier.as_str()),
                    scope: None,
                }),
                Ok(GrantKind::Plugin) => {
                    let Some(def) = registry.get(&grant.identifier) else {
                        let plugin = grant.identifier.split(':').next().unwrap_or_default();
                        return Err(CapabilityError::UnknownPermission {
                            capability: self.identifier.clone(),
                            permission: grant.identifier.clone(),
                            file: self.file.clone(),
                            known: registry
                                .names_of(plugin)
                                .into_iter()
                                .map(str::to_owned)
                                .collect(),
                        });
                    };
                    if !grant.scope.is_empty() {
                        let Some(schema) = registry.plugin_schema(def.plugin()) else {
                            return Err(self.bad_scope(
                                grant,
                                format!("plugin `{}` declares no scope", def.plugin()),
                            ));
                        };
                        schema
                            .validate(&grant.scope.allow, &grant.scope.deny)
                            .map_err(|e: ScopeError| self.bad_scope(grant, e.message))?;
                    }
                    for (included, builtin) in registry.closure(def.identifier()) {
                        let mut scope = grant.scope.clone();
                        scope.allow.extend(builtin.allow);
                        scope.deny.extend(builtin.deny);
                        let scope = Arc::new(scope);
                        // named as the capability granted it: that is what its author wrote
                        let via: Arc<str> = Arc::from(grant.identifier.as_str());
                        for pattern in included.compiled_patterns() {
                            items.push(GrantItem {
                                pattern: pattern.clone(),
                                via: Arc::clone(&via),
                                scope: Some(Arc::clone(&scope)),
                            });
                        }
                    }
                }
                Err(reason) => {
                    return Err(CapabilityError::BadPermission {
                        capability: self.identifier.clone(),
                        pattern: grant.identifier.clone(),
                        reason,
                    })
                }
            }
        }
        Ok(CompiledCapability {
            windows: self.windows.clone(),
            origins: self.origins.clone(),
            iframes: self.iframes,
            items,
        })
    }
}

/// One granted pattern, the name it was granted under (`fs:allow-read`, or the pattern
/// itself), and the scope entries that came with it.
#[derive(Debug, Clone)]
pub(crate) struct GrantItem {
    pattern: Permission,
    via: Arc<str>,
    scope: Option<Arc<ScopeEntries>>,
}

#[derive(Debug, Clone)]
pub(crate) struct CompiledCapability {
    windows: Vec<String>,
    origins: Vec<String>,
    iframes: bool,
    items: Vec<GrantItem>,
}

impl CompiledCapability {
    fn applies_to(&self, caller: &Caller, local_origins: &[String]) -> bool {
        if !caller.top_frame && !self.iframes {
            return false;
        }
        if !self.windows.iter().any(|w| glob(w, caller.window.as_str())) {
            return false;
        }
        if self.origins.is_empty() {
            local_origins.iter().any(|o| o == &caller.origin)
        } else {
            self.origins.iter().any(|o| o == &caller.origin)
        }
    }
}

/// The permissions one caller holds, resolved once per session.
#[derive(Debug, Clone, Default)]
pub(crate) struct Grants {
    items: Vec<GrantItem>,
}

impl Grants {
    pub(crate) fn resolve(
        capabilities: &[CompiledCapability],
        caller: &Caller,
        local_origins: &[String],
    ) -> Self {
        let mut items: Vec<GrantItem> = Vec::new();
        for cap in capabilities
            .iter()
            .filter(|c| c.applies_to(caller, local_origins))
        {
            for item in &cap.items {
                let same = |i: &GrantItem| {
                    i.pattern == item.pattern && i.via == item.via && i.scope == item.scope
                };
                if !items.iter().any(same) {
                    items.push(item.clone());
                }
            }
        }
        Grants { items }
    }

    pub(crate) fn allows_call(&self, address: &Address, method: &str) -> bool {
        self.items
            .iter()
            .any(|i| i.pattern.allows_call(address, method))
    }

    pub(crate) fn allows_listen(&self, topic: &Topic) -> bool {
        self.items.iter().any(|i| i.pattern.allows_listen(topic))
    }

    pub(crate) fn allows_emit(&self, topic: &Topic) -> bool {
        self.items.iter().any(|i| i.pattern.allows_emit(topic))
    }

    pub(crate) fn patterns(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for i in &self.items {
            if !out.iter().any(|p| p == i.pattern.as_str()) {
                out.push(i.pattern.text.clone());
            }
        }
        out
    }

    /// The scope of a call to a scoped plugin: the entries of every grant that allows it
    /// (a grant without a scope adds none), and the names they were granted under.
    pub(crate) fn scope_for(
        &self,
        schema: &Arc<dyn crate::scope::ErasedSchema>,
        address: &Address,
        method: &str,
    ) -> Result<ResolvedScope, ScopeError> {
        self.scope_with(schema, address, method, &[])
    }

    /// [`Self::scope_for`], plus allow entries granted to one session at run time
    /// ([`crate::scope::SessionScope`]); they widen only methods a capability grants.
    pub(crate) fn scope_with(
        &self,
        schema: &Arc<dyn crate::scope::ErasedSchema>,
        address: &Address,
        method: &str,
        extra: &[serde_json::Value],
    ) -> Result<ResolvedScope, ScopeError> {
        let mut names: Vec<String> = Vec::new();
        let mut allow: Vec<serde_json::Value> = extra.to_vec();
        let mut deny = Vec::new();
        let mut seen: Vec<&Arc<ScopeEntries>> = Vec::new();
        for item in self
            .items
            .iter()
            .filter(|i| i.pattern.allows_call(address, method))
        {
            if !names.iter().any(|n| **n == *item.via) {
                names.push(item.via.to_string());
            }
            if let Some(scope) = &item.scope {
                if !seen.iter().any(|s| Arc::ptr_eq(s, scope)) {
                    seen.push(scope);
                    allow.extend(scope.allow.iter().cloned());
                    deny.extend(scope.deny.iter().cloned());
                }
            }
        }
        ResolvedScope::new(Arc::clone(schema), names, &allow, &deny)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(window: &str, origin: &str) -> Caller {
        Caller::new(window, origin)
    }

    fn local() -> Vec<String> {
        vec!["app://localhost".into()]
    }

    fn grants(cap: Capability, c: &Caller) -> Grants {
        Grants::resolve(&[cap.compile(&Registry::default()).unwrap()], c, &local())
    }

    #[test]
    fn exact_command_permission_allows_only_that_command() {
        let g = grants(
            Capability::new("c").windows(["main"]).allow(["cmd:greet"]),
            &caller("main", "app://localhost"),
        );
        assert!(g.allows_call(&"cmd:greet".parse().unwrap(), ""));
        assert!(!g.allows_call(&"cmd:other".parse().unwrap(), ""));
        assert!(!g.allows_call(&"cmd:greet".parse().unwrap(), "x"));
    }

    #[test]
    fn other_window_gets_nothing() {
        let g = grants(
            Capability::new("c").windows(["main"]).allow(["*"]),
            &caller("settings", "app://localhost"),
        );
        assert!(!g.allows_call(&"cmd:greet".parse().unwrap(), ""));
    }

    #[test]
    fn remote_origin_needs_a_capability_naming_it() {
        let cap = Capability::new("c").windows(["main"]).allow(["*"]);
        let evil = caller("main", "http://evil.example");
        assert!(!grants(cap.clone(), &evil).allows_call(&"cmd:greet".parse().unwrap(), ""));
        let remote = Capability::new("r")
            .windows(["main"])
            .origins(["http://evil.example"])
            .allow(["cmd:greet"]);
        assert!(grants(remote, &evil).allows_call(&"cmd:greet".parse().unwrap(), ""));
    }

    #[test]
    fn iframes_get_nothing_by_default() {
        let mut c = caller("main", "app://localhost");
        c.top_frame = false;
        let cap = Capability::new("c").windows(["main"]).allow(["*"]);
        assert!(!grants(cap.clone(), &c).allows_call(&"cmd:greet".parse().unwrap(), ""));
        assert!(grants(cap.iframes(true), &c).allows_call(&"cmd:greet".parse().unwrap(), ""));
    }

    #[test]
    fn event_patterns_match_topics_for_listening_only() {
        let p = Permission::parse("event:download/*").unwrap();
        assert!(p.allows_listen(&"download/progress".parse().unwrap()));
        assert!(!p.allows_listen(&"upload/progress".parse().unwrap()));
        assert!(!p.allows_emit(&"download/progress".parse().unwrap()));
        assert!(!p.allows_call(&"cmd:greet".parse().unwrap(), ""));
    }

    #[test]
    fn emit_patterns_match_topics_for_emitting_only() {
        let p = Permission::parse("emit:chat/*").unwrap();
        assert!(p.allows_emit(&"chat/room1".parse().unwrap()));
        assert!(!p.allows_emit(&"news".parse().unwrap()));
        assert!(!p.allows_listen(&"chat/room1".parse().unwrap()));
        assert!(!p.allows_call(&"cmd:greet".parse().unwrap(), ""));
    }

    #[test]
    fn reserved_topics_are_never_emittable() {
        for pattern in ["*", "emit:*", "emit:w*", "emit:a*"] {
            let p = Permission::parse(pattern).unwrap();
            for topic in ["window/main/file_dropped", "app/ready", "actor/x/stopped"] {
                assert!(!p.allows_emit(&topic.parse().unwrap()), "{pattern} {topic}");
            }
        }
        assert!(Permission::parse("*")
            .unwrap()
            .allows_listen(&"window/main/resized".parse().unwrap()));
        for bad in [
            "emit:window/main/*",
            "emit:window/*",
            "emit:app/ready",
            "emit:actor/*",
        ] {
            let reason = Permission::parse(bad).unwrap_err();
            assert!(reason.contains("reserved for the host"), "{bad}: {reason}");
        }
    }

    #[test]
    fn bad_patterns_are_refused_with_a_reason() {
        for bad in [
            "",
            "cmd:",
            "a*b.c",
            "foo:bar",
            "counter.a b",
            "event:",
            "emit:",
            "emit:a b",
            "ev ent:x",
        ] {
            assert!(Permission::parse(bad).is_err(), "{bad:?} parsed");
        }
        let err = Capability::new("x")
            .windows(["main"])
            .allow(["cmd:a b"])
            .compile(&Registry::default())
            .unwrap_err();
        assert!(
            err.to_string().contains("invalid permission `cmd:a b`"),
            "{err}"
        );
    }
}
