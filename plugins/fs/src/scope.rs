//! The fs scope: which paths a caller may touch, checked on the **canonical** path.
//!
//! A scope entry is a path pattern, written with a base-directory variable or absolute:
//!
//! | entry | matches |
//! |---|---|
//! | `"$APPDATA/notes.txt"` | that path only |
//! | `"$APPDATA/*"` | the direct children of `$APPDATA` |
//! | `"$APPDATA/**"` | `$APPDATA` and everything below it |
//! | `{ path = "$APPDATA/**", dotfiles = true }` | the same, dotfiles included |
//!
//! A request path starts with a variable (`$APPDATA/notes/today.md`) or is absolute; a
//! relative path is refused. The path is made canonical before it is compared: the longest
//! part that exists is resolved by the OS (`..`, symlinks), the rest must be plain names. So:
//! - `..` and symlinks that lead out of the scope are refused (the resolved path is outside);
//! - a path that only shares a prefix with the scope (`/data/app-evil` for `/data/app/**`)
//!   is refused: paths are compared component by component;
//! - names below the pattern's base that start with `.` are refused unless the entry says
//!   `dotfiles = true` or names the dotfile itself;
//! - **allow** entries match byte for byte, after canonicalisation: a case or Unicode
//!   look-alike (`Notes`, `café` in NFD, a Cyrillic `о`) is another name and is refused;
//!   **deny** entries match ignoring case and Unicode normalisation (NFC), so a deny cannot
//!   be slipped past on a case- or normalisation-insensitive file system (macOS, Windows);
//! - **hard links**: a file whose link count is above 1 may be a second name of a file
//!   outside the scope, and the path cannot tell. Such files are refused for everything but
//!   `exists` and `remove`. The plugin's own writes never make one (they replace by rename).
//!
//! Between the check and the operation a path can still change on disk (a symlink swapped
//! in by another process): the plugin resolves the path again, in the blocking task that does
//! the operation, and works on the canonical path it got.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use switchboard::scope::{ScopeError, ScopeSchema};
use switchboard::Call;
use unicode_normalization::UnicodeNormalization;

/// Base directories a scope entry or a path may start with (`$APPDATA`, `$HOME`, ...).
#[derive(Debug, Clone, Default)]
pub struct Variables {
    vars: BTreeMap<String, PathBuf>,
}

impl Variables {
    /// The platform's directories for the app `qualifier.organization.application`, as the
    /// `directories` crate finds them: `$APPDATA`, `$APPLOCALDATA`, `$APPCONFIG`,
    /// `$APPCACHE`, `$HOME`, `$DOCUMENT`, `$DOWNLOAD`, `$DESKTOP`, `$PICTURE`, `$TEMP`
    /// (those the platform has).
    pub fn for_app(qualifier: &str, organization: &str, application: &str) -> Self {
        let mut v = Variables::default();
        if let Some(p) = directories::ProjectDirs::from(qualifier, organization, application) {
            v.set("APPDATA", p.data_dir());
            v.set("APPLOCALDATA", p.data_local_dir());
            v.set("APPCONFIG", p.config_dir());
            v.set("APPCACHE", p.cache_dir());
        }
        if let Some(b) = directories::BaseDirs::new() {
            v.set("HOME", b.home_dir());
        }
        if let Some(u) = directories::UserDirs::new() {
            for (name, dir) in [
                ("DOCUMENT", u.document_dir()),
                ("DOWNLOAD", u.download_dir()),
                ("DESKTOP", u.desktop_dir()),
                ("PICTURE", u.picture_dir()),
            ] {
                if let Some(dir) = dir {
                    v.set(name, dir);
                }
            }
        }
        v.set("TEMP", &std::env::temp_dir());
        v
    }

    /// Set (or replace) `$name`.
    pub fn set(&mut self, name: &str, dir: &Path) {
        self.vars.insert(name.to_owned(), dir.to_owned());
    }

    /// The directory of `$name`.
    pub fn get(&self, name: &str) -> Option<&Path> {
        self.vars.get(name).map(PathBuf::as_path)
    }

    /// Every variable and its directory.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Path)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_path()))
    }

    /// `text` with its leading `$VAR` replaced; absolute paths pass; anything else is
    /// refused.
    pub fn expand(&self, text: &str) -> Result<PathBuf, ScopeError> {
        if text.contains('\0') {
            return Err(ScopeError::new(format!("path {text:?} holds a NUL byte")));
        }
        if let Some(rest) = text.strip_prefix('$') {
            let (name, tail) = match rest.find(['/', '\\']) {
                Some(i) => (&rest[..i], &rest[i + 1..]),
                None => (rest, ""),
            };
            let base = self.get(name).ok_or_else(|| {
                ScopeError::new(format!(
                    "unknown base directory `${name}` (known: {})",
                    self.vars
                        .keys()
                        .map(|k| format!("${k}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
            if Path::new(tail).is_absolute() {
                return Err(ScopeError::new(format!(
                    "`{text}`: absolute path after `${name}`"
                )));
            }
            return Ok(if tail.is_empty() {
                base.to_owned()
            } else {
                base.join(tail)
            });
        }
        let path = PathBuf::from(text);
        if !path.is_absolute() {
            return Err(ScopeError::new(format!(
                "`{text}` is relative: start it with a base directory such as `$APPDATA/`"
            )));
        }
        Ok(path)
    }
}

/// One scope entry as a capability writes it: `"$APPDATA/**"` or
/// `{ path = "$APPDATA/**", dotfiles = true }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum FsEntry {
    /// A path pattern.
    Path(String),
    /// A path pattern with options.
    Table {
        /// The path pattern.
        path: String,
        /// Whether names starting with `.` below the pattern's base match (default `false`).
        #[serde(default)]
        dotfiles: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    Exact,
    Children,
    Recursive,
}

/// One parsed pattern.
#[derive(Debug, Clone)]
struct Pattern {
    text: String,
    base: PathBuf,
    reach: Reach,
    dotfiles: bool,
}

impl Pattern {
    fn parse(entry: FsEntry, vars: &Variables) -> Result<Self, ScopeError> {
        let (text, dotfiles) = match entry {
            FsEntry::Path(p) => (p, false),
            FsEntry::Table { path, dotfiles } => (path, dotfiles),
        };
        let (stem, reach) = if let Some(s) = text.strip_suffix("/**") {
            (s, Reach::Recursive)
        } else if let Some(s) = text.strip_suffix("/*") {
            (s, Reach::Children)
        } else {
            (text.as_str(), Reach::Exact)
        };
        if stem.contains('*') {
            return Err(ScopeError::new(format!(
                "scope `{text}`: a `*` may only end a pattern, as `/*` or `/**`"
            )));
        }
        let base = vars.expand(stem)?;
        if base
            .components()
            .any(|c| matches!(c, Component::ParentDir | Component::CurDir))
        {
            return Err(ScopeError::new(format!(
                "scope `{text}`: `.` and `..` are not allowed in a scope"
            )));
        }
        Ok(Pattern {
            text,
            base,
            reach,
            dotfiles,
        })
    }

    /// Whether `path` (canonical) falls under this pattern whose base is `base` (canonical),
    /// comparing names with `eq`.
    fn matches_with(
        &self,
        base: &Path,
        path: &Path,
        eq: impl Fn(&str, &str) -> bool,
        dotfiles: bool,
    ) -> bool {
        let base: Vec<_> = base.components().collect();
        let path: Vec<_> = path.components().collect();
        if path.len() < base.len() {
            return false;
        }
        let same = base.iter().zip(&path).all(|(a, b)| {
            let (a, b) = (
                a.as_os_str().to_string_lossy(),
                b.as_os_str().to_string_lossy(),
            );
            eq(&a, &b)
        });
        if !same {
            return false;
        }
        let below = &path[base.len()..];
        let fits = match self.reach {
            Reach::Exact => below.is_empty(),
            Reach::Children => below.len() == 1,
            Reach::Recursive => true,
        };
        fits && (dotfiles
            || !below
                .iter()
                .any(|c| c.as_os_str().to_string_lossy().starts_with('.')))
    }
}

/// Case and Unicode folding for deny entries.
fn fold(text: &str) -> String {
    text.nfc().collect::<String>().to_lowercase()
}

/// What an operation does with a path: hard-linked files are refused for content and
/// metadata, allowed for `exists` and `remove`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reads or writes the file's contents or metadata.
    Content,
    /// Only names the file (`exists`, `remove`).
    Name,
}

/// A caller's resolved fs scope: what the bus checked the call against, and what the
/// plugin resolves paths with (through [`CallerScope<FsScope>`](switchboard::CallerScope)).
#[derive(Debug, Clone)]
pub struct FsScope {
    allow: Vec<Pattern>,
    deny: Vec<Pattern>,
    vars: Arc<Variables>,
}

impl fmt::Display for FsScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |p: &[Pattern]| {
            p.iter()
                .map(|p| {
                    if p.dotfiles {
                        format!("{} (dotfiles)", p.text)
                    } else {
                        p.text.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        if self.allow.is_empty() {
            f.write_str("empty (no path is allowed)")?;
        } else {
            write!(f, "allow [{}]", list(&self.allow))?;
        }
        if !self.deny.is_empty() {
            write!(f, ", deny [{}]", list(&self.deny))?;
        }
        Ok(())
    }
}

/// `path` made canonical: the longest existing part resolved by the OS, the rest appended
/// as plain names (no `..`, no dangling symlink).
pub(crate) fn canonical(path: &Path) -> Result<PathBuf, ScopeError> {
    let shown = || path.display().to_string();
    match std::fs::canonicalize(path) {
        Ok(p) => return Ok(p),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(ScopeError::new(format!("path `{}`: {e}", shown()))),
    }
    if std::fs::symlink_metadata(path).is_ok() {
        return Err(ScopeError::new(format!(
            "path `{}` is a symlink to nothing",
            shown()
        )));
    }
    let mut tail = Vec::new();
    let mut cursor = path.to_owned();
    loop {
        match cursor.components().next_back() {
            Some(Component::Normal(name)) => tail.push(name.to_owned()),
            Some(Component::ParentDir | Component::CurDir) => {
                return Err(ScopeError::new(format!(
                    "path `{}`: `..` or `.` after a part that does not exist",
                    shown()
                )))
            }
            _ => {
                return Err(ScopeError::new(format!(
                    "path `{}`: no part of it exists",
                    shown()
                )))
            }
        }
        cursor.pop();
        match std::fs::canonicalize(&cursor) {
            Ok(mut base) => {
                for name in tail.iter().rev() {
                    base.push(name);
                }
                return Ok(base);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if std::fs::symlink_metadata(&cursor).is_ok() {
                    return Err(ScopeError::new(format!(
                        "path `{}` goes through a symlink to nothing",
                        shown()
                    )));
                }
            }
            Err(e) => return Err(ScopeError::new(format!("path `{}`: {e}", shown()))),
        }
    }
}

impl FsScope {
    /// The base directories this scope expands.
    pub fn variables(&self) -> &Variables {
        &self.vars
    }

    /// Resolve a request path (`$APPDATA/notes.txt`, or absolute) to its canonical path,
    /// refusing it when it falls outside the scope. Blocking: touches the disk.
    pub fn resolve(&self, path: &str, access: Access) -> Result<PathBuf, ScopeError> {
        let expanded = self.vars.expand(path)?;
        let canonical = canonical(&expanded)?;
        self.admit(&canonical, access).map_err(|why| {
            if canonical == expanded {
                ScopeError::new(format!("path `{path}` {why}"))
            } else {
                ScopeError::new(format!(
                    "path `{path}` (resolved to `{}`) {why}",
                    canonical.display()
                ))
            }
        })?;
        Ok(canonical)
    }

    /// Whether a canonical path is inside: `Err` says why not. Blocking.
    pub fn permits(&self, canonical: &Path, access: Access) -> bool {
        self.admit(canonical, access).is_ok()
    }

    fn admit(&self, path: &Path, access: Access) -> Result<(), String> {
        let base_of = |p: &Pattern| canonical(&p.base).unwrap_or_else(|_| p.base.clone());
        let allowed = self.allow.iter().any(|p| {
            let base = base_of(p);
            // dotfiles the pattern names itself are fine: only names below its base count
            p.matches_with(&base, path, |a, b| a == b, p.dotfiles)
        });
        if !allowed {
            let near = self.allow.iter().any(|p| {
                let base = base_of(p);
                p.matches_with(&base, path, |a, b| a == b, true)
            });
            return Err(if near {
                "is a dotfile (or inside a dot folder), which the scope does not include".into()
            } else {
                "is outside the scope".into()
            });
        }
        let denied = self.deny.iter().find(|p| {
            let base = base_of(p);
            p.matches_with(&base, path, |a, b| fold(a) == fold(b), true)
        });
        if let Some(p) = denied {
            return Err(format!("is denied by `{}`", p.text));
        }
        if access == Access::Content {
            if let Some(links) = hard_links(path) {
                if links > 1 {
                    return Err(format!(
                        "has {links} hard links: it may be a second name of a file outside the scope"
                    ));
                }
            }
        }
        Ok(())
    }

    /// Whether a path reported by a watcher (under a watched, canonical directory) is
    /// inside, by its name alone (it may already be gone).
    pub(crate) fn permits_name(&self, path: &Path) -> bool {
        let allowed = self.allow.iter().any(|p| {
            p.matches_with(&p.base, path, |a, b| a == b, p.dotfiles)
                || canonical(&p.base)
                    .is_ok_and(|b| p.matches_with(&b, path, |a, b| a == b, p.dotfiles))
        });
        allowed
            && !self.deny.iter().any(|p| {
                p.matches_with(&p.base, path, |a, b| fold(a) == fold(b), true)
                    || canonical(&p.base)
                        .is_ok_and(|b| p.matches_with(&b, path, |a, b| fold(a) == fold(b), true))
            })
    }
}

#[cfg(unix)]
fn hard_links(path: &Path) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::symlink_metadata(path).ok()?;
    (!meta.is_dir()).then(|| meta.nlink())
}

#[cfg(not(unix))]
fn hard_links(_path: &Path) -> Option<u64> {
    None
}

/// The fs plugin's scope schema: expands base-directory variables and checks every path
/// argument (`path`, `from`, `to`) of a call on its canonical path.
#[derive(Debug, Clone)]
pub struct FsScopeSchema {
    pub(crate) vars: Arc<Variables>,
}

/// The arguments of the fs methods that hold paths.
pub(crate) const PATH_ARGS: &[&str] = &["path", "from", "to"];

/// How a method uses its paths.
pub(crate) fn access_of(method: &str) -> Access {
    match method {
        "exists" | "remove" => Access::Name,
        _ => Access::Content,
    }
}

impl ScopeSchema for FsScopeSchema {
    type Entry = FsEntry;
    type Scope = FsScope;

    fn resolve(&self, allow: Vec<FsEntry>, deny: Vec<FsEntry>) -> Result<FsScope, ScopeError> {
        let parse = |entries: Vec<FsEntry>| {
            entries
                .into_iter()
                .map(|e| Pattern::parse(e, &self.vars))
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(FsScope {
            allow: parse(allow)?,
            deny: parse(deny)?,
            vars: Arc::clone(&self.vars),
        })
    }

    fn check(&self, scope: &FsScope, call: &Call) -> Result<(), ScopeError> {
        let args = call.args().map_err(|e| ScopeError::new(e.message))?;
        let access = access_of(call.method());
        for name in PATH_ARGS {
            let path: Option<String> = args.get(name).map_err(|e| ScopeError::new(e.message))?;
            if let Some(path) = path {
                scope.resolve(&path, access)?;
            }
        }
        Ok(())
    }

    fn check_blocks(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Variables {
        let mut v = Variables::default();
        v.set("ROOT", Path::new("/data/app"));
        v
    }

    #[test]
    fn patterns_parse_and_refuse_inner_stars_and_dots() {
        let p = Pattern::parse(FsEntry::Path("$ROOT/**".into()), &vars()).unwrap();
        assert_eq!(p.base, Path::new("/data/app"));
        assert_eq!(p.reach, Reach::Recursive);
        for bad in ["$ROOT/*.txt", "$ROOT/../x/**", "relative/**", "$NOPE/**"] {
            assert!(
                Pattern::parse(FsEntry::Path(bad.into()), &vars()).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn prefixes_are_compared_by_component() {
        let p = Pattern::parse(FsEntry::Path("$ROOT/**".into()), &vars()).unwrap();
        let eq = |a: &str, b: &str| a == b;
        assert!(p.matches_with(&p.base, Path::new("/data/app/x"), eq, false));
        assert!(!p.matches_with(&p.base, Path::new("/data/app-evil/x"), eq, false));
        assert!(!p.matches_with(&p.base, Path::new("/data/app/.env"), eq, false));
        assert!(p.matches_with(&p.base, Path::new("/data/app/.env"), eq, true));
    }

    #[test]
    fn deny_folding_sees_through_case_and_normalisation() {
        assert_eq!(fold("Caf\u{e9}"), fold("cafe\u{301}"));
        assert_ne!(fold("sc\u{43e}pe"), fold("scope")); // Cyrillic o stays another letter
    }
}
