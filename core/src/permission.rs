//! Plugin permissions as data: a plugin declares named permissions (`fs:allow-read`,
//! `fs:default`, ...), each a set of its own methods and event topics, optionally with a
//! built-in [scope](crate::scope); capabilities grant them by name.
//!
//! A plugin hands its declarations to the app with [`AppBuilder::permissions`]; the app
//! checks them when it is built (every method exists on the plugin's actor, every included
//! permission is declared), refuses a capability that names a permission nobody declared,
//! and lists them all through [`AppHandle::permissions`] (for docs, for a `switchboard info`).
//!
//! ```
//! use switchboard::permission::{PermissionDef, PluginPermissions};
//! use switchboard::{App, AppBuilder, Capability, Plugin};
//!
//! #[derive(Clone)]
//! struct Clock;
//! #[switchboard::actor]
//! impl Clock {
//!     fn now(&self) -> u64 { 0 }
//!     fn set(&mut self, _to: u64) {}
//! }
//!
//! struct ClockPlugin;
//! impl Plugin for ClockPlugin {
//!     fn build(self, app: AppBuilder) -> AppBuilder {
//!         app.plugin_actor("clock", Clock).permissions(
//!             PluginPermissions::new("clock")
//!                 .permission(PermissionDef::new("allow-now").description("Read the time.").methods(["now"]))
//!                 .permission(PermissionDef::new("allow-set").description("Set the time.").methods(["set"]))
//!                 .permission(PermissionDef::new("default").description("Read only.").includes(["allow-now"])),
//!         )
//!     }
//! }
//!
//! let app = App::builder()
//!     .plugin(ClockPlugin)
//!     .capability(Capability::new("main").windows(["main"]).allow(["clock:default"]))
//!     .build()
//!     .unwrap();
//! let names: Vec<&str> = app.permissions().iter().map(|p| p.identifier()).collect();
//! assert_eq!(names, ["clock:allow-now", "clock:allow-set", "clock:default"]);
//! assert_eq!(app.permissions()[0].patterns(), ["plugin:clock.now"]);
//!
//! // a capability naming a permission nobody declared does not build
//! let err = App::builder()
//!     .plugin(ClockPlugin)
//!     .capability(Capability::new("main").windows(["main"]).allow(["clock:allow-everything"]))
//!     .build()
//!     .unwrap_err();
//! assert!(err.to_string().contains("unknown permission `clock:allow-everything`"), "{err}");
//! ```
//!
//! The same declarations can be kept in a TOML file beside the plugin's code
//! (`PluginPermissions::from_toml`, with the `toml` feature, on by default).
//!
//! [`AppBuilder::permissions`]: crate::AppBuilder::permissions
//! [`AppHandle::permissions`]: crate::AppHandle::permissions

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use switchboard_protocol::{Address, Name};

use crate::capability::Permission;
use crate::command::HandlerMeta;
use crate::scope::{ErasedSchema, SchemaBox, ScopeSchema};

/// Why a plugin's permission declarations are not valid.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PermissionError {
    /// A name (plugin, permission) is not a valid name.
    #[error("plugin `{plugin}`: invalid permission name `{name}`: {reason}")]
    BadName {
        /// The plugin.
        plugin: String,
        /// The name.
        name: String,
        /// Why.
        reason: String,
    },
    /// A method or topic of a permission does not make a valid pattern.
    #[error("permission `{permission}`: invalid {what} `{value}`: {reason}")]
    BadEntry {
        /// The permission's identifier.
        permission: String,
        /// `method`, `listen topic` or `emit topic`.
        what: &'static str,
        /// The entry.
        value: String,
        /// Why.
        reason: String,
    },
    /// A permission names a method the plugin's actor does not have.
    #[error("permission `{permission}` names method `{method}`, which `{address}` does not have (it has: {known})")]
    UnknownMethod {
        /// The permission's identifier.
        permission: String,
        /// The method.
        method: String,
        /// The plugin's actor.
        address: String,
        /// The methods it has.
        known: String,
    },
    /// A permission includes one that no plugin declares.
    #[error("permission `{permission}` includes `{included}`, which no plugin declares")]
    UnknownInclude {
        /// The permission's identifier.
        permission: String,
        /// The included name.
        included: String,
    },
    /// Two declarations of one permission.
    #[error("permission `{0}` is declared twice")]
    Duplicate(String),
    /// A permission carries a scope but its plugin declares no scope schema.
    #[error("permission `{0}` carries a scope, but its plugin declares no scope (`PluginPermissions::scope`)")]
    ScopeWithoutSchema(String),
    /// A built-in scope does not fit the plugin's scope schema.
    #[error("permission `{permission}`: bad scope: {reason}")]
    BadScope {
        /// The permission's identifier.
        permission: String,
        /// The schema's reason.
        reason: String,
    },
    /// A permissions file is not valid TOML of the expected shape.
    #[error("permissions of plugin `{plugin}`: {message}")]
    Parse {
        /// The plugin.
        plugin: String,
        /// The parser's message.
        message: String,
    },
}

/// Scope entries that come with a permission or a grant: what is allowed and what is
/// denied (deny wins), in the plugin's own entry format (see [`ScopeSchema::Entry`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeEntries {
    /// Entries the permission allows.
    #[serde(default)]
    pub allow: Vec<serde_json::Value>,
    /// Entries refused even when another entry allows them.
    #[serde(default)]
    pub deny: Vec<serde_json::Value>,
}

impl ScopeEntries {
    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.allow.is_empty() && self.deny.is_empty()
    }
}

/// One permission a plugin declares: a name, what it is for, the plugin's methods and
/// event topics it grants, other permissions it includes, and optionally a built-in scope.
///
/// ```
/// use switchboard::permission::PermissionDef;
/// let read = PermissionDef::new("allow-read")
///     .description("Read files inside the scope.")
///     .methods(["read_text", "read_bytes"])
///     .listen(["fs/changed"]);
/// assert_eq!(read.name(), "allow-read");
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct PermissionDef {
    identifier: String,
    plugin: String,
    name: String,
    description: String,
    methods: Vec<String>,
    listen: Vec<String>,
    emit: Vec<String>,
    includes: Vec<String>,
    scope: ScopeEntries,
    #[serde(skip)]
    patterns: Vec<Permission>,
}

impl PermissionDef {
    /// A permission named `name` (the part after `<plugin>:`, e.g. `allow-read`).
    pub fn new(name: impl Into<String>) -> Self {
        PermissionDef {
            identifier: String::new(),
            plugin: String::new(),
            name: name.into(),
            description: String::new(),
            methods: Vec::new(),
            listen: Vec::new(),
            emit: Vec::new(),
            includes: Vec::new(),
            scope: ScopeEntries::default(),
            patterns: Vec::new(),
        }
    }

    /// What the permission lets a page do, for people reading capabilities and docs.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = text.into();
        self
    }

    /// Grant calling these methods of the plugin's actor (`read`, or `read_*`).
    pub fn methods<I: IntoIterator<Item = S>, S: Into<String>>(mut self, methods: I) -> Self {
        self.methods.extend(methods.into_iter().map(Into::into));
        self
    }

    /// Grant listening to these topics (`fs/changed`, `store/*`).
    pub fn listen<I: IntoIterator<Item = S>, S: Into<String>>(mut self, topics: I) -> Self {
        self.listen.extend(topics.into_iter().map(Into::into));
        self
    }

    /// Grant emitting on these topics (pages publishing to the plugin).
    pub fn emit<I: IntoIterator<Item = S>, S: Into<String>>(mut self, topics: I) -> Self {
        self.emit.extend(topics.into_iter().map(Into::into));
        self
    }

    /// Include other permissions: `allow-read` (of the same plugin) or `other:allow-x`.
    pub fn includes<I: IntoIterator<Item = S>, S: Into<String>>(mut self, names: I) -> Self {
        self.includes.extend(names.into_iter().map(Into::into));
        self
    }

    /// A scope entry that comes with the permission (`$APPDATA/**` for an
    /// `allow-app-read`); a capability may add more.
    pub fn scope_allow(mut self, entry: impl Serialize) -> Self {
        self.scope.allow.push(to_value(entry));
        self
    }

    /// A scope entry the permission always refuses.
    pub fn scope_deny(mut self, entry: impl Serialize) -> Self {
        self.scope.deny.push(to_value(entry));
        self
    }

    /// The full name, `<plugin>:<name>` (set when the plugin's permissions are registered).
    pub fn identifier(&self) -> &str {
        &self.identifier
    }

    /// The plugin that declares it.
    pub fn plugin(&self) -> &str {
        &self.plugin
    }

    /// The name without the plugin.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What it is for.
    pub fn describe(&self) -> &str {
        &self.description
    }

    /// The methods it grants.
    pub fn granted_methods(&self) -> &[String] {
        &self.methods
    }

    /// The topics it lets a page listen to.
    pub fn granted_listen(&self) -> &[String] {
        &self.listen
    }

    /// The topics it lets a page emit on.
    pub fn granted_emit(&self) -> &[String] {
        &self.emit
    }

    /// The permissions it includes, by full name.
    pub fn included(&self) -> &[String] {
        &self.includes
    }

    /// Its built-in scope entries.
    pub fn scope(&self) -> &ScopeEntries {
        &self.scope
    }

    /// The patterns it grants by itself (not counting included permissions), as
    /// capability patterns: `plugin:fs.read_text`, `event:fs/changed`.
    pub fn patterns(&self) -> Vec<String> {
        self.patterns
            .iter()
            .map(|p| p.as_str().to_owned())
            .collect()
    }

    pub(crate) fn compiled_patterns(&self) -> &[Permission] {
        &self.patterns
    }
}

fn to_value(entry: impl Serialize) -> serde_json::Value {
    serde_json::to_value(entry).unwrap_or(serde_json::Value::Null)
}

/// Everything one plugin declares about permissions: its permissions and its scope schema.
/// Register it with [`AppBuilder::permissions`](crate::AppBuilder::permissions).
///
/// ```
/// use switchboard::permission::{PermissionDef, PluginPermissions};
/// let p = PluginPermissions::new("clock")
///     .permission(PermissionDef::new("allow-now").methods(["now"]));
/// assert_eq!(p.plugin(), "clock");
/// ```
pub struct PluginPermissions {
    plugin: String,
    defs: Vec<PermissionDef>,
    schema: Option<Arc<dyn ErasedSchema>>,
}

impl std::fmt::Debug for PluginPermissions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginPermissions")
            .field("plugin", &self.plugin)
            .field("defs", &self.defs)
            .field("scoped", &self.schema.is_some())
            .finish()
    }
}

#[cfg(feature = "toml")]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PermissionsFile {
    #[serde(default)]
    permission: Vec<PermissionFileEntry>,
}

#[cfg(feature = "toml")]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PermissionFileEntry {
    identifier: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    methods: Vec<String>,
    #[serde(default)]
    listen: Vec<String>,
    #[serde(default)]
    emit: Vec<String>,
    #[serde(default)]
    includes: Vec<String>,
    #[serde(default)]
    scope: ScopeEntries,
}

impl PluginPermissions {
    /// The permissions of the plugin whose actor is at `plugin:<plugin>`.
    pub fn new(plugin: impl Into<String>) -> Self {
        PluginPermissions {
            plugin: plugin.into(),
            defs: Vec::new(),
            schema: None,
        }
    }

    /// Read the declarations from TOML (keep them in `permissions.toml` beside the code and
    /// `include_str!` it):
    ///
    /// ```
    /// use switchboard::permission::PluginPermissions;
    /// let p = PluginPermissions::from_toml("clock", r#"
    /// [[permission]]
    /// identifier = "allow-now"
    /// description = "Read the time."
    /// methods = ["now"]
    ///
    /// [[permission]]
    /// identifier = "default"
    /// description = "What most apps grant."
    /// includes = ["allow-now"]
    /// "#).unwrap();
    /// assert_eq!(p.defs().len(), 2);
    /// ```
    ///
    /// Needs the `toml` feature (on by default).
    #[cfg(feature = "toml")]
    pub fn from_toml(plugin: impl Into<String>, text: &str) -> Result<Self, PermissionError> {
        let plugin = plugin.into();
        let file: PermissionsFile = toml::from_str(text).map_err(|e| PermissionError::Parse {
            plugin: plugin.clone(),
            message: e.to_string(),
        })?;
        let mut out = PluginPermissions::new(plugin);
        for e in file.permission {
            let mut def = PermissionDef::new(e.identifier)
                .description(e.description)
                .methods(e.methods)
                .listen(e.listen)
                .emit(e.emit)
                .includes(e.includes);
            def.scope = e.scope;
            out = out.permission(def);
        }
        Ok(out)
    }

    /// Declare one permission.
    pub fn permission(mut self, def: PermissionDef) -> Self {
        self.defs.push(def);
        self
    }

    /// Declare the plugin's scope: how capability data turns into the scope a call is
    /// checked against (see [`scope`](crate::scope)).
    pub fn scope(mut self, schema: impl ScopeSchema) -> Self {
        self.schema = Some(Arc::new(SchemaBox(schema)));
        self
    }

    /// The plugin's name.
    pub fn plugin(&self) -> &str {
        &self.plugin
    }

    /// The declared permissions.
    pub fn defs(&self) -> &[PermissionDef] {
        &self.defs
    }
}

/// Every registered plugin's permissions and scope schemas, checked.
#[derive(Default)]
pub(crate) struct Registry {
    defs: BTreeMap<String, PermissionDef>,
    schemas: HashMap<Address, Arc<dyn ErasedSchema>>,
}

impl Registry {
    /// Check and index the declarations of every plugin; `methods` gives a plugin actor's
    /// methods (to refuse a permission naming a method that does not exist).
    pub(crate) fn build(
        plugins: Vec<PluginPermissions>,
        methods: impl Fn(&Address) -> Option<&'static [HandlerMeta]>,
    ) -> Result<Self, PermissionError> {
        let mut registry = Registry::default();
        for plugin in plugins {
            let plugin_name = Name::new(&plugin.plugin).map_err(|e| PermissionError::BadName {
                plugin: plugin.plugin.clone(),
                name: plugin.plugin.clone(),
                reason: e.to_string(),
            })?;
            let address = Address::Plugin(plugin_name);
            let actor_methods = methods(&address).unwrap_or(&[]);
            for mut def in plugin.defs {
                Name::new(&def.name).map_err(|e| PermissionError::BadName {
                    plugin: plugin.plugin.clone(),
                    name: def.name.clone(),
                    reason: e.to_string(),
                })?;
                def.plugin.clone_from(&plugin.plugin);
                def.identifier = format!("{}:{}", plugin.plugin, def.name);
                let id = def.identifier.clone();
                def.includes = def
                    .includes
                    .iter()
                    .map(|i| {
                        if i.contains(':') {
                            i.clone()
                        } else {
                            format!("{}:{i}", plugin.plugin)
                        }
                    })
                    .collect();
                let entry = |what: &'static str, value: &str, text: String| {
                    Permission::parse(&text).map_err(|reason| PermissionError::BadEntry {
                        permission: id.clone(),
                        what,
                        value: value.to_owned(),
                        reason,
                    })
                };
                let mut patterns = Vec::new();
                for m in &def.methods {
                    patterns.push(entry("method", m, format!("{address}.{m}"))?);
                    let fixed = m.strip_suffix('*');
                    let known = match fixed {
                        Some(prefix) => actor_methods.iter().any(|h| h.name.starts_with(prefix)),
                        None => actor_methods.iter().any(|h| h.name == m),
                    };
                    if !actor_methods.is_empty() && !known {
                        return Err(PermissionError::UnknownMethod {
                            permission: id.clone(),
                            method: m.clone(),
                            address: address.to_string(),
                            known: actor_methods
                                .iter()
                                .map(|h| h.name)
                                .collect::<Vec<_>>()
                                .join(", "),
                        });
                    }
                }
                for t in &def.listen {
                    patterns.push(entry("listen topic", t, format!("event:{t}"))?);
                }
                for t in &def.emit {
                    patterns.push(entry("emit topic", t, format!("emit:{t}"))?);
                }
                def.patterns = patterns;
                if !def.scope.is_empty() {
                    let schema = plugin
                        .schema
                        .as_ref()
                        .ok_or_else(|| PermissionError::ScopeWithoutSchema(id.clone()))?;
                    schema
                        .validate(&def.scope.allow, &def.scope.deny)
                        .map_err(|e| PermissionError::BadScope {
                            permission: id.clone(),
                            reason: e.to_string(),
                        })?;
                }
                if registry.defs.insert(id.clone(), def).is_some() {
                    return Err(PermissionError::Duplicate(id));
                }
            }
            if let Some(schema) = plugin.schema {
                registry.schemas.insert(address, schema);
            }
        }
        for def in registry.defs.values() {
            for included in &def.includes {
                if !registry.defs.contains_key(included) {
                    return Err(PermissionError::UnknownInclude {
                        permission: def.identifier.clone(),
                        included: included.clone(),
                    });
                }
            }
        }
        Ok(registry)
    }

    pub(crate) fn get(&self, identifier: &str) -> Option<&PermissionDef> {
        self.defs.get(identifier)
    }

    /// `identifier` and everything it includes, each with the built-in scope entries of the
    /// permissions on the way to it (a scope flows down to what a permission includes). A
    /// permission reached by two ways comes twice, with each way's scope; cycles stop.
    pub(crate) fn closure(&self, identifier: &str) -> Vec<(&PermissionDef, ScopeEntries)> {
        let mut out = Vec::new();
        let mut path = Vec::new();
        self.walk(identifier, ScopeEntries::default(), &mut path, &mut out);
        out
    }

    fn walk<'a>(
        &'a self,
        id: &str,
        inherited: ScopeEntries,
        path: &mut Vec<String>,
        out: &mut Vec<(&'a PermissionDef, ScopeEntries)>,
    ) {
        if path.iter().any(|p| p == id) {
            return;
        }
        let Some(def) = self.defs.get(id) else { return };
        let mut scope = inherited;
        scope.allow.extend(def.scope.allow.iter().cloned());
        scope.deny.extend(def.scope.deny.iter().cloned());
        path.push(id.to_owned());
        for included in &def.includes {
            self.walk(included, scope.clone(), path, out);
        }
        path.pop();
        out.push((def, scope));
    }

    pub(crate) fn plugin_schema(&self, plugin: &str) -> Option<&Arc<dyn ErasedSchema>> {
        let name = Name::new(plugin).ok()?;
        self.schemas.get(&Address::Plugin(name))
    }

    pub(crate) fn names_of(&self, plugin: &str) -> Vec<&str> {
        self.defs
            .values()
            .filter(|d| d.plugin == plugin)
            .map(|d| d.identifier.as_str())
            .collect()
    }

    pub(crate) fn into_defs(self) -> (Vec<PermissionDef>, HashMap<Address, Arc<dyn ErasedSchema>>) {
        (self.defs.into_values().collect(), self.schemas)
    }
}

/// The permissions as a Markdown table (identifier, description, what it grants), for a
/// plugin's README: generate it in a test and compare, so the README cannot drift.
///
/// ```
/// use switchboard::permission::{markdown_table, PermissionDef, PluginPermissions};
/// # #[derive(Clone)] struct Clock;
/// # #[switchboard::actor] impl Clock { fn now(&self) -> u64 { 0 } }
/// let app = switchboard::App::builder()
///     .plugin_actor("clock", Clock)
///     .permissions(PluginPermissions::new("clock")
///         .permission(PermissionDef::new("allow-now").description("Read the time.").methods(["now"])))
///     .build()
///     .unwrap();
/// let table = markdown_table(app.permissions());
/// assert!(table.contains("| `clock:allow-now` | Read the time. | `plugin:clock.now` |"), "{table}");
/// ```
pub fn markdown_table(defs: &[PermissionDef]) -> String {
    let mut out = String::from("| permission | description | grants |\n|---|---|---|\n");
    for def in defs {
        let mut grants: Vec<String> = def.patterns().iter().map(|p| format!("`{p}`")).collect();
        grants.extend(def.includes.iter().map(|i| format!("includes `{i}`")));
        for a in &def.scope.allow {
            grants.push(format!("scope `{}`", plain(a)));
        }
        for d in &def.scope.deny {
            grants.push(format!("deny `{}`", plain(d)));
        }
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            def.identifier,
            def.description.replace('|', "\\|"),
            grants.join(", ")
        );
    }
    out
}

fn plain(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
