//! A window's outbound queue: frames the bus pushes to the page (events, stream items,
//! calls into the page), delivered by whichever path the page uses.
//!
//! - **poll**: the page keeps one `POST /poll` open; it is parked here and answered with a
//!   batch of everything queued as soon as there is something (or with `204` after
//!   [`POLL_HOLD`], so the page re-polls).
//! - **eval**: a page that talks through `window.ipc.postMessage` gets its frames by
//!   `evaluate_script`; one scheduled flush carries every frame queued by then.
//!
//! Pushing never blocks and never waits for the page: a full queue refuses the frame.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use wry::http::{HeaderValue, Response, StatusCode};

/// Whoever answers one HTTP request of the bridge (wry's asynchronous responder, or a test's).
pub(crate) type Responder = Box<dyn FnOnce(Response<Cow<'static, [u8]>>) + Send>;

/// How long a `/poll` is held open when nothing is queued.
pub(crate) const POLL_HOLD: Duration = Duration::from_secs(25);

/// Most bytes a window's queue holds before pushes are refused.
pub(crate) const MAX_QUEUED_BYTES: usize = 256 * 1024 * 1024;

/// Why a frame was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PushError {
    /// The window is closed.
    Closed,
    /// The queue holds [`MAX_QUEUED_BYTES`] already: the page is not reading.
    Full,
}

/// How the page receives pushed frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Not known yet: queue until the page polls or posts a message.
    Unknown,
    /// Held-open `/poll` requests.
    Poll,
    /// `evaluate_script` calls of `window.__SWITCHBOARD_RECEIVE__`.
    Eval,
}

struct Parked {
    responder: Responder,
    allow_origin: Option<HeaderValue>,
    generation: u64,
}

struct State {
    queue: VecDeque<Bytes>,
    queued_bytes: usize,
    parked: Option<Parked>,
    generation: u64,
    mode: Mode,
    flush_scheduled: bool,
    closed: bool,
}

/// The outbound queue of one window. Shared by the bus side (pushes, any thread) and the
/// bridge (polls, flushes).
pub(crate) struct Outbox {
    state: Mutex<State>,
    /// Asks the UI thread to call [`Outbox::take_for_eval`] and evaluate the frames.
    schedule_flush: Box<dyn Fn() + Send + Sync>,
}

impl Outbox {
    pub(crate) fn new(schedule_flush: Box<dyn Fn() + Send + Sync>) -> Self {
        Self {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                queued_bytes: 0,
                parked: None,
                generation: 0,
                mode: Mode::Unknown,
                flush_scheduled: false,
                closed: false,
            }),
            schedule_flush,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // a panic while holding this lock cannot leave the queue half-updated in a way
        // that matters more than losing the window, so keep serving
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queue one encoded frame for the page.
    pub(crate) fn push(&self, frame: Bytes) -> Result<(), PushError> {
        let mut state = self.lock();
        if state.closed {
            return Err(PushError::Closed);
        }
        if state.queued_bytes + frame.len() > MAX_QUEUED_BYTES {
            return Err(PushError::Full);
        }
        state.queued_bytes += frame.len();
        state.queue.push_back(frame);
        if let Some(parked) = state.parked.take() {
            let frames = drain(&mut state);
            drop(state);
            answer_batch(parked.responder, parked.allow_origin, &frames);
            return Ok(());
        }
        if state.mode == Mode::Eval && !state.flush_scheduled {
            state.flush_scheduled = true;
            drop(state);
            (self.schedule_flush)();
        }
        Ok(())
    }

    /// A `/poll` arrived: answer it now if frames are queued, else park it. Returns the
    /// generation to pass to [`Outbox::expire`] after [`POLL_HOLD`], if parked.
    pub(crate) fn poll(
        &self,
        responder: Responder,
        allow_origin: Option<HeaderValue>,
    ) -> Option<u64> {
        let mut state = self.lock();
        state.mode = Mode::Poll;
        if state.closed {
            drop(state);
            answer_empty(responder, allow_origin, StatusCode::GONE);
            return None;
        }
        if !state.queue.is_empty() {
            let frames = drain(&mut state);
            drop(state);
            answer_batch(responder, allow_origin, &frames);
            return None;
        }
        state.generation += 1;
        let generation = state.generation;
        let previous = state.parked.replace(Parked {
            responder,
            allow_origin,
            generation,
        });
        drop(state);
        if let Some(previous) = previous {
            // a newer poll replaces an older one: the older is answered empty
            answer_empty(
                previous.responder,
                previous.allow_origin,
                StatusCode::NO_CONTENT,
            );
        }
        Some(generation)
    }

    /// Answer the parked poll of `generation` with `204` if it is still parked.
    pub(crate) fn expire(&self, generation: u64) {
        let mut state = self.lock();
        if state.parked.as_ref().map(|p| p.generation) == Some(generation) {
            if let Some(parked) = state.parked.take() {
                drop(state);
                answer_empty(
                    parked.responder,
                    parked.allow_origin,
                    StatusCode::NO_CONTENT,
                );
            }
        }
    }

    /// The page talks through `postMessage`: deliver by `evaluate_script` from now on
    /// unless it also polls.
    pub(crate) fn prefer_eval(&self) {
        let mut state = self.lock();
        if state.mode != Mode::Unknown {
            return;
        }
        state.mode = Mode::Eval;
        if !state.queue.is_empty() && !state.flush_scheduled {
            state.flush_scheduled = true;
            drop(state);
            (self.schedule_flush)();
        }
    }

    /// Frames to evaluate now (UI thread, on a scheduled flush).
    pub(crate) fn take_for_eval(&self) -> Vec<Bytes> {
        let mut state = self.lock();
        state.flush_scheduled = false;
        if state.mode != Mode::Eval {
            return Vec::new();
        }
        drain(&mut state)
    }

    /// The page navigated: drop what the old page did not read, release its poll, and
    /// learn the new page's delivery path.
    pub(crate) fn reset(&self) {
        let mut state = self.lock();
        state.queue.clear();
        state.queued_bytes = 0;
        state.mode = Mode::Unknown;
        state.flush_scheduled = false;
        let parked = state.parked.take();
        drop(state);
        if let Some(parked) = parked {
            answer_empty(
                parked.responder,
                parked.allow_origin,
                StatusCode::NO_CONTENT,
            );
        }
    }

    /// The window closed: refuse later pushes, drop the queue, release a parked poll.
    pub(crate) fn close(&self) {
        let mut state = self.lock();
        state.closed = true;
        state.queue.clear();
        state.queued_bytes = 0;
        let parked = state.parked.take();
        drop(state);
        if let Some(parked) = parked {
            answer_empty(parked.responder, parked.allow_origin, StatusCode::GONE);
        }
    }

    #[cfg(test)]
    pub(crate) fn queued(&self) -> usize {
        self.lock().queue.len()
    }
}

fn drain(state: &mut State) -> Vec<Bytes> {
    state.queued_bytes = 0;
    state.queue.drain(..).collect()
}

fn answer_batch(responder: Responder, allow_origin: Option<HeaderValue>, frames: &[Bytes]) {
    let body = switchboard_protocol::batch(frames);
    responder(super::response(
        StatusCode::OK,
        allow_origin,
        Cow::Owned(body),
    ));
}

fn answer_empty(responder: Responder, allow_origin: Option<HeaderValue>, status: StatusCode) {
    responder(super::response(status, allow_origin, Cow::Borrowed(&[])));
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{mpsc, Arc};

    use super::*;

    fn responder() -> (Responder, mpsc::Receiver<Response<Cow<'static, [u8]>>>) {
        let (tx, rx) = mpsc::channel();
        (
            Box::new(move |r| {
                let _ = tx.send(r);
            }),
            rx,
        )
    }

    fn outbox() -> (Outbox, Arc<AtomicUsize>) {
        let flushes = Arc::new(AtomicUsize::new(0));
        let counter = flushes.clone();
        let outbox = Outbox::new(Box::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        }));
        (outbox, flushes)
    }

    #[test]
    fn a_parked_poll_is_answered_by_the_next_push() {
        let (outbox, _) = outbox();
        let (r, rx) = responder();
        assert!(outbox.poll(r, None).is_some());
        assert!(
            rx.try_recv().is_err(),
            "answered before anything was queued"
        );
        outbox.push(Bytes::from_static(b"\x80")).unwrap();
        let response = rx.try_recv().unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        // an array of one bin holding the frame
        assert_eq!(response.body().as_ref(), &[0x91, 0xc4, 0x01, 0x80]);
    }

    #[test]
    fn a_poll_takes_everything_queued_in_one_batch() {
        let (outbox, _) = outbox();
        for _ in 0..1000 {
            outbox.push(Bytes::from_static(b"\x80")).unwrap();
        }
        let (r, rx) = responder();
        assert!(outbox.poll(r, None).is_none());
        let body = rx.try_recv().unwrap().into_body();
        let frames = switchboard_protocol::unbatch(
            &Bytes::from(body.into_owned()),
            &switchboard_protocol::Limits::default(),
        )
        .unwrap();
        assert_eq!(frames.len(), 1000);
        assert_eq!(outbox.queued(), 0);
    }

    #[test]
    fn an_expired_poll_gets_no_content_and_a_newer_poll_replaces_it() {
        let (outbox, _) = outbox();
        let (first, first_rx) = responder();
        let generation = outbox.poll(first, None).unwrap();
        let (second, second_rx) = responder();
        let second_generation = outbox.poll(second, None).unwrap();
        assert_eq!(
            first_rx.try_recv().unwrap().status(),
            StatusCode::NO_CONTENT
        );
        outbox.expire(generation); // stale: ignored
        assert!(second_rx.try_recv().is_err());
        outbox.expire(second_generation);
        assert_eq!(
            second_rx.try_recv().unwrap().status(),
            StatusCode::NO_CONTENT
        );
    }

    #[test]
    fn closing_releases_the_poll_and_refuses_pushes() {
        let (outbox, _) = outbox();
        let (r, rx) = responder();
        outbox.poll(r, None);
        outbox.close();
        assert_eq!(rx.try_recv().unwrap().status(), StatusCode::GONE);
        assert_eq!(
            outbox.push(Bytes::from_static(b"\x80")),
            Err(PushError::Closed)
        );
    }

    #[test]
    fn a_reset_drops_the_old_pages_frames_but_keeps_serving() {
        let (outbox, _) = outbox();
        outbox.push(Bytes::from_static(b"\x80")).unwrap();
        let (r, rx) = responder();
        outbox.reset();
        assert_eq!(outbox.queued(), 0);
        assert!(
            outbox.poll(r, None).is_some(),
            "nothing queued: the poll parks"
        );
        outbox.push(Bytes::from_static(b"\x81")).unwrap();
        assert_eq!(
            rx.try_recv().unwrap().body().as_ref(),
            &[0x91, 0xc4, 0x01, 0x81]
        );
    }

    #[test]
    fn eval_mode_schedules_one_flush_for_many_frames() {
        let (outbox, flushes) = outbox();
        outbox.push(Bytes::from_static(b"\x80")).unwrap();
        assert_eq!(
            flushes.load(Ordering::SeqCst),
            0,
            "mode unknown: only queued"
        );
        outbox.prefer_eval();
        assert_eq!(flushes.load(Ordering::SeqCst), 1);
        outbox.push(Bytes::from_static(b"\x80")).unwrap();
        outbox.push(Bytes::from_static(b"\x80")).unwrap();
        assert_eq!(flushes.load(Ordering::SeqCst), 1);
        assert_eq!(outbox.take_for_eval().len(), 3);
        outbox.push(Bytes::from_static(b"\x80")).unwrap();
        assert_eq!(flushes.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_page_that_does_not_read_fills_up_and_pushes_are_refused() {
        let (outbox, _) = outbox();
        let big = Bytes::from(vec![0u8; MAX_QUEUED_BYTES / 2]);
        outbox.push(big.clone()).unwrap();
        outbox.push(big.clone()).unwrap();
        assert_eq!(
            outbox.push(Bytes::from_static(b"\x80")),
            Err(PushError::Full)
        );
    }
}
