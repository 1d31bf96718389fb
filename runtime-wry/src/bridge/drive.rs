//! Answering on the spot: a call whose answer is ready at once costs no thread hop.
//!
//! The bridge's handlers run on the UI thread. Handing every frame to the async runtime and
//! the answer back to the UI thread costs two thread hops per call (a worker wakes, then
//! the UI loop wakes), so the UI thread polls the session's future **once**, inside the
//! runtime's context (tokio timers and `tokio::spawn` work), with a waker that does nothing:
//!
//! - `Ready`: the answer goes back right there (the responder, or `evaluate_script`).
//! - `Pending`: the same future is spawned on the runtime, polled again there with a real
//!   waker, and answered from there. Nothing on the UI thread ever waits.
//!
//! What that one poll runs is the bus's routing (decoding the envelope, the capability
//! check, posting to a mailbox), **not the app's code**: a synchronous command runs on a
//! bus worker (`#[command(blocking)]`: on the blocking pool), an actor method on its
//! actor's task, so the poll returns `Pending` for them and the answer comes back from the
//! runtime. Only a command its author marked `#[command(inline)]` runs in that poll, on the
//! UI thread, and is answered on the spot like a bare wry handler: the price is that it
//! holds every window while it runs, so keep such a command to a few microseconds. An
//! `async` command runs on the UI thread up to its first `.await`. Set
//! `SWITCHBOARD_BRIDGE_INLINE=0` to spawn every call instead (for measuring).
//!
//! Frames over [`INLINE_MAX_FRAME`] are always spawned.
//!
//! A panic while polling (a bug in the bus, not a command: core answers a panicking command
//! itself) is caught here and answered `internal`, so it never unwinds into GTK.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use switchboard_protocol::ErrorCode;

use super::{refusal, Bridge};

/// The environment variable that, set to `0`, makes the bridge spawn every call on the
/// async runtime instead of polling it once on the UI thread.
pub(crate) const INLINE_ENV: &str = "SWITCHBOARD_BRIDGE_INLINE";

/// Largest frame polled on the UI thread. A bigger one is spawned at once: its decoding and
/// its command's work on it (copies of megabytes) would hold the UI thread, and run in
/// parallel with WebKit's side of the transfer on a worker (16 MiB echo, 3 harness rounds:
/// 150 MB/s polled inline, 176 MB/s spawned).
pub(crate) const INLINE_MAX_FRAME: usize = 64 * 1024;

/// A session's answer to one frame, still to be computed.
pub(crate) type Work = Pin<Box<dyn Future<Output = Option<Bytes>> + Send>>;

/// Whether the bridge answers ready calls on the spot (the default).
pub(crate) fn inline_from_env() -> bool {
    std::env::var(INLINE_ENV).map_or(true, |v| v.trim() != "0")
}

impl Bridge {
    /// Run `work` (the answer to `frame`): when its answer is ready at once, return it
    /// (`Some`); else spawn it on the runtime, call `finish` there with its answer, and
    /// return `None`.
    pub(super) fn drive(
        &self,
        frame: &Bytes,
        mut work: Work,
        span: tracing::Span,
        finish: impl FnOnce(Option<Bytes>) + Send + 'static,
    ) -> Option<Option<Bytes>> {
        if self.inline && frame.len() <= INLINE_MAX_FRAME {
            let _context = self.runtime.enter();
            let _span = span.enter();
            let mut cx = Context::from_waker(Waker::noop());
            match catch_unwind(AssertUnwindSafe(|| work.as_mut().poll(&mut cx))) {
                Ok(Poll::Ready(answer)) => return Some(answer),
                Ok(Poll::Pending) => {}
                Err(_) => {
                    tracing::error!("the bus panicked while handling a frame");
                    // the future is not to be polled again; dropping it may panic too
                    let _ = catch_unwind(AssertUnwindSafe(move || drop(work)));
                    let answer = refusal(
                        frame,
                        ErrorCode::Internal,
                        "the host failed while handling this frame",
                    );
                    return Some(Some(Bytes::from(answer)));
                }
            }
        }
        self.runtime.spawn(tracing::Instrument::instrument(
            async move { finish(work.await) },
            span,
        ));
        None
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use switchboard_protocol::{Frame, Limits};

    use super::*;
    use crate::origin::{Origin, TrustedOrigins};

    fn bridge(rt: &tokio::runtime::Runtime) -> Bridge {
        let trusted = TrustedOrigins::new([Origin::parse("app://localhost").unwrap()]);
        let mut bridge = Bridge::new(trusted, rt.handle().clone());
        bridge.inline = true;
        bridge
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn a_ready_answer_is_returned_on_the_spot_without_calling_finish() {
        let rt = runtime();
        let bridge = bridge(&rt);
        let (tx, rx) = mpsc::channel();
        let answer = bridge.drive(
            &Bytes::new(),
            Box::pin(async { Some(Bytes::from_static(b"now")) }),
            tracing::Span::none(),
            move |a| {
                let _ = tx.send(a);
            },
        );
        assert_eq!(answer, Some(Some(Bytes::from_static(b"now"))));
        assert!(rx.recv_timeout(Duration::from_millis(100)).is_err());
    }

    #[test]
    fn a_pending_answer_is_finished_on_the_runtime() {
        let rt = runtime();
        let bridge = bridge(&rt);
        let (tx, rx) = mpsc::channel();
        // needs the runtime's timer: polling it here must happen inside the runtime context
        let answer = bridge.drive(
            &Bytes::new(),
            Box::pin(async {
                tokio::time::sleep(Duration::from_millis(20)).await;
                Some(Bytes::from_static(b"later"))
            }),
            tracing::Span::none(),
            move |a| {
                let _ = tx.send((a, std::thread::current().id()));
            },
        );
        assert_eq!(answer, None);
        let (later, thread) = rx.recv_timeout(Duration::from_secs(5)).expect("no answer");
        assert_eq!(later, Some(Bytes::from_static(b"later")));
        assert_ne!(thread, std::thread::current().id());
    }

    #[test]
    fn a_panic_while_polling_is_answered_internal() {
        let rt = runtime();
        let bridge = bridge(&rt);
        let answer = bridge.drive(
            &Bytes::new(),
            Box::pin(async { panic!("bus bug") }),
            tracing::Span::none(),
            |_| {},
        );
        let frame = answer.flatten().expect("no answer to a panic");
        match Frame::decode_slice(&frame, &Limits::default()).unwrap() {
            Frame::Error(e) => assert_eq!(e.error.code, ErrorCode::Internal),
            other => panic!("expected an internal error, got {other:?}"),
        }
    }

    #[test]
    fn a_large_frame_is_spawned_even_when_its_answer_is_ready() {
        let rt = runtime();
        let bridge = bridge(&rt);
        let (tx, rx) = mpsc::channel();
        let big = Bytes::from(vec![0u8; INLINE_MAX_FRAME + 1]);
        let answer = bridge.drive(
            &big,
            Box::pin(async { Some(Bytes::from_static(b"big")) }),
            tracing::Span::none(),
            move |a| {
                let _ = tx.send(a);
            },
        );
        assert_eq!(answer, None);
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(5)).unwrap(),
            Some(Bytes::from_static(b"big"))
        );
    }

    #[test]
    fn not_inline_spawns_even_a_ready_answer() {
        let rt = runtime();
        let mut bridge = bridge(&rt);
        bridge.inline = false;
        let (tx, rx) = mpsc::channel();
        let answer = bridge.drive(
            &Bytes::new(),
            Box::pin(async { Some(Bytes::from_static(b"x")) }),
            tracing::Span::none(),
            move |a| {
                let _ = tx.send(a);
            },
        );
        assert_eq!(answer, None);
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(5)).unwrap(),
            Some(Bytes::from_static(b"x"))
        );
    }
}
