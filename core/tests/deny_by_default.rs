//! Deny by default, checked against everything an app registers: with no capability, a
//! window can call no command, no actor method, no window method, listen to no topic and
//! emit on none (issue #14's capability suite, first part).

use std::time::Duration;

use switchboard::protocol::ErrorCode;
use switchboard::{args, App, Capability, WindowSpec};

/// Greets.
#[switchboard::command]
fn greet(name: String) -> String {
    format!("hi {name}")
}

/// Counts.
#[switchboard::command]
async fn count() -> u32 {
    1
}

#[derive(Clone, Default)]
struct Counter {
    total: i64,
}

#[switchboard::actor]
impl Counter {
    fn add(&mut self, n: i64) -> i64 {
        self.total += n;
        self.total
    }
    fn get(&self) -> i64 {
        self.total
    }
}

#[derive(serde::Serialize, serde::Deserialize, switchboard::Type)]
struct Tick {
    n: u32,
}

fn app(capabilities: Vec<Capability>) -> App {
    let mut builder = App::builder()
        .commands(switchboard::commands![greet, count])
        .actor("counter", Counter::default())
        .event::<Tick>("clock/tick")
        .window(WindowSpec::new("main"))
        .window(WindowSpec::new("other"));
    for capability in capabilities {
        builder = builder.capability(capability);
    }
    builder.build().unwrap()
}

/// Every address and method the app registered, as `(address, method)`.
fn everything(app: &App) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = app
        .commands()
        .iter()
        .map(|c| (format!("cmd:{}", c.name), String::new()))
        .collect();
    for (address, methods) in app.actors() {
        for method in methods {
            all.push((address.to_string(), method.name.to_owned()));
        }
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_without_capabilities_denies_everything_it_registered() {
    tokio::time::timeout(Duration::from_secs(30), async {
        let app = app(Vec::new());
        let all = everything(&app);
        // commands, the actor's methods and both windows' setters and getters
        assert!(all.iter().any(|(a, _)| a == "cmd:greet"));
        assert!(all.iter().any(|(a, m)| a == "counter" && m == "add"));
        assert!(all
            .iter()
            .any(|(a, m)| a == "window:main" && m == "set_title"));
        assert!(all.iter().any(|(a, m)| a == "window:other" && m == "state"));
        let client = app.test_client("main");
        for (address, method) in &all {
            let e = client
                .invoke::<serde_json::Value>(address, method, &args! {})
                .await
                .expect_err(&format!("{address}.{method} answered without a grant"));
            assert_eq!(e.code(), ErrorCode::Forbidden, "{address}.{method}: {e}");
        }
        let mut topics: Vec<String> = app
            .event_types()
            .iter()
            .map(|t| t.topic().to_owned())
            .collect();
        topics.extend(["window/main/resized".into(), "actor/counter/stopped".into()]);
        for topic in &topics {
            let e = client.subscribe(topic).await.expect_err(topic);
            assert_eq!(e.code(), ErrorCode::Forbidden, "listen {topic}: {e}");
            let e = client.emit(topic, &()).await.expect_err(topic);
            assert_eq!(e.code(), ErrorCode::Forbidden, "emit {topic}: {e}");
        }
        assert_eq!(
            app.handle()
                .call::<i64>("counter", "get", &())
                .await
                .unwrap(),
            0,
            "no call ran"
        );
    })
    .await
    .expect("the test timed out")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grant_for_one_window_gives_another_nothing() {
    tokio::time::timeout(Duration::from_secs(30), async {
        let app = app(vec![Capability::new("main").windows(["main"]).allow(["*"])]);
        let all = everything(&app);
        let main = app.test_client("main");
        let other = app.test_client("other");
        main.invoke::<String>("cmd:greet", "", &args! { name: "a" })
            .await
            .unwrap();
        for (address, method) in &all {
            let e = other
                .invoke::<serde_json::Value>(address, method, &args! {})
                .await
                .expect_err(&format!(
                    "{address}.{method} answered `other` with `main`'s grant"
                ));
            assert_eq!(e.code(), ErrorCode::Forbidden, "{address}.{method}: {e}");
        }
        let e = other.subscribe("clock/tick").await.unwrap_err();
        assert_eq!(e.code(), ErrorCode::Forbidden);
    })
    .await
    .expect("the test timed out")
}
