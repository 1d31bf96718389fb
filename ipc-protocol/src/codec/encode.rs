//! The canonical encoder (PROTOCOL.md §1 "Canonical form"), written by hand over MessagePack
//! markers: keys in table order, absent optionals omitted, every header in its smallest form.

use rmp::Marker;

use crate::address::Address;
use crate::error::WireError;
use crate::frame::*;

/// Appends an unsigned integer in its smallest format.
pub(crate) fn put_uint(out: &mut Vec<u8>, v: u64) {
    if v < 0x80 {
        out.push(v as u8);
    } else if v <= u64::from(u8::MAX) {
        out.extend_from_slice(&[Marker::U8.to_u8(), v as u8]);
    } else if v <= u64::from(u16::MAX) {
        out.push(Marker::U16.to_u8());
        out.extend_from_slice(&(v as u16).to_be_bytes());
    } else if v <= u64::from(u32::MAX) {
        out.push(Marker::U32.to_u8());
        out.extend_from_slice(&(v as u32).to_be_bytes());
    } else {
        out.push(Marker::U64.to_u8());
        out.extend_from_slice(&v.to_be_bytes());
    }
}

/// Appends a protocol integer, saturated at 2^53 − 1 so the frame stays decodable.
fn put_safe(out: &mut Vec<u8>, v: u64) {
    put_uint(out, v.min(MAX_SAFE_INTEGER));
}

/// Appends a string header and the string.
pub(crate) fn put_str(out: &mut Vec<u8>, s: &str) {
    put_str_header(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

/// Appends a string header for `len` bytes.
fn put_str_header(out: &mut Vec<u8>, len: usize) {
    if len < 32 {
        out.push(0xa0 | len as u8);
    } else if len <= usize::from(u8::MAX) {
        out.extend_from_slice(&[Marker::Str8.to_u8(), len as u8]);
    } else if len <= usize::from(u16::MAX) {
        out.push(Marker::Str16.to_u8());
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(Marker::Str32.to_u8());
        out.extend_from_slice(&(len as u32).to_be_bytes());
    }
}

/// Appends an address as a string, without building it first.
fn put_address(out: &mut Vec<u8>, address: &Address) {
    let prefix = match address {
        Address::Command(_) => "cmd:",
        Address::Actor(_) => "",
        Address::Plugin(_) => "plugin:",
        Address::Window(_) => "window:",
    };
    let name = address.name().as_str();
    put_str_header(out, prefix.len() + name.len());
    out.extend_from_slice(prefix.as_bytes());
    out.extend_from_slice(name.as_bytes());
}

/// Appends a binary header and the bytes.
pub(crate) fn put_bin(out: &mut Vec<u8>, b: &[u8]) {
    put_bin_header(out, b.len());
    out.extend_from_slice(b);
}

/// Appends a binary header for `len` bytes.
fn put_bin_header(out: &mut Vec<u8>, len: usize) {
    if len <= usize::from(u8::MAX) {
        out.extend_from_slice(&[Marker::Bin8.to_u8(), len as u8]);
    } else if len <= usize::from(u16::MAX) {
        out.push(Marker::Bin16.to_u8());
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(Marker::Bin32.to_u8());
        out.extend_from_slice(&(len as u32).to_be_bytes());
    }
}

/// Appends a map header of `n` entries.
pub(crate) fn put_map(out: &mut Vec<u8>, n: usize) {
    if n < 16 {
        out.push(0x80 | n as u8);
    } else if n <= usize::from(u16::MAX) {
        out.push(Marker::Map16.to_u8());
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(Marker::Map32.to_u8());
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

/// Appends an array header of `n` entries.
pub(crate) fn put_array(out: &mut Vec<u8>, n: usize) {
    if n < 16 {
        out.push(0x90 | n as u8);
    } else if n <= usize::from(u16::MAX) {
        out.push(Marker::Array16.to_u8());
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(Marker::Array32.to_u8());
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

fn put_wire_error(out: &mut Vec<u8>, e: &WireError) {
    put_map(out, 2 + usize::from(e.data.is_some()));
    put_str(out, "code");
    put_str(out, e.code.as_str());
    put_str(out, "message");
    put_str(out, &e.message);
    if let Some(data) = &e.data {
        put_str(out, "data");
        put_bin(out, data);
    }
}

fn put_versions(out: &mut Vec<u8>, versions: &[u32]) {
    put_array(out, versions.len());
    for v in versions {
        put_uint(out, u64::from(*v));
    }
}

/// Writes the frame's map header, `v` and `k`.
fn put_head(out: &mut Vec<u8>, fields: usize, kind: &str) {
    put_head_v(out, fields, kind, 1);
}

/// Writes the frame's map header, `v` (the version defining the kind) and `k`.
fn put_head_v(out: &mut Vec<u8>, fields: usize, kind: &str, version: u32) {
    put_map(out, fields + 2);
    put_str(out, "v");
    put_uint(out, u64::from(version));
    put_str(out, "k");
    put_str(out, kind);
}

fn put_id(out: &mut Vec<u8>, id: RequestId) {
    put_str(out, "id");
    put_uint(out, id.get());
}

/// Appends everything of `response {id, ok}` before the `ok` payload's bytes (whose length
/// is `payload_len`): the frame is this head followed by the payload.
pub(crate) fn put_response_head(out: &mut Vec<u8>, id: RequestId, payload_len: usize) {
    put_head(out, 2, "response");
    put_id(out, id);
    put_str(out, "ok");
    put_bin_header(out, payload_len);
}

/// A close upper bound of the encoded size, to reserve once.
pub(crate) fn size_hint(frame: &Frame) -> usize {
    const HEAD: usize = 64;
    HEAD + match frame {
        Frame::Hello(h) => h.client.len() + h.name.len() + 9 * h.versions.len(),
        Frame::Welcome(w) => {
            w.session.len()
                + w.window.len()
                + 64
                + w.grants.iter().map(|g| g.len() + 5).sum::<usize>()
        }
        Frame::Request(r) => r.method.len() + 80 + r.payload.len() + 40,
        Frame::Response(r) => match &r.result {
            Ok(b) => b.len() + 8,
            Err(e) => e.message.len() + 64 + e.data.as_ref().map_or(0, |d| d.len() + 10),
        },
        Frame::Event(e) => e.payload.len() + 220,
        Frame::Events(e) => e.payloads.iter().map(|p| p.len() + 5).sum::<usize>() + 230,
        Frame::StreamItem(s) => s.payload.len() + 24,
        Frame::StreamEnd(s) => s.error.as_ref().map_or(0, |e| {
            e.message.len() + 64 + e.data.as_ref().map_or(0, |d| d.len() + 10)
        }),
        Frame::Error(e) => {
            e.error.message.len()
                + 64
                + e.error.data.as_ref().map_or(0, |d| d.len() + 10)
                + 9 * e.versions.as_ref().map_or(0, Vec::len)
        }
        Frame::Subscribe(_) | Frame::Unsubscribe(_) => 140,
        Frame::Cancel(_) | Frame::Credit(_) => 24,
    }
}

/// Appends the canonical encoding of `frame`.
pub(crate) fn encode_into(frame: &Frame, out: &mut Vec<u8>) {
    let kind = frame.kind();
    match frame {
        Frame::Hello(h) => {
            put_head(out, 3, kind);
            put_str(out, "versions");
            put_versions(out, &h.versions);
            put_str(out, "client");
            put_str(out, &h.client);
            put_str(out, "name");
            put_str(out, &h.name);
        }
        Frame::Welcome(w) => {
            put_head(out, 5, kind);
            put_str(out, "version");
            put_uint(out, u64::from(w.version));
            put_str(out, "session");
            put_str(out, &w.session);
            put_str(out, "window");
            put_str(out, &w.window);
            put_str(out, "grants");
            put_array(out, w.grants.len());
            for g in &w.grants {
                put_str(out, g);
            }
            put_str(out, "limits");
            put_map(out, 3);
            put_str(out, "max_frame");
            put_safe(out, w.limits.max_frame);
            put_str(out, "max_depth");
            put_uint(out, u64::from(w.limits.max_depth));
            put_str(out, "max_pending");
            put_uint(out, u64::from(w.limits.max_pending));
        }
        Frame::Request(r) => {
            let opts = usize::from(r.deadline_ms.is_some()) + usize::from(r.credit.is_some());
            put_head(out, 4 + opts, kind);
            put_id(out, r.id);
            put_str(out, "to");
            put_address(out, &r.to);
            put_str(out, "method");
            put_str(out, &r.method);
            put_str(out, "payload");
            put_bin(out, &r.payload);
            if let Some(d) = r.deadline_ms {
                put_str(out, "deadline");
                put_safe(out, d);
            }
            if let Some(c) = r.credit {
                put_str(out, "credit");
                put_uint(out, u64::from(c));
            }
        }
        Frame::Response(r) => match &r.result {
            Ok(bytes) => {
                put_response_head(out, r.id, bytes.len());
                out.extend_from_slice(bytes);
            }
            Err(e) => {
                put_head(out, 2, kind);
                put_id(out, r.id);
                put_str(out, "err");
                put_wire_error(out, e);
            }
        },
        Frame::Event(e) => {
            put_head(out, 2 + usize::from(e.from.is_some()), kind);
            put_str(out, "topic");
            put_str(out, e.topic.as_str());
            put_str(out, "payload");
            put_bin(out, &e.payload);
            if let Some(from) = &e.from {
                put_str(out, "from");
                put_address(out, from);
            }
        }
        Frame::Events(e) => {
            put_head_v(
                out,
                2 + usize::from(e.from.is_some()),
                kind,
                frame.version(),
            );
            put_str(out, "topic");
            put_str(out, e.topic.as_str());
            put_str(out, "payloads");
            put_array(out, e.payloads.len());
            for payload in &e.payloads {
                put_bin(out, payload);
            }
            if let Some(from) = &e.from {
                put_str(out, "from");
                put_address(out, from);
            }
        }
        Frame::Subscribe(Subscribe { id, topic })
        | Frame::Unsubscribe(Unsubscribe { id, topic }) => {
            put_head(out, 2, kind);
            put_id(out, *id);
            put_str(out, "topic");
            put_str(out, topic.as_str());
        }
        Frame::Cancel(c) => {
            put_head(out, 1, kind);
            put_id(out, c.id);
        }
        Frame::StreamItem(s) => {
            put_head(out, 3, kind);
            put_id(out, s.id);
            put_str(out, "seq");
            put_safe(out, s.seq);
            put_str(out, "payload");
            put_bin(out, &s.payload);
        }
        Frame::StreamEnd(s) => {
            put_head(out, 2 + usize::from(s.error.is_some()), kind);
            put_id(out, s.id);
            put_str(out, "seq");
            put_safe(out, s.seq);
            if let Some(e) = &s.error {
                put_str(out, "err");
                put_wire_error(out, e);
            }
        }
        Frame::Credit(c) => {
            put_head(out, 2, kind);
            put_id(out, c.id);
            put_str(out, "n");
            put_uint(out, u64::from(c.n));
        }
        Frame::Error(e) => {
            let opts = usize::from(e.error.data.is_some())
                + usize::from(e.id.is_some())
                + usize::from(e.versions.is_some());
            put_head(out, 2 + opts, kind);
            put_str(out, "code");
            put_str(out, e.error.code.as_str());
            put_str(out, "message");
            put_str(out, &e.error.message);
            if let Some(data) = &e.error.data {
                put_str(out, "data");
                put_bin(out, data);
            }
            if let Some(id) = e.id {
                put_id(out, id);
            }
            if let Some(versions) = &e.versions {
                put_str(out, "versions");
                put_versions(out, versions);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uint(v: u64) -> Vec<u8> {
        let mut out = Vec::new();
        put_uint(&mut out, v);
        out
    }

    #[test]
    fn integers_take_their_smallest_format() {
        assert_eq!(uint(0), [0x00]);
        assert_eq!(uint(127), [0x7f]);
        assert_eq!(uint(128), [0xcc, 0x80]);
        assert_eq!(uint(256), [0xcd, 0x01, 0x00]);
        assert_eq!(uint(65_536), [0xce, 0, 1, 0, 0]);
        assert_eq!(uint(1 << 32), [0xcf, 0, 0, 0, 1, 0, 0, 0, 0]);
    }

    #[test]
    fn strings_and_binaries_take_their_smallest_header() {
        let mut out = Vec::new();
        put_str(&mut out, &"x".repeat(31));
        assert_eq!(out[0], 0xbf);
        out.clear();
        put_str(&mut out, &"x".repeat(32));
        assert_eq!(out[..2], [0xd9, 32]);
        out.clear();
        put_bin(&mut out, &[]);
        assert_eq!(out, [0xc4, 0x00]);
        out.clear();
        put_bin(&mut out, &[0; 256]);
        assert_eq!(out[..3], [0xc5, 0x01, 0x00]);
    }
}
