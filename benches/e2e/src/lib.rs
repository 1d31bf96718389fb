//! Shared pieces of the end-to-end benchmark: the result line both bench apps print, and the
//! size of one pushed event on the floor.
//!
//! The benchmark itself is `cargo xtask bench` (see `benches/e2e/README.md`): the `harness`
//! binary runs the `floor` app (bare wry) and the `switchboard` app alternately and prints each
//! figure with its ratio to the floor.

/// Bytes of one event record the floor pushes (a last-event flag and a sequence number).
pub const EVENT_BYTES: usize = 16;

/// Print one figure as the harness reads it: `RESULT {"workload":..,"figure":..,"unit":..,"better":..}`.
pub fn print_result(workload: &str, figure: f64, unit: &str, better: &str) {
    println!(
        "RESULT {}",
        serde_json::json!({ "workload": workload, "figure": figure, "unit": unit, "better": better })
    );
}
