//! The limits a decoder enforces before it allocates anything sized by its input (PROTOCOL.md §5).

use crate::address::{MAX_NAME_LEN, MAX_TOPIC_LEN};

/// Largest frame (and batch, and payload) by default: 64 MiB.
pub const DEFAULT_MAX_FRAME: usize = 64 * 1024 * 1024;
/// Deepest nesting of arrays and maps by default.
pub const DEFAULT_MAX_DEPTH: usize = 64;
/// Most entries in a `versions` array by default.
pub const DEFAULT_MAX_VERSIONS: usize = 16;
/// Most values in one payload by default: 2^20 (1,048,576).
pub const DEFAULT_MAX_ELEMENTS: usize = 1 << 20;
/// Most entries in one map of a payload by default: 65,536.
pub const DEFAULT_MAX_MAP_ENTRIES: usize = 1 << 16;
/// Most entries in a `welcome` frame's `grants` by default.
pub const DEFAULT_MAX_GRANTS: usize = 1024;
/// Most unknown keys in one map of a frame (its own, `err`, `limits`) by default.
pub const DEFAULT_MAX_UNKNOWN_KEYS: usize = 64;

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
/// assert_eq!(tight.max_elements, 1 << 20);
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
    /// Most values in one payload, counted by the structural scan before serde sees it:
    /// every scalar, array and map is one, a map entry is two (key and value), the
    /// outermost value included. A `bin` of any length is one. This bounds what decoding a
    /// payload into a handler's types can allocate beyond the payload's own bytes
    /// (PROTOCOL.md §5): below 256 bytes a value into `serde_json::Value` (48 for `nil`s,
    /// about 230 for one-entry maps), so 256 MiB at the default.
    pub max_elements: usize,
    /// Most entries in any one map of a payload (the argument map included).
    pub max_map_entries: usize,
    /// Most entries in a `welcome` frame's `grants`.
    pub max_grants: usize,
    /// Most unknown keys in one map of a frame (the frame's own, `err`, `limits`); each is
    /// remembered until the map ends, to refuse it twice.
    pub max_unknown_keys: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_frame: DEFAULT_MAX_FRAME,
            max_depth: DEFAULT_MAX_DEPTH,
            max_name: MAX_NAME_LEN,
            max_topic: MAX_TOPIC_LEN,
            max_versions: DEFAULT_MAX_VERSIONS,
            max_elements: DEFAULT_MAX_ELEMENTS,
            max_map_entries: DEFAULT_MAX_MAP_ENTRIES,
            max_grants: DEFAULT_MAX_GRANTS,
            max_unknown_keys: DEFAULT_MAX_UNKNOWN_KEYS,
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
        assert_eq!(l.max_elements, 1_048_576);
        assert_eq!(l.max_map_entries, 65_536);
        assert_eq!(l.max_grants, 1_024);
        assert_eq!(l.max_unknown_keys, 64);
    }
}
