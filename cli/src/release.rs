//! `switchboard build`: `before_build`, a release build with the frontend embedded, then the
//! packages of `bundle.targets` in `target/<profile>/bundle/`.
//!
//! No AppImage: making one needs the AppImage runtime (a prebuilt binary from the AppImage
//! project's releases) and `appimagetool`, which neither crates.io, Debian nor npm carry.

use std::path::{Path, PathBuf};
use std::process::Command;

use switchboard_config::BundleTarget;

use crate::bundle::{self, Tree};
use crate::failure::{Context, Failure, Result};
use crate::project::{shell, Profile, Project};
use crate::ui;

/// What `build` was asked for.
pub(crate) struct BuildOptions {
    /// A debug build (faster to make, bigger and slower to run).
    pub(crate) debug: bool,
    /// The packages to make; `None`: the config's `bundle.targets`.
    pub(crate) bundles: Option<Vec<BundleTarget>>,
    /// Only the binary, no package.
    pub(crate) no_bundle: bool,
}

pub(crate) fn run(project: &Project, options: &BuildOptions) -> Result<Vec<PathBuf>> {
    let config = &project.config;
    if let Some(command) = &config.frontend.before_build {
        shell(command, &project.root, "before_build")?;
    }
    let dist = project.path(&config.frontend.dist);
    if !dist.join("index.html").is_file() {
        return Err(Failure::new(format!(
            "the frontend is not built: {} has no index.html",
            dist.display()
        ))
        .next(match &config.frontend.before_build {
            Some(cmd) => format!("make `{cmd}` (frontend.before_build) write the built frontend into `{}` (frontend.dist)", config.frontend.dist),
            None => format!("set frontend.before_build in switchboard.toml to the command that builds the frontend into `{}` (e.g. `npm run build`)", config.frontend.dist),
        }));
    }
    let profile = if options.debug {
        Profile::Debug
    } else {
        Profile::Release
    };
    let binary = project.cargo_build(profile)?;
    ui::step("Built", &binary.display().to_string());
    if options.no_bundle {
        return Ok(vec![binary]);
    }
    let targets = options
        .bundles
        .clone()
        .unwrap_or_else(|| config.bundle.targets.clone());
    let out = project.target_dir.join(profile.dir()).join("bundle");
    let long = ui::Long::start("Preparing", "the install tree (stripped binary, icons)");
    let packaged = stripped(&binary, &out)?;
    let tree = Tree::new(config, project.version(), &project.root, &packaged)?;
    long.finish();
    let mut written = Vec::new();
    for target in targets {
        let long = ui::Long::start("Bundling", &format!("{target:?}"));
        let (label, path) = match target {
            BundleTarget::Deb => ("deb", bundle::deb::write(&tree, config, &out.join("deb"))?),
            BundleTarget::Rpm => ("rpm", bundle::rpm::write(&tree, config, &out.join("rpm"))?),
            BundleTarget::TarGz => ("tar.gz", bundle::targz::write(&tree, &out.join("tar.gz"))?),
        };
        long.finish();
        ui::step("Bundled", &format!("{label}: {}", path.display()));
        written.push(path);
    }
    Ok(written)
}

/// The binary without its debug information and symbols (`strip`, from binutils), as
/// packages ship it; the binary as built when `strip` is missing.
fn stripped(binary: &Path, out: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(out).context(|| format!("cannot create {}", out.display()))?;
    let name = binary.file_name().unwrap_or_default();
    let target = out.join(name);
    let status = Command::new("strip")
        .arg("-o")
        .arg(&target)
        .arg(binary)
        .status();
    match status {
        Ok(s) if s.success() => Ok(target),
        _ => {
            ui::warn("`strip` (binutils) is missing or failed: the packages hold the binary with its debug information");
            Ok(binary.to_owned())
        }
    }
}
