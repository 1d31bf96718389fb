//! # switchboard
//!
//! The bus at the heart of Switchboard: every command, actor, window and plugin is an
//! actor addressed on one message bus, speaking the frames of [`switchboard_protocol`].
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

pub use switchboard_protocol as protocol;
