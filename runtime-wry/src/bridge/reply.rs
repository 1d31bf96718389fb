//! The native reply route: frames as text through a message handler whose `postMessage`
//! returns a promise (WebKitGTK 2.40+'s script message handler with reply; the FFI is
//! `crate::native`). On WebKitGTK it is the pages' default route for small frames and for
//! the held-open push.
//!
//! | the page sends (`messageHandlers.switchboard.postMessage`) | the promise resolves with |
//! |---|---|
//! | `<token>:<base64 frame>` | the base64 of the direct answer, `""` when none is due |
//! | `<token>:!` (a poll) | held until the session has frames: the base64 of a batch (PROTOCOL.md §7); `""` after 25 s of nothing (poll again); `null` once the session is over |
//!
//! and rejects when the message is refused (no token of the current document, not a
//! string, an answer for a document that is gone).
//!
//! **The trust model is the string channel's** (see the bridge's module docs): the handler
//! is registered in the page's world, so every frame of the page can post to it, as to
//! `window.ipc`. The top frame's guard script captures the real handler at document start
//! and shadows it with a wrapper that prefixes the document's token (called through
//! `Reflect.apply`); a message is handled only with the current document's token, and is
//! stamped with the origin recorded when that token was issued. Answers are tied to their
//! document: one that is ready after the window committed another document is dropped (the
//! UI thread checks the [`DocumentId`] before it answers; see `runtime`).
//!
//! Only strings cross this route (a `Uint8Array` arrives as a plain object), hence base64.

use std::sync::Arc;

use base64::Engine as _;
use bytes::Bytes;
use switchboard_protocol::ErrorCode;

use super::outbox::{PollAnswer, Waiter};
use super::parse::{self, FrameTextError, ReplyBody};
use super::{error_frame, refusal, refused_error, Bridge, DocumentId, POLL_HOLD};
use crate::origin::Origin;

/// Which reply of a window an answer is for (the UI thread keeps the replies).
pub(crate) type ReplyId = u64;

/// Hands the UI thread the answer to reply `id` of `document` (from any thread): the text
/// to resolve the page's promise with (`None`: `null`).
pub(crate) type ReplyLater = Arc<dyn Fn(ReplyId, DocumentId, Option<String>) + Send + Sync>;

/// What the UI thread does with one message of the reply route.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ReplyAction {
    /// Resolve the promise now with this text (`None`: `null`), if `DocumentId` is still
    /// the window's document.
    Now(DocumentId, Option<String>),
    /// Keep the reply: its answer comes through [`ReplyLater`] under the id given.
    Later(DocumentId),
    /// Reject the promise: the message is refused.
    Refuse(&'static str),
}

/// Base64 of one frame, the text of a direct answer.
pub(crate) fn frame_text(frame: Option<&[u8]>) -> String {
    frame.map_or_else(String::new, |f| {
        base64::engine::general_purpose::STANDARD.encode(f)
    })
}

/// The text answering a poll.
pub(crate) fn poll_text(answer: PollAnswer<'_>) -> Option<String> {
    match answer {
        PollAnswer::Frames(frames) => Some(
            base64::engine::general_purpose::STANDARD.encode(switchboard_protocol::batch(frames)),
        ),
        PollAnswer::Empty => Some(String::new()),
        PollAnswer::Gone => None,
    }
}

impl Bridge {
    /// One message of window `label`'s reply route (UI thread): `id` names its reply, kept
    /// by the UI thread when the answer is [`ReplyAction::Later`].
    pub(crate) fn handle_reply(
        &self,
        label: &str,
        message: &[u8],
        id: ReplyId,
        later: &ReplyLater,
    ) -> ReplyAction {
        const REFUSED: &str =
            "switchboard: this message has no valid token of the current document";
        let Some(link) = self.link(label) else {
            return ReplyAction::Refuse("switchboard: this window is closed");
        };
        let Some((token, body)) = parse::split_reply_message(message) else {
            tracing::warn!(window = %link.label, "reply-route message without a token dropped");
            return ReplyAction::Refuse(REFUSED);
        };
        let Some((document, origin)) = std::str::from_utf8(token)
            .ok()
            .and_then(|token| link.document_of_token(token))
        else {
            tracing::warn!(window = %link.label, "reply-route message without this document's token dropped");
            return ReplyAction::Refuse(REFUSED);
        };
        let body = match body {
            ReplyBody::Poll => return self.reply_poll(&link, &origin, document, id, later),
            ReplyBody::Frame(body) => body,
        };
        let frame = match self.reply_frame(body) {
            Ok(frame) => frame,
            Err(answer) => return ReplyAction::Now(document, Some(frame_text(Some(&answer)))),
        };
        let channel = match link.channel(&origin, self.trusted.allows(Some(&origin))) {
            Ok(channel) => channel,
            Err(refused) => {
                let (code, text) = refused_error(&refused, Some(&origin));
                let answer = refusal(&frame, code, &text);
                return ReplyAction::Now(document, Some(frame_text(Some(&answer))));
            }
        };
        let span = tracing::debug_span!("bridge.reply", window = %link.label);
        let work = channel.session.handle(frame.clone());
        let later = later.clone();
        let ready = self.drive(&frame, work, span, move |answer| {
            later(id, document, Some(frame_text(answer.as_deref())));
        });
        match ready {
            Some(answer) => ReplyAction::Now(document, Some(frame_text(answer.as_deref()))),
            None => ReplyAction::Later(document),
        }
    }

    /// The frame of a message body (base64), or the frame refusing it.
    fn reply_frame(&self, body: &[u8]) -> Result<Bytes, Vec<u8>> {
        parse::decode_frame_text(body, self.limits.max_frame).map_err(|e| match e {
            FrameTextError::TooLarge => {
                // the request id, from a bounded prefix of the base64
                let text = format!(
                    "a frame on the reply route is limited to {} bytes",
                    self.limits.max_frame
                );
                refusal(&parse::peek_head(body), ErrorCode::TooLarge, &text)
            }
            FrameTextError::NotBase64(e) => error_frame(
                ErrorCode::Malformed,
                &format!("a reply-route message is not base64: {e}"),
            ),
        })
    }

    /// A poll message: frames queued now are answered at once; else the reply is parked
    /// in the top session's queue like a `/poll`.
    fn reply_poll(
        &self,
        link: &super::WindowLink,
        origin: &Origin,
        document: DocumentId,
        id: ReplyId,
        later: &ReplyLater,
    ) -> ReplyAction {
        let Ok(channel) = link.channel(origin, self.trusted.allows(Some(origin))) else {
            return ReplyAction::Now(document, None);
        };
        let outbox = channel.outbox;
        match outbox.take_now() {
            Err(_) => return ReplyAction::Now(document, None),
            Ok(Some(frames)) => {
                return ReplyAction::Now(document, poll_text(PollAnswer::Frames(&frames)))
            }
            Ok(None) => {}
        }
        let later = later.clone();
        let waiter = Waiter::Reply(Box::new(move |answer| {
            later(id, document, poll_text(answer));
        }));
        if let Some(generation) = outbox.wait(waiter) {
            let expiring = outbox.clone();
            let timer = self.runtime.spawn(async move {
                tokio::time::sleep(POLL_HOLD).await;
                expiring.expire(generation);
            });
            outbox.arm(generation, timer.abort_handle());
        }
        ReplyAction::Later(document)
    }
}
