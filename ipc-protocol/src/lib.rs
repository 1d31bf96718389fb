//! # switchboard-protocol
//!
//! The versioned binary protocol every Switchboard client and host speaks: frames
//! ([`Frame`]), addresses ([`Address`]), wire errors ([`WireError`]), the strict codec
//! ([`Frame::encode`], [`Frame::decode`]) with its [`Limits`], user payloads
//! ([`payload`]) and batches ([`batch`], [`unbatch`]). PROTOCOL.md beside this crate is
//! the specification; the golden vectors in `vectors/` pin its bytes.
//!
//! ```
//! use bytes::Bytes;
//! use switchboard_protocol::{payload, Address, Frame, Limits, Request, RequestId};
//!
//! #[derive(serde::Serialize, serde::Deserialize)]
//! struct Args { name: String }
//!
//! let request = Frame::Request(Request {
//!     id: RequestId::new(1).unwrap(),
//!     to: Address::parse("cmd:greet").unwrap(),
//!     method: String::new(),
//!     payload: payload::to_bytes(&Args { name: "Ada".into() }).unwrap(),
//!     deadline_ms: Some(5_000),
//!     credit: None,
//! });
//! let wire = Bytes::from(request.encode());
//! let Frame::Request(back) = Frame::decode(&wire, &Limits::default()).unwrap() else {
//!     unreachable!()
//! };
//! let args: Args = payload::from_slice(&back.payload, &Limits::default()).unwrap();
//! assert_eq!(args.name, "Ada");
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

pub mod address;
mod batch;
pub mod codec;
pub mod error;
pub mod frame;
pub mod limits;
pub mod payload;
pub mod peek;
pub mod scan;

pub use address::{Address, Name, NameError, Topic};
pub use batch::{batch, pack_events, unbatch};
pub use codec::DecodeError;
pub use error::{ErrorCode, IntoWireError, WireError};
pub use frame::*;
pub use limits::Limits;
pub use payload::PayloadError;
pub use peek::{peek_request_id, PEEK_PREFIX};
pub use scan::{scan, scan_with};

/// The README's example, compiled as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
