//! `switchboard bindings [--check]`: the TypeScript bindings of the app's commands, actors,
//! plugins and events, written by the app itself (run with `SWITCHBOARD_BINDINGS=<path>`)
//! to `frontend.bindings`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::failure::{Context, Failure, Result};
use crate::project::{Profile, Project};
use crate::ui;

/// Run the built app so it writes its bindings to `out`.
pub(crate) fn export(binary: &Path, out: &Path, root: &Path) -> Result<()> {
    let _ = std::fs::remove_file(out);
    let result = Command::new(binary)
        .env("SWITCHBOARD_BINDINGS", out)
        .current_dir(root)
        .stdin(Stdio::null())
        .output()
        .context(|| format!("cannot run {}", binary.display()))?;
    if !result.status.success() || !out.is_file() {
        return Err(Failure::new(format!(
            "{} wrote no bindings ({}): {}",
            binary.display(),
            result.status,
            String::from_utf8_lossy(&result.stderr).trim()
        ))
        .next("make main() call `switchboard::bindings::requested()` first and export the bindings there (see the main.rs of `switchboard new`)"));
    }
    Ok(())
}

/// A scratch file in the target folder.
pub(crate) fn scratch(project: &Project, name: &str) -> PathBuf {
    let dir = project.target_dir.join("switchboard");
    let _ = std::fs::create_dir_all(&dir);
    dir.join(format!("{}-{name}", std::process::id()))
}

/// Export to a scratch file and copy it over `frontend.bindings` only when it changed (so a
/// dev server does not reload for nothing). Whether it changed.
pub(crate) fn refresh(project: &Project, binary: &Path) -> Result<bool> {
    let target = project.path(&project.config.frontend.bindings);
    let fresh = scratch(project, "bindings.ts");
    export(binary, &fresh, &project.root)?;
    let new = std::fs::read(&fresh).context(|| format!("cannot read {}", fresh.display()))?;
    let _ = std::fs::remove_file(&fresh);
    if std::fs::read(&target).ok().as_deref() == Some(new.as_slice()) {
        return Ok(false);
    }
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir).context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(&target, new).context(|| format!("cannot write {}", target.display()))?;
    Ok(true)
}

pub(crate) fn run(project: &Project, check: bool) -> Result<()> {
    let binary = project.cargo_build(Profile::Debug)?;
    let target = project.path(&project.config.frontend.bindings);
    let shown = project.config.frontend.bindings.clone();
    if check {
        let fresh = scratch(project, "bindings.ts");
        export(&binary, &fresh, &project.root)?;
        let same = std::fs::read(&fresh).ok() == std::fs::read(&target).ok();
        let _ = std::fs::remove_file(&fresh);
        if !same {
            return Err(Failure::new(format!(
                "{shown} is stale: the Rust API changed since it was written"
            ))
            .next("run `switchboard bindings` and commit the file"));
        }
        ui::step("Checked", &format!("{shown} is current"));
    } else if refresh(project, &binary)? {
        ui::step("Wrote", &shown);
    } else {
        ui::step("Checked", &format!("{shown} was already current"));
    }
    Ok(())
}
