use bytes::Bytes;

use super::encode::{put_bin, put_map, put_str, put_uint};
use super::DecodeError;
use crate::address::{Address, NameError, Topic};
use crate::error::{ErrorCode, WireError};
use crate::frame::*;
use crate::limits::Limits;

fn id(n: u64) -> RequestId {
    RequestId::new(n).unwrap()
}

fn all_kinds() -> Vec<Frame> {
    vec![
        Frame::Hello(Hello {
            versions: vec![1, 2],
            client: "rust".into(),
            name: "t".into(),
        }),
        Frame::Welcome(Welcome {
            version: 1,
            session: "s".into(),
            window: "main".into(),
            grants: vec!["*".into()],
            limits: SessionLimits {
                max_frame: 1 << 26,
                max_depth: 64,
                max_pending: 1024,
            },
        }),
        Frame::Request(Request {
            id: id(1),
            to: Address::parse("plugin:fs").unwrap(),
            method: "read".into(),
            payload: Bytes::from_static(b"\x80"),
            deadline_ms: Some(10),
            credit: Some(4),
        }),
        Frame::Response(Response {
            id: id(2),
            result: Err(WireError::new(ErrorCode::App, "no").with_data(Bytes::from_static(b"\xc0"))),
        }),
        Frame::Event(Event {
            topic: Topic::new("a/b").unwrap(),
            payload: Bytes::new(),
            from: Some(Address::parse("window:main").unwrap()),
        }),
        Frame::Subscribe(Subscribe {
            id: id(3),
            topic: Topic::new("t").unwrap(),
        }),
        Frame::Unsubscribe(Unsubscribe {
            id: id(4),
            topic: Topic::new("t").unwrap(),
        }),
        Frame::Cancel(Cancel { id: id(5) }),
        Frame::StreamItem(StreamItem {
            id: id(6),
            seq: 7,
            payload: Bytes::from_static(b"\x01"),
        }),
        Frame::StreamEnd(StreamEnd {
            id: id(6),
            seq: 8,
            error: None,
        }),
        Frame::Credit(Credit { id: id(6), n: 3 }),
        Frame::Error(ErrorFrame {
            error: WireError::new(ErrorCode::UnsupportedVersion, "no"),
            id: None,
            versions: Some(vec![1]),
        }),
    ]
}

#[test]
fn every_kind_round_trips_through_both_decoders() {
    let limits = Limits::default();
    for frame in all_kinds() {
        let bytes = frame.encode();
        assert_eq!(Frame::decode_slice(&bytes, &limits).as_ref(), Ok(&frame));
        assert_eq!(Frame::decode(&Bytes::from(bytes), &limits), Ok(frame));
    }
}

#[test]
fn decode_slices_payloads_out_of_the_input() {
    let frame = Frame::StreamItem(StreamItem {
        id: id(1),
        seq: 0,
        payload: Bytes::from(vec![9u8; 1000]),
    });
    let bytes = Bytes::from(frame.encode());
    let Ok(Frame::StreamItem(item)) = Frame::decode(&bytes, &Limits::default()) else {
        panic!("decodes")
    };
    let offset = bytes.len() - 1000;
    assert_eq!(item.payload.as_ptr(), bytes[offset..].as_ptr());
}

/// A frame map written by hand from (key, encoded value) pairs.
fn raw(pairs: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    put_map(&mut out, pairs.len());
    for (k, v) in pairs {
        put_str(&mut out, k);
        out.extend_from_slice(v);
    }
    out
}

fn uint(v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    put_uint(&mut out, v);
    out
}

fn text(t: &str) -> Vec<u8> {
    let mut out = Vec::new();
    put_str(&mut out, t);
    out
}

fn bin(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    put_bin(&mut out, b);
    out
}

fn decode(bytes: &[u8]) -> Result<Frame, DecodeError> {
    Frame::decode_slice(bytes, &Limits::default())
}

#[test]
fn field_errors_carry_the_frame_id() {
    let bytes = raw(&[
        ("v", &uint(1)),
        ("k", &text("request")),
        ("id", &uint(42)),
        ("to", &text("cmd:ok")),
        ("method", &text("")),
        ("payload", &[0x91, 0x01]),
    ]);
    let err = decode(&bytes).unwrap_err();
    assert_eq!(
        err,
        DecodeError::WrongType {
            field: "payload",
            expected: "a binary",
            id: Some(id(42))
        }
    );
    assert_eq!(err.request_id(), Some(id(42)));
    assert_eq!(err.code(), ErrorCode::Malformed);
}

#[test]
fn unknown_kind_reports_its_name_and_id() {
    let bytes = raw(&[("v", &uint(1)), ("k", &text("teleport")), ("id", &uint(3))]);
    let err = decode(&bytes).unwrap_err();
    assert_eq!(
        err,
        DecodeError::UnknownKind {
            kind: "teleport".into(),
            id: Some(id(3))
        }
    );
    assert_eq!(err.code(), ErrorCode::UnknownFrame);
}

#[test]
fn unsupported_version_is_its_own_code_but_hello_is_read_at_any_version() {
    let cancel = raw(&[("v", &uint(3)), ("k", &text("cancel")), ("id", &uint(3))]);
    let err = decode(&cancel).unwrap_err();
    assert_eq!(err.code(), ErrorCode::UnsupportedVersion);
    assert_eq!(err.request_id(), Some(id(3)));
    let hello = raw(&[
        ("v", &uint(7)),
        ("k", &text("hello")),
        ("versions", &[0x92, 0x07, 0x01]),
        ("client", &text("c")),
        ("name", &text("n")),
    ]);
    assert!(matches!(decode(&hello), Ok(Frame::Hello(h)) if h.versions == [7, 1]));
}

#[test]
fn unsafe_and_negative_integers_are_out_of_range() {
    let over = raw(&[
        ("v", &uint(1)),
        ("k", &text("cancel")),
        ("id", &uint(1 << 53)),
    ]);
    assert_eq!(
        decode(&over),
        Err(DecodeError::IntegerOutOfRange {
            field: "id",
            value: 1 << 53,
            id: None
        })
    );
    let negative = raw(&[("v", &uint(1)), ("k", &text("cancel")), ("id", &[0xff])]);
    assert!(matches!(
        decode(&negative),
        Err(DecodeError::IntegerOutOfRange { value: -1, .. })
    ));
    let credit = raw(&[
        ("v", &uint(1)),
        ("k", &text("credit")),
        ("id", &uint(1)),
        ("n", &uint(1 << 32)),
    ]);
    assert!(matches!(
        decode(&credit),
        Err(DecodeError::IntegerOutOfRange { field: "n", .. })
    ));
}

#[test]
fn bad_addresses_and_methods_name_the_field() {
    let bytes = raw(&[
        ("v", &uint(1)),
        ("k", &text("request")),
        ("id", &uint(1)),
        ("to", &text("counter")),
        ("method", &text("a.b")),
        ("payload", &bin(b"")),
    ]);
    assert!(matches!(
        decode(&bytes),
        Err(DecodeError::InvalidName {
            field: "method",
            source: NameError::BadChar { ch: '.', .. },
            id: Some(_)
        })
    ));
}

#[test]
fn tighter_name_limits_apply() {
    let frame = Frame::Subscribe(Subscribe {
        id: id(1),
        topic: Topic::new("abcdef").unwrap(),
    });
    let limits = Limits {
        max_topic: 5,
        ..Limits::default()
    };
    let err = Frame::decode_slice(&frame.encode(), &limits).unwrap_err();
    assert!(matches!(
        err,
        DecodeError::InvalidName {
            field: "topic",
            source: NameError::TooLong { len: 6, max: 5, .. },
            ..
        }
    ));
}

#[test]
fn missing_and_conflicting_result_fields_are_refused() {
    let neither = raw(&[("v", &uint(1)), ("k", &text("response")), ("id", &uint(1))]);
    assert!(matches!(
        decode(&neither),
        Err(DecodeError::MissingField {
            kind: "response",
            ..
        })
    ));
    let mut err_map = Vec::new();
    put_map(&mut err_map, 2);
    err_map.extend(text("code"));
    err_map.extend(text("app"));
    err_map.extend(text("message"));
    err_map.extend(text("m"));
    let both = raw(&[
        ("v", &uint(1)),
        ("k", &text("response")),
        ("id", &uint(1)),
        ("ok", &bin(b"")),
        ("err", &err_map),
    ]);
    assert!(matches!(
        decode(&both),
        Err(DecodeError::BothPresent { id: Some(_), .. })
    ));
}

#[test]
fn too_many_versions_is_too_large() {
    let mut versions = vec![0xdc, 0x00, 17];
    versions.extend([1u8; 17]);
    let bytes = raw(&[
        ("v", &uint(1)),
        ("k", &text("hello")),
        ("versions", &versions),
        ("client", &text("c")),
        ("name", &text("n")),
    ]);
    let err = decode(&bytes).unwrap_err();
    assert_eq!(err.code(), ErrorCode::TooLarge);
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    let limits = Limits {
        max_frame: 8,
        ..Limits::default()
    };
    // not even MessagePack: the length is checked first
    assert_eq!(
        Frame::decode_slice(&[0xc1; 9], &limits),
        Err(DecodeError::TooLarge { len: 9, max: 8 })
    );
}

#[test]
fn encoder_saturates_integers_past_the_safe_range() {
    let frame = Frame::StreamEnd(StreamEnd {
        id: id(1),
        seq: u64::MAX,
        error: None,
    });
    let back = decode(&frame.encode()).unwrap();
    assert!(matches!(back, Frame::StreamEnd(e) if e.seq == MAX_SAFE_INTEGER));
}

fn welcome_with_grants(grants: &[u8]) -> Vec<u8> {
    let limits = raw(&[
        ("max_frame", &uint(1 << 26)),
        ("max_depth", &uint(64)),
        ("max_pending", &uint(1024)),
    ]);
    raw(&[
        ("v", &uint(1)),
        ("k", &text("welcome")),
        ("version", &uint(1)),
        ("session", &text("s")),
        ("window", &text("w")),
        ("grants", grants),
        ("limits", &limits),
    ])
}

fn array_of(n: usize, element: &[u8]) -> Vec<u8> {
    let mut out = vec![0xdd];
    out.extend_from_slice(&(n as u32).to_be_bytes());
    for _ in 0..n {
        out.extend_from_slice(element);
    }
    out
}

#[test]
fn grants_past_their_limit_are_too_large() {
    let ok = welcome_with_grants(&array_of(1024, &text("g")));
    let Ok(Frame::Welcome(welcome)) = decode(&ok) else {
        panic!("1,024 grants decode")
    };
    assert_eq!(welcome.grants.len(), 1024);
    let err = decode(&welcome_with_grants(&array_of(1025, &text("g")))).unwrap_err();
    assert_eq!(
        err,
        DecodeError::TooMany {
            field: "grants",
            len: 1025,
            max: 1024,
            id: None
        }
    );
    assert_eq!(err.code(), ErrorCode::TooLarge);
}

#[test]
fn a_bad_grant_fails_before_the_list_grows() {
    // 100,000 nils where strings belong, with the grants limit raised out of the way
    let limits = Limits {
        max_grants: usize::MAX,
        ..Limits::default()
    };
    let bytes = welcome_with_grants(&array_of(100_000, &[0xc0]));
    assert!(matches!(
        Frame::decode_slice(&bytes, &limits),
        Err(DecodeError::WrongType {
            field: "grants",
            ..
        })
    ));
}

/// A cancel frame with `n` extra keys `x0`, `x1`, ... each holding `nil`.
fn cancel_with_unknown_keys(n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    put_map(&mut out, 3 + n);
    for (k, v) in [("v", uint(1)), ("k", text("cancel")), ("id", uint(1))] {
        put_str(&mut out, k);
        out.extend_from_slice(&v);
    }
    for i in 0..n {
        put_str(&mut out, &format!("x{i}"));
        out.push(0xc0);
    }
    out
}

#[test]
fn unknown_keys_past_their_limit_are_too_large() {
    assert!(decode(&cancel_with_unknown_keys(64)).is_ok());
    let err = decode(&cancel_with_unknown_keys(65)).unwrap_err();
    assert_eq!(err, DecodeError::TooManyUnknownKeys { max: 64 });
    assert_eq!(err.code(), ErrorCode::TooLarge);
    // a duplicate among them is still a duplicate
    let mut twice = cancel_with_unknown_keys(2);
    let at = twice.len() - 4;
    twice[at + 2] = b'0';
    assert!(matches!(
        decode(&twice),
        Err(DecodeError::DuplicateKey { .. })
    ));
    // the nested `err` map has the same limit
    let mut err_map = Vec::new();
    put_map(&mut err_map, 2 + 65);
    put_str(&mut err_map, "code");
    put_str(&mut err_map, "app");
    put_str(&mut err_map, "message");
    put_str(&mut err_map, "m");
    for i in 0..65 {
        put_str(&mut err_map, &format!("x{i}"));
        err_map.push(0xc0);
    }
    let bytes = raw(&[
        ("v", &uint(1)),
        ("k", &text("response")),
        ("id", &uint(1)),
        ("err", &err_map),
    ]);
    assert!(matches!(
        decode(&bytes),
        Err(DecodeError::TooManyUnknownKeys { max: 64 })
    ));
}

#[test]
fn response_head_and_payload_are_the_canonical_frame() {
    let ids = [
        0,
        1,
        127,
        128,
        255,
        256,
        65_535,
        65_536,
        u64::from(u32::MAX),
        MAX_SAFE_INTEGER,
    ];
    let mut longest = 0;
    for id in ids.map(|id| RequestId::new(id).unwrap()) {
        for len in [0, 1, 255, 256, 65_535, 65_536, 70_000] {
            let payload = Bytes::from(vec![0xc0; len]);
            let mut frame = Vec::new();
            super::encode_response_head(id, len, &mut frame);
            longest = longest.max(frame.len());
            frame.extend_from_slice(&payload);
            let whole = Frame::Response(Response {
                id,
                result: Ok(payload),
            });
            assert_eq!(frame, whole.encode(), "id {id}, {len} bytes");
        }
    }
    assert_eq!(longest, super::RESPONSE_HEAD_MAX);
}
