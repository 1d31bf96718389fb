//! The floor: a bare wry app with no Switchboard code, doing the cheapest equivalent of each
//! end-to-end workload (see `page/floor.js`). The harness runs it alternately with the
//! Switchboard bench app and divides.
//!
//! Two floors for the small round trips, both measured in every run:
//! - **eval**: `window.ipc.postMessage` answered by `evaluate_script` (wry's own channel);
//! - **reply**: WebKitGTK's script message handler with reply (2.40+):
//!   `window.webkit.messageHandlers.floor.postMessage(text)` returns a Promise that the
//!   signal handler resolves with `webkit_script_message_reply_return_value` (see `reply`).
//!   Its figures carry the suffix `_reply`; the harness compares Switchboard to the faster.
//!
//! Output on stdout, one line each: `READY` after the page's first answered ping, `RESULT <json>`
//! per figure, `DONE` at the end.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use switchboard_bench_e2e::{print_result, HostPings, EVENT_BYTES};
use tao::event::{Event, WindowEvent};
use tao::event_loop::{ControlFlow, EventLoopBuilder, EventLoopProxy, EventLoopWindowTarget};
use tao::window::{Window, WindowBuilder};
use wry::http::{Request, Response};
use wry::{RequestAsyncResponder, WebView, WebViewBuilder};

const PAGE: &str = include_str!("../../page/floor.html");
const BENCH_JS: &str = include_str!("../../page/bench.js");
const FLOOR_JS: &str = include_str!("../../page/floor.js");

enum UserEvent {
    /// Open listener windows until there are `windows` in all.
    OpenListeners(usize),
    Exit,
}

/// Each window's queued events and its held-open poll, shared with the protocol handler.
#[derive(Default)]
struct Queues {
    by_window: HashMap<String, (Vec<u8>, Option<RequestAsyncResponder>)>,
}

impl Queues {
    fn push(&mut self, window: &str, record: &[u8]) {
        let (queue, held) = self.by_window.entry(window.to_owned()).or_default();
        queue.extend_from_slice(record);
        if let Some(responder) = held.take() {
            responder.respond(Response::new(std::mem::take(queue)));
        }
    }

    fn poll(&mut self, window: &str, responder: RequestAsyncResponder) {
        let (queue, held) = self.by_window.entry(window.to_owned()).or_default();
        if queue.is_empty() {
            *held = Some(responder);
        } else {
            responder.respond(Response::new(std::mem::take(queue)));
        }
    }
}

/// An events run in progress.
struct EventsRun {
    reply_id: String,
    count: usize,
    windows: usize,
    started: Option<Instant>,
    done: usize,
}

struct App {
    webviews: Vec<(String, Window, WebView)>,
    ready_listeners: usize,
    run: Option<EventsRun>,
    queues: Arc<Mutex<Queues>>,
    proxy: EventLoopProxy<UserEvent>,
    /// When each ping reached the host (for the sequential loop's p99).
    pings: HostPings,
}

impl App {
    fn eval(&self, label: &str, js: &str) {
        if let Some((_, _, webview)) = self.webviews.iter().find(|(l, _, _)| l == label) {
            let _ = webview.evaluate_script(js);
        }
    }

    fn on_message(&mut self, label: &str, body: &str) {
        let (tag, rest) = body.split_at(1.min(body.len()));
        match tag {
            "p" => {
                self.pings.arrived();
                let (id, n) = rest.split_once(':').unwrap_or((rest, "0"));
                let n: u64 = n.parse().unwrap_or(0);
                self.eval(label, &format!("__floorReply({id},{})", n + 1));
            }
            "e" => {
                let mut parts = rest.split(':');
                let id = parts.next().unwrap_or("0").to_owned();
                let count = parts.next().and_then(|c| c.parse().ok()).unwrap_or(0);
                let windows = parts.next().and_then(|c| c.parse().ok()).unwrap_or(1);
                self.run = Some(EventsRun {
                    reply_id: id,
                    count,
                    windows,
                    started: None,
                    done: 0,
                });
                if self.webviews.len() < windows {
                    let _ = self.proxy.send_event(UserEvent::OpenListeners(windows));
                } else {
                    self.emit();
                }
            }
            "w" => {
                self.ready_listeners += 1;
                if let Some(run) = &self.run {
                    if run.started.is_none() && self.ready_listeners + 1 >= run.windows {
                        self.emit();
                    }
                }
            }
            "d" => self.event_run_done(),
            "R" => {
                if rest.contains("\"first_ping\"") {
                    println!("READY");
                } else {
                    println!("RESULT {rest}");
                    self.pings.report(rest);
                }
            }
            "F" => {
                println!("DONE");
                let _ = self.proxy.send_event(UserEvent::Exit);
            }
            _ => {}
        }
    }

    /// Push `count` events to each of the first `windows` windows, as fast as the queue takes them.
    fn emit(&mut self) {
        let Some(run) = &mut self.run else { return };
        run.started = Some(Instant::now());
        let labels: Vec<String> = self
            .webviews
            .iter()
            .take(run.windows)
            .map(|(l, _, _)| l.clone())
            .collect();
        let mut record = [0u8; EVENT_BYTES];
        for i in 0..run.count {
            record[0] = u8::from(i + 1 == run.count);
            record[4..12].copy_from_slice(&(i as u64).to_le_bytes());
            for label in &labels {
                if let Ok(mut queues) = self.queues.lock() {
                    queues.push(label, &record);
                }
            }
        }
    }

    fn event_run_done(&mut self) {
        let Some(run) = &mut self.run else { return };
        run.done += 1;
        if run.done < run.windows {
            return;
        }
        let seconds = run
            .started
            .map(|s| s.elapsed().as_secs_f64())
            .unwrap_or(f64::NAN);
        let total = (run.count * run.windows) as f64;
        print_result(
            &format!("events_{}w", run.windows),
            total / seconds,
            "events/s",
            "higher",
        );
        let id = run.reply_id.clone();
        self.run = None;
        self.eval("main", &format!("__floorReply({id},0)"));
    }
}

fn open(
    target: &EventLoopWindowTarget<UserEvent>,
    label: &str,
    url: &str,
    app: &Rc<RefCell<App>>,
) -> Result<(), String> {
    let window = WindowBuilder::new()
        .with_title(format!("floor {label}"))
        .build(target)
        .map_err(|e| e.to_string())?;
    let queues = app.borrow().queues.clone();
    let for_ipc = Rc::downgrade(app);
    #[cfg(target_os = "linux")]
    let for_reply = Rc::downgrade(app);
    let ipc_label = label.to_owned();
    let builder = WebViewBuilder::new()
        .with_id(label)
        .with_url(url)
        .with_asynchronous_custom_protocol("floor".into(), move |id, request, responder| {
            serve(id, request, responder, &queues)
        })
        .with_ipc_handler(move |request: Request<String>| {
            if let Some(app) = for_ipc.upgrade() {
                app.borrow_mut().on_message(&ipc_label, request.body());
            }
        });
    #[cfg(target_os = "linux")]
    let webview = {
        use tao::platform::unix::WindowExtUnix;
        use wry::WebViewBuilderExtUnix;
        let vbox = window.default_vbox().ok_or("window has no vbox")?;
        builder.build_gtk(vbox).map_err(|e| e.to_string())?
    };
    #[cfg(not(target_os = "linux"))]
    let webview = builder.build(&window).map_err(|e| e.to_string())?;
    // the reply route: `q<n>` answered `n + 1` in the signal handler itself
    #[cfg(target_os = "linux")]
    {
        use wry::WebViewExtUnix;
        reply::register(&webview.webview(), "floor", move |text| {
            // `e<text>`: the text echoed (the string probe: base64 against latin-1)
            if let Some(echo) = text.strip_prefix('e') {
                return echo.to_owned();
            }
            if let Some(app) = for_reply.upgrade() {
                app.borrow().pings.arrived();
            }
            let n: u64 = text
                .strip_prefix('q')
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            (n + 1).to_string()
        });
    }
    app.borrow_mut()
        .webviews
        .push((label.to_owned(), window, webview));
    Ok(())
}

fn serve(
    id: &str,
    request: Request<Vec<u8>>,
    responder: RequestAsyncResponder,
    queues: &Mutex<Queues>,
) {
    let path = request.uri().path();
    let text = |body: &'static str, mime: &str| {
        Response::builder()
            .header("Content-Type", mime)
            .body(body.as_bytes().to_vec())
            .unwrap_or_default()
    };
    match path {
        "/echo" => responder.respond(
            Response::builder()
                .header("Access-Control-Allow-Origin", "*")
                .body(request.into_body())
                .unwrap_or_default(),
        ),
        "/poll" => {
            if let Ok(mut queues) = queues.lock() {
                queues.poll(id, responder);
            }
        }
        "/bench.js" => responder.respond(text(BENCH_JS, "text/javascript")),
        "/floor.js" => responder.respond(text(FLOOR_JS, "text/javascript")),
        _ => responder.respond(text(PAGE, "text/html")),
    }
}

fn main() {
    let event_loop = EventLoopBuilder::<UserEvent>::with_user_event().build();
    let app = Rc::new(RefCell::new(App {
        webviews: Vec::new(),
        ready_listeners: 0,
        run: None,
        queues: Arc::new(Mutex::new(Queues::default())),
        proxy: event_loop.create_proxy(),
        pings: HostPings::default(),
    }));
    if let Err(e) = open(&event_loop, "main", "floor://localhost/", &app) {
        eprintln!("floor: could not open the main window: {e}");
        std::process::exit(1);
    }
    event_loop.run(move |event, target, control_flow| {
        *control_flow = ControlFlow::Wait;
        match event {
            Event::UserEvent(UserEvent::OpenListeners(windows)) => {
                let have = app.borrow().webviews.len();
                for i in have..windows {
                    let label = format!("listener{i}");
                    if let Err(e) = open(target, &label, "floor://localhost/?role=listener", &app) {
                        eprintln!("floor: could not open {label}: {e}");
                    }
                }
            }
            Event::UserEvent(UserEvent::Exit)
            | Event::WindowEvent {
                event: WindowEvent::CloseRequested,
                ..
            } => *control_flow = ControlFlow::Exit,
            _ => {}
        }
    });
}

/// WebKitGTK's script message handler with reply, bare: the cheapest round trip this webview
/// offers (no token, no frames; the switchboard bridge's own use is
/// `switchboard_runtime_wry`'s `native` module).
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
mod reply {
    use std::ffi::CString;

    use javascriptcore::ValueExt;
    use webkit2gtk::glib::prelude::*;
    use webkit2gtk::glib::translate::{ToGlibPtr, ToGlibPtrMut};
    use webkit2gtk::glib::{self, gobject_ffi};
    use webkit2gtk::WebViewExt;

    /// Register handler `name` on `webview`; every message (a string) is answered at once
    /// with `answer(text)`.
    pub fn register(
        webview: &webkit2gtk::WebView,
        name: &str,
        answer: impl Fn(&str) -> String + 'static,
    ) {
        let Some(manager) = webview.user_content_manager() else {
            return;
        };
        let Ok(c_name) = CString::new(name) else {
            return;
        };
        // SAFETY: a live manager and a NUL-terminated name; a NULL world is the page's world.
        let registered = unsafe {
            webkit2gtk::ffi::webkit_user_content_manager_register_script_message_handler_with_reply(
                manager.as_ptr(),
                c_name.as_ptr(),
                std::ptr::null(),
            )
        };
        if registered == 0 {
            eprintln!("floor: the reply handler `{name}` was not registered");
            return;
        }
        manager.connect_local(
            &format!("script-message-with-reply-received::{name}"),
            false,
            move |values| {
                let message = values.get(1)?.get::<javascriptcore::Value>().ok()?;
                let mut reply_value = values.get(2)?.clone();
                // SAFETY: argument 2 of this signal is a `WebKitScriptMessageReply` boxed
                // value, alive for the handler's duration; answered here, before returning.
                unsafe {
                    let reply = gobject_ffi::g_value_get_boxed(reply_value.to_glib_none_mut().0)
                        as *mut webkit2gtk::ffi::WebKitScriptMessageReply;
                    if reply.is_null() {
                        return Some(true.to_value());
                    }
                    let context = message.context()?;
                    // by length, not as C strings: a text may hold U+0000
                    let text = message.to_string_as_bytes()?;
                    let text = std::str::from_utf8(&text).ok()?;
                    let bytes = glib::Bytes::from_owned(answer(text).into_bytes());
                    let out = javascriptcore::Value::new_string_from_bytes(&context, Some(&bytes));
                    webkit2gtk::ffi::webkit_script_message_reply_return_value(
                        reply,
                        out.to_glib_none().0,
                    );
                }
                Some(glib::Value::from(true))
            },
        );
    }
}
