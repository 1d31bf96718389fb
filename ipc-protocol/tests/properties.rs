//! Property tests: every frame round-trips canonically; no input, random or mutated,
//! makes the decoder, the scanner or the payload reader panic.

#[path = "../examples/vectors/form.rs"]
mod form;

use bytes::Bytes;
use proptest::prelude::*;
use switchboard_protocol::*;

fn request_id() -> impl Strategy<Value = RequestId> {
    prop_oneof![
        0..=300u64,
        (MAX_SAFE_INTEGER - 300)..=MAX_SAFE_INTEGER,
        0..=MAX_SAFE_INTEGER
    ]
    .prop_map(|n| RequestId::new(n).expect("in range"))
}

fn safe_u64() -> impl Strategy<Value = u64> {
    prop_oneof![0..=300u64, 0..=MAX_SAFE_INTEGER, Just(MAX_SAFE_INTEGER)]
}

fn name_text() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_-]{1,64}"
}

fn address() -> impl Strategy<Value = Address> {
    (0..4u8, name_text()).prop_map(|(prefix, name)| {
        let text = match prefix {
            0 => format!("cmd:{name}"),
            1 => format!("plugin:{name}"),
            2 => format!("window:{name}"),
            _ => name,
        };
        Address::parse(&text).expect("generated addresses parse")
    })
}

fn topic() -> impl Strategy<Value = Topic> {
    "[A-Za-z0-9_.:/-]{1,128}".prop_map(|t| Topic::new(&t).expect("generated topics parse"))
}

fn blob() -> impl Strategy<Value = Bytes> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..64),
        prop::collection::vec(any::<u8>(), 0..70_000),
    ]
    .prop_map(Bytes::from)
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![".{0,40}", ".{0,300}"]
}

fn wire_error() -> impl Strategy<Value = WireError> {
    (
        prop_oneof![
            Just("app".to_owned()),
            Just("busy".to_owned()),
            "[a-z_]{1,20}"
        ],
        text(),
        prop::option::of(blob()),
    )
        .prop_map(|(code, message, data)| WireError {
            code: ErrorCode::from_wire(&code),
            message,
            data,
        })
}

fn versions() -> impl Strategy<Value = Vec<u32>> {
    prop::collection::vec(any::<u32>(), 0..=16)
}

fn frame() -> impl Strategy<Value = Frame> {
    prop_oneof![
        (versions(), text(), text()).prop_map(|(versions, client, name)| Frame::Hello(Hello {
            versions,
            client,
            name
        })),
        (
            any::<u32>(),
            text(),
            text(),
            prop::collection::vec(text(), 0..20),
            safe_u64(),
            any::<u32>(),
            any::<u32>()
        )
            .prop_map(
                |(version, session, window, grants, max_frame, max_depth, max_pending)| {
                    Frame::Welcome(Welcome {
                        version,
                        session,
                        window,
                        grants,
                        limits: SessionLimits {
                            max_frame,
                            max_depth,
                            max_pending,
                        },
                    })
                }
            ),
        (
            request_id(),
            address(),
            prop_oneof![Just(String::new()), name_text()],
            blob(),
            prop::option::of(safe_u64()),
            prop::option::of(any::<u32>())
        )
            .prop_map(|(id, to, method, payload, deadline_ms, credit)| {
                Frame::Request(Request {
                    id,
                    to,
                    method,
                    payload,
                    deadline_ms,
                    credit,
                })
            }),
        (
            request_id(),
            prop_oneof![blob().prop_map(Ok), wire_error().prop_map(Err)]
        )
            .prop_map(|(id, result)| Frame::Response(Response { id, result })),
        (topic(), blob(), prop::option::of(address())).prop_map(|(topic, payload, from)| {
            Frame::Event(Event {
                topic,
                payload,
                from,
            })
        }),
        (request_id(), topic()).prop_map(|(id, topic)| Frame::Subscribe(Subscribe { id, topic })),
        (request_id(), topic())
            .prop_map(|(id, topic)| Frame::Unsubscribe(Unsubscribe { id, topic })),
        request_id().prop_map(|id| Frame::Cancel(Cancel { id })),
        (request_id(), safe_u64(), blob())
            .prop_map(|(id, seq, payload)| Frame::StreamItem(StreamItem { id, seq, payload })),
        (request_id(), safe_u64(), prop::option::of(wire_error()))
            .prop_map(|(id, seq, error)| Frame::StreamEnd(StreamEnd { id, seq, error })),
        (request_id(), any::<u32>()).prop_map(|(id, n)| Frame::Credit(Credit { id, n })),
        (
            wire_error(),
            prop::option::of(request_id()),
            prop::option::of(versions())
        )
            .prop_map(|(error, id, versions)| Frame::Error(ErrorFrame {
                error,
                id,
                versions
            })),
    ]
}

/// One edit of a byte string.
#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Set(usize, u8),
    Insert(usize, u8),
    Remove(usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(i, x)| Mutation::Flip(i, x)),
        (
            any::<usize>(),
            prop_oneof![
                Just(0xc1u8),
                Just(0xdd),
                Just(0xdf),
                Just(0xc6),
                Just(0xcf),
                Just(0xd3),
                Just(0xc0),
                any::<u8>()
            ]
        )
            .prop_map(|(i, b)| Mutation::Set(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Remove),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    if bytes.is_empty() {
        return;
    }
    let len = bytes.len();
    match *m {
        Mutation::Flip(i, x) => bytes[i % len] ^= x,
        Mutation::Set(i, b) => bytes[i % len] = b,
        Mutation::Insert(i, b) => bytes.insert(i % (len + 1), b),
        Mutation::Remove(i) => {
            bytes.remove(i % len);
        }
        Mutation::Truncate(i) => bytes.truncate(i % len),
    }
}

/// Everything that reads untrusted bytes, run on `bytes`; none may panic, and the decoders
/// must agree with each other and with the scanner.
fn read_everything(bytes: &[u8]) {
    let limits = Limits::default();
    let shared = Bytes::copy_from_slice(bytes);
    let a = Frame::decode(&shared, &limits);
    let b = Frame::decode_slice(bytes, &limits);
    assert_eq!(a, b);
    if let Ok(frame) = &a {
        // a decoded frame re-encodes to something that decodes to the same frame
        let again = Frame::decode_slice(&frame.encode(), &limits);
        assert_eq!(again.as_ref(), Ok(frame));
        assert_eq!(scan(bytes, limits.max_depth), Ok(bytes.len()));
    }
    let _ = scan(bytes, limits.max_depth);
    let _ = scan(bytes, 3);
    let _ = payload::from_slice::<serde::de::IgnoredAny>(bytes, &limits);
    let _ = payload::from_slice::<Vec<(String, Option<u64>, serde_bytes::ByteBuf)>>(bytes, &limits);
    let _ = payload::from_slice::<std::collections::BTreeMap<String, f64>>(bytes, &limits);
    let _ = unbatch(&shared, &limits);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn every_frame_round_trips_and_encodes_canonically(frame in frame()) {
        let bytes = frame.encode();
        let limits = Limits::default();
        prop_assert_eq!(Frame::decode_slice(&bytes, &limits), Ok(frame.clone()));
        prop_assert_eq!(Frame::decode(&Bytes::from(bytes.clone()), &limits), Ok(frame.clone()));
        // canonical: an independent encoder writing the same value in the smallest forms,
        // keys in the same order, gives the same bytes
        let value = form::from_msgpack(&bytes).expect("plain MessagePack");
        prop_assert_eq!(form::encode(&value), bytes.clone());
        // encode_into appends exactly the same bytes
        let mut out = vec![0xaa];
        frame.encode_into(&mut out);
        prop_assert_eq!(&out[1..], &bytes[..]);
        // absent optionals are omitted: no nil anywhere at the top level
        let form::J::Obj(pairs) = value else { panic!("a frame is a map") };
        prop_assert!(pairs.iter().all(|(_, v)| *v != form::J::Null));
        prop_assert_eq!(&pairs[0].0, "v");
        prop_assert_eq!(&pairs[1].0, "k");
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        read_everything(&bytes);
    }

    #[test]
    fn arbitrary_map_shaped_bytes_never_panic(tail in prop::collection::vec(any::<u8>(), 0..256), n in 0..16u8) {
        let mut bytes = vec![0x80 | n];
        bytes.extend(tail);
        read_everything(&bytes);
    }

    #[test]
    fn mutated_frames_never_panic(frame in frame(), edits in prop::collection::vec(mutation(), 1..6)) {
        let mut bytes = frame.encode();
        for edit in &edits {
            apply(&mut bytes, edit);
        }
        read_everything(&bytes);
    }

    #[test]
    fn batches_round_trip(frames in prop::collection::vec(frame(), 0..8)) {
        let encoded: Vec<Bytes> = frames.iter().map(|f| Bytes::from(f.encode())).collect();
        let packed = Bytes::from(batch(&encoded));
        let limits = Limits::default();
        let back = unbatch(&packed, &limits).expect("a batch of frames unbatches");
        prop_assert_eq!(&back, &encoded);
        for (bytes, frame) in back.iter().zip(&frames) {
            prop_assert_eq!(Frame::decode(bytes, &limits), Ok(frame.clone()));
        }
    }
}
