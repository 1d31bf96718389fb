//! The strict envelope decoder (PROTOCOL.md §1 "Also accepted" and "Rejected"), written by
//! hand over MessagePack markers, in one pass over the top map: each key is read and each
//! value's structure checked by [`scan`] (depth, every length against the bytes left) as
//! the key is located; only when the whole map passed is each field read with its exact type.

use std::collections::HashSet;

use bytes::Bytes;

use super::error::{cut, DecodeError};
use super::reader::Reader;
use crate::address::{Address, Name, NameError, Topic};
use crate::error::{ErrorCode, WireError};
use crate::frame::*;
use crate::limits::Limits;
use crate::scan::scan;

/// Where one value sits in the input: `start..end`.
type Span = Option<(usize, usize)>;

const V: usize = 0;
const K: usize = 1;
const ID: usize = 2;
const TO: usize = 3;
const METHOD: usize = 4;
const PAYLOAD: usize = 5;
const DEADLINE: usize = 6;
const CREDIT: usize = 7;
const OK: usize = 8;
const ERR: usize = 9;
const TOPIC: usize = 10;
const FROM: usize = 11;
const SEQ: usize = 12;
const N: usize = 13;
const CODE: usize = 14;
const MESSAGE: usize = 15;
const DATA: usize = 16;
const VERSIONS: usize = 17;
const CLIENT: usize = 18;
const NAME: usize = 19;
const VERSION: usize = 20;
const SESSION: usize = 21;
const WINDOW: usize = 22;
const GRANTS: usize = 23;
const LIMITS: usize = 24;
const PAYLOADS: usize = 25;

/// Every key a frame of any kind may hold; a key known to another kind is skipped like any
/// unknown key.
const FRAME_KEYS: &[&str] = &[
    "v", "k", "id", "to", "method", "payload", "deadline", "credit", "ok", "err", "topic", "from",
    "seq", "n", "code", "message", "data", "versions", "client", "name", "version", "session",
    "window", "grants", "limits", "payloads",
];

const ERR_KEYS: &[&str] = &["code", "message", "data"];
const ERR_LABELS: &[&str] = &["err.code", "err.message", "err.data"];
const LIMIT_KEYS: &[&str] = &["max_frame", "max_depth", "max_pending"];
const LIMIT_LABELS: &[&str] = &["limits.max_frame", "limits.max_depth", "limits.max_pending"];

/// What to reserve for an array that declares `count` entries with `left` bytes to go:
/// never more than the bytes left could hold (each entry is at least one byte), nor more
/// than 1,024 entries before one has been read (beyond that the list grows as it is read,
/// so a bad entry early on costs little however high a limit was raised).
fn reserve(count: usize, left: usize) -> usize {
    count.min(left).min(1024)
}

/// The slot of a frame key.
fn frame_key(key: &[u8]) -> Option<usize> {
    Some(match key {
        b"v" => V,
        b"k" => K,
        b"id" => ID,
        b"to" => TO,
        b"method" => METHOD,
        b"payload" => PAYLOAD,
        b"deadline" => DEADLINE,
        b"credit" => CREDIT,
        b"ok" => OK,
        b"err" => ERR,
        b"topic" => TOPIC,
        b"from" => FROM,
        b"seq" => SEQ,
        b"n" => N,
        b"code" => CODE,
        b"message" => MESSAGE,
        b"data" => DATA,
        b"versions" => VERSIONS,
        b"client" => CLIENT,
        b"name" => NAME,
        b"version" => VERSION,
        b"session" => SESSION,
        b"window" => WINDOW,
        b"grants" => GRANTS,
        b"limits" => LIMITS,
        b"payloads" => PAYLOADS,
        _ => return None,
    })
}

/// The slot of a key of `err`.
fn err_key(key: &[u8]) -> Option<usize> {
    ERR_KEYS.iter().position(|k| k.as_bytes() == key)
}

/// The slot of a key of `limits`.
fn limit_key(key: &[u8]) -> Option<usize> {
    LIMIT_KEYS.iter().position(|k| k.as_bytes() == key)
}

/// Reads the map at `r` (already known to be one, structurally checked), recording where
/// each known key's value is; unknown keys are skipped; duplicates are refused. The
/// unknown keys are remembered (to refuse one twice) up to `max_unknown`: more is
/// [`DecodeError::TooManyUnknownKeys`], so the set stays small whatever the map holds.
fn locate_fields<'a>(
    r: &mut Reader<'a>,
    entries: usize,
    slot_of: fn(&[u8]) -> Option<usize>,
    max_depth: usize,
    max_unknown: usize,
    slots: &mut [Span],
) -> Result<(), DecodeError> {
    let mut unknown: Option<HashSet<&'a [u8]>> = None;
    for _ in 0..entries {
        let at = r.pos;
        if at >= r.buf.len() {
            return Err(DecodeError::Truncated { at });
        }
        let key = r.str_bytes()?.ok_or(DecodeError::KeyNotString { at })?;
        let start = r.pos;
        let rest = r
            .buf
            .get(start..)
            .ok_or(DecodeError::Truncated { at: start })?;
        // the map itself is one level: report the limit the caller set
        let len = scan(rest, max_depth).map_err(|e| match e {
            DecodeError::TooDeep { .. } => DecodeError::TooDeep {
                max: max_depth.saturating_add(1),
            },
            e => e.shifted(start),
        })?;
        r.take(len)?;
        let fresh = match slot_of(key) {
            Some(i) => slots[i].replace((start, start + len)).is_none(),
            None => {
                // known keys are ASCII; an unknown one must still be UTF-8
                std::str::from_utf8(key).map_err(|_| DecodeError::InvalidUtf8 {
                    field: "key",
                    id: None,
                })?;
                let set = unknown.get_or_insert_with(HashSet::new);
                let fresh = set.insert(key);
                if fresh && set.len() > max_unknown {
                    return Err(DecodeError::TooManyUnknownKeys { max: max_unknown });
                }
                fresh
            }
        };
        if !fresh {
            return Err(DecodeError::DuplicateKey {
                key: cut(&String::from_utf8_lossy(key), 64),
            });
        }
    }
    Ok(())
}

/// The located fields of one map, read by index with their exact types.
struct Fields<'a, 'l> {
    buf: &'a [u8],
    slots: &'a [Span],
    labels: &'l [&'static str],
    kind: &'static str,
}

impl<'a> Fields<'a, '_> {
    fn label(&self, i: usize) -> &'static str {
        self.labels[i]
    }

    fn reader(&self, (start, end): (usize, usize)) -> Reader<'a> {
        Reader {
            buf: &self.buf[..end],
            pos: start,
        }
    }

    /// The field's value, which must be present (`nil` is a wrong type here).
    fn required(&self, i: usize) -> Result<Reader<'a>, DecodeError> {
        match self.slots[i] {
            Some(span) => Ok(self.reader(span)),
            None => Err(DecodeError::MissingField {
                kind: self.kind,
                field: self.label(i),
                id: None,
            }),
        }
    }

    /// The field's value, or `None` when absent or `nil`.
    fn optional(&self, i: usize) -> Option<Reader<'a>> {
        let span = self.slots[i]?;
        (self.buf.get(span.0) != Some(&0xc0)).then(|| self.reader(span))
    }

    fn wrong(&self, i: usize, expected: &'static str) -> DecodeError {
        DecodeError::WrongType {
            field: self.label(i),
            expected,
            id: None,
        }
    }

    fn uint_of(&self, i: usize, r: &mut Reader<'a>, max: u64) -> Result<u64, DecodeError> {
        let value = r
            .int()?
            .ok_or_else(|| self.wrong(i, "an unsigned integer"))?;
        if value < 0 || value > i128::from(max) {
            return Err(DecodeError::IntegerOutOfRange {
                field: self.label(i),
                value,
                id: None,
            });
        }
        Ok(value as u64)
    }

    fn safe(&self, i: usize) -> Result<u64, DecodeError> {
        self.uint_of(i, &mut self.required(i)?, MAX_SAFE_INTEGER)
    }

    fn u32(&self, i: usize) -> Result<u32, DecodeError> {
        Ok(self.uint_of(i, &mut self.required(i)?, u64::from(u32::MAX))? as u32)
    }

    fn opt_safe(&self, i: usize) -> Result<Option<u64>, DecodeError> {
        self.optional(i)
            .map(|mut r| self.uint_of(i, &mut r, MAX_SAFE_INTEGER))
            .transpose()
    }

    fn opt_u32(&self, i: usize) -> Result<Option<u32>, DecodeError> {
        self.optional(i)
            .map(|mut r| {
                self.uint_of(i, &mut r, u64::from(u32::MAX))
                    .map(|v| v as u32)
            })
            .transpose()
    }

    fn id(&self) -> Result<RequestId, DecodeError> {
        let v = self.safe(ID)?;
        // `safe` already bounds the value at 2^53 - 1
        RequestId::new(v).ok_or_else(|| DecodeError::IntegerOutOfRange {
            field: "id",
            value: i128::from(v),
            id: None,
        })
    }

    fn str_of(&self, i: usize, mut r: Reader<'a>) -> Result<&'a str, DecodeError> {
        let bytes = r.str_bytes()?.ok_or_else(|| self.wrong(i, "a string"))?;
        std::str::from_utf8(bytes).map_err(|_| DecodeError::InvalidUtf8 {
            field: self.label(i),
            id: None,
        })
    }

    fn str(&self, i: usize) -> Result<&'a str, DecodeError> {
        self.str_of(i, self.required(i)?)
    }

    fn opt_str(&self, i: usize) -> Result<Option<&'a str>, DecodeError> {
        self.optional(i).map(|r| self.str_of(i, r)).transpose()
    }

    fn bin_of(&self, i: usize, mut r: Reader<'a>) -> Result<(usize, usize), DecodeError> {
        r.bin_span()?.ok_or_else(|| self.wrong(i, "a binary"))
    }

    fn bin(&self, i: usize) -> Result<(usize, usize), DecodeError> {
        self.bin_of(i, self.required(i)?)
    }

    fn opt_bin(&self, i: usize) -> Result<Option<(usize, usize)>, DecodeError> {
        self.optional(i).map(|r| self.bin_of(i, r)).transpose()
    }

    fn name_error(&self, i: usize, source: NameError) -> DecodeError {
        DecodeError::InvalidName {
            field: self.label(i),
            source,
            id: None,
        }
    }

    fn address_of(&self, i: usize, text: &str, limits: &Limits) -> Result<Address, DecodeError> {
        let address = Address::parse(text).map_err(|e| self.name_error(i, e))?;
        let name = address.name().as_str();
        if name.len() > limits.max_name {
            return Err(self.name_error(
                i,
                NameError::TooLong {
                    name: cut(name, limits.max_name),
                    len: name.len(),
                    max: limits.max_name,
                },
            ));
        }
        Ok(address)
    }

    fn topic(&self, i: usize, limits: &Limits) -> Result<Topic, DecodeError> {
        let text = self.str(i)?;
        if text.len() > limits.max_topic {
            return Err(self.name_error(
                i,
                NameError::TooLong {
                    name: cut(text, limits.max_topic),
                    len: text.len(),
                    max: limits.max_topic,
                },
            ));
        }
        Topic::new(text).map_err(|e| self.name_error(i, e))
    }

    fn versions_of(
        &self,
        i: usize,
        mut r: Reader<'a>,
        limits: &Limits,
    ) -> Result<Vec<u32>, DecodeError> {
        let len = r
            .array_len()?
            .ok_or_else(|| self.wrong(i, "an array of unsigned integers"))?;
        if len > limits.max_versions {
            return Err(DecodeError::TooMany {
                field: self.label(i),
                len,
                max: limits.max_versions,
                id: None,
            });
        }
        let mut out = Vec::with_capacity(reserve(len, r.left()));
        for _ in 0..len {
            out.push(self.uint_of(i, &mut r, u64::from(u32::MAX))? as u32);
        }
        Ok(out)
    }

    /// A nested map field (`err`, `limits`), its keys located.
    fn map<const COUNT: usize>(
        &self,
        i: usize,
        r: Reader<'a>,
        slot_of: fn(&[u8]) -> Option<usize>,
        limits: &Limits,
    ) -> Result<[Span; COUNT], DecodeError> {
        let mut r = r;
        let entries = r.map_len()?.ok_or_else(|| self.wrong(i, "a map"))?;
        let mut slots = [None; COUNT];
        locate_fields(
            &mut r,
            entries,
            slot_of,
            usize::MAX,
            limits.max_unknown_keys,
            &mut slots,
        )?;
        Ok(slots)
    }

    fn wire_error<F: Fn(usize, usize) -> Bytes>(
        &self,
        r: Reader<'a>,
        limits: &Limits,
        mk: &F,
    ) -> Result<WireError, DecodeError> {
        let slots = self.map::<3>(ERR, r, err_key, limits)?;
        let err = Fields {
            buf: self.buf,
            slots: &slots,
            labels: ERR_LABELS,
            kind: self.kind,
        };
        let code = ErrorCode::from_wire(err.str(0)?);
        let message = err.str(1)?.to_owned();
        let data = err.opt_bin(2)?.map(|(s, e)| mk(s, e));
        Ok(WireError {
            code,
            message,
            data,
        })
    }
}

/// Decodes one frame from `buf`, turning byte spans into [`Bytes`] with `mk`.
pub(crate) fn decode_with<F: Fn(usize, usize) -> Bytes>(
    buf: &[u8],
    limits: &Limits,
    mk: F,
) -> Result<Frame, DecodeError> {
    if buf.len() > limits.max_frame {
        return Err(DecodeError::TooLarge {
            len: buf.len(),
            max: limits.max_frame,
        });
    }
    if buf.is_empty() {
        return Err(DecodeError::Truncated { at: 0 });
    }
    // One pass: the map's header is checked here, each value is scanned (depth, lengths)
    // as its key is located, and nothing typed is read before the whole map passed.
    let mut r = Reader { buf, pos: 0 };
    let entries = r.map_len()?.ok_or(DecodeError::NotAMap)?;
    if limits.max_depth == 0 {
        return Err(DecodeError::TooDeep { max: 0 });
    }
    let available = buf.len() - r.pos;
    if 2 * entries as u64 > available as u64 {
        return Err(DecodeError::LengthPastEnd {
            declared: 2 * entries as u64,
            available,
            at: 0,
        });
    }
    let mut slots = [None; FRAME_KEYS.len()];
    locate_fields(
        &mut r,
        entries,
        frame_key,
        limits.max_depth - 1,
        limits.max_unknown_keys,
        &mut slots,
    )?;
    if r.pos < buf.len() {
        return Err(DecodeError::TrailingBytes {
            count: buf.len() - r.pos,
        });
    }
    let fields = Fields {
        buf,
        slots: &slots,
        labels: FRAME_KEYS,
        kind: "frame",
    };
    let id = fields.id().ok();
    decode_fields(fields, limits, &mk).map_err(|e| e.with_id(id))
}

fn static_kind(k: &str) -> Option<&'static str> {
    Some(match k {
        "hello" => "hello",
        "welcome" => "welcome",
        "request" => "request",
        "response" => "response",
        "event" => "event",
        "events" => "events",
        "subscribe" => "subscribe",
        "unsubscribe" => "unsubscribe",
        "cancel" => "cancel",
        "stream_item" => "stream_item",
        "stream_end" => "stream_end",
        "credit" => "credit",
        "error" => "error",
        _ => return None,
    })
}

fn decode_fields<F: Fn(usize, usize) -> Bytes>(
    mut f: Fields<'_, '_>,
    limits: &Limits,
    mk: &F,
) -> Result<Frame, DecodeError> {
    let v = f.safe(V)?;
    let k = f.str(K)?;
    // `hello` is read at any version: it is how a client offers the versions it speaks.
    if k != "hello" && !SUPPORTED_VERSIONS.iter().any(|s| u64::from(*s) == v) {
        return Err(DecodeError::UnsupportedVersion {
            got: v,
            supported: SUPPORTED_VERSIONS,
            id: None,
        });
    }
    f.kind = static_kind(k).ok_or_else(|| DecodeError::UnknownKind {
        kind: cut(k, 64),
        id: None,
    })?;
    let bytes = |(s, e): (usize, usize)| mk(s, e);
    Ok(match f.kind {
        "hello" => Frame::Hello(Hello {
            versions: f.versions_of(VERSIONS, f.required(VERSIONS)?, limits)?,
            client: f.str(CLIENT)?.to_owned(),
            name: f.str(NAME)?.to_owned(),
        }),
        "welcome" => {
            let limit_slots = f.map::<3>(LIMITS, f.required(LIMITS)?, limit_key, limits)?;
            let lf = Fields {
                buf: f.buf,
                slots: &limit_slots,
                labels: LIMIT_LABELS,
                kind: f.kind,
            };
            let mut grants_reader = f.required(GRANTS)?;
            let count = grants_reader
                .array_len()?
                .ok_or_else(|| f.wrong(GRANTS, "an array of strings"))?;
            if count > limits.max_grants {
                return Err(DecodeError::TooMany {
                    field: "grants",
                    len: count,
                    max: limits.max_grants,
                    id: None,
                });
            }
            let mut grants = Vec::with_capacity(reserve(count, grants_reader.left()));
            for _ in 0..count {
                let bytes = grants_reader
                    .str_bytes()?
                    .ok_or_else(|| f.wrong(GRANTS, "an array of strings"))?;
                let text = std::str::from_utf8(bytes).map_err(|_| DecodeError::InvalidUtf8 {
                    field: "grants",
                    id: None,
                })?;
                grants.push(text.to_owned());
            }
            Frame::Welcome(Welcome {
                version: f.u32(VERSION)?,
                session: f.str(SESSION)?.to_owned(),
                window: f.str(WINDOW)?.to_owned(),
                grants,
                limits: SessionLimits {
                    max_frame: lf.safe(0)?,
                    max_depth: lf.u32(1)?,
                    max_pending: lf.u32(2)?,
                },
            })
        }
        "request" => {
            let id = f.id()?;
            let to = f.address_of(TO, f.str(TO)?, limits)?;
            let method = f.str(METHOD)?;
            if !method.is_empty() {
                if method.len() > limits.max_name {
                    return Err(f.name_error(
                        METHOD,
                        NameError::TooLong {
                            name: cut(method, limits.max_name),
                            len: method.len(),
                            max: limits.max_name,
                        },
                    ));
                }
                Name::new(method).map_err(|e| f.name_error(METHOD, e))?;
            }
            Frame::Request(Request {
                id,
                to,
                method: method.to_owned(),
                payload: bytes(f.bin(PAYLOAD)?),
                deadline_ms: f.opt_safe(DEADLINE)?,
                credit: f.opt_u32(CREDIT)?,
            })
        }
        "response" => {
            let id = f.id()?;
            let ok = f.opt_bin(OK)?;
            let err = f.optional(ERR);
            let result = match (ok, err) {
                (Some(span), None) => Ok(bytes(span)),
                (None, Some(r)) => Err(f.wire_error(r, limits, mk)?),
                (None, None) => {
                    return Err(DecodeError::MissingField {
                        kind: f.kind,
                        field: "ok or err",
                        id: None,
                    })
                }
                (Some(_), Some(_)) => {
                    return Err(DecodeError::BothPresent {
                        kind: f.kind,
                        first: "ok",
                        second: "err",
                        id: None,
                    })
                }
            };
            Frame::Response(Response { id, result })
        }
        "event" => Frame::Event(Event {
            topic: f.topic(TOPIC, limits)?,
            payload: bytes(f.bin(PAYLOAD)?),
            from: f
                .opt_str(FROM)?
                .map(|text| f.address_of(FROM, text, limits))
                .transpose()?,
        }),
        "events" => {
            let mut r = f.required(PAYLOADS)?;
            let count = r
                .array_len()?
                .ok_or_else(|| f.wrong(PAYLOADS, "an array of binaries"))?;
            let mut payloads = Vec::with_capacity(reserve(count, r.left()));
            for _ in 0..count {
                let span = r
                    .bin_span()?
                    .ok_or_else(|| f.wrong(PAYLOADS, "an array of binaries"))?;
                payloads.push(bytes(span));
            }
            Frame::Events(Events {
                topic: f.topic(TOPIC, limits)?,
                payloads,
                from: f
                    .opt_str(FROM)?
                    .map(|text| f.address_of(FROM, text, limits))
                    .transpose()?,
            })
        }
        "subscribe" => Frame::Subscribe(Subscribe {
            id: f.id()?,
            topic: f.topic(TOPIC, limits)?,
        }),
        "unsubscribe" => Frame::Unsubscribe(Unsubscribe {
            id: f.id()?,
            topic: f.topic(TOPIC, limits)?,
        }),
        "cancel" => Frame::Cancel(Cancel { id: f.id()? }),
        "stream_item" => Frame::StreamItem(StreamItem {
            id: f.id()?,
            seq: f.safe(SEQ)?,
            payload: bytes(f.bin(PAYLOAD)?),
        }),
        "stream_end" => Frame::StreamEnd(StreamEnd {
            id: f.id()?,
            seq: f.safe(SEQ)?,
            error: f
                .optional(ERR)
                .map(|r| f.wire_error(r, limits, mk))
                .transpose()?,
        }),
        "credit" => Frame::Credit(Credit {
            id: f.id()?,
            n: f.u32(N)?,
        }),
        _ => {
            let error = WireError {
                code: ErrorCode::from_wire(f.str(CODE)?),
                message: f.str(MESSAGE)?.to_owned(),
                data: f.opt_bin(DATA)?.map(bytes),
            };
            let id = f.optional(ID).is_some().then(|| f.id()).transpose()?;
            let versions = f
                .optional(VERSIONS)
                .map(|r| f.versions_of(VERSIONS, r, limits))
                .transpose()?;
            Frame::Error(ErrorFrame {
                error,
                id,
                versions,
            })
        }
    })
}
