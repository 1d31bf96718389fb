//! Started with `SWITCHBOARD_SELF_CHECK=1`, the page greets by itself, shows the reply and
//! reports what it shows; the app prints `self-check: <report>` on stdout. `switchboard`'s
//! own tests start apps this way. Delete this file, its command in lib.rs and its
//! permission in capabilities/main.toml when you no longer want it.

/// The environment variable that turns the check on.
pub const SELF_CHECK_ENV: &str = "SWITCHBOARD_SELF_CHECK";

/// Whether the page should check itself; with a `report`, print it.
#[switchboard::command]
pub fn self_check(report: Option<String>) -> bool {
    let on = std::env::var(SELF_CHECK_ENV).is_ok_and(|v| v == "1");
    if let (true, Some(report)) = (on, report) {
        println!("self-check: {report}");
    }
    on
}
