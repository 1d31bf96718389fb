//! Canonical frames: one or more of every kind, and the edges of every field.

use std::collections::BTreeMap;

use bytes::Bytes;
use switchboard_protocol::*;

use super::*;

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
            "events",
            "version 2: three events of one topic from one page, in one frame (v 2)",
            Frame::Events(Events {
                topic: topic("download/progress"),
                payloads: vec![
                    payload::to_bytes(&0.25f64).expect("encodes"),
                    payload::to_bytes(&0.5f64).expect("encodes"),
                    Bytes::new(),
                ],
                from: Some(addr("window:main")),
            }),
        ),
        c(
            "events_from_the_app",
            "version 2: a burst published by the host (no from)",
            Frame::Events(Events {
                topic: topic("tick"),
                payloads: vec![Bytes::from_static(&[0x01]), Bytes::from_static(&[0x02])],
                from: None,
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
