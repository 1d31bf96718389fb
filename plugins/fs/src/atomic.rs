//! Atomic replacement of a file: a temporary file in the same directory, written and
//! fsynced, renamed over the target, then the directory fsynced. A reader (or a crash) sees
//! the old file or the new one, never a mix.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A temporary file beside `target`, removed on drop unless committed.
pub(crate) struct TempFile {
    path: PathBuf,
    file: Option<File>,
    target: PathBuf,
}

impl TempFile {
    /// Create a new temporary file in `target`'s directory.
    pub(crate) fn beside(target: &Path) -> io::Result<Self> {
        let dir = target.parent().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "the path has no parent directory",
            )
        })?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(format!(".{name}.{}-{n}.tmp", std::process::id()));
            match File::options().write(true).create_new(true).open(&path) {
                Ok(file) => {
                    return Ok(TempFile {
                        path,
                        file: Some(file),
                        target: target.to_owned(),
                    })
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Append bytes.
    pub(crate) fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match &mut self.file {
            Some(f) => f.write_all(bytes),
            None => Err(io::Error::other("the file was committed")),
        }
    }

    /// The open file (to copy into).
    pub(crate) fn file(&mut self) -> io::Result<&mut File> {
        self.file
            .as_mut()
            .ok_or_else(|| io::Error::other("the file was committed"))
    }

    /// fsync, rename over the target, fsync the directory.
    pub(crate) fn commit(mut self) -> io::Result<()> {
        if let Some(file) = self.file.take() {
            file.sync_all()?;
        }
        std::fs::rename(&self.path, &self.target)?;
        sync_dir(&self.target);
        self.path = PathBuf::new();
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.path.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Make a rename durable: fsync the directory that holds `path` (best effort; not every
/// platform can open a directory).
pub(crate) fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent() {
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
}

/// Replace `target` with `bytes`, atomically.
pub(crate) fn write(target: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut tmp = TempFile::beside(target)?;
    tmp.write_all(bytes)?;
    tmp.commit()
}
