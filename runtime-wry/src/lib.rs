//! # switchboard-runtime-wry
//!
//! The desktop runtime of Switchboard: a tao event loop, wry webviews, and the bridge that
//! carries the page's frames into the bus and back.
#![warn(missing_docs, unreachable_pub)]
