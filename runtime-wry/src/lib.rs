//! # switchboard-runtime-wry
//!
//! The desktop runtime of Switchboard: a tao event loop on the main thread, one wry webview
//! per window, the bus on its own threads, and the bridge that carries each page's frames
//! into the bus and back (see [`bridge`](crate::bridge) for the wire contract with the page).
//! Pages are served from files embedded at build time ([`assets!`]) on `app://localhost`, or
//! from a dev server (`SWITCHBOARD_DEV_URL`).
//!
//! ```no_run
//! use switchboard_runtime_wry::{assets, Frontend, WryRuntime};
//! # fn build_app(_: switchboard_runtime_wry::WryHandle) -> switchboard_runtime_wry::bus::App { unimplemented!() }
//! let runtime = WryRuntime::new(Frontend::Embedded(assets!("tests/frontend")));
//! let app = build_app(runtime.handle());
//! runtime.run(app);
//! ```
#![warn(missing_docs, unreachable_pub)]

pub mod assets;
pub mod bridge;
pub mod bus;
pub mod origin;
mod runtime;
mod window;

pub use assets::Assets;
pub use origin::{Origin, TrustedOrigins};
pub use runtime::{CloseDecision, Frontend, WryHandle, WryRuntime, AUTOMATION_ENV, DEV_URL_ENV};

/// Embeds a folder of the calling crate as [`Assets`]: `assets!("frontend")`.
///
/// ```ignore
/// static FRONTEND: switchboard_runtime_wry::Assets = switchboard_runtime_wry::assets!("frontend");
/// ```
pub use switchboard_runtime_wry_macros::assets;
