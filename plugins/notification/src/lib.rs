//! # switchboard-plugin-notification
//!
//! Desktop notifications for pages and Rust, on `notify-rust` (what Tauri's notification
//! plugin uses): a title, a body, an icon, action buttons whose clicks come back as bus
//! events (`notification/action`), and the permission state.
//!
//! ```no_run
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use switchboard::{args, App, Capability};
//! use switchboard_plugin_notification::NotificationPlugin;
//!
//! let app = App::builder()
//!     .plugin(NotificationPlugin::new("Notes"))
//!     .capability(Capability::new("main").windows(["main"]).allow(["notification:default"]))
//!     .build()
//!     .unwrap();
//! let main = app.test_client("main");
//! let id: u32 = main
//!     .invoke("plugin:notification", "send", &args! { title: "Exported", body: "notes.md is saved" })
//!     .await
//!     .unwrap();
//! # let _ = id;
//! # });
//! ```
//!
//! ## Where it works
//! On Linux notifications go to the session's notification server over D-Bus
//! (`org.freedesktop.Notifications`); with no session bus or no server every call answers
//! `no_notification_server` (and `permission_state` answers `unavailable`), never hangs.
//! Linux has no per-app permission: where a server answers, the state is `granted`.
//! Action clicks are events where the server supports actions (its capabilities list
//! `actions`). Notifications do not need the runtime: they work under the headless runtime.
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

use serde::{Deserialize, Serialize};
use switchboard::permission::PluginPermissions;
use switchboard::{AppBuilder, AppHandle, Plugin};

/// The permission declarations, as data (see the README's table).
pub const PERMISSIONS: &str = include_str!("../permissions.toml");

/// The topic of action clicks.
pub const ACTION: &str = "notification/action";
/// The topic of closes (dismissed, expired or closed after an action).
pub const CLOSED: &str = "notification/closed";

/// An action button.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Action {
    /// Its id, given back in the `notification/action` event.
    pub id: String,
    /// Its label.
    pub label: String,
}

/// An action was clicked (`notification/action`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ActionClicked {
    /// The notification's id (what `send` answered).
    pub notification: u32,
    /// The action's id (`default` for a click on the notification itself).
    pub action: String,
}

/// A notification was closed (`notification/closed`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Closed {
    /// The notification's id.
    pub notification: u32,
}

/// Whether notifications can be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum PermissionState {
    /// They can: a server answers (Linux asks nobody's permission).
    Granted,
    /// No notification server answers here.
    Unavailable,
}

/// Why a notification call failed (code `app`; `data` is `{ kind, message }`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum NotificationError {
    /// No session bus, or no notification server on it.
    #[error("no notification server: {message}")]
    NoNotificationServer {
        /// What the bus said.
        message: String,
    },
    /// The server refused the notification.
    #[error("the notification failed: {message}")]
    Failed {
        /// The server's message.
        message: String,
    },
}

fn classify(e: notify_rust::error::Error) -> NotificationError {
    let message = e.to_string();
    let no_server = [
        "ServiceUnknown",
        "NameHasNoOwner",
        "No such file",
        "Connection refused",
        "address",
        "Address",
        "session bus",
        "DBUS_SESSION_BUS_ADDRESS",
        "I/O error",
    ];
    if no_server.iter().any(|s| message.contains(s)) {
        NotificationError::NoNotificationServer { message }
    } else {
        NotificationError::Failed { message }
    }
}

/// The actor at `plugin:notification`.
#[derive(Debug, Clone)]
pub struct Notifications {
    app_name: String,
}

#[switchboard::actor]
impl Notifications {
    /// Show a notification; answers its id. Each action's click is published on
    /// `notification/action`, and its close on `notification/closed`.
    #[switchboard(blocking)]
    fn send(
        &self,
        title: String,
        body: Option<String>,
        icon: Option<String>,
        actions: Option<Vec<Action>>,
        app: AppHandle,
    ) -> Result<u32, NotificationError> {
        let mut n = notify_rust::Notification::new();
        n.appname(&self.app_name).summary(&title);
        if let Some(body) = &body {
            n.body(body);
        }
        if let Some(icon) = &icon {
            n.icon(icon);
        }
        let actions = actions.unwrap_or_default();
        for a in &actions {
            n.action(&a.id, &a.label);
        }
        let handle = n.show().map_err(classify)?;
        let id = handle.id();
        tracing::debug!(id, %title, "notification shown");
        if !actions.is_empty() {
            // waits on the bus for this notification's signals, then ends
            let spawned = std::thread::Builder::new()
                .name(format!("notification-{id}"))
                .spawn(move || {
                    handle.wait_for_action(|action| {
                        if action == "__closed" {
                            let _ = app.emit(CLOSED, &Closed { notification: id });
                        } else {
                            let _ = app.emit(
                                ACTION,
                                &ActionClicked {
                                    notification: id,
                                    action: action.to_owned(),
                                },
                            );
                        }
                    })
                });
            if let Err(e) = spawned {
                tracing::warn!(error = %e, "cannot wait for the notification's actions");
            }
        }
        Ok(id)
    }

    /// Whether notifications can be shown here.
    #[switchboard(blocking)]
    fn permission_state(&self) -> PermissionState {
        state()
    }

    /// Ask for permission (Linux asks nobody: the same answer as `permission_state`).
    #[switchboard(blocking)]
    fn request_permission(&self) -> PermissionState {
        state()
    }
}

fn state() -> PermissionState {
    match notify_rust::get_server_information() {
        Ok(_) => PermissionState::Granted,
        Err(e) => {
            tracing::debug!(error = %e, "no notification server");
            PermissionState::Unavailable
        }
    }
}

/// The notification plugin: `App::builder().plugin(NotificationPlugin::new("Notes"))`.
#[derive(Debug, Clone)]
pub struct NotificationPlugin {
    app_name: String,
}

impl NotificationPlugin {
    /// Notifications sent in the name of `app_name`.
    pub fn new(app_name: impl Into<String>) -> Self {
        NotificationPlugin {
            app_name: app_name.into(),
        }
    }

    /// The plugin's permissions.
    pub fn permissions() -> PluginPermissions {
        // part of the crate and parsed by its tests: it cannot fail here
        PluginPermissions::from_toml("notification", PERMISSIONS)
            .unwrap_or_else(|e| panic!("the notification plugin's permissions.toml is broken: {e}"))
    }
}

impl Plugin for NotificationPlugin {
    fn build(self, app: AppBuilder) -> AppBuilder {
        app.plugin_actor(
            "notification",
            Notifications {
                app_name: self.app_name,
            },
        )
        .permissions(Self::permissions())
        .event::<ActionClicked>(ACTION)
        .event::<Closed>(CLOSED)
    }
}
