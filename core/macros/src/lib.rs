//! Procedural macros for Switchboard. Use them through the `switchboard` crate.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
