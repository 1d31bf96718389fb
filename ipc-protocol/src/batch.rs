//! Batches (PROTOCOL.md §7): one delivery carrying many frames, as a MessagePack array
//! whose elements are `bin`s each holding one encoded frame.

use bytes::Bytes;

use crate::codec::{put_array, put_bin, DecodeError};
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
