//! The handshake: a client's `hello`, answered with `welcome` (the version, the session,
//! the window, its grants and the limits) or `unsupported_version`.

use bytes::Bytes;
use switchboard_protocol::{
    ErrorFrame, Frame, Hello, SessionLimits, Welcome, PROTOCOL_VERSION, SUPPORTED_VERSIONS,
};

use super::frames::encode;
use super::Session;
use crate::error::BusError;

impl Session {
    pub(super) fn hello(&self, hello: Hello) -> Bytes {
        if !hello.versions.contains(&PROTOCOL_VERSION) {
            return encode(&Frame::Error(ErrorFrame {
                error: BusError::UnsupportedVersion {
                    offered: hello.versions,
                }
                .into(),
                id: None,
                versions: Some(SUPPORTED_VERSIONS.to_vec()),
            }));
        }
        self.inner.lock().version = Some(PROTOCOL_VERSION);
        tracing::debug!(window = %self.inner.caller.window, client = %hello.client, name = %hello.name, "hello");
        let limits = self.inner.app.limits();
        encode(&Frame::Welcome(Welcome {
            version: PROTOCOL_VERSION,
            session: self.inner.uuid.clone(),
            window: self.inner.caller.window.to_string(),
            grants: self.inner.grants.patterns(),
            limits: SessionLimits {
                max_frame: limits.max_frame as u64,
                max_depth: limits.max_depth as u32,
                max_pending: self.inner.app.inner.max_pending as u32,
            },
        }))
    }
}
