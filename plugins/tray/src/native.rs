//! The UI thread's side: `tray_icon::TrayIcon`s by id (they live and die on the UI thread),
//! and the click handler that publishes `tray/<id>/clicked`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use switchboard::AppHandle;
use tray_icon::{MouseButton, TrayIcon, TrayIconBuilder, TrayIconEvent};

use crate::{Icon, Item, TrayClicked, TrayError};

thread_local! {
    static TRAYS: RefCell<HashMap<String, TrayIcon>> = RefCell::new(HashMap::new());
}

static APP: Mutex<Option<AppHandle>> = Mutex::new(None);
static HANDLER: OnceLock<()> = OnceLock::new();

/// Publish clicks on tray icons on `app`'s bus.
pub(crate) fn listen(app: &AppHandle) {
    *APP.lock().unwrap_or_else(|p| p.into_inner()) = Some(app.clone());
    HANDLER.get_or_init(|| {
        TrayIconEvent::set_event_handler(Some(|event: TrayIconEvent| {
            if let TrayIconEvent::Click { id, button, .. } = event {
                let button = match button {
                    MouseButton::Left => "left",
                    MouseButton::Right => "right",
                    MouseButton::Middle => "middle",
                };
                let app = APP.lock().unwrap_or_else(|p| p.into_inner()).clone();
                if let Some(app) = app {
                    let id = id.0;
                    let _ = app.emit(
                        &format!("tray/{id}/clicked"),
                        &TrayClicked {
                            id,
                            button: button.into(),
                        },
                    );
                }
            }
        }));
    });
}

fn failed(e: impl std::fmt::Display) -> TrayError {
    TrayError::Failed {
        message: e.to_string(),
    }
}

fn icon(icon: Icon) -> Result<tray_icon::Icon, TrayError> {
    tray_icon::Icon::from_rgba(icon.rgba.into_vec(), icon.width, icon.height).map_err(failed)
}

fn menu(items: &[Item]) -> Result<Box<dyn tray_icon::menu::ContextMenu>, TrayError> {
    let menu = switchboard_plugin_menu::native::build_menu(items).map_err(failed)?;
    Ok(Box::new(menu))
}

fn with<T>(id: &str, f: impl FnOnce(&TrayIcon) -> Result<T, TrayError>) -> Result<T, TrayError> {
    TRAYS.with(|t| match t.borrow().get(id) {
        Some(tray) => f(tray),
        None => Err(TrayError::Unknown { id: id.to_owned() }),
    })
}

pub(crate) fn create(tray: crate::Tray) -> Result<(), TrayError> {
    let mut builder = TrayIconBuilder::new().with_id(tray.id.as_str());
    if let Some(t) = &tray.tooltip {
        builder = builder.with_tooltip(t);
    }
    if let Some(i) = tray.icon {
        builder = builder.with_icon(icon(i)?);
    }
    if let Some(items) = &tray.menu {
        builder = builder.with_menu(menu(items)?);
    }
    let built = builder.build().map_err(|e| TrayError::Unsupported {
        message: e.to_string(),
    })?;
    TRAYS.with(|t| t.borrow_mut().insert(tray.id, built));
    Ok(())
}

pub(crate) fn remove(id: &str) -> Result<(), TrayError> {
    TRAYS.with(|t| t.borrow_mut().remove(id));
    Ok(())
}

pub(crate) fn set_icon(id: &str, new: Option<Icon>) -> Result<(), TrayError> {
    let new = new.map(icon).transpose()?;
    with(id, |t| t.set_icon(new).map_err(failed))
}

pub(crate) fn set_tooltip(id: &str, text: Option<String>) -> Result<(), TrayError> {
    with(id, |t| t.set_tooltip(text).map_err(failed))
}

pub(crate) fn set_menu(id: &str, items: Option<Vec<Item>>) -> Result<(), TrayError> {
    let new = items.as_deref().map(menu).transpose()?;
    with(id, |t| {
        t.set_menu(new);
        Ok(())
    })
}

pub(crate) fn set_visible(id: &str, visible: bool) -> Result<(), TrayError> {
    with(id, |t| t.set_visible(visible).map_err(failed))
}
