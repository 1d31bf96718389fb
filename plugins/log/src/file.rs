//! The file layer: formatted lines appended to `<dir>/<name>.log`, rotated by size
//! (`<name>.1.log` is the previous file, up to `<name>.<keep>.log`), a level per target, and
//! the writing done on a dedicated thread.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tracing::Level;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::Layer;

/// A file that rotates by size: when the next write would pass `max_bytes`, `<name>.log`
/// becomes `<name>.1.log` (which becomes `.2`, and so on; past `keep` the oldest goes) and a
/// new `<name>.log` starts. Each write lands whole in one file, so a line is never split.
///
/// ```
/// use std::io::Write;
/// let dir = std::env::temp_dir().join(format!("rotating-doc-{}", std::process::id()));
/// let mut file = switchboard_plugin_log::RotatingFile::open(&dir, "app", 10, 2).unwrap();
/// for _ in 0..4 { file.write_all(b"0123456\n").unwrap(); }
/// assert!(dir.join("app.log").exists() && dir.join("app.2.log").exists());
/// assert!(!dir.join("app.3.log").exists());
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
#[derive(Debug)]
pub struct RotatingFile {
    dir: PathBuf,
    name: String,
    max_bytes: u64,
    keep: usize,
    file: File,
    size: u64,
}

impl RotatingFile {
    /// Open (append to) `<dir>/<name>.log`, creating `dir`.
    pub fn open(
        dir: impl AsRef<Path>,
        name: &str,
        max_bytes: u64,
        keep: usize,
    ) -> io::Result<Self> {
        let dir = dir.as_ref().to_owned();
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.log"));
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        let size = file.metadata()?.len();
        Ok(RotatingFile {
            dir,
            name: name.to_owned(),
            max_bytes: max_bytes.max(1),
            keep,
            file,
            size,
        })
    }

    fn path(&self, n: usize) -> PathBuf {
        if n == 0 {
            self.dir.join(format!("{}.log", self.name))
        } else {
            self.dir.join(format!("{}.{n}.log", self.name))
        }
    }

    fn rotate(&mut self) -> io::Result<()> {
        self.file.flush()?;
        if self.keep == 0 {
            self.file = File::create(self.path(0))?;
        } else {
            let _ = std::fs::remove_file(self.path(self.keep));
            for n in (0..self.keep).rev() {
                let from = self.path(n);
                if from.exists() {
                    std::fs::rename(&from, self.path(n + 1))?;
                }
            }
            self.file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(self.path(0))?;
        }
        self.size = 0;
        Ok(())
    }
}

impl Write for RotatingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.size > 0 && self.size + buf.len() as u64 > self.max_bytes {
            self.rotate()?;
        }
        self.file.write_all(buf)?;
        self.size += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// A log file for the app's subscriber: where, how large before it rotates, how many old
/// files to keep, and which levels of which targets.
#[derive(Debug, Clone)]
pub struct FileLog {
    dir: PathBuf,
    name: String,
    max_bytes: u64,
    keep: usize,
    targets: Vec<(String, LevelFilter)>,
    default: LevelFilter,
}

impl FileLog {
    /// `<dir>/<name>.log`, 5 MiB per file, 3 old files, `info` and above for every target.
    pub fn new(dir: impl Into<PathBuf>, name: &str) -> Self {
        FileLog {
            dir: dir.into(),
            name: name.to_owned(),
            max_bytes: 5 * 1024 * 1024,
            keep: 3,
            targets: Vec::new(),
            default: LevelFilter::INFO,
        }
    }

    /// Rotate when the file would pass `bytes`.
    pub fn max_bytes(mut self, bytes: u64) -> Self {
        self.max_bytes = bytes;
        self
    }

    /// Keep `files` rotated files besides the current one.
    pub fn keep(mut self, files: usize) -> Self {
        self.keep = files;
        self
    }

    /// Write events of `target` (and its sub-targets, `a::b` under `a`) at `level` and above.
    /// Pages' lines have target [`TARGET`](crate::TARGET) (`webview`).
    pub fn level(mut self, target: &str, level: Level) -> Self {
        self.targets
            .push((target.to_owned(), LevelFilter::from_level(level)));
        self
    }

    /// Leave out events of `target` entirely.
    pub fn off(mut self, target: &str) -> Self {
        self.targets.push((target.to_owned(), LevelFilter::OFF));
        self
    }

    /// The level of targets not named with [`FileLog::level`].
    pub fn default_level(mut self, level: Level) -> Self {
        self.default = LevelFilter::from_level(level);
        self
    }

    /// The layer, and the guard of its writer thread: keep the guard alive as long as the app
    /// logs; dropping it writes what is queued and stops the thread.
    pub fn layer<S>(self) -> io::Result<(impl Layer<S> + Send + Sync, WorkerGuard)>
    where
        S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    {
        let file = RotatingFile::open(&self.dir, &self.name, self.max_bytes, self.keep)?;
        let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
            .lossy(false)
            .thread_name("switchboard-log-writer")
            .finish(file);
        let filter = Targets::new()
            .with_targets(self.targets)
            .with_default(self.default);
        let layer = tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(writer)
            .with_filter(filter);
        Ok((layer, guard))
    }
}
