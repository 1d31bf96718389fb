//! The router: one request checked (grants, scope), looked up in the route table,
//! registered as pending (`max_pending`, cancel, deadline) and run at its route, a
//! command or an actor's mailbox. A stream answer is handed to the pump ([`super::stream_pump`]).

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::future::{AbortHandle, Abortable};
use futures::FutureExt;
use switchboard_protocol::{Request, RequestId, DEFAULT_STREAM_CREDIT};
use tokio::time::Instant;
use tracing::Instrument;

use super::connection::{Pending, PendingGuard};
use super::frames::response;
use super::Session;
use crate::app::Route;
use crate::call::Call;
use crate::error::{panic_message, BusError};
use crate::reply::Reply;

enum Outcome {
    Reply(Reply),
    Aborted,
    Expired,
}

impl Session {
    /// Check, register and run one request.
    pub(super) async fn request(&self, request: Request) -> Option<Bytes> {
        let span = tracing::debug_span!(
            "request",
            window = %self.inner.caller.window,
            target = %request.to,
            method = %request.method,
            id = request.id.get(),
        );
        self.run_request(request).instrument(span).await
    }

    async fn run_request(&self, request: Request) -> Option<Bytes> {
        let Request {
            id,
            to,
            method,
            payload,
            deadline_ms,
            credit,
        } = request;
        let received = Instant::now();
        if !self.inner.grants.allows_call(&to, &method) {
            let permission = if method.is_empty() {
                to.to_string()
            } else {
                format!("{to}.{method}")
            };
            tracing::debug!(%permission, "forbidden");
            return Some(response(id, Err(self.forbidden(&permission))));
        }
        let app = &self.inner.app;
        let route = match app.inner.routes.get(&to) {
            Some(route) => route.value().clone(),
            None => return Some(response(id, Err(BusError::no_route(&to).into()))),
        };
        let mut call = Call {
            app: app.clone(),
            caller: Arc::clone(&self.inner.caller),
            target: to.clone(),
            method,
            id,
            payload,
            scope: None,
            session: Some(Arc::downgrade(&self.inner)),
        };
        if let Some(schema) = app.scope_schema(&to) {
            let permission = format!("{to}.{}", call.method);
            let scope = match self.scope(schema, &to, &call.method) {
                Ok(scope) => scope,
                Err(reason) => {
                    tracing::debug!(%permission, %reason, "scope does not resolve");
                    let unresolved = BusError::ScopeUnresolved {
                        window: self.inner.caller.window.clone(),
                        origin: self.inner.caller.origin.clone(),
                        permission,
                        reason,
                    };
                    return Some(response(id, Err(unresolved.into())));
                }
            };
            let (checked, result) = scope.check(call).await;
            call = checked;
            if let Err(e) = result {
                tracing::debug!(%permission, reason = %e, "outside the scope");
                return Some(response(
                    id,
                    Err(self.out_of_scope(&permission, &scope, &e.message)),
                ));
            }
            call.scope = Some(scope);
        }
        let (abort, registration) = AbortHandle::new_pair();
        {
            let mut state = self.inner.lock();
            if state.pending.contains_key(&id) {
                return Some(response(id, Err(BusError::DuplicateRequest { id }.into())));
            }
            if state.pending.len() >= app.inner.max_pending {
                let busy = BusError::TooManyPending {
                    window: self.inner.caller.window.clone(),
                    max: app.inner.max_pending,
                };
                return Some(response(id, Err(busy.into())));
            }
            state.pending.insert(
                id,
                Pending {
                    abort,
                    credit: None,
                },
            );
        }
        let guard = PendingGuard {
            session: Arc::clone(&self.inner),
            id,
        };
        let deadline = deadline_ms.map(|ms| received + Duration::from_millis(ms));
        let work = Abortable::new(dispatch(route, call), registration);
        let outcome = match deadline {
            Some(at) => match tokio::time::timeout_at(at, work).await {
                Ok(Ok(reply)) => Outcome::Reply(reply),
                Ok(Err(_)) => Outcome::Aborted,
                Err(_) => Outcome::Expired,
            },
            None => match work.await {
                Ok(reply) => Outcome::Reply(reply),
                Err(_) => Outcome::Aborted,
            },
        };
        let result = match outcome {
            Outcome::Reply(Reply::Value(result)) => result,
            Outcome::Reply(Reply::Framed(framed)) if framed.id() == id => {
                drop(guard);
                return Some(framed.into_frame());
            }
            Outcome::Reply(Reply::Framed(framed)) => Ok(framed.payload()),
            Outcome::Reply(Reply::Stream(stream)) => {
                let credit = credit.unwrap_or(DEFAULT_STREAM_CREDIT);
                let deadline = deadline.zip(deadline_ms);
                self.start_stream(id, to, stream, guard, deadline, credit);
                return None;
            }
            Outcome::Aborted => Err(self.cancelled(id).into()),
            Outcome::Expired => Err(BusError::DeadlineExceeded {
                target: to,
                deadline_ms: deadline_ms.unwrap_or_default(),
            }
            .into()),
        };
        drop(guard);
        if let Err(e) = &result {
            tracing::debug!(code = %e.code, message = %e.message, "answered with an error");
        }
        Some(response(id, result))
    }

    /// Why request `id` stopped before its answer: the window closed, or the caller
    /// cancelled it.
    pub(super) fn cancelled(&self, id: RequestId) -> BusError {
        if self.inner.lock().closed {
            BusError::WindowClosed {
                label: self.inner.caller.window.clone(),
            }
        } else {
            BusError::Cancelled { id }
        }
    }
}

/// Run a call at its route: a command (see `command` for where it runs), an actor (a
/// window's included) through its mailbox. A panicking command is answered `actor_failed`.
pub(crate) async fn dispatch(route: Route, call: Call) -> Reply {
    match route {
        Route::Command(handler) => {
            let target = call.target.clone();
            match AssertUnwindSafe(handler(call)).catch_unwind().await {
                Ok(reply) => reply,
                Err(panic) => {
                    // the panic's text is for the app's log only: it may hold paths,
                    // values or internals a page must not see
                    let message = panic_message(&*panic);
                    tracing::warn!(%target, %message, "command panicked");
                    Reply::error(BusError::Panicked { target }.into())
                }
            }
        }
        Route::Actor(actor) => actor.call(call).await,
    }
}
