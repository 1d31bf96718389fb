//! Checks `switchboard.toml` and the capability files and writes them as Rust for
//! `switchboard_runtime_wry::config!()`: a mistake fails the build with
//! `switchboard.toml:<line>:<column>`, and the binary carries no TOML parser.
fn main() {
    switchboard_config::build();
}
