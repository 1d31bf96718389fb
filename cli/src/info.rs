//! `switchboard info`: the versions of everything that matters, the config as resolved
//! (defaults filled in), the capabilities, and the app's API with the permission each call
//! needs (commands, actors and plugins, read from the app's own bindings export).

use std::path::Path;
use std::process::Command;

use switchboard_config::CapabilityFile;

use crate::bindings;
use crate::failure::{Context, Result};
use crate::project::{Profile, Project};
use crate::ui;

fn first_line(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "not found".to_owned())
}

fn os() -> String {
    std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|t| {
            t.lines().find_map(|l| {
                l.strip_prefix("PRETTY_NAME=")
                    .map(|v| v.trim_matches('"').to_owned())
            })
        })
        .unwrap_or_else(|| std::env::consts::OS.to_owned())
}

/// Versions of the crates that matter, from the app's Cargo.lock.
fn locked(root: &Path) -> Vec<(String, String)> {
    const WANTED: &[&str] = &[
        "switchboard",
        "switchboard-runtime-wry",
        "switchboard-protocol",
        "switchboard-config",
        "wry",
        "tao",
        "webkit2gtk",
        "tokio",
    ];
    let Ok(text) = std::fs::read_to_string(root.join("Cargo.lock")) else {
        return Vec::new();
    };
    let Ok(lock) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    let mut found: Vec<(String, String)> = lock
        .get("package")
        .and_then(|p| p.as_array())
        .map(|ps| {
            ps.iter()
                .filter_map(|p| Some((p.get("name")?.as_str()?, p.get("version")?.as_str()?)))
                .filter(|(n, _)| WANTED.contains(n))
                .map(|(n, v)| (n.to_owned(), v.to_owned()))
                .collect()
        })
        .unwrap_or_default();
    found.sort_by_key(|(n, _)| WANTED.iter().position(|w| w == n));
    found
}

/// The targets the bindings call: `cmd:greet`, `counter.add`, `plugin:kv.get`.
pub(crate) fn targets(bindings_ts: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in bindings_ts.split("invoke<").skip(1) {
        if let Some(rest) = part.split_once(">(\"").map(|(_, r)| r) {
            if let Some((target, _)) = rest.split_once('"') {
                out.push(target.to_owned());
            }
        }
    }
    for part in bindings_ts.split("stream<").skip(1) {
        if let Some(rest) = part.split_once(">(\"").map(|(_, r)| r) {
            if let Some((target, _)) = rest.split_once('"') {
                out.push(target.to_owned());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

pub(crate) fn run(project: &Project) -> Result<()> {
    let row = |k: &str, v: &str| println!("  {k:<26} {v}");
    println!("{}", ui::bold("Versions"));
    row("switchboard (this CLI)", env!("CARGO_PKG_VERSION"));
    for (name, version) in locked(&project.root) {
        row(&name, &version);
    }
    row("rustc", &first_line("rustc", &["--version"]));
    row(
        "cargo",
        &first_line(&crate::project::cargo(), &["--version"]),
    );
    row("node", &first_line("node", &["--version"]));
    row("npm", &first_line("npm", &["--version"]));
    row(
        "WebKitGTK (webkit2gtk-4.1)",
        &first_line("pkg-config", &["--modversion", "webkit2gtk-4.1"]),
    );
    row(
        "GTK (gtk+-3.0)",
        &first_line("pkg-config", &["--modversion", "gtk+-3.0"]),
    );
    row("OS", &os());

    println!("\n{}", ui::bold("Project"));
    row("folder", &project.root.display().to_string());
    row(
        "package / binary",
        &format!("{} / {}", project.package, project.bin),
    );
    row("target folder", &project.target_dir.display().to_string());

    println!(
        "\n{} (defaults filled in)",
        ui::bold("switchboard.toml, as resolved")
    );
    let mut resolved = project.config.clone();
    resolved.version = Some(project.version().to_owned());
    resolved.product_name = Some(project.config.product_name().to_owned());
    let text = toml::to_string_pretty(&resolved).context(|| "showing the config".to_owned())?;
    for line in text.lines() {
        println!("  {line}");
    }

    let dir = project.path(&project.config.security.capabilities);
    println!("\n{} ({})", ui::bold("Capabilities"), dir.display());
    let capabilities = CapabilityFile::load_dir(&dir)?;
    if capabilities.is_empty() {
        println!("  none: every call from a page is refused");
    }
    for (path, c) in &capabilities {
        let file = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        println!(
            "  {} ({file}): windows {:?} grants {:?}",
            c.identifier, c.windows, c.permissions
        );
    }

    println!("\n{}", ui::bold("API: what each call needs granted"));
    let binary = project.binary(Profile::Debug);
    if !binary.is_file() {
        println!("  (the app is not built yet: run `cargo build` or `switchboard bindings` to list its commands, actors and plugins)");
        return Ok(());
    }
    let out = bindings::scratch(project, "info-bindings.ts");
    bindings::export(&binary, &out, &project.root)?;
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    let _ = std::fs::remove_file(&out);
    let mut plugins = 0;
    for target in targets(&text) {
        let kind = if target.starts_with("cmd:") {
            "command"
        } else if target.starts_with("plugin:") {
            plugins += 1;
            "plugin"
        } else {
            "actor"
        };
        let granted = capabilities
            .iter()
            .filter(|(_, c)| c.permissions.iter().any(|p| grants(p, &target)))
            .map(|(_, c)| c.identifier.as_str())
            .collect::<Vec<_>>();
        let by = if granted.is_empty() {
            "granted to no window".to_owned()
        } else {
            format!("granted by {}", granted.join(", "))
        };
        println!("  {kind:<8} {target:<32} {by}");
    }
    if plugins == 0 {
        println!("  (no plugins)");
    }
    println!(
        "  (from the debug build at {}; rebuild for a fresher list)",
        binary.display()
    );
    Ok(())
}

/// Whether a permission pattern (`cmd:*`, `counter.*`, `*`) grants a call target.
fn grants(pattern: &str, target: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => target.starts_with(prefix),
        None => pattern == target,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_targets_are_read_from_bindings() {
        let ts = r#"greet(name: string, options?: InvokeOptions): Promise<string> {
    return invoke<string>("cmd:greet", { name }, options);
  add(by: number): Promise<number> { return invoke<number>("counter.add", { by }, options); }
  get(): Promise<Map<string, number>> { return invoke<Map<string, number>>("plugin:kv.get", {}, options); }"#;
        assert_eq!(targets(ts), ["cmd:greet", "counter.add", "plugin:kv.get"]);
        assert!(grants("counter.*", "counter.add"));
        assert!(grants("*", "cmd:greet"));
        assert!(!grants("cmd:greet", "cmd:greeting"));
    }
}
