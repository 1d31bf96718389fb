//! # switchboard-plugin-single-instance
//!
//! One instance of the app per user: a second launch hands its arguments (and working
//! directory) to the first over a local socket and exits; the first publishes them on
//! `single-instance/launched`, where its pages and its Rust code hear them (to open the file
//! the user double-clicked, or to focus the window).
//!
//! ```no_run
//! use switchboard::App;
//! use switchboard_plugin_single_instance::{Launch, SingleInstance};
//!
//! // first thing in main: a second launch exits here, after handing over its arguments
//! let instance = match SingleInstance::new("com.example.notes").acquire().unwrap() {
//!     Launch::Primary(instance) => instance,
//!     Launch::Forwarded => std::process::exit(0),
//! };
//! let app = App::builder().plugin(instance.plugin()).build().unwrap();
//! instance.forward_to(&app); // later launches become `single-instance/launched` events
//! ```
//!
//! ## The socket
//! A local socket (`interprocess`: a Unix domain socket on Linux and macOS, a named pipe on
//! Windows) named after the app's identifier, in `$XDG_RUNTIME_DIR` (private to the user)
//! or else the temporary directory. A socket left by a crashed instance is found stale (it
//! refuses connections) and replaced. The plugin needs no window: it works under the
//! headless runtime.
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use interprocess::local_socket::prelude::*;
use interprocess::local_socket::{GenericFilePath, ListenerOptions, Stream};
use serde::{Deserialize, Serialize};
use switchboard::permission::PluginPermissions;
use switchboard::{AppBuilder, AppHandle, Plugin};

/// The permission declarations, as data (see the README's table).
pub const PERMISSIONS: &str = include_str!("../permissions.toml");

/// The topic of later launches.
pub const LAUNCHED: &str = "single-instance/launched";

/// A later launch of the app (`single-instance/launched`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Launched {
    /// Its arguments, without the program's path.
    pub args: Vec<String>,
    /// Its working directory.
    pub cwd: String,
}

/// Why taking the instance failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SingleInstanceError {
    /// The socket could not be made or reached.
    #[error("single instance socket {path}: {source}")]
    Socket {
        /// The socket's path.
        path: String,
        /// The OS's error.
        source: std::io::Error,
    },
}

/// What [`SingleInstance::acquire`] found.
#[derive(Debug)]
#[must_use]
pub enum Launch {
    /// This is the first instance: keep it alive for as long as the app runs.
    Primary(Instance),
    /// Another instance runs and has this launch's arguments: exit.
    Forwarded,
}

/// Which app, and where its socket lives.
#[derive(Debug, Clone)]
pub struct SingleInstance {
    path: PathBuf,
    args: Option<Vec<String>>,
}

impl SingleInstance {
    /// The single instance of app `identifier` (reverse DNS, `com.example.notes`).
    pub fn new(identifier: &str) -> Self {
        let dir = std::env::var_os("XDG_RUNTIME_DIR")
            .map(PathBuf::from)
            .filter(|d| d.is_dir())
            .unwrap_or_else(std::env::temp_dir);
        let user = std::env::var("USER").unwrap_or_default();
        let file = if dir == std::env::temp_dir() {
            format!("{identifier}-{user}.single-instance.sock")
        } else {
            format!("{identifier}.single-instance.sock")
        };
        SingleInstance {
            path: dir.join(file),
            args: None,
        }
    }

    /// Keep the socket at `path` instead (tests, sandboxes).
    pub fn at(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = path.into();
        self
    }

    /// Hand over `args` instead of the process's own (tests).
    pub fn args(mut self, args: Vec<String>) -> Self {
        self.args = Some(args);
        self
    }

    /// The socket's path.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Become the app's instance, or hand this launch's arguments to the one that runs.
    pub fn acquire(self) -> Result<Launch, SingleInstanceError> {
        let err = |source| SingleInstanceError::Socket {
            path: self.path.display().to_string(),
            source,
        };
        for attempt in 0..2 {
            let name = self
                .path
                .as_path()
                .to_fs_name::<GenericFilePath>()
                .map_err(err)?;
            match ListenerOptions::new().name(name).create_sync() {
                Ok(listener) => {
                    tracing::info!(socket = %self.path.display(), "this is the app's single instance");
                    return Ok(Launch::Primary(Instance {
                        listener: Mutex::new(Some(listener)),
                        path: self.path.clone(),
                        launches: Arc::default(),
                    }));
                }
                Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                    match self.hand_over() {
                        Ok(()) => return Ok(Launch::Forwarded),
                        // nobody listens: a crashed instance's socket
                        Err(e)
                            if attempt == 0
                                && e.kind() == std::io::ErrorKind::ConnectionRefused =>
                        {
                            tracing::info!(socket = %self.path.display(), "replacing a stale socket");
                            let _ = std::fs::remove_file(&self.path);
                        }
                        Err(e) => return Err(err(e)),
                    }
                }
                Err(e) => return Err(err(e)),
            }
        }
        Err(err(std::io::Error::other("the socket stays in use")))
    }

    fn hand_over(&self) -> std::io::Result<()> {
        let name = self.path.as_path().to_fs_name::<GenericFilePath>()?;
        let stream = Stream::connect(name)?;
        let launched = Launched {
            args: self
                .args
                .clone()
                .unwrap_or_else(|| std::env::args().skip(1).collect()),
            cwd: std::env::current_dir()
                .map(|d| d.display().to_string())
                .unwrap_or_default(),
        };
        let mut line = serde_json::to_vec(&launched).map_err(std::io::Error::other)?;
        line.push(b'\n');
        let mut stream = BufReader::new(stream);
        stream.get_mut().write_all(&line)?;
        // wait for the first instance's acknowledgement, so it has them before we exit
        let mut ack = String::new();
        stream.read_line(&mut ack)?;
        if ack.trim() == "ok" {
            tracing::info!("handed the launch over to the running instance");
            Ok(())
        } else {
            Err(std::io::Error::other(
                "the running instance did not acknowledge",
            ))
        }
    }
}

/// The first instance: holds the socket. Give the app its plugin, then
/// [`Instance::forward_to`] the built app.
#[derive(Debug)]
pub struct Instance {
    listener: Mutex<Option<interprocess::local_socket::Listener>>,
    path: PathBuf,
    launches: Arc<Mutex<Vec<Launched>>>,
}

impl Instance {
    /// The plugin (the actor `plugin:single-instance`, its permissions and event type).
    pub fn plugin(&self) -> SingleInstancePlugin {
        SingleInstancePlugin {
            launches: self.launches.clone(),
        }
    }

    /// Publish every later launch on `single-instance/launched` of `app`, from a thread of
    /// its own (connections are answered one by one, each in a few bytes). Call once.
    pub fn forward_to(&self, app: &AppHandle) {
        let Some(listener) = self
            .listener
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        else {
            return;
        };
        let app = app.clone();
        let launches = self.launches.clone();
        let spawned = std::thread::Builder::new()
            .name("switchboard-single-instance".into())
            .spawn(move || {
                for conn in listener.incoming() {
                    let Ok(conn) = conn else { continue };
                    let mut conn = BufReader::new(conn);
                    let mut line = String::new();
                    if conn.read_line(&mut line).is_err() {
                        continue;
                    }
                    let Ok(launched) = serde_json::from_str::<Launched>(&line) else {
                        tracing::warn!("a launch sent something that is not a launch");
                        continue;
                    };
                    launches
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(launched.clone());
                    if let Err(e) = app.emit(LAUNCHED, &launched) {
                        tracing::warn!(error = %e, "publishing a launch failed");
                    }
                    let _ = conn.get_mut().write_all(b"ok\n");
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "the single-instance thread did not start");
        }
    }

    /// The socket's path.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

/// The actor at `plugin:single-instance`.
#[derive(Debug, Clone)]
pub struct Launches {
    launches: Arc<Mutex<Vec<Launched>>>,
}

#[switchboard::actor]
impl Launches {
    /// Every later launch received so far, oldest first.
    fn launches(&self) -> Vec<Launched> {
        self.launches
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// The plugin, made by [`Instance::plugin`].
#[derive(Debug, Clone)]
pub struct SingleInstancePlugin {
    launches: Arc<Mutex<Vec<Launched>>>,
}

impl SingleInstancePlugin {
    /// The plugin's permissions.
    pub fn permissions() -> PluginPermissions {
        // part of the crate and parsed by its tests: it cannot fail here
        PluginPermissions::from_toml("single-instance", PERMISSIONS).unwrap_or_else(|e| {
            panic!("the single-instance plugin's permissions.toml is broken: {e}")
        })
    }
}

impl Plugin for SingleInstancePlugin {
    fn build(self, app: AppBuilder) -> AppBuilder {
        app.plugin_actor(
            "single-instance",
            Launches {
                launches: self.launches,
            },
        )
        .permissions(Self::permissions())
        .event::<Launched>(LAUNCHED)
    }
}
