//! The crate's errors: [`Error`] for setting up and driving the app, [`BusError`] for
//! every error the bus answers a page (or a Rust caller) with, and [`Closed`].

mod bus;

use std::path::PathBuf;

use switchboard_protocol::NameError;

pub use bus::BusError;

use crate::runtime::RuntimeError;

/// Why setting up or driving the app failed (building it, emitting, opening a window).
///
/// ```
/// use switchboard::{App, Error};
/// let app = App::builder().build().unwrap();
/// let err = app.emit("not a topic", &1).unwrap_err();
/// assert!(matches!(err, Error::BadName { .. }));
/// assert!(err.to_string().starts_with("invalid name `not a topic`"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A name, address or topic did not parse.
    #[error("invalid name `{text}`: {source}")]
    BadName {
        /// The text given.
        text: String,
        /// Why it is not a name.
        #[source]
        source: NameError,
    },
    /// Two actors or commands registered at one address.
    #[error("address `{0}` is registered twice")]
    Duplicate(String),
    /// A capability (in code or in a file) is not valid.
    #[error(transparent)]
    Capability(#[from] crate::capability::CapabilityError),
    /// A plugin's permission declarations are not valid.
    #[error(transparent)]
    Permission(#[from] crate::permission::PermissionError),
    /// A value could not be encoded as a payload.
    #[error("could not encode the value: {0}")]
    Encode(String),
    /// The runtime refused (opening a window, sending it a command).
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    /// A file could not be read.
    #[error("could not read `{path}`: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    pub(crate) fn bad_name(text: &str, source: NameError) -> Self {
        Error::BadName {
            text: text.to_owned(),
            source,
        }
    }
}

/// The outbound side of a session was closed: the client is gone.
///
/// ```
/// use switchboard::Closed;
/// assert_eq!(Closed.to_string(), "the client connection is closed");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the client connection is closed")]
pub struct Closed;

/// The text of a panic payload, for error messages.
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "a non-text panic payload".to_owned()
    }
}
