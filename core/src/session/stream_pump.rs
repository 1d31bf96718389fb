//! The stream pump: a request answered with a stream gets a task that sends its items one
//! unit of credit each, and ends it with `stream_end` (done, failed, cancelled, closed or
//! past its deadline).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use futures::future::{AbortHandle, Abortable};
use futures::stream::{BoxStream, StreamExt};
use switchboard_protocol::{Address, Frame, RequestId, StreamEnd, StreamItem, WireError};
use tokio::time::Instant;
use tracing::Instrument;

use super::connection::PendingGuard;
use super::frames::encode;
use super::{Outbound, Session};
use crate::error::{BusError, Closed};
use crate::stream::CreditGate;

impl Session {
    pub(super) fn start_stream(
        &self,
        id: RequestId,
        target: Address,
        stream: BoxStream<'static, Result<Bytes, WireError>>,
        guard: PendingGuard,
        deadline: Option<(Instant, u64)>,
        credit: u32,
    ) {
        let gate = Arc::new(CreditGate::new(u64::from(credit)));
        let (abort, registration) = AbortHandle::new_pair();
        {
            let mut state = self.inner.lock();
            if state.closed {
                return;
            }
            match state.pending.get_mut(&id) {
                Some(p) => {
                    // a cancel that came while the handler ran still counts
                    if p.abort.is_aborted() {
                        abort.abort();
                    }
                    p.abort = abort;
                    p.credit = Some(Arc::clone(&gate));
                }
                None => return,
            }
        }
        let this = self.clone();
        let outbound = Arc::clone(&self.inner.outbound);
        let sent = Arc::new(AtomicU64::new(0));
        let span =
            tracing::debug_span!("stream", window = %self.inner.caller.window, id = id.get());
        tokio::spawn(
            async move {
                let pump = Abortable::new(
                    pump(stream, gate, Arc::clone(&outbound), id, Arc::clone(&sent)),
                    registration,
                );
                let ended = match deadline {
                    Some((at, _)) => tokio::time::timeout_at(at, pump).await.ok(),
                    None => Some(pump.await),
                };
                let error = match ended {
                    Some(Ok(Ok(()))) => None,
                    Some(Ok(Err(PumpEnd::Failed(e)))) => Some(e),
                    Some(Ok(Err(PumpEnd::Closed))) => return,
                    Some(Err(_aborted)) => Some(this.cancelled(id).into()),
                    None => Some(
                        BusError::StreamDeadlineExceeded {
                            target,
                            deadline_ms: deadline.map_or(0, |(_, ms)| ms),
                        }
                        .into(),
                    ),
                };
                let end = encode(&Frame::StreamEnd(StreamEnd {
                    id,
                    seq: sent.load(Ordering::Acquire),
                    error,
                }));
                // free the request's slot before saying so: a client that sees the end may
                // send its next request at once, and must not find this one still pending
                drop(guard);
                let _ = outbound.send(end);
            }
            .instrument(span),
        );
    }
}

enum PumpEnd {
    Failed(WireError),
    Closed,
}

/// Send the stream's items, one unit of credit each; the producer is polled only when
/// there is credit, so it cannot run ahead of the client.
async fn pump(
    mut stream: BoxStream<'static, Result<Bytes, WireError>>,
    gate: Arc<CreditGate>,
    outbound: Arc<dyn Outbound>,
    id: RequestId,
    sent: Arc<AtomicU64>,
) -> Result<(), PumpEnd> {
    loop {
        gate.acquire().await;
        match stream.next().await {
            None => return Ok(()),
            Some(Err(e)) => return Err(PumpEnd::Failed(e)),
            Some(Ok(payload)) => {
                let seq = sent.load(Ordering::Acquire);
                outbound
                    .send(encode(&Frame::StreamItem(StreamItem { id, seq, payload })))
                    .map_err(|Closed| PumpEnd::Closed)?;
                sent.store(seq + 1, Ordering::Release);
                // a ready producer with ample credit must not hog the worker (and starve
                // its own deadline): give way every few items
                if seq % 16 == 15 {
                    tokio::task::yield_now().await;
                }
            }
        }
    }
}
