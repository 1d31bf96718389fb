//! A panic's text may hold paths, values or internals: the page gets a generic
//! `actor_failed`, the app's log gets the text. Alone in its test binary, because it
//! installs the global `tracing` subscriber (a thread-scoped one can miss events whose
//! callsites another test's thread registered first).

use std::sync::{Arc, Mutex};

use switchboard::protocol::ErrorCode;
use switchboard::{args, commands, App, Capability};

#[switchboard::command]
fn boom() -> u32 {
    panic!("cannot open /home/ada/secret.db")
}

#[derive(Clone, Default)]
struct Fragile;

#[switchboard::actor]
impl Fragile {
    fn explode(&mut self) -> u32 {
        panic!("token sk-123 rejected")
    }
}

/// Everything `tracing` logs, as text.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Log {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn panic_messages_go_to_the_log_never_to_the_page() {
    let log = Log::default();
    let writer = log.clone();
    tracing::subscriber::set_global_default(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::WARN)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish(),
    )
    .unwrap();
    let app = App::builder()
        .commands(commands![boom])
        .actor("fragile", Fragile)
        .capability(Capability::new("all").windows(["main"]).allow(["*"]))
        .build()
        .unwrap();
    let client = app.test_client("main");

    let e = client
        .invoke::<u32>("fragile", "explode", &args! {})
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::ActorFailed);
    assert!(!e.message().contains("sk-123"), "{}", e.message());
    assert!(e.message().contains("`fragile` failed"), "{}", e.message());

    let e = client
        .invoke::<u32>("cmd:boom", "", &args! {})
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::ActorFailed);
    assert!(!e.message().contains("secret.db"), "{}", e.message());
    assert!(e.message().contains("`cmd:boom` failed"), "{}", e.message());

    let logged = String::from_utf8_lossy(&log.0.lock().unwrap()).into_owned();
    assert!(
        logged.contains("token sk-123 rejected")
            && logged.contains("cannot open /home/ada/secret.db"),
        "{logged}"
    );
}
