//! The batch reader (`unbatch`, PROTOCOL.md §7) and the host's event packer (`pack_events`),
//! fed arbitrary bytes as one delivery.
//!
//! Invariants beyond "no panic":
//! - a batch that reads gives slices of the input, at most 1,024 + len/16 of them, and
//!   packing them again (`batch`) reads back to the same frames;
//! - `pack_events` over those frames keeps every frame and every event payload, in order
//!   (flattening `events` frames), and a frame it packs decodes within the limits it packed
//!   for (a run stops at half of `max_frame`).
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use switchboard_protocol::{batch, pack_events, unbatch, Address, Frame, Limits, Topic};

/// One item a page's client sees: an event payload with its topic and publisher, or any
/// other frame as its bytes.
#[derive(Debug, PartialEq)]
enum Seen {
    Event(Topic, Option<Address>, Bytes),
    Other(Bytes),
}

fn flatten(frames: &[Bytes], limits: &Limits) -> Vec<Seen> {
    let mut out = Vec::new();
    for frame in frames {
        match Frame::decode(frame, limits) {
            Ok(Frame::Event(e)) => out.push(Seen::Event(e.topic, e.from, e.payload)),
            Ok(Frame::Events(e)) => {
                for payload in e.payloads {
                    out.push(Seen::Event(e.topic.clone(), e.from.clone(), payload));
                }
            }
            _ => out.push(Seen::Other(frame.clone())),
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let input = Bytes::copy_from_slice(data);
    let Ok(frames) = unbatch(&input, &limits) else {
        return;
    };
    assert!(
        frames.len() <= 1024 + data.len() / 16,
        "{} frames",
        frames.len()
    );
    let range = input.as_ptr() as usize..input.as_ptr() as usize + input.len() + 1;
    for frame in &frames {
        assert!(frame.is_empty() || range.contains(&(frame.as_ptr() as usize)));
        assert!(range.contains(&(frame.as_ptr() as usize + frame.len())));
    }
    let again = Bytes::from(batch(&frames));
    assert_eq!(unbatch(&again, &limits).as_ref(), Ok(&frames));

    // the packer, with a small frame limit so that its cap is reached
    let small = Limits {
        max_frame: 512,
        ..Limits::default()
    };
    let packed = pack_events(frames.clone(), &small);
    assert!(packed.len() <= frames.len());
    for frame in &packed {
        if !frames
            .iter()
            .any(|f| f.as_ptr() == frame.as_ptr() && f.len() == frame.len())
        {
            // made by the packer: it must be readable by a receiver with the same limits
            assert!(
                matches!(Frame::decode(frame, &small), Ok(Frame::Events(_))),
                "a packed frame of {} bytes does not decode within max_frame {}",
                frame.len(),
                small.max_frame
            );
        }
    }
    assert_eq!(flatten(&packed, &small), flatten(&frames, &small));
});
