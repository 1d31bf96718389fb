//! The sql scope: which databases (by name) a caller may use. An entry is a database name
//! or `"*"` for every database of the plugin's folder; deny entries win (whatever the case).

use std::fmt;

use switchboard::scope::{ScopeError, ScopeSchema};
use switchboard::Call;

use crate::check_name;

/// A caller's resolved database scope.
#[derive(Debug, Clone)]
pub struct DbScope {
    allow: Vec<String>,
    deny: Vec<String>,
}

impl DbScope {
    /// Whether the caller may use the database `name`. A deny entry matches whatever the
    /// case: on a case-insensitive file system (macOS' and Windows' default) `Secrets` is
    /// the file of `secrets`.
    pub fn permits(&self, name: &str) -> bool {
        let allowed = |e: &String| e == "*" || e == name;
        let denied = |e: &String| e == "*" || e.eq_ignore_ascii_case(name);
        self.allow.iter().any(allowed) && !self.deny.iter().any(denied)
    }
}

impl fmt::Display for DbScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "databases [{}]", self.allow.join(", "))?;
        if !self.deny.is_empty() {
            write!(f, " except [{}]", self.deny.join(", "))?;
        }
        Ok(())
    }
}

/// The sql plugin's scope schema: checks the `db` argument of every call that names one
/// (`commit` and `rollback` name a transaction, which belongs to the window that began it).
#[derive(Debug, Clone, Copy, Default)]
pub struct DbScopeSchema;

impl ScopeSchema for DbScopeSchema {
    type Entry = String;
    type Scope = DbScope;

    fn resolve(&self, allow: Vec<String>, deny: Vec<String>) -> Result<DbScope, ScopeError> {
        for e in allow.iter().chain(&deny) {
            if e != "*" {
                check_name(e).map_err(|m| ScopeError::new(format!("scope `{e}`: {m}")))?;
            }
        }
        Ok(DbScope { allow, deny })
    }

    fn check(&self, scope: &DbScope, call: &Call) -> Result<(), ScopeError> {
        let args = call.args().map_err(|e| ScopeError::new(e.message))?;
        let db: Option<String> = args.get("db").map_err(|e| ScopeError::new(e.message))?;
        match db {
            Some(name) if !scope.permits(&name) => {
                Err(ScopeError::new(format!("database `{name}`")))
            }
            _ => Ok(()),
        }
    }
}
