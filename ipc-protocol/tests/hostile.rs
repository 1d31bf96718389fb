//! Hostile input: forged lengths, deep nesting, truncation. Every case must fail with a
//! typed error, quickly, and without allocating anything sized by what the input claims.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::{Duration, Instant};

use bytes::Bytes;
use switchboard_protocol::*;

/// Counts, per thread, the largest single allocation and the total bytes allocated.
struct Counting;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
    static TOTAL: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: defers every call to the system allocator; only adds bookkeeping in thread-locals
// that never allocate (const-initialised `Cell`s).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = LARGEST.try_with(|c| c.set(c.get().max(layout.size())));
        let _ = TOTAL.try_with(|c| c.set(c.get() + layout.size()));
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = LARGEST.try_with(|c| c.set(c.get().max(new_size)));
        let _ = TOTAL.try_with(|c| c.set(c.get() + new_size));
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f`, returning its result with the largest single allocation and the total bytes
/// allocated on this thread meanwhile.
fn measured<T>(f: impl FnOnce() -> T) -> (T, usize, usize) {
    LARGEST.with(|c| c.set(0));
    TOTAL.with(|c| c.set(0));
    let out = f();
    (out, LARGEST.with(Cell::get), TOTAL.with(Cell::get))
}

/// Decodes `input` 1,000 times with both decoders; asserts each fails, and that the whole
/// run is fast and allocates almost nothing. Returns the error.
fn refused_fast_and_small(input: &[u8]) -> DecodeError {
    let limits = Limits::default();
    let bytes = Bytes::copy_from_slice(input);
    let start = Instant::now();
    let (err, largest, total) = measured(|| {
        let mut last = None;
        for _ in 0..1_000 {
            let a = Frame::decode(&bytes, &limits).expect_err("hostile input decoded");
            let b = Frame::decode_slice(input, &limits).expect_err("hostile input decoded");
            assert_eq!(a, b);
            last = Some(a);
        }
        last.expect("ran")
    });
    let elapsed = start.elapsed();
    assert!(
        elapsed < Duration::from_millis(500),
        "2,000 decodes took {elapsed:?}"
    );
    // nothing sized by a forged length: the largest block is the scan's small stack or an
    // error message
    assert!(largest <= 4096, "largest allocation {largest} bytes");
    assert!(total <= 1_000 * 2 * 4096, "allocated {total} bytes in all");
    err
}

#[test]
fn forged_4_gib_bin32_in_a_10_byte_frame_is_refused_at_once() {
    let input = [0x81, 0xa1, b'x', 0xc6, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00];
    let err = refused_fast_and_small(&input);
    assert_eq!(
        err,
        DecodeError::LengthPastEnd {
            declared: u64::from(u32::MAX),
            available: 2,
            at: 3
        }
    );
}

#[test]
fn forged_container_and_string_lengths_are_refused_at_once() {
    for input in [
        &[0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, b'v', 0x01][..],
        &[0x81, 0xa1, b'x', 0xdd, 0xff, 0xff, 0xff, 0xff][..],
        &[0x81, 0xdb, 0xff, 0xff, 0xff, 0xff, 0x00][..],
        &[0x81, 0xa1, b'x', 0xc9, 0xff, 0xff, 0xff, 0xff, 0x01][..],
    ] {
        let err = refused_fast_and_small(input);
        assert!(
            matches!(err, DecodeError::LengthPastEnd { .. }),
            "{input:02x?}: {err}"
        );
    }
}

#[test]
fn ten_thousand_deep_nesting_is_refused_without_recursion() {
    // at the top: not a frame (a frame is a map), and the scanner stops at the limit
    let mut top = vec![0x91; 10_000];
    top.push(0x01);
    assert_eq!(refused_fast_and_small(&top), DecodeError::NotAMap);
    assert_eq!(scan(&top, 64), Err(DecodeError::TooDeep { max: 64 }));
    // a map holding the nesting directly
    let mut in_map = vec![0x81, 0xa1, b'x'];
    in_map.extend_from_slice(&top);
    assert_eq!(
        refused_fast_and_small(&in_map),
        DecodeError::TooDeep { max: 64 }
    );
    // inside an unknown field of a valid cancel frame, maps and arrays mixed
    let mut inner = Frame::Cancel(Cancel {
        id: RequestId::new(1).unwrap(),
    })
    .encode();
    inner[0] += 1;
    inner.extend_from_slice(&[0xa1, b'x']);
    for n in 0..10_000 {
        if n % 2 == 0 {
            inner.push(0x91);
        } else {
            inner.extend_from_slice(&[0x81, 0xa1, b'k']);
        }
    }
    inner.push(0xc0);
    assert_eq!(
        refused_fast_and_small(&inner),
        DecodeError::TooDeep { max: 64 }
    );
}

#[test]
fn ten_thousand_deep_payload_is_refused_before_serde() {
    let mut deep = vec![0x91; 10_000];
    deep.push(0x01);
    let (err, largest, _) = measured(|| {
        payload::from_slice::<serde::de::IgnoredAny>(&deep, &Limits::default()).unwrap_err()
    });
    assert_eq!(
        err,
        PayloadError::Structure(DecodeError::TooDeep { max: 64 })
    );
    assert!(largest <= 4096, "largest allocation {largest}");
}

#[test]
fn forged_payload_array_does_not_reserve_its_declared_size() {
    let forged = [0xdd, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02];
    let (err, largest, _) =
        measured(|| payload::from_slice::<Vec<u64>>(&forged, &Limits::default()).unwrap_err());
    assert!(matches!(
        err,
        PayloadError::Structure(DecodeError::LengthPastEnd { .. })
    ));
    assert!(largest <= 4096, "largest allocation {largest}");
}

#[test]
fn forged_batch_is_refused_at_once() {
    let forged = Bytes::from_static(&[0xdd, 0xff, 0xff, 0xff, 0xff, 0xc4, 0x00]);
    let (err, largest, _) = measured(|| unbatch(&forged, &Limits::default()).unwrap_err());
    assert!(matches!(err, DecodeError::LengthPastEnd { .. }));
    assert!(largest <= 4096);
}

fn sample_frames() -> Vec<Frame> {
    let id = RequestId::new(9_000_000_000).unwrap();
    vec![
        Frame::Request(Request {
            id,
            to: Address::parse("plugin:fs").unwrap(),
            method: "read".into(),
            payload: payload::to_bytes(&("a path", 3u8, vec![1.5f64])).unwrap(),
            deadline_ms: Some(70_000),
            credit: Some(300),
        }),
        Frame::Welcome(Welcome {
            version: 1,
            session: "session".into(),
            window: "main".into(),
            grants: vec!["cmd:a".into(), "b.*".into()],
            limits: SessionLimits {
                max_frame: 1 << 26,
                max_depth: 64,
                max_pending: 1024,
            },
        }),
        Frame::Response(Response {
            id,
            result: Err(
                WireError::new(ErrorCode::App, "no").with_data(Bytes::from_static(b"\xa1x"))
            ),
        }),
        Frame::Error(ErrorFrame {
            error: WireError::new(ErrorCode::UnsupportedVersion, "none in common"),
            id: Some(id),
            versions: Some(vec![1]),
        }),
    ]
}

#[test]
fn every_cut_of_a_valid_frame_is_a_typed_error() {
    let limits = Limits::default();
    for frame in sample_frames() {
        let bytes = frame.encode();
        assert_eq!(Frame::decode_slice(&bytes, &limits).as_ref(), Ok(&frame));
        for cut in 0..bytes.len() {
            let err = Frame::decode_slice(&bytes[..cut], &limits)
                .expect_err("a proper prefix of a frame is never a frame");
            assert!(
                matches!(
                    err,
                    DecodeError::Truncated { .. } | DecodeError::LengthPastEnd { .. }
                ),
                "{} cut at {cut}: {err}",
                frame.kind()
            );
            assert_eq!(err.code(), ErrorCode::Malformed);
        }
    }
}

#[test]
fn every_cut_is_refused_quickly() {
    let limits = Limits::default();
    let bytes = sample_frames()[0].encode();
    let start = Instant::now();
    for _ in 0..100 {
        for cut in 0..bytes.len() {
            assert!(Frame::decode_slice(&bytes[..cut], &limits).is_err());
        }
    }
    assert!(
        start.elapsed() < Duration::from_millis(500),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn counting_allocator_sees_a_large_allocation() {
    // the measurement above would be meaningless if it missed allocations
    let (v, largest, total) = measured(|| Vec::<u8>::with_capacity(1 << 20));
    assert!(v.capacity() >= 1 << 20);
    assert!(largest >= 1 << 20 && total >= 1 << 20);
}

#[test]
fn a_max_size_frame_decodes_without_copying_its_payload() {
    let limits = Limits::default();
    let frame = Frame::StreamItem(StreamItem {
        id: RequestId::new(1).unwrap(),
        seq: 0,
        payload: Bytes::from(vec![0x2a; limits.max_frame - 64]),
    });
    let wire = Bytes::from(frame.encode());
    assert!(wire.len() <= limits.max_frame);
    let start = Instant::now();
    let (decoded, largest, total) = measured(|| Frame::decode(&wire, &limits));
    let elapsed = start.elapsed();
    let Ok(Frame::StreamItem(item)) = decoded else {
        panic!("a max-size frame decodes")
    };
    assert_eq!(item.payload.len(), limits.max_frame - 64);
    assert_eq!(
        item.payload.as_ptr(),
        wire[wire.len() - item.payload.len()..].as_ptr()
    );
    assert!(largest <= 4096 && total <= 4096, "allocated {total} bytes");
    // one bin32 header to skip: no walk over the 64 MiB
    assert!(elapsed < Duration::from_millis(50), "took {elapsed:?}");
}
