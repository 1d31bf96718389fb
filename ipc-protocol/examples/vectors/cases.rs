//! The golden vectors as Rust values: every frame kind, the accepted variants of the
//! canonical form, the rejected inputs, and the payload values of PROTOCOL.md §8.
#![allow(dead_code)]

use std::collections::BTreeMap;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use switchboard_protocol::*;

use super::form::{encode, i, obj, s, J};

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

pub fn canonical() -> Vec<Canonical> {
    let c = |name, note, frame| Canonical { name, note, frame };
    let mut full = request(
        9_007_199_254_740_991,
        "counter",
        "add",
        payload::to_bytes(&BTreeMap::from([("by", 2)])).expect("encodes"),
    );
    full.deadline_ms = Some(5_000);
    full.credit = Some(16);
    vec![
        c(
            "hello",
            "the first frame a client sends",
            Frame::Hello(Hello {
                versions: vec![1],
                client: "webview".into(),
                name: "demo".into(),
            }),
        ),
        c(
            "hello_two_versions",
            "a client offering versions 2 and 1, newest first",
            Frame::Hello(Hello {
                versions: vec![2, 1],
                client: "webview".into(),
                name: "demo".into(),
            }),
        ),
        c(
            "hello_unicode",
            "strings are UTF-8: emoji, CJK, an accent, NUL",
            Frame::Hello(Hello {
                versions: vec![1, 2, 3],
                client: "test".into(),
                name: "Überwachung 📡 监视器 \u{0}".into(),
            }),
        ),
        c(
            "welcome",
            "the host's answer",
            Frame::Welcome(Welcome {
                version: 1,
                session: "0b7e4bd4-53a6-4c0b-9c55-0c3d3f1f3a2e".into(),
                window: "main".into(),
                grants: vec![
                    "cmd:greet".into(),
                    "counter.*".into(),
                    "event:download/progress".into(),
                ],
                limits: SessionLimits {
                    max_frame: MAX_FRAME as u64,
                    max_depth: 64,
                    max_pending: 1024,
                },
            }),
        ),
        c(
            "welcome_no_grants",
            "an empty array",
            Frame::Welcome(Welcome {
                version: 1,
                session: "s".into(),
                window: "w".into(),
                grants: vec![],
                limits: SessionLimits {
                    max_frame: 1024,
                    max_depth: 8,
                    max_pending: 1,
                },
            }),
        ),
        c(
            "request_command",
            "a command call: method is empty, payload a map of arguments",
            base_request(),
        ),
        c(
            "request_full",
            "every optional field; the largest id (2^53 - 1, uint64)",
            Frame::Request(full),
        ),
        c(
            "request_empty_payload",
            "an empty bin8",
            Frame::Request(request(2, "window:main", "set_title", Bytes::new())),
        ),
        c(
            "request_payload_bin16",
            "a 300-byte payload takes bin16",
            Frame::Request(request(
                3,
                "plugin:fs",
                "write",
                Bytes::from(vec![7u8; 300]),
            )),
        ),
        c(
            "request_payload_bin32",
            "a 70,000-byte payload takes bin32",
            Frame::Request(request(
                4,
                "plugin:fs",
                "write",
                Bytes::from(vec![0xffu8; 70_000]),
            )),
        ),
        c(
            "request_long_method",
            "a 64-byte method (the name limit) takes str8",
            Frame::Request(request(5, "counter", &"m".repeat(64), greet_payload())),
        ),
        c(
            "request_max_frame",
            "a frame of exactly max_frame bytes",
            request_of_len(MAX_FRAME),
        ),
        c(
            "response_ok",
            "a return value",
            Frame::Response(Response {
                id: id(1),
                result: Ok(payload::to_bytes("Hello, Ada!").expect("encodes")),
            }),
        ),
        c(
            "response_ok_empty",
            "an empty ok (the answer to subscribe)",
            Frame::Response(Response {
                id: id(2),
                result: Ok(Bytes::new()),
            }),
        ),
        c(
            "response_err",
            "an error without data",
            Frame::Response(Response {
                id: id(3),
                result: Err(wire_error(ErrorCode::Cancelled, "the caller cancelled")),
            }),
        ),
        c(
            "response_err_app",
            "an application error with typed data",
            Frame::Response(Response {
                id: id(4),
                result: Err(wire_error(ErrorCode::App, "not found").with_data(
                    payload::to_bytes(&BTreeMap::from([("path", "/tmp/x")])).expect("encodes"),
                )),
            }),
        ),
        c(
            "response_err_unknown_code",
            "a code from a newer host travels as it is",
            Frame::Response(Response {
                id: id(5),
                result: Err(wire_error(ErrorCode::from_wire("from_the_future"), "?")),
            }),
        ),
        c(
            "event",
            "an emit from a client",
            Frame::Event(Event {
                topic: topic("download/progress"),
                payload: payload::to_bytes(&0.5f64).expect("encodes"),
                from: None,
            }),
        ),
        c(
            "event_from",
            "a delivery, stamped by the host",
            Frame::Event(Event {
                topic: topic("app:ready.v1"),
                payload: Bytes::new(),
                from: Some(addr("window:main")),
            }),
        ),
        c(
            "subscribe",
            "",
            Frame::Subscribe(Subscribe {
                id: id(6),
                topic: topic("download/progress"),
            }),
        ),
        c(
            "unsubscribe",
            "",
            Frame::Unsubscribe(Unsubscribe {
                id: id(7),
                topic: topic("download/progress"),
            }),
        ),
        c("cancel", "", Frame::Cancel(Cancel { id: id(8) })),
        c(
            "cancel_id_0",
            "id 0 (positive fixint)",
            Frame::Cancel(Cancel { id: id(0) }),
        ),
        c(
            "cancel_id_127",
            "id 127 (positive fixint)",
            Frame::Cancel(Cancel { id: id(127) }),
        ),
        c(
            "cancel_id_128",
            "id 128 (uint8)",
            Frame::Cancel(Cancel { id: id(128) }),
        ),
        c(
            "cancel_id_255",
            "id 255 (uint8)",
            Frame::Cancel(Cancel { id: id(255) }),
        ),
        c(
            "cancel_id_256",
            "id 256 (uint16)",
            Frame::Cancel(Cancel { id: id(256) }),
        ),
        c(
            "cancel_id_65536",
            "id 65536 (uint32)",
            Frame::Cancel(Cancel { id: id(65_536) }),
        ),
        c(
            "cancel_id_2_32",
            "id 2^32 (uint64)",
            Frame::Cancel(Cancel { id: id(1 << 32) }),
        ),
        c(
            "cancel_id_max_safe",
            "id 2^53 - 1, the largest allowed",
            Frame::Cancel(Cancel {
                id: id(MAX_SAFE_INTEGER),
            }),
        ),
        c(
            "stream_item",
            "",
            Frame::StreamItem(StreamItem {
                id: id(10),
                seq: 0,
                payload: payload::to_bytes(&[1u8, 2, 3]).expect("encodes"),
            }),
        ),
        c(
            "stream_item_max_seq",
            "seq 2^53 - 1",
            Frame::StreamItem(StreamItem {
                id: id(10),
                seq: MAX_SAFE_INTEGER,
                payload: Bytes::from_static(&[0xc0]),
            }),
        ),
        c(
            "stream_end",
            "a stream that finished",
            Frame::StreamEnd(StreamEnd {
                id: id(10),
                seq: 3,
                error: None,
            }),
        ),
        c(
            "stream_end_err",
            "a stream that failed after 2 items",
            Frame::StreamEnd(StreamEnd {
                id: id(10),
                seq: 2,
                error: Some(wire_error(ErrorCode::ActorFailed, "the actor stopped")),
            }),
        ),
        c("credit", "", Frame::Credit(Credit { id: id(10), n: 16 })),
        c(
            "error",
            "a frame-level error without an id",
            Frame::Error(ErrorFrame {
                error: wire_error(ErrorCode::Malformed, "frame is not a map"),
                id: None,
                versions: None,
            }),
        ),
        c(
            "error_with_id",
            "",
            Frame::Error(ErrorFrame {
                error: wire_error(ErrorCode::ProtocolViolation, "request before hello"),
                id: Some(id(3)),
                versions: None,
            }),
        ),
        c(
            "error_unsupported_version",
            "the answer to a hello offering no common version",
            Frame::Error(ErrorFrame {
                error: wire_error(ErrorCode::UnsupportedVersion, "no common protocol version"),
                id: None,
                versions: Some(vec![1]),
            }),
        ),
        c(
            "error_with_data",
            "every optional field of an error frame",
            Frame::Error(ErrorFrame {
                error: wire_error(ErrorCode::Internal, "bug")
                    .with_data(Bytes::from_static(&[0xa1, b'x'])),
                id: Some(id(1)),
                versions: Some(vec![1]),
            }),
        ),
    ]
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

pub fn accept() -> Vec<Accept> {
    let a = |name, note, bytes, frame| Accept {
        name,
        note,
        bytes,
        frame,
    };
    let req = base_request();
    let hello = Frame::Hello(Hello {
        versions: vec![1],
        client: "webview".into(),
        name: "demo".into(),
    });
    let canon_cancel = cancel(8).encode();
    let canon_req = req.encode();
    let deep_ok = {
        // 63 nested arrays inside the frame's map: 64 levels, exactly the limit
        let mut v = J::Int(1);
        for _ in 0..63 {
            v = J::Arr(vec![v]);
        }
        v
    };
    vec![
        a(
            "keys_reordered",
            "keys in any order",
            encode(&obj(&[("id", i(8)), ("k", s("cancel")), ("v", i(1))])),
            cancel(8),
        ),
        a(
            "keys_reordered_request",
            "payload first, v last",
            with(&req, |p| p.reverse()),
            req.clone(),
        ),
        a(
            "nil_optionals",
            "deadline and credit written as nil",
            with(&req, |p| {
                p.push(("deadline".into(), J::Null));
                p.push(("credit".into(), J::Null));
            }),
            req.clone(),
        ),
        a(
            "nil_err_beside_ok",
            "a response's err as nil is absent",
            with(
                &Frame::Response(Response {
                    id: id(2),
                    result: Ok(Bytes::new()),
                }),
                |p| p.push(("err".into(), J::Null)),
            ),
            Frame::Response(Response {
                id: id(2),
                result: Ok(Bytes::new()),
            }),
        ),
        a(
            "unknown_fields",
            "unknown keys with any well-formed value are skipped",
            with(&req, |p| {
                p.insert(
                    2,
                    (
                        "trace".into(),
                        obj(&[
                            ("span", i(77)),
                            (
                                "tags",
                                J::Arr(vec![s("a"), J::Bool(true), J::F64(1.5), J::Null]),
                            ),
                        ]),
                    ),
                );
                p.push(("zz_future".into(), J::Bin(vec![1, 2, 3])));
            }),
            req.clone(),
        ),
        a(
            "unknown_field_ext",
            "an extension value in an unknown key (fixext1 and ext8)",
            {
                let mut b = canon_cancel.clone();
                b[0] += 2; // two more entries
                b.extend_from_slice(&encode(&s("x1")));
                b.extend_from_slice(&[0xd4, 0x05, 0xff]);
                b.extend_from_slice(&encode(&s("x2")));
                b.extend_from_slice(&[0xc7, 0x02, 0x07, 0xab, 0xcd]);
                b
            },
            cancel(8),
        ),
        a(
            "unknown_field_at_depth_limit",
            "63 nested arrays in an unknown key: 64 levels with the frame's map, exactly max_depth",
            with(&cancel(8), |p| p.push(("deep".into(), deep_ok.clone()))),
            cancel(8),
        ),
        a(
            "other_kinds_keys_skipped",
            "a key another kind uses (topic) is unknown to cancel",
            with(&cancel(8), |p| p.push(("topic".into(), i(5)))),
            cancel(8),
        ),
        a(
            "widened_uint64_version",
            "v as uint64",
            splice(
                &canon_cancel,
                &[0xa1, b'v', 0x01],
                &[0xa1, b'v', 0xcf, 0, 0, 0, 0, 0, 0, 0, 1],
            ),
            cancel(8),
        ),
        a(
            "widened_uint32_id",
            "id 8 as uint32",
            splice(
                &canon_cancel,
                &[0xa2, b'i', b'd', 0x08],
                &[0xa2, b'i', b'd', 0xce, 0, 0, 0, 8],
            ),
            cancel(8),
        ),
        a(
            "signed_int_id",
            "id 8 as int8, a signed format holding a non-negative value",
            splice(
                &canon_cancel,
                &[0xa2, b'i', b'd', 0x08],
                &[0xa2, b'i', b'd', 0xd0, 8],
            ),
            cancel(8),
        ),
        a(
            "signed_int64_id",
            "id 8 as int64",
            splice(
                &canon_cancel,
                &[0xa2, b'i', b'd', 0x08],
                &[0xa2, b'i', b'd', 0xd3, 0, 0, 0, 0, 0, 0, 0, 8],
            ),
            cancel(8),
        ),
        a(
            "widened_str8_kind",
            "k as str8",
            splice(&canon_cancel, b"\xa6cancel", b"\xd9\x06cancel"),
            cancel(8),
        ),
        a(
            "widened_str16_key",
            "the key id as str16",
            splice(&canon_cancel, b"\xa2id", b"\xda\x00\x02id"),
            cancel(8),
        ),
        a(
            "widened_str32_method",
            "an empty method as str32",
            splice(
                &canon_req,
                b"\xa6method\xa0",
                b"\xa6method\xdb\x00\x00\x00\x00",
            ),
            req.clone(),
        ),
        a(
            "widened_bin32_payload",
            "the payload as bin32",
            {
                let p = greet_payload();
                let mut old = vec![0xc4, p.len() as u8];
                old.extend_from_slice(&p);
                let mut new = vec![0xc6, 0, 0, 0, p.len() as u8];
                new.extend_from_slice(&p);
                splice(&canon_req, &old, &new)
            },
            req.clone(),
        ),
        a(
            "widened_map16",
            "the frame's map as map16",
            {
                let mut b = vec![0xde, 0x00, 0x03];
                b.extend_from_slice(&canon_cancel[1..]);
                b
            },
            cancel(8),
        ),
        a(
            "widened_array16_versions",
            "hello's versions as array16",
            splice(&hello.encode(), &[0x91, 0x01], &[0xdc, 0x00, 0x01, 0x01]),
            hello.clone(),
        ),
        a(
            "hello_at_a_newer_version",
            "hello is read at any v: a newer client offers versions 2 and 1",
            with(&hello, |p| {
                set(p, "v", i(2));
                set(p, "versions", J::Arr(vec![i(2), i(1)]));
            }),
            Frame::Hello(Hello {
                versions: vec![2, 1],
                client: "webview".into(),
                name: "demo".into(),
            }),
        ),
        a(
            "error_nil_id",
            "an error frame's id as nil",
            with(
                &Frame::Error(ErrorFrame {
                    error: wire_error(ErrorCode::Malformed, "frame is not a map"),
                    id: None,
                    versions: None,
                }),
                |p| p.push(("id".into(), J::Null)),
            ),
            Frame::Error(ErrorFrame {
                error: wire_error(ErrorCode::Malformed, "frame is not a map"),
                id: None,
                versions: None,
            }),
        ),
        a(
            "err_map_unknown_key",
            "an unknown key inside err is skipped too",
            with(
                &Frame::Response(Response {
                    id: id(3),
                    result: Err(wire_error(ErrorCode::Cancelled, "the caller cancelled")),
                }),
                |p| {
                    if let Some((_, J::Obj(e))) = p.iter_mut().find(|(k, _)| k == "err") {
                        e.insert(0, ("retry_after".into(), i(5)));
                    }
                },
            ),
            Frame::Response(Response {
                id: id(3),
                result: Err(wire_error(ErrorCode::Cancelled, "the caller cancelled")),
            }),
        ),
    ]
}

pub fn reject() -> Vec<Reject> {
    let r = |name, note, bytes, code| Reject {
        name,
        note,
        bytes,
        code,
    };
    let req = base_request();
    let canon_req = req.encode();
    let canon_cancel = cancel(8).encode();
    let nested = |depth: usize| {
        let mut v = J::Int(1);
        for _ in 0..depth {
            v = J::Arr(vec![v]);
        }
        v
    };
    let mut deep_10k = canon_cancel.clone();
    deep_10k[0] += 1;
    deep_10k.extend_from_slice(&encode(&s("deep")));
    deep_10k.extend(std::iter::repeat_n(0x91, 10_000));
    deep_10k.push(0x01);
    let mut reserved = canon_cancel.clone();
    reserved[0] += 1;
    reserved.extend_from_slice(&encode(&s("x")));
    reserved.push(0xc1);
    let versions_17 = (0..17).map(|_| i(1)).collect();
    vec![
        r("empty", "no bytes at all", vec![], "malformed"),
        r(
            "not_a_map",
            "an array",
            encode(&J::Arr(vec![i(1), s("cancel")])),
            "malformed",
        ),
        r("not_a_map_int", "a lone integer", vec![0x01], "malformed"),
        r(
            "trailing_byte",
            "one byte after a valid frame",
            [&canon_cancel[..], &[0x00]].concat(),
            "malformed",
        ),
        r(
            "two_frames_concatenated",
            "frames are never concatenated",
            [&canon_cancel[..], &canon_cancel[..]].concat(),
            "malformed",
        ),
        r(
            "truncated_half",
            "a request cut in the middle",
            canon_req[..canon_req.len() / 2].to_vec(),
            "malformed",
        ),
        r(
            "truncated_last_byte",
            "a request missing its last byte",
            canon_req[..canon_req.len() - 1].to_vec(),
            "malformed",
        ),
        r(
            "truncated_header",
            "a uint64 id cut inside its 8 bytes",
            [&canon_cancel[..canon_cancel.len() - 1], &[0xcf, 0, 0]].concat(),
            "malformed",
        ),
        r(
            "forged_bin32",
            "a 10-byte frame whose bin32 claims 4 GiB",
            vec![0x81, 0xa1, b'x', 0xc6, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00],
            "malformed",
        ),
        r(
            "forged_str32",
            "a str32 key claiming 4 GiB",
            vec![0x81, 0xdb, 0xff, 0xff, 0xff, 0xff, 0x00],
            "malformed",
        ),
        r(
            "forged_array32",
            "an array32 of 2^32 - 1 entries in 8 bytes",
            vec![0x81, 0xa1, b'x', 0xdd, 0xff, 0xff, 0xff, 0xff],
            "malformed",
        ),
        r(
            "forged_map32",
            "a frame claiming 2^32 - 1 entries",
            vec![0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, b'v', 0x01],
            "malformed",
        ),
        r(
            "map_entries_missing",
            "a map of 3 entries with 2 written",
            canon_cancel[..canon_cancel.len() - 4].to_vec(),
            "malformed",
        ),
        r(
            "nesting_10000",
            "10,000 nested arrays in an unknown key",
            deep_10k,
            "malformed",
        ),
        r(
            "nesting_65",
            "64 nested arrays in an unknown key: 65 levels, one past max_depth",
            with(&cancel(8), |p| p.push(("deep".into(), nested(64)))),
            "malformed",
        ),
        r(
            "reserved_c1",
            "the reserved byte 0xc1 as an unknown key's value",
            reserved,
            "malformed",
        ),
        r(
            "duplicate_key",
            "id twice",
            with(&cancel(8), |p| p.push(("id".into(), i(9)))),
            "malformed",
        ),
        r(
            "duplicate_unknown_key",
            "an unknown key twice",
            with(&cancel(8), |p| {
                p.push(("x".into(), i(1)));
                p.push(("x".into(), i(2)));
            }),
            "malformed",
        ),
        r(
            "key_not_string",
            "an integer key",
            splice(&canon_cancel, b"\xa2id", &[0x02]),
            "malformed",
        ),
        r(
            "key_invalid_utf8",
            "a key that is not UTF-8",
            splice(&canon_cancel, b"\xa2id", &[0xa2, 0xff, 0xfe]),
            "malformed",
        ),
        r(
            "payload_as_int_array",
            "a payload must be bin, not an array of integers",
            with(&req, |p| {
                set(
                    p,
                    "payload",
                    J::Arr(greet_payload().iter().map(|b| i(i128::from(*b))).collect()),
                )
            }),
            "malformed",
        ),
        r(
            "payload_nil",
            "nil is not a binary; payload is required",
            with(&req, |p| set(p, "payload", J::Null)),
            "malformed",
        ),
        r(
            "payload_as_string",
            "a payload must be bin, not str",
            with(&req, |p| set(p, "payload", s("{}"))),
            "malformed",
        ),
        r(
            "id_as_string",
            "ids are integers",
            with(&cancel(8), |p| set(p, "id", s("8"))),
            "malformed",
        ),
        r(
            "id_negative",
            "ids are unsigned",
            with(&cancel(8), |p| set(p, "id", i(-1))),
            "malformed",
        ),
        r(
            "id_float",
            "1.0 is not an integer",
            with(&cancel(8), |p| set(p, "id", J::F64(1.0))),
            "malformed",
        ),
        r(
            "id_2_53",
            "2^53 is past the safe range",
            with(&cancel(8), |p| set(p, "id", i(1 << 53))),
            "malformed",
        ),
        r(
            "id_u64_max",
            "2^64 - 1",
            with(&cancel(8), |p| set(p, "id", i(i128::from(u64::MAX)))),
            "malformed",
        ),
        r(
            "seq_2_53",
            "seq past the safe range",
            with(
                &Frame::StreamEnd(StreamEnd {
                    id: id(1),
                    seq: 0,
                    error: None,
                }),
                |p| set(p, "seq", i(1 << 53)),
            ),
            "malformed",
        ),
        r(
            "deadline_2_53",
            "deadline past the safe range",
            with(&req, |p| p.push(("deadline".into(), i(1 << 53)))),
            "malformed",
        ),
        r(
            "credit_n_past_u32",
            "credit.n is at most 2^32 - 1",
            with(&Frame::Credit(Credit { id: id(1), n: 1 }), |p| {
                set(p, "n", i(1 << 32))
            }),
            "malformed",
        ),
        r(
            "missing_v",
            "v is required",
            with(&cancel(8), |p| p.retain(|(k, _)| k != "v")),
            "malformed",
        ),
        r(
            "missing_k",
            "k is required",
            with(&cancel(8), |p| p.retain(|(k, _)| k != "k")),
            "malformed",
        ),
        r(
            "missing_id",
            "a request without id",
            with(&req, |p| p.retain(|(k, _)| k != "id")),
            "malformed",
        ),
        r(
            "missing_payload",
            "a request without payload",
            with(&req, |p| p.retain(|(k, _)| k != "payload")),
            "malformed",
        ),
        r(
            "kind_not_string",
            "k must be a string",
            with(&cancel(8), |p| set(p, "k", i(7))),
            "malformed",
        ),
        r(
            "unknown_kind",
            "a kind from a newer client",
            with(&cancel(8), |p| set(p, "k", s("teleport"))),
            "unknown_frame",
        ),
        r(
            "bad_version",
            "v 2 on a request",
            with(&cancel(8), |p| set(p, "v", i(2))),
            "unsupported_version",
        ),
        r(
            "version_zero",
            "v 0",
            with(&req, |p| set(p, "v", i(0))),
            "unsupported_version",
        ),
        r(
            "method_invalid_utf8",
            "a string that is not UTF-8",
            splice(
                &with(&req, |p| set(p, "method", s("ab"))),
                b"\xa2ab",
                &[0xa2, 0xc3, 0x28],
            ),
            "malformed",
        ),
        r(
            "address_unknown_prefix",
            "nope:thing does not parse",
            with(&req, |p| set(p, "to", s("nope:thing"))),
            "malformed",
        ),
        r(
            "address_empty_name",
            "cmd: with no name",
            with(&req, |p| set(p, "to", s("cmd:"))),
            "malformed",
        ),
        r(
            "address_space",
            "a space is not a name character",
            with(&req, |p| set(p, "to", s("my actor"))),
            "malformed",
        ),
        r(
            "address_name_65",
            "a 65-byte name",
            with(&req, |p| {
                set(p, "to", J::Str(format!("cmd:{}", "a".repeat(65))))
            }),
            "malformed",
        ),
        r(
            "method_with_dot",
            "a method is a name: no dots",
            with(&req, |p| set(p, "method", s("a.b"))),
            "malformed",
        ),
        r(
            "topic_129",
            "a 129-byte topic",
            with(
                &Frame::Subscribe(Subscribe {
                    id: id(1),
                    topic: topic("t"),
                }),
                |p| set(p, "topic", J::Str("t".repeat(129))),
            ),
            "malformed",
        ),
        r(
            "topic_bad_char",
            "a space in a topic",
            with(
                &Frame::Subscribe(Subscribe {
                    id: id(1),
                    topic: topic("t"),
                }),
                |p| set(p, "topic", s("a b")),
            ),
            "malformed",
        ),
        r(
            "event_from_bad_address",
            "from must parse as an address",
            with(
                &Frame::Event(Event {
                    topic: topic("t"),
                    payload: Bytes::new(),
                    from: None,
                }),
                |p| p.push(("from".into(), s("::"))),
            ),
            "malformed",
        ),
        r(
            "hello_17_versions",
            "versions holds at most 16 entries",
            with(
                &Frame::Hello(Hello {
                    versions: vec![1],
                    client: "c".into(),
                    name: "n".into(),
                }),
                |p| set(p, "versions", J::Arr(versions_17)),
            ),
            "too_large",
        ),
        r(
            "response_ok_and_err",
            "exactly one of ok and err",
            with(
                &Frame::Response(Response {
                    id: id(1),
                    result: Ok(Bytes::new()),
                }),
                |p| {
                    p.push((
                        "err".into(),
                        obj(&[("code", s("internal")), ("message", s("x"))]),
                    ));
                },
            ),
            "malformed",
        ),
        r(
            "response_neither",
            "a response with neither ok nor err",
            encode(&obj(&[("v", i(1)), ("k", s("response")), ("id", i(1))])),
            "malformed",
        ),
        r(
            "err_missing_message",
            "err needs code and message",
            encode(&obj(&[
                ("v", i(1)),
                ("k", s("response")),
                ("id", i(1)),
                ("err", obj(&[("code", s("app"))])),
            ])),
            "malformed",
        ),
        r(
            "welcome_limits_missing",
            "welcome.limits needs max_frame, max_depth and max_pending",
            with(
                &Frame::Welcome(Welcome {
                    version: 1,
                    session: "s".into(),
                    window: "w".into(),
                    grants: vec![],
                    limits: SessionLimits {
                        max_frame: 1,
                        max_depth: 1,
                        max_pending: 1,
                    },
                }),
                |p| set(p, "limits", obj(&[("max_frame", i(1))])),
            ),
            "malformed",
        ),
        r(
            "max_frame_plus_one",
            "one byte over max_frame: refused before parsing",
            request_of_len(MAX_FRAME + 1).encode(),
            "too_large",
        ),
    ]
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct User {
    name: String,
    age: u32,
    email: Option<String>,
    #[serde(with = "serde_bytes")]
    avatar: Vec<u8>,
    tags: Vec<String>,
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
enum Shape {
    Circle { r: f64 },
    Square(u32),
    Empty,
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Outer {
    inner: Vec<BTreeMap<String, Vec<i32>>>,
    flag: bool,
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct BigId {
    #[serde(with = "switchboard_protocol::payload::u64_string")]
    id: u64,
}

fn case<T>(name: &'static str, note: &'static str, value: T, js: &'static str) -> PayloadCase
where
    T: Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let bytes = payload::to_bytes(&value)
        .expect("vector payloads encode")
        .to_vec();
    let back: Result<T, _> = payload::from_slice(&bytes, &Limits::default());
    PayloadCase {
        name,
        note,
        round_trips: back.as_ref() == Ok(&value),
        bytes,
        js,
    }
}

pub fn payloads() -> Vec<PayloadCase> {
    vec![
        case(
            "struct_as_map",
            "a struct is a map of field names (to_vec_named); bytes as bin; None as nil",
            User {
                name: "Ada".into(),
                age: 36,
                email: None,
                avatar: vec![0, 1, 254, 255],
                tags: vec!["admin".into(), "ops".into()],
            },
            "accept",
        ),
        case(
            "option_some",
            "Some(x) is x",
            Some("ada@example.com".to_owned()),
            "accept",
        ),
        case("option_none", "None is nil", None::<u8>, "accept"),
        case(
            "bytes_bin",
            "serde_bytes buffers are bin",
            serde_bytes::ByteBuf::from(vec![0xde, 0xad, 0xbe, 0xef]),
            "accept",
        ),
        case("u64_0", "", 0u64, "accept"),
        case("u64_127", "positive fixint", 127u64, "accept"),
        case("u64_128", "uint8", 128u64, "accept"),
        case("u64_255", "uint8", 255u64, "accept"),
        case("u64_256", "uint16", 256u64, "accept"),
        case("u64_2_32", "uint64", 1u64 << 32, "accept"),
        case(
            "u64_max_safe",
            "2^53 - 1, the largest exact integer in JS",
            MAX_SAFE_INTEGER,
            "accept",
        ),
        case(
            "u64_2_53",
            "2^53: the JS client rejects it rather than round",
            1u64 << 53,
            "reject",
        ),
        case("u64_max", "2^64 - 1", u64::MAX, "reject"),
        case("i64_min", "-2^63", i64::MIN, "reject"),
        case(
            "i64_min_safe",
            "-(2^53 - 1), the most negative exact integer in JS",
            -(MAX_SAFE_INTEGER as i64),
            "accept",
        ),
        case("i64_below_min_safe", "-2^53", -(1i64 << 53), "reject"),
        case("neg_1", "negative fixint", -1i64, "accept"),
        case("neg_32", "negative fixint", -32i64, "accept"),
        case("neg_33", "int8", -33i64, "accept"),
        case("neg_129", "int16", -129i64, "accept"),
        case("neg_40000", "int32", -40_000i64, "accept"),
        case(
            "i64_positive",
            "a non-negative i64 is written as an unsigned integer",
            200i64,
            "accept",
        ),
        case("f64", "a float64", 1.5f64, "accept"),
        case("f64_integral", "1.0 stays a float64", 1.0f64, "accept"),
        case("f64_negative", "", -0.25f64, "accept"),
        case("string_emoji", "4-byte UTF-8", "🦀🚀".to_owned(), "accept"),
        case("string_cjk", "", "你好，世界".to_owned(), "accept"),
        case(
            "string_nul",
            "a NUL inside a string",
            "a\u{0}b".to_owned(),
            "accept",
        ),
        case("string_empty", "", String::new(), "accept"),
        case(
            "string_str8",
            "32 bytes take str8",
            "x".repeat(32),
            "accept",
        ),
        case(
            "nested",
            "maps in arrays in a struct",
            Outer {
                inner: vec![
                    BTreeMap::from([("a".to_owned(), vec![1, -2]), ("b".to_owned(), vec![])]),
                    BTreeMap::new(),
                ],
                flag: true,
            },
            "accept",
        ),
        case(
            "enum_unit",
            "a unit variant is its name",
            Shape::Empty,
            "accept",
        ),
        case(
            "enum_newtype",
            "externally tagged: {variant: value}",
            Shape::Square(4),
            "accept",
        ),
        case(
            "enum_struct",
            "externally tagged: {variant: {fields}}",
            Shape::Circle { r: 2.5 },
            "accept",
        ),
        case(
            "u64_as_string",
            "payload::u64_string: a full-range u64 as decimal text",
            BigId { id: u64::MAX },
            "accept",
        ),
        case(
            "tuple",
            "a tuple is an array",
            (1u8, "two".to_owned(), false),
            "accept",
        ),
        case("unit", "() is nil", (), "accept"),
    ]
}
