//! Access checks beyond the grant patterns: the `forbidden` answers, and the caller's
//! resolved scope for a scoped plugin's method.

use std::sync::Arc;

use switchboard_protocol::{Address, ErrorCode, WireError};

use super::Session;
use crate::error::wire;
use crate::scope::{OutOfScope, ResolvedScope};

impl Session {
    pub(super) fn forbidden(&self, permission: &str) -> WireError {
        wire(
            ErrorCode::Forbidden,
            format!(
                "window `{}` (origin {}) lacks permission `{permission}`",
                self.inner.caller.window, self.inner.caller.origin
            ),
        )
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
                self.inner
                    .grants
                    .scope_for(schema, to, method)
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
        let granted = scope
            .permissions()
            .iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let error = wire(
            ErrorCode::Forbidden,
            format!(
                "window `{}` (origin {}): `{permission}` is outside the scope of {granted}: {reason}; the scope is {}",
                self.inner.caller.window,
                self.inner.caller.origin,
                scope.text()
            ),
        );
        let data = OutOfScope {
            permissions: scope.permissions(),
            scope: scope.text(),
            reason,
        };
        match switchboard_protocol::payload::to_bytes(&data) {
            Ok(bytes) => error.with_data(bytes),
            Err(_) => error,
        }
    }
}
