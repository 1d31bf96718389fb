//! Packages of a built app. Every format holds the same install tree ([`Tree`]):
//! `usr/bin/<name>`, `usr/share/applications/<name>.desktop` and the icon at the standard
//! sizes under `usr/share/icons/hicolor/`, plus `bundle.deb.files`.

pub(crate) mod deb;
pub(crate) mod rpm;
pub(crate) mod targz;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use switchboard_config::Config;

use crate::failure::{Context, Result};
use crate::icon;

/// What a file's bytes are.
pub(crate) enum Data {
    File(PathBuf),
    Bytes(Vec<u8>),
}

/// One file of the install tree: its path without a leading `/`, its contents, its mode.
pub(crate) struct Entry {
    pub(crate) path: String,
    pub(crate) data: Data,
    pub(crate) mode: u32,
}

impl Entry {
    pub(crate) fn len(&self) -> Result<u64> {
        match &self.data {
            Data::Bytes(b) => Ok(b.len() as u64),
            Data::File(p) => Ok(std::fs::metadata(p)
                .context(|| format!("cannot read {}", p.display()))?
                .len()),
        }
    }

    pub(crate) fn bytes(&self) -> Result<Vec<u8>> {
        match &self.data {
            Data::Bytes(b) => Ok(b.clone()),
            Data::File(p) => std::fs::read(p).context(|| format!("cannot read {}", p.display())),
        }
    }
}

/// The app as it is installed, and what packages say about it.
pub(crate) struct Tree {
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) summary: String,
    pub(crate) description: String,
    pub(crate) entries: Vec<Entry>,
    /// When the files were made (`SOURCE_DATE_EPOCH`, else now).
    pub(crate) mtime: u64,
}

impl Tree {
    /// The tree of `binary`, as `config` describes the app; relative paths are under `root`.
    pub(crate) fn new(config: &Config, version: &str, root: &Path, binary: &Path) -> Result<Tree> {
        let name = config.name.get_ref().clone();
        let mut entries = vec![Entry {
            path: format!("usr/bin/{name}"),
            data: Data::File(binary.to_owned()),
            mode: 0o755,
        }];
        let summary = config
            .bundle
            .short_description
            .clone()
            .unwrap_or_else(|| format!("{}, a Switchboard app", config.product_name()));
        entries.push(Entry {
            path: format!("usr/share/applications/{name}.desktop"),
            data: Data::Bytes(desktop_entry(config, &summary).into_bytes()),
            mode: 0o644,
        });
        let icon_source = config.bundle.icon.as_ref().map(|path| root.join(path));
        let pngs = match icon_source {
            Some(path) => icon::sizes(&path)?,
            None => {
                let dir = tempfile_dir()?;
                let path = dir.join("icon.png");
                std::fs::write(&path, icon::default_png(config.product_name())?)
                    .context(|| format!("cannot write {}", path.display()))?;
                icon::sizes(&path)?
            }
        };
        for (n, png) in pngs {
            entries.push(Entry {
                path: format!("usr/share/icons/hicolor/{n}x{n}/apps/{name}.png"),
                data: Data::Bytes(png),
                mode: 0o644,
            });
        }
        for (dest, source) in &config.bundle.deb.files {
            entries.push(Entry {
                path: dest.trim_start_matches('/').to_owned(),
                data: Data::File(root.join(source)),
                mode: 0o644,
            });
        }
        let mtime = std::env::var("SOURCE_DATE_EPOCH")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0)
            });
        Ok(Tree {
            name,
            version: version.to_owned(),
            description: config
                .bundle
                .description
                .clone()
                .unwrap_or_else(|| summary.clone()),
            summary,
            entries,
            mtime,
        })
    }

    /// Every folder the files are in, parents first (`usr`, `usr/bin`, ...).
    pub(crate) fn dirs(&self) -> Vec<String> {
        let mut dirs = BTreeSet::new();
        for entry in &self.entries {
            let mut path = Path::new(&entry.path);
            while let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                dirs.insert(parent.to_string_lossy().into_owned());
                path = parent;
            }
        }
        dirs.into_iter().collect()
    }

    /// Total size of the files in bytes.
    pub(crate) fn size(&self) -> Result<u64> {
        self.entries.iter().map(Entry::len).sum()
    }
}

fn tempfile_dir() -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("switchboard-icon-{}", std::process::id()));
    std::fs::create_dir_all(&dir).context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

/// The `.desktop` file (freedesktop.org desktop entry spec).
pub(crate) fn desktop_entry(config: &Config, summary: &str) -> String {
    let name = config.name.get_ref();
    format!(
        "[Desktop Entry]\nType=Application\nVersion=1.0\nName={}\nComment={summary}\nExec={name}\nIcon={name}\nTerminal=false\nCategories={:?};\nStartupWMClass={name}\n",
        config.product_name(),
        config.bundle.category,
    )
}

/// The machine's architecture as Debian names it.
pub(crate) fn deb_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "i386",
        "arm" => "armhf",
        "riscv64" => "riscv64",
        other => other,
    }
}
