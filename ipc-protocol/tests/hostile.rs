//! Hostile input: forged lengths, deep nesting, truncation. Every case must fail with a
//! typed error, quickly, and without allocating anything sized by what the input claims.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::{Duration, Instant};

use bytes::Bytes;
use switchboard_protocol::*;

/// Counts, per thread, the largest single allocation, the total bytes allocated, and the
/// bytes live (allocated and not yet freed) with their high-water mark.
struct Counting;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
    static TOTAL: Cell<usize> = const { Cell::new(0) };
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn grow(by: usize) {
    let _ = LARGEST.try_with(|c| c.set(c.get().max(by)));
    let _ = TOTAL.try_with(|c| c.set(c.get() + by));
    let _ = LIVE.try_with(|live| {
        live.set(live.get() + by as isize);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(live.get())));
    });
}

fn shrink(by: usize) {
    let _ = LIVE.try_with(|live| live.set(live.get() - by as isize));
}

// SAFETY: defers every call to the system allocator; only adds bookkeeping in thread-locals
// that never allocate (const-initialised `Cell`s).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grow(layout.size());
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        shrink(layout.size());
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // counted as the worst case: the new block allocated before the old one is freed
        grow(new_size);
        shrink(layout.size());
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// What one run allocated on this thread.
#[derive(Debug, Clone, Copy)]
struct Allocated {
    /// The largest single block.
    largest: usize,
    /// All blocks together.
    total: usize,
    /// The most bytes live at once, above what was live before the run (what the run's
    /// result still holds included).
    peak: usize,
}

/// Runs `f`, returning its result with what it allocated on this thread meanwhile.
fn measured<T>(f: impl FnOnce() -> T) -> (T, Allocated) {
    LARGEST.with(|c| c.set(0));
    TOTAL.with(|c| c.set(0));
    let base = LIVE.with(Cell::get);
    PEAK.with(|c| c.set(base));
    let out = f();
    let allocated = Allocated {
        largest: LARGEST.with(Cell::get),
        total: TOTAL.with(Cell::get),
        peak: (PEAK.with(Cell::get) - base).max(0) as usize,
    };
    (out, allocated)
}

/// Decodes `input` 1,000 times with both decoders; asserts each fails, and that the whole
/// run is fast and allocates almost nothing. Returns the error.
fn refused_fast_and_small(input: &[u8]) -> DecodeError {
    let limits = Limits::default();
    let bytes = Bytes::copy_from_slice(input);
    let start = Instant::now();
    let (err, Allocated { largest, total, .. }) = measured(|| {
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
    let (err, Allocated { largest, .. }) = measured(|| {
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
    let (err, Allocated { largest, .. }) =
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
    let (err, Allocated { largest, .. }) =
        measured(|| unbatch(&forged, &Limits::default()).unwrap_err());
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
    let (v, a) = measured(|| Vec::<u8>::with_capacity(1 << 20));
    assert!(v.capacity() >= 1 << 20);
    assert!(a.largest >= 1 << 20 && a.total >= 1 << 20 && a.peak >= 1 << 20);
    // what is freed inside the run still counts at its peak, not after
    let ((), a) = measured(|| {
        let a = vec![0u8; 1 << 20];
        drop(a);
        let b = vec![0u8; 1 << 19];
        drop(b);
    });
    assert!(a.peak >= 1 << 20 && a.peak < (1 << 20) + (1 << 19));
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
    let (decoded, Allocated { largest, total, .. }) = measured(|| Frame::decode(&wire, &limits));
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

/// The most a decode may allocate for `len` bytes of input: twice the input plus 64 KiB.
fn bound(len: usize) -> usize {
    2 * len + 64 * 1024
}

/// The MessagePack string `text`.
fn str_bytes(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    match text.len() {
        n @ 0..=31 => out.push(0xa0 | n as u8),
        n => {
            out.push(0xdb);
            out.extend_from_slice(&(n as u32).to_be_bytes());
        }
    }
    out.extend_from_slice(text.as_bytes());
    out
}

/// An array32 declaring `declared` entries, followed by `n` copies of `element`.
fn array(declared: u32, n: usize, element: &[u8]) -> Vec<u8> {
    let mut out = vec![0xdd];
    out.extend_from_slice(&declared.to_be_bytes());
    out.extend_from_slice(&element.repeat(n));
    out
}

/// `frame`'s encoding with `n` more entries (each `entry(i)`: key then value), its map
/// header rewritten as a map32.
fn extended(frame: &Frame, n: usize, entry: impl Fn(usize) -> Vec<u8>) -> Vec<u8> {
    let bytes = frame.encode();
    let (count, header) = match bytes[0] {
        m @ 0x80..=0x8f => (usize::from(m & 0x0f), 1),
        0xde => (usize::from(u16::from_be_bytes([bytes[1], bytes[2]])), 3),
        m => panic!("frames are small maps, not {m:#x}"),
    };
    let mut out = vec![0xdf];
    out.extend_from_slice(&((count + n) as u32).to_be_bytes());
    out.extend_from_slice(&bytes[header..]);
    for i in 0..n {
        out.extend(entry(i));
    }
    out
}

/// Unknown key `x<i>` holding `nil`.
fn unknown_nil(i: usize) -> Vec<u8> {
    let mut out = str_bytes(&format!("x{i}"));
    out.push(0xc0);
    out
}

/// One frame of every kind, with long strings and binaries where the kind has them.
fn every_kind(big: usize) -> Vec<Frame> {
    let id = RequestId::new(7).unwrap();
    let blob = || Bytes::from(vec![0x2a; big]);
    let text = |c: char| c.to_string().repeat(big);
    vec![
        Frame::Hello(Hello {
            versions: vec![1; 16],
            client: text('c'),
            name: text('n'),
        }),
        Frame::Welcome(Welcome {
            version: 1,
            session: text('s'),
            window: "main".into(),
            grants: (0..1024).map(|i| format!("cmd:command_{i}")).collect(),
            limits: SessionLimits {
                max_frame: 1 << 26,
                max_depth: 64,
                max_pending: 1024,
            },
        }),
        Frame::Request(Request {
            id,
            to: Address::parse("plugin:fs").unwrap(),
            method: "read".into(),
            payload: blob(),
            deadline_ms: Some(1),
            credit: Some(1),
        }),
        Frame::Response(Response {
            id,
            result: Ok(blob()),
        }),
        Frame::Response(Response {
            id,
            result: Err(WireError::new(ErrorCode::App, text('m')).with_data(blob())),
        }),
        Frame::Event(Event {
            topic: Topic::new("a/b").unwrap(),
            payload: blob(),
            from: Some(Address::parse("window:main").unwrap()),
        }),
        Frame::Subscribe(Subscribe {
            id,
            topic: Topic::new("a/b").unwrap(),
        }),
        Frame::Unsubscribe(Unsubscribe {
            id,
            topic: Topic::new("a/b").unwrap(),
        }),
        Frame::Cancel(Cancel { id }),
        Frame::StreamItem(StreamItem {
            id,
            seq: 3,
            payload: blob(),
        }),
        Frame::StreamEnd(StreamEnd {
            id,
            seq: 4,
            error: Some(WireError::new(ErrorCode::Internal, text('e')).with_data(blob())),
        }),
        Frame::Credit(Credit { id, n: 5 }),
        Frame::Error(ErrorFrame {
            error: WireError::new(ErrorCode::UnsupportedVersion, text('v')),
            id: Some(id),
            versions: Some(vec![1; 16]),
        }),
    ]
}

/// A welcome frame whose `grants` value is `grants`.
fn welcome_with(grants: Vec<u8>) -> Vec<u8> {
    let frame = Frame::Welcome(Welcome {
        version: 1,
        session: "s".into(),
        window: "w".into(),
        grants: vec![],
        limits: SessionLimits {
            max_frame: 1 << 26,
            max_depth: 64,
            max_pending: 1024,
        },
    });
    // the canonical encoding holds `grants` as an empty fixarray: swap it
    let bytes = frame.encode();
    let key = str_bytes("grants");
    let at = bytes
        .windows(key.len() + 1)
        .position(|w| w[..key.len()] == key[..] && w[key.len()] == 0x90)
        .expect("grants in a welcome")
        + key.len();
    [&bytes[..at], &grants[..], &bytes[at + 1..]].concat()
}

/// One input to decode, with the limits to decode it with.
struct Case {
    name: String,
    bytes: Vec<u8>,
    limits: Limits,
}

fn case(name: impl Into<String>, bytes: Vec<u8>) -> Case {
    Case {
        name: name.into(),
        bytes,
        limits: Limits::default(),
    }
}

/// Every frame kind, valid and adversarial: long strings and binaries, many tiny
/// elements, huge declared counts with few bytes behind them, unknown keys by the
/// hundred thousand.
fn frame_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for frame in every_kind(1 << 20).into_iter().chain(every_kind(0)) {
        let kind = frame.kind();
        let small = frame.encode().len() < 1 << 20;
        let tag = if small { "small" } else { "1 MiB fields" };
        cases.push(case(format!("{kind} ({tag})"), frame.encode()));
        if !small {
            continue;
        }
        cases.push(case(
            format!("{kind} + 64 unknown keys"),
            extended(&frame, 64, unknown_nil),
        ));
        cases.push(case(
            format!("{kind} + 100,000 unknown keys"),
            extended(&frame, 100_000, unknown_nil),
        ));
        cases.push(case(
            format!("{kind} + unknown array of 1M nils"),
            extended(&frame, 1, |_| {
                [str_bytes("x"), array(1 << 20, 1 << 20, &[0xc0])].concat()
            }),
        ));
        cases.push(case(
            format!("{kind} + unknown map of 50,000 entries"),
            extended(&frame, 1, |_| {
                let mut m = vec![0xdf];
                m.extend_from_slice(&50_000u32.to_be_bytes());
                for i in 0..50_000 {
                    m.extend(unknown_nil(i));
                }
                [str_bytes("x"), m].concat()
            }),
        ));
        cases.push(case(
            format!("{kind} + unknown array declaring 2^32 - 1"),
            extended(&frame, 1, |_| {
                [str_bytes("x"), array(u32::MAX, 3, &[0xc0])].concat()
            }),
        ));
    }
    // welcome: the grants list
    cases.push(case(
        "welcome, 1,024 one-byte grants",
        welcome_with(array(1024, 1024, &str_bytes("g"))),
    ));
    cases.push(case(
        "welcome, 1,024 empty grants",
        welcome_with(array(1024, 1024, &str_bytes(""))),
    ));
    cases.push(case(
        "welcome, grants declaring 2^32 - 1",
        welcome_with(array(u32::MAX, 2, &str_bytes("g"))),
    ));
    cases.push(case(
        "welcome, 63 MB of nil grants",
        welcome_with(array(63_000_000, 63_000_000, &[0xc0])),
    ));
    cases.push(case(
        "welcome, 1M one-byte grants",
        welcome_with(array(1 << 20, 1 << 20, &str_bytes("g"))),
    ));
    cases.push(Case {
        name: "welcome, 8M nil grants, grants limit raised".into(),
        bytes: welcome_with(array(8 << 20, 8 << 20, &[0xc0])),
        limits: Limits {
            max_grants: usize::MAX,
            ..Limits::default()
        },
    });
    cases.push(case("welcome, limits with 100,000 unknown keys", {
        let mut m = vec![0xdf];
        m.extend_from_slice(&100_003u32.to_be_bytes());
        for (k, v) in [("max_frame", 1u8), ("max_depth", 1), ("max_pending", 1)] {
            m.extend(str_bytes(k));
            m.push(v);
        }
        for i in 0..100_000 {
            m.extend(unknown_nil(i));
        }
        let bytes = welcome_with(vec![0x90]);
        let key = str_bytes("limits");
        let at = bytes
            .windows(key.len())
            .position(|w| w == &key[..])
            .unwrap()
            + key.len();
        [&bytes[..at], &m[..]].concat()
    }));
    // hello and error: the versions list
    let hello = Frame::Hello(Hello {
        versions: vec![1],
        client: "c".into(),
        name: "n".into(),
    });
    let replace_versions = |bytes: Vec<u8>, versions: Vec<u8>| {
        let key = str_bytes("versions");
        let at = bytes
            .windows(key.len() + 2)
            .position(|w| w[..key.len()] == key[..] && w[key.len()] == 0x91)
            .unwrap()
            + key.len();
        [&bytes[..at], &versions[..], &bytes[at + 2..]].concat()
    };
    cases.push(case(
        "hello, 1M versions",
        replace_versions(hello.encode(), array(1 << 20, 1 << 20, &[0x01])),
    ));
    cases.push(case(
        "hello, versions declaring 2^32 - 1",
        replace_versions(hello.encode(), array(u32::MAX, 2, &[0x01])),
    ));
    cases.push(Case {
        name: "hello, 1M versions, versions limit raised".into(),
        bytes: replace_versions(hello.encode(), array(1 << 20, 1 << 20, &[0xc0])),
        limits: Limits {
            max_versions: usize::MAX,
            ..Limits::default()
        },
    });
    let error = Frame::Error(ErrorFrame {
        error: WireError::new(ErrorCode::UnsupportedVersion, "v"),
        id: None,
        versions: Some(vec![1]),
    });
    cases.push(case(
        "error, 1M versions",
        replace_versions(error.encode(), array(1 << 20, 1 << 20, &[0x01])),
    ));
    // response: the nested err map
    let mut err_map = vec![0xdf];
    err_map.extend_from_slice(&100_002u32.to_be_bytes());
    err_map.extend([str_bytes("code"), str_bytes("app")].concat());
    err_map.extend([str_bytes("message"), str_bytes("m")].concat());
    for i in 0..100_000 {
        err_map.extend(unknown_nil(i));
    }
    let mut response = vec![0x84];
    for (k, v) in [
        ("v", vec![0x01]),
        ("k", str_bytes("response")),
        ("id", vec![0x01]),
    ] {
        response.extend(str_bytes(k));
        response.extend(v);
    }
    response.extend(str_bytes("err"));
    response.extend(err_map);
    cases.push(case("response, err with 100,000 unknown keys", response));
    cases
}

#[test]
fn every_frame_decode_allocates_at_most_twice_its_input_plus_64_kib() {
    let mut worst = (0.0f64, String::new());
    let mut failures = Vec::new();
    for Case {
        name,
        bytes,
        limits,
    } in frame_cases()
    {
        let shared = Bytes::from(bytes.clone());
        let (owned, a) = measured(|| Frame::decode(&shared, &limits).map(|_| ()));
        let (copied, b) = measured(|| Frame::decode_slice(&bytes, &limits).map(|_| ()));
        assert_eq!(owned, copied, "{name}");
        let peak = a.peak.max(b.peak);
        let outcome = match &owned {
            Ok(()) => "ok".to_owned(),
            Err(e) => e.code().to_string(),
        };
        let ratio = peak as f64 / bytes.len() as f64;
        eprintln!(
            "{name:<52} {:>10} B in  {:>9} B peak  {ratio:>6.3}x  {outcome}",
            bytes.len(),
            peak
        );
        if ratio > worst.0 && bytes.len() > 64 * 1024 {
            worst = (ratio, name.clone());
        }
        if peak > bound(bytes.len()) {
            failures.push(format!(
                "{name}: {peak} bytes peak for {} bytes of input ({outcome})",
                bytes.len()
            ));
        }
    }
    eprintln!(
        "worst ratio above 64 KiB of input: {:.3}x ({})",
        worst.0, worst.1
    );
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn every_batch_decode_allocates_at_most_twice_its_input_plus_64_kib() {
    let cancel = Bytes::from(
        Frame::Cancel(Cancel {
            id: RequestId::new(1).unwrap(),
        })
        .encode(),
    );
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("1,170 empty bins", batch(&vec![Bytes::new(); 1170])),
        ("100,000 empty bins", batch(&vec![Bytes::new(); 100_000])),
        ("4M empty bins", batch(&vec![Bytes::new(); 4 << 20])),
        (
            "100,000 cancel frames",
            batch(&vec![cancel.clone(); 100_000]),
        ),
        (
            "one 16 MiB frame",
            batch(&[Bytes::from(
                Frame::StreamItem(StreamItem {
                    id: RequestId::new(1).unwrap(),
                    seq: 0,
                    payload: Bytes::from(vec![0u8; 16 << 20]),
                })
                .encode(),
            )]),
        ),
        (
            "array declaring 2^32 - 1",
            array(u32::MAX, 3, &[0xc4, 0x00]),
        ),
        ("1M nils", array(1 << 20, 1 << 20, &[0xc0])),
    ];
    let mut failures = Vec::new();
    for (name, bytes) in cases {
        let bytes = Bytes::from(bytes);
        let (out, a) = measured(|| unbatch(&bytes, &Limits::default()).map(|f| f.len()));
        let outcome = match out {
            Ok(n) => format!("ok, {n} frames"),
            Err(e) => e.code().to_string(),
        };
        eprintln!(
            "batch, {name:<30} {:>10} B in  {:>9} B peak  {:>6.3}x  {outcome}",
            bytes.len(),
            a.peak,
            a.peak as f64 / bytes.len() as f64
        );
        if a.peak > bound(bytes.len()) {
            failures.push(format!("{name}: {} bytes for {}", a.peak, bytes.len()));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn payload_structure_checks_allocate_nothing_sized_by_the_input() {
    let mut nils = array((1 << 20) - 1, (1 << 20) - 1, &[0xc0]);
    let (ok, a) = measured(|| {
        payload::from_slice::<serde::de::IgnoredAny>(&nils, &Limits::default()).is_ok()
    });
    assert!(ok && a.peak <= 4096, "{a:?}");
    nils.push(0xc0);
    nils[1..5].copy_from_slice(&(1u32 << 20).to_be_bytes());
    let (err, a) = measured(|| {
        payload::from_slice::<serde::de::IgnoredAny>(&nils, &Limits::default()).unwrap_err()
    });
    assert_eq!(
        err,
        PayloadError::Structure(DecodeError::TooManyValues { max: 1 << 20 })
    );
    assert_eq!(err.code(), ErrorCode::TooLarge);
    assert!(a.peak <= 4096, "{a:?}");
}

#[test]
fn the_element_limit_bounds_a_payloads_expansion_into_json_values() {
    let limits = Limits::default();
    let max = limits.max_elements;
    // The densest expansions: per byte, nils (1 byte, a 32-byte `Value`); per value,
    // one-entry maps (4 bytes and 3 values, a B-tree node each).
    let shapes: [(&str, &[u8], usize); 2] = [
        ("nils", &[0xc0], 1),
        ("one-entry maps", &[0x81, 0xa1, b'a', 0xc0], 3),
    ];
    for (name, element, values_each) in shapes {
        // as many as fit beside the array itself
        let n = (max - 1) / values_each;
        let bytes = array(n as u32, n, element);
        let (value, a) = measured(|| {
            payload::from_slice::<serde_json::Value>(&bytes, &limits).map(|v| v.is_array())
        });
        assert_eq!(value, Ok(true), "{name}");
        eprintln!(
            "{} values of {name}: {} B of payload, {} B peak as serde_json::Value ({:.0} B a value)",
            1 + n * values_each,
            bytes.len(),
            a.peak,
            a.peak as f64 / max as f64
        );
        // the bound PROTOCOL.md §5 states
        assert!(a.peak <= 256 * max, "{name}: {} bytes peak", a.peak);
        // one more is refused before serde allocates anything
        let over = array(n as u32 + 1, n + 1, element);
        let (err, a) = measured(|| payload::from_slice::<serde_json::Value>(&over, &limits));
        assert_eq!(
            err,
            Err(PayloadError::Structure(DecodeError::TooManyValues { max }))
        );
        assert!(a.peak <= 4096, "{a:?}");
    }
}
