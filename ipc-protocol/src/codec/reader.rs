//! A bounds-checked cursor over MessagePack input, reading one header or value at a time.

use super::error::DecodeError;

/// A cursor over the input. Every read is bounds-checked; none panics.
pub(super) struct Reader<'a> {
    pub(super) buf: &'a [u8],
    pub(super) pos: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let at = self.pos;
        let end = at.checked_add(n).ok_or(DecodeError::Truncated { at })?;
        let out = self.buf.get(at..end).ok_or(DecodeError::Truncated { at })?;
        self.pos = end;
        Ok(out)
    }

    pub(super) fn be(&mut self, n: usize) -> Result<u64, DecodeError> {
        Ok(self
            .take(n)?
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }

    /// The bytes left after the cursor: an upper bound on the values that can follow.
    pub(super) fn left(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    pub(super) fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    /// A string's bytes, or `None` (nothing consumed) if the value is not a string.
    pub(super) fn str_bytes(&mut self) -> Result<Option<&'a [u8]>, DecodeError> {
        let at = self.pos;
        let len = match self.peek() {
            Some(m @ 0xa0..=0xbf) => {
                self.pos += 1;
                usize::from(m & 0x1f)
            }
            Some(0xd9) => {
                self.pos += 1;
                self.be(1)? as usize
            }
            Some(0xda) => {
                self.pos += 1;
                self.be(2)? as usize
            }
            Some(0xdb) => {
                self.pos += 1;
                self.be(4)? as usize
            }
            _ => return Ok(None),
        };
        self.body(len, at).map(Some)
    }

    /// The `len` bytes of a string or binary whose header started at `at`.
    pub(super) fn body(&mut self, len: usize, at: usize) -> Result<&'a [u8], DecodeError> {
        let available = self.buf.len().saturating_sub(self.pos);
        if len > available {
            return Err(DecodeError::LengthPastEnd {
                declared: len as u64,
                available,
                at,
            });
        }
        self.take(len)
    }

    /// A binary's span, or `None` (nothing consumed) if the value is not a binary.
    pub(super) fn bin_span(&mut self) -> Result<Option<(usize, usize)>, DecodeError> {
        let len = match self.peek() {
            Some(0xc4) => 1,
            Some(0xc5) => 2,
            Some(0xc6) => 4,
            _ => return Ok(None),
        };
        let at = self.pos;
        self.pos += 1;
        let len = self.be(len)? as usize;
        let start = self.pos;
        self.body(len, at)?;
        Ok(Some((start, self.pos)))
    }

    /// An integer of any format as `i128`, or `None` (nothing consumed) if not an integer.
    pub(super) fn int(&mut self) -> Result<Option<i128>, DecodeError> {
        let Some(m) = self.peek() else {
            return Ok(None);
        };
        let value = match m {
            0x00..=0x7f => {
                self.pos += 1;
                i128::from(m)
            }
            0xe0..=0xff => {
                self.pos += 1;
                i128::from(m as i8)
            }
            0xcc..=0xcf => {
                self.pos += 1;
                i128::from(self.be(1 << (m - 0xcc))?)
            }
            0xd0..=0xd3 => {
                self.pos += 1;
                let n = 1usize << (m - 0xd0);
                let raw = self.be(n)?;
                // sign-extend from n bytes
                let shift = 64 - 8 * n as u32;
                i128::from(((raw << shift) as i64) >> shift)
            }
            _ => return Ok(None),
        };
        Ok(Some(value))
    }

    /// The entry count of a map header, or `None` (nothing consumed) if not a map.
    pub(super) fn map_len(&mut self) -> Result<Option<usize>, DecodeError> {
        let n = match self.peek() {
            Some(m @ 0x80..=0x8f) => {
                self.pos += 1;
                usize::from(m & 0x0f)
            }
            Some(0xde) => {
                self.pos += 1;
                self.be(2)? as usize
            }
            Some(0xdf) => {
                self.pos += 1;
                self.be(4)? as usize
            }
            _ => return Ok(None),
        };
        Ok(Some(n))
    }

    /// The entry count of an array header, or `None` (nothing consumed) if not an array.
    pub(super) fn array_len(&mut self) -> Result<Option<usize>, DecodeError> {
        let n = match self.peek() {
            Some(m @ 0x90..=0x9f) => {
                self.pos += 1;
                usize::from(m & 0x0f)
            }
            Some(0xdc) => {
                self.pos += 1;
                self.be(2)? as usize
            }
            Some(0xdd) => {
                self.pos += 1;
                self.be(4)? as usize
            }
            _ => return Ok(None),
        };
        Ok(Some(n))
    }
}
