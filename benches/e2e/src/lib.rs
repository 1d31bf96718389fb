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

/// When the host saw each ping of a page's sequential loop: consecutive arrivals are one
/// whole round trip apart (the page sends the next call when the last answer is in), timed
/// here with the host's clock (the page's `performance.now()` is ~1 ms coarse).
#[derive(Default)]
pub struct HostPings {
    arrivals: std::sync::Mutex<Vec<std::time::Instant>>,
}

/// Calls of the page's sequential ping loop (`page/bench.js`).
pub const PING_CALLS: usize = 2000;

impl HostPings {
    /// No arrivals yet (for a `static`).
    pub const fn new() -> Self {
        Self {
            arrivals: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// A ping reached the host.
    pub fn arrived(&self) {
        if let Ok(mut a) = self.arrivals.lock() {
            a.push(std::time::Instant::now());
        }
    }

    /// The page reported `result` (its JSON): after a sequential ping loop (`ping`,
    /// `ping_reply`), print that loop's p50 and p99 round trip (`<workload>_p50`/`_p99`, µs)
    /// from the last [`PING_CALLS`] arrivals, then forget them.
    pub fn report(&self, result: &str) {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(result) else {
            return;
        };
        let Some(workload) = v["workload"].as_str() else {
            return;
        };
        let Ok(mut arrivals) = self.arrivals.lock() else {
            return;
        };
        if workload.starts_with("ping") && !workload.starts_with("ping_concurrent") {
            let from = arrivals.len().saturating_sub(PING_CALLS);
            let mut gaps: Vec<f64> = arrivals[from..]
                .windows(2)
                .map(|w| (w[1] - w[0]).as_secs_f64() * 1e6)
                .collect();
            if gaps.len() >= 100 {
                gaps.sort_by(f64::total_cmp);
                let at = |q: f64| gaps[((gaps.len() - 1) as f64 * q).round() as usize];
                print_result(&format!("{workload}_p50"), at(0.5), "us/call", "lower");
                print_result(&format!("{workload}_p99"), at(0.99), "us/call", "lower");
            }
        }
        arrivals.clear();
    }
}
