//! Feeds arbitrary bytes to everything in switchboard-protocol that reads untrusted input.
//! None may panic; a frame that decodes must re-encode to bytes that decode to the same
//! frame, and the two decoders (zero-copy and copying) must agree.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use switchboard_protocol::{payload, scan, unbatch, Frame, Limits};

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let shared = Bytes::copy_from_slice(data);
    let zero_copy = Frame::decode(&shared, &limits);
    let copied = Frame::decode_slice(data, &limits);
    assert_eq!(zero_copy, copied);
    if let Ok(frame) = zero_copy {
        assert_eq!(scan(data, limits.max_depth), Ok(data.len()));
        let again = Frame::decode_slice(&frame.encode(), &limits);
        assert_eq!(again, Ok(frame));
    } else {
        let _ = scan(data, limits.max_depth);
    }
    let _ = payload::from_slice::<serde::de::IgnoredAny>(data, &limits);
    let _ = payload::from_slice::<Vec<(String, Option<u64>, serde_bytes::ByteBuf)>>(data, &limits);
    if let Ok(frames) = unbatch(&shared, &limits) {
        for frame in &frames {
            let _ = Frame::decode(frame, &limits);
        }
    }
});
