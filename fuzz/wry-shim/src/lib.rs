//! Stands in for `wry` when the fuzz targets compile `runtime-wry/src/origin.rs` on its own:
//! that file takes only `wry::http`, which is wry's re-export of the `http` crate (the same
//! version, 1.x, that wry 0.57 uses). Building wry itself would bring tao, GTK and WebKitGTK
//! into every fuzz build, instrumented.
pub use http;
