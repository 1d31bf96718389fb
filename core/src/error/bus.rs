//! [`BusError`]: every error the bus itself answers a call, a subscription or an emit
//! with, and its one mapping to a stable wire code (PROTOCOL.md §6).

use std::time::Duration;

use switchboard_protocol::{
    payload, Address, ErrorCode, IntoWireError, Name, RequestId, Topic, WireError,
    SUPPORTED_VERSIONS,
};

use crate::scope::OutOfScope;

/// An error the bus answers with (the page, or a Rust caller, sees it as a [`WireError`]).
///
/// Each variant has one stable wire code ([`BusError::code`], listed on each variant); its
/// message (the `Display`) says what failed and with which value. Errors a handler returns
/// are not bus errors: they are answered with code `app` and the handler's error value as
/// data.
///
/// ```
/// use switchboard::protocol::{ErrorCode, IntoWireError};
/// use switchboard::BusError;
///
/// let e = BusError::MissingArgument { name: "path".into() };
/// assert_eq!(e.code(), ErrorCode::BadPayload);
/// assert_eq!(e.to_string(), "missing argument `path`");
/// let wire = e.into_wire_error();
/// assert_eq!((wire.code, wire.message.as_str()), (ErrorCode::BadPayload, "missing argument `path`"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BusError {
    // ---- the frame and its payload ----
    /// `malformed`: the payload is not well-formed MessagePack.
    #[error("malformed payload: {reason}")]
    MalformedPayload {
        /// What is wrong, and where.
        reason: String,
    },
    /// `too_large`: the payload is over one of the app's limits.
    #[error("payload over a limit: {reason}")]
    PayloadTooLarge {
        /// Which limit, and by how much.
        reason: String,
    },
    /// `unsupported_version`: the client speaks none of the host's protocol versions.
    #[error("no common protocol version: the host speaks {SUPPORTED_VERSIONS:?}, the client offered {offered:?}")]
    UnsupportedVersion {
        /// The versions the client's `hello` offered.
        offered: Vec<u32>,
    },
    /// `protocol_violation`: a frame other than `hello` came first.
    #[error("`{frame}` before `hello`")]
    BeforeHello {
        /// The frame's kind.
        frame: String,
    },
    /// `protocol_violation`: a request reused the id of one still pending.
    #[error("request id {id} is already pending")]
    DuplicateRequest {
        /// The id.
        id: RequestId,
    },
    /// `protocol_violation`: `credit` for a request that is not a running stream.
    #[error("`credit` for request {id}, which is not a running stream")]
    CreditWithoutStream {
        /// The request id the credit named.
        id: RequestId,
    },
    /// `protocol_violation`: a frame only the host sends (`response`, `stream_item`, ...).
    #[error("a client may not send `{frame}`")]
    UnexpectedFrame {
        /// The frame's kind.
        frame: String,
    },

    // ---- routing ----
    /// `unknown_target`: no actor or command at the address.
    #[error("no actor at `{address}`")]
    NoActor {
        /// The address called.
        address: Address,
    },
    /// `unknown_target`: no open window with the label.
    #[error("no window labelled `{label}`")]
    NoWindow {
        /// The label called.
        label: Name,
    },
    /// `unknown_method`: the actor has no such method.
    #[error("`{target}` has no method `{method}`")]
    UnknownMethod {
        /// The actor called.
        target: Address,
        /// The method asked for.
        method: String,
    },

    // ---- arguments ----
    /// `bad_payload`: the arguments are not a map of name to value.
    #[error("the arguments must be a map of argument name to value")]
    ArgumentsNotAMap,
    /// `bad_payload`: an argument name is not a string.
    #[error("argument names must be strings (the payload is a map of name to value)")]
    ArgumentNameNotAString,
    /// `bad_payload`: an argument appears twice.
    #[error("argument `{name}` appears twice")]
    DuplicateArgument {
        /// The argument (its first 64 bytes).
        name: String,
    },
    /// `bad_payload`: a required argument is missing.
    #[error("missing argument `{name}`")]
    MissingArgument {
        /// The argument.
        name: String,
    },
    /// `bad_payload`: an argument does not decode into its type.
    #[error("argument `{name}` does not decode: {reason}")]
    BadArgument {
        /// The argument.
        name: String,
        /// The decoder's reason.
        reason: String,
    },
    /// `bad_payload`: the payload does not decode into an actix message.
    #[error("the payload does not decode into the message `{message}`: {reason}")]
    BadMessage {
        /// The message type.
        message: &'static str,
        /// The decoder's reason.
        reason: String,
    },
    /// `bad_payload`: a typed handle could not encode an argument.
    #[error("argument of type `{type_name}` does not encode: {reason}")]
    UnencodableArgument {
        /// The argument's Rust type.
        type_name: &'static str,
        /// Why.
        reason: String,
    },

    // ---- access ----
    /// `forbidden`: no capability grants the caller the permission.
    #[error("window `{window}` (origin {origin}) lacks permission `{permission}`")]
    Forbidden {
        /// The caller's window.
        window: Name,
        /// The caller's origin.
        origin: String,
        /// The permission needed (`cmd:greet`, `counter.add`, `event:news`, `emit:news`).
        permission: String,
    },
    /// `forbidden`: a page emitted on a topic the host reserves.
    #[error("window `{window}` (origin {origin}) may not emit `{topic}`: topics under `{prefix}` are reserved for the host")]
    ReservedTopic {
        /// The caller's window.
        window: Name,
        /// The caller's origin.
        origin: String,
        /// The topic.
        topic: Topic,
        /// The reserved prefix it falls under.
        prefix: &'static str,
    },
    /// `forbidden`: the caller's scope for a scoped plugin's method does not resolve.
    #[error("window `{window}` (origin {origin}): the scope of `{permission}` does not resolve: {reason}")]
    ScopeUnresolved {
        /// The caller's window.
        window: Name,
        /// The caller's origin.
        origin: String,
        /// The method's permission (`plugin:fs.read`).
        permission: String,
        /// Why.
        reason: String,
    },
    /// `forbidden`: the call falls outside the caller's scope. The wire error carries the
    /// permissions, the scope and the reason as typed `data` too.
    #[error("window `{window}` (origin {origin}): `{permission}` is outside the scope of {}: {reason}; the scope is {scope}", quoted(.granted_by))]
    OutOfScope {
        /// The caller's window.
        window: Name,
        /// The caller's origin.
        origin: String,
        /// The method's permission (`plugin:fs.read`).
        permission: String,
        /// The permissions that granted the call (and so the scope).
        granted_by: Vec<String>,
        /// The resolved scope, as the plugin writes it.
        scope: String,
        /// What fell outside it.
        reason: String,
    },
    /// `forbidden`: a scoped plugin was called from Rust without a window to take the
    /// scope from.
    #[error(
        "`{target}` checks a scope: call it on behalf of a window (`call_as`, `on_behalf_of`)"
    )]
    ScopeNeedsWindow {
        /// The plugin called.
        target: Address,
    },

    // ---- load ----
    /// `busy`: the actor's mailbox is full.
    #[error("the mailbox of `{address}` is full ({capacity} calls queued)")]
    MailboxFull {
        /// The actor.
        address: Address,
        /// Its mailbox's capacity.
        capacity: usize,
    },
    /// `busy`: an actix actor has as many calls in flight as the adapter allows.
    #[error("actix actor `{address}` has {capacity} calls in flight, its capacity")]
    InFlightFull {
        /// The actor.
        address: Address,
        /// The adapter's bound.
        capacity: usize,
    },
    /// `busy`: the window has `max_pending` requests unanswered.
    #[error("window `{window}` has {max} requests pending, the limit")]
    TooManyPending {
        /// The caller's window.
        window: Name,
        /// The limit.
        max: usize,
    },
    /// `busy`: the window holds `max_subscriptions` topics.
    #[error("window `{window}` holds {max} subscriptions, the limit; unsubscribe from one first")]
    TooManySubscriptions {
        /// The caller's window.
        window: Name,
        /// The limit.
        max: usize,
    },

    // ---- failures ----
    /// `actor_failed`: the handler panicked (its text is in the app's log, never here).
    #[error("`{target}` failed; the app's log has the details")]
    Panicked {
        /// The actor or command.
        target: Address,
    },
    /// `actor_failed`: the supervisor gave up on the actor (past its restart intensity).
    #[error("actor `{address}` is stopped: it failed more than {max_restarts} times within {within:?}; the app's log has the details")]
    ActorGaveUp {
        /// The actor.
        address: Address,
        /// Its strategy's restart limit.
        max_restarts: u32,
        /// Its strategy's window.
        within: Duration,
    },
    /// `actor_failed`: the actor is stopped.
    #[error("actor `{address}` is stopped")]
    ActorStopped {
        /// The actor.
        address: Address,
    },
    /// `actor_failed`: the actor stopped with the call taken but not answered.
    #[error("actor `{address}` stopped before answering")]
    StoppedBeforeAnswering {
        /// The actor.
        address: Address,
    },
    /// `actor_failed`: the actix actor behind the adapter has stopped.
    #[error("actix actor `{address}` has stopped")]
    ActixStopped {
        /// The actor.
        address: Address,
    },
    /// `actor_failed`: the actix actor did not answer.
    #[error("actix actor `{address}` did not answer: {reason}")]
    ActixNoAnswer {
        /// The actor.
        address: Address,
        /// actix's reason.
        reason: String,
    },
    /// `actor_failed`: the task running a synchronous command was cancelled (the runtime
    /// is shutting down).
    #[error("the task running a command was cancelled")]
    CommandTaskCancelled,

    // ---- the caller left ----
    /// `cancelled`: the caller cancelled the request (or stream).
    #[error("the caller cancelled request {id}")]
    Cancelled {
        /// The request.
        id: RequestId,
    },
    /// `deadline_exceeded`: the target did not answer within the request's deadline.
    #[error("`{target}` did not answer within {deadline_ms} ms")]
    DeadlineExceeded {
        /// The target.
        target: Address,
        /// The deadline, from when the request was received.
        deadline_ms: u64,
    },
    /// `deadline_exceeded`: a stream did not end within the request's deadline.
    #[error("the stream from `{target}` did not end within {deadline_ms} ms")]
    StreamDeadlineExceeded {
        /// The target.
        target: Address,
        /// The deadline, from when the request was received.
        deadline_ms: u64,
    },
    /// `window_closed`: the window concerned is closed (the caller's own, or the one a
    /// window method drives).
    #[error("window `{label}` is closed")]
    WindowClosed {
        /// The window.
        label: Name,
    },

    // ---- the host's own faults ----
    /// `internal`: a handler asks for state the app does not manage.
    #[error("state `{type_name}` is not managed: add it with `App::builder().manage(..)`")]
    StateNotManaged {
        /// The state's type.
        type_name: &'static str,
    },
    /// `internal`: a handler takes the caller's window, and the app called it itself.
    #[error("`{target}` takes the caller's window, and the app called it itself (use `AppHandle::call_as` with the window's caller)")]
    NoCallerWindow {
        /// The command or method.
        target: Address,
    },
    /// `internal`: a handler takes a scope its plugin did not declare.
    #[error(
        "`{target}` has no scope of type `{type_name}`: declare it with `PluginPermissions::scope`"
    )]
    ScopeNotDeclared {
        /// The plugin.
        target: Address,
        /// The scope type asked for.
        type_name: &'static str,
    },
    /// `internal`: a handler's return value could not be encoded.
    #[error("could not encode the reply: {reason}")]
    UnencodableReply {
        /// The encoder's reason.
        reason: String,
    },
    /// `internal`: a handler's error value could not be encoded.
    #[error("could not encode the handler's error: {reason}")]
    UnencodableAppError {
        /// The encoder's reason.
        reason: String,
    },
    /// `internal`: the runtime refused a window command for a reason other than the window
    /// being gone.
    #[error("the runtime refused a command for window `{label}`: {reason}")]
    Runtime {
        /// The window.
        label: Name,
        /// The runtime's reason.
        reason: String,
    },
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|p| format!("`{p}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl BusError {
    /// The stable wire code (PROTOCOL.md §6) this error is answered with.
    pub fn code(&self) -> ErrorCode {
        use BusError as E;
        match self {
            E::MalformedPayload { .. } => ErrorCode::Malformed,
            E::PayloadTooLarge { .. } => ErrorCode::TooLarge,
            E::UnsupportedVersion { .. } => ErrorCode::UnsupportedVersion,
            E::BeforeHello { .. }
            | E::DuplicateRequest { .. }
            | E::CreditWithoutStream { .. }
            | E::UnexpectedFrame { .. } => ErrorCode::ProtocolViolation,
            E::NoActor { .. } | E::NoWindow { .. } => ErrorCode::UnknownTarget,
            E::UnknownMethod { .. } => ErrorCode::UnknownMethod,
            E::ArgumentsNotAMap
            | E::ArgumentNameNotAString
            | E::DuplicateArgument { .. }
            | E::MissingArgument { .. }
            | E::BadArgument { .. }
            | E::BadMessage { .. }
            | E::UnencodableArgument { .. } => ErrorCode::BadPayload,
            E::Forbidden { .. }
            | E::ReservedTopic { .. }
            | E::ScopeUnresolved { .. }
            | E::OutOfScope { .. }
            | E::ScopeNeedsWindow { .. } => ErrorCode::Forbidden,
            E::MailboxFull { .. }
            | E::InFlightFull { .. }
            | E::TooManyPending { .. }
            | E::TooManySubscriptions { .. } => ErrorCode::Busy,
            E::Panicked { .. }
            | E::ActorGaveUp { .. }
            | E::ActorStopped { .. }
            | E::StoppedBeforeAnswering { .. }
            | E::ActixStopped { .. }
            | E::ActixNoAnswer { .. }
            | E::CommandTaskCancelled => ErrorCode::ActorFailed,
            E::Cancelled { .. } => ErrorCode::Cancelled,
            E::DeadlineExceeded { .. } | E::StreamDeadlineExceeded { .. } => {
                ErrorCode::DeadlineExceeded
            }
            E::WindowClosed { .. } => ErrorCode::WindowClosed,
            E::StateNotManaged { .. }
            | E::NoCallerWindow { .. }
            | E::ScopeNotDeclared { .. }
            | E::UnencodableReply { .. }
            | E::UnencodableAppError { .. }
            | E::Runtime { .. } => ErrorCode::Internal,
        }
    }

    /// The answer to a call at an address with no route: [`NoWindow`](Self::NoWindow)
    /// for a window's address, [`NoActor`](Self::NoActor) for any other.
    pub fn no_route(address: &Address) -> Self {
        match address {
            Address::Window(label) => BusError::NoWindow {
                label: label.clone(),
            },
            other => BusError::NoActor {
                address: other.clone(),
            },
        }
    }
}

impl IntoWireError for BusError {
    fn into_wire_error(self) -> WireError {
        let error = WireError::new(self.code(), self.to_string());
        match &self {
            BusError::OutOfScope {
                granted_by,
                scope,
                reason,
                ..
            } => {
                let data = OutOfScope {
                    permissions: granted_by,
                    scope,
                    reason,
                };
                match payload::to_bytes(&data) {
                    Ok(bytes) => error.with_data(bytes),
                    Err(_) => error,
                }
            }
            _ => error,
        }
    }
}

impl From<BusError> for WireError {
    fn from(error: BusError) -> Self {
        error.into_wire_error()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_lower_case_without_a_trailing_period() {
        let window = Name::new("main").unwrap();
        let address = Address::parse("counter").unwrap();
        let id = RequestId::new(7).unwrap();
        let samples = [
            BusError::BeforeHello {
                frame: "request".into(),
            },
            BusError::no_route(&address),
            BusError::no_route(&Address::Window(window.clone())),
            BusError::ArgumentsNotAMap,
            BusError::MailboxFull {
                address: address.clone(),
                capacity: 4,
            },
            BusError::Panicked {
                target: address.clone(),
            },
            BusError::Cancelled { id },
            BusError::WindowClosed {
                label: window.clone(),
            },
            BusError::CommandTaskCancelled,
        ];
        for e in samples {
            let text = e.to_string();
            let first = text.chars().next().unwrap();
            assert!(!first.is_uppercase(), "{text}");
            assert!(!text.ends_with('.'), "{text}");
        }
    }

    #[test]
    fn out_of_scope_carries_its_parts_as_data() {
        let e = BusError::OutOfScope {
            window: Name::new("main").unwrap(),
            origin: "app://localhost".into(),
            permission: "plugin:fs.read".into(),
            granted_by: vec!["fs:allow-read".into()],
            scope: "$APPDATA/**".into(),
            reason: "`/etc/passwd`".into(),
        };
        assert_eq!(
            e.to_string(),
            "window `main` (origin app://localhost): `plugin:fs.read` is outside the scope of `fs:allow-read`: `/etc/passwd`; the scope is $APPDATA/**"
        );
        let wire = e.into_wire_error();
        assert_eq!(wire.code, ErrorCode::Forbidden);
        assert!(wire.data.is_some());
    }

    #[test]
    fn one_wording_of_a_closed_window() {
        let e = BusError::WindowClosed {
            label: Name::new("tools").unwrap(),
        };
        assert_eq!(e.to_string(), "window `tools` is closed");
        assert_eq!(e.code(), ErrorCode::WindowClosed);
    }
}
