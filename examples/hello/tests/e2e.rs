//! The hello example end to end, in real WebKitGTK windows driven by WebKitWebDriver (under
//! a private Xvfb when `DISPLAY` is unset), through the real `window.switchboard` client:
//! greet from the button, open the second window from JS, chat between the windows.

#[path = "../../../runtime-wry/e2e/tests/support/mod.rs"]
mod support;

use std::time::Duration;

use serde_json::json;
use support::{serial, Driver};

const HELLO: &str = env!("CARGO_BIN_EXE_switchboard-example-hello");
const WAIT: Duration = Duration::from_secs(20);

fn switch_to(driver: &Driver, window: &str) {
    driver.switch_to_where(
        &format!("hello window `{window}`"),
        &format!("return document.body && document.body.dataset.window === {window:?};"),
    );
}

#[test]
fn greet_button_shows_the_reply_from_rust() {
    let _serial = serial();
    let driver = Driver::launch(HELLO, &[]);
    switch_to(&driver, "main");
    driver.type_into("#name", "Ada");
    driver.click("#greet");
    let reply = driver.wait_for(
        "the greeting",
        "return document.getElementById('reply').textContent;",
        WAIT,
    );
    assert_eq!(reply, json!("Hello, Ada! Greetings from Rust."));
    // an empty name is the command's own error, shown in the page
    driver.type_into("#name", "");
    driver.click("#greet");
    let error = driver.wait_for(
        "the error",
        "return document.getElementById('error').textContent;",
        WAIT,
    );
    assert!(
        error
            .as_str()
            .unwrap_or("")
            .contains("tell me your name first"),
        "{error}"
    );
    // a too long name: the page reads the typed fields of Rust's `GreetError::TooLong`
    // through the generated bindings' guard
    driver.type_into("#name", &"x".repeat(70));
    driver.click("#greet");
    let error = driver.wait_for(
        "the typed error",
        "const t = document.getElementById('error').textContent; return t.includes('too long') ? t : '';",
        WAIT,
    );
    assert!(
        error.as_str().unwrap_or("").ends_with("(70 > 64)"),
        "{error}"
    );
}

#[test]
fn the_second_window_opens_from_js_and_the_windows_exchange_events() {
    let _serial = serial();
    let driver = Driver::launch(HELLO, &[]);
    switch_to(&driver, "main");
    driver.click("#open-second");
    switch_to(&driver, "second");
    // give the page's subscription a moment, then talk to main
    std::thread::sleep(Duration::from_millis(500));
    driver.type_into("#chat", "hi from second");
    driver.click("#chat-form button");
    switch_to(&driver, "main");
    let seen = driver.wait_for(
        "the second window's message in main",
        "return [...document.querySelectorAll('#messages li')].map(li => li.textContent).join('|');",
        WAIT,
    );
    assert!(
        seen.as_str()
            .unwrap_or("")
            .contains("second: hi from second"),
        "{seen}"
    );
    driver.type_into("#chat", "hello back");
    driver.click("#chat-form button");
    switch_to(&driver, "second");
    let seen = driver.wait_for(
        "main's answer in the second window",
        "const t = [...document.querySelectorAll('#messages li')].map(li => li.textContent).join('|'); return t.includes('main: hello back') ? t : '';",
        WAIT,
    );
    assert!(
        seen.as_str().unwrap_or("").contains("main: hello back"),
        "{seen}"
    );
}

#[test]
fn demo_autorun_prints_the_round_trip_line_once() {
    let _serial = serial();
    let display = support::display();
    let mut child = std::process::Command::new(HELLO)
        .env("DISPLAY", display)
        .env("SWITCHBOARD_DEMO_AUTORUN", "1")
        .env_remove("SWITCHBOARD_DEV_URL")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("starting hello: {e}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let first = rx.recv_timeout(Duration::from_secs(60));
    // nothing else on stdout in the next moment: the line is printed exactly once
    let second = rx.recv_timeout(Duration::from_millis(1500));
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        first.as_deref(),
        Ok("demo: round trip ok: Hello, Switchboard! Greetings from Rust.")
    );
    assert!(second.is_err(), "a second stdout line: {second:?}");
}
