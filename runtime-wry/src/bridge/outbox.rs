//! A session's outbound queue: frames the bus pushes to one caller of a window (events,
//! stream items, calls into the page), delivered by whichever path that caller uses. Each
//! session (a document's top frame, or an iframe origin a capability names) has its own
//! queue, so a poll reaches only its own session's frames.
//!
//! - **poll**: the page keeps one `POST /poll` open; it is parked here and answered with a
//!   batch of everything queued as soon as there is something (or with `204` after
//!   [`POLL_HOLD`], so the page re-polls).
//! - **reply**: the same held-open poll on the native reply route (`bridge::reply`): a
//!   poll message whose reply is parked here like a `/poll` (a [`Waiter::Reply`]).
//! - **eval**: a page that talks through `window.ipc.postMessage` gets its frames by
//!   `evaluate_script`; one scheduled flush carries every frame queued by then.
//!
//! A session that negotiated protocol version 2 gets each delivery's runs of `event` frames
//! of one topic and publisher packed into `events` frames (`switchboard_protocol::pack_events`,
//! after the queue's lock is released): a burst costs the page one frame header. The queue
//! and its bound count the frames as pushed.
//!
//! Pushing never blocks and never waits for the page: every queue of a window draws on the
//! window's [`Budget`] ([`MAX_QUEUED_BYTES`]), and a push past it is refused. One delivery
//! carries at most [`MAX_DELIVERY_BYTES`] of frames (or one larger frame), so the copies a
//! delivery makes (the batch, its base64 for `evaluate_script`) stay bounded too: a
//! window's pushes hold at most `MAX_QUEUED_BYTES` queued plus ~2.4× one delivery in
//! flight.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use wry::http::{HeaderValue, Response, StatusCode};

/// Whoever answers one HTTP request of the bridge (wry's asynchronous responder, or a test's).
pub(crate) type Responder = Box<dyn FnOnce(Response<Cow<'static, [u8]>>) + Send>;

/// How long a `/poll` is held open when nothing is queued.
pub(crate) const POLL_HOLD: Duration = Duration::from_secs(25);

/// Most bytes the queues of one window hold together before pushes are refused (one
/// frame may be as large as the protocol's 64 MiB frame limit).
pub(crate) const MAX_QUEUED_BYTES: usize = 80 * 1024 * 1024;

/// Most bytes of frames one delivery (a poll's answer, one `evaluate_script`) carries; a
/// single larger frame goes alone.
pub(crate) const MAX_DELIVERY_BYTES: usize = 4 * 1024 * 1024;

/// The bytes all the queues of one window may hold together.
#[derive(Debug)]
pub(crate) struct Budget {
    used: AtomicUsize,
    max: usize,
}

impl Budget {
    pub(crate) fn new(max: usize) -> Arc<Self> {
        Arc::new(Self {
            used: AtomicUsize::new(0),
            max,
        })
    }

    fn take(&self, n: usize) -> bool {
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(n).filter(|&total| total <= self.max)
            })
            .is_ok()
    }

    fn give(&self, n: usize) {
        self.used.fetch_sub(n, Ordering::AcqRel);
    }

    #[cfg(test)]
    pub(crate) fn used(&self) -> usize {
        self.used.load(Ordering::Acquire)
    }
}

/// Why a frame was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PushError {
    /// The window is closed.
    Closed,
    /// The window's queues hold [`MAX_QUEUED_BYTES`] already: the page is not reading.
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

/// What a parked poll is answered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PollAnswer<'a> {
    /// Frames, for a batch.
    Frames(&'a [Bytes]),
    /// Nothing came for [`POLL_HOLD`], or a newer poll replaced this one: poll again.
    Empty,
    /// The session is over: stop polling.
    Gone,
}

/// Who waits on a poll.
pub(crate) enum Waiter {
    /// A `POST /poll` (its HTTP responder).
    Http {
        responder: Responder,
        allow_origin: Option<HeaderValue>,
    },
    /// A poll message of the native reply route: called (on whichever thread answers) to
    /// hand the answer to the UI thread.
    Reply(Box<dyn for<'a> FnOnce(PollAnswer<'a>) + Send>),
}

impl Waiter {
    fn answer(self, answer: PollAnswer<'_>) {
        match self {
            Waiter::Http {
                responder,
                allow_origin,
            } => match answer {
                PollAnswer::Frames(frames) => answer_batch(responder, allow_origin, frames),
                PollAnswer::Empty => answer_empty(responder, allow_origin, StatusCode::NO_CONTENT),
                PollAnswer::Gone => answer_empty(responder, allow_origin, StatusCode::GONE),
            },
            Waiter::Reply(reply) => reply(answer),
        }
    }
}

struct Parked {
    waiter: Waiter,
    generation: u64,
    /// The task that expires this poll after [`POLL_HOLD`]: stopped when the poll is
    /// answered otherwise, so answered polls leave no timers behind.
    timer: Option<tokio::task::AbortHandle>,
}

impl Parked {
    fn answer(self, answer: PollAnswer<'_>) {
        if let Some(timer) = &self.timer {
            timer.abort();
        }
        self.waiter.answer(answer);
    }
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

/// The outbound queue of one session. Shared by the bus side (pushes, any thread) and the
/// bridge (polls, flushes).
pub(crate) struct Outbox {
    state: Mutex<State>,
    /// The session negotiated protocol version 2 or later: deliveries pack events.
    packs: AtomicBool,
    budget: Arc<Budget>,
    /// Asks the UI thread to call [`Outbox::take_for_eval`] and evaluate the frames.
    schedule_flush: Box<dyn Fn() + Send + Sync>,
}

impl Outbox {
    pub(crate) fn new(schedule_flush: Box<dyn Fn() + Send + Sync>, budget: Arc<Budget>) -> Self {
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
            packs: AtomicBool::new(false),
            budget,
            schedule_flush,
        }
    }

    /// The session's `welcome` chose protocol `version` (`SWITCHBOARD_BRIDGE_PACK=0`: never
    /// pack, for A/B measurements).
    pub(crate) fn negotiated(&self, version: u32) {
        let off = std::env::var("SWITCHBOARD_BRIDGE_PACK").is_ok_and(|v| v.trim() == "0");
        self.packs.store(
            !off && version >= switchboard_protocol::EVENTS_VERSION,
            Ordering::Release,
        );
    }

    /// The frames of one delivery as the page gets them: events packed for a version-2
    /// session (outside the queue's lock).
    fn deliverable(&self, frames: Vec<Bytes>) -> Vec<Bytes> {
        if self.packs.load(Ordering::Acquire) {
            switchboard_protocol::pack_events(frames, &switchboard_protocol::Limits::default())
        } else {
            frames
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
        if !self.budget.take(frame.len()) {
            return Err(PushError::Full);
        }
        state.queued_bytes += frame.len();
        state.queue.push_back(frame);
        if let Some(parked) = state.parked.take() {
            let frames = self.drain(&mut state);
            drop(state);
            let frames = self.deliverable(frames);
            parked.answer(PollAnswer::Frames(&frames));
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
        self.wait(Waiter::Http {
            responder,
            allow_origin,
        })
    }

    /// A poll (of any route) arrived: answer `waiter` now if frames are queued, else park
    /// it. Returns the generation to pass to [`Outbox::expire`] after [`POLL_HOLD`], if
    /// parked.
    pub(crate) fn wait(&self, waiter: Waiter) -> Option<u64> {
        let mut state = self.lock();
        state.mode = Mode::Poll;
        if state.closed {
            drop(state);
            waiter.answer(PollAnswer::Gone);
            return None;
        }
        if !state.queue.is_empty() {
            let frames = self.drain(&mut state);
            drop(state);
            let frames = self.deliverable(frames);
            waiter.answer(PollAnswer::Frames(&frames));
            return None;
        }
        state.generation += 1;
        let generation = state.generation;
        let previous = state.parked.replace(Parked {
            waiter,
            generation,
            timer: None,
        });
        drop(state);
        if let Some(previous) = previous {
            // a newer poll replaces an older one: the older is answered empty
            previous.answer(PollAnswer::Empty);
        }
        Some(generation)
    }

    /// The frames queued now, taken as a poll takes them (`None`: nothing queued; the
    /// session then counts as polling). `Err` when the session is over. For the reply
    /// route, which answers at once on the UI thread what it can.
    pub(crate) fn take_now(&self) -> Result<Option<Vec<Bytes>>, PushError> {
        let mut state = self.lock();
        state.mode = Mode::Poll;
        if state.closed {
            return Err(PushError::Closed);
        }
        if state.queue.is_empty() {
            return Ok(None);
        }
        let frames = self.drain(&mut state);
        drop(state);
        Ok(Some(self.deliverable(frames)))
    }

    /// Attach the expiry task of the poll of `generation` (stopped at once when that poll
    /// was answered meanwhile).
    pub(crate) fn arm(&self, generation: u64, timer: tokio::task::AbortHandle) {
        let mut state = self.lock();
        match state.parked.as_mut() {
            Some(parked) if parked.generation == generation => parked.timer = Some(timer),
            _ => timer.abort(),
        }
    }

    /// Answer the parked poll of `generation` with `204` if it is still parked.
    pub(crate) fn expire(&self, generation: u64) {
        let mut state = self.lock();
        if state.parked.as_ref().map(|p| p.generation) == Some(generation) {
            if let Some(mut parked) = state.parked.take() {
                drop(state);
                // this is the timer: nothing to stop
                parked.timer = None;
                parked.answer(PollAnswer::Empty);
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

    /// Frames to evaluate now (UI thread, on a scheduled flush): at most one delivery's
    /// worth; another flush is scheduled for the rest.
    pub(crate) fn take_for_eval(&self) -> Vec<Bytes> {
        let mut state = self.lock();
        state.flush_scheduled = false;
        if state.mode != Mode::Eval {
            return Vec::new();
        }
        let frames = self.drain(&mut state);
        if !state.queue.is_empty() {
            state.flush_scheduled = true;
            drop(state);
            (self.schedule_flush)();
        } else {
            drop(state);
        }
        self.deliverable(frames)
    }

    /// The session is over (its document navigated away, or the window closed): refuse
    /// later pushes, drop the queue, release a parked poll (`410 Gone`).
    pub(crate) fn close(&self) {
        let mut state = self.lock();
        if state.closed {
            return;
        }
        state.closed = true;
        state.queue.clear();
        self.budget.give(std::mem::take(&mut state.queued_bytes));
        let parked = state.parked.take();
        drop(state);
        if let Some(parked) = parked {
            parked.answer(PollAnswer::Gone);
        }
    }

    /// Take the frames of one delivery (at least one frame, at most
    /// [`MAX_DELIVERY_BYTES`] unless that one frame is larger).
    fn drain(&self, state: &mut State) -> Vec<Bytes> {
        let mut taken = 0;
        let mut frames = Vec::new();
        while let Some(frame) = state.queue.front() {
            if !frames.is_empty() && taken + frame.len() > MAX_DELIVERY_BYTES {
                break;
            }
            taken += frame.len();
            frames.extend(state.queue.pop_front());
        }
        state.queued_bytes -= taken;
        self.budget.give(taken);
        frames
    }

    #[cfg(test)]
    pub(crate) fn queued(&self) -> usize {
        self.lock().queue.len()
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        self.close();
    }
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
    use std::sync::mpsc;

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
        outbox_in(Budget::new(MAX_QUEUED_BYTES))
    }

    fn outbox_in(budget: Arc<Budget>) -> (Outbox, Arc<AtomicUsize>) {
        let flushes = Arc::new(AtomicUsize::new(0));
        let counter = flushes.clone();
        let outbox = Outbox::new(
            Box::new(move || {
                counter.fetch_add(1, Ordering::SeqCst);
            }),
            budget,
        );
        (outbox, flushes)
    }

    #[test]
    fn a_reply_waiter_is_parked_and_answered_like_a_poll() {
        let (outbox, _) = outbox();
        let (tx, rx) = mpsc::channel();
        let waiter = |tx: mpsc::Sender<String>| {
            Waiter::Reply(Box::new(move |answer| {
                let _ = tx.send(format!("{answer:?}"));
            }))
        };
        let generation = outbox.wait(waiter(tx.clone())).unwrap();
        assert!(rx.try_recv().is_err());
        outbox.push(Bytes::from_static(b"\x80")).unwrap();
        assert_eq!(rx.try_recv().unwrap(), "Frames([b\"\\x80\"])");
        outbox.expire(generation); // answered already: nothing
        assert!(rx.try_recv().is_err());
        assert_eq!(outbox.take_now(), Ok(None));
        outbox.push(Bytes::from_static(b"\x81")).unwrap();
        assert_eq!(
            outbox.take_now(),
            Ok(Some(vec![Bytes::from_static(b"\x81")]))
        );
        outbox.wait(waiter(tx));
        outbox.close();
        assert_eq!(rx.try_recv().unwrap(), "Gone");
        assert_eq!(outbox.take_now(), Err(PushError::Closed));
    }

    #[test]
    fn a_version_2_session_gets_a_burst_of_one_topic_in_one_events_frame() {
        use switchboard_protocol::{Event, Frame, Limits, Topic};
        let event = |n: u8| {
            Bytes::from(
                Frame::Event(Event {
                    topic: Topic::new("tick").unwrap(),
                    payload: Bytes::from(vec![n]),
                    from: None,
                })
                .encode(),
            )
        };
        let (old, _) = outbox();
        let (new, _) = outbox();
        new.negotiated(2);
        for n in 0..100 {
            old.push(event(n)).unwrap();
            new.push(event(n)).unwrap();
        }
        assert_eq!(
            old.take_now().unwrap().unwrap().len(),
            100,
            "a version-1 page"
        );
        let packed = new.take_now().unwrap().unwrap();
        assert_eq!(packed.len(), 1);
        match Frame::decode(&packed[0], &Limits::default()).unwrap() {
            Frame::Events(e) => {
                let order: Vec<u8> = e.payloads.iter().map(|p| p[0]).collect();
                assert_eq!(order, (0..100).collect::<Vec<u8>>());
            }
            other => panic!("expected events, got {other:?}"),
        }
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
    fn a_closed_queue_gives_its_bytes_back_to_the_window() {
        let budget = Budget::new(MAX_QUEUED_BYTES);
        let (outbox, _) = outbox_in(budget.clone());
        outbox.push(Bytes::from(vec![0u8; 1000])).unwrap();
        assert_eq!(budget.used(), 1000);
        outbox.close();
        assert_eq!(budget.used(), 0);
        let (other, _) = outbox_in(budget.clone());
        other.push(Bytes::from(vec![0u8; 10])).unwrap();
        drop(other);
        assert_eq!(budget.used(), 0, "a dropped queue keeps no budget");
    }

    #[test]
    fn the_queues_of_a_window_share_one_budget() {
        let budget = Budget::new(1000);
        let (a, _) = outbox_in(budget.clone());
        let (b, _) = outbox_in(budget.clone());
        a.push(Bytes::from(vec![0u8; 600])).unwrap();
        assert_eq!(b.push(Bytes::from(vec![0u8; 600])), Err(PushError::Full));
        b.push(Bytes::from(vec![0u8; 400])).unwrap();
        let (r, _rx) = responder();
        a.poll(r, None);
        assert_eq!(budget.used(), 400, "a delivered frame frees its bytes");
    }

    #[test]
    fn one_delivery_carries_at_most_its_share_and_the_rest_follows() {
        let (outbox, flushes) = outbox();
        let frame = Bytes::from(vec![0u8; MAX_DELIVERY_BYTES / 4]);
        for _ in 0..10 {
            outbox.push(frame.clone()).unwrap();
        }
        let (r, rx) = responder();
        assert!(outbox.poll(r, None).is_none());
        let body = Bytes::from(rx.try_recv().unwrap().into_body().into_owned());
        let frames =
            switchboard_protocol::unbatch(&body, &switchboard_protocol::Limits::default()).unwrap();
        assert_eq!(frames.len(), 4);
        assert_eq!(outbox.queued(), 6, "the rest waits for the next poll");
        assert_eq!(flushes.load(Ordering::SeqCst), 0);
        // by eval, the rest goes in further flushes
        let (eval, flushes) = outbox_in(Budget::new(MAX_QUEUED_BYTES));
        eval.prefer_eval();
        for _ in 0..10 {
            eval.push(frame.clone()).unwrap();
        }
        assert_eq!(eval.take_for_eval().len(), 4);
        assert_eq!(eval.take_for_eval().len(), 4);
        assert_eq!(eval.take_for_eval().len(), 2);
        assert_eq!(
            flushes.load(Ordering::SeqCst),
            3,
            "one flush, then one per rest"
        );
        // a single frame larger than a delivery goes alone
        let big = Bytes::from(vec![0u8; MAX_DELIVERY_BYTES * 2]);
        eval.push(big.clone()).unwrap();
        eval.push(frame).unwrap();
        assert_eq!(eval.take_for_eval(), vec![big]);
    }

    #[test]
    fn an_answered_poll_stops_its_timer() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (outbox, _) = outbox();
        let (r, _rx) = responder();
        let generation = outbox.poll(r, None).unwrap();
        let timer = rt.spawn(std::future::pending::<()>());
        outbox.arm(generation, timer.abort_handle());
        outbox.push(Bytes::from_static(b"\x80")).unwrap();
        let finished = rt.block_on(timer);
        assert!(
            finished.unwrap_err().is_cancelled(),
            "the timer outlived its poll"
        );
        // arming a poll that is already answered stops the timer at once
        let late = rt.spawn(std::future::pending::<()>());
        outbox.arm(generation, late.abort_handle());
        assert!(rt.block_on(late).unwrap_err().is_cancelled());
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
        assert_eq!(outbox.push(big), Err(PushError::Full));
        assert_eq!(
            outbox.push(Bytes::from_static(b"\x80")),
            Err(PushError::Full)
        );
    }
}
