//! The native reply route (Linux): WebKitGTK's **script message handler with reply**
//! (WebKitGTK 2.40+), the one place of this crate that calls C directly.
//!
//! A page calls `window.webkit.messageHandlers.switchboard.postMessage(text)` and gets a
//! `Promise`; WebKit emits `script-message-with-reply-received::switchboard` on the webview's
//! `WebKitUserContentManager` with the message (a `JSCValue`) and a
//! `WebKitScriptMessageReply`, and the promise resolves with the value given to
//! `webkit_script_message_reply_return_value` (now, or later when a reference to the reply
//! is kept), or rejects with `webkit_script_message_reply_return_error_message`. Measured
//! in a bare wry app on this machine it round-trips a small string in ~0.6–0.75× the time
//! of `postMessage` + `evaluate_script` (`benches/e2e`), with no script to parse.
//!
//! Only strings cross: a `Uint8Array` or `ArrayBuffer` reaches the other side as a plain
//! object in either direction, so frames travel as base64 text (see `bridge::reply`).
//!
//! The safe `webkit2gtk` crate registers the handler but does not wrap the signal (its
//! reply type is not bound), so this module does, with the least C it can:
//! - [`register`]: registers the handler in the page's world and connects the signal
//!   through glib's safe `connect_local` (the message is read with the safe
//!   `javascriptcore` crate);
//! - [`Reply`]: the reply, taken from the signal's boxed argument with a reference of our
//!   own, answered at most once (it is consumed), and released on drop. A reply dropped
//!   unanswered rejects the page's promise, so a page never waits forever on a refusal.
//!
//! Everything here runs on the UI thread: a [`Reply`] holds GObjects and is not `Send`
//! (other threads name a reply by an id; see `runtime`).
#![allow(unsafe_code)]

use std::ffi::CString;
use std::ptr::NonNull;

use javascriptcore::ValueExt;
use webkit2gtk::ffi;
use webkit2gtk::glib::prelude::*;
use webkit2gtk::glib::translate::{IntoGlib, ToGlibPtr};
use webkit2gtk::glib::{self, gobject_ffi};
use webkit2gtk::WebViewExt;

/// The handler's name: `window.webkit.messageHandlers.switchboard`.
pub(crate) const HANDLER: &str = "switchboard";

/// The reply to one message (UI thread only).
pub(crate) struct Reply {
    /// Our own reference (taken in [`Reply::from_signal`], released on drop).
    raw: NonNull<ffi::WebKitScriptMessageReply>,
    /// Where the answer's JavaScript value is made.
    context: javascriptcore::Context,
    answered: bool,
}

impl Reply {
    /// The reply of a signal emission: its boxed argument, with a reference of our own.
    fn from_signal(value: &glib::Value, context: javascriptcore::Context) -> Option<Self> {
        if !value.type_().is_a(glib::Type::BOXED) {
            return None;
        }
        // SAFETY: `value` is the signal's `WebKitScriptMessageReply` argument (a boxed type,
        // checked above), alive for the emission; `g_value_get_boxed` does not transfer
        // ownership, so we take a reference of our own before keeping the pointer.
        let raw = unsafe {
            let ptr: *const gobject_ffi::GValue = value.to_glib_none().0;
            let boxed = gobject_ffi::g_value_get_boxed(ptr) as *mut ffi::WebKitScriptMessageReply;
            if boxed.is_null() {
                return None;
            }
            ffi::webkit_script_message_reply_ref(boxed)
        };
        NonNull::new(raw).map(|raw| Self {
            raw,
            context,
            answered: false,
        })
    }

    /// Resolve the page's promise with `text`, or `null` when `None`. Takes the string
    /// without copying it into a C string.
    pub(crate) fn answer(mut self, text: Option<String>) {
        let value = match text {
            Some(text) => javascriptcore::Value::new_string_from_bytes(
                &self.context,
                Some(&glib::Bytes::from_owned(text.into_bytes())),
            ),
            None => javascriptcore::Value::new_null(&self.context),
        };
        // SAFETY: `raw` is a live reply we hold a reference to, not answered yet (`self` is
        // consumed); WebKit serializes the value and keeps no reference to it.
        unsafe {
            ffi::webkit_script_message_reply_return_value(self.raw.as_ptr(), value.to_glib_none().0)
        };
        self.answered = true;
    }

    /// Reject the page's promise with `message`.
    pub(crate) fn reject(mut self, message: &str) {
        self.reject_now(message);
    }

    fn reject_now(&mut self, message: &str) {
        let text = CString::new(message.replace('\0', " ")).unwrap_or_default();
        // SAFETY: as in `answer`; the message is a NUL-terminated string WebKit copies.
        unsafe {
            ffi::webkit_script_message_reply_return_error_message(self.raw.as_ptr(), text.as_ptr())
        };
        self.answered = true;
    }
}

impl Drop for Reply {
    fn drop(&mut self) {
        if !self.answered {
            self.reject_now("switchboard: no answer");
        }
        // SAFETY: releases the reference taken in `from_signal`, once.
        unsafe { ffi::webkit_script_message_reply_unref(self.raw.as_ptr()) };
    }
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reply").finish_non_exhaustive()
    }
}

/// Signals of a `WebKitUserContentManager` whose handlers may hold their webview: wry's
/// `window.ipc` handler (`script-message-received`) and the reply route
/// ([`register`], `script-message-with-reply-received`).
const MESSAGE_SIGNALS: [&std::ffi::CStr; 2] = [
    c"script-message-received",
    c"script-message-with-reply-received",
];

/// Disconnect every message handler of `webview`'s user content manager; returns how many
/// there were. Call it when the webview's window closes, before the webview is dropped.
///
/// wry (0.57) connects its `window.ipc` handler on the webview's own user content manager
/// with a closure that owns a strong reference to the webview: the manager holds the
/// webview and the webview its manager, so neither is ever finalized. Destroying the
/// widget does not break that cycle, and WebKit keeps the closed page's web-process proxy
/// alive with it: each closed window then leaked a shared-memory descriptor per custom
/// scheme it loaded from and ~100–300 KiB, and WebKit, which caps the web processes it
/// counts as live at 400 per app, killed the app's *oldest open* page when the 400th
/// closed window's proxy was still counted (`SECURITY.md`; `bare-cycles --long
/// --wry-cycle` shows it without Switchboard). Dropping the handlers frees the manager, the
/// webview and the proxy.
pub(crate) fn release_message_handlers(webview: &webkit2gtk::WebView) -> usize {
    let Some(manager) = webview.user_content_manager() else {
        return 0;
    };
    let instance: *mut gobject_ffi::GObject = manager.as_ptr().cast();
    let itype = manager.type_().into_glib();
    let mut released = 0;
    for name in MESSAGE_SIGNALS {
        // SAFETY: a live instance of the manager's type and a NUL-terminated signal name;
        // an unknown name gives id 0, which matches nothing.
        let signal = unsafe { gobject_ffi::g_signal_lookup(name.as_ptr(), itype) };
        if signal == 0 {
            continue;
        }
        loop {
            // SAFETY: `instance` is alive (we hold `manager`); matching by signal id alone
            // needs no closure, function or data pointer.
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
            if handler == 0 {
                break;
            }
            // SAFETY: a handler id just found on this instance; disconnecting it drops its
            // closure (and whatever the closure owned).
            unsafe { gobject_ffi::g_signal_handler_disconnect(instance.cast(), handler) };
            released += 1;
        }
    }
    released
}

/// Register the [`HANDLER`] with reply on `webview` (in the page's world, so every frame of
/// the page sees it: the bridge trusts only messages carrying the document's token) and
/// call `on_message(text, reply)` for each string message. Messages that are not strings
/// are rejected here. Returns whether the handler exists (false: this WebKitGTK is older
/// than 2.40, or the name is taken), in which case pages fall back to other routes.
pub(crate) fn register(
    webview: &webkit2gtk::WebView,
    on_message: impl Fn(&[u8], Reply) + 'static,
) -> bool {
    let Some(manager) = webview.user_content_manager() else {
        return false;
    };
    let Ok(name) = CString::new(HANDLER) else {
        return false;
    };
    // SAFETY: a live manager, a NUL-terminated name; a NULL world is the page's own world.
    let registered = unsafe {
        ffi::webkit_user_content_manager_register_script_message_handler_with_reply(
            manager.as_ptr(),
            name.as_ptr(),
            std::ptr::null(),
        )
    };
    if registered == 0 {
        return false;
    }
    manager.connect_local(
        &format!("script-message-with-reply-received::{HANDLER}"),
        false,
        move |values| {
            let handled = Some(true.to_value());
            let message = values.get(1)?.get::<javascriptcore::Value>().ok()?;
            let context = message.context()?;
            let reply = Reply::from_signal(values.get(2)?, context)?;
            let text = message
                .is_string()
                .then(|| message.to_string_as_bytes())
                .flatten();
            match text {
                Some(bytes) => on_message(&bytes, reply),
                None => reply.reject("switchboard: a message is a string"),
            }
            handled
        },
    );
    true
}

#[cfg(test)]
mod tests {
    //! The route itself runs in a real webview (`tests/e2e.rs`, every test of the security
    //! suite runs on it); here, what needs no display.
    use super::*;

    #[test]
    fn the_handler_name_is_the_one_the_guard_and_the_client_use() {
        assert_eq!(HANDLER, "switchboard");
        let guard = crate::bridge::ipc_guard_script("switchboard://localhost");
        assert!(guard.contains(&format!("h.{HANDLER}")), "{guard}");
    }

    #[test]
    fn a_reply_is_only_taken_from_a_boxed_value() {
        // a string is no reply: refused before any pointer is read
        let context = javascriptcore::Context::new();
        assert!(Reply::from_signal(&"not a reply".to_value(), context.clone()).is_none());
        assert!(Reply::from_signal(&7i32.to_value(), context).is_none());
    }
}
