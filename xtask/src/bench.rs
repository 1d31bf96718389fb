//! `cargo xtask bench`: the micro-benchmarks, each printing its ratio to a baseline measured in
//! the same run.

use crate::run::{cargo, status};

pub(crate) fn run() -> Result<(), String> {
    status(&mut cargo(&["bench", "-p", "switchboard-benches"]))
}
