//! Bytes a decoder must refuse, with the code it answers (PROTOCOL.md §1 "Rejected").

use bytes::Bytes;
use switchboard_protocol::*;

use super::*;
use crate::form::{encode, i, obj, s, J};

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
            "v 3 (no such version yet) on a cancel",
            with(&cancel(8), |p| set(p, "v", i(3))),
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
            "unknown_keys_65",
            "at most 64 unknown keys in one map",
            with(&cancel(8), |p| {
                p.extend((0..65).map(|n| (format!("x{n}"), J::Null)));
            }),
            "too_large",
        ),
        r(
            "err_unknown_keys_65",
            "the nested err map has the same limit of 64 unknown keys",
            encode(&obj(&[
                ("v", i(1)),
                ("k", s("response")),
                ("id", i(1)),
                (
                    "err",
                    J::Obj(
                        [
                            ("code".to_owned(), s("app")),
                            ("message".to_owned(), s("m")),
                        ]
                        .into_iter()
                        .chain((0..65).map(|n| (format!("x{n}"), J::Null)))
                        .collect(),
                    ),
                ),
            ])),
            "too_large",
        ),
        r(
            "welcome_1025_grants",
            "grants holds at most 1,024 entries",
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
                |p| set(p, "grants", J::Arr((0..1025).map(|_| s("g")).collect())),
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
