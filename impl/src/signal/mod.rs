//! libsignal's v3 sessions: X3DH with X25519 identity keys and XEdDSA-signed prekeys
//! ([`agreement`]), and the sessions it starts, which wrap the initiator's messages in
//! PreKeySignalMessages until she has received one and authenticate every message with both
//! identity keys ([`handshake`]).

pub mod agreement;
pub mod handshake;
