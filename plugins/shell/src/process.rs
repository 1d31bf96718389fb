//! The actor at `plugin:shell`: the processes pages started (each owned by its window) and
//! the system opener.

use std::collections::{HashMap, HashSet};
use std::process::Stdio;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use switchboard::{AppHandle, Caller, CallerScope, Stream};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::{mpsc, oneshot};

use crate::scope::{open_target, ShellScope};
use crate::{ShellError, MAX_PROCESSES};

/// How long `write` waits for the process to take the bytes before it answers
/// `stdin_blocked` (a process that does not read its input).
const STDIN_WAIT: Duration = Duration::from_secs(10);

/// One item of a process's stream: `started` first, then its output as it comes, then
/// `exit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProcessEvent {
    /// The process runs: `id` is the handle for `write`, `close_stdin` and `kill`.
    Started {
        /// The plugin's id for the process.
        id: u32,
        /// The OS's process id.
        pid: u32,
    },
    /// Bytes the process wrote on its standard output.
    Stdout {
        /// The bytes, as read.
        #[serde(with = "serde_bytes")]
        #[specta(type = crate::Uint8ArrayTs)]
        data: Vec<u8>,
    },
    /// Bytes the process wrote on its standard error.
    Stderr {
        /// The bytes, as read.
        #[serde(with = "serde_bytes")]
        #[specta(type = crate::Uint8ArrayTs)]
        data: Vec<u8>,
    },
    /// The process ended (after all its output).
    Exit {
        /// Its exit code, when it exited.
        code: Option<i32>,
        /// The signal that ended it, when one did (Unix).
        signal: Option<i32>,
    },
}

type StdinJob = (Option<Vec<u8>>, oneshot::Sender<std::io::Result<()>>);

struct Process {
    window: String,
    stdin: mpsc::Sender<StdinJob>,
    kill: Option<oneshot::Sender<()>>,
}

type Processes = Arc<Mutex<HashMap<u32, Process>>>;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The shell actor. Its clone shares the process table (what a restart after a panic keeps:
/// the processes still run and stay killable).
#[derive(Clone)]
pub struct Shell {
    procs: Processes,
    next: Arc<AtomicU32>,
    opener: Arc<[String]>,
    watched: Arc<Mutex<HashSet<String>>>,
}

impl Shell {
    pub(crate) fn new(opener: Vec<String>) -> Self {
        Shell {
            procs: Arc::default(),
            next: Arc::new(AtomicU32::new(1)),
            opener: opener.into(),
            watched: Arc::default(),
        }
    }

    /// Kill the processes of a window when it is destroyed (once per window).
    fn follow_window(&self, app: &AppHandle, window: &str) {
        if !lock(&self.watched).insert(window.to_owned()) {
            return;
        }
        let procs = Arc::clone(&self.procs);
        let watched = Arc::clone(&self.watched);
        let label = window.to_owned();
        let listened = app.listen(&format!("window/{window}/destroyed"), move |_| {
            let mut killed = 0;
            for p in lock(&procs).values_mut().filter(|p| p.window == label) {
                if let Some(kill) = p.kill.take() {
                    let _ = kill.send(());
                    killed += 1;
                }
            }
            if killed > 0 {
                tracing::info!(window = %label, killed, "window closed: its processes killed");
            }
            lock(&watched).remove(&label);
        });
        if let Err(e) = listened {
            tracing::warn!(error = %e, "cannot follow the window's close");
        }
    }

    fn process(&self, id: u32, caller: &Caller) -> Result<mpsc::Sender<StdinJob>, ShellError> {
        match lock(&self.procs).get(&id) {
            Some(p) if p.window == caller.window.as_str() => Ok(p.stdin.clone()),
            _ => Err(ShellError::UnknownProcess { id }),
        }
    }
}

/// Read `from` into `Stdout`/`Stderr` items until it ends or the page drops the stream.
async fn pump(
    mut from: impl AsyncRead + Unpin,
    to: mpsc::Sender<ProcessEvent>,
    item: fn(Vec<u8>) -> ProcessEvent,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            // waits while the page has no credit: the pipe fills and the process waits too
            Ok(n) => {
                if to.send(item(buf[..n].to_vec())).await.is_err() {
                    return;
                }
            }
        }
    }
}

async fn feed(mut stdin: ChildStdin, mut jobs: mpsc::Receiver<StdinJob>) {
    while let Some((bytes, ack)) = jobs.recv().await {
        match bytes {
            Some(bytes) => {
                let wrote = async {
                    stdin.write_all(&bytes).await?;
                    stdin.flush().await
                }
                .await;
                let _ = ack.send(wrote);
            }
            None => {
                let _ = ack.send(Ok(()));
                return; // dropping stdin closes it
            }
        }
    }
}

/// Wait for the child (or a kill, or the page dropping the stream), then for its output,
/// then say how it ended.
async fn supervise(
    mut child: Child,
    out: mpsc::Sender<ProcessEvent>,
    pumps: Vec<tokio::task::JoinHandle<()>>,
    mut kill: oneshot::Receiver<()>,
    cleanup: impl FnOnce(),
) {
    let status = tokio::select! {
        status = child.wait() => status,
        _ = &mut kill => { let _ = child.start_kill(); child.wait().await }
        _ = out.closed() => { let _ = child.start_kill(); child.wait().await }
    };
    cleanup();
    for p in pumps {
        let _ = p.await;
    }
    let (code, signal) = match &status {
        Ok(s) => (s.code(), signal_of(s)),
        Err(_) => (None, None),
    };
    let _ = out.send(ProcessEvent::Exit { code, signal }).await;
}

#[cfg(unix)]
fn signal_of(status: &std::process::ExitStatus) -> Option<i32> {
    use std::os::unix::process::ExitStatusExt;
    status.signal()
}

#[cfg(not(unix))]
fn signal_of(_: &std::process::ExitStatus) -> Option<i32> {
    None
}

#[switchboard::actor]
impl Shell {
    /// Run `program` (a name the caller's scope gives, never a path of the page's choosing)
    /// with `args`, directly: no shell parses them. The stream says `started` (with the id
    /// for `write`, `close_stdin` and `kill`), then the output as it comes (read only as fast
    /// as the page takes it), then `exit`. Dropping the stream, or closing the window, kills
    /// the process.
    async fn spawn(
        &mut self,
        program: String,
        args: Option<Vec<String>>,
        scope: CallerScope<ShellScope>,
        caller: Caller,
        app: AppHandle,
    ) -> Result<Stream<ProcessEvent>, ShellError> {
        let args = args.unwrap_or_default();
        let window = caller.window.to_string();
        if lock(&self.procs)
            .values()
            .filter(|p| p.window == window)
            .count()
            >= MAX_PROCESSES
        {
            return Err(ShellError::TooManyProcesses {
                limit: MAX_PROCESSES as u32,
            });
        }
        // the bus checked the scope already; this is the entry that allowed the call
        let cmd = scope
            .program(&program, &args)
            .map_err(|message| ShellError::Spawn {
                program: program.clone(),
                message,
            })?
            .cmd()
            .to_owned();
        self.follow_window(&app, &window);
        let shown = program.clone();
        let argv = args.clone();
        // fork and exec block: not on an async worker
        let spawned = tokio::task::spawn_blocking(move || {
            Command::new(&cmd)
                .args(&argv)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .kill_on_drop(true)
                .spawn()
        })
        .await
        .map_err(|e| ShellError::Spawn {
            program: shown.clone(),
            message: e.to_string(),
        })?;
        let mut child = spawned.map_err(|e| ShellError::Spawn {
            program: shown.clone(),
            message: e.to_string(),
        })?;
        let pid = child.id().unwrap_or(0);
        let id = self.next.fetch_add(1, Ordering::Relaxed).max(1);
        let (out, items) = mpsc::channel::<ProcessEvent>(8);
        let (stdin_tx, stdin_rx) = mpsc::channel::<StdinJob>(4);
        let (kill_tx, kill_rx) = oneshot::channel();
        let mut pumps = Vec::new();
        if let Some(stdout) = child.stdout.take() {
            pumps.push(tokio::spawn(pump(stdout, out.clone(), |data| {
                ProcessEvent::Stdout { data }
            })));
        }
        if let Some(stderr) = child.stderr.take() {
            pumps.push(tokio::spawn(pump(stderr, out.clone(), |data| {
                ProcessEvent::Stderr { data }
            })));
        }
        if let Some(stdin) = child.stdin.take() {
            tokio::spawn(feed(stdin, stdin_rx));
        }
        lock(&self.procs).insert(
            id,
            Process {
                window: window.clone(),
                stdin: stdin_tx,
                kill: Some(kill_tx),
            },
        );
        tracing::info!(window = %window, program = %program, ?args, pid, id, "process started");
        // `started` is the first item: queued before the supervisor can queue `exit`
        let _ = out.send(ProcessEvent::Started { id, pid }).await;
        let procs = Arc::clone(&self.procs);
        tokio::spawn(supervise(child, out, pumps, kill_rx, move || {
            lock(&procs).remove(&id);
        }));
        let stream = futures::stream::unfold(items, |mut items| async move {
            let item = items.recv().await?;
            Some((item, items))
        });
        Ok(Stream::new(stream))
    }

    /// Write `data` to the standard input of process `id` (started by this window); answers
    /// once the process's pipe took it.
    async fn write(
        &mut self,
        id: u32,
        data: serde_bytes::ByteBuf,
        caller: Caller,
    ) -> Result<(), ShellError> {
        let stdin = self.process(id, &caller)?;
        let (ack, done) = oneshot::channel();
        let closed = || ShellError::Stdin {
            id,
            message: "its standard input is closed".into(),
        };
        stdin
            .send((Some(data.into_vec()), ack))
            .await
            .map_err(|_| closed())?;
        match tokio::time::timeout(STDIN_WAIT, done).await {
            Ok(Ok(Ok(()))) => Ok(()),
            Ok(Ok(Err(e))) => Err(ShellError::Stdin {
                id,
                message: e.to_string(),
            }),
            Ok(Err(_)) => Err(closed()),
            Err(_) => Err(ShellError::Stdin {
                id,
                message: format!("the process took no input for {} s", STDIN_WAIT.as_secs()),
            }),
        }
    }

    /// Close the standard input of process `id` (many programs finish at end of input).
    async fn close_stdin(&mut self, id: u32, caller: Caller) -> Result<(), ShellError> {
        let stdin = self.process(id, &caller)?;
        let (ack, done) = oneshot::channel();
        if stdin.send((None, ack)).await.is_ok() {
            let _ = done.await;
        }
        Ok(())
    }

    /// Kill process `id` (started by this window); its stream still ends with `exit`.
    fn kill(&mut self, id: u32, caller: Caller) -> Result<(), ShellError> {
        let mut procs = lock(&self.procs);
        match procs.get_mut(&id) {
            Some(p) if p.window == caller.window.as_str() => {
                if let Some(kill) = p.kill.take() {
                    let _ = kill.send(());
                }
                Ok(())
            }
            _ => Err(ShellError::UnknownProcess { id }),
        }
    }

    /// Open `target` (a URL, or an absolute file path) with the system's handler for it. Only
    /// schemes the caller's scope names are handed over (by default `https` and `mailto`;
    /// `file:`, `smb:`, `javascript:` and every other scheme are refused unless granted).
    async fn open(&mut self, target: String, caller: Caller) -> Result<(), ShellError> {
        let url = open_target(&target).map_err(|message| ShellError::Open {
            target: target.clone(),
            message,
        })?;
        let opener = Arc::clone(&self.opener);
        let (program, fixed) = opener.split_first().ok_or_else(|| ShellError::Open {
            target: target.clone(),
            message: "no opener configured".into(),
        })?;
        let program = program.clone();
        let fixed = fixed.to_vec();
        let arg = url.to_string();
        tracing::info!(window = %caller.window, url = %arg, "open");
        let status = tokio::task::spawn_blocking(move || {
            std::process::Command::new(&program)
                .args(&fixed)
                .arg(&arg)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
        })
        .await
        .map_err(|e| ShellError::Open {
            target: target.clone(),
            message: e.to_string(),
        })?;
        match status {
            Ok(s) if s.success() => Ok(()),
            Ok(s) => Err(ShellError::Open {
                target,
                message: format!("the opener failed ({s})"),
            }),
            Err(e) => Err(ShellError::Open {
                target,
                message: e.to_string(),
            }),
        }
    }
}
