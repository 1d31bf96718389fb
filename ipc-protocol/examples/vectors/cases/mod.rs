//! The golden vectors as Rust values: every frame kind, the accepted variants of the
//! canonical form, the rejected inputs, and the payload values of PROTOCOL.md §8.
#![allow(dead_code)]

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use switchboard_protocol::*;

use super::form::{encode, J};

mod accept;
mod canonical;
mod payloads;
mod reject;

pub use accept::accept;
pub use canonical::canonical;
pub use payloads::payloads;
pub use reject::reject;

/// A frame whose canonical encoding is pinned.
pub struct Canonical {
    pub name: &'static str,
    pub note: &'static str,
    pub frame: Frame,
}

/// Bytes that are not canonical but decode to `frame`.
pub struct Accept {
    pub name: &'static str,
    pub note: &'static str,
    pub bytes: Vec<u8>,
    pub frame: Frame,
}

/// Bytes every decoder refuses, with the code it answers.
pub struct Reject {
    pub name: &'static str,
    pub note: &'static str,
    pub bytes: Vec<u8>,
    pub code: &'static str,
}

/// A payload value, its bytes (`rmp_serde::to_vec_named` of a Rust value) and whether the
/// JS client accepts it.
pub struct PayloadCase {
    pub name: &'static str,
    pub note: &'static str,
    pub bytes: Vec<u8>,
    pub js: &'static str,
    /// Decodes the bytes back into the Rust type they came from and compares.
    pub round_trips: bool,
}

pub const MAX_FRAME: usize = 67_108_864;

fn id(n: u64) -> RequestId {
    RequestId::new(n).expect("vector ids are safe integers")
}

fn addr(text: &str) -> Address {
    Address::parse(text).expect("vector addresses parse")
}

fn topic(text: &str) -> Topic {
    Topic::new(text).expect("vector topics parse")
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Greet {
    name: String,
}

fn greet_payload() -> Bytes {
    payload::to_bytes(&Greet { name: "Ada".into() }).expect("encodes")
}

fn request(n: u64, to: &str, method: &str, payload: Bytes) -> Request {
    Request {
        id: id(n),
        to: addr(to),
        method: method.into(),
        payload,
        deadline_ms: None,
        credit: None,
    }
}

/// The minimal request most variants start from.
fn base_request() -> Frame {
    Frame::Request(request(1, "cmd:greet", "", greet_payload()))
}

/// A request of exactly `len` bytes (a payload of repeated 0x2a).
pub fn request_of_len(len: usize) -> Frame {
    let empty = Frame::Request(request(9, "plugin:fs", "write", Bytes::new())).encode();
    // empty payload: bin8 header (2 bytes); a large one takes bin32 (5 bytes)
    let payload = len - (empty.len() - 2 + 5);
    let frame = Frame::Request(request(
        9,
        "plugin:fs",
        "write",
        Bytes::from(vec![0x2a; payload]),
    ));
    assert_eq!(frame.encode().len(), len, "request_of_len arithmetic");
    frame
}

fn wire_error(code: ErrorCode, message: &str) -> WireError {
    WireError::new(code, message)
}

/// The wire map of a frame as an editable list of pairs.
fn pairs(frame: &Frame) -> Vec<(String, J)> {
    match super::form::from_msgpack(&frame.encode()) {
        Some(J::Obj(p)) => p,
        _ => unreachable!("a canonical frame is a map"),
    }
}

fn with(frame: &Frame, edit: impl FnOnce(&mut Vec<(String, J)>)) -> Vec<u8> {
    let mut p = pairs(frame);
    edit(&mut p);
    encode(&J::Obj(p))
}

fn set(p: &mut [(String, J)], key: &str, value: J) {
    for (k, v) in p.iter_mut() {
        if k == key {
            *v = value;
            return;
        }
    }
    unreachable!("no key {key}");
}

/// Replaces the encoding of `old` by `new` once, in bytes.
fn splice(bytes: &[u8], old: &[u8], new: &[u8]) -> Vec<u8> {
    let at = bytes
        .windows(old.len())
        .position(|w| w == old)
        .expect("splice target present");
    [&bytes[..at], new, &bytes[at + old.len()..]].concat()
}

fn cancel(n: u64) -> Frame {
    Frame::Cancel(Cancel { id: id(n) })
}
