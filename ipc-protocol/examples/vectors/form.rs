//! The JSON form of the golden vectors (shared by the generator and `tests/vectors.rs`).
//!
//! A [`J`] is a MessagePack value as the vector files write it in JSON: plain JSON for
//! null, booleans, strings, arrays, maps (keys in wire order) and integers within
//! ±(2^53 − 1); `{"$int": "<decimal>"}` for larger integers; `{"$f64": x}` for an integral
//! float64; `{"$bin": "<hex>"}` for a binary, `{"$fill": [byte, len]}` for a long binary of
//! one repeated byte. Byte strings are "segments": hex strings and `{"fill": b, "len": n}`.
#![allow(dead_code)]

use std::fmt::Write as _;

/// JavaScript's largest exact integer.
pub const SAFE: i128 = (1 << 53) - 1;
/// Binaries and byte runs at least this long are written as fills when uniform.
pub const FILL_AT: usize = 1024;

/// A MessagePack value, as the vector files describe it.
#[derive(Debug, Clone, PartialEq)]
pub enum J {
    /// `nil`.
    Null,
    /// A boolean.
    Bool(bool),
    /// Any integer (both signs, up to 64 bits).
    Int(i128),
    /// A float64.
    F64(f64),
    /// A string.
    Str(String),
    /// A binary.
    Bin(Vec<u8>),
    /// An array.
    Arr(Vec<J>),
    /// A map with string keys, in order (duplicates allowed, to build bad frames).
    Obj(Vec<(String, J)>),
}

/// Builds a map from pairs.
pub fn obj(pairs: &[(&str, J)]) -> J {
    J::Obj(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    )
}

/// A string value.
pub fn s(text: &str) -> J {
    J::Str(text.to_owned())
}

/// An integer value.
pub fn i(n: i128) -> J {
    J::Int(n)
}

// ---------------------------------------------------------------- MessagePack, generic

/// Writes `j` in MessagePack's smallest forms (maps in their order).
pub fn to_msgpack(j: &J, out: &mut Vec<u8>) {
    fn len_header(
        out: &mut Vec<u8>,
        len: usize,
        fix: Option<(u8, usize)>,
        m8: Option<u8>,
        m16: u8,
        m32: u8,
    ) {
        if let Some((base, max)) = fix {
            if len < max {
                out.push(base | len as u8);
                return;
            }
        }
        if let Some(m8) = m8 {
            if len < 256 {
                out.extend_from_slice(&[m8, len as u8]);
                return;
            }
        }
        if len < 65_536 {
            out.push(m16);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        } else {
            out.push(m32);
            out.extend_from_slice(&(len as u32).to_be_bytes());
        }
    }
    match j {
        J::Null => out.push(0xc0),
        J::Bool(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        J::Int(n) => {
            let n = *n;
            if n >= 0 {
                if n < 128 {
                    out.push(n as u8);
                } else if n < 256 {
                    out.extend_from_slice(&[0xcc, n as u8]);
                } else if n < 65_536 {
                    out.push(0xcd);
                    out.extend_from_slice(&(n as u16).to_be_bytes());
                } else if n < 1 << 32 {
                    out.push(0xce);
                    out.extend_from_slice(&(n as u32).to_be_bytes());
                } else {
                    out.push(0xcf);
                    out.extend_from_slice(&(n as u64).to_be_bytes());
                }
            } else if n >= -32 {
                out.push(n as i8 as u8);
            } else if n >= -128 {
                out.extend_from_slice(&[0xd0, n as i8 as u8]);
            } else if n >= -32_768 {
                out.push(0xd1);
                out.extend_from_slice(&(n as i16).to_be_bytes());
            } else if n >= -(1 << 31) {
                out.push(0xd2);
                out.extend_from_slice(&(n as i32).to_be_bytes());
            } else {
                out.push(0xd3);
                out.extend_from_slice(&(n as i64).to_be_bytes());
            }
        }
        J::F64(x) => {
            out.push(0xcb);
            out.extend_from_slice(&x.to_be_bytes());
        }
        J::Str(t) => {
            len_header(out, t.len(), Some((0xa0, 32)), Some(0xd9), 0xda, 0xdb);
            out.extend_from_slice(t.as_bytes());
        }
        J::Bin(b) => {
            len_header(out, b.len(), None, Some(0xc4), 0xc5, 0xc6);
            out.extend_from_slice(b);
        }
        J::Arr(items) => {
            len_header(out, items.len(), Some((0x90, 16)), None, 0xdc, 0xdd);
            for item in items {
                to_msgpack(item, out);
            }
        }
        J::Obj(pairs) => {
            len_header(out, pairs.len(), Some((0x80, 16)), None, 0xde, 0xdf);
            for (k, v) in pairs {
                to_msgpack(&J::Str(k.clone()), out);
                to_msgpack(v, out);
            }
        }
    }
}

/// The encoding of `j`.
pub fn encode(j: &J) -> Vec<u8> {
    let mut out = Vec::new();
    to_msgpack(j, &mut out);
    out
}

/// Reads one value (any format, any width) from trusted bytes; `None` if they are not one
/// complete value. Recursive: only for the vectors' own, shallow values.
pub fn from_msgpack(bytes: &[u8]) -> Option<J> {
    let mut pos = 0;
    let j = read(bytes, &mut pos)?;
    (pos == bytes.len()).then_some(j)
}

fn take<'a>(b: &'a [u8], pos: &mut usize, n: usize) -> Option<&'a [u8]> {
    let out = b.get(*pos..pos.checked_add(n)?)?;
    *pos += n;
    Some(out)
}

fn be(b: &[u8], pos: &mut usize, n: usize) -> Option<u64> {
    Some(
        take(b, pos, n)?
            .iter()
            .fold(0, |a, x| (a << 8) | u64::from(*x)),
    )
}

fn read(b: &[u8], pos: &mut usize) -> Option<J> {
    let m = *b.get(*pos)?;
    *pos += 1;
    let str_of = |bytes: &[u8]| String::from_utf8(bytes.to_vec()).ok().map(J::Str);
    Some(match m {
        0x00..=0x7f => J::Int(i128::from(m)),
        0xe0..=0xff => J::Int(i128::from(m as i8)),
        0x80..=0x8f => read_map(b, pos, usize::from(m & 0x0f))?,
        0x90..=0x9f => read_arr(b, pos, usize::from(m & 0x0f))?,
        0xa0..=0xbf => str_of(take(b, pos, usize::from(m & 0x1f))?)?,
        0xc0 => J::Null,
        0xc2 => J::Bool(false),
        0xc3 => J::Bool(true),
        0xc4..=0xc6 => {
            let n = be(b, pos, 1 << (m - 0xc4))? as usize;
            J::Bin(take(b, pos, n)?.to_vec())
        }
        0xcb => J::F64(f64::from_bits(be(b, pos, 8)?)),
        0xcc..=0xcf => J::Int(i128::from(be(b, pos, 1 << (m - 0xcc))?)),
        0xd0..=0xd3 => {
            let n = 1usize << (m - 0xd0);
            let raw = be(b, pos, n)?;
            let shift = 64 - 8 * n as u32;
            J::Int(i128::from(((raw << shift) as i64) >> shift))
        }
        0xd9..=0xdb => {
            let n = be(b, pos, 1 << (m - 0xd9))? as usize;
            str_of(take(b, pos, n)?)?
        }
        0xdc | 0xdd => {
            let n = be(b, pos, if m == 0xdc { 2 } else { 4 })? as usize;
            read_arr(b, pos, n)?
        }
        0xde | 0xdf => {
            let n = be(b, pos, if m == 0xde { 2 } else { 4 })? as usize;
            read_map(b, pos, n)?
        }
        // float32, extensions and 0xc1 never appear in a vector's decoded value
        _ => return None,
    })
}

fn read_arr(b: &[u8], pos: &mut usize, n: usize) -> Option<J> {
    let mut items = Vec::new();
    for _ in 0..n {
        items.push(read(b, pos)?);
    }
    Some(J::Arr(items))
}

fn read_map(b: &[u8], pos: &mut usize, n: usize) -> Option<J> {
    let mut pairs = Vec::new();
    for _ in 0..n {
        let J::Str(k) = read(b, pos)? else {
            return None;
        };
        pairs.push((k, read(b, pos)?));
    }
    Some(J::Obj(pairs))
}

// ---------------------------------------------------------------- JSON text

fn uniform(b: &[u8]) -> Option<u8> {
    let first = *b.first()?;
    b.iter().all(|x| *x == first).then_some(first)
}

fn json_str(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

/// `j` as one line of JSON.
pub fn render(j: &J) -> String {
    let mut out = String::new();
    render_into(j, &mut out);
    out
}

fn render_into(j: &J, out: &mut String) {
    match j {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Int(n) if (-SAFE..=SAFE).contains(n) => {
            let _ = write!(out, "{n}");
        }
        J::Int(n) => {
            let _ = write!(out, "{{\"$int\": \"{n}\"}}");
        }
        J::F64(x) if x.fract() == 0.0 => {
            let _ = write!(
                out,
                "{{\"$f64\": {}}}",
                serde_json::to_string(x).unwrap_or_default()
            );
        }
        J::F64(x) => out.push_str(&serde_json::to_string(x).unwrap_or_default()),
        J::Str(t) => out.push_str(&json_str(t)),
        J::Bin(b) => match uniform(b) {
            Some(byte) if b.len() >= FILL_AT => {
                let _ = write!(out, "{{\"$fill\": [{byte}, {}]}}", b.len());
            }
            _ => {
                let _ = write!(out, "{{\"$bin\": \"{}\"}}", hex::encode(b));
            }
        },
        J::Arr(items) => {
            out.push('[');
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    out.push_str(", ");
                }
                render_into(item, out);
            }
            out.push(']');
        }
        J::Obj(pairs) => {
            out.push('{');
            for (n, (k, v)) in pairs.iter().enumerate() {
                if n > 0 {
                    out.push_str(", ");
                }
                out.push_str(&json_str(k));
                out.push_str(": ");
                render_into(v, out);
            }
            out.push('}');
        }
    }
}

/// Bytes as segments: hex strings, with runs of at least [`FILL_AT`] equal bytes as fills.
pub fn render_segments(bytes: &[u8]) -> String {
    let mut parts = Vec::new();
    let mut hex_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let mut run = i + 1;
        while run < bytes.len() && bytes[run] == bytes[i] {
            run += 1;
        }
        if run - i >= FILL_AT {
            if hex_start < i {
                parts.push(format!("\"{}\"", hex::encode(&bytes[hex_start..i])));
            }
            parts.push(format!("{{\"fill\": {}, \"len\": {}}}", bytes[i], run - i));
            hex_start = run;
        }
        i = run;
    }
    if hex_start < bytes.len() || parts.is_empty() {
        parts.push(format!("\"{}\"", hex::encode(&bytes[hex_start..])));
    }
    format!("[{}]", parts.join(", "))
}

/// Concatenates segments read back from JSON.
pub fn segments(j: &J) -> Result<Vec<u8>, String> {
    let J::Arr(parts) = j else {
        return Err("bytes must be an array of segments".into());
    };
    let mut out = Vec::new();
    for part in parts {
        match part {
            J::Str(h) => out.extend(hex::decode(h).map_err(|e| format!("bad hex segment: {e}"))?),
            J::Obj(pairs) => match pairs.as_slice() {
                [(f, J::Int(byte)), (l, J::Int(len))] if f == "fill" && l == "len" => {
                    out.extend(std::iter::repeat_n(*byte as u8, *len as usize))
                }
                _ => return Err(format!("bad segment {}", render(part))),
            },
            _ => return Err(format!("bad segment {}", render(part))),
        }
    }
    Ok(out)
}

impl<'de> serde::Deserialize<'de> for J {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JVisitor)
    }
}

struct JVisitor;

impl<'de> serde::de::Visitor<'de> for JVisitor {
    type Value = J;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a vector's JSON value")
    }
    fn visit_unit<E>(self) -> Result<J, E> {
        Ok(J::Null)
    }
    fn visit_bool<E>(self, b: bool) -> Result<J, E> {
        Ok(J::Bool(b))
    }
    fn visit_u64<E>(self, n: u64) -> Result<J, E> {
        Ok(J::Int(i128::from(n)))
    }
    fn visit_i64<E>(self, n: i64) -> Result<J, E> {
        Ok(J::Int(i128::from(n)))
    }
    fn visit_f64<E>(self, x: f64) -> Result<J, E> {
        Ok(J::F64(x))
    }
    fn visit_str<E>(self, t: &str) -> Result<J, E> {
        Ok(J::Str(t.to_owned()))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<J, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(J::Arr(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<J, A::Error> {
        use serde::de::Error;
        let mut pairs: Vec<(String, J)> = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, J>()? {
            pairs.push((k, v));
        }
        let special = match pairs.as_slice() {
            [(k, J::Str(h))] if k == "$bin" => {
                Some(J::Bin(hex::decode(h).map_err(A::Error::custom)?))
            }
            [(k, J::Arr(fill))] if k == "$fill" => match fill.as_slice() {
                [J::Int(byte), J::Int(len)] => Some(J::Bin(vec![*byte as u8; *len as usize])),
                _ => return Err(A::Error::custom("$fill must be [byte, len]")),
            },
            [(k, J::Str(n))] if k == "$int" => Some(J::Int(n.parse().map_err(A::Error::custom)?)),
            [(k, J::Int(n))] if k == "$f64" => Some(J::F64(*n as f64)),
            [(k, J::F64(x))] if k == "$f64" => Some(J::F64(*x)),
            _ => None,
        };
        Ok(special.unwrap_or(J::Obj(pairs)))
    }
}
