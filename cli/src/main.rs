//! # switchboard
//!
//! The app developer's command for Switchboard apps:
//!
//! ```text
//! switchboard new my-app [--template vanilla-ts|react-ts]   # a working app
//! switchboard dev                                            # dev server + rebuild/restart on Rust changes
//! switchboard build                                          # release build, .deb, .rpm, .tar.gz
//! switchboard bindings [--check]                             # the TypeScript API from the Rust code
//! switchboard info                                           # versions, the resolved config, the API
//! switchboard doctor                                         # what is missing here, and how to install it
//! ```
//!
//! An app is a Cargo package with a `switchboard.toml` beside its `Cargo.toml` (see
//! `switchboard-config`); the commands find it from the current folder upwards.
#![forbid(unsafe_code)]

mod bindings;
mod bundle;
mod dev;
mod doctor;
mod failure;
mod icon;
mod info;
mod project;
mod release;
mod scaffold;
mod ui;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::failure::Result;
use crate::project::Project;
use crate::scaffold::{NewApp, Template};

/// Build desktop apps whose UI is a web page, on Switchboard's message bus.
#[derive(Parser)]
#[command(name = "switchboard", version, about, propagate_version = true)]
struct Cli {
    /// The app's folder (default: the current one, or the nearest above it with a
    /// switchboard.toml).
    #[arg(short = 'C', long, global = true, value_name = "DIR")]
    project: Option<PathBuf>,
    #[command(subcommand)]
    command: Commands,
}

#[derive(Subcommand)]
enum Commands {
    /// Make a new app in `./<NAME>`: Rust command and actor, TypeScript frontend, tests.
    New {
        /// The app's name (letters, digits, `-`, `_`): its folder, crate and binary.
        name: String,
        /// The frontend to start with.
        #[arg(long, short, value_enum, default_value_t = Template::VanillaTs)]
        template: Template,
        /// The reverse-DNS identifier (default `com.example.<name>`).
        #[arg(long)]
        identifier: Option<String>,
        /// The Switchboard checkout the app depends on (default: the one this command was
        /// built from).
        #[arg(long, value_name = "DIR")]
        switchboard_path: Option<PathBuf>,
        /// Write the files only: no `npm install`, no frontend build.
        #[arg(long)]
        no_install: bool,
    },
    /// Run the app on its dev server, rebuilding and restarting it when the Rust changes.
    Dev,
    /// Build the app for release and package it (.deb, .rpm, .tar.gz).
    Build {
        /// A debug build instead of a release one.
        #[arg(long)]
        debug: bool,
        /// The packages to make (default: switchboard.toml's bundle.targets).
        #[arg(long, value_enum, value_delimiter = ',')]
        bundles: Option<Vec<Bundle>>,
        /// Build the binary only.
        #[arg(long, conflicts_with = "bundles")]
        no_bundle: bool,
    },
    /// Write the TypeScript bindings of the app's Rust API (frontend.bindings).
    Bindings {
        /// Fail when the committed bindings are stale instead of writing them.
        #[arg(long)]
        check: bool,
    },
    /// Show versions, the config as resolved, the capabilities and the app's API.
    Info,
    /// Check that everything apps need is installed, with the command for what is missing.
    Doctor,
    /// Print the JSON Schema of switchboard.toml.
    Schema,
}

/// A package format (as `--bundles` spells it).
#[derive(Clone, Copy, ValueEnum)]
enum Bundle {
    Deb,
    Rpm,
    #[value(name = "tar.gz")]
    TarGz,
}

impl From<Bundle> for switchboard_config::BundleTarget {
    fn from(b: Bundle) -> Self {
        match b {
            Bundle::Deb => switchboard_config::BundleTarget::Deb,
            Bundle::Rpm => switchboard_config::BundleTarget::Rpm,
            Bundle::TarGz => switchboard_config::BundleTarget::TarGz,
        }
    }
}

fn project(cli_dir: &Option<PathBuf>) -> Result<Project> {
    let dir = cli_dir.clone().unwrap_or_else(|| PathBuf::from("."));
    Project::open(&dir)
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Commands::New {
            name,
            template,
            identifier,
            switchboard_path,
            no_install,
        } => {
            let base = cli.project.clone().unwrap_or_else(|| PathBuf::from("."));
            scaffold::run(&NewApp {
                dir: base.join(&name),
                name,
                template,
                identifier,
                switchboard_path: switchboard_path.unwrap_or_else(scaffold::built_from),
                install: !no_install,
            })
        }
        Commands::Dev => dev::run(&project(&cli.project)?),
        Commands::Build {
            debug,
            bundles,
            no_bundle,
        } => release::run(
            &project(&cli.project)?,
            &release::BuildOptions {
                debug,
                bundles: bundles.map(|b| b.into_iter().map(Into::into).collect()),
                no_bundle,
            },
        )
        .map(|_| ()),
        Commands::Bindings { check } => bindings::run(&project(&cli.project)?, check),
        Commands::Info => info::run(&project(&cli.project)?),
        Commands::Doctor => doctor::run(),
        Commands::Schema => {
            print!("{}", switchboard_config::schema_json());
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            ui::error(&failure.message, failure.next.as_deref());
            ExitCode::FAILURE
        }
    }
}
