//! The app's API through the in-process client: the same capabilities as the real windows
//! (from switchboard.toml and capabilities/), no window, no display.

use switchboard::{args, App};
use {{crate_name}}::{api, CONFIG};

fn app() -> App {
    api(CONFIG.apply(App::builder())).build().expect("the app builds")
}

#[tokio::test]
async fn the_main_window_is_greeted() {
    let app = app();
    let main = app.test_client("main");
    let reply: String = main
        .invoke("cmd:greet", "", &args! { name: "Ada" })
        .await
        .expect("greet answers");
    assert_eq!(reply, "Hello, Ada! Greetings from Rust.");
}

#[tokio::test]
async fn an_empty_name_is_a_typed_error() {
    let app = app();
    let main = app.test_client("main");
    let error = main
        .invoke::<String>("cmd:greet", "", &args! { name: " " })
        .await
        .expect_err("an empty name is refused");
    let data: serde_json::Value = error.data().expect("typed error data");
    assert_eq!(data["kind"], "EmptyName");
}

#[tokio::test]
async fn the_counter_actor_keeps_its_state() {
    let app = app();
    let main = app.test_client("main");
    let _: i64 = main.invoke("counter", "add", &args! { by: 2 }).await.unwrap();
    let value: i64 = main.invoke("counter", "add", &args! { by: 3 }).await.unwrap();
    assert_eq!(value, 5);
}

#[tokio::test]
async fn a_window_without_a_capability_is_refused() {
    let app = app();
    let other = app.test_client("other");
    let error = other
        .invoke::<String>("cmd:greet", "", &args! { name: "Ada" })
        .await
        .expect_err("no capability names `other`");
    assert_eq!(error.code().as_str(), "forbidden");
}
