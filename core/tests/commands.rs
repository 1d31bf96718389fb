//! Commands and actors through the public API and the in-process client.

use serde::{Deserialize, Serialize};
use switchboard::protocol::ErrorCode;
use switchboard::{args, commands, App, AppHandle, Caller, Capability, State, Window};

#[derive(Default)]
struct Greeter {
    greeting: String,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, thiserror::Error)]
enum GreetError {
    #[error("the name is empty")]
    Empty,
    #[error("`{0}` is not welcome")]
    Banned(String),
}

/// Greets someone.
#[switchboard::command]
async fn greet(name: String, greeter: State<Greeter>) -> Result<String, GreetError> {
    match name.as_str() {
        "" => Err(GreetError::Empty),
        "mallory" => Err(GreetError::Banned(name)),
        _ => Ok(format!("{}, {name}", greeter.greeting)),
    }
}

#[switchboard::command]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

#[switchboard::command]
fn whoami(caller: Caller, window: Window, _app: AppHandle) -> (String, String, String) {
    (
        caller.window.to_string(),
        caller.origin,
        window.label().to_string(),
    )
}

#[switchboard::command]
fn optional(n: Option<u32>) -> u32 {
    n.unwrap_or(42)
}

#[derive(Default, Clone)]
struct Counter {
    total: i64,
}

#[switchboard::actor]
impl Counter {
    /// Add `n` to the total.
    async fn add(&mut self, n: i64) -> i64 {
        self.total += n;
        self.total
    }

    fn get(&self) -> i64 {
        self.total
    }

    #[switchboard(skip)]
    #[allow(dead_code)]
    fn reset(&mut self) {
        self.total = 0;
    }
}

fn app() -> App {
    App::builder()
        .manage(Greeter {
            greeting: "hello".into(),
        })
        .commands(commands![greet, add, whoami, optional])
        .actor("counter", Counter::default())
        .capability(Capability::new("main-window").windows(["main"]).allow([
            "cmd:*",
            "counter.*",
            "nobody.*",
        ]))
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_issue_example_works_through_the_test_client() {
    let app = App::builder()
        .manage(Greeter {
            greeting: "hi".into(),
        })
        .commands(commands![greet])
        .actor("counter", Counter::default())
        .capability(
            Capability::new("main-window")
                .windows(["main"])
                .allow(["cmd:greet", "counter.*"]),
        )
        .build()
        .unwrap();
    let client = app.test_client("main");
    let hi: String = client
        .invoke("cmd:greet", "", &args! { name: "ada" })
        .await
        .unwrap();
    assert_eq!(hi, "hi, ada");
    let total: i64 = client
        .invoke("counter", "add", &args! { n: 2 })
        .await
        .unwrap();
    assert_eq!(total, 2);
    let total: i64 = client
        .invoke("counter", "add", &args! { n: 40 })
        .await
        .unwrap();
    assert_eq!(total, 42);
    let total: i64 = client.invoke("counter", "get", &args! {}).await.unwrap();
    assert_eq!(total, 42);
}

#[tokio::test]
async fn arguments_are_decoded_by_name_whatever_their_order() {
    #[derive(Serialize)]
    struct Reversed {
        b: i64,
        a: i64,
    }
    let client = app().test_client("main");
    let sum: i64 = client
        .invoke("cmd:add", "", &Reversed { b: 10, a: 3 })
        .await
        .unwrap();
    assert_eq!(sum, 13);
}

#[tokio::test]
async fn application_error_is_typed_and_matchable() {
    let client = app().test_client("main");
    let err = client
        .invoke::<String>("cmd:greet", "", &args! { name: "mallory" })
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::App);
    assert_eq!(err.message(), "`mallory` is not welcome");
    assert_eq!(
        err.data::<GreetError>(),
        Some(GreetError::Banned("mallory".into()))
    );
}

#[tokio::test]
async fn injected_arguments_come_from_the_runtime_not_the_payload() {
    let client = app().test_client("main");
    let (window, origin, label): (String, String, String) = client
        .invoke(
            "cmd:whoami",
            "",
            &args! { caller: "forged", window: "other" },
        )
        .await
        .unwrap();
    assert_eq!(window, "main");
    assert_eq!(origin, "app://localhost");
    assert_eq!(label, "main");
}

#[tokio::test]
async fn optional_argument_may_be_left_out() {
    let client = app().test_client("main");
    let n: u32 = client.invoke("cmd:optional", "", &args! {}).await.unwrap();
    assert_eq!(n, 42);
    let n: u32 = client
        .invoke("cmd:optional", "", &args! { n: 7 })
        .await
        .unwrap();
    assert_eq!(n, 7);
}

#[tokio::test]
async fn unknown_target_method_and_bad_payload_are_distinct_errors() {
    let client = app().test_client("main");
    let e = client
        .invoke::<()>("cmd:nope", "", &args! {})
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::UnknownTarget);
    let e = client
        .invoke::<()>("nobody", "x", &args! {})
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::UnknownTarget);
    let e = client
        .invoke::<()>("counter", "explode", &args! {})
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::UnknownMethod);
    assert!(e.message().contains("explode"), "{}", e.message());
    // skipped helpers are not on the bus
    let e = client
        .invoke::<()>("counter", "reset", &args! {})
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::UnknownMethod);
    let e = client
        .invoke::<i64>("cmd:add", "", &args! { a: 1, b: "two" })
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::BadPayload);
    assert!(e.message().contains("argument `b`"), "{}", e.message());
    let e = client
        .invoke::<i64>("cmd:add", "", &args! { a: 1 })
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::BadPayload);
    assert_eq!(e.message(), "missing argument `b`");
    let e = client
        .invoke::<i64>("cmd:add", "", &[1, 2])
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::BadPayload);
}

#[tokio::test]
async fn metadata_is_kept_for_bindings() {
    let app = app();
    let greet = app.commands().iter().find(|c| c.name == "greet").unwrap();
    assert_eq!(greet.docs, "Greets someone.");
    assert_eq!(greet.returns, "Result<String, GreetError>");
    assert_eq!(greet.args.len(), 2);
    assert!(greet.args[0].from_payload);
    assert_eq!(greet.args[0].name, "name");
    assert!(!greet.args[1].from_payload);
    let mut types = switchboard::specta::TypeCollection::default();
    assert!((greet.ok)(&mut types).is_some(), "String has a specta type");
    let error = greet.error.expect("greet returns a Result");
    assert!(
        error(&mut types).is_none(),
        "GreetError does not derive specta::Type"
    );
    assert!((greet.args[0].datatype)(&mut types).is_some());
    assert!(!greet.stream);
    let actors = app.actors();
    assert_eq!(actors[0].0.to_string(), "counter");
    let names: Vec<_> = actors[0].1.iter().map(|m| m.name).collect();
    assert_eq!(names, ["add", "get"]);
    assert_eq!(actors[0].1[0].docs, "Add `n` to the total.");
}

#[test]
fn duplicate_addresses_are_refused_at_build() {
    let err = App::builder()
        .actor("counter", Counter::default())
        .actor("counter", Counter::default())
        .build()
        .unwrap_err();
    assert_eq!(err.to_string(), "address `counter` is registered twice");
}

#[derive(Default, Clone)]
struct Exclusive {
    inside: bool,
    calls: u32,
}

#[switchboard::actor]
impl Exclusive {
    async fn enter(&mut self) -> u32 {
        assert!(!self.inside, "two calls ran on the actor at once");
        self.inside = true;
        // the thing under test, not a synchronization: the handler gives way mid-call, so
        // a second call would run now if the actor let two in at once
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_micros(50)).await;
        self.inside = false;
        self.calls += 1;
        self.calls
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_actor_runs_one_call_at_a_time_whichever_task_runs_it() {
    let app = App::builder()
        .actor("ex", Exclusive::default())
        .capability(Capability::new("all").windows(["main"]).allow(["ex.*"]))
        .build()
        .unwrap();
    let client = app.test_client("main");
    let calls = (0..200).map(|_| {
        let c = client.clone();
        tokio::spawn(async move { c.invoke::<u32>("ex", "enter", &args! {}).await })
    });
    let mut answers: Vec<u32> = Vec::new();
    for call in calls.collect::<Vec<_>>() {
        answers.push(call.await.unwrap().unwrap());
    }
    answers.sort();
    assert_eq!(answers, (1..=200).collect::<Vec<_>>());
    assert_eq!(app.restarts("ex"), Some(0));
}
