//! {{product_name}}: the Rust side. Its commands and actors are the app's API; the page
//! reaches them through `frontend/bindings.ts`, generated from this code
//! (`switchboard bindings`).
#![forbid(unsafe_code)]

use serde::Serialize;
use switchboard::{AppBuilder, Type};
use switchboard_runtime_wry::config::AppConfig;

pub mod self_check;

/// `switchboard.toml`, read at build time (see build.rs): windows, capabilities, the
/// embedded frontend.
pub static CONFIG: AppConfig = switchboard_runtime_wry::config!();

/// Why `greet` refused: a union on `kind` in the generated TypeScript.
#[derive(Debug, Serialize, Type, thiserror::Error)]
#[serde(tag = "kind")]
pub enum GreetError {
    /// The name was empty.
    #[error("tell me your name first")]
    EmptyName,
}

/// Greet someone by name.
#[switchboard::command]
pub fn greet(name: String) -> Result<String, GreetError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(GreetError::EmptyName);
    }
    Ok(format!("Hello, {name}! Greetings from Rust."))
}

/// A counter that lives in Rust: an actor owns its state, and each call is a message.
#[derive(Debug, Default, Clone)]
pub struct Counter {
    value: i64,
}

#[switchboard::actor]
impl Counter {
    /// Add `by` and answer the new value.
    fn add(&mut self, by: i64) -> i64 {
        self.value += by;
        self.value
    }

    /// The current value.
    fn value(&self) -> i64 {
        self.value
    }
}

/// The app's API on any builder: the real app's (main.rs) or a headless one in tests.
pub fn api(builder: AppBuilder) -> AppBuilder {
    builder
        .commands(switchboard::commands![greet, self_check::self_check])
        .actor("counter", Counter::default())
}
