//! Writes (or, with `--check`, verifies) the golden vectors in `ipc-protocol/vectors/`.
//!
//! ```text
//! cargo run -p switchboard-protocol --example vectors             # regenerate
//! cargo run -p switchboard-protocol --example vectors -- --check  # exit 1 if stale
//! ```
//!
//! The files are rendered from Rust values (`cases.rs`): canonical frames are encoded with
//! `Frame::encode`, payloads with `payload::to_bytes`. Before writing, every vector is
//! checked against the codec, so a generator bug cannot produce a vector the codec
//! disagrees with.

mod cases;
mod form;

use std::path::PathBuf;
use std::process::ExitCode;

use bytes::Bytes;
use switchboard_protocol::{Frame, Limits};

use form::{from_msgpack, render, render_segments};

fn frames_json() -> Result<String, String> {
    let limits = Limits::default();
    let mut out = String::new();
    out.push_str(&format!(
        "{{\n  \"protocol\": {},\n",
        switchboard_protocol::PROTOCOL_VERSION
    ));
    out.push_str(&format!(
        "  \"limits\": {{\"max_frame\": {}, \"max_depth\": {}}},\n",
        limits.max_frame, limits.max_depth
    ));
    let entry = |fields: Vec<(&str, String)>| {
        let body: Vec<String> = fields
            .into_iter()
            .map(|(k, v)| format!("      \"{k}\": {v}"))
            .collect();
        format!("    {{\n{}\n    }}", body.join(",\n"))
    };
    let quote = |t: &str| serde_json::to_string(t).unwrap_or_default();

    let mut canonical = Vec::new();
    for c in cases::canonical() {
        let bytes = c.frame.encode();
        let back = Frame::decode(&Bytes::from(bytes.clone()), &limits)
            .map_err(|e| format!("canonical `{}` does not decode: {e}", c.name))?;
        if back != c.frame {
            return Err(format!(
                "canonical `{}` decodes to a different frame",
                c.name
            ));
        }
        let j =
            from_msgpack(&bytes).ok_or(format!("canonical `{}` is not plain msgpack", c.name))?;
        canonical.push(entry(vec![
            ("name", quote(c.name)),
            ("note", quote(c.note)),
            ("frame", render(&j)),
            ("bytes", render_segments(&bytes)),
        ]));
    }
    let canonical_bytes: Vec<Vec<u8>> = cases::canonical()
        .iter()
        .map(|c| c.frame.encode())
        .collect();
    let mut accept = Vec::new();
    for a in cases::accept() {
        if !canonical_bytes.contains(&a.frame.encode()) {
            return Err(format!(
                "accept `{}`: its frame has no canonical vector",
                a.name
            ));
        }
        let got = Frame::decode_slice(&a.bytes, &limits)
            .map_err(|e| format!("accept `{}` does not decode: {e}", a.name))?;
        if got != a.frame {
            return Err(format!(
                "accept `{}` decodes to {got:?}, expected {:?}",
                a.name, a.frame
            ));
        }
        if a.frame.encode() == a.bytes {
            return Err(format!(
                "accept `{}` is canonical; it belongs in canonical",
                a.name
            ));
        }
        let j = from_msgpack(&a.frame.encode()).ok_or(format!("accept `{}`: bad frame", a.name))?;
        accept.push(entry(vec![
            ("name", quote(a.name)),
            ("note", quote(a.note)),
            ("frame", render(&j)),
            ("bytes", render_segments(&a.bytes)),
        ]));
    }
    let mut reject = Vec::new();
    for r in cases::reject() {
        match Frame::decode_slice(&r.bytes, &limits) {
            Ok(frame) => return Err(format!("reject `{}` decodes, to {frame:?}", r.name)),
            Err(e) if e.code().as_str() != r.code => {
                return Err(format!(
                    "reject `{}` fails with {} ({e}), expected {}",
                    r.name,
                    e.code(),
                    r.code
                ))
            }
            Err(_) => {}
        }
        reject.push(entry(vec![
            ("name", quote(r.name)),
            ("note", quote(r.note)),
            ("bytes", render_segments(&r.bytes)),
            ("code", quote(r.code)),
        ]));
    }
    for (key, list) in [
        ("canonical", canonical),
        ("accept", accept),
        ("reject", reject),
    ] {
        let last = key == "reject";
        out.push_str(&format!(
            "  \"{key}\": [\n{}\n  ]{}\n",
            list.join(",\n"),
            if last { "" } else { "," }
        ));
    }
    out.push_str("}\n");
    Ok(out)
}

fn payloads_json() -> Result<String, String> {
    let quote = |t: &str| serde_json::to_string(t).unwrap_or_default();
    let mut values = Vec::new();
    for p in cases::payloads() {
        if !p.round_trips {
            return Err(format!(
                "payload `{}` does not round-trip through payload::from_slice",
                p.name
            ));
        }
        let j =
            from_msgpack(&p.bytes).ok_or(format!("payload `{}` is not plain msgpack", p.name))?;
        if form::encode(&j) != p.bytes {
            return Err(format!("payload `{}` is not in the smallest forms", p.name));
        }
        values.push(format!(
            "    {{\n      \"name\": {},\n      \"note\": {},\n      \"value\": {},\n      \"bytes\": {},\n      \"js\": {}\n    }}",
            quote(p.name),
            quote(p.note),
            render(&j),
            render_segments(&p.bytes),
            quote(p.js)
        ));
    }
    Ok(format!(
        "{{\n  \"values\": [\n{}\n  ]\n}}\n",
        values.join(",\n")
    ))
}

fn run(check: bool) -> Result<(), String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("vectors");
    let files = [
        ("frames.json", frames_json()?),
        ("payloads.json", payloads_json()?),
    ];
    let mut stale = Vec::new();
    for (name, text) in &files {
        let path = dir.join(name);
        if check {
            let current = std::fs::read_to_string(&path).unwrap_or_default();
            if &current != text {
                stale.push(path.display().to_string());
            }
        } else {
            std::fs::create_dir_all(&dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            std::fs::write(&path, text)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            println!("wrote {}", path.display());
        }
    }
    if !stale.is_empty() {
        return Err(format!(
            "golden vectors are stale: {} differ from what the codec generates; run `cargo run -p switchboard-protocol --example vectors` and commit the result",
            stale.join(", ")
        ));
    }
    if check {
        println!("golden vectors are current");
    }
    Ok(())
}

fn main() -> ExitCode {
    let check = std::env::args().skip(1).any(|a| a == "--check");
    match run(check) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("vectors: {message}");
            ExitCode::FAILURE
        }
    }
}
