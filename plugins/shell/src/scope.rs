//! The shell scope: which programs a caller may run (by name, with a validator per argument
//! position) and which URL schemes it may `open`. Checked by the bus before the plugin runs.
//!
//! An entry is one of:
//! - `{ name = "git", cmd = "git", args = ["status"] }`: the page runs `git status` as
//!   program `"git"`. `args` is `true` (any arguments), a list (exactly that many, each an
//!   exact string or `{ validator = "<regex>" }` matched against the whole argument), or
//!   absent (no arguments). The page names the program; `cmd` (a path, or a name looked up
//!   on `PATH`) is never the page's to choose.
//! - `{ open = "https" }`: `open` may hand URLs of that scheme to the system's opener.
//!
//! Deny entries name programs (`{ name = "git" }`) or schemes (`{ open = "mailto" }`) that
//! stay refused whatever allows them.

use std::fmt;

use regex::Regex;
use serde::Deserialize;
use switchboard::scope::{ScopeError, ScopeSchema};
use switchboard::Call;
use url::Url;

/// One scope entry, as capabilities write it.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ShellEntry {
    /// A program the page may run.
    Program {
        /// The name the page uses.
        name: String,
        /// The program itself (an absolute path, or a name looked up on `PATH`); a deny entry
        /// leaves it out.
        #[serde(default)]
        cmd: Option<String>,
        /// Which arguments: `true` (any), a list (per position), or none.
        #[serde(default)]
        args: Option<ArgsEntry>,
    },
    /// A URL scheme `open` may hand to the system.
    Open {
        /// The scheme (`https`, `mailto`, `file`...).
        open: String,
    },
}

/// The `args` of a program entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ArgsEntry {
    /// `true`: any arguments; `false`: none.
    Any(bool),
    /// Exactly these, position by position.
    List(Vec<ArgEntry>),
}

/// One argument position.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ArgEntry {
    /// This exact argument.
    Exact(String),
    /// Any argument the regex matches whole.
    Validator {
        /// The regex (anchored at both ends by the plugin).
        validator: String,
    },
}

#[derive(Debug, Clone)]
enum ArgRule {
    Exact(String),
    Regex(Regex),
}

impl ArgRule {
    fn matches(&self, arg: &str) -> bool {
        match self {
            ArgRule::Exact(e) => e == arg,
            ArgRule::Regex(r) => r.is_match(arg),
        }
    }
}

impl fmt::Display for ArgRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArgRule::Exact(e) => write!(f, "{e:?}"),
            ArgRule::Regex(r) => write!(f, "/{}/", r.as_str()),
        }
    }
}

/// A program a caller may run, resolved from an entry.
#[derive(Debug, Clone)]
pub struct Program {
    name: String,
    cmd: String,
    any_args: bool,
    args: Vec<ArgRule>,
}

impl Program {
    /// The name pages use.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What runs.
    pub fn cmd(&self) -> &str {
        &self.cmd
    }

    /// Why `args` do not fit this entry, or `None` when they do.
    fn refuses(&self, args: &[String]) -> Option<String> {
        if self.any_args {
            return None;
        }
        if args.len() != self.args.len() {
            return Some(format!(
                "{} argument(s) where `{}` takes {}",
                args.len(),
                self.name,
                self.args.len()
            ));
        }
        self.args
            .iter()
            .zip(args)
            .enumerate()
            .find(|(_, (rule, arg))| !rule.matches(arg))
            .map(|(i, (rule, arg))| {
                format!(
                    "argument {} {arg:?} of `{}` is not {rule}",
                    i + 1,
                    self.name
                )
            })
    }
}

/// A caller's resolved shell scope.
#[derive(Debug, Clone, Default)]
pub struct ShellScope {
    programs: Vec<Program>,
    denied_programs: Vec<String>,
    schemes: Vec<String>,
    denied_schemes: Vec<String>,
}

impl ShellScope {
    /// The program entry `name` with `args` runs under, or why there is none.
    pub fn program(&self, name: &str, args: &[String]) -> Result<&Program, String> {
        if self.denied_programs.iter().any(|d| d == name) {
            return Err(format!("program `{name}` (denied)"));
        }
        let mut reasons = Vec::new();
        for p in self.programs.iter().filter(|p| p.name == name) {
            match p.refuses(args) {
                None => return Ok(p),
                Some(why) => reasons.push(why),
            }
        }
        if reasons.is_empty() {
            Err(format!("program `{name}`"))
        } else {
            Err(reasons.join("; "))
        }
    }

    /// Whether `open` may hand a URL of `scheme` (lower case) to the system.
    pub fn opens(&self, scheme: &str) -> bool {
        self.schemes.iter().any(|s| s == scheme) && !self.denied_schemes.iter().any(|s| s == scheme)
    }
}

impl fmt::Display for ShellScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let programs: Vec<String> = self
            .programs
            .iter()
            .map(|p| {
                if p.any_args {
                    format!("{} (any arguments)", p.name)
                } else if p.args.is_empty() {
                    p.name.clone()
                } else {
                    let args: Vec<String> = p.args.iter().map(|a| a.to_string()).collect();
                    format!("{} {}", p.name, args.join(" "))
                }
            })
            .collect();
        write!(
            f,
            "programs [{}], schemes [{}]",
            programs.join(", "),
            self.schemes.join(", ")
        )?;
        if !self.denied_programs.is_empty() || !self.denied_schemes.is_empty() {
            write!(
                f,
                " except [{}]",
                self.denied_programs
                    .iter()
                    .chain(&self.denied_schemes)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            )?;
        }
        Ok(())
    }
}

fn scheme_name(s: &str) -> Result<String, ScopeError> {
    let ok = s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if ok {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(ScopeError::new(format!("scope: `{s}` is not a URL scheme")))
    }
}

/// What `open` hands the opener for `target`: an absolute URL, or an absolute file path as a
/// `file:` URL. Parsed by WHATWG rules (the `url` crate), so the scheme checked is the scheme
/// the opener sees.
pub fn open_target(target: &str) -> Result<Url, String> {
    if target.chars().any(char::is_control) {
        return Err("a target with control characters".into());
    }
    let url = parse_target(target)?;
    // a `file:` URL naming a host is a file on another machine (an SMB share on Windows,
    // which can run what it opens): `file` grants local files only
    if url.scheme() == "file" && url.host().is_some() {
        return Err(format!("`{target}` is a file on another host"));
    }
    Ok(url)
}

fn parse_target(target: &str) -> Result<Url, String> {
    match Url::parse(target) {
        Ok(url) => Ok(url),
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            let path = std::path::Path::new(target);
            if !path.is_absolute() {
                return Err(format!("`{target}` is neither a URL nor an absolute path"));
            }
            Url::from_file_path(path).map_err(|()| format!("`{target}` is not a file path"))
        }
        Err(e) => Err(format!("`{target}`: {e}")),
    }
}

/// The shell plugin's scope schema.
#[derive(Debug, Clone, Copy, Default)]
pub struct ShellScopeSchema;

impl ScopeSchema for ShellScopeSchema {
    type Entry = ShellEntry;
    type Scope = ShellScope;

    fn resolve(
        &self,
        allow: Vec<ShellEntry>,
        deny: Vec<ShellEntry>,
    ) -> Result<ShellScope, ScopeError> {
        let mut scope = ShellScope::default();
        for entry in allow {
            match entry {
                ShellEntry::Program { name, cmd, args } => {
                    let cmd = cmd.ok_or_else(|| {
                        ScopeError::new(format!("scope: program `{name}` has no `cmd`"))
                    })?;
                    if name.is_empty() || cmd.is_empty() {
                        return Err(ScopeError::new("scope: a program needs a name and a cmd"));
                    }
                    let (any_args, args) = match args {
                        None | Some(ArgsEntry::Any(false)) => (false, Vec::new()),
                        Some(ArgsEntry::Any(true)) => (true, Vec::new()),
                        Some(ArgsEntry::List(list)) => {
                            let mut rules = Vec::new();
                            for a in list {
                                rules.push(match a {
                                    ArgEntry::Exact(e) => ArgRule::Exact(e),
                                    ArgEntry::Validator { validator } => ArgRule::Regex(
                                        Regex::new(&format!("^(?:{validator})$")).map_err(|e| {
                                            ScopeError::new(format!(
                                                "scope: program `{name}`: validator {validator:?}: {e}"
                                            ))
                                        })?,
                                    ),
                                });
                            }
                            (false, rules)
                        }
                    };
                    scope.programs.push(Program {
                        name,
                        cmd,
                        any_args,
                        args,
                    });
                }
                ShellEntry::Open { open } => scope.schemes.push(scheme_name(&open)?),
            }
        }
        for entry in deny {
            match entry {
                ShellEntry::Program { name, .. } => scope.denied_programs.push(name),
                ShellEntry::Open { open } => scope.denied_schemes.push(scheme_name(&open)?),
            }
        }
        Ok(scope)
    }

    fn check(&self, scope: &ShellScope, call: &Call) -> Result<(), ScopeError> {
        let args = call.args().map_err(|e| ScopeError::new(e.message))?;
        match call.method() {
            "spawn" => {
                let program: String = args
                    .get("program")
                    .map_err(|e| ScopeError::new(e.message))?;
                let argv: Option<Vec<String>> =
                    args.get("args").map_err(|e| ScopeError::new(e.message))?;
                scope
                    .program(&program, &argv.unwrap_or_default())
                    .map(drop)
                    .map_err(ScopeError::new)
            }
            "open" => {
                let target: String = args.get("target").map_err(|e| ScopeError::new(e.message))?;
                let url = open_target(&target).map_err(ScopeError::new)?;
                if scope.opens(url.scheme()) {
                    Ok(())
                } else {
                    Err(ScopeError::new(format!("scheme `{}:`", url.scheme())))
                }
            }
            _ => Ok(()),
        }
    }
}
