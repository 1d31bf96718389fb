//! The actor at `plugin:window-state` and the thread that owns the states and the file.
//!
//! Window events reach [`track`]'s listeners on the publisher's thread (the UI thread under
//! runtime-wry); they post a [`UiTask`](switchboard::runtime::UiTask) that asks the window
//! whether it is maximized, and hand the result to the plugin's thread, which keeps every
//! window's state, writes the file 200 ms after the last change (replaced by rename), and
//! answers the actor. Nothing waits on the UI thread.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use switchboard::window::Size;
use switchboard::{AppHandle, WindowCommand, WindowEvent};
use tokio::sync::oneshot;

use crate::{SavedWindowState, WindowStateError};

const DEBOUNCE: Duration = Duration::from_millis(200);

enum Job {
    /// A window's new size or position, and whether it is maximized (if known).
    Event(String, WindowEvent, Option<bool>),
    Get(String, oneshot::Sender<Option<SavedWindowState>>),
    Save(oneshot::Sender<Result<(), WindowStateError>>),
}

/// The states of the tracked windows: the actor at `plugin:window-state`, also kept as app
/// state for [`track`]. Clones share the thread.
#[derive(Clone)]
pub struct WindowStates {
    jobs: Arc<Mutex<mpsc::Sender<Job>>>,
    windows: Arc<[String]>,
    file: Arc<Path>,
}

impl std::fmt::Debug for WindowStates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WindowStates")
            .field("file", &self.file)
            .field("windows", &self.windows)
            .finish()
    }
}

type States = BTreeMap<String, SavedWindowState>;

fn read(file: &Path) -> States {
    match std::fs::read(file) {
        Ok(bytes) => rmp_serde::from_slice(&bytes).unwrap_or_else(|e| {
            tracing::warn!(file = %file.display(), error = %e, "the window state is unreadable: starting afresh");
            States::new()
        }),
        Err(_) => States::new(),
    }
}

fn write(file: &Path, states: &States) -> Result<(), WindowStateError> {
    let io = |e: std::io::Error| WindowStateError::Io {
        path: file.display().to_string(),
        message: e.to_string(),
    };
    let bytes = rmp_serde::to_vec_named(states).map_err(|e| WindowStateError::Io {
        path: file.display().to_string(),
        message: e.to_string(),
    })?;
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let tmp = file.with_extension("msgpack.tmp");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp).map_err(io)?;
        f.write_all(&bytes).map_err(io)?;
        f.sync_all().map_err(io)?;
    }
    std::fs::rename(&tmp, file).map_err(io)
}

fn apply(states: &mut States, label: String, event: WindowEvent, maximized: Option<bool>) {
    let state = states.entry(label).or_insert(SavedWindowState {
        width: 800.0,
        height: 600.0,
        x: None,
        y: None,
        maximized: false,
    });
    if let Some(m) = maximized {
        state.maximized = m;
    }
    if state.maximized {
        // keep the size and position to come back to
        return;
    }
    match event {
        WindowEvent::Resized(Size { width, height }) => {
            state.width = width;
            state.height = height;
        }
        WindowEvent::Moved { x, y } => {
            state.x = Some(x);
            state.y = Some(y);
        }
        _ => {}
    }
}

impl WindowStates {
    pub(crate) fn start(file: PathBuf, windows: Vec<String>) -> Self {
        let (tx, rx) = mpsc::channel::<Job>();
        let thread_file = file.clone();
        let spawned = std::thread::Builder::new()
            .name("switchboard-window-state".into())
            .spawn(move || {
                let file = thread_file;
                let mut states = read(&file);
                let mut due: Option<Instant> = None;
                loop {
                    let job = match due {
                        Some(at) => {
                            match rx.recv_timeout(at.saturating_duration_since(Instant::now())) {
                                Ok(job) => Some(job),
                                Err(RecvTimeoutError::Timeout) => None,
                                Err(RecvTimeoutError::Disconnected) => break,
                            }
                        }
                        None => match rx.recv() {
                            Ok(job) => Some(job),
                            Err(_) => break,
                        },
                    };
                    match job {
                        Some(Job::Event(label, event, maximized)) => {
                            apply(&mut states, label, event, maximized);
                            due = Some(Instant::now() + DEBOUNCE);
                        }
                        Some(Job::Get(label, reply)) => {
                            let _ = reply.send(states.get(&label).copied());
                        }
                        Some(Job::Save(reply)) => {
                            due = None;
                            let _ = reply.send(write(&file, &states));
                        }
                        None => {
                            due = None;
                            if let Err(e) = write(&file, &states) {
                                tracing::warn!(error = %e, "saving the window state failed");
                            }
                        }
                    }
                }
                if due.is_some() {
                    let _ = write(&file, &states);
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "the window-state thread did not start");
        }
        WindowStates {
            jobs: Arc::new(Mutex::new(tx)),
            windows: windows.into(),
            file: file.into(),
        }
    }

    fn send(&self, job: Job) {
        let _ = self
            .jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(job);
    }

    async fn get(&self, window: &str) -> Option<SavedWindowState> {
        let (tx, rx) = oneshot::channel();
        self.send(Job::Get(window.to_owned(), tx));
        rx.await.ok().flatten()
    }

    fn restore_now(
        app: &AppHandle,
        window: &str,
        state: SavedWindowState,
    ) -> Result<(), WindowStateError> {
        let name = window.parse().map_err(|_| WindowStateError::Unknown {
            window: window.to_owned(),
        })?;
        let mut commands = vec![WindowCommand::SetSize(Size {
            width: state.width,
            height: state.height,
        })];
        if let (Some(x), Some(y)) = (state.x, state.y) {
            commands.push(WindowCommand::SetPosition { x, y });
        }
        if state.maximized {
            commands.push(WindowCommand::Maximize);
        }
        for command in commands {
            app.runtime()
                .send(&name, command)
                .map_err(|e| WindowStateError::Window {
                    window: window.to_owned(),
                    message: e.to_string(),
                })?;
        }
        Ok(())
    }
}

#[switchboard::actor]
impl WindowStates {
    /// The saved state of `window`, if any.
    async fn state(&mut self, window: String) -> Option<SavedWindowState> {
        self.get(&window).await
    }

    /// Write the state file now; answers once it is on disk.
    async fn save(&mut self) -> Result<(), WindowStateError> {
        let (tx, rx) = oneshot::channel();
        self.send(Job::Save(tx));
        rx.await.unwrap_or(Ok(()))
    }

    /// Put `window` back to its saved size, position and maximized state.
    async fn restore(&mut self, window: String, app: AppHandle) -> Result<(), WindowStateError> {
        let state = self
            .get(&window)
            .await
            .ok_or_else(|| WindowStateError::Unknown {
                window: window.clone(),
            })?;
        Self::restore_now(&app, &window, state)
    }
}

/// Restore the plugin's windows that are open to their saved state, and follow their
/// changes from now on. Call once, after `build()` (the windows declared on the builder are
/// open by then).
///
/// # Panics
/// When the app was built without [`WindowStatePlugin`](crate::WindowStatePlugin).
pub fn track(app: &AppHandle) {
    let states = app
        .state::<WindowStates>()
        .unwrap_or_else(|| panic!("window_state::track: add WindowStatePlugin to the app first"));
    let states: WindowStates = (*states).clone();
    let saved = read(&states.file);
    for label in states.windows.iter() {
        if let Some(state) = saved.get(label) {
            if let Err(e) = WindowStates::restore_now(app, label, *state) {
                tracing::warn!(window = %label, error = %e, "restoring the window's state failed");
            }
        }
        for topic in ["resized", "moved"] {
            let states = states.clone();
            let runtime = app.runtime().clone();
            let label_owned = label.clone();
            let listened = app.listen(&format!("window/{label}/{topic}"), move |event| {
                let Ok(event) = event.decode::<WindowEvent>() else {
                    return;
                };
                let label = label_owned.clone();
                // ask the window whether it is maximized, on the UI thread, then record
                let posted_states = states.clone();
                let posted_label = label.clone();
                let posted_event = event.clone();
                let posted = runtime.on_ui(Box::new(move |ui| {
                    let maximized = is_maximized(ui, &posted_label);
                    posted_states.send(Job::Event(posted_label, posted_event, maximized));
                }));
                if posted.is_err() {
                    states.send(Job::Event(label, event, None));
                }
            });
            if let Err(e) = listened {
                tracing::warn!(window = %label, error = %e, "cannot follow the window's changes");
            }
        }
    }
}

#[cfg(target_os = "linux")]
fn is_maximized(ui: &dyn switchboard::runtime::UiContext, label: &str) -> Option<bool> {
    use gtk::prelude::GtkWindowExt;
    ui.window(label)?
        .downcast_ref::<gtk::ApplicationWindow>()
        .map(|w| w.is_maximized())
}

#[cfg(not(target_os = "linux"))]
fn is_maximized(_ui: &dyn switchboard::runtime::UiContext, _label: &str) -> Option<bool> {
    None
}
