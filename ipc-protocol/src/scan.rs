//! The iterative structural scan of one MessagePack value (PROTOCOL.md §5).
//!
//! Before anything typed looks at input, [`scan`] walks it once, without recursion:
//! every marker is known (`0xc1` is refused), every declared length fits in the bytes
//! left, every array or map of `n` entries has at least `n` (or `2n`) bytes left, and
//! nesting stays within the limit. It allocates at most one small stack entry per level
//! of nesting, never anything sized by a length it read. [`scan_with`] also counts the
//! values (`max_elements`) and each map's entries (`max_map_entries`), which is what
//! bounds a payload's expansion when serde decodes it.

use crate::codec::DecodeError;
use crate::limits::Limits;

/// What one header says about the value it starts.
enum Header {
    /// A value whose body is `len` bytes right after the header.
    Scalar { len: u64 },
    /// An array or map holding `values` values (twice the entries for a map).
    Container { values: u64, map: bool },
}

/// Reads a big-endian length of `N` bytes at `*pos`, advancing it.
#[inline]
fn read_be<const N: usize>(bytes: &[u8], pos: &mut usize, at: usize) -> Result<u64, DecodeError> {
    let end = pos.checked_add(N).ok_or(DecodeError::Truncated { at })?;
    let raw = bytes.get(*pos..end).ok_or(DecodeError::Truncated { at })?;
    *pos = end;
    Ok(raw.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
}

/// Reads the header of the value at `*pos`, advancing past the header only.
#[inline]
fn header(bytes: &[u8], pos: &mut usize) -> Result<Header, DecodeError> {
    let at = *pos;
    let marker = *bytes.get(at).ok_or(DecodeError::Truncated { at })?;
    *pos += 1;
    let scalar = |len: u64| Ok(Header::Scalar { len });
    match marker {
        0x00..=0x7f | 0xe0..=0xff | 0xc0 | 0xc2 | 0xc3 => scalar(0),
        0x80..=0x8f => Ok(Header::Container {
            values: 2 * u64::from(marker & 0x0f),
            map: true,
        }),
        0x90..=0x9f => Ok(Header::Container {
            values: u64::from(marker & 0x0f),
            map: false,
        }),
        0xa0..=0xbf => scalar(u64::from(marker & 0x1f)),
        0xc1 => Err(DecodeError::ReservedByte { at }),
        // bin8/16/32, str8/16/32
        0xc4 | 0xd9 => scalar(read_be::<1>(bytes, pos, at)?),
        0xc5 | 0xda => scalar(read_be::<2>(bytes, pos, at)?),
        0xc6 | 0xdb => scalar(read_be::<4>(bytes, pos, at)?),
        // ext8/16/32: length, then one type byte, then the data
        0xc7 => scalar(read_be::<1>(bytes, pos, at)? + 1),
        0xc8 => scalar(read_be::<2>(bytes, pos, at)? + 1),
        0xc9 => scalar(read_be::<4>(bytes, pos, at)? + 1),
        0xca => scalar(4),
        0xcb => scalar(8),
        0xcc | 0xd0 => scalar(1),
        0xcd | 0xd1 => scalar(2),
        0xce | 0xd2 => scalar(4),
        0xcf | 0xd3 => scalar(8),
        // fixext 1/2/4/8/16: one type byte plus the data
        0xd4 => scalar(2),
        0xd5 => scalar(3),
        0xd6 => scalar(5),
        0xd7 => scalar(9),
        0xd8 => scalar(17),
        0xdc => Ok(Header::Container {
            values: read_be::<2>(bytes, pos, at)?,
            map: false,
        }),
        0xdd => Ok(Header::Container {
            values: read_be::<4>(bytes, pos, at)?,
            map: false,
        }),
        0xde => Ok(Header::Container {
            values: 2 * read_be::<2>(bytes, pos, at)?,
            map: true,
        }),
        0xdf => Ok(Header::Container {
            values: 2 * read_be::<4>(bytes, pos, at)?,
            map: true,
        }),
    }
}

/// The open containers' remaining value counts: the first levels on the stack, deeper ones
/// on the heap (only for inputs nested deeper than any frame needs).
#[derive(Default)]
struct Levels {
    inline: [u64; 16],
    len: usize,
    spill: Vec<u64>,
}

impl Levels {
    fn len(&self) -> usize {
        self.len + self.spill.len()
    }

    fn push(&mut self, values: u64) {
        if self.len < self.inline.len() {
            self.inline[self.len] = values;
            self.len += 1;
        } else {
            self.spill.push(values);
        }
    }

    fn last_mut(&mut self) -> Option<&mut u64> {
        if self.spill.is_empty() {
            self.len.checked_sub(1).map(|i| &mut self.inline[i])
        } else {
            self.spill.last_mut()
        }
    }

    fn pop(&mut self) {
        if self.spill.pop().is_none() {
            self.len = self.len.saturating_sub(1);
        }
    }
}

/// Checks the structure of the one MessagePack value at the start of `bytes` and returns
/// its length in bytes (anything after it is left for the caller to judge).
///
/// Refuses, with a typed error and without recursion: a reserved `0xc1` byte; a header
/// or fixed-size value cut short ([`DecodeError::Truncated`]); a string, binary or
/// extension longer than the bytes left, or an array/map of `n` entries with fewer than
/// `n` (`2n`) bytes left ([`DecodeError::LengthPastEnd`]); more than `max_depth` nested
/// arrays and maps ([`DecodeError::TooDeep`]; the outermost container is level 1).
/// It does not count values; [`scan_with`] does, for payloads.
///
/// ```
/// use switchboard_protocol::{scan, DecodeError};
/// // {"a": [1, 2]} followed by a stray byte
/// let bytes = [0x81, 0xa1, b'a', 0x92, 0x01, 0x02, 0xff];
/// assert_eq!(scan(&bytes, 64), Ok(6));
/// assert_eq!(scan(&bytes, 1), Err(DecodeError::TooDeep { max: 1 }));
/// // a bin32 claiming 4 GiB in a 6-byte input
/// let forged = [0xc6, 0xff, 0xff, 0xff, 0xff, 0x00];
/// assert!(matches!(scan(&forged, 64), Err(DecodeError::LengthPastEnd { .. })));
/// ```
pub fn scan(bytes: &[u8], max_depth: usize) -> Result<usize, DecodeError> {
    walk(
        bytes,
        Bounds {
            max_depth,
            max_values: u64::MAX,
            max_map_entries: u64::MAX,
        },
    )
}

/// [`scan`] within all of a payload's limits: `max_depth`, and also at most
/// `max_elements` values in all ([`DecodeError::TooManyValues`]; every scalar, array and
/// map counts one, a map entry two, the outermost value included) and at most
/// `max_map_entries` entries in any one map ([`DecodeError::TooManyEntries`]). Both are
/// checked at each container's header, against the count it declares, so a payload over
/// a limit is refused before its body is walked.
///
/// ```
/// use switchboard_protocol::{scan_with, DecodeError, Limits};
/// let limits = Limits { max_elements: 3, ..Limits::default() };
/// assert_eq!(scan_with(&[0x92, 0xc0, 0xc0], &limits), Ok(3));
/// // an array of three nils is four values
/// assert_eq!(
///     scan_with(&[0x93, 0xc0, 0xc0, 0xc0], &limits),
///     Err(DecodeError::TooManyValues { max: 3 })
/// );
/// // a bin is one value, however long
/// assert_eq!(scan_with(&[0xc4, 0x03, 1, 2, 3], &limits), Ok(5));
/// ```
pub fn scan_with(bytes: &[u8], limits: &Limits) -> Result<usize, DecodeError> {
    walk(
        bytes,
        Bounds {
            max_depth: limits.max_depth,
            max_values: limits.max_elements as u64,
            max_map_entries: limits.max_map_entries as u64,
        },
    )
}

/// What [`walk`] refuses beyond the structure itself.
struct Bounds {
    max_depth: usize,
    max_values: u64,
    max_map_entries: u64,
}

fn walk(bytes: &[u8], bounds: Bounds) -> Result<usize, DecodeError> {
    let mut pos = 0usize;
    // Values known to be in the input: the outermost one, plus every value each container
    // read so far declares (the scan fails unless each is there).
    let mut counted = Counted { bounds, values: 1 };
    if counted.bounds.max_values == 0 {
        return Err(DecodeError::TooManyValues { max: 0 });
    }
    // Scalars, by far the most common values, need no stack.
    let values = match header(bytes, &mut pos)? {
        Header::Scalar { len } => return scalar_end(bytes, pos, len, 0),
        Header::Container { values, map } => {
            counted.container(bytes, pos, values, map, 0, 0)?;
            values
        }
    };
    if values == 0 {
        return Ok(pos);
    }
    // Values still to read in each open container, innermost last.
    let mut open = Levels::default();
    open.push(values);
    loop {
        let at = pos;
        match header(bytes, &mut pos)? {
            Header::Scalar { len } => pos = scalar_end(bytes, pos, len, at)?,
            Header::Container { values, map } => {
                counted.container(bytes, pos, values, map, open.len(), at)?;
                if values > 0 {
                    open.push(values);
                    continue;
                }
            }
        }
        // One value is complete: count it against the containers it closes.
        loop {
            match open.last_mut() {
                None => return Ok(pos),
                Some(left) => {
                    *left -= 1;
                    if *left > 0 {
                        break;
                    }
                    open.pop();
                }
            }
        }
    }
}

/// The end of a scalar whose body of `len` bytes starts at `pos`, if it fits.
#[inline]
fn scalar_end(bytes: &[u8], pos: usize, len: u64, at: usize) -> Result<usize, DecodeError> {
    let available = bytes.len() - pos;
    if len > available as u64 {
        return Err(DecodeError::LengthPastEnd {
            declared: len,
            available,
            at,
        });
    }
    Ok(pos + len as usize)
}

/// The bounds of one walk, and the values it has counted so far.
struct Counted {
    bounds: Bounds,
    values: u64,
}

impl Counted {
    /// Checks a container header: one more level allowed, at least one byte left per
    /// value, the map's entries and the running count of values within their limits.
    #[inline]
    fn container(
        &mut self,
        bytes: &[u8],
        pos: usize,
        values: u64,
        map: bool,
        depth: usize,
        at: usize,
    ) -> Result<(), DecodeError> {
        let bounds = &self.bounds;
        if depth >= bounds.max_depth {
            return Err(DecodeError::TooDeep {
                max: bounds.max_depth,
            });
        }
        let available = bytes.len() - pos;
        if values > available as u64 {
            return Err(DecodeError::LengthPastEnd {
                declared: values,
                available,
                at,
            });
        }
        if map && values / 2 > bounds.max_map_entries {
            return Err(DecodeError::TooManyEntries {
                entries: values / 2,
                max: usize::try_from(bounds.max_map_entries).unwrap_or(usize::MAX),
                at,
            });
        }
        // `values` is at most the input's length, so this cannot overflow
        self.values += values;
        if self.values > bounds.max_values {
            return Err(DecodeError::TooManyValues {
                max: usize::try_from(bounds.max_values).unwrap_or(usize::MAX),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_have_their_exact_length() {
        let cases: &[&[u8]] = &[
            &[0x00],
            &[0xc0],
            &[0xcc, 0xff],
            &[0xcf, 0, 0, 0, 0, 0, 0, 0, 1],
            &[0xa3, b'a', b'b', b'c'],
            &[0xc4, 0x02, 1, 2],
            &[0xcb, 0, 0, 0, 0, 0, 0, 0, 0],
            &[0xd4, 0x01, 0x02],
            &[0xc7, 0x02, 0x05, 1, 2],
        ];
        for case in cases {
            assert_eq!(scan(case, 4), Ok(case.len()), "{case:02x?}");
        }
    }

    #[test]
    fn nested_containers_are_walked_without_recursion() {
        // [[[]], {"a": [1]}, 3]
        let bytes = [0x93, 0x91, 0x90, 0x81, 0xa1, b'a', 0x91, 0x01, 0x03];
        assert_eq!(scan(&bytes, 3), Ok(bytes.len()));
        assert_eq!(scan(&bytes, 2), Err(DecodeError::TooDeep { max: 2 }));
    }

    #[test]
    fn ten_thousand_nested_arrays_stop_at_the_limit() {
        let mut bytes = vec![0x91; 10_000];
        bytes.push(0x01);
        assert_eq!(scan(&bytes, 64), Err(DecodeError::TooDeep { max: 64 }));
        assert_eq!(scan(&bytes, 20_000), Ok(bytes.len()));
    }

    #[test]
    fn reserved_byte_is_refused_where_it_stands() {
        assert_eq!(
            scan(&[0x92, 0x01, 0xc1], 4),
            Err(DecodeError::ReservedByte { at: 2 })
        );
    }

    #[test]
    fn forged_lengths_are_refused_before_reading() {
        let forged = [0xdd, 0xff, 0xff, 0xff, 0xff];
        assert_eq!(
            scan(&forged, 4),
            Err(DecodeError::LengthPastEnd {
                declared: u64::from(u32::MAX),
                available: 0,
                at: 0
            })
        );
        // a map of 2 entries needs 4 values; 3 bytes are left
        assert!(matches!(
            scan(&[0x82, 1, 2, 3], 4),
            Err(DecodeError::LengthPastEnd { declared: 4, .. })
        ));
    }

    #[test]
    fn cut_headers_are_truncated() {
        assert_eq!(scan(&[], 4), Err(DecodeError::Truncated { at: 0 }));
        assert_eq!(
            scan(&[0xcd, 0x01], 4),
            Err(DecodeError::LengthPastEnd {
                declared: 2,
                available: 1,
                at: 0
            })
        );
        assert_eq!(
            scan(&[0xdb, 0x00], 4),
            Err(DecodeError::Truncated { at: 0 })
        );
        assert_eq!(
            scan(&[0x92, 0x01, 0xdb], 4),
            Err(DecodeError::Truncated { at: 2 })
        );
    }

    fn limits(max_elements: usize, max_map_entries: usize) -> Limits {
        Limits {
            max_elements,
            max_map_entries,
            ..Limits::default()
        }
    }

    #[test]
    fn every_value_counts_once_and_a_map_entry_twice() {
        // {"a": [1, 2], "b": nil}: map, "a", array, 1, 2, "b", nil = 7 values
        let bytes = [0x82, 0xa1, b'a', 0x92, 0x01, 0x02, 0xa1, b'b', 0xc0];
        assert_eq!(scan_with(&bytes, &limits(7, 2)), Ok(bytes.len()));
        assert_eq!(
            scan_with(&bytes, &limits(6, 2)),
            Err(DecodeError::TooManyValues { max: 6 })
        );
        assert_eq!(scan_with(&[0x01], &limits(1, 0)), Ok(1));
        assert_eq!(
            scan_with(&[0x01], &limits(0, 0)),
            Err(DecodeError::TooManyValues { max: 0 })
        );
    }

    #[test]
    fn a_map_over_its_entry_limit_is_refused_at_its_header() {
        // [{"a": 1, "b": 2}] with at most one entry a map
        let bytes = [0x91, 0x82, 0xa1, b'a', 0x01, 0xa1, b'b', 0x02];
        assert_eq!(scan_with(&bytes, &limits(100, 2)), Ok(bytes.len()));
        assert_eq!(
            scan_with(&bytes, &limits(100, 1)),
            Err(DecodeError::TooManyEntries {
                entries: 2,
                max: 1,
                at: 1
            })
        );
        // arrays are not maps
        assert_eq!(scan_with(&[0x92, 1, 2], &limits(100, 0)), Ok(3));
    }

    #[test]
    fn the_value_count_is_refused_before_the_body_is_walked() {
        // an array32 of 2^20 nils: refused at its header, with the body still to read
        let mut bytes = vec![0xdd, 0x00, 0x10, 0x00, 0x00];
        bytes.resize(5 + (1 << 20), 0xc0);
        assert_eq!(
            scan_with(&bytes, &Limits::default()),
            Err(DecodeError::TooManyValues { max: 1 << 20 })
        );
        // one fewer fits: 2^20 - 1 nils and the array itself
        bytes[1..5].copy_from_slice(&((1u32 << 20) - 1).to_be_bytes());
        bytes.pop();
        assert_eq!(scan_with(&bytes, &Limits::default()), Ok(bytes.len()));
        // plain `scan` counts nothing
        assert_eq!(scan(&bytes, 1), Ok(bytes.len()));
    }

    #[test]
    fn a_bin_is_one_value_however_long() {
        let mut bytes = vec![0x91, 0xc6, 0x01, 0x00, 0x00, 0x00];
        bytes.resize(6 + (1 << 24), 0x2a);
        assert_eq!(scan_with(&bytes, &limits(2, 0)), Ok(bytes.len()));
    }

    #[test]
    fn trailing_bytes_are_left_to_the_caller() {
        assert_eq!(scan(&[0x01, 0x02, 0x03], 4), Ok(1));
    }
}
