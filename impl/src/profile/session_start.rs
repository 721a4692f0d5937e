//! How the initiator's first sending chain comes about.

use serde::Serialize;

/// The variant of RatchetInitAlice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SessionStart {
    /// DR spec section 3.3: Alice draws a ratchet key and performs a DH ratchet step against
    /// Bob's ratchet public key (his signed prekey) before her first message.
    #[default]
    DhStepAtInit,
    /// olm.md: the key agreement yields the first chain key C0,0 directly; Alice sends on it
    /// under a fresh ratchet key T0, with no DH step, and Bob receives on it.
    SendOnFirstChain,
}

impl SessionStart {
    /// For `skip_serializing_if`: the DR spec's behaviour is left implicit in profile files.
    pub fn is_default(&self) -> bool {
        *self == SessionStart::default()
    }
}
