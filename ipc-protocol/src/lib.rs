//! # switchboard-protocol
//!
//! The versioned binary protocol every Switchboard client and host speaks: frames
//! ([`Frame`]), addresses ([`Address`]), wire errors ([`WireError`]) and, in later
//! modules, the strict codec and its limits. PROTOCOL.md beside this crate is the
//! specification; the golden vectors in `vectors/` pin its bytes.
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

pub mod address;
pub mod error;
pub mod frame;

pub use address::{Address, Name, NameError, Topic};
pub use error::{ErrorCode, IntoWireError, WireError};
pub use frame::*;
