//! Persistent key-value stores for Switchboard pages (work in progress).
