//! Olm's key agreement (olm.md, "Initial setup" and "The Olm Protocol"): triple DH between
//! the identity keys and one-time keys, giving the first root key and chain key, and the
//! pre-key message that carries the initiator's public keys.

pub mod agreement;
pub mod handshake;

pub use agreement::{initiate, respond, TripleDhOutput};
pub use handshake::{inbound_session, outbound_session, OutboundSession};
