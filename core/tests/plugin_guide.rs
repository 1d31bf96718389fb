//! The plugin of `docs/plugins.md`, compiled and tested: a key-value store kept in a real
//! file, added to an app in one line, reached at `plugin:kv`, guarded by capabilities.
//! Keep this file and the guide in step.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use switchboard::protocol::ErrorCode;
use switchboard::{args, App, AppBuilder, AppHandle, Capability, Plugin, Type};

// ---- the plugin crate (switchboard-plugin-kv) ----

/// Why a `kv` call failed; a discriminated union on `kind` in TypeScript.
#[derive(Debug, Serialize, Type, thiserror::Error)]
#[serde(tag = "kind")]
pub enum KvError {
    /// The store's file could not be read or written.
    #[error("store file {path}: {message}")]
    Io { path: String, message: String },
}

/// Emitted on `kv/changed` after every write.
#[derive(Debug, Serialize, Deserialize, Type)]
pub struct Changed {
    pub key: String,
}

/// The plugin's actor: its state is the file's contents, loaded on first use (and again
/// after a restart, since a restarted actor starts from this value).
#[derive(Clone)]
pub struct Kv {
    path: PathBuf,
    entries: Option<BTreeMap<String, String>>,
}

impl Kv {
    fn entries(&mut self) -> Result<&mut BTreeMap<String, String>, KvError> {
        if self.entries.is_none() {
            let loaded = match std::fs::read(&self.path) {
                Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| self.io(e))?,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
                Err(e) => return Err(self.io(e)),
            };
            self.entries = Some(loaded);
        }
        Ok(self.entries.get_or_insert_with(BTreeMap::new))
    }

    fn io(&self, e: impl std::fmt::Display) -> KvError {
        KvError::Io {
            path: self.path.display().to_string(),
            message: e.to_string(),
        }
    }

    fn save(&mut self) -> Result<(), KvError> {
        let bytes = serde_json::to_vec(self.entries()?).map_err(|e| self.io(e))?;
        let tmp = self.path.with_extension("tmp");
        std::fs::write(&tmp, bytes).map_err(|e| self.io(e))?;
        std::fs::rename(&tmp, &self.path).map_err(|e| self.io(e))
    }
}

#[switchboard::actor]
impl Kv {
    /// The value under `key`, if any.
    fn get(&mut self, key: String) -> Result<Option<String>, KvError> {
        Ok(self.entries()?.get(&key).cloned())
    }

    /// Store `value` under `key`, on disk before answering.
    #[switchboard(blocking)]
    fn set(&mut self, key: String, value: String, app: AppHandle) -> Result<(), KvError> {
        self.entries()?.insert(key.clone(), value);
        self.save()?;
        let _ = app.emit("kv/changed", &Changed { key });
        Ok(())
    }

    /// Every key, in order.
    fn keys(&mut self) -> Result<Vec<String>, KvError> {
        Ok(self.entries()?.keys().cloned().collect())
    }
}

/// The plugin: `App::builder().plugin(KvPlugin::new(path))`.
pub struct KvPlugin {
    path: PathBuf,
}

impl KvPlugin {
    /// A store kept in the file at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// Reading only.
    pub const READ: &'static [&'static str] = &["plugin:kv.get", "plugin:kv.keys"];
    /// Everything, and the change events.
    pub const ALL: &'static [&'static str] = &["plugin:kv.*", "event:kv/changed"];
}

impl Plugin for KvPlugin {
    fn build(self, app: AppBuilder) -> AppBuilder {
        app.plugin_actor(
            "kv",
            Kv {
                path: self.path,
                entries: None,
            },
        )
    }
}

// ---- an app using it ----

fn app(path: PathBuf) -> App {
    App::builder()
        .plugin(KvPlugin::new(path))
        .capability(
            Capability::new("editor")
                .windows(["main"])
                .allow(KvPlugin::ALL.iter().copied()),
        )
        .capability(
            Capability::new("viewer")
                .windows(["viewer"])
                .allow(KvPlugin::READ.iter().copied()),
        )
        .build()
        .unwrap()
}

fn store_file(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("switchboard-plugin-guide-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

#[tokio::test]
async fn the_plugin_stores_in_a_real_file_and_announces_changes() {
    let path = store_file("store.json");
    let app = app(path.clone());
    let main = app.test_client("main");
    let mut changes = main.subscribe("kv/changed").await.unwrap();
    main.invoke::<()>("plugin:kv", "set", &args! { key: "theme", value: "dark" })
        .await
        .unwrap();
    let change: Changed = changes.next().await.unwrap().decode().unwrap();
    assert_eq!(change.key, "theme");
    let on_disk: BTreeMap<String, String> =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(on_disk["theme"], "dark");

    // a new app over the same file sees the value: it was really stored
    let again = app_over(&path);
    let value: Option<String> = again
        .test_client("main")
        .invoke("plugin:kv", "get", &args! { key: "theme" })
        .await
        .unwrap();
    assert_eq!(value.as_deref(), Some("dark"));
}

fn app_over(path: &std::path::Path) -> App {
    app(path.to_owned())
}

#[tokio::test]
async fn a_read_only_window_cannot_write() {
    let app = app(store_file("readonly.json"));
    let viewer = app.test_client("viewer");
    let keys: Vec<String> = viewer.invoke("plugin:kv", "keys", &args! {}).await.unwrap();
    assert!(keys.is_empty());
    let denied = viewer
        .invoke::<()>("plugin:kv", "set", &args! { key: "a", value: "b" })
        .await
        .unwrap_err();
    assert_eq!(denied.code(), ErrorCode::Forbidden, "{denied}");
    assert!(denied.to_string().contains("plugin:kv.set"), "{denied}");
}

#[cfg(feature = "bindings")]
#[test]
fn the_plugin_appears_under_plugins_in_the_bindings() {
    let app = app(store_file("bindings.json"));
    let ts = switchboard::bindings::Bindings::new(&app)
        .event::<Changed>("kv/changed")
        .typescript()
        .unwrap();
    assert!(ts.contains("export const plugins = {\n  kv: {"), "{ts}");
    assert!(
        ts.contains("get(key: string, options?: InvokeOptions): Promise<string | null>"),
        "{ts}"
    );
    assert!(
        ts.contains(r#"invoke<null>("plugin:kv.set", { key, value }, options)"#),
        "{ts}"
    );
}
