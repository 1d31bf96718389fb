//! The UI thread's side: muda menus built from [`Item`]s, kept in a thread-local registry
//! (muda's objects live and die on the UI thread), and the click handler that publishes
//! `menu/<id>/clicked`. Everything here runs inside a [`UiTask`](switchboard::runtime::UiTask)
//! or muda's handler, on the UI thread; nothing waits on the bus.
//!
//! Public for the tray plugin, whose menus are muda menus too.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use muda::{CheckMenuItem, ContextMenu, IsMenuItem, Menu, MenuItem, PredefinedMenuItem, Submenu};
use switchboard::runtime::UiContext;
use switchboard::AppHandle;

use crate::{Item, ItemState, MenuClicked, MenuError};

/// A built item that can be changed later.
#[derive(Clone)]
enum Built {
    Item(MenuItem),
    Check(CheckMenuItem),
}

thread_local! {
    /// Every item shown, by id (the last one built wins).
    static ITEMS: RefCell<HashMap<String, Built>> = RefCell::new(HashMap::new());
    /// The menu bar of each window.
    static BARS: RefCell<HashMap<String, Menu>> = RefCell::new(HashMap::new());
    /// The context menu shown last (kept alive while it is open).
    static POPUP: RefCell<Option<Menu>> = const { RefCell::new(None) };
}

/// The app clicks are published to (the last one that built a menu).
static APP: Mutex<Option<AppHandle>> = Mutex::new(None);
static HANDLER: OnceLock<()> = OnceLock::new();

/// Publish clicks of muda menus (this plugin's and the tray's) on `app`'s bus.
pub fn listen(app: &AppHandle) {
    *APP.lock().unwrap_or_else(|p| p.into_inner()) = Some(app.clone());
    HANDLER.get_or_init(|| {
        muda::MenuEvent::set_event_handler(Some(|event: muda::MenuEvent| {
            let id = event.id.0;
            // muda calls this on the UI thread, where the registry lives
            let checked = ITEMS.with(|items| match items.borrow().get(&id) {
                Some(Built::Check(c)) => Some(c.is_checked()),
                _ => None,
            });
            let app = APP.lock().unwrap_or_else(|p| p.into_inner()).clone();
            if let Some(app) = app {
                tracing::debug!(%id, "menu item clicked");
                let _ = app.emit(&format!("menu/{id}/clicked"), &MenuClicked { id, checked });
            }
        }));
    });
}

fn failed(e: muda::Error) -> MenuError {
    MenuError::Failed {
        message: e.to_string(),
    }
}

fn accelerator(a: &Option<String>) -> Result<Option<muda::accelerator::Accelerator>, MenuError> {
    a.as_deref()
        .map(|text| {
            text.parse()
                .map_err(
                    |e: muda::accelerator::AcceleratorParseError| MenuError::BadAccelerator {
                        accelerator: text.to_owned(),
                        message: e.to_string(),
                    },
                )
        })
        .transpose()
}

/// Build `items` into something `append` takes, registering the changeable ones.
fn build_one(item: &Item) -> Result<Box<dyn IsMenuItem>, MenuError> {
    Ok(match item {
        Item::Item {
            id,
            text,
            accelerator: a,
            enabled,
        } => {
            let built =
                MenuItem::with_id(id.as_str(), text, enabled.unwrap_or(true), accelerator(a)?);
            ITEMS.with(|i| {
                i.borrow_mut()
                    .insert(id.clone(), Built::Item(built.clone()))
            });
            Box::new(built)
        }
        Item::Check {
            id,
            text,
            checked,
            accelerator: a,
            enabled,
        } => {
            let built = CheckMenuItem::with_id(
                id.as_str(),
                text,
                enabled.unwrap_or(true),
                *checked,
                accelerator(a)?,
            );
            ITEMS.with(|i| {
                i.borrow_mut()
                    .insert(id.clone(), Built::Check(built.clone()))
            });
            Box::new(built)
        }
        Item::Submenu {
            text,
            items,
            enabled,
        } => {
            let sub = Submenu::new(text, enabled.unwrap_or(true));
            for child in items {
                sub.append(build_one(child)?.as_ref()).map_err(failed)?;
            }
            Box::new(sub)
        }
        Item::Separator => Box::new(PredefinedMenuItem::separator()),
    })
}

/// A muda menu of `items` (for a menu bar, a context menu, or a tray icon).
pub fn build_menu(items: &[Item]) -> Result<Menu, MenuError> {
    let menu = Menu::new();
    for item in items {
        menu.append(build_one(item)?.as_ref()).map_err(failed)?;
    }
    Ok(menu)
}

#[cfg(target_os = "linux")]
fn gtk_window<'a>(
    ui: &'a dyn UiContext,
    window: &str,
) -> Result<&'a gtk::ApplicationWindow, MenuError> {
    ui.window(window)
        .ok_or_else(|| MenuError::UnknownWindow {
            window: window.to_owned(),
        })?
        .downcast_ref::<gtk::ApplicationWindow>()
        .ok_or_else(|| MenuError::Unsupported {
            message: "the runtime's windows are not GTK windows".into(),
        })
}

pub(crate) fn set_window_menu(
    ui: &dyn UiContext,
    window: &str,
    items: &[Item],
) -> Result<(), MenuError> {
    #[cfg(target_os = "linux")]
    {
        let gtk_window = gtk_window(ui, window)?;
        let container = ui
            .container(window)
            .and_then(|c| c.downcast_ref::<gtk::Box>());
        let menu = build_menu(items)?;
        if let Some(old) = BARS.with(|b| b.borrow_mut().remove(window)) {
            let _ = old.remove_for_gtk_window(gtk_window);
        }
        menu.init_for_gtk_window(gtk_window, container)
            .map_err(failed)?;
        BARS.with(|b| b.borrow_mut().insert(window.to_owned(), menu));
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (ui, window, items);
        Err(MenuError::Unsupported {
            message: "window menus are implemented for Linux (GTK) so far".into(),
        })
    }
}

pub(crate) fn remove_window_menu(ui: &dyn UiContext, window: &str) -> Result<(), MenuError> {
    #[cfg(target_os = "linux")]
    {
        let gtk_window = gtk_window(ui, window)?;
        if let Some(old) = BARS.with(|b| b.borrow_mut().remove(window)) {
            old.remove_for_gtk_window(gtk_window).map_err(failed)?;
        }
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (ui, window);
        Err(MenuError::Unsupported {
            message: "window menus are implemented for Linux (GTK) so far".into(),
        })
    }
}

/// Show `items` as a context menu over `window`. `shown` is called once the menu is built
/// and about to open; muda then runs a nested GTK loop until the menu closes (the UI thread
/// keeps serving meanwhile), and clicks arrive as events.
pub(crate) fn popup(
    ui: &dyn UiContext,
    window: &str,
    items: &[Item],
    at: Option<(f64, f64)>,
    shown: impl FnOnce(Result<(), MenuError>),
) {
    #[cfg(target_os = "linux")]
    {
        use gtk::prelude::Cast;
        let built = gtk_window(ui, window).and_then(|w| Ok((w.clone(), build_menu(items)?)));
        let (gtk_window, menu) = match built {
            Ok(built) => built,
            Err(e) => return shown(Err(e)),
        };
        let position =
            at.map(|(x, y)| muda::dpi::Position::Logical(muda::dpi::LogicalPosition::new(x, y)));
        POPUP.with(|p| *p.borrow_mut() = Some(menu.clone()));
        shown(Ok(()));
        let window: &gtk::Window = gtk_window.upcast_ref();
        menu.show_context_menu_for_gtk_window(window, position);
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (ui, window, items, at);
        shown(Err(MenuError::Unsupported {
            message: "context menus are implemented for Linux (GTK) so far".into(),
        }))
    }
}

/// A change to one item.
pub(crate) enum Change {
    Text(String),
    Enabled(bool),
    Checked(bool),
}

pub(crate) fn update(id: &str, change: Change) -> Result<(), MenuError> {
    let built = ITEMS
        .with(|i| i.borrow().get(id).cloned())
        .ok_or_else(|| MenuError::UnknownItem { id: id.to_owned() })?;
    match (built, change) {
        (Built::Item(i), Change::Text(t)) => i.set_text(t),
        (Built::Check(c), Change::Text(t)) => c.set_text(t),
        (Built::Item(i), Change::Enabled(on)) => i.set_enabled(on),
        (Built::Check(c), Change::Enabled(on)) => c.set_enabled(on),
        (Built::Check(c), Change::Checked(on)) => c.set_checked(on),
        (Built::Item(_), Change::Checked(_)) => {
            return Err(MenuError::BadId {
                id: id.to_owned(),
                message: "not a check item".into(),
            })
        }
    }
    Ok(())
}

pub(crate) fn state(id: &str) -> Result<ItemState, MenuError> {
    let built = ITEMS
        .with(|i| i.borrow().get(id).cloned())
        .ok_or_else(|| MenuError::UnknownItem { id: id.to_owned() })?;
    Ok(match built {
        Built::Item(i) => ItemState {
            text: i.text(),
            enabled: i.is_enabled(),
            checked: None,
        },
        Built::Check(c) => ItemState {
            text: c.text(),
            enabled: c.is_enabled(),
            checked: Some(c.is_checked()),
        },
    })
}
