//! The actor at `plugin:fs`: every method resolves its paths through the caller's
//! [`FsScope`] and does its I/O on tokio's blocking pool (`spawn_blocking`), never on an
//! async worker or the UI thread.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use switchboard::{AppHandle, Caller, CallerScope, Stream};

use crate::atomic::{self, TempFile};
use crate::error::FsError;
use crate::scope::{Access, FsScope};
use crate::watch::{self, Watches};
use crate::{MAX_UPLOADS, MAX_WHOLE_FILE};

/// What is at a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link (listed only when it resolves inside the scope).
    Symlink,
    /// Anything else (a socket, a device).
    Other,
}

fn kind_of(meta: &std::fs::Metadata) -> Kind {
    let t = meta.file_type();
    if t.is_symlink() {
        Kind::Symlink
    } else if t.is_dir() {
        Kind::Dir
    } else if t.is_file() {
        Kind::File
    } else {
        Kind::Other
    }
}

/// One entry of a directory listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct DirEntry {
    /// The entry's name.
    pub name: String,
    /// What it is (a symlink is reported as such, not as its target).
    pub kind: Kind,
    /// Its size in bytes (of the link itself for a symlink).
    pub size: u64,
}

/// What `stat` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Metadata {
    /// What it is (symlinks are followed: the scope was checked on the target).
    pub kind: Kind,
    /// Size in bytes.
    pub size: u64,
    /// Last modification, in milliseconds since the Unix epoch, when the OS says.
    pub modified_ms: Option<u64>,
    /// Whether it is read-only.
    pub readonly: bool,
}

/// One chunk of a streamed read. An I/O error in the middle of the stream ends it with an
/// error (the stream's end carries the message) instead of a silently short file.
#[derive(Debug)]
pub struct Chunk(Result<ByteBuf, String>);

impl Serialize for Chunk {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Ok(bytes) => bytes.serialize(s),
            Err(message) => Err(serde::ser::Error::custom(message)),
        }
    }
}

struct Upload {
    window: String,
    path: String,
    file: TempFile,
    written: u64,
}

/// The fs actor. Cloning it gives a fresh actor with no uploads (what a restart after a
/// panic starts from); watches live in a map shared with their window-closed listeners.
pub struct Fs {
    watches: Arc<Mutex<Watches>>,
    uploads: HashMap<u32, Upload>,
    next_upload: u32,
    cleaned_windows: Arc<Mutex<HashSet<String>>>,
}

impl Clone for Fs {
    fn clone(&self) -> Self {
        Fs {
            watches: Arc::clone(&self.watches),
            uploads: HashMap::new(),
            next_upload: 1,
            cleaned_windows: Arc::clone(&self.cleaned_windows),
        }
    }
}

impl Fs {
    pub(crate) fn new() -> Self {
        Fs {
            watches: Arc::default(),
            uploads: HashMap::new(),
            next_upload: 1,
            cleaned_windows: Arc::default(),
        }
    }
}

/// Run blocking file work on tokio's blocking pool; a panic there panics the actor's call
/// (answered `actor_failed`), as it would have inline.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, FsError> + Send + 'static,
) -> Result<T, FsError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

/// The canonical path of `path` in `scope`, checked again where the operation runs.
fn resolve(scope: &FsScope, path: &str, access: Access) -> Result<PathBuf, FsError> {
    scope
        .resolve(path, access)
        .map_err(|e| FsError::OutOfScope {
            path: path.to_owned(),
            message: e.message,
        })
}

fn read_whole(path: &str, real: &Path) -> Result<Vec<u8>, FsError> {
    let file = std::fs::File::open(real).map_err(|e| FsError::io(path, &e))?;
    let size = file.metadata().map_err(|e| FsError::io(path, &e))?.len();
    if size > MAX_WHOLE_FILE {
        return Err(FsError::TooLarge {
            path: path.to_owned(),
            size,
            limit: MAX_WHOLE_FILE,
        });
    }
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(MAX_WHOLE_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| FsError::io(path, &e))?;
    if bytes.len() as u64 > MAX_WHOLE_FILE {
        return Err(FsError::TooLarge {
            path: path.to_owned(),
            size: bytes.len() as u64,
            limit: MAX_WHOLE_FILE,
        });
    }
    Ok(bytes)
}

fn too_large_to_write(path: &str, len: usize) -> Result<(), FsError> {
    if len as u64 > MAX_WHOLE_FILE {
        return Err(FsError::TooLarge {
            path: path.to_owned(),
            size: len as u64,
            limit: MAX_WHOLE_FILE,
        });
    }
    Ok(())
}

#[switchboard::actor]
impl Fs {
    /// The UTF-8 text of the file at `path` (up to 1 MiB; larger files: `read_stream`).
    async fn read_text(
        &mut self,
        path: String,
        scope: CallerScope<FsScope>,
    ) -> Result<String, FsError> {
        let scope = scope.shared();
        blocking(move || {
            let real = resolve(&scope, &path, Access::Content)?;
            String::from_utf8(read_whole(&path, &real)?).map_err(|_| FsError::NotText { path })
        })
        .await
    }

    /// The bytes of the file at `path` (up to 1 MiB; larger files: `read_stream`).
    async fn read_bytes(
        &mut self,
        path: String,
        scope: CallerScope<FsScope>,
    ) -> Result<ByteBuf, FsError> {
        let scope = scope.shared();
        blocking(move || {
            let real = resolve(&scope, &path, Access::Content)?;
            read_whole(&path, &real).map(ByteBuf::from)
        })
        .await
    }

    /// The file at `path` as a stream of chunks of `chunk_size` bytes (default 64 KiB, at
    /// most 1 MiB), read only as fast as the page grants credit.
    async fn read_stream(
        &mut self,
        path: String,
        chunk_size: Option<u32>,
        scope: CallerScope<FsScope>,
    ) -> Result<Stream<Chunk>, FsError> {
        let scope = scope.shared();
        let chunk = chunk_size
            .map_or(64 * 1024, |n| n as usize)
            .clamp(1, MAX_WHOLE_FILE as usize);
        let shown = path.clone();
        let file = blocking(move || {
            let real = resolve(&scope, &path, Access::Content)?;
            std::fs::File::open(&real).map_err(|e| FsError::io(&path, &e))
        })
        .await?;
        let chunks = futures::stream::unfold(Some(file), move |file| {
            let shown = shown.clone();
            async move {
                let mut file = file?;
                let read = tokio::task::spawn_blocking(move || {
                    let mut buf = Vec::with_capacity(chunk);
                    let result = (&mut file)
                        .take(chunk as u64)
                        .read_to_end(&mut buf)
                        .map(|_| buf);
                    (file, result)
                })
                .await;
                match read {
                    Ok((_, Ok(buf))) if buf.is_empty() => None,
                    Ok((file, Ok(buf))) => Some((Chunk(Ok(ByteBuf::from(buf))), Some(file))),
                    Ok((_, Err(e))) => Some((Chunk(Err(format!("{shown}: {e}"))), None)),
                    Err(e) => Some((Chunk(Err(format!("{shown}: {e}"))), None)),
                }
            }
        });
        Ok(Stream::new(chunks))
    }

    /// Replace the file at `path` with `contents`, atomically (temporary file in the same
    /// folder, fsync, rename): a reader or a crash sees the old file or the new one.
    async fn write_text(
        &mut self,
        path: String,
        contents: String,
        scope: CallerScope<FsScope>,
    ) -> Result<(), FsError> {
        too_large_to_write(&path, contents.len())?;
        let scope = scope.shared();
        blocking(move || {
            let real = resolve(&scope, &path, Access::Content)?;
            atomic::write(&real, contents.as_bytes()).map_err(|e| FsError::io(&path, &e))
        })
        .await
    }

    /// Replace the file at `path` with `contents` (bytes), atomically.
    async fn write_bytes(
        &mut self,
        path: String,
        contents: ByteBuf,
        scope: CallerScope<FsScope>,
    ) -> Result<(), FsError> {
        too_large_to_write(&path, contents.len())?;
        let scope = scope.shared();
        blocking(move || {
            let real = resolve(&scope, &path, Access::Content)?;
            atomic::write(&real, &contents).map_err(|e| FsError::io(&path, &e))
        })
        .await
    }

    /// Start writing a large file in chunks (the page → host direction of a stream): answers
    /// an upload id for `write_chunk`, `write_commit` and `write_abort`. Nothing is visible
    /// at `path` until the commit, which replaces the file atomically.
    async fn write_begin(
        &mut self,
        path: String,
        scope: CallerScope<FsScope>,
        caller: Caller,
    ) -> Result<u32, FsError> {
        let window = caller.window.to_string();
        let open = self.uploads.values().filter(|u| u.window == window).count();
        if open >= MAX_UPLOADS {
            return Err(FsError::Limit {
                what: "uploads".into(),
                limit: MAX_UPLOADS as u32,
            });
        }
        let scope = scope.shared();
        let shown = path.clone();
        let file = blocking(move || {
            let real = resolve(&scope, &path, Access::Content)?;
            TempFile::beside(&real).map_err(|e| FsError::io(&path, &e))
        })
        .await?;
        let id = self.next_upload;
        self.next_upload = self.next_upload.wrapping_add(1).max(1);
        self.uploads.insert(
            id,
            Upload {
                window,
                path: shown,
                file,
                written: 0,
            },
        );
        Ok(id)
    }

    /// Append `bytes` to upload `id`; answers the bytes written so far. Each chunk is one
    /// call, so the page never runs ahead of the disk.
    async fn write_chunk(
        &mut self,
        id: u32,
        bytes: ByteBuf,
        caller: Caller,
    ) -> Result<u64, FsError> {
        let mut upload = self.take_upload(id, &caller)?;
        let upload = blocking(move || {
            upload
                .file
                .write_all(&bytes)
                .map_err(|e| FsError::io(&upload.path, &e))?;
            upload.written += bytes.len() as u64;
            Ok(upload)
        })
        .await?;
        let written = upload.written;
        self.uploads.insert(id, upload);
        Ok(written)
    }

    /// Finish upload `id`: fsync and rename over the target; answers its size.
    async fn write_commit(&mut self, id: u32, caller: Caller) -> Result<u64, FsError> {
        let upload = self.take_upload(id, &caller)?;
        blocking(move || {
            let written = upload.written;
            let path = upload.path;
            upload.file.commit().map_err(|e| FsError::io(&path, &e))?;
            Ok(written)
        })
        .await
    }

    /// Drop upload `id`: its temporary file is removed, the target untouched.
    async fn write_abort(&mut self, id: u32, caller: Caller) -> Result<(), FsError> {
        let upload = self.take_upload(id, &caller)?;
        blocking(move || {
            drop(upload);
            Ok(())
        })
        .await
    }

    /// The entries of the directory at `path` that the scope lets the caller see (no
    /// dotfiles unless the scope includes them, no symlinks that lead out).
    async fn list(
        &mut self,
        path: String,
        scope: CallerScope<FsScope>,
    ) -> Result<Vec<DirEntry>, FsError> {
        let scope = scope.shared();
        blocking(move || {
            let real = resolve(&scope, &path, Access::Content)?;
            let mut out = Vec::new();
            for entry in std::fs::read_dir(&real).map_err(|e| FsError::io(&path, &e))? {
                let entry = entry.map_err(|e| FsError::io(&path, &e))?;
                let child = entry.path();
                let Ok(meta) = std::fs::symlink_metadata(&child) else {
                    continue; // gone meanwhile
                };
                let visible = crate::scope::canonical(&child)
                    .is_ok_and(|c| scope.permits(&c, Access::Name))
                    && scope.permits(&child, Access::Name);
                if visible {
                    out.push(DirEntry {
                        name: entry.file_name().to_string_lossy().into_owned(),
                        kind: kind_of(&meta),
                        size: meta.len(),
                    });
                }
            }
            out.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(out)
        })
        .await
    }

    /// What is at `path`: kind, size, modification time.
    async fn stat(
        &mut self,
        path: String,
        scope: CallerScope<FsScope>,
    ) -> Result<Metadata, FsError> {
        let scope = scope.shared();
        blocking(move || {
            let real = resolve(&scope, &path, Access::Content)?;
            let meta = std::fs::metadata(&real).map_err(|e| FsError::io(&path, &e))?;
            Ok(Metadata {
                kind: kind_of(&meta),
                size: meta.len(),
                modified_ms: meta
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map(|d| d.as_millis() as u64),
                readonly: meta.permissions().readonly(),
            })
        })
        .await
    }

    /// Whether something is at `path`.
    async fn exists(&mut self, path: String, scope: CallerScope<FsScope>) -> Result<bool, FsError> {
        let scope = scope.shared();
        blocking(move || {
            let real = resolve(&scope, &path, Access::Name)?;
            Ok(std::fs::symlink_metadata(real).is_ok())
        })
        .await
    }

    /// Create the directory at `path` (and its missing parents when `recursive`).
    async fn create_dir(
        &mut self,
        path: String,
        recursive: Option<bool>,
        scope: CallerScope<FsScope>,
    ) -> Result<(), FsError> {
        let scope = scope.shared();
        blocking(move || {
            let real = resolve(&scope, &path, Access::Content)?;
            let made = if recursive.unwrap_or(false) {
                std::fs::create_dir_all(&real)
            } else {
                std::fs::create_dir(&real)
            };
            made.map_err(|e| FsError::io(&path, &e))?;
            atomic::sync_dir(&real);
            Ok(())
        })
        .await
    }

    /// Remove the file or directory at `path` (a non-empty directory only when
    /// `recursive`, and only when the scope covers everything inside it).
    async fn remove(
        &mut self,
        path: String,
        recursive: Option<bool>,
        scope: CallerScope<FsScope>,
    ) -> Result<(), FsError> {
        let scope = scope.shared();
        blocking(move || {
            let real = resolve(&scope, &path, Access::Name)?;
            let meta = std::fs::symlink_metadata(&real).map_err(|e| FsError::io(&path, &e))?;
            let removed = if meta.is_dir() {
                if recursive.unwrap_or(false) {
                    if let Some(hidden) = first_outside(&scope, &real) {
                        return Err(FsError::OutOfScope {
                            path,
                            message: format!(
                                "it holds `{}`, which the scope does not include",
                                hidden.display()
                            ),
                        });
                    }
                    std::fs::remove_dir_all(&real)
                } else {
                    std::fs::remove_dir(&real)
                }
            } else {
                std::fs::remove_file(&real)
            };
            removed.map_err(|e| FsError::io(&path, &e))?;
            atomic::sync_dir(&real);
            Ok(())
        })
        .await
    }

    /// Move `from` to `to` (replacing a file at `to`).
    async fn rename(
        &mut self,
        from: String,
        to: String,
        scope: CallerScope<FsScope>,
    ) -> Result<(), FsError> {
        let scope = scope.shared();
        blocking(move || {
            let source = resolve(&scope, &from, Access::Content)?;
            let target = resolve(&scope, &to, Access::Content)?;
            std::fs::rename(&source, &target).map_err(|e| FsError::io(&from, &e))?;
            atomic::sync_dir(&target);
            atomic::sync_dir(&source);
            Ok(())
        })
        .await
    }

    /// Copy the file `from` to `to`, atomically at `to`; answers the bytes copied.
    async fn copy(
        &mut self,
        from: String,
        to: String,
        scope: CallerScope<FsScope>,
    ) -> Result<u64, FsError> {
        let scope = scope.shared();
        blocking(move || {
            let source = resolve(&scope, &from, Access::Content)?;
            let target = resolve(&scope, &to, Access::Content)?;
            let mut input = std::fs::File::open(&source).map_err(|e| FsError::io(&from, &e))?;
            let mut tmp = TempFile::beside(&target).map_err(|e| FsError::io(&to, &e))?;
            let n = std::io::copy(&mut input, tmp.file().map_err(|e| FsError::io(&to, &e))?)
                .map_err(|e| FsError::io(&to, &e))?;
            tmp.commit().map_err(|e| FsError::io(&to, &e))?;
            Ok(n)
        })
        .await
    }

    /// Watch `path` (and everything below it when `recursive`) for changes: each change
    /// inside the caller's scope is emitted on `fs/changed` to the caller's window only.
    /// Answers the watch id for `unwatch`; a closed window's watches stop.
    async fn watch(
        &mut self,
        path: String,
        recursive: Option<bool>,
        scope: CallerScope<FsScope>,
        caller: Caller,
        app: AppHandle,
    ) -> Result<u32, FsError> {
        let window = caller.window.to_string();
        if self
            .cleaned_windows
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(window.clone())
        {
            watch::stop_on_close(&app, &window, &self.watches, &self.cleaned_windows);
        }
        let watches = Arc::clone(&self.watches);
        let scope = scope.shared();
        blocking(move || {
            let real = resolve(&scope, &path, Access::Content)?;
            watch::start(
                &watches,
                app,
                window,
                scope,
                &path,
                &real,
                recursive.unwrap_or(false),
            )
        })
        .await
    }

    /// Stop watch `id` (started by this window); `false` if there was none.
    fn unwatch(&mut self, id: u32, caller: Caller) -> bool {
        watch::stop(&self.watches, id, caller.window.as_str())
    }
}

impl Fs {
    fn take_upload(&mut self, id: u32, caller: &Caller) -> Result<Upload, FsError> {
        match self.uploads.remove(&id) {
            Some(u) if u.window == caller.window.as_str() => Ok(u),
            Some(u) => {
                self.uploads.insert(id, u);
                Err(FsError::UnknownUpload { id })
            }
            None => Err(FsError::UnknownUpload { id }),
        }
    }
}

/// The first entry under `dir` (not following symlinks) that the scope does not include.
fn first_outside(scope: &FsScope, dir: &Path) -> Option<PathBuf> {
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let p = entry.path();
            if !scope.permits(&p, Access::Name) {
                return Some(p);
            }
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(p);
            }
        }
    }
    None
}
