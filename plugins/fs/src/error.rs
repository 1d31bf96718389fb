//! What an fs call answers when it fails: [`FsError`], typed on the page as a
//! discriminated union on `kind`.

use serde::Serialize;

/// Why an fs operation failed (code `app`, `data` = this, as `{ kind: "not_found", path }`).
///
/// Calls outside the caller's scope never get here: the bus answers them `forbidden`
/// before the plugin runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FsError {
    /// Nothing at the path.
    #[error("{path}: not found")]
    NotFound {
        /// The path as the page wrote it.
        path: String,
    },
    /// Something already at the path.
    #[error("{path}: already exists")]
    AlreadyExists {
        /// The path as the page wrote it.
        path: String,
    },
    /// A whole-file read of a file past the limit: read it with `read_stream`.
    #[error("{path}: {size} bytes is over the {limit}-byte limit of a whole read; read it with `read_stream`")]
    TooLarge {
        /// The path as the page wrote it.
        path: String,
        /// The file's size.
        size: u64,
        /// The limit ([`MAX_WHOLE_FILE`](crate::MAX_WHOLE_FILE)).
        limit: u64,
    },
    /// `read_text` of a file that is not UTF-8.
    #[error("{path}: not UTF-8 text; read it with `read_bytes`")]
    NotText {
        /// The path as the page wrote it.
        path: String,
    },
    /// The path changed between the bus's check and the operation, and is now outside the
    /// scope (a symlink swapped in, for example).
    #[error("{path}: {message}")]
    OutOfScope {
        /// The path as the page wrote it.
        path: String,
        /// Why.
        message: String,
    },
    /// An upload id this window did not start, or that ended.
    #[error("upload {id}: no such upload in this window")]
    UnknownUpload {
        /// The id.
        id: u32,
    },
    /// Too many watches or uploads open in one window.
    #[error("{what}: at most {limit} at once per window")]
    Limit {
        /// `watches` or `uploads`.
        what: String,
        /// The limit.
        limit: u32,
    },
    /// Another I/O error.
    #[error("{path}: {message}")]
    Io {
        /// The path as the page wrote it.
        path: String,
        /// The OS's message.
        message: String,
    },
}

impl FsError {
    pub(crate) fn io(path: &str, e: &std::io::Error) -> Self {
        match e.kind() {
            std::io::ErrorKind::NotFound => FsError::NotFound {
                path: path.to_owned(),
            },
            std::io::ErrorKind::AlreadyExists => FsError::AlreadyExists {
                path: path.to_owned(),
            },
            _ => FsError::Io {
                path: path.to_owned(),
                message: e.to_string(),
            },
        }
    }
}
