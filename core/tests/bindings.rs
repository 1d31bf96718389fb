//! The generated TypeScript: what a frontend developer will read and compile against.
#![cfg(feature = "bindings")]

use serde::{Deserialize, Serialize};
use switchboard::bindings::Bindings;
use switchboard::{App, Stream, Type};

/// A point on the plane.
#[derive(Serialize, Deserialize, Type)]
struct Point {
    x: f64,
    y: f64,
}

/// Why a lookup failed.
#[derive(Debug, Serialize, Type, thiserror::Error)]
#[serde(tag = "kind")]
enum LookupError {
    #[error("no such key")]
    Missing,
    #[error("key too long")]
    TooLong { max: u32 },
}

/// Look a key up.
///
/// Second line of the docs.
#[switchboard::command]
fn lookup(key: String, big_id: u64) -> Result<Point, LookupError> {
    match key.len() {
        0..=16 if big_id == 0 => Ok(Point { x: 0.0, y: 0.0 }),
        0..=16 => Err(LookupError::Missing),
        _ => Err(LookupError::TooLong { max: 16 }),
    }
}

/// Count to `to`.
#[switchboard::command]
fn count(to: u32) -> Stream<u32> {
    Stream::new(futures::stream::iter(0..to))
}

/// Echo bytes.
#[switchboard::command]
fn echo_bytes(data: serde_bytes::ByteBuf) -> serde_bytes::ByteBuf {
    data
}

#[derive(Default, Clone)]
struct Counter {
    total: i64,
}

#[switchboard::actor]
impl Counter {
    /// Add `n` and return the total.
    async fn add(&mut self, n: i64) -> i64 {
        self.total += n;
        self.total
    }
}

fn bindings() -> String {
    let app = App::builder()
        .commands(switchboard::commands![lookup, count, echo_bytes])
        .actor("counter", Counter::default())
        .build()
        .unwrap();
    Bindings::new(&app)
        .event::<Point>("pointer/moved")
        .typescript()
        .unwrap()
}

#[test]
fn commands_are_typed_camel_case_functions_with_docs() {
    let ts = bindings();
    assert!(
        ts.contains("lookup(key: string, bigId: number, options?: InvokeOptions): Promise<Point>"),
        "{ts}"
    );
    // the payload keeps the Rust argument names
    assert!(
        ts.contains(r#"invoke<Point>("cmd:lookup", { key, big_id: bigId }, options)"#),
        "{ts}"
    );
    assert!(
        ts.contains("* Look a key up.") && ts.contains("* Second line of the docs."),
        "{ts}"
    );
}

#[test]
fn error_enums_become_discriminated_unions_with_a_guard() {
    let ts = bindings();
    assert!(
        ts.contains(
            r#"export type LookupError = { kind: "Missing" } | { kind: "TooLong"; max: number }"#
        ),
        "{ts}"
    );
    assert!(
        ts.contains(
            r#"lookup: (e: unknown): e is SwitchboardError & { code: "app"; data: LookupError }"#
        ),
        "{ts}"
    );
}

#[test]
fn streams_bytes_actors_and_events_have_their_own_shapes() {
    let ts = bindings();
    assert!(
        ts.contains(
            "count(to: number, options?: StreamOptions): AsyncGenerator<number, void, undefined>"
        ),
        "{ts}"
    );
    assert!(
        ts.contains("echoBytes(data: Uint8Array, options?: InvokeOptions): Promise<Uint8Array>"),
        "{ts}"
    );
    assert!(
        ts.contains(r#"return invoke<number>("counter.add", { n }, options);"#),
        "{ts}"
    );
    assert!(
        ts.contains(r#"listen: (cb: Listener<Point>): Promise<Unlisten> => listen<Point>("pointer/moved", cb)"#),
        "{ts}"
    );
}

#[test]
fn windows_are_typed_objects_with_setters_and_getters() {
    let app = App::builder()
        .window(switchboard::WindowSpec::new("main"))
        .build()
        .unwrap();
    let ts = Bindings::new(&app).typescript().unwrap();
    let windows = &ts[ts.find("export const windows = {").expect(&ts)..];
    let windows = &windows[..windows.find("\n};").unwrap()];
    assert!(windows.contains("  main: {"), "{windows}");
    assert!(
        windows.contains(r#"setTitle(title: string, options?: InvokeOptions): Promise<null> {"#),
        "{windows}"
    );
    assert!(
        windows.contains(r#"return invoke<null>("window:main.set_title", { title }, options);"#),
        "{windows}"
    );
    assert!(
        windows.contains("size(options?: InvokeOptions): Promise<Size>"),
        "{windows}"
    );
    assert!(
        windows.contains("state(options?: InvokeOptions): Promise<WindowState>"),
        "{windows}"
    );
    assert!(ts.contains("export type WindowState = {"), "{ts}");
    // windows are not among the app's own actors
    let actors = &ts[ts.find("export const actors = {").unwrap()..];
    assert!(
        !actors[..actors.find("\n};").unwrap()].contains("window:"),
        "{actors}"
    );
}
