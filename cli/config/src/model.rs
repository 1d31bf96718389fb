//! The shape of `switchboard.toml`: plain structs, every table closed to unknown keys.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use toml::Spanned;

#[cfg(feature = "schema")]
use schemars::JsonSchema;

/// The whole `switchboard.toml`.
///
/// ```toml
/// name = "my-app"
/// identifier = "com.example.my-app"
/// version = "0.1.0"
///
/// [frontend]
/// dist = "dist"
/// dev_url = "http://localhost:5173"
/// before_dev = "npm run dev"
/// before_build = "npm run build"
///
/// [[windows]]
/// label = "main"
/// title = "My App"
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[cfg_attr(
    feature = "schema",
    schemars(
        title = "switchboard.toml",
        description = "The configuration of a Switchboard app"
    )
)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The app's name: the binary, the package and the desktop entry are named after it
    /// (letters, digits, `-` and `_`).
    #[cfg_attr(
        feature = "schema",
        schemars(with = "String", regex(pattern = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"))
    )]
    pub name: Spanned<String>,
    /// A reverse-DNS identifier, unique to the app (`com.example.my-app`).
    #[cfg_attr(
        feature = "schema",
        schemars(
            with = "String",
            regex(pattern = r"^[A-Za-z0-9-]+(\.[A-Za-z0-9_-]+)+$")
        )
    )]
    pub identifier: Spanned<String>,
    /// The version (defaults to the Cargo package's).
    #[serde(default)]
    pub version: Option<String>,
    /// The name people see (window titles, the desktop entry); defaults to `name`.
    #[serde(default)]
    pub product_name: Option<String>,
    /// Where the frontend comes from, in development and in the built app.
    #[serde(default)]
    pub frontend: Frontend,
    /// The windows opened at start.
    #[serde(default = "default_windows")]
    pub windows: Vec<Window>,
    /// Content-Security-Policy, trusted origins and the capability files.
    #[serde(default)]
    pub security: Security,
    /// How `switchboard build` packages the app.
    #[serde(default)]
    pub bundle: Bundle,
}

/// `[frontend]`: the web side of the app.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Frontend {
    /// The folder (relative to `switchboard.toml`) holding the built frontend, embedded in
    /// the binary by `switchboard build`.
    #[serde(default = "default_dist")]
    pub dist: String,
    /// The dev server `switchboard dev` opens the app on.
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(with = "Option<String>", url))]
    pub dev_url: Option<Spanned<String>>,
    /// A shell command `switchboard dev` starts first and keeps running (the dev server).
    #[serde(default)]
    pub before_dev: Option<String>,
    /// A shell command `switchboard build` runs first (it should fill `dist`).
    #[serde(default)]
    pub before_build: Option<String>,
    /// Where `switchboard bindings` writes the TypeScript bindings generated from the Rust
    /// code (relative to `switchboard.toml`).
    #[serde(default = "default_bindings")]
    pub bindings: String,
}

impl Default for Frontend {
    fn default() -> Self {
        Frontend {
            dist: default_dist(),
            dev_url: None,
            before_dev: None,
            before_build: None,
            bindings: default_bindings(),
        }
    }
}

fn default_dist() -> String {
    "dist".to_owned()
}

fn default_bindings() -> String {
    "src/bindings.ts".to_owned()
}

/// `[[windows]]`: one window opened at start.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Window {
    /// The window's label: its address on the bus is `window:<label>` and capabilities
    /// name it (1 to 64 of `A-Z a-z 0-9 _ -`).
    #[cfg_attr(
        feature = "schema",
        schemars(with = "String", regex(pattern = r"^[A-Za-z0-9_-]{1,64}$"))
    )]
    pub label: Spanned<String>,
    /// The title (defaults to the product name).
    #[serde(default)]
    pub title: Option<String>,
    /// The page: a path in the frontend (`index.html`) or an absolute URL.
    #[serde(default = "default_url")]
    pub url: String,
    /// Width in logical pixels.
    #[serde(default = "default_width")]
    #[cfg_attr(feature = "schema", schemars(with = "f64", range(min = 1.0)))]
    pub width: Spanned<f64>,
    /// Height in logical pixels.
    #[serde(default = "default_height")]
    #[cfg_attr(feature = "schema", schemars(with = "f64", range(min = 1.0)))]
    pub height: Spanned<f64>,
    /// Smallest size, `[width, height]`.
    #[serde(default)]
    pub min_size: Option<[f64; 2]>,
    /// Largest size, `[width, height]`.
    #[serde(default)]
    pub max_size: Option<[f64; 2]>,
    /// Whether the user may resize it.
    #[serde(default = "yes")]
    pub resizable: bool,
    /// Whether it is shown when opened.
    #[serde(default = "yes")]
    pub visible: bool,
    /// Whether it has the system's title bar and borders.
    #[serde(default = "yes")]
    pub decorations: bool,
    /// Whether it stays above other windows.
    #[serde(default)]
    pub always_on_top: bool,
    /// Whether it opens fullscreen.
    #[serde(default)]
    pub fullscreen: bool,
    /// Whether it takes focus when opened.
    #[serde(default = "yes")]
    pub focused: bool,
}

fn default_windows() -> Vec<Window> {
    vec![Window {
        label: Spanned::new(0..0, "main".to_owned()),
        title: None,
        url: default_url(),
        width: Spanned::new(0..0, default_width().into_inner()),
        height: Spanned::new(0..0, default_height().into_inner()),
        min_size: None,
        max_size: None,
        resizable: true,
        visible: true,
        decorations: true,
        always_on_top: false,
        fullscreen: false,
        focused: true,
    }]
}

fn default_url() -> String {
    "index.html".to_owned()
}

fn default_width() -> Spanned<f64> {
    Spanned::new(0..0, 800.0)
}

fn default_height() -> Spanned<f64> {
    Spanned::new(0..0, 600.0)
}

fn yes() -> bool {
    true
}

/// `[security]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Security {
    /// The Content-Security-Policy of the embedded pages; leave it out for the runtime's
    /// strict default, `""` for none.
    #[serde(default)]
    pub csp: Option<String>,
    /// Origins counted as the app's own besides the embedded frontend's
    /// (`https://app.example.com`).
    #[serde(default)]
    pub trusted_origins: Vec<String>,
    /// The folder of capability files (`*.toml`, `*.json`), embedded at build time.
    #[serde(default = "default_capabilities")]
    pub capabilities: String,
}

impl Default for Security {
    fn default() -> Self {
        Security {
            csp: None,
            trusted_origins: Vec::new(),
            capabilities: default_capabilities(),
        }
    }
}

fn default_capabilities() -> String {
    "capabilities".to_owned()
}

/// `[bundle]`: the packages `switchboard build` makes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    /// Which packages to make.
    #[serde(default = "default_targets")]
    pub targets: Vec<BundleTarget>,
    /// One square PNG (512×512 or larger is best); the icon sizes are made from it.
    #[serde(default)]
    pub icon: Option<String>,
    /// The desktop entry's main category (freedesktop.org menu spec).
    #[serde(default)]
    pub category: Category,
    /// A one-line summary.
    #[serde(default)]
    pub short_description: Option<String>,
    /// A longer description.
    #[serde(default)]
    pub description: Option<String>,
    /// Who publishes the app (the Debian `Maintainer`, the RPM `Vendor`).
    #[serde(default)]
    pub publisher: Option<String>,
    /// The licence (an SPDX expression).
    #[serde(default)]
    pub license: Option<String>,
    /// The app's home page.
    #[serde(default)]
    pub homepage: Option<String>,
    /// Debian package settings.
    #[serde(default)]
    pub deb: Deb,
    /// RPM package settings.
    #[serde(default)]
    pub rpm: Rpm,
}

impl Default for Bundle {
    fn default() -> Self {
        Bundle {
            targets: default_targets(),
            icon: None,
            category: Category::default(),
            short_description: None,
            description: None,
            publisher: None,
            license: None,
            homepage: None,
            deb: Deb::default(),
            rpm: Rpm::default(),
        }
    }
}

fn default_targets() -> Vec<BundleTarget> {
    vec![BundleTarget::Deb, BundleTarget::Rpm, BundleTarget::TarGz]
}

/// A package format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
pub enum BundleTarget {
    /// A Debian package (`.deb`).
    #[serde(rename = "deb")]
    Deb,
    /// An RPM package (`.rpm`).
    #[serde(rename = "rpm")]
    Rpm,
    /// A `.tar.gz` of the install tree (`usr/bin`, `usr/share`).
    #[serde(rename = "tar.gz")]
    TarGz,
}

/// The main categories of the freedesktop.org menu specification.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[allow(missing_docs)]
pub enum Category {
    AudioVideo,
    Audio,
    Video,
    Development,
    Education,
    Game,
    Graphics,
    Network,
    Office,
    Science,
    Settings,
    System,
    #[default]
    Utility,
}

/// `[bundle.deb]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Deb {
    /// Packages the app needs besides the WebKitGTK runtime ones, which are always listed
    /// (`libwebkit2gtk-4.1-0`, `libgtk-3-0`).
    #[serde(default)]
    pub depends: Vec<String>,
    /// The Debian section (default `utils`).
    #[serde(default)]
    pub section: Option<String>,
    /// More files to install: destination path in the package → source path.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
}

/// `[bundle.rpm]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Rpm {
    /// Packages the app needs besides the WebKitGTK runtime ones (`webkit2gtk4.1`, `gtk3`).
    #[serde(default)]
    pub depends: Vec<String>,
    /// The release number (default `1`).
    #[serde(default)]
    pub release: Option<String>,
}

/// A capability file in the capabilities folder (the same keys as core's
/// `switchboard::Capability`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CapabilityFile {
    /// The capability's name.
    pub identifier: String,
    /// What it is for.
    #[serde(default)]
    pub description: String,
    /// The window labels it applies to (`*` may end a label).
    #[serde(default)]
    pub windows: Vec<String>,
    /// The origins it applies to (needed for remote pages).
    #[serde(default)]
    pub origins: Vec<String>,
    /// Whether iframes get it too.
    #[serde(default)]
    pub iframes: bool,
    /// The permission patterns it grants (`cmd:greet`, `counter.*`, `event:topic`).
    #[serde(default)]
    pub permissions: Vec<String>,
}
