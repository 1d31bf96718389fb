//! Every golden vector in `vectors/` against the codec, read from the committed files (the
//! same files the TypeScript client's tests read).

#[path = "../examples/vectors/form.rs"]
mod form;

use bytes::Bytes;
use form::{encode, from_msgpack, segments, J};
use switchboard_protocol::{payload, Frame, Limits};

fn load(name: &str) -> J {
    let path = format!("{}/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not valid JSON: {e}"))
}

fn field<'a>(j: &'a J, key: &str) -> &'a J {
    let J::Obj(pairs) = j else {
        panic!("expected an object holding `{key}`")
    };
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("missing `{key}`"))
}

fn list<'a>(j: &'a J, key: &str) -> &'a [J] {
    match field(j, key) {
        J::Arr(items) => items,
        _ => panic!("`{key}` is not an array"),
    }
}

fn text<'a>(j: &'a J, key: &str) -> &'a str {
    match field(j, key) {
        J::Str(t) => t,
        _ => panic!("`{key}` is not a string"),
    }
}

fn bytes_of(entry: &J) -> Vec<u8> {
    segments(field(entry, "bytes")).unwrap_or_else(|e| panic!("{}: {e}", text(entry, "name")))
}

fn limits(file: &J) -> Limits {
    let l = field(file, "limits");
    let (J::Int(max_frame), J::Int(max_depth)) = (field(l, "max_frame"), field(l, "max_depth"))
    else {
        panic!("limits must be integers")
    };
    Limits {
        max_frame: *max_frame as usize,
        max_depth: *max_depth as usize,
        ..Limits::default()
    }
}

#[test]
fn canonical_frames_encode_to_their_bytes_and_back() {
    let file = load("frames.json");
    let limits = limits(&file);
    let entries = list(&file, "canonical");
    assert!(
        entries.len() >= 30,
        "only {} canonical vectors",
        entries.len()
    );
    let mut kinds = std::collections::BTreeSet::new();
    for entry in entries {
        let name = text(entry, "name");
        let bytes = bytes_of(entry);
        let frame_json = field(entry, "frame");
        // the JSON form, written as MessagePack in its order and smallest forms, is the bytes
        assert_eq!(
            encode(frame_json),
            bytes,
            "{name}: JSON form and bytes differ"
        );
        let frame = Frame::decode(&Bytes::from(bytes.clone()), &limits)
            .unwrap_or_else(|e| panic!("{name}: does not decode: {e}"));
        assert_eq!(
            frame.encode(),
            bytes,
            "{name}: re-encoding is not canonical"
        );
        assert_eq!(
            from_msgpack(&frame.encode()).as_ref(),
            Some(frame_json),
            "{name}"
        );
        kinds.insert(frame.kind());
    }
    assert_eq!(
        kinds.len(),
        13,
        "every frame kind has a canonical vector: {kinds:?}"
    );
}

#[test]
fn accepted_variants_decode_to_their_frame() {
    let file = load("frames.json");
    let limits = limits(&file);
    let canonical: Vec<Vec<u8>> = list(&file, "canonical").iter().map(bytes_of).collect();
    let entries = list(&file, "accept");
    assert!(entries.len() >= 15, "only {} accept vectors", entries.len());
    for entry in entries {
        let name = text(entry, "name");
        let bytes = bytes_of(entry);
        let frame =
            Frame::decode_slice(&bytes, &limits).unwrap_or_else(|e| panic!("{name}: refused: {e}"));
        let encoded = frame.encode();
        assert_eq!(
            encoded,
            encode(field(entry, "frame")),
            "{name}: decoded to another frame"
        );
        assert_ne!(
            encoded, bytes,
            "{name}: an accept vector must not be canonical"
        );
        assert!(
            canonical.contains(&encoded),
            "{name}: its canonical form is no canonical vector"
        );
    }
}

#[test]
fn rejected_inputs_fail_with_their_code() {
    let file = load("frames.json");
    let limits = limits(&file);
    let entries = list(&file, "reject");
    assert!(entries.len() >= 40, "only {} reject vectors", entries.len());
    let mut codes = std::collections::BTreeSet::new();
    for entry in entries {
        let name = text(entry, "name");
        let code = text(entry, "code");
        let bytes = Bytes::from(bytes_of(entry));
        match Frame::decode(&bytes, &limits) {
            Ok(frame) => panic!("{name}: accepted as {frame:?}"),
            Err(e) => assert_eq!(e.code().as_str(), code, "{name}: {e}"),
        }
        codes.insert(code.to_owned());
    }
    let expected = [
        "malformed",
        "too_large",
        "unknown_frame",
        "unsupported_version",
    ];
    assert_eq!(codes, expected.iter().map(|c| (*c).to_owned()).collect());
}

#[test]
fn payload_values_match_their_bytes() {
    let file = load("payloads.json");
    let entries = list(&file, "values");
    assert!(
        entries.len() >= 30,
        "only {} payload vectors",
        entries.len()
    );
    for entry in entries {
        let name = text(entry, "name");
        let bytes = bytes_of(entry);
        let value = field(entry, "value");
        assert_eq!(encode(value), bytes, "{name}: value and bytes differ");
        assert_eq!(from_msgpack(&bytes).as_ref(), Some(value), "{name}");
        // the structure passes the payload checks
        payload::from_slice::<serde::de::IgnoredAny>(&bytes, &Limits::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let js = text(entry, "js");
        let in_js_range = |n: &i128| (-form::SAFE..=form::SAFE).contains(n);
        let expect = if all_ints(value, &in_js_range) {
            "accept"
        } else {
            "reject"
        };
        assert_eq!(js, expect, "{name}: js verdict");
    }
}

fn all_ints(j: &J, ok: &dyn Fn(&i128) -> bool) -> bool {
    match j {
        J::Int(n) => ok(n),
        J::Arr(items) => items.iter().all(|i| all_ints(i, ok)),
        J::Obj(pairs) => pairs.iter().all(|(_, v)| all_ints(v, ok)),
        _ => true,
    }
}
