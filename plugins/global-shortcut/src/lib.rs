//! # switchboard-plugin-global-shortcut
//!
//! System-wide keyboard shortcuts on `global-hotkey` (what Tauri uses): register and
//! unregister accelerators (`ctrl+shift+k`, `CmdOrCtrl+Alt+N`), hear them pressed and
//! released on the bus (`global-shortcut/pressed`, `global-shortcut/released`), and get a
//! typed error for a shortcut that is taken (`already_registered` by this app, `conflict`
//! when another app holds it).
//!
//! ```no_run
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use switchboard::{args, App, Capability};
//! use switchboard_plugin_global_shortcut::GlobalShortcutPlugin;
//!
//! let app = App::builder()
//!     .plugin(GlobalShortcutPlugin::new())
//!     .capability(Capability::new("main").windows(["main"]).allow(["global-shortcut:default"]))
//!     .build()
//!     .unwrap();
//! let main = app.test_client("main");
//! let mut pressed = main.subscribe("global-shortcut/pressed").await.unwrap();
//! main.invoke::<()>("plugin:global-shortcut", "register", &args! { shortcut: "ctrl+shift+k" }).await.unwrap();
//! let event = pressed.next().await.unwrap(); // the user pressed it, in any app
//! # });
//! ```
//!
//! ## Where it works
//! On Linux, X11 (a Wayland session through XWayland only while an X11 window has focus;
//! the portal for global shortcuts is not used yet). The shortcuts are grabbed on a thread
//! of `global-hotkey`'s own; neither the UI thread nor the runtime is involved, so the
//! plugin works under the headless runtime too, given a display. Without a display every
//! call answers `unsupported`.
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::{Mutex, OnceLock};

use global_hotkey::hotkey::HotKey;
use global_hotkey::{GlobalHotKeyEvent, GlobalHotKeyManager, HotKeyState};
use serde::{Deserialize, Serialize};
use switchboard::permission::PluginPermissions;
use switchboard::{AppBuilder, AppHandle, Plugin};

/// The permission declarations, as data (see the README's table).
pub const PERMISSIONS: &str = include_str!("../permissions.toml");

/// The topic of presses.
pub const PRESSED: &str = "global-shortcut/pressed";
/// The topic of releases.
pub const RELEASED: &str = "global-shortcut/released";

/// A shortcut was pressed or released.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Shortcut {
    /// The shortcut as it was registered (`ctrl+shift+k`).
    pub shortcut: String,
}

/// Why a global-shortcut call failed (code `app`; `data` is `{ kind, ... }`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ShortcutError {
    /// No display (or a platform without global shortcuts).
    #[error("unsupported: {message}")]
    Unsupported {
        /// Why.
        message: String,
    },
    /// Not a shortcut `global-hotkey` can read.
    #[error("`{shortcut}` is not a shortcut: {message}")]
    BadShortcut {
        /// What was given.
        shortcut: String,
        /// Why.
        message: String,
    },
    /// This app registered it already.
    #[error("`{shortcut}` is already registered by this app")]
    AlreadyRegistered {
        /// The shortcut.
        shortcut: String,
    },
    /// Another app holds it (the system refused the grab).
    #[error("`{shortcut}` is taken by another app: {message}")]
    Conflict {
        /// The shortcut.
        shortcut: String,
        /// The system's message.
        message: String,
    },
    /// This app has not registered it.
    #[error("`{shortcut}` is not registered")]
    NotRegistered {
        /// The shortcut.
        shortcut: String,
    },
}

/// Where each hotkey's events go: hotkey id to (app, shortcut text). One table per process,
/// as `global-hotkey` has one event channel per process.
type Routes = BTreeMap<u32, (AppHandle, String)>;
static ROUTES: Mutex<Routes> = Mutex::new(BTreeMap::new());
static HANDLER: OnceLock<()> = OnceLock::new();

fn routes() -> std::sync::MutexGuard<'static, Routes> {
    ROUTES.lock().unwrap_or_else(|p| p.into_inner())
}

fn install_handler() {
    HANDLER.get_or_init(|| {
        // called on global-hotkey's thread, never the UI thread
        GlobalHotKeyEvent::set_event_handler(Some(|event: GlobalHotKeyEvent| {
            let route = routes().get(&event.id).cloned();
            if let Some((app, shortcut)) = route {
                let topic = match event.state {
                    HotKeyState::Pressed => PRESSED,
                    HotKeyState::Released => RELEASED,
                };
                tracing::debug!(%shortcut, topic, "global shortcut");
                let _ = app.emit(topic, &Shortcut { shortcut });
            }
        }));
    });
}

fn has_display() -> bool {
    if cfg!(all(unix, not(target_os = "macos"))) {
        std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty())
    } else {
        true
    }
}

/// The actor at `plugin:global-shortcut`: the shortcuts this app holds. A clone (a restart
/// after a panic) starts with none; the hotkeys its predecessor held are released when
/// the predecessor's manager is dropped.
#[derive(Default)]
pub struct Shortcuts {
    manager: Option<GlobalHotKeyManager>,
    held: BTreeMap<String, HotKey>,
}

impl Clone for Shortcuts {
    fn clone(&self) -> Self {
        Shortcuts::default()
    }
}

impl std::fmt::Debug for Shortcuts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shortcuts")
            .field("held", &self.held.keys().collect::<Vec<_>>())
            .finish()
    }
}

fn parse(shortcut: &str) -> Result<HotKey, ShortcutError> {
    HotKey::from_str(shortcut).map_err(|e| ShortcutError::BadShortcut {
        shortcut: shortcut.to_owned(),
        message: e.to_string(),
    })
}

impl Shortcuts {
    fn manager(&mut self) -> Result<&GlobalHotKeyManager, ShortcutError> {
        if self.manager.is_none() {
            if !has_display() {
                return Err(ShortcutError::Unsupported {
                    message: "no display (DISPLAY is not set)".into(),
                });
            }
            let manager = GlobalHotKeyManager::new().map_err(|e| ShortcutError::Unsupported {
                message: e.to_string(),
            })?;
            self.manager = Some(manager);
        }
        self.manager
            .as_ref()
            .ok_or_else(|| ShortcutError::Unsupported {
                message: "no hotkey manager".into(),
            })
    }
}

impl Drop for Shortcuts {
    fn drop(&mut self) {
        if let Some(manager) = &self.manager {
            let mut routes = routes();
            for hotkey in self.held.values() {
                let _ = manager.unregister(*hotkey);
                routes.remove(&hotkey.id());
            }
        }
    }
}

#[switchboard::actor]
impl Shortcuts {
    /// Register `shortcut` (`ctrl+shift+k`): from now on its presses and releases are
    /// published, whichever app has the focus.
    #[switchboard(blocking)]
    fn register(&mut self, shortcut: String, app: AppHandle) -> Result<(), ShortcutError> {
        let hotkey = parse(&shortcut)?;
        if self.held.values().any(|h| h.id() == hotkey.id()) {
            return Err(ShortcutError::AlreadyRegistered { shortcut });
        }
        install_handler();
        self.manager()?.register(hotkey).map_err(|e| match e {
            global_hotkey::Error::AlreadyRegistered(_) => ShortcutError::Conflict {
                shortcut: shortcut.clone(),
                message: e.to_string(),
            },
            other => ShortcutError::Conflict {
                shortcut: shortcut.clone(),
                message: other.to_string(),
            },
        })?;
        routes().insert(hotkey.id(), (app, shortcut.clone()));
        self.held.insert(shortcut, hotkey);
        Ok(())
    }

    /// Release `shortcut`.
    #[switchboard(blocking)]
    fn unregister(&mut self, shortcut: String) -> Result<(), ShortcutError> {
        let hotkey = self
            .held
            .remove(&shortcut)
            .ok_or(ShortcutError::NotRegistered {
                shortcut: shortcut.clone(),
            })?;
        routes().remove(&hotkey.id());
        self.manager()?
            .unregister(hotkey)
            .map_err(|e| ShortcutError::Unsupported {
                message: e.to_string(),
            })
    }

    /// Release every shortcut of this app.
    #[switchboard(blocking)]
    fn unregister_all(&mut self) -> Result<(), ShortcutError> {
        let held: Vec<String> = self.held.keys().cloned().collect();
        for shortcut in held {
            self.unregister(shortcut)?;
        }
        Ok(())
    }

    /// Whether this app holds `shortcut`.
    fn is_registered(&self, shortcut: String) -> bool {
        self.held.contains_key(&shortcut)
    }

    /// The shortcuts this app holds.
    fn registered(&self) -> Vec<String> {
        self.held.keys().cloned().collect()
    }
}

/// The global-shortcut plugin: `App::builder().plugin(GlobalShortcutPlugin::new())`.
#[derive(Debug, Clone, Default)]
pub struct GlobalShortcutPlugin;

impl GlobalShortcutPlugin {
    /// The plugin.
    pub fn new() -> Self {
        GlobalShortcutPlugin
    }

    /// The plugin's permissions.
    pub fn permissions() -> PluginPermissions {
        // part of the crate and parsed by its tests: it cannot fail here
        PluginPermissions::from_toml("global-shortcut", PERMISSIONS).unwrap_or_else(|e| {
            panic!("the global-shortcut plugin's permissions.toml is broken: {e}")
        })
    }
}

impl Plugin for GlobalShortcutPlugin {
    fn build(self, app: AppBuilder) -> AppBuilder {
        app.plugin_actor("global-shortcut", Shortcuts::default())
            .permissions(Self::permissions())
            .event::<Shortcut>(PRESSED)
            .event::<Shortcut>(RELEASED)
    }
}
