//! When a party draws its next ratchet key after receiving the peer's new one.

use serde::Serialize;

/// The timing of the sending half of a DH ratchet step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SenderRatchet {
    /// DR spec section 3.5: DHRatchet derives the receiving chain and, at once, a new ratchet
    /// key and the new sending chain.
    #[default]
    AtReceive,
    /// olm.md "Receiving messages": a new receiving chain discards the sending chain; the new
    /// ratchet key and sending chain are made at the next send.
    AtNextSend,
}

impl SenderRatchet {
    /// For `skip_serializing_if`.
    pub fn is_default(&self) -> bool {
        *self == SenderRatchet::default()
    }
}
