//! The `.deb`: an `ar` archive of `debian-binary`, `control.tar.gz` and `data.tar.gz`
//! (deb(5)), written with the `ar`, `tar` and `flate2` crates.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use flate2::Compression;
use switchboard_config::Config;

use super::{deb_arch, Tree};
use crate::failure::{Context, Result};

/// The packages a Switchboard app needs at run time on Debian and Ubuntu (WebKitGTK 4.1).
pub(crate) const RUNTIME_DEPENDS: &[&str] = &["libwebkit2gtk-4.1-0", "libgtk-3-0"];

/// A Debian package name: lower case, `_` as `-`.
pub(crate) fn package_name(name: &str) -> String {
    name.to_ascii_lowercase().replace('_', "-")
}

/// The control file.
pub(crate) fn control(tree: &Tree, config: &Config) -> Result<String> {
    let mut depends: Vec<String> = RUNTIME_DEPENDS.iter().map(|s| (*s).to_owned()).collect();
    depends.extend(config.bundle.deb.depends.iter().cloned());
    let maintainer = config.bundle.publisher.clone().unwrap_or_else(|| {
        format!(
            "{} maintainers <nobody@example.invalid>",
            config.product_name()
        )
    });
    let mut text = format!(
        "Package: {}\nVersion: {}\nArchitecture: {}\nMaintainer: {maintainer}\nInstalled-Size: {}\nDepends: {}\nSection: {}\nPriority: optional\n",
        package_name(&tree.name),
        tree.version,
        deb_arch(),
        tree.size()?.div_ceil(1024),
        depends.join(", "),
        config.bundle.deb.section.as_deref().unwrap_or("utils"),
    );
    if let Some(home) = &config.bundle.homepage {
        text.push_str(&format!("Homepage: {home}\n"));
    }
    text.push_str(&format!("Description: {}\n", tree.summary));
    for line in tree.description.lines() {
        let line = line.trim_end();
        text.push_str(if line.is_empty() { " .\n" } else { " " });
        if !line.is_empty() {
            text.push_str(line);
            text.push('\n');
        }
    }
    Ok(text)
}

fn header(size: u64, mode: u32, mtime: u64, kind: tar::EntryType) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(mode);
    h.set_mtime(mtime);
    h.set_uid(0);
    h.set_gid(0);
    let _ = h.set_username("root");
    let _ = h.set_groupname("root");
    h
}

/// A `.tar.gz` of `(path, bytes, mode)` files and the folders they are in.
fn tar_gz(files: &[(String, Vec<u8>, u32)], dirs: &[String], mtime: u64) -> Result<Vec<u8>> {
    let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::default()));
    for dir in dirs {
        let mut h = header(0, 0o755, mtime, tar::EntryType::Directory);
        builder
            .append_data(&mut h, format!("./{dir}/"), std::io::empty())
            .context(|| "writing a tar archive".to_owned())?;
    }
    for (path, bytes, mode) in files {
        let mut h = header(bytes.len() as u64, *mode, mtime, tar::EntryType::Regular);
        builder
            .append_data(&mut h, format!("./{path}"), bytes.as_slice())
            .context(|| "writing a tar archive".to_owned())?;
    }
    let gz = builder
        .into_inner()
        .context(|| "writing a tar archive".to_owned())?;
    gz.finish()
        .context(|| "compressing a tar archive".to_owned())
}

/// Write `<name>_<version>_<arch>.deb` into `out_dir`.
pub(crate) fn write(tree: &Tree, config: &Config, out_dir: &Path) -> Result<PathBuf> {
    let control_text = control(tree, config)?;
    let control = tar_gz(
        &[("control".to_owned(), control_text.into_bytes(), 0o644)],
        &[],
        tree.mtime,
    )?;
    let mut files = Vec::new();
    for entry in &tree.entries {
        files.push((entry.path.clone(), entry.bytes()?, entry.mode));
    }
    let data = tar_gz(&files, &tree.dirs(), tree.mtime)?;

    std::fs::create_dir_all(out_dir).context(|| format!("cannot create {}", out_dir.display()))?;
    let path = out_dir.join(format!(
        "{}_{}_{}.deb",
        package_name(&tree.name),
        tree.version,
        deb_arch()
    ));
    let file = File::create(&path).context(|| format!("cannot create {}", path.display()))?;
    let mut ar = ar::Builder::new(file);
    for (name, bytes) in [
        ("debian-binary", b"2.0\n".to_vec()),
        ("control.tar.gz", control),
        ("data.tar.gz", data),
    ] {
        let mut header = ar::Header::new(name.as_bytes().to_vec(), bytes.len() as u64);
        header.set_mode(0o100644);
        header.set_mtime(tree.mtime);
        ar.append(&header, bytes.as_slice())
            .context(|| format!("writing {}", path.display()))?;
    }
    ar.into_inner()
        .and_then(|mut f| f.flush().map(|_| f))
        .context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn the_control_file_depends_on_webkitgtk_and_folds_the_description() {
        let text = "name = \"My_App\"\nidentifier = \"com.example.app\"\n[bundle]\ndescription = \"First.\\n\\nSecond.\"\ndeb.depends = [\"libsqlite3-0\"]\n";
        let config = Config::parse(Path::new("switchboard.toml"), text).unwrap();
        let tree = Tree {
            name: "My_App".into(),
            version: "1.2.3".into(),
            summary: "An app".into(),
            description: "First.\n\nSecond.".into(),
            entries: Vec::new(),
            mtime: 0,
        };
        let control = control(&tree, &config).unwrap();
        assert!(
            control.starts_with("Package: my-app\nVersion: 1.2.3\n"),
            "{control}"
        );
        assert!(
            control.contains("Depends: libwebkit2gtk-4.1-0, libgtk-3-0, libsqlite3-0\n"),
            "{control}"
        );
        assert!(
            control.ends_with("Description: An app\n First.\n .\n Second.\n"),
            "{control}"
        );
    }
}
