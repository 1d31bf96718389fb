//! Benchmarks of Switchboard live in `benches/` targets of this crate.
