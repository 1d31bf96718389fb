//! The handshake: a client's `hello`, answered with `welcome` (the version, the session,
//! the window, its grants and the limits) or `unsupported_version`.

use bytes::Bytes;
use switchboard_protocol::{ErrorFrame, Frame, Hello, SessionLimits, Welcome, SUPPORTED_VERSIONS};

use super::frames::encode;
use super::Session;
use crate::error::BusError;

impl Session {
    pub(super) fn hello(&self, hello: Hello) -> Bytes {
        // the newest version both speak (SUPPORTED_VERSIONS is newest first)
        let Some(version) = SUPPORTED_VERSIONS
            .iter()
            .copied()
            .find(|v| hello.versions.contains(v))
        else {
            return encode(&Frame::Error(ErrorFrame {
                error: BusError::UnsupportedVersion {
                    offered: hello.versions,
                }
                .into(),
                id: None,
                versions: Some(SUPPORTED_VERSIONS.to_vec()),
            }));
        };
        self.inner.lock().version = Some(version);
        self.inner.outbound.negotiated(version);
        tracing::debug!(window = %self.inner.caller.window, client = %hello.client, name = %hello.name, "hello");
        let limits = self.inner.app.limits();
        encode(&Frame::Welcome(Welcome {
            version,
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
