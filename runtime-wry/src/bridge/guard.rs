//! The guard of the string channels: the top frame's init script that gives its
//! `window.ipc.postMessage` and the reply route's
//! `window.webkit.messageHandlers.switchboard.postMessage` the document's token.
//!
//! wry's `window.ipc.postMessage` (top frame only) posts to WebKit's `ipc` message handler,
//! and the reply route's handler (`switchboard`, WebKitGTK 2.40+, see `bridge::reply`) is
//! one too: every frame of the page can reach both. This script runs in the top frame at
//! document start, before any script of the page:
//!
//! 1. It captures the real handlers, their `postMessage` functions and `Reflect.apply` into
//!    its closure, so a page that later replaces `postMessage` on the handlers' prototype
//!    (reachable through `Object.getPrototypeOf(webkit)`'s `messageHandlers` getter) or
//!    `Reflect.apply` is never called with the token.
//! 2. It asks the bridge for this document's token by a synchronous `POST /token`. The
//!    bridge answers once per document, and only to the committed top document's own
//!    origin when that origin is trusted: a remote page, or the app's page after the
//!    token was taken, gets `403`, and its messages are dropped by the host.
//! 3. It shadows `window.webkit.messageHandlers` (a non-configurable property of
//!    `window.webkit`, which itself cannot be replaced) with a frozen object whose
//!    `ipc.postMessage(m)` sends `token:m`, and whose `switchboard.postMessage(m)` (only when
//!    the webview registered that handler) sends `token:m` and returns the reply's promise;
//!    both throw when the document has no token, so a client falls back or fails at once
//!    instead of waiting for an answer that cannot come. Both also throw an error whose
//!    `code` is `too_large` for a message longer than the base64 of the largest frame the
//!    bridge takes: the host would refuse it anyway, after WebKit copied it into the host
//!    (hundreds of MiB), and past about a GiB WebKit hands the host an empty message, which
//!    the string channel could never answer.
//!    The `webkit` wrapper is then kept alive from the global object: WebKit recreates a
//!    collected wrapper without the shadowing property.
//! 4. It reloads the document when WebKit shows it again from its page cache (back or
//!    forward: `pageshow` with `persisted`, read through the getter captured at start). The
//!    bridge counts every committed navigation as a new document: the restored page's
//!    token, sessions and subscriptions died when it was left, so without a reload its
//!    `postMessage` calls would never be answered, its reply-route calls rejected and its
//!    `fetch` calls refused as coming before `hello`. Reloaded, it runs this guard again and
//!    gets a token of the new document.

/// The guard script for a bridge reached at `base` (`switchboard://localhost`).
///
/// ```ignore
/// let script = ipc_guard_script("switchboard://localhost");
/// assert!(script.contains("'switchboard://localhost/token'"));
/// ```
pub(crate) fn ipc_guard_script(base: &str) -> String {
    let limit = super::parse::base64_len(switchboard_protocol::Limits::default().max_frame);
    format!(
        "(function () {{ 'use strict'; \
         var w = window.webkit; var h = w && w.messageHandlers; var real = h && h.ipc; \
         if (!real) return; \
         var rh = h.switchboard; var rpost = rh && rh.postMessage; \
         var post = real.postMessage; var apply = Reflect.apply; var freeze = Object.freeze; \
         var define = Object.defineProperty; var token = null; \
         try {{ var x = new XMLHttpRequest(); x.open('POST', '{base}/token', false); x.send(); \
               if (x.status === 200 && x.responseText) token = x.responseText + ':'; }} \
         catch (e) {{ token = null; }} \
         var persisted = Object.getOwnPropertyDescriptor(PageTransitionEvent.prototype, 'persisted').get; \
         window.addEventListener('pageshow', function (e) {{ if (apply(persisted, e, [])) location.reload(); }}, true); \
         var refuse = function () {{ throw new Error('switchboard: this page has no bridge token (its origin is not trusted by the app)'); }}; \
         var checked = function (m) {{ var s = '' + m; if (s.length > {limit}) {{ \
           var e = new Error('switchboard: a message is limited to {limit} characters (the base64 of the largest frame)'); \
           e.code = 'too_large'; throw e; }} return token + s; }}; \
         var ipc = freeze({{ postMessage: function (m) {{ \
           if (token === null) refuse(); \
           apply(post, real, [checked(m)]); }} }}); \
         var handlers = {{ ipc: ipc }}; \
         if (typeof rpost === 'function') handlers.switchboard = freeze({{ postMessage: function (m) {{ \
           if (token === null) refuse(); \
           return apply(rpost, rh, [checked(m)]); }} }}); \
         try {{ define(w, 'messageHandlers', {{ value: freeze(handlers), writable: false, configurable: false }}); \
               define(window, Symbol('switchboard.ipc'), {{ value: w }}); }} \
         catch (e) {{ console.error('switchboard: cannot guard the ipc channel', e); }} }})();"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guard_asks_the_bridge_for_a_token_and_holds_no_secret_itself() {
        let script = ipc_guard_script("switchboard://localhost");
        assert!(script.contains("'switchboard://localhost/token', false"));
        assert!(script.contains("apply(post, real, [checked(m)])"));
        assert!(script.contains("return token + s;"));
        // the reply route's handler, captured at start and called with the token too
        assert!(script.contains("var rh = h.switchboard; var rpost = rh && rh.postMessage;"));
        assert!(script.contains("return apply(rpost, rh, [checked(m)])"));
        // longer than the base64 of a 64 MiB frame: refused in the page
        assert!(script.contains("if (s.length > 89478488)"), "{script}");
        // a page shown again from WebKit's page cache is reloaded: its token is dead
        assert!(script.contains("if (apply(persisted, e, [])) location.reload();"));
        // the same text for every document and window: the token is never in the script
        assert_eq!(script, ipc_guard_script("switchboard://localhost"));
    }
}
