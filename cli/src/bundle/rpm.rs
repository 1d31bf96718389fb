//! The `.rpm`, written with the `rpm` crate (gzip payload, unsigned).

use std::path::{Path, PathBuf};

use switchboard_config::Config;

use super::{Data, Tree};
use crate::failure::{Context, Result};

/// The packages a Switchboard app needs at run time on Fedora and openSUSE (WebKitGTK 4.1).
pub(crate) const RUNTIME_REQUIRES: &[&str] = &["webkit2gtk4.1", "gtk3"];

/// RPM versions cannot hold `-`.
fn rpm_version(version: &str) -> String {
    version.replace('-', "~")
}

pub(crate) fn write(tree: &Tree, config: &Config, out_dir: &Path) -> Result<PathBuf> {
    let arch = std::env::consts::ARCH;
    let version = rpm_version(&tree.version);
    let license = config
        .bundle
        .license
        .as_deref()
        .unwrap_or("LicenseRef-Proprietary");
    let release = config
        .bundle
        .rpm
        .release
        .clone()
        .unwrap_or_else(|| "1".to_owned());
    let mut builder = rpm::PackageBuilder::new(&tree.name, &version, license, arch, &tree.summary);
    builder
        .using_config(
            rpm::BuildConfig::v4()
                .compression(rpm::CompressionType::Gzip)
                .source_date(tree.mtime as u32),
        )
        .release(release.clone())
        .description(tree.description.clone());
    if let Some(home) = &config.bundle.homepage {
        builder.url(home.clone());
    }
    if let Some(publisher) = &config.bundle.publisher {
        builder.vendor(publisher.clone());
    }
    for dep in RUNTIME_REQUIRES
        .iter()
        .map(|s| (*s).to_owned())
        .chain(config.bundle.rpm.depends.iter().cloned())
    {
        builder.requires(rpm::Dependency::any(dep));
    }
    let fail = |e: rpm::Error| crate::failure::Failure::new(format!("building the rpm: {e}"));
    for entry in &tree.entries {
        let options =
            rpm::FileOptions::new(format!("/{}", entry.path)).permissions(entry.mode as u16);
        match &entry.data {
            Data::File(path) => builder.with_file(path, options).map_err(fail)?,
            Data::Bytes(bytes) => builder
                .with_file_contents(bytes.clone(), options)
                .map_err(fail)?,
        };
    }
    let package = builder.build().map_err(fail)?;
    std::fs::create_dir_all(out_dir).context(|| format!("cannot create {}", out_dir.display()))?;
    let path = out_dir.join(format!("{}-{version}-{release}.{arch}.rpm", tree.name));
    package
        .write_file(&path)
        .context(|| format!("writing {}", path.display()))?;
    Ok(path)
}
