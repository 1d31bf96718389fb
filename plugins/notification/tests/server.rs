//! Notifications against a real notification server on a private D-Bus session: a
//! `dbus-daemon` of our own (no service files, so nothing is activated behind our back) and
//! a small `org.freedesktop.Notifications` server on `zbus` that records what it received
//! and clicks actions. One test in this binary: it sets `DBUS_SESSION_BUS_ADDRESS` for the
//! process before any thread starts. Needs `dbus-daemon` (package `dbus`).

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use switchboard::{args, App, Capability};
use switchboard_plugin_notification::{ActionClicked, NotificationPlugin, PermissionState};

/// What the server received: (app name, summary, body, actions).
type Received = Arc<Mutex<Vec<(String, String, String, Vec<String>)>>>;

struct Server {
    received: Received,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Server {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        app_name: &str,
        _replaces_id: u32,
        _app_icon: &str,
        summary: &str,
        body: &str,
        actions: Vec<String>,
        _hints: HashMap<String, zbus::OwnedVariant>,
        _expire_timeout: i32,
    ) -> u32 {
        let mut received = self.received.lock().unwrap();
        received.push((app_name.into(), summary.into(), body.into(), actions));
        received.len() as u32
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec!["body".into(), "actions".into()]
    }

    #[zbus(out_args("name", "vendor", "version", "spec_version"))]
    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "test".into(),
            "switchboard".into(),
            "1".into(),
            "1.2".into(),
        )
    }

    fn close_notification(&self, _id: u32) {}
}

struct Daemon(Child);
impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A private bus: listens on a socket in a temporary directory, activates nothing.
fn private_bus() -> (Daemon, String) {
    let dir = std::env::temp_dir().join(format!("switchboard-notify-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("bus.conf");
    std::fs::write(
        &config,
        format!(
            r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>"#,
            dir.display()
        ),
    )
    .unwrap();
    let mut child = Command::new("dbus-daemon")
        .arg(format!("--config-file={}", config.display()))
        .args(["--nofork", "--print-address=1"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("dbus-daemon (package `dbus`) must be installed");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (Daemon(child), line.trim().to_owned())
}

#[test]
fn a_real_server_receives_title_and_body_and_its_action_clicks_reach_the_bus() {
    // before any other thread exists: notify-rust reads the bus address from here
    let (_daemon, address) = private_bus();
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", &address);

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(60), async {
            let app = App::builder()
                .plugin(NotificationPlugin::new("Switchboard test"))
                .capability(
                    Capability::new("main")
                        .windows(["main"])
                        .allow(["notification:default"]),
                )
                .build()
                .unwrap();
            let main = app.test_client("main");

            // a bus with no server: a typed error, at once
            let state: PermissionState = main
                .invoke("plugin:notification", "permission_state", &args! {})
                .await
                .unwrap();
            assert_eq!(state, PermissionState::Unavailable);
            let err = main
                .invoke::<u32>("plugin:notification", "send", &args! { title: "lost" })
                .await
                .unwrap_err();
            let data: serde_json::Value = err.data().unwrap();
            assert_eq!(data["kind"], "no_notification_server", "{err:?}");

            // the server comes up
            let received: Received = Arc::default();
            let server = zbus::connection::Builder::address(address.as_str())
                .name("org.freedesktop.Notifications")
                .serve_at(
                    "/org/freedesktop/Notifications",
                    Server {
                        received: received.clone(),
                    },
                )
                .build()
                .await
                .unwrap();

            let state: PermissionState = main
                .invoke("plugin:notification", "request_permission", &args! {})
                .await
                .unwrap();
            assert_eq!(state, PermissionState::Granted);
            let id: u32 = main
                .invoke(
                    "plugin:notification",
                    "send",
                    &args! { title: "Exported", body: "notes.md is saved" },
                )
                .await
                .unwrap();
            assert_eq!(id, 1);
            assert_eq!(
                received.lock().unwrap()[0],
                (
                    "Switchboard test".to_owned(),
                    "Exported".to_owned(),
                    "notes.md is saved".to_owned(),
                    vec![]
                )
            );

            // an action button, clicked by the server
            let mut heard = main.subscribe("notification/action").await.unwrap();
            let id: u32 = main
                .invoke(
                    "plugin:notification",
                    "send",
                    &args! { title: "Export done", actions: [serde_json::json!({"id": "open", "label": "Open"})] },
                )
                .await
                .unwrap();
            assert_eq!(
                received.lock().unwrap()[1].3,
                vec!["open".to_owned(), "Open".to_owned()]
            );
            // the plugin subscribes to the signals on its own thread: click until heard
            let click = {
                let server = server.clone();
                tokio::spawn(async move {
                    loop {
                        server
                            .emit_signal(
                                None::<&str>,
                                "/org/freedesktop/Notifications",
                                "org.freedesktop.Notifications",
                                "ActionInvoked",
                                &(id, "open"),
                            )
                            .await
                            .unwrap();
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                })
            };
            let clicked: ActionClicked = heard.next().await.unwrap().decode().unwrap();
            click.abort();
            assert_eq!(
                clicked,
                ActionClicked {
                    notification: id,
                    action: "open".into()
                }
            );
        })
        .await
        .expect("the test timed out");
    });
}
