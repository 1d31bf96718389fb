//! The limits a decoder enforces before it allocates anything sized by its input (PROTOCOL.md §5).

use crate::address::{MAX_NAME_LEN, MAX_TOPIC_LEN};

/// Largest frame (and batch, and payload) by default: 64 MiB.
pub const DEFAULT_MAX_FRAME: usize = 64 * 1024 * 1024;
/// Deepest nesting of arrays and maps by default.
pub const DEFAULT_MAX_DEPTH: usize = 64;
/// Most entries in a `versions` array by default.
pub const DEFAULT_MAX_VERSIONS: usize = 16;

/// The limits the codec checks while decoding a frame or a payload.
///
/// The defaults are PROTOCOL.md §5's; a host may lower or raise them and announces
/// `max_frame` and `max_depth` in its `welcome` frame. Raising `max_depth` far beyond
/// the default is unwise: typed payload decoding (serde) recurses once per level.
///
/// ```
/// use switchboard_protocol::Limits;
/// let limits = Limits::default();
/// assert_eq!(limits.max_frame, 64 * 1024 * 1024);
/// assert_eq!(limits.max_depth, 64);
/// let tight = Limits { max_frame: 4096, ..Limits::default() };
/// assert_eq!(tight.max_name, 64);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limits {
    /// Longest frame, batch or payload in bytes; longer input is `too_large`.
    pub max_frame: usize,
    /// Deepest nesting of arrays and maps (a frame's own map counts as one level).
    pub max_depth: usize,
    /// Longest name (address names, methods) in bytes; at most 64 is meaningful.
    pub max_name: usize,
    /// Longest topic in bytes; at most 128 is meaningful.
    pub max_topic: usize,
    /// Most entries in a `versions` array.
    pub max_versions: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_frame: DEFAULT_MAX_FRAME,
            max_depth: DEFAULT_MAX_DEPTH,
            max_name: MAX_NAME_LEN,
            max_topic: MAX_TOPIC_LEN,
            max_versions: DEFAULT_MAX_VERSIONS,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_protocol_defaults() {
        let l = Limits::default();
        assert_eq!(l.max_frame, 67_108_864);
        assert_eq!(l.max_depth, 64);
        assert_eq!(l.max_name, 64);
        assert_eq!(l.max_topic, 128);
        assert_eq!(l.max_versions, 16);
    }
}
