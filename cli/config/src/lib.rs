//! # switchboard-config
//!
//! `switchboard.toml`, the one config file of a Switchboard app: its types ([`Config`]),
//! checked reading with errors that name the file, line and column and the accepted values
//! ([`Config::load`]), the Rust the app's build script writes from it ([`build`]) so that
//! `switchboard_runtime_wry::config!()` gives `App::builder()` everything in one line
//! without a TOML parser in the shipped binary, and (feature `schema`) its JSON Schema.
//!
//! ```
//! use std::path::Path;
//! use switchboard_config::Config;
//!
//! let text = r#"
//! name = "notes"
//! identifier = "org.example.notes"
//!
//! [[windows]]
//! label = "main"
//! title = "Notes"
//! width = 900
//! "#;
//! let config = Config::parse(Path::new("switchboard.toml"), text).unwrap();
//! assert_eq!(config.windows[0].title.as_deref(), Some("Notes"));
//!
//! let bad = "name = \"notes\"\nidentifier = \"org.example.notes\"\n[bundle]\ncategory = \"Toys\"\n";
//! let error = Config::parse(Path::new("switchboard.toml"), bad).unwrap_err().to_string();
//! assert!(error.starts_with("switchboard.toml:4:12: unknown variant `Toys`"), "{error}");
//! assert!(error.contains("`Utility`"), "{error}");
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

mod generate;
mod load;
mod model;
#[cfg(feature = "schema")]
mod schema;

pub use generate::{build, generate, Generated, GENERATED_FILE};
pub use load::{ConfigError, Located, CONFIG_FILE};
pub use model::{
    Bundle, BundleTarget, CapabilityFile, Category, Config, Deb, Frontend, Rpm, Security, Window,
};
#[cfg(feature = "schema")]
pub use schema::schema_json;
