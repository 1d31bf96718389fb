//! Access checks beyond the grant patterns: the `forbidden` answers, and the caller's
//! resolved scope for a scoped plugin's method.

use std::sync::Arc;

use switchboard_protocol::{Address, WireError};

use super::Session;
use crate::error::BusError;
use crate::scope::ResolvedScope;

impl Session {
    pub(super) fn forbidden(&self, permission: &str) -> WireError {
        BusError::Forbidden {
            window: self.inner.caller.window.clone(),
            origin: self.inner.caller.origin.clone(),
            permission: permission.to_owned(),
        }
        .into()
    }

    /// The caller's scope for `method` of the scoped plugin at `to`, resolved once.
    pub(super) fn scope(
        &self,
        schema: &Arc<dyn crate::scope::ErasedSchema>,
        to: &Address,
        method: &str,
    ) -> Result<ResolvedScope, String> {
        let key = (to.clone(), method.to_owned());
        let mut scopes = self.inner.scopes.lock().unwrap_or_else(|p| p.into_inner());
        scopes
            .entry(key)
            .or_insert_with(|| {
                let granted = self.inner.granted.lock().unwrap_or_else(|p| p.into_inner());
                let extra = granted.get(to).map(Vec::as_slice).unwrap_or(&[]);
                self.inner
                    .grants
                    .scope_with(schema, to, method, extra)
                    .map_err(|e| e.message)
            })
            .clone()
    }

    /// `forbidden` for a call outside its scope: names the permissions that granted the
    /// call, the scope, and what fell outside it (also as typed `data`).
    pub(super) fn out_of_scope(
        &self,
        permission: &str,
        scope: &ResolvedScope,
        reason: &str,
    ) -> WireError {
        BusError::OutOfScope {
            window: self.inner.caller.window.clone(),
            origin: self.inner.caller.origin.clone(),
            permission: permission.to_owned(),
            granted_by: scope.permissions().to_vec(),
            scope: scope.text().to_owned(),
            reason: reason.to_owned(),
        }
        .into()
    }
}
