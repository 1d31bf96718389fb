//! An app configured by its `switchboard.toml`, read at build time.
//!
//! The app's `build.rs` calls `switchboard_config::build()`, which checks `switchboard.toml`
//! and the capability files (a mistake fails the build with `file:line:column`) and writes
//! them as Rust; [`config!`](crate::config!) includes that Rust as an [`AppConfig`]. The
//! binary carries the values, the capabilities and the embedded frontend, and no TOML parser.
//!
//! ```no_run
//! use switchboard_runtime_wry::config::AppConfig;
//! use switchboard_runtime_wry::WryRuntime;
//!
//! # #[switchboard::command] fn greet() {}
//! # static CONFIG: AppConfig = AppConfig::EMPTY;
//! // static CONFIG: AppConfig = switchboard_runtime_wry::config!();
//! let runtime = WryRuntime::from_config(&CONFIG);
//! let app = CONFIG.builder(&runtime).commands(switchboard::commands![greet]).build().unwrap();
//! runtime.run(app);
//! ```

use switchboard::{App, AppBuilder, Capability, WindowSpec};

use crate::{Assets, Frontend, WryRuntime};

/// An app's `switchboard.toml`, as the build script wrote it.
#[derive(Debug, Clone, Copy)]
pub struct AppConfig {
    /// `name`: the binary's and the packages' name.
    pub name: &'static str,
    /// `product_name` (or `name`): the name people see.
    pub product_name: &'static str,
    /// `identifier`, reverse-DNS.
    pub identifier: &'static str,
    /// `version` (or the Cargo package's).
    pub version: &'static str,
    /// `[[windows]]`, opened when the app is built.
    pub windows: &'static [WindowConfig],
    /// `security.csp`; `None` keeps [`DEFAULT_CSP`](crate::DEFAULT_CSP).
    pub csp: Option<&'static str>,
    /// `security.trusted_origins`.
    pub trusted_origins: &'static [&'static str],
    /// The capability files of `security.capabilities`.
    pub capabilities: &'static [CapabilityConfig],
    /// `frontend.dist`, embedded.
    pub frontend: Assets,
    /// `frontend.dev_url` (used by `switchboard dev`, which passes it as
    /// `SWITCHBOARD_DEV_URL`).
    pub dev_url: Option<&'static str>,
}

/// One `[[windows]]` entry.
#[derive(Debug, Clone, Copy)]
#[allow(missing_docs)]
pub struct WindowConfig {
    pub label: &'static str,
    pub title: &'static str,
    pub url: &'static str,
    pub width: f64,
    pub height: f64,
    pub min_size: Option<[f64; 2]>,
    pub max_size: Option<[f64; 2]>,
    pub resizable: bool,
    pub visible: bool,
    pub decorations: bool,
    pub always_on_top: bool,
    pub fullscreen: bool,
    pub focused: bool,
}

/// One capability file.
#[derive(Debug, Clone, Copy)]
#[allow(missing_docs)]
pub struct CapabilityConfig {
    pub identifier: &'static str,
    pub description: &'static str,
    pub windows: &'static [&'static str],
    pub origins: &'static [&'static str],
    pub iframes: bool,
    pub permissions: &'static [&'static str],
}

impl AppConfig {
    /// A config with no window, no capability and no frontend (for examples and tests).
    pub const EMPTY: AppConfig = AppConfig {
        name: "app",
        product_name: "app",
        identifier: "app.switchboard",
        version: "0.0.0",
        windows: &[],
        csp: None,
        trusted_origins: &[],
        capabilities: &[],
        frontend: Assets::from_static(&[]),
        dev_url: None,
    };

    /// The capabilities and windows added to `builder` (no runtime: a test's headless app
    /// gets the same grants as the real one).
    pub fn apply(&self, mut builder: AppBuilder) -> AppBuilder {
        for c in self.capabilities {
            builder = builder.capability(
                Capability::new(c.identifier)
                    .description(c.description)
                    .windows(c.windows.iter().copied())
                    .origins(c.origins.iter().copied())
                    .iframes(c.iframes)
                    .allow(c.permissions.iter().copied()),
            );
        }
        for w in self.windows {
            match WindowSpec::try_new(w.label) {
                Ok(spec) => builder = builder.window(w.spec(spec)),
                // the build script checked the labels; a hand-made config may not have
                Err(e) => panic!("invalid window label `{}` in the config: {e}", w.label),
            }
        }
        builder
    }

    /// `App::builder()` on `runtime`, with the config's capabilities and windows: the one
    /// line an app starts from.
    pub fn builder(&self, runtime: &WryRuntime) -> AppBuilder {
        self.apply(runtime.configure(App::builder()))
    }
}

impl WindowConfig {
    fn spec(&self, spec: WindowSpec) -> WindowSpec {
        let mut spec = spec
            .title(self.title)
            .url(self.url)
            .size(self.width, self.height)
            .resizable(self.resizable)
            .visible(self.visible)
            .decorations(self.decorations)
            .always_on_top(self.always_on_top)
            .fullscreen(self.fullscreen)
            .focused(self.focused);
        if let Some([w, h]) = self.min_size {
            spec = spec.min_size(w, h);
        }
        if let Some([w, h]) = self.max_size {
            spec = spec.max_size(w, h);
        }
        spec
    }
}

impl WryRuntime {
    /// A runtime serving the config's embedded frontend with its CSP and trusted origins
    /// (in a debug build `SWITCHBOARD_DEV_URL` still replaces the frontend, as in
    /// [`WryRuntime::new`]). Must be called on the main thread.
    pub fn from_config(config: &AppConfig) -> WryRuntime {
        let mut runtime = WryRuntime::new(Frontend::Embedded(config.frontend));
        if let Some(csp) = config.csp {
            runtime = runtime.csp(csp);
        }
        for origin in config.trusted_origins {
            runtime = runtime.trust_origin(origin);
        }
        runtime
    }
}

/// The app's `switchboard.toml` as an [`AppConfig`](crate::config::AppConfig), written at build
/// time by `switchboard_config::build()` in the app's `build.rs`:
/// `static CONFIG: AppConfig = switchboard_runtime_wry::config!();`.
#[macro_export]
macro_rules! config {
    () => {
        ::core::include!(::core::concat!(
            ::core::env!("OUT_DIR"),
            "/switchboard_config.rs"
        ))
    };
}
