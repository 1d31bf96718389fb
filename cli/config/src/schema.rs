//! The JSON Schema of `switchboard.toml`, generated from the Rust types.

use crate::model::Config;

/// The schema as pretty-printed JSON (what `cli/switchboard.schema.json` holds).
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(Config);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
