//! Reading `switchboard.toml` and the capability files, with errors that point at the file,
//! line and column and say what is accepted.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::model::{CapabilityFile, Config};

/// The config file's name, beside the app's `Cargo.toml`.
pub const CONFIG_FILE: &str = "switchboard.toml";

/// Why a config or capability file was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file was read but is not a valid config: the message names the line and column.
    #[error("{}", located.render())]
    Invalid {
        /// Where and what.
        located: Box<Located>,
    },
}

impl ConfigError {
    /// Where the error is, when it points into a file.
    pub fn location(&self) -> Option<&Located> {
        match self {
            ConfigError::Invalid { located } => Some(located),
            ConfigError::Io { .. } => None,
        }
    }
}

/// An error at a place in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The file.
    pub path: PathBuf,
    /// 1-based line (0 when the whole file is meant).
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong, and what would be accepted.
    pub message: String,
    /// The line of the file the error is on (empty when the whole file is meant).
    pub snippet: String,
}

impl Located {
    fn at(path: &Path, text: &str, span: Option<Range<usize>>, message: String) -> Self {
        let span = span.filter(|s| s.start <= text.len() && !(s.start == 0 && s.end == 0));
        let (line, column, snippet) = match span {
            Some(span) => {
                let before = &text[..span.start];
                let line = before.matches('\n').count() + 1;
                let line_start = before.rfind('\n').map_or(0, |i| i + 1);
                let column = text[line_start..span.start].chars().count() + 1;
                let snippet = text[line_start..]
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                (line, column, snippet)
            }
            None => (0, 0, String::new()),
        };
        Located {
            path: path.to_owned(),
            line,
            column,
            message,
            snippet,
        }
    }

    /// `path:line:column: message`, then the line with a caret under the column.
    pub fn render(&self) -> String {
        if self.line == 0 {
            return format!("{}: {}", self.path.display(), self.message);
        }
        let number = self.line.to_string();
        let pad = " ".repeat(number.len());
        format!(
            "{}:{}:{}: {}\n{pad} |\n{number} | {}\n{pad} | {}^",
            self.path.display(),
            self.line,
            self.column,
            self.message,
            self.snippet,
            " ".repeat(self.column.saturating_sub(1)),
        )
    }
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

/// toml's messages carry their own position header and snippet; keep only what is wrong.
fn toml_message(error: &toml::de::Error) -> String {
    let message = error.message().trim();
    // serde's "expected one of" lists read better on their own line
    message
        .replace(", expected one of", "; accepted:")
        .replace(", expected", "; expected")
}

fn invalid(path: &Path, text: &str, span: Option<Range<usize>>, message: String) -> ConfigError {
    ConfigError::Invalid {
        located: Box::new(Located::at(path, text, span, message)),
    }
}

impl Config {
    /// Read and check `switchboard.toml` (or another file with its keys).
    ///
    /// ```
    /// let dir = std::env::temp_dir().join("switchboard-config-doc");
    /// std::fs::create_dir_all(&dir).unwrap();
    /// let path = dir.join("switchboard.toml");
    /// std::fs::write(&path, "name = \"demo\"\nidentifier = \"org.example.demo\"\ncolour = 3\n").unwrap();
    /// let error = switchboard_config::Config::load(&path).unwrap_err().to_string();
    /// assert!(error.contains("switchboard.toml:3:1: unknown field `colour`"), "{error}");
    /// ```
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_owned(),
            source,
        })?;
        Config::parse(path, &text)
    }

    /// Check the text of a config file; `path` is only used in messages.
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let config: Config =
            toml::from_str(text).map_err(|e| invalid(path, text, e.span(), toml_message(&e)))?;
        config.check(path, text)?;
        Ok(config)
    }

    fn check(&self, path: &Path, text: &str) -> Result<(), ConfigError> {
        let fail = |spanned_at: Range<usize>, message: String| {
            Err(invalid(path, text, Some(spanned_at), message))
        };
        let name = self.name.get_ref();
        if !is_name(name, 64) || name.starts_with(['-', '_']) {
            return fail(
                self.name.span(),
                format!("invalid name `{name}`: use letters, digits, `-` and `_` (it names the binary and the packages), e.g. `my-app`"),
            );
        }
        let id = self.identifier.get_ref();
        let parts: Vec<&str> = id.split('.').collect();
        if parts.len() < 2
            || parts.iter().any(|p| {
                p.is_empty()
                    || !p
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            })
        {
            return fail(
                self.identifier.span(),
                format!("invalid identifier `{id}`: use reverse-DNS notation, two or more dot-separated parts of letters, digits, `-` and `_`, e.g. `com.example.{name}`"),
            );
        }
        if let Some(url) = &self.frontend.dev_url {
            let value = url.get_ref();
            if !(value.starts_with("http://") || value.starts_with("https://")) || value.len() < 10
            {
                return fail(
                    url.span(),
                    format!("invalid dev_url `{value}`: an http:// or https:// URL is expected, e.g. `http://localhost:5173`"),
                );
            }
        }
        let mut labels = std::collections::HashSet::new();
        for window in &self.windows {
            let label = window.label.get_ref();
            if !is_name(label, 64) {
                return fail(
                    window.label.span(),
                    format!(
                        "invalid window label `{label}`: 1 to 64 of `A-Z a-z 0-9 _ -`, e.g. `main`"
                    ),
                );
            }
            if !labels.insert(label.clone()) {
                return fail(
                    window.label.span(),
                    format!("window label `{label}` is used twice: labels are unique"),
                );
            }
            for size in [&window.width, &window.height] {
                let value = *size.get_ref();
                if !(value.is_finite() && value >= 1.0) {
                    return fail(
                        size.span(),
                        format!(
                            "invalid size {value}: a number of logical pixels, 1 or more, e.g. 800"
                        ),
                    );
                }
            }
        }
        Ok(())
    }

    /// The version: the config's, else `fallback` (the Cargo package's).
    pub fn version_or<'a>(&'a self, fallback: &'a str) -> &'a str {
        self.version.as_deref().unwrap_or(fallback)
    }

    /// The name people see.
    pub fn product_name(&self) -> &str {
        self.product_name.as_deref().unwrap_or(self.name.get_ref())
    }
}

fn is_name(text: &str, max: usize) -> bool {
    !text.is_empty()
        && text.len() <= max
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl CapabilityFile {
    /// Read one capability file (`.toml` or `.json`).
    pub fn load(path: &Path) -> Result<CapabilityFile, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_owned(),
            source,
        })?;
        match path.extension().and_then(|e| e.to_str()) {
            Some("toml") => {
                toml::from_str(&text).map_err(|e| invalid(path, &text, e.span(), toml_message(&e)))
            }
            Some("json") => serde_json::from_str(&text).map_err(|e| {
                let located = Located {
                    path: path.to_owned(),
                    line: e.line(),
                    column: e.column(),
                    message: e
                        .to_string()
                        .split(" at line")
                        .next()
                        .unwrap_or_default()
                        .to_owned(),
                    snippet: text
                        .lines()
                        .nth(e.line().saturating_sub(1))
                        .unwrap_or_default()
                        .to_owned(),
                };
                ConfigError::Invalid {
                    located: Box::new(located),
                }
            }),
            _ => Err(invalid(
                path,
                "",
                None,
                "a capability file is `.toml` or `.json`".to_owned(),
            )),
        }
    }

    /// Every `.toml` and `.json` capability file in `dir`, sorted by file name (none when
    /// the folder does not exist).
    pub fn load_dir(dir: &Path) -> Result<Vec<(PathBuf, CapabilityFile)>, ConfigError> {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(ConfigError::Io {
                    path: dir.to_owned(),
                    source,
                })
            }
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.is_file()
                    && matches!(
                        p.extension().and_then(|e| e.to_str()),
                        Some("toml" | "json")
                    )
            })
            .collect();
        paths.sort();
        paths
            .into_iter()
            .map(|p| CapabilityFile::load(&p).map(|c| (p, c)))
            .collect()
    }
}
