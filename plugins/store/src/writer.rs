//! The store's writer: one dedicated thread per plugin instance that owns the debounce and
//! does every disk write, so file I/O never runs on an async worker or the UI thread, and
//! writes of one file never overlap.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

enum Job {
    /// Write `bytes` to `path`: after the debounce, or now (answering `ack`).
    Write {
        path: PathBuf,
        bytes: Vec<u8>,
        ack: Option<oneshot::Sender<io::Result<()>>>,
    },
    /// Write what is pending for `path` now.
    Flush {
        path: PathBuf,
        ack: oneshot::Sender<io::Result<()>>,
    },
}

/// The handle the actor keeps; the thread ends (writing what is pending) when every handle
/// is dropped.
#[derive(Clone)]
pub(crate) struct Writer {
    tx: mpsc::Sender<Job>,
}

impl Writer {
    pub(crate) fn spawn(debounce: Duration, hook: Option<MidWrite>) -> io::Result<Self> {
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("switchboard-store-writer".into())
            .spawn(move || run(rx, debounce, hook))?;
        Ok(Writer { tx })
    }

    /// Write `bytes` to `path` once the debounce has passed without a newer write.
    pub(crate) fn later(&self, path: PathBuf, bytes: Vec<u8>) {
        let _ = self.tx.send(Job::Write {
            path,
            bytes,
            ack: None,
        });
    }

    /// Write `bytes` to `path` now; resolves when it is on disk.
    pub(crate) async fn now(&self, path: PathBuf, bytes: Vec<u8>) -> io::Result<()> {
        let (ack, done) = oneshot::channel();
        self.tx
            .send(Job::Write {
                path,
                bytes,
                ack: Some(ack),
            })
            .map_err(|_| io::Error::other("the store's writer stopped"))?;
        done.await
            .unwrap_or_else(|_| Err(io::Error::other("the store's writer stopped")))
    }

    /// Write what is pending for `path`; resolves when done.
    pub(crate) async fn flush(&self, path: PathBuf) -> io::Result<()> {
        let (ack, done) = oneshot::channel();
        self.tx
            .send(Job::Flush { path, ack })
            .map_err(|_| io::Error::other("the store's writer stopped"))?;
        done.await
            .unwrap_or_else(|_| Err(io::Error::other("the store's writer stopped")))
    }
}

/// Called halfway through writing a file (crash tests stop the process there).
pub(crate) type MidWrite = Arc<dyn Fn(&Path) + Send + Sync>;

fn run(rx: mpsc::Receiver<Job>, debounce: Duration, hook: Option<MidWrite>) {
    let write_atomic = |path: &Path, bytes: &[u8]| write_atomic(path, bytes, hook.as_ref());
    let mut pending: HashMap<PathBuf, (Vec<u8>, Instant)> = HashMap::new();
    loop {
        let next_due = pending.values().map(|(_, due)| *due).min();
        let job = match next_due {
            Some(due) => match rx.recv_timeout(due.saturating_duration_since(Instant::now())) {
                Ok(job) => Some(job),
                Err(mpsc::RecvTimeoutError::Timeout) => None,
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            },
            None => match rx.recv() {
                Ok(job) => Some(job),
                Err(_) => break,
            },
        };
        match job {
            Some(Job::Write {
                path,
                bytes,
                ack: None,
            }) => {
                pending.insert(path, (bytes, Instant::now() + debounce));
            }
            Some(Job::Write {
                path,
                bytes,
                ack: Some(ack),
            }) => {
                pending.remove(&path);
                let _ = ack.send(write_atomic(&path, &bytes));
            }
            Some(Job::Flush { path, ack }) => {
                let result = match pending.remove(&path) {
                    Some((bytes, _)) => write_atomic(&path, &bytes),
                    None => Ok(()),
                };
                let _ = ack.send(result);
            }
            None => {
                let now = Instant::now();
                let due: Vec<PathBuf> = pending
                    .iter()
                    .filter(|(_, (_, at))| *at <= now)
                    .map(|(p, _)| p.clone())
                    .collect();
                for path in due {
                    if let Some((bytes, _)) = pending.remove(&path) {
                        if let Err(e) = write_atomic(&path, &bytes) {
                            tracing::warn!(path = %path.display(), error = %e, "autosave failed");
                        }
                    }
                }
            }
        }
    }
    for (path, (bytes, _)) in pending {
        if let Err(e) = write_atomic(&path, &bytes) {
            tracing::warn!(path = %path.display(), error = %e, "final save failed");
        }
    }
}

/// Replace `path` with `bytes`: a temporary file in the same directory, fsync, rename over
/// the target, fsync of the directory. A crash leaves the old file or the new one.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8], hook: Option<&MidWrite>) -> io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::other("a store file needs a directory"))?;
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = File::create(&tmp)?;
        let (first, rest) = bytes.split_at(bytes.len() / 2);
        file.write_all(first)?;
        if let Some(hook) = hook {
            file.flush()?;
            hook(path);
        }
        file.write_all(rest)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
