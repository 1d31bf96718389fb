//! # switchboard-plugin-menu
//!
//! Menus on `muda` (what Tauri uses): a menu bar in a window, context menus at the cursor,
//! items, submenus, check items, separators and accelerators, and items' text, enabled and
//! checked state changed at run time. A click is a plain bus event, `menu/<id>/clicked`,
//! that any window granted `menu:allow-listen` (or Rust, with `app.listen`) hears.
//!
//! Menus are declared in Rust or built from a page, with the same data ([`Item`]):
//!
//! ```no_run
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use switchboard::{App, WindowSpec};
//! use switchboard_plugin_menu::{Item, MenuPlugin};
//!
//! let app = App::builder().plugin(MenuPlugin::new()).window(WindowSpec::new("main")).build().unwrap();
//! let file = Item::submenu("File", [
//!     Item::new("export", "Export…").accelerator("CmdOrCtrl+E"),
//!     Item::check("autosave", "Autosave", true),
//!     Item::separator(),
//!     Item::new("quit", "Quit").accelerator("CmdOrCtrl+Q"),
//! ]);
//! switchboard_plugin_menu::set_window_menu(&app, "main", vec![file]).await.unwrap();
//! app.listen("menu/export/clicked", |_| println!("export!")).unwrap();
//! # });
//! ```
//!
//! ## Threads
//! Menus are native objects of the UI thread. The actor (`plugin:menu`) checks what a page
//! asks, then posts the work to the UI thread through the runtime's
//! [`on_ui`](switchboard::Runtime::on_ui) seam, and waits for its answer on its own task,
//! never on the UI thread. A click is published from the UI thread, without waiting.
//! Under the headless runtime there is no UI thread: every menu call answers
//! `unsupported`, the rest of the app runs on.
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

#[doc(hidden)]
pub mod native;

use serde::{Deserialize, Serialize};
use switchboard::permission::PluginPermissions;
use switchboard::{AppBuilder, AppHandle, Plugin};
use tokio::sync::oneshot;

/// The permission declarations, as data (see the README's table).
pub const PERMISSIONS: &str = include_str!("../permissions.toml");

/// One entry of a menu.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Item {
    /// A clickable item.
    Item {
        /// Its id: clicks are published on `menu/<id>/clicked` (1 to 64 of `A-Z a-z 0-9 _ -`).
        id: String,
        /// Its label.
        text: String,
        /// A shortcut while the window has focus, e.g. `CmdOrCtrl+S`.
        accelerator: Option<String>,
        /// Whether it can be clicked (default yes).
        enabled: Option<bool>,
    },
    /// An item with a check mark, toggled by a click.
    Check {
        /// Its id.
        id: String,
        /// Its label.
        text: String,
        /// Whether it starts checked.
        checked: bool,
        /// A shortcut.
        accelerator: Option<String>,
        /// Whether it can be clicked (default yes).
        enabled: Option<bool>,
    },
    /// A submenu (the entries of a menu bar are submenus).
    Submenu {
        /// Its label.
        text: String,
        /// Its entries.
        items: Vec<Item>,
        /// Whether it opens (default yes).
        enabled: Option<bool>,
    },
    /// A line between groups.
    Separator,
}

impl Item {
    /// A clickable item.
    pub fn new(id: &str, text: &str) -> Self {
        Item::Item {
            id: id.into(),
            text: text.into(),
            accelerator: None,
            enabled: None,
        }
    }

    /// A check item.
    pub fn check(id: &str, text: &str, checked: bool) -> Self {
        Item::Check {
            id: id.into(),
            text: text.into(),
            checked,
            accelerator: None,
            enabled: None,
        }
    }

    /// A submenu.
    pub fn submenu(text: &str, items: impl IntoIterator<Item = Item>) -> Self {
        Item::Submenu {
            text: text.into(),
            items: items.into_iter().collect(),
            enabled: None,
        }
    }

    /// A separator.
    pub fn separator() -> Self {
        Item::Separator
    }

    /// With a shortcut (items and check items).
    pub fn accelerator(mut self, shortcut: &str) -> Self {
        if let Item::Item { accelerator, .. } | Item::Check { accelerator, .. } = &mut self {
            *accelerator = Some(shortcut.into());
        }
        self
    }

    /// Enabled or not.
    pub fn enabled(mut self, on: bool) -> Self {
        match &mut self {
            Item::Item { enabled, .. }
            | Item::Check { enabled, .. }
            | Item::Submenu { enabled, .. } => *enabled = Some(on),
            Item::Separator => {}
        }
        self
    }
}

/// A click (`menu/<id>/clicked`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct MenuClicked {
    /// The item's id.
    pub id: String,
    /// For a check item, whether it is checked after the click.
    pub checked: Option<bool>,
}

/// An item's state, as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ItemState {
    /// Its label.
    pub text: String,
    /// Whether it can be clicked.
    pub enabled: bool,
    /// For a check item, whether it is checked.
    pub checked: Option<bool>,
}

/// Why a menu call failed (code `app`; `data` is `{ kind, ... }`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum MenuError {
    /// This runtime has no UI thread (the headless runtime) or this platform no menus.
    #[error("unsupported: {message}")]
    Unsupported {
        /// Why.
        message: String,
    },
    /// An id that cannot be part of a topic, or used twice.
    #[error("menu item id `{id}`: {message}")]
    BadId {
        /// The id.
        id: String,
        /// Why.
        message: String,
    },
    /// An accelerator muda cannot read.
    #[error("accelerator `{accelerator}`: {message}")]
    BadAccelerator {
        /// The accelerator.
        accelerator: String,
        /// Why.
        message: String,
    },
    /// No open window has that label.
    #[error("no window labelled `{window}`")]
    UnknownWindow {
        /// The label.
        window: String,
    },
    /// No item with that id is shown.
    #[error("no menu item `{id}`")]
    UnknownItem {
        /// The id.
        id: String,
    },
    /// The toolkit refused.
    #[error("the menu failed: {message}")]
    Failed {
        /// Its message.
        message: String,
    },
}

/// Check ids (topic-safe, unique) and accelerators before anything is posted to the UI.
pub fn validate(items: &[Item]) -> Result<(), MenuError> {
    fn walk(items: &[Item], seen: &mut std::collections::HashSet<String>) -> Result<(), MenuError> {
        for item in items {
            let (id, accelerator) = match item {
                Item::Item {
                    id, accelerator, ..
                }
                | Item::Check {
                    id, accelerator, ..
                } => (id, accelerator),
                Item::Submenu { items, .. } => {
                    walk(items, seen)?;
                    continue;
                }
                Item::Separator => continue,
            };
            let ok = !id.is_empty()
                && id.len() <= 64
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            if !ok {
                return Err(MenuError::BadId {
                    id: id.clone(),
                    message: "an id is 1 to 64 of A-Z a-z 0-9 _ -".into(),
                });
            }
            if !seen.insert(id.clone()) {
                return Err(MenuError::BadId {
                    id: id.clone(),
                    message: "used twice in one menu".into(),
                });
            }
            if let Some(a) = accelerator {
                a.parse::<muda::accelerator::Accelerator>().map_err(|e| {
                    MenuError::BadAccelerator {
                        accelerator: a.clone(),
                        message: e.to_string(),
                    }
                })?;
            }
        }
        Ok(())
    }
    walk(items, &mut std::collections::HashSet::new())
}

/// Run `work` on the UI thread and wait (on this task) for its answer.
pub(crate) async fn on_ui<T: Send + 'static>(
    app: &AppHandle,
    work: impl FnOnce(&dyn switchboard::runtime::UiContext) -> Result<T, MenuError> + Send + 'static,
) -> Result<T, MenuError> {
    let (tx, rx) = oneshot::channel();
    app.runtime()
        .on_ui(Box::new(move |ui| {
            let _ = tx.send(work(ui));
        }))
        .map_err(|e| MenuError::Unsupported {
            message: e.to_string(),
        })?;
    rx.await.map_err(|_| MenuError::Failed {
        message: "the UI thread stopped before it ran the menu's work".into(),
    })?
}

/// Give window `window` the menu bar `items` (replacing the one it has), from Rust.
pub async fn set_window_menu(
    app: &AppHandle,
    window: &str,
    items: Vec<Item>,
) -> Result<(), MenuError> {
    validate(&items)?;
    native::listen(app);
    let window = window.to_owned();
    on_ui(app, move |ui| native::set_window_menu(ui, &window, &items)).await
}

/// The actor at `plugin:menu`.
#[derive(Debug, Clone, Default)]
pub struct Menus;

#[switchboard::actor]
impl Menus {
    /// Give window `window` the menu bar `items` (submenus), replacing the one it has.
    async fn set_window_menu(
        &mut self,
        window: String,
        items: Vec<Item>,
        app: AppHandle,
    ) -> Result<(), MenuError> {
        set_window_menu(&app, &window, items).await
    }

    /// Remove window `window`'s menu bar.
    async fn remove_window_menu(
        &mut self,
        window: String,
        app: AppHandle,
    ) -> Result<(), MenuError> {
        on_ui(&app, move |ui| native::remove_window_menu(ui, &window)).await
    }

    /// Show `items` as a context menu over window `window`, at the cursor (or at `x`, `y`
    /// in the window, logical pixels). Answers once it is shown (not when it closes); its
    /// clicks are events.
    async fn popup(
        &mut self,
        window: String,
        items: Vec<Item>,
        x: Option<f64>,
        y: Option<f64>,
        app: AppHandle,
    ) -> Result<(), MenuError> {
        validate(&items)?;
        native::listen(&app);
        let at = x.zip(y);
        let (tx, rx) = oneshot::channel();
        app.runtime()
            .on_ui(Box::new(move |ui| {
                native::popup(ui, &window, &items, at, move |shown| {
                    let _ = tx.send(shown);
                })
            }))
            .map_err(|e| MenuError::Unsupported {
                message: e.to_string(),
            })?;
        rx.await.map_err(|_| MenuError::Failed {
            message: "the UI thread stopped before it showed the menu".into(),
        })?
    }

    /// Change item `id`'s label.
    async fn set_text(
        &mut self,
        id: String,
        text: String,
        app: AppHandle,
    ) -> Result<(), MenuError> {
        on_ui(&app, move |_| {
            native::update(&id, native::Change::Text(text))
        })
        .await
    }

    /// Enable or disable item `id`.
    async fn set_enabled(
        &mut self,
        id: String,
        enabled: bool,
        app: AppHandle,
    ) -> Result<(), MenuError> {
        on_ui(&app, move |_| {
            native::update(&id, native::Change::Enabled(enabled))
        })
        .await
    }

    /// Check or uncheck check item `id`.
    async fn set_checked(
        &mut self,
        id: String,
        checked: bool,
        app: AppHandle,
    ) -> Result<(), MenuError> {
        on_ui(&app, move |_| {
            native::update(&id, native::Change::Checked(checked))
        })
        .await
    }

    /// Item `id`'s text, enabled and checked state as shown.
    async fn state(&mut self, id: String, app: AppHandle) -> Result<ItemState, MenuError> {
        on_ui(&app, move |_| native::state(&id)).await
    }
}

/// The menu plugin: `App::builder().plugin(MenuPlugin::new())`.
#[derive(Debug, Clone, Default)]
pub struct MenuPlugin;

impl MenuPlugin {
    /// The plugin.
    pub fn new() -> Self {
        MenuPlugin
    }

    /// The plugin's permissions.
    pub fn permissions() -> PluginPermissions {
        // part of the crate and parsed by its tests: it cannot fail here
        PluginPermissions::from_toml("menu", PERMISSIONS)
            .unwrap_or_else(|e| panic!("the menu plugin's permissions.toml is broken: {e}"))
    }
}

impl Plugin for MenuPlugin {
    fn build(self, app: AppBuilder) -> AppBuilder {
        app.plugin_actor("menu", Menus)
            .permissions(Self::permissions())
    }
}
