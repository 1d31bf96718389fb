//! The floor for `faults_e2e`'s window open/close cycles: a bare tao + wry app (no
//! Switchboard) that opens a webview window, waits until its page has run a script and
//! posted `ready`, closes the window, and repeats, the way the e2e app's `faults_cycle`
//! does. It prints its own RSS (after giving the allocator's free memory back) and open
//! descriptors after the warm-up cycles and after the measured ones:
//!
//! ```text
//! BARE warmup=10 cycles=40 rss_before_kb=… rss_after_kb=… growth_kb=… fds_before=… fds_after=…
//! ```
//!
//! Like Switchboard's runtime, it breaks wry's webview <-> user-content-manager reference
//! cycle before dropping a webview (wry's `window.ipc` handler owns its webview and is
//! connected on that webview's own manager), so the floor is what WebKit itself costs a
//! cycle. Two switches show what that cycle costs:
//! - `--wry-cycle`: leave the cycle (plain wry): every closed webview stays alive in WebKit,
//!   with its shared-memory descriptor and ~300 KiB;
//! - `--long`: keep one more window open the whole time, its page posting a heartbeat every
//!   100 ms; if the heartbeat stops for 3 s the app prints `BARE-LONG-SILENT cycle=N` and
//!   exits with status 2. With `--wry-cycle` that happens at about cycle 400: WebKit caps
//!   the web processes it counts as live at 400 per app and, when a new webview loads past
//!   that, kills the oldest one, which is the long window's (closed webviews still count).
//!
//! Usage: `bare-cycles [warm-up cycles] [measured cycles] [--wry-cycle] [--long]` (defaults
//! 10 and 40), with a `DISPLAY`.

use std::borrow::Cow;
use std::time::{Duration, Instant};

use tao::event::{Event, StartCause};
use tao::event_loop::{ControlFlow, EventLoopBuilder, EventLoopProxy, EventLoopWindowTarget};
use tao::platform::unix::WindowExtUnix;
use tao::window::{Window, WindowBuilder};
use wry::http::Response;
use wry::{WebView, WebViewBuilder, WebViewBuilderExtUnix, WebViewExtUnix};

/// The page: a little script, like the e2e app's page reaching the bus.
const PAGE: &str = "<!doctype html><meta charset=utf-8><title>bare cycle</title>\
<p id=p>cycle</p><script>document.getElementById('p').textContent = 'ready'; \
window.ipc.postMessage('ready');</script>";

/// The long window's page (`--long`).
const LONG: &str = "<!doctype html><meta charset=utf-8><title>bare long</title>\
<script>setInterval(() => window.ipc.postMessage('beat'), 100);</script>";

/// How long the long window's heartbeat may stop.
const SILENCE: Duration = Duration::from_secs(3);

enum Posted {
    Ready,
    Beat,
}

fn open(
    target: &EventLoopWindowTarget<Posted>,
    proxy: EventLoopProxy<Posted>,
    page: &'static str,
) -> (WebView, Window) {
    let window = WindowBuilder::new()
        .with_title("bare cycle")
        .with_inner_size(tao::dpi::LogicalSize::new(320.0, 240.0))
        .build(target)
        .expect("a window");
    let webview = WebViewBuilder::new()
        .with_custom_protocol("bare".into(), move |_id, _request| {
            Response::builder()
                .header("Content-Type", "text/html; charset=utf-8")
                .body(Cow::Borrowed(page.as_bytes()))
                .expect("a response")
        })
        .with_url("bare://localhost/")
        .with_ipc_handler(move |request| {
            let posted = if request.body() == "beat" {
                Posted::Beat
            } else {
                Posted::Ready
            };
            let _ = proxy.send_event(posted);
        })
        .build_gtk(window.default_vbox().expect("tao's vbox"))
        .expect("a webview");
    (webview, window)
}

/// Disconnect wry's `window.ipc` handler from the webview's user content manager (the
/// closure owns the webview): what runtime-wry's `native::release_message_handlers` does.
#[allow(unsafe_code)]
fn break_wry_cycle(webview: &WebView) {
    use webkit2gtk::glib::gobject_ffi;
    use webkit2gtk::glib::prelude::*;
    use webkit2gtk::glib::translate::IntoGlib;
    use webkit2gtk::WebViewExt;
    let Some(manager) = webview.webview().user_content_manager() else {
        return;
    };
    let instance: *mut gobject_ffi::GObject = manager.as_ptr().cast();
    // SAFETY: a live manager (held above), a NUL-terminated signal name of its type.
    let signal = unsafe {
        gobject_ffi::g_signal_lookup(
            c"script-message-received".as_ptr(),
            manager.type_().into_glib(),
        )
    };
    loop {
        // SAFETY: as above; matching by signal id alone needs no pointers.
        let handler = unsafe {
            gobject_ffi::g_signal_handler_find(
                instance.cast(),
                gobject_ffi::G_SIGNAL_MATCH_ID,
                signal,
                0,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            )
        };
        if signal == 0 || handler == 0 {
            break;
        }
        // SAFETY: a handler id just found on this live instance.
        unsafe { gobject_ffi::g_signal_handler_disconnect(instance.cast(), handler) };
    }
}

/// This process's RSS in KiB after glibc gave its free memory back.
#[allow(unsafe_code)]
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

/// This process's open descriptors.
fn fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let wry_cycle = args.iter().any(|a| a == "--wry-cycle");
    let long = args.iter().any(|a| a == "--long");
    let mut counts = args
        .iter()
        .filter(|a| !a.starts_with("--"))
        .map(|a| a.parse::<u64>().expect("a count"));
    let warmup = counts.next().unwrap_or(10);
    let cycles = counts.next().unwrap_or(40);
    let event_loop = EventLoopBuilder::<Posted>::with_user_event().build();
    let proxy = event_loop.create_proxy();
    let mut current: Option<(WebView, Window)> = None;
    let mut _long_window: Option<(WebView, Window)> = None;
    let mut last_beat: Option<Instant> = None;
    let mut done = 0u64;
    let (mut rss_before, mut fds_before) = (0u64, 0usize);
    event_loop.run(move |event, target, control_flow| {
        *control_flow = ControlFlow::WaitUntil(Instant::now() + Duration::from_millis(500));
        match event {
            Event::NewEvents(StartCause::Init) => {
                if long {
                    _long_window = Some(open(target, proxy.clone(), LONG));
                }
                current = Some(open(target, proxy.clone(), PAGE));
            }
            Event::UserEvent(Posted::Beat) => last_beat = Some(Instant::now()),
            // the page ran and posted: close its window (webview first), then the next
            Event::UserEvent(Posted::Ready) => {
                if let Some((webview, window)) = current.take() {
                    if !wry_cycle {
                        break_wry_cycle(&webview);
                    }
                    drop((webview, window));
                }
                done += 1;
                if done == warmup {
                    (rss_before, fds_before) = (trimmed_rss_kb(), fds());
                }
                if done == warmup + cycles {
                    let after = trimmed_rss_kb();
                    println!(
                        "BARE warmup={warmup} cycles={cycles} rss_before_kb={rss_before} rss_after_kb={after} growth_kb={} fds_before={fds_before} fds_after={}",
                        after as i64 - rss_before as i64,
                        fds()
                    );
                    *control_flow = ControlFlow::Exit;
                    return;
                }
                current = Some(open(target, proxy.clone(), PAGE));
            }
            _ => {}
        }
        if last_beat.is_some_and(|beat| beat.elapsed() > SILENCE) {
            println!("BARE-LONG-SILENT cycle={done}");
            std::process::exit(2);
        }
    });
}
