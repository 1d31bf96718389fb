//! # switchboard-runtime-wry
//!
//! The desktop runtime of Switchboard: a tao event loop on the main thread, one wry webview
//! per window, the bus on its own threads, and the bridge that carries each page's frames
//! into the bus and back (see [`bridge`] for the wire contract with the page).
//! Pages are served from files embedded at build time ([`assets!`]) on `app://localhost`, or
//! from a dev server (`SWITCHBOARD_DEV_URL`).
//!
//! - Every window is an actor (`window:<label>`, in core): its commands
//!   ([`switchboard::WindowCommand`]) reach the tao window through [`WryHandle`], its events
//!   ([`switchboard::WindowEvent`]) are published on `window/<label>/<event>`. A close request
//!   is published first and can be vetoed ([`WryRuntime::on_close_requested`]).
//! - Every window has its own webview and its own sessions on the bus; the webview a request
//!   came from (wry tells the protocol handler) decides the window label, the request's
//!   `Origin` decides the origin, so a page can never speak as another window.
//! - `SWITCHBOARD_WEBVIEW_AUTOMATION=1` lets WebKitWebDriver drive the app (the end-to-end
//!   tests in `tests/` do, under Xvfb).
//!
//! ```no_run
//! use switchboard::{App, Capability, WindowSpec};
//! use switchboard_runtime_wry::{assets, Frontend, WryRuntime};
//!
//! #[switchboard::command]
//! fn greet(name: String) -> String {
//!     format!("Hello, {name}!")
//! }
//!
//! fn main() {
//!     let runtime = WryRuntime::new(Frontend::Embedded(assets!("e2e/frontend")));
//!     let app = runtime
//!         .configure(App::builder())
//!         .commands(switchboard::commands![greet])
//!         .capability(Capability::new("main").windows(["main"]).allow(["cmd:greet"]))
//!         .window(WindowSpec::new("main").title("Hello").url("index.html"))
//!         .build()
//!         .expect("a valid app");
//!     runtime.run(app);
//! }
//! ```
#![warn(missing_docs, unreachable_pub)]
// the one exception: the native reply route's FFI (`native`), in one documented module
#![deny(unsafe_code)]

// lets `assets!` (which names `::switchboard_runtime_wry::Assets`) work inside this crate too
extern crate self as switchboard_runtime_wry;

pub mod assets;
pub mod bridge;
mod bus;
pub mod config;
#[cfg(target_os = "linux")]
mod native;
pub mod origin;
mod runtime;
mod window;

pub use assets::{Assets, DEFAULT_CSP};
pub use origin::{Origin, TrustedOrigins};
pub use runtime::{
    CloseDecision, Frontend, WryHandle, WryRuntime, AUTOMATION_ENV, DEV_URL_ENV, PUSH_ENV,
    ROUTE_ENV,
};

/// Embeds a folder of the calling crate (relative to its `Cargo.toml`) as [`Assets`], each
/// file at its path under the folder: `assets!("frontend")`.
///
/// ```
/// use switchboard_runtime_wry::{assets, Assets};
/// // this crate's end-to-end test frontend
/// static FRONTEND: Assets = assets!("e2e/frontend");
/// assert!(FRONTEND.get("index.html").is_some());
/// assert_eq!(FRONTEND.resolve("/client.js").unwrap().1, "text/javascript; charset=utf-8");
/// ```
pub use switchboard_runtime_wry_macros::assets;
