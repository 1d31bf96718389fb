//! The `.tar.gz`: the install tree under `<name>-<version>/` (`usr/bin`, `usr/share`), to
//! unpack anywhere or into `/`.

use std::fs::File;
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use flate2::Compression;

use super::{deb_arch, Tree};
use crate::failure::{Context, Result};

pub(crate) fn write(tree: &Tree, out_dir: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(out_dir).context(|| format!("cannot create {}", out_dir.display()))?;
    let top = format!("{}-{}", tree.name, tree.version);
    let path = out_dir.join(format!("{top}-linux-{}.tar.gz", deb_arch()));
    let file = File::create(&path).context(|| format!("cannot create {}", path.display()))?;
    let mut builder = tar::Builder::new(GzEncoder::new(file, Compression::default()));
    let fail = || format!("writing {}", path.display());
    for dir in
        std::iter::once(String::new()).chain(tree.dirs().into_iter().map(|d| format!("/{d}")))
    {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Directory);
        h.set_mode(0o755);
        h.set_mtime(tree.mtime);
        h.set_size(0);
        builder
            .append_data(&mut h, format!("{top}{dir}/"), std::io::empty())
            .context(fail)?;
    }
    for entry in &tree.entries {
        let bytes = entry.bytes()?;
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_mode(entry.mode);
        h.set_mtime(tree.mtime);
        h.set_size(bytes.len() as u64);
        builder
            .append_data(&mut h, format!("{top}/{}", entry.path), bytes.as_slice())
            .context(fail)?;
    }
    builder
        .into_inner()
        .and_then(GzEncoder::finish)
        .context(fail)?;
    Ok(path)
}
