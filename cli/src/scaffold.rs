//! `switchboard new <name>`: a working app from a template: one command, one actor, a
//! TypeScript frontend on bindings generated from the Rust code, `switchboard.toml`, a
//! capability file, a Rust test through the in-process client, a frontend test with the JS
//! mocks, and a README. Built so that `cargo test`, `npm test`, `switchboard dev` and
//! `switchboard build` work at once.

use std::path::{Path, PathBuf};
use std::process::Command;

use clap::ValueEnum;

use crate::failure::{Context, Failure, Result};
use crate::{icon, ui};

mod files {
    include!(concat!(env!("OUT_DIR"), "/templates.rs"));
}

/// The frontend a new app starts with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Template {
    /// TypeScript without a framework, on Vite.
    VanillaTs,
    /// React and TypeScript, on Vite.
    ReactTs,
}

impl Template {
    fn folder(self) -> &'static str {
        match self {
            Template::VanillaTs => "vanilla-ts",
            Template::ReactTs => "react-ts",
        }
    }
}

/// What `new` was asked for.
pub(crate) struct NewApp {
    pub(crate) name: String,
    pub(crate) dir: PathBuf,
    pub(crate) template: Template,
    pub(crate) identifier: Option<String>,
    pub(crate) switchboard_path: PathBuf,
    /// Run `npm install` and `npm run build` (and build the JS client when needed).
    pub(crate) install: bool,
}

/// The Switchboard checkout this CLI was built from.
pub(crate) fn built_from() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn check_name(name: &str) -> Result<()> {
    let ok = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(Failure::new(format!("`{name}` cannot name an app")).next(
            "pick a name that starts with a letter and has only letters, digits, `-` and `_`, e.g. `switchboard new my-app`",
        ))
    }
}

fn product_name(name: &str) -> String {
    name.split(['-', '_'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where a template file is written in the app (`Cargo.toml.tmpl` → `Cargo.toml`,
/// `gitignore` → `.gitignore`).
fn destination(relative: &str) -> String {
    match relative {
        "gitignore" => ".gitignore".to_owned(),
        "npmrc" => ".npmrc".to_owned(),
        other => other.strip_suffix(".tmpl").unwrap_or(other).to_owned(),
    }
}

pub(crate) fn run(new: &NewApp) -> Result<()> {
    check_name(&new.name)?;
    let sb = new
        .switchboard_path
        .canonicalize()
        .ok()
        .filter(|p| p.join("core/Cargo.toml").is_file() && p.join("runtime-wry/Cargo.toml").is_file())
        .ok_or_else(|| {
            Failure::new(format!(
                "{} is not a Switchboard checkout (no core/ and runtime-wry/ crates there)",
                new.switchboard_path.display()
            ))
            .next("pass the folder of your Switchboard clone: `switchboard new <name> --switchboard-path <dir>`")
        })?;
    if new.dir.exists()
        && std::fs::read_dir(&new.dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(
            Failure::new(format!("{} exists and is not empty", new.dir.display()))
                .next("pick another name, or remove that folder first"),
        );
    }
    let crate_name = new.name.replace('-', "_");
    let product = product_name(&new.name);
    let identifier = new
        .identifier
        .clone()
        .unwrap_or_else(|| format!("com.example.{}", new.name.replace('_', "-")));
    let sb_text = sb.display().to_string();
    let fill = |text: &str| {
        text.replace("{{name}}", &new.name)
            .replace("{{crate_name}}", &crate_name)
            .replace("{{product_name}}", &product)
            .replace("{{identifier}}", &identifier)
            .replace("{{switchboard_path}}", &sb_text)
    };

    ui::step(
        "Creating",
        &format!(
            "{} ({} template) in {}",
            ui::bold(&new.name),
            new.template.folder(),
            new.dir.display()
        ),
    );
    for (path, contents) in files::FILES {
        let Some((folder, relative)) = path.split_once('/') else {
            continue;
        };
        if folder != "common" && folder != new.template.folder() {
            continue;
        }
        let target = new.dir.join(destination(relative));
        write(&target, fill(contents).as_bytes())?;
    }
    write(
        &new.dir.join("switchboard.schema.json"),
        switchboard_config::schema_json().as_bytes(),
    )?;
    write(
        &new.dir.join("icons/icon.png"),
        &icon::default_png(&product)?,
    )?;
    write(
        &new.dir.join("README.md"),
        readme(new, &product, &sb).as_bytes(),
    )?;
    // the versions Switchboard itself is tested with
    if let Ok(lock) = std::fs::read_to_string(sb.join("Cargo.lock")) {
        write(&new.dir.join("Cargo.lock"), lock.as_bytes())?;
    }

    if new.install {
        client_package(&sb)?;
        npm(
            &new.dir,
            &["install", "--no-audit", "--no-fund", "--prefer-offline"],
            "installing the frontend's npm packages",
        )?;
        npm(
            &new.dir,
            &["run", "build"],
            "building the frontend into dist/",
        )?;
    }

    eprintln!();
    ui::step("Done", &format!("{} is ready. Next:", ui::bold(&new.name)));
    let cd = new.dir.display();
    if !new.install {
        eprintln!("    cd {cd} && npm install && npm run build");
    } else {
        eprintln!("    cd {cd}");
    }
    eprintln!(
        "    switchboard dev      # the app on the dev server, rebuilt when the Rust changes"
    );
    eprintln!("    cargo test && npm test");
    eprintln!("    switchboard build    # a release build, .deb, .rpm and .tar.gz");
    Ok(())
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(path, bytes).context(|| format!("cannot write {}", path.display()))
}

fn npm(dir: &Path, args: &[&str], what: &str) -> Result<()> {
    let long = ui::Long::start("Running", &format!("npm {} ({what})", args.join(" ")));
    let out = Command::new("npm")
        .args(args)
        .current_dir(dir)
        .output()
        .context(|| "cannot run npm".to_owned())
        .map_err(|f| {
            f.next("install Node.js 20 or newer with npm (`switchboard doctor` says how)")
        })?;
    if out.status.success() {
        long.finish();
        Ok(())
    } else {
        long.abandon();
        eprintln!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        Err(Failure::new(format!(
            "`npm {}` failed in {} ({what})",
            args.join(" "),
            dir.display()
        ))
        .next(format!(
            "run `npm {}` in {} to see why; the app's files are written",
            args.join(" "),
            dir.display()
        )))
    }
}

/// The app depends on `@switchboard/client` from the checkout's `js-client/`: its package
/// must be built (`dist/`).
fn client_package(sb: &Path) -> Result<()> {
    let js = sb.join("js-client");
    if js.join("dist/index.js").is_file() && js.join("dist/mocks.js").is_file() {
        return Ok(());
    }
    ui::step(
        "Building",
        "@switchboard/client in the Switchboard checkout (its dist/ is missing)",
    );
    if !js.join("node_modules").is_dir() {
        npm(
            &js,
            &["ci", "--no-audit", "--no-fund", "--prefer-offline"],
            "the JS client's build tools",
        )?;
    }
    npm(&js, &["run", "build"], "building @switchboard/client")
}

fn readme(new: &NewApp, product: &str, sb: &Path) -> String {
    let react = if new.template == Template::ReactTs {
        " and React"
    } else {
        ""
    };
    format!(
        r#"# {product}

A desktop app on [Switchboard](file://{sb}): Rust on one side, a web page (TypeScript{react}, on
Vite) on the other, one message bus between them. Made with `switchboard new {name}`.

```sh
switchboard dev       # opens the app on the dev server; Rust changes rebuild and restart it
cargo test            # the Rust API through the in-process client (tests/app.rs)
npm test              # the frontend with the JS mocks (frontend/*.test.ts)
switchboard build     # release build with the frontend embedded, then .deb, .rpm, .tar.gz
```

## What is where

| file | what it is |
|---|---|
| `switchboard.toml` | the app: name, identifier, windows, frontend, security, bundle (keys in `switchboard.schema.json`) |
| `src/lib.rs` | the API: the `greet` command and the `counter` actor |
| `src/main.rs` | opens the windows of `switchboard.toml` and runs the app |
| `build.rs` | reads `switchboard.toml` at build time (a mistake fails the build with file:line:column) |
| `capabilities/main.toml` | what the `main` window may call; everything else is refused |
| `frontend/` | the page; `bindings.ts` is generated from the Rust code |
| `tests/app.rs`, `frontend/*.test.ts` | the tests |
| `icons/icon.png` | the icon the packages are made from |

After changing a command's or an actor's signature in Rust, run `switchboard bindings`
(`switchboard dev` does it on every Rust change): `frontend/bindings.ts` is rewritten and
TypeScript shows what the change broke. `switchboard bindings --check` fails when it is stale
(for CI).

## Switchboard is not published yet

Until Switchboard's crates are on crates.io and its client on npm, this app uses them from
the checkout at `{sb}`:

- `Cargo.toml`: `switchboard`, `switchboard-runtime-wry` and `switchboard-config` by `path`;
- `package.json`: `@switchboard/client` by a `file:` path (copied into `node_modules`, see
  `.npmrc`; run `npm run build` in that checkout's `js-client/` if it has no `dist/`).

Move the checkout and these paths need changing (or make the app again with
`switchboard new --switchboard-path <checkout>`). `Cargo.lock` was copied from the checkout,
so the app builds with the dependency versions Switchboard is tested with.
"#,
        name = new.name,
        sb = sb.display(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_product_names() {
        assert_eq!(product_name("my-app"), "My App");
        assert_eq!(product_name("notes_2"), "Notes 2");
    }

    #[test]
    fn bad_names_are_refused_with_an_example() {
        let e = check_name("1app").unwrap_err();
        assert!(e
            .next
            .unwrap_or_default()
            .contains("switchboard new my-app"));
        assert!(check_name("my app").is_err());
        assert!(check_name("my-app_2").is_ok());
    }

    #[test]
    fn every_template_has_its_page_and_package() {
        for t in ["vanilla-ts", "react-ts"] {
            for f in ["package.json", "vite.config.ts", "frontend/index.html"] {
                let path = format!("{t}/{f}");
                assert!(files::FILES.iter().any(|(p, _)| *p == path), "{path}");
            }
        }
        assert_eq!(destination("Cargo.toml.tmpl"), "Cargo.toml");
        assert_eq!(destination("gitignore"), ".gitignore");
    }
}
