//! The tray icon against a StatusNotifier host: this test is the host. It runs a private
//! `dbus-daemon` (its own config: nothing is activated behind its back), owns
//! `org.kde.StatusNotifierWatcher` on it (a small `zbus` server), starts the test app on
//! that bus, and then does what a desktop panel does: takes the icon's registration, reads
//! its `org.kde.StatusNotifierItem` properties (the page hid it: `Passive`), reads its menu
//! over `com.canonical.dbusmenu` and clicks "Show", which the page hears as
//! `menu/show/clicked`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use zbus::{OwnedVariant as OwnedValue, Variant as Value};

const APP: &str = env!("CARGO_BIN_EXE_desktop-test-app");
const WAIT: Duration = Duration::from_secs(60);

struct Watcher {
    registered: mpsc::Sender<(String, String)>,
}

#[zbus::interface(name = "org.kde.StatusNotifierWatcher")]
impl Watcher {
    fn register_status_notifier_item(
        &self,
        service: &str,
        #[zbus(header)] header: zbus::message::Header<'_>,
    ) {
        let sender = header.sender().map(|s| s.to_string()).unwrap_or_default();
        let _ = self.registered.send((sender, service.to_owned()));
    }

    fn register_status_notifier_host(&self, _service: &str) {}

    #[zbus(property)]
    fn is_status_notifier_host_registered(&self) -> bool {
        true
    }

    #[zbus(property)]
    fn protocol_version(&self) -> i32 {
        0
    }

    #[zbus(property)]
    fn registered_status_notifier_items(&self) -> Vec<String> {
        vec![]
    }
}

struct Killed(Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn private_bus(dir: &Path) -> (Killed, String) {
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
    (Killed(child), line.trim().to_owned())
}

/// One dbusmenu layout node: (id, properties, children).
type Node = (i32, HashMap<String, OwnedValue>, Vec<OwnedValue>);

/// The id of the menu item labelled `label`, anywhere in the layout.
fn find(node: &Node, label: &str) -> Option<i32> {
    let here = node
        .1
        .get("label")
        .and_then(|v| String::try_from(v.try_clone().ok()?).ok());
    if here.as_deref() == Some(label) {
        return Some(node.0);
    }
    node.2.iter().find_map(|child| {
        let child: Node = child.try_clone().ok()?.try_into().ok()?;
        find(&child, label)
    })
}

#[test]
fn a_status_notifier_host_sees_the_icon_and_clicks_its_menu() {
    // fails, never skips: `cargo xtask test` (or `xvfb-run -a cargo test`) provides one
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "no DISPLAY: the tray test needs one (cargo xtask test starts Xvfb)"
    );
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("tray-host-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (_bus, address) = private_bus(&dir);

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        tokio::time::timeout(WAIT, async {
            let (tx, registered) = mpsc::channel();
            let host = zbus::connection::Builder::address(address.as_str())
                .name("org.kde.StatusNotifierWatcher")
                .serve_at("/StatusNotifierWatcher", Watcher { registered: tx })
                .build()
                .await
                .unwrap();

            let log = std::fs::File::create(dir.join("tray.log")).unwrap();
            let mut app = Killed(
                Command::new(APP)
                    .arg("tray")
                    .env("DESKTOP_TEST_DIR", &dir)
                    .env("DBUS_SESSION_BUS_ADDRESS", &address)
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .stderr(log)
                    .spawn()
                    .unwrap(),
            );
            let (line_tx, lines) = mpsc::channel::<String>();
            let stdout = app.0.stdout.take().unwrap();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    if line_tx.send(line).is_err() {
                        break;
                    }
                }
            });
            let expect = |prefix: &str| -> String {
                let end = Instant::now() + WAIT;
                loop {
                    let line = lines
                        .recv_timeout(end.saturating_duration_since(Instant::now()))
                        .unwrap_or_else(|_| panic!("no `{prefix}` line from the app"));
                    if let Some(rest) = line.strip_prefix(prefix) {
                        return rest.trim().to_owned();
                    }
                }
            };

            // the icon registers with the host
            let (sender, item) = tokio::task::block_in_place(|| registered.recv_timeout(WAIT))
                .expect("the tray icon registers with the StatusNotifierWatcher");
            let path = if item.starts_with('/') {
                item.clone()
            } else {
                "/StatusNotifierItem".to_owned()
            };
            expect("TRAY created");
            expect("SEEN tray");
            expect("SEEN ready");

            let get = |name: &'static str| {
                let host = host.clone();
                let (sender, path) = (sender.clone(), path.clone());
                async move {
                    let reply = host
                        .call_method(
                            Some(sender.as_str()),
                            path.as_str(),
                            Some("org.freedesktop.DBus.Properties"),
                            "Get",
                            &("org.kde.StatusNotifierItem", name),
                        )
                        .await
                        .unwrap();
                    let value: OwnedValue = reply.body().deserialize().unwrap();
                    value
                }
            };
            // the page hid it: a host shows a `Passive` item nowhere
            let status = String::try_from(get("Status").await).unwrap();
            assert_eq!(status, "Passive");
            let id = String::try_from(get("Id").await).unwrap();
            assert!(!id.is_empty());
            let menu = zbus::OwnedObjectPath::try_from(get("Menu").await).unwrap();

            // the menu, as a panel reads it, and a click on "Show"
            let reply = host
                .call_method(
                    Some(sender.as_str()),
                    menu.as_str(),
                    Some("com.canonical.dbusmenu"),
                    "GetLayout",
                    &(0i32, -1i32, Vec::<String>::new()),
                )
                .await
                .unwrap();
            let (_revision, layout): (u32, Node) = reply.body().deserialize().unwrap();
            let show = find(&layout, "Show").expect("the tray menu has a Show item");
            host.call_method(
                Some(sender.as_str()),
                menu.as_str(),
                Some("com.canonical.dbusmenu"),
                "Event",
                &(show, "clicked", Value::from(0i32), 0u32),
            )
            .await
            .unwrap();
            let clicked = expect("SEEN menu/show/clicked");
            assert_eq!(clicked, r#"{"id":"show","checked":null}"#);

            let _ = app.0.stdin.as_mut().map(|s| writeln!(s, "quit"));
        })
        .await
        .expect("the test timed out");
    });
}
