//! `switchboard build`: `before_build`, a release build with the frontend embedded, then the
//! packages of `bundle.targets` in `target/<profile>/bundle/`.

use std::path::PathBuf;

use switchboard_config::BundleTarget;

use crate::bundle::{self, Tree};
use crate::failure::{Failure, Result};
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
    let tree = Tree::new(config, project.version(), &project.root, &binary)?;
    let out = project.target_dir.join(profile.dir()).join("bundle");
    let mut written = Vec::new();
    for target in targets {
        let (label, path) = match target {
            BundleTarget::Deb => ("deb", bundle::deb::write(&tree, config, &out.join("deb"))?),
            BundleTarget::Rpm => ("rpm", bundle::rpm::write(&tree, config, &out.join("rpm"))?),
            BundleTarget::TarGz => ("tar.gz", bundle::targz::write(&tree, &out.join("tar.gz"))?),
        };
        ui::step("Bundled", &format!("{label}: {}", path.display()));
        written.push(path);
    }
    Ok(written)
}
