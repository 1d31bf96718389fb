//! One call as a handler sees it: who is calling ([`Caller`]), which target and method,
//! and the payload, decoded argument by argument, by name ([`Args`], [`CommandArg`]).

use std::collections::HashSet;
use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use switchboard_protocol::{
    scan, scan_with, Address, ErrorCode, Limits, Name, RequestId, WireError,
};

use crate::app::AppHandle;
use crate::binary;
use crate::error::BusError;
use crate::state::State;
use crate::window::Window;

/// Who is calling: stamped by the runtime that carried the frame, never read from a frame.
///
/// ```
/// use switchboard::Caller;
/// let caller = Caller::new("main", "app://localhost");
/// assert_eq!(caller.window.as_str(), "main");
/// assert!(caller.top_frame);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The label of the window the client lives in.
    pub window: Name,
    /// The page's origin, e.g. `app://localhost` or `http://evil.example`.
    pub origin: String,
    /// Whether the client is the window's top frame (not an iframe).
    pub top_frame: bool,
}

impl Caller {
    /// A top-frame caller in `window` with `origin`.
    ///
    /// # Panics
    /// When `window` is not a valid name (1 to 64 bytes of `A-Z a-z 0-9 _ -`); window labels
    /// come from code, not from pages.
    pub fn new(window: &str, origin: impl Into<String>) -> Self {
        Caller {
            window: Name::new(window)
                .unwrap_or_else(|e| panic!("invalid window label `{window}`: {e}")),
            origin: origin.into(),
            top_frame: true,
        }
    }
}

/// One request on its way into a handler.
///
/// Generated handlers read it; a hand-written [`Actor`](crate::Actor) matches on
/// [`Call::method`] and decodes with [`Call::args`].
pub struct Call {
    pub(crate) app: AppHandle,
    pub(crate) caller: Arc<Caller>,
    pub(crate) target: Address,
    pub(crate) method: String,
    pub(crate) id: RequestId,
    pub(crate) payload: Bytes,
    /// The caller's resolved scope, for a call to a plugin that declares one (plugin kit).
    pub(crate) scope: Option<crate::scope::ResolvedScope>,
    /// The session the call came through (none for the app's own calls from Rust).
    pub(crate) session: Option<std::sync::Weak<crate::session::SessionInner>>,
}

impl Call {
    /// The app.
    pub fn app(&self) -> &AppHandle {
        &self.app
    }

    /// Who is calling.
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// The target address.
    pub fn target(&self) -> &Address {
        &self.target
    }

    /// The method (`""` for a command).
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The request's id (unique among the caller's pending requests).
    pub fn id(&self) -> RequestId {
        self.id
    }

    /// The raw payload: a MessagePack map of argument name to value.
    pub fn payload(&self) -> &Bytes {
        &self.payload
    }

    /// Index the payload's arguments by name (checks its structure first, within the app's
    /// [`Limits`]).
    pub fn args(&self) -> Result<Args, WireError> {
        Args::parse_with(self.payload.clone(), self.app.limits())
    }

    /// The error a handler answers for a method it does not have.
    pub fn unknown_method(&self) -> WireError {
        BusError::UnknownMethod {
            target: self.target.clone(),
            method: self.method.clone(),
        }
        .into()
    }
}

/// A payload's arguments, indexed by name without decoding their values.
///
/// An empty payload counts as an empty map. A missing argument decodes as `nil`, so an
/// `Option` argument may be left out.
#[derive(Debug)]
pub struct Args {
    payload: Bytes,
    entries: Vec<(Range<usize>, Range<usize>)>,
}

impl Args {
    /// Check the structure of `payload` (iteratively, within `max_depth` and the other
    /// default [`Limits`]) and index its top-level map. An empty payload or `nil` counts as
    /// an empty map. [`Args::parse_with`] takes all the limits.
    ///
    /// ```
    /// use switchboard::call::Args;
    /// // {"n": 5}
    /// let args = Args::parse(vec![0x81, 0xa1, b'n', 0x05].into(), 64).unwrap();
    /// assert_eq!(args.get::<i64>("n").unwrap(), 5);
    /// assert_eq!(args.get::<Option<i64>>("m").unwrap(), None);
    /// let err = args.get::<String>("n").unwrap_err();
    /// assert!(err.message.contains("argument `n`"), "{}", err.message);
    /// ```
    pub fn parse(payload: Bytes, max_depth: usize) -> Result<Args, WireError> {
        Args::parse_with(
            payload,
            &Limits {
                max_depth,
                ..Limits::default()
            },
        )
    }

    /// Check the structure of `payload` within `limits` (depth, `max_elements` values,
    /// `max_map_entries` entries in any map: `too_large` past a limit, `malformed` for a bad
    /// structure) and index its top-level map, refusing an argument named twice. Linear in
    /// the payload's size. An empty payload or `nil` counts as an empty map.
    ///
    /// ```
    /// use switchboard::call::Args;
    /// use switchboard_protocol::{ErrorCode, Limits};
    /// // {"a": 1, "b": 2}
    /// let payload = vec![0x82, 0xa1, b'a', 0x01, 0xa1, b'b', 0x02];
    /// let args = Args::parse_with(payload.clone().into(), &Limits::default()).unwrap();
    /// assert_eq!(args.get::<u8>("b").unwrap(), 2);
    /// let one_entry = Limits { max_map_entries: 1, ..Limits::default() };
    /// let err = Args::parse_with(payload.into(), &one_entry).unwrap_err();
    /// assert_eq!(err.code, ErrorCode::TooLarge);
    /// ```
    pub fn parse_with(payload: Bytes, limits: &Limits) -> Result<Args, WireError> {
        if payload.is_empty() || payload[..] == [0xc0] {
            return Ok(Args {
                payload,
                entries: Vec::new(),
            });
        }
        let max_depth = limits.max_depth.max(1);
        let len = scan_with(
            &payload,
            &Limits {
                max_depth,
                ..*limits
            },
        )
        .map_err(|e| match e.code() {
            ErrorCode::TooLarge => BusError::PayloadTooLarge {
                reason: e.to_string(),
            },
            _ => BusError::MalformedPayload {
                reason: e.to_string(),
            },
        })?;
        if len != payload.len() {
            return Err(BusError::MalformedPayload {
                reason: format!("{} trailing bytes", payload.len() - len),
            }
            .into());
        }
        let bytes = &payload[..];
        let (count, mut pos) = match bytes[0] {
            m @ 0x80..=0x8f => (usize::from(m & 0x0f), 1),
            0xde if bytes.len() >= 3 => (usize::from(u16::from_be_bytes([bytes[1], bytes[2]])), 3),
            0xdf if bytes.len() >= 5 => (
                u32::from_be_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]) as usize,
                5,
            ),
            _ => return Err(BusError::ArgumentsNotAMap.into()),
        };
        // The scan proved `count` entries are there (at most `max_map_entries`, two bytes
        // each at least): reserving them is bounded by the payload's size.
        let mut entries = Vec::with_capacity(count);
        // A few arguments are compared directly; more go through a set, so the check stays
        // linear however many there are.
        let mut seen: Option<HashSet<&[u8]>> =
            (count > SMALL_MAP).then(|| HashSet::with_capacity(count));
        for _ in 0..count {
            let key = str_range(bytes, pos).ok_or(BusError::ArgumentNameNotAString)?;
            pos = key.end;
            let value_len =
                scan(&bytes[pos..], max_depth).map_err(|e| BusError::MalformedPayload {
                    reason: e.to_string(),
                })?;
            let value = pos..pos + value_len;
            pos = value.end;
            let name = &bytes[key.clone()];
            let fresh = match &mut seen {
                Some(set) => set.insert(name),
                None => !entries
                    .iter()
                    .any(|(k, _): &(Range<usize>, _)| &bytes[k.clone()] == name),
            };
            if !fresh {
                return Err(BusError::DuplicateArgument {
                    name: String::from_utf8_lossy(&name[..name.len().min(64)]).into_owned(),
                }
                .into());
            }
            entries.push((key, value));
        }
        Ok(Args { payload, entries })
    }

    /// The raw MessagePack bytes of argument `name`, if present.
    pub fn raw(&self, name: &str) -> Option<Bytes> {
        self.entries
            .iter()
            .find(|(k, _)| &self.payload[k.clone()] == name.as_bytes())
            .map(|(_, v)| self.payload.slice(v.clone()))
    }

    /// Decode argument `name`; the error names the argument.
    pub fn get<T: DeserializeOwned>(&self, name: &str) -> Result<T, WireError> {
        match self.raw(name) {
            // a `Binary` in the argument is a slice of the frame, not a copy
            Some(raw) => {
                binary::borrowing_from(&raw, || rmp_serde::from_slice::<T>(&raw)).map_err(|e| {
                    BusError::BadArgument {
                        name: name.to_owned(),
                        reason: e.to_string(),
                    }
                    .into()
                })
            }
            None => rmp_serde::from_slice::<T>(&[0xc0]).map_err(|_| {
                BusError::MissingArgument {
                    name: name.to_owned(),
                }
                .into()
            }),
        }
    }
}

/// Up to this many arguments, duplicates are found by comparing names directly (at most
/// 120 comparisons, cheaper than hashing); past it, through a hash set.
const SMALL_MAP: usize = 16;

/// The byte range of the string at `pos` (its body), or `None` when it is not a string.
fn str_range(bytes: &[u8], pos: usize) -> Option<Range<usize>> {
    let marker = *bytes.get(pos)?;
    let (len, header) = match marker {
        0xa0..=0xbf => (usize::from(marker & 0x1f), 1),
        0xd9 => (usize::from(*bytes.get(pos + 1)?), 2),
        0xda => (
            usize::from(u16::from_be_bytes([
                *bytes.get(pos + 1)?,
                *bytes.get(pos + 2)?,
            ])),
            3,
        ),
        0xdb => (
            u32::from_be_bytes([
                *bytes.get(pos + 1)?,
                *bytes.get(pos + 2)?,
                *bytes.get(pos + 3)?,
                *bytes.get(pos + 4)?,
            ]) as usize,
            5,
        ),
        _ => return None,
    };
    let start = pos + header;
    let end = start.checked_add(len)?;
    (end <= bytes.len()).then_some(start..end)
}

/// A value a command or actor method can take as an argument: decoded from the payload by
/// its name (anything `Deserialize`), or injected from the call ([`State<T>`], [`Window`],
/// [`Caller`], [`AppHandle`]).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an argument of a switchboard command or actor method",
    note = "arguments are either decoded from the payload by name (derive `serde::Deserialize` for `{Self}`) or injected: `State<T>`, `Window`, `Caller`, `AppHandle`"
)]
pub trait CommandArg: Sized {
    /// Whether the argument comes from the payload (and so appears in generated bindings).
    const FROM_PAYLOAD: bool;
    /// Produce the argument named `name` for `call`.
    fn from_call(call: &Call, args: &Args, name: &'static str) -> Result<Self, WireError>;
}

impl<D: DeserializeOwned> CommandArg for D {
    const FROM_PAYLOAD: bool = true;
    fn from_call(_call: &Call, args: &Args, name: &'static str) -> Result<Self, WireError> {
        args.get(name)
    }
}

impl<T: Send + Sync + 'static> CommandArg for State<T> {
    const FROM_PAYLOAD: bool = false;
    fn from_call(call: &Call, _args: &Args, _name: &'static str) -> Result<Self, WireError> {
        call.app.state::<T>().ok_or_else(|| {
            BusError::StateNotManaged {
                type_name: std::any::type_name::<T>(),
            }
            .into()
        })
    }
}

impl CommandArg for Caller {
    const FROM_PAYLOAD: bool = false;
    fn from_call(call: &Call, _args: &Args, _name: &'static str) -> Result<Self, WireError> {
        Ok((*call.caller).clone())
    }
}

impl CommandArg for AppHandle {
    const FROM_PAYLOAD: bool = false;
    fn from_call(call: &Call, _args: &Args, _name: &'static str) -> Result<Self, WireError> {
        Ok(call.app.clone())
    }
}

impl CommandArg for Window {
    const FROM_PAYLOAD: bool = false;
    fn from_call(call: &Call, _args: &Args, _name: &'static str) -> Result<Self, WireError> {
        if call.caller.is_app() {
            return Err(BusError::NoCallerWindow {
                target: call.target.clone(),
            }
            .into());
        }
        Ok(Window::new(call.app.clone(), call.caller.window.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(v: &impl serde::Serialize) -> Bytes {
        Bytes::from(rmp_serde::to_vec_named(v).unwrap())
    }

    #[derive(serde::Serialize)]
    struct Two {
        a: u32,
        b: String,
    }

    #[test]
    fn arguments_are_found_by_name_in_any_order() {
        let args = Args::parse(
            encode(&Two {
                a: 7,
                b: "x".into(),
            }),
            64,
        )
        .unwrap();
        assert_eq!(args.get::<String>("b").unwrap(), "x");
        assert_eq!(args.get::<u32>("a").unwrap(), 7);
    }

    #[test]
    fn missing_argument_is_named() {
        let args = Args::parse(
            encode(&Two {
                a: 7,
                b: "x".into(),
            }),
            64,
        )
        .unwrap();
        let err = args.get::<u32>("c").unwrap_err();
        assert_eq!(err.code, ErrorCode::BadPayload);
        assert_eq!(err.message, "missing argument `c`");
    }

    #[test]
    fn non_map_payload_is_bad_payload() {
        let err = Args::parse(encode(&[1, 2]), 64).unwrap_err();
        assert_eq!(err.code, ErrorCode::BadPayload);
    }

    #[test]
    fn forged_length_is_malformed_without_allocating() {
        let err = Args::parse(
            Bytes::from_static(&[0x81, 0xa1, b'a', 0xc6, 0xff, 0xff, 0xff, 0xff]),
            64,
        )
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::Malformed);
    }

    #[test]
    fn deep_nesting_is_refused_before_serde() {
        let mut bytes = vec![0x81, 0xa1, b'a'];
        bytes.extend(std::iter::repeat_n(0x91, 10_000));
        bytes.push(0x00);
        let err = Args::parse(Bytes::from(bytes), 64).unwrap_err();
        assert_eq!(err.code, ErrorCode::Malformed);
    }

    #[test]
    fn duplicate_argument_is_refused() {
        let bytes = Bytes::from_static(&[0x82, 0xa1, b'a', 0x01, 0xa1, b'a', 0x02]);
        let err = Args::parse(bytes, 64).unwrap_err();
        assert!(err.message.contains("appears twice"));
    }

    /// A map32 of `n` arguments `k0000000`, `k0000001`, ... each holding a small integer.
    fn wide_map(n: usize) -> Vec<u8> {
        let mut out = vec![0xdf];
        out.extend_from_slice(&(n as u32).to_be_bytes());
        for i in 0..n {
            out.push(0xa8);
            out.extend_from_slice(format!("k{i:07}").as_bytes());
            out.push((i % 128) as u8);
        }
        out
    }

    #[test]
    fn a_duplicate_among_many_arguments_is_refused() {
        let mut bytes = wide_map(1000);
        // the last key repeats the first
        let last = bytes.len() - 9;
        bytes[last..last + 8].copy_from_slice(b"k0000000");
        let err = Args::parse_with(Bytes::from(bytes), &Limits::default()).unwrap_err();
        assert_eq!(err.code, ErrorCode::BadPayload);
        assert!(
            err.message.contains("`k0000000` appears twice"),
            "{}",
            err.message
        );
        let args = Args::parse_with(Bytes::from(wide_map(1000)), &Limits::default()).unwrap();
        assert_eq!(args.get::<u32>("k0000999").unwrap(), 999 % 128);
    }

    #[test]
    fn arguments_past_the_map_entry_limit_are_too_large() {
        let limits = Limits::default();
        let err = Args::parse_with(Bytes::from(wide_map(limits.max_map_entries + 1)), &limits)
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::TooLarge);
        let tight = Limits {
            max_map_entries: 2,
            ..Limits::default()
        };
        let three = Bytes::from(wide_map(3));
        assert_eq!(
            Args::parse_with(three, &tight).unwrap_err().code,
            ErrorCode::TooLarge
        );
    }

    #[test]
    fn payload_values_past_the_element_limit_are_too_large() {
        // {"a": [nil; 2^20]}: map, key, array and its nils are 2^20 + 3 values
        let mut bytes = vec![0x81, 0xa1, b'a', 0xdd, 0x00, 0x10, 0x00, 0x00];
        bytes.resize(bytes.len() + (1 << 20), 0xc0);
        let err = Args::parse_with(Bytes::from(bytes), &Limits::default()).unwrap_err();
        assert_eq!(err.code, ErrorCode::TooLarge);
        assert!(err.message.contains("values"), "{}", err.message);
    }

    /// The best of `runs` timings of `f`.
    fn best_of(runs: usize, mut f: impl FnMut()) -> std::time::Duration {
        (0..runs)
            .map(|_| {
                let start = std::time::Instant::now();
                f();
                start.elapsed()
            })
            .min()
            .expect("at least one run")
    }

    #[test]
    fn parsing_the_widest_argument_map_is_linear() {
        let limits = Limits::default();
        // The entry limit binds long before the frame limit does: 65,536 entries are
        // 655 KiB, and a 64 MiB map of them is refused at its header.
        let bytes = Bytes::from(wide_map(limits.max_map_entries));
        assert!(bytes.len() < limits.max_frame);
        // the baseline: one plain structural scan of the same bytes, in the same run
        let scan_time = best_of(5, || {
            assert_eq!(scan(&bytes, 64), Ok(bytes.len()));
        });
        let parse_time = best_of(5, || {
            let args = Args::parse_with(bytes.clone(), &limits).unwrap();
            assert_eq!(args.entries.len(), limits.max_map_entries);
        });
        // Parsing scans twice and hashes each name: a few scans' worth. A check per pair
        // of names (65,536² / 2 comparisons) costs thousands of scans.
        let ratio = parse_time.as_secs_f64() / scan_time.as_secs_f64();
        eprintln!(
            "{} arguments ({} bytes): scan {scan_time:?}, parse {parse_time:?}, ratio {ratio:.1}",
            limits.max_map_entries,
            bytes.len()
        );
        assert!(
            ratio < 60.0,
            "parse {parse_time:?} is {ratio:.0}x a scan ({scan_time:?})"
        );
        // a map the size of the frame limit is refused at its header, before its body
        let mut huge = vec![0xdf];
        let entries = (limits.max_frame - 5) / 3;
        huge.extend_from_slice(&(entries as u32).to_be_bytes());
        huge.extend_from_slice(&[0xa1, b'a', 0xc0].repeat(entries));
        let huge = Bytes::from(huge);
        let mut err = None;
        let refuse_time = best_of(5, || {
            err = Args::parse_with(huge.clone(), &limits).err();
        });
        assert_eq!(err.map(|e| e.code), Some(ErrorCode::TooLarge));
        assert!(
            refuse_time < scan_time,
            "refusing {entries} entries took {refuse_time:?}, scanning 65,536 {scan_time:?}"
        );
    }
}
