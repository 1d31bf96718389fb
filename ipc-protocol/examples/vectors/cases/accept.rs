//! Non-canonical bytes a decoder must accept (PROTOCOL.md §1 "Also accepted").

use bytes::Bytes;
use switchboard_protocol::*;

use super::*;
use crate::form::{encode, i, obj, s, J};

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
            "unknown_keys_at_limit",
            "64 unknown keys in one map, the limit (PROTOCOL.md §5)",
            with(&cancel(8), |p| {
                p.extend((0..64).map(|n| (format!("x{n}"), J::Null)));
            }),
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
