//! Batches (PROTOCOL.md §7): one delivery carrying many frames, as a MessagePack array
//! whose elements are `bin`s each holding one encoded frame.

use bytes::Bytes;

use crate::codec::{put_array, put_bin, DecodeError};
use crate::frame::{Events, Frame};
use crate::limits::Limits;
use crate::scan::scan;

/// Packs encoded frames into one batch.
///
/// ```
/// use bytes::Bytes;
/// use switchboard_protocol::{batch, unbatch, Limits};
/// let frames = [Bytes::from_static(b"\x80"), Bytes::from_static(b"\x81\xa1k\xa1x")];
/// let packed = Bytes::from(batch(&frames));
/// assert_eq!(unbatch(&packed, &Limits::default()).unwrap(), frames);
/// ```
pub fn batch(frames: &[Bytes]) -> Vec<u8> {
    let mut out = Vec::with_capacity(5 + frames.iter().map(|f| f.len() + 5).sum::<usize>());
    put_array(&mut out, frames.len());
    for frame in frames {
        put_bin(&mut out, frame);
    }
    out
}

/// What a canonical `event` frame starts with after its map header: `"v" 1 "k" "event"`.
const EVENT_HEAD: &[u8] = b"\xa1v\x01\xa1k\xa5event";

/// Packs each run of consecutive `event` frames of one topic and one publisher into one
/// `events` frame (protocol version 2, PROTOCOL.md §2): what a delivery to a session that
/// negotiated version 2 carries, so a burst pays one frame header. Every other frame, a
/// lone event, and anything that does not decode stay as they are; the order is kept (a
/// run only ever joins neighbours). A run grows only while its `events` frame stays within
/// half of `limits.max_frame`, so every frame it makes decodes within `limits`.
///
/// ```
/// use bytes::Bytes;
/// use switchboard_protocol::{pack_events, Event, Frame, Limits, Topic};
/// let event = |n: u8| Bytes::from(Frame::Event(Event {
///     topic: Topic::new("tick").unwrap(), payload: Bytes::from(vec![n]), from: None,
/// }).encode());
/// let packed = pack_events(vec![event(1), event(2), event(3)], &Limits::default());
/// assert_eq!(packed.len(), 1);
/// match Frame::decode(&packed[0], &Limits::default()).unwrap() {
///     Frame::Events(e) => assert_eq!(e.payloads, [&[1u8][..], &[2], &[3]]),
///     other => panic!("{other:?}"),
/// }
/// ```
pub fn pack_events(frames: Vec<Bytes>, limits: &Limits) -> Vec<Bytes> {
    if frames.len() < 2 {
        return frames;
    }
    let cap = limits.max_frame / 2;
    let mut out = Vec::with_capacity(frames.len().min(64));
    // the run being packed, its first frame as it came, and a bound on the length of its
    // `events` frame
    let mut run: Option<(Events, Bytes, usize)> = None;
    let flush = |out: &mut Vec<Bytes>, run: Option<(Events, Bytes, usize)>| {
        if let Some((events, first, _)) = run {
            if events.payloads.len() == 1 {
                out.push(first);
            } else {
                out.push(Bytes::from(Frame::Events(events).encode()));
            }
        }
    };
    for frame in frames {
        let event = match frame.get(1..1 + EVENT_HEAD.len()) {
            Some(head) if head == EVENT_HEAD => match Frame::decode(&frame, limits) {
                Ok(Frame::Event(event)) => Some(event),
                _ => None,
            },
            _ => None,
        };
        let Some(event) = event else {
            flush(&mut out, run.take());
            out.push(frame);
            continue;
        };
        // a payload adds its bin (at most 5 bytes of header) to the `events` frame
        let grows = event.payload.len() + 5;
        if let Some((events, _, size)) = &mut run {
            if events.topic == event.topic && events.from == event.from && *size + grows <= cap {
                *size += grows;
                events.payloads.push(event.payload);
                continue;
            }
        }
        flush(&mut out, run.take());
        // the `events` frame of this one event: the same fields as the `event` frame, two
        // letters longer (`events`, `payloads`) and an array header (at most 5 bytes)
        let size = frame.len() + 7;
        run = Some((
            Events {
                topic: event.topic,
                payloads: vec![event.payload],
                from: event.from,
            },
            frame,
            size,
        ));
    }
    flush(&mut out, run.take());
    out
}

/// Splits a batch into its frames' bytes (slices of `bytes`, not copies). The frames
/// themselves are not decoded: pass each to [`Frame::decode`](crate::Frame::decode).
///
/// A batch of `len` bytes may hold at most 1,024 + `len` / 16 frames (PROTOCOL.md §7;
/// every real frame is 17 bytes or more): more is [`DecodeError::TooMany`] (`too_large`),
/// which keeps the returned list within twice the batch's size.
///
/// ```
/// use bytes::Bytes;
/// use switchboard_protocol::{unbatch, DecodeError, Limits};
/// // an array holding an integer instead of a bin
/// let bad = Bytes::from_static(&[0x91, 0x01]);
/// assert_eq!(unbatch(&bad, &Limits::default()), Err(DecodeError::NotABatch));
/// ```
pub fn unbatch(bytes: &Bytes, limits: &Limits) -> Result<Vec<Bytes>, DecodeError> {
    if bytes.len() > limits.max_frame {
        return Err(DecodeError::TooLarge {
            len: bytes.len(),
            max: limits.max_frame,
        });
    }
    let len = scan(bytes, limits.max_depth.min(1))?;
    if len < bytes.len() {
        return Err(DecodeError::TrailingBytes {
            count: bytes.len() - len,
        });
    }
    let buf: &[u8] = bytes;
    let (count, mut pos) = match buf.first() {
        Some(m @ 0x90..=0x9f) => (usize::from(m & 0x0f), 1),
        Some(0xdc) => (be(buf, 1, 2)?, 3),
        Some(0xdd) => (be(buf, 1, 4)?, 5),
        _ => return Err(DecodeError::NotABatch),
    };
    // Each frame found costs a `Bytes` (32 bytes) however short its bin: past the first
    // 1,024, a batch must average 16 bytes a frame (the shortest frame is 17), so the list
    // stays within twice the batch's size.
    let max = max_frames(buf.len());
    if count > max {
        return Err(DecodeError::TooMany {
            field: "batch",
            len: count,
            max,
            id: None,
        });
    }
    // The scan proved `count` values follow, each at least one byte.
    let mut frames = Vec::with_capacity(count.min(buf.len() - pos));
    for _ in 0..count {
        let width = match buf.get(pos) {
            Some(0xc4) => 1,
            Some(0xc5) => 2,
            Some(0xc6) => 4,
            _ => return Err(DecodeError::NotABatch),
        };
        let n = be(buf, pos + 1, width)?;
        let start = pos + 1 + width;
        let end = start
            .checked_add(n)
            .ok_or(DecodeError::Truncated { at: pos })?;
        if end > buf.len() {
            return Err(DecodeError::Truncated { at: pos });
        }
        frames.push(bytes.slice(start..end));
        pos = end;
    }
    Ok(frames)
}

/// The most frames a batch of `len` bytes may hold (PROTOCOL.md §7): 1,024 + `len` / 16.
///
/// Every real frame is at least 17 bytes (`{"v":1,"k":"cancel","id":1}`), so only a
/// batch padded with empty or tiny elements reaches it.
pub(crate) fn max_frames(len: usize) -> usize {
    1024 + len / 16
}

fn be(buf: &[u8], at: usize, width: usize) -> Result<usize, DecodeError> {
    let raw = buf
        .get(at..at + width)
        .ok_or(DecodeError::Truncated { at })?;
    Ok(raw
        .iter()
        .fold(0usize, |acc, b| (acc << 8) | usize::from(*b)))
}

#[cfg(test)]
mod pack_tests {
    use super::*;
    use crate::{Address, Event, Topic};

    fn event(topic: &str, n: u8, from: Option<&str>) -> Bytes {
        Bytes::from(
            Frame::Event(Event {
                topic: Topic::new(topic).unwrap(),
                payload: Bytes::from(vec![n]),
                from: from.map(|f| Address::parse(f).unwrap()),
            })
            .encode(),
        )
    }

    fn kinds(frames: &[Bytes]) -> Vec<String> {
        frames
            .iter()
            .map(|f| match Frame::decode(f, &Limits::default()).unwrap() {
                Frame::Events(e) => format!("{}x{}", e.topic, e.payloads.len()),
                Frame::Event(e) => format!("{}", e.topic),
                other => other.kind().to_owned(),
            })
            .collect()
    }

    #[test]
    fn runs_of_one_topic_and_publisher_are_packed_in_order() {
        let other = Bytes::from_static(b"\x80");
        let frames = vec![
            event("a", 1, None),
            event("a", 2, None),
            event("b", 3, None),
            event("a", 4, None),
            event("a", 5, Some("window:main")),
            event("a", 6, Some("window:main")),
            other.clone(),
            event("a", 7, Some("window:main")),
        ];
        let packed = pack_events(frames.clone(), &Limits::default());
        assert_eq!(packed.len(), 6);
        assert_eq!(kinds(&packed[..4]), ["ax2", "b", "a", "ax2"]);
        assert_eq!(packed[4], other);
        assert_eq!(packed[5], frames[7], "a lone event is passed as it came");
        // every payload, in publish order
        let mut seen = Vec::new();
        for f in &packed {
            match Frame::decode(f, &Limits::default()) {
                Ok(Frame::Events(e)) => seen.extend(e.payloads.iter().map(|p| p[0])),
                Ok(Frame::Event(e)) => seen.push(e.payload[0]),
                _ => {}
            }
        }
        assert_eq!(seen, [1, 2, 3, 4, 5, 6, 7]);
    }

    #[test]
    fn a_run_stops_at_half_the_frame_limit() {
        let limits = Limits {
            max_frame: 64,
            ..Limits::default()
        };
        let frames: Vec<Bytes> = (0..20).map(|n| event("a", n, None)).collect();
        let packed = pack_events(frames, &Limits::default());
        assert_eq!(packed.len(), 1);
        let frames: Vec<Bytes> = (0..20).map(|n| event("a", n, None)).collect();
        let packed = pack_events(frames, &limits);
        assert!(packed.len() > 3, "{}", packed.len());
        assert!(packed.iter().all(|f| f.len() <= 64));
    }
    #[test]
    fn a_packed_frame_fits_the_frame_limit() {
        // found by the batch fuzz target's invariant: a run under the cap took a large event
        // and became a frame the receiver refuses (a 200-byte run plus a 450-byte event
        // under a 512-byte limit; 32 MiB plus 40 MiB under the default 64 MiB)
        let limits = Limits {
            max_frame: 512,
            ..Limits::default()
        };
        let big = |n: usize| {
            Bytes::from(
                Frame::Event(Event {
                    topic: Topic::new("a").unwrap(),
                    payload: Bytes::from(vec![0u8; n]),
                    from: None,
                })
                .encode(),
            )
        };
        let frames = vec![big(200), big(450), big(1), big(1), big(100), big(100)];
        assert!(frames.iter().all(|f| Frame::decode(f, &limits).is_ok()));
        let packed = pack_events(frames.clone(), &limits);
        for frame in &packed {
            assert!(
                Frame::decode(frame, &limits).is_ok(),
                "a packed frame of {} bytes under max_frame {}",
                frame.len(),
                limits.max_frame
            );
        }
        let count = |frames: &[Bytes]| -> usize {
            frames
                .iter()
                .map(|f| match Frame::decode(f, &limits).unwrap() {
                    Frame::Events(e) => e.payloads.len(),
                    _ => 1,
                })
                .sum()
        };
        assert_eq!(count(&packed), frames.len());
        assert!(packed.len() < frames.len(), "small events are still packed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_batch_round_trips() {
        let packed = Bytes::from(batch(&[]));
        assert_eq!(&packed[..], [0x90]);
        assert_eq!(unbatch(&packed, &Limits::default()), Ok(vec![]));
    }

    #[test]
    fn nested_arrays_are_not_a_batch() {
        let bad = Bytes::from_static(&[0x91, 0x90]);
        assert_eq!(
            unbatch(&bad, &Limits::default()),
            Err(DecodeError::TooDeep { max: 1 })
        );
    }

    #[test]
    fn unbatch_slices_without_copying() {
        let frames = [Bytes::from(vec![7u8; 300])];
        let packed = Bytes::from(batch(&frames));
        let out = unbatch(&packed, &Limits::default()).unwrap();
        assert_eq!(out[0].as_ptr(), packed[4..].as_ptr());
    }

    #[test]
    fn a_batch_of_empty_bins_past_the_frame_ratio_is_too_large() {
        // n empty bins in an array16 are 3 + 2n bytes
        let at_limit = (16..65_536)
            .take_while(|&n| n <= max_frames(3 + 2 * n))
            .last()
            .unwrap();
        assert_eq!(at_limit, 1170);
        let frames = vec![Bytes::new(); at_limit];
        let packed = Bytes::from(batch(&frames));
        assert_eq!(unbatch(&packed, &Limits::default()), Ok(frames));
        let over = vec![Bytes::new(); 4096];
        let packed = Bytes::from(batch(&over));
        assert_eq!(
            unbatch(&packed, &Limits::default()),
            Err(DecodeError::TooMany {
                field: "batch",
                len: 4096,
                max: max_frames(packed.len()),
                id: None
            })
        );
        // real frames (17 bytes at least) never reach it
        let cancel = crate::Frame::Cancel(crate::Cancel {
            id: crate::RequestId::new(1).unwrap(),
        })
        .encode();
        assert_eq!(cancel.len(), 17);
        let real = vec![Bytes::from(cancel); 100_000];
        let packed = Bytes::from(batch(&real));
        assert_eq!(unbatch(&packed, &Limits::default()).unwrap().len(), 100_000);
    }

    #[test]
    fn oversized_batch_is_too_large() {
        let packed = Bytes::from(batch(&[Bytes::from(vec![0u8; 100])]));
        let limits = Limits {
            max_frame: 50,
            ..Limits::default()
        };
        assert!(matches!(
            unbatch(&packed, &limits),
            Err(DecodeError::TooLarge { .. })
        ));
    }
}
