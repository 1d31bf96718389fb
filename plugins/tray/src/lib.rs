//! # switchboard-plugin-tray
//!
//! Tray icons on `tray-icon` (what Tauri uses; libayatana-appindicator on Linux): an icon
//! (RGBA pixels), a tooltip, a menu (the menu plugin's [`Item`]s: its clicks are
//! `menu/<id>/clicked` events), shown or hidden, and clicks on the icon as
//! `tray/<id>/clicked` where the platform reports them (Windows and macOS; on Linux the
//! StatusNotifier protocol gives the click to the menu).
//!
//! ```no_run
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use switchboard::App;
//! use switchboard_plugin_menu::Item;
//! use switchboard_plugin_tray::{Icon, Tray, TrayPlugin};
//! let app = App::builder().plugin(TrayPlugin::new()).build().unwrap();
//! let tray = Tray::new("main").tooltip("Notes").icon(Icon::solid(16, 16, [40, 120, 200, 255]))
//!     .menu(vec![Item::new("show", "Show"), Item::new("quit", "Quit")]);
//! switchboard_plugin_tray::create(&app, tray).await.unwrap();
//! # });
//! ```
//!
//! ## Threads and state
//! The tray's native objects live on the UI thread; the actor (`plugin:tray`) keeps each
//! tray's state (what a page reads with `state`), posts every change to the UI thread
//! through the runtime's [`on_ui`](switchboard::Runtime::on_ui) seam and waits for its
//! answer on its own task. Under the headless runtime there is no UI thread: `create`
//! answers `unsupported`.
//!
//! On Linux the tooltip is kept in the state but not shown: libayatana-appindicator has
//! none.
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

mod native;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use switchboard::permission::PluginPermissions;
use switchboard::{AppBuilder, AppHandle, Plugin};
pub use switchboard_plugin_menu::Item;
use tokio::sync::oneshot;

/// The permission declarations, as data (see the README's table).
pub const PERMISSIONS: &str = include_str!("../permissions.toml");

/// An icon: `width × height` RGBA pixels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Icon {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height * 4` bytes.
    #[specta(type = Vec<u8>)]
    pub rgba: ByteBuf,
}

impl Icon {
    /// A square of one colour.
    pub fn solid(width: u32, height: u32, rgba: [u8; 4]) -> Self {
        Icon {
            width,
            height,
            rgba: ByteBuf::from(rgba.repeat((width * height) as usize)),
        }
    }
}

/// A tray icon to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Tray {
    /// Its id (1 to 64 of `A-Z a-z 0-9 _ -`): clicks are `tray/<id>/clicked`.
    pub id: String,
    /// The icon.
    pub icon: Option<Icon>,
    /// The tooltip.
    pub tooltip: Option<String>,
    /// The menu.
    pub menu: Option<Vec<Item>>,
}

impl Tray {
    /// A tray icon with id `id` and nothing else yet.
    pub fn new(id: &str) -> Self {
        Tray {
            id: id.into(),
            icon: None,
            tooltip: None,
            menu: None,
        }
    }

    /// With a tooltip.
    pub fn tooltip(mut self, text: &str) -> Self {
        self.tooltip = Some(text.into());
        self
    }

    /// With an icon.
    pub fn icon(mut self, icon: Icon) -> Self {
        self.icon = Some(icon);
        self
    }

    /// With a menu.
    pub fn menu(mut self, items: Vec<Item>) -> Self {
        self.menu = Some(items);
        self
    }
}

/// A tray icon's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct TrayState {
    /// Its tooltip.
    pub tooltip: Option<String>,
    /// Whether it is shown.
    pub visible: bool,
    /// Whether it has a menu.
    pub has_menu: bool,
}

/// A click on a tray icon (`tray/<id>/clicked`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct TrayClicked {
    /// The tray's id.
    pub id: String,
    /// `left`, `right` or `middle`.
    pub button: String,
}

/// Why a tray call failed (code `app`; `data` is `{ kind, ... }`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum TrayError {
    /// No UI thread (the headless runtime), or no tray on this desktop.
    #[error("unsupported: {message}")]
    Unsupported {
        /// Why.
        message: String,
    },
    /// A bad id, icon or menu.
    #[error("invalid tray: {message}")]
    Invalid {
        /// Why.
        message: String,
    },
    /// No tray icon with that id.
    #[error("no tray icon `{id}`")]
    Unknown {
        /// The id.
        id: String,
    },
    /// The platform refused.
    #[error("the tray failed: {message}")]
    Failed {
        /// Its message.
        message: String,
    },
}

fn check_id(id: &str) -> Result<(), TrayError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(TrayError::Invalid {
            message: format!("id `{id}`: an id is 1 to 64 of A-Z a-z 0-9 _ -"),
        })
    }
}

fn check_icon(icon: &Option<Icon>) -> Result<(), TrayError> {
    if let Some(i) = icon {
        let expected = u64::from(i.width) * u64::from(i.height) * 4;
        if expected != i.rgba.len() as u64 || expected == 0 {
            return Err(TrayError::Invalid {
                message: format!(
                    "an icon of {}×{} needs {expected} bytes of RGBA, not {}",
                    i.width,
                    i.height,
                    i.rgba.len()
                ),
            });
        }
    }
    Ok(())
}

fn check_menu(menu: &Option<Vec<Item>>) -> Result<(), TrayError> {
    if let Some(items) = menu {
        switchboard_plugin_menu::validate(items).map_err(|e| TrayError::Invalid {
            message: e.to_string(),
        })?;
    }
    Ok(())
}

async fn on_ui<T: Send + 'static>(
    app: &AppHandle,
    work: impl FnOnce() -> Result<T, TrayError> + Send + 'static,
) -> Result<T, TrayError> {
    let (tx, rx) = oneshot::channel();
    app.runtime()
        .on_ui(Box::new(move |_| {
            let _ = tx.send(work());
        }))
        .map_err(|e| TrayError::Unsupported {
            message: e.to_string(),
        })?;
    rx.await.map_err(|_| TrayError::Failed {
        message: "the UI thread stopped before it ran the tray's work".into(),
    })?
}

/// Create a tray icon from Rust (what `plugin:tray.create` does for a page).
pub async fn create(app: &AppHandle, tray: Tray) -> Result<(), TrayError> {
    app.actor::<Trays>("plugin:tray")
        .create(tray)
        .await
        .map_err(|e| TrayError::Failed {
            message: e.to_string(),
        })
}

/// The actor at `plugin:tray`: each tray's state; the native icons live on the UI thread.
#[derive(Debug, Clone, Default)]
pub struct Trays {
    trays: BTreeMap<String, TrayState>,
}

impl Trays {
    fn known(&mut self, id: &str) -> Result<&mut TrayState, TrayError> {
        self.trays
            .get_mut(id)
            .ok_or_else(|| TrayError::Unknown { id: id.to_owned() })
    }
}

#[switchboard::actor]
impl Trays {
    /// Create a tray icon (replacing one with the same id).
    async fn create(&mut self, tray: Tray, app: AppHandle) -> Result<(), TrayError> {
        check_id(&tray.id)?;
        check_icon(&tray.icon)?;
        check_menu(&tray.menu)?;
        switchboard_plugin_menu::native::listen(&app);
        native::listen(&app);
        let state = TrayState {
            tooltip: tray.tooltip.clone(),
            visible: true,
            has_menu: tray.menu.is_some(),
        };
        let id = tray.id.clone();
        on_ui(&app, move || native::create(tray)).await?;
        self.trays.insert(id, state);
        Ok(())
    }

    /// Remove a tray icon.
    async fn remove(&mut self, id: String, app: AppHandle) -> Result<(), TrayError> {
        self.known(&id)?;
        let native_id = id.clone();
        on_ui(&app, move || native::remove(&native_id)).await?;
        self.trays.remove(&id);
        Ok(())
    }

    /// Replace the icon.
    async fn set_icon(&mut self, id: String, icon: Icon, app: AppHandle) -> Result<(), TrayError> {
        self.known(&id)?;
        let icon = Some(icon);
        check_icon(&icon)?;
        on_ui(&app, move || native::set_icon(&id, icon)).await
    }

    /// Set or clear the tooltip.
    async fn set_tooltip(
        &mut self,
        id: String,
        tooltip: Option<String>,
        app: AppHandle,
    ) -> Result<(), TrayError> {
        self.known(&id)?;
        let (native_id, text) = (id.clone(), tooltip.clone());
        on_ui(&app, move || native::set_tooltip(&native_id, text)).await?;
        self.known(&id)?.tooltip = tooltip;
        Ok(())
    }

    /// Set or clear the menu.
    async fn set_menu(
        &mut self,
        id: String,
        menu: Option<Vec<Item>>,
        app: AppHandle,
    ) -> Result<(), TrayError> {
        self.known(&id)?;
        check_menu(&menu)?;
        let has_menu = menu.is_some();
        let native_id = id.clone();
        on_ui(&app, move || native::set_menu(&native_id, menu)).await?;
        self.known(&id)?.has_menu = has_menu;
        Ok(())
    }

    /// Show or hide the icon.
    async fn set_visible(
        &mut self,
        id: String,
        visible: bool,
        app: AppHandle,
    ) -> Result<(), TrayError> {
        self.known(&id)?;
        let native_id = id.clone();
        on_ui(&app, move || native::set_visible(&native_id, visible)).await?;
        self.known(&id)?.visible = visible;
        Ok(())
    }

    /// A tray icon's state.
    async fn state(&mut self, id: String) -> Result<TrayState, TrayError> {
        self.known(&id).cloned()
    }
}

/// The tray plugin: `App::builder().plugin(TrayPlugin::new())`.
#[derive(Debug, Clone, Default)]
pub struct TrayPlugin;

impl TrayPlugin {
    /// The plugin.
    pub fn new() -> Self {
        TrayPlugin
    }

    /// The plugin's permissions.
    pub fn permissions() -> PluginPermissions {
        // part of the crate and parsed by its tests: it cannot fail here
        PluginPermissions::from_toml("tray", PERMISSIONS)
            .unwrap_or_else(|e| panic!("the tray plugin's permissions.toml is broken: {e}"))
    }
}

impl Plugin for TrayPlugin {
    fn build(self, app: AppBuilder) -> AppBuilder {
        app.plugin_actor("tray", Trays::default())
            .permissions(Self::permissions())
    }
}
