//! The floor for `faults_e2e`'s window open/close cycles: a bare tao + wry app (no
//! Switchboard) that opens a webview window, waits until its page has run a script and
//! posted `ready`, closes the window, and repeats, the way the e2e app's `faults_cycle`
//! does. It prints its own RSS (after giving the allocator's free memory back) after the
//! warm-up cycles and after the measured ones:
//!
//! ```text
//! BARE warmup=10 cycles=40 rss_before_kb=… rss_after_kb=… growth_kb=…
//! ```
//!
//! Usage: `bare-cycles [warm-up cycles] [measured cycles]` (defaults 10 and 40), with a
//! `DISPLAY`.

use std::borrow::Cow;

use tao::event::{Event, StartCause};
use tao::event_loop::{ControlFlow, EventLoopBuilder, EventLoopProxy, EventLoopWindowTarget};
use tao::platform::unix::WindowExtUnix;
use tao::window::{Window, WindowBuilder};
use wry::http::Response;
use wry::{WebView, WebViewBuilder, WebViewBuilderExtUnix};

/// The page: a little script, like the e2e app's page reaching the bus.
const PAGE: &str = "<!doctype html><meta charset=utf-8><title>bare cycle</title>\
<p id=p>cycle</p><script>document.getElementById('p').textContent = 'ready'; \
window.ipc.postMessage('ready');</script>";

fn open(target: &EventLoopWindowTarget<()>, proxy: EventLoopProxy<()>) -> (WebView, Window) {
    let window = WindowBuilder::new()
        .with_title("bare cycle")
        .with_inner_size(tao::dpi::LogicalSize::new(320.0, 240.0))
        .build(target)
        .expect("a window");
    let webview = WebViewBuilder::new()
        .with_custom_protocol("bare".into(), |_id, _request| {
            Response::builder()
                .header("Content-Type", "text/html; charset=utf-8")
                .body(Cow::Borrowed(PAGE.as_bytes()))
                .expect("a response")
        })
        .with_url("bare://localhost/")
        .with_ipc_handler(move |_| {
            let _ = proxy.send_event(());
        })
        .build_gtk(window.default_vbox().expect("tao's vbox"))
        .expect("a webview");
    (webview, window)
}

/// This process's RSS in KiB after glibc gave its free memory back.
fn trimmed_rss_kb() -> u64 {
    extern "C" {
        fn malloc_trim(pad: usize) -> std::ffi::c_int;
    }
    // SAFETY: glibc's malloc_trim takes no pointer and may be called from any thread.
    unsafe {
        malloc_trim(0);
    }
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn main() {
    let mut args = std::env::args()
        .skip(1)
        .map(|a| a.parse::<u64>().expect("a count"));
    let warmup = args.next().unwrap_or(10);
    let cycles = args.next().unwrap_or(40);
    let event_loop = EventLoopBuilder::new().build();
    let proxy = event_loop.create_proxy();
    let mut current: Option<(WebView, Window)> = None;
    let mut done = 0u64;
    let mut before = 0u64;
    event_loop.run(move |event, target, control_flow| {
        *control_flow = ControlFlow::Wait;
        match event {
            Event::NewEvents(StartCause::Init) => current = Some(open(target, proxy.clone())),
            // the page ran and posted: close its window (webview first), then the next
            Event::UserEvent(()) => {
                drop(current.take());
                done += 1;
                if done == warmup {
                    before = trimmed_rss_kb();
                }
                if done == warmup + cycles {
                    let after = trimmed_rss_kb();
                    println!(
                        "BARE warmup={warmup} cycles={cycles} rss_before_kb={before} rss_after_kb={after} growth_kb={}",
                        after as i64 - before as i64
                    );
                    *control_flow = ControlFlow::Exit;
                    return;
                }
                current = Some(open(target, proxy.clone()));
            }
            _ => {}
        }
    });
}
