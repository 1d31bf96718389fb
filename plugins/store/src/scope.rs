//! The store scope: which stores (by name) a caller may use. An entry is a store name or
//! `"*"` for every store; deny entries win.

use std::fmt;

use switchboard::scope::{ScopeError, ScopeSchema};
use switchboard::Call;

use crate::store::check_name;

/// A caller's resolved store scope.
#[derive(Debug, Clone)]
pub struct StoreScope {
    allow: Vec<String>,
    deny: Vec<String>,
}

impl StoreScope {
    /// Whether the caller may use the store `name`.
    pub fn permits(&self, name: &str) -> bool {
        let hit = |e: &String| e == "*" || e == name;
        self.allow.iter().any(hit) && !self.deny.iter().any(hit)
    }
}

impl fmt::Display for StoreScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "stores [{}]", self.allow.join(", "))?;
        if !self.deny.is_empty() {
            write!(f, " except [{}]", self.deny.join(", "))?;
        }
        Ok(())
    }
}

/// The store plugin's scope schema: checks the `store` argument of every call.
#[derive(Debug, Clone, Copy, Default)]
pub struct StoreScopeSchema;

impl ScopeSchema for StoreScopeSchema {
    type Entry = String;
    type Scope = StoreScope;

    fn resolve(&self, allow: Vec<String>, deny: Vec<String>) -> Result<StoreScope, ScopeError> {
        for e in allow.iter().chain(&deny) {
            if e != "*" {
                check_name(e).map_err(|m| ScopeError::new(format!("scope `{e}`: {m}")))?;
            }
        }
        Ok(StoreScope { allow, deny })
    }

    fn check(&self, scope: &StoreScope, call: &Call) -> Result<(), ScopeError> {
        let args = call.args().map_err(|e| ScopeError::new(e.message))?;
        let store: Option<String> = args.get("store").map_err(|e| ScopeError::new(e.message))?;
        match store {
            Some(name) if !scope.permits(&name) => Err(ScopeError::new(format!("store `{name}`"))),
            _ => Ok(()),
        }
    }
}
