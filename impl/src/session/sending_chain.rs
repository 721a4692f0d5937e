//! The sending half of a session, as a typed state rather than a set of optional fields.

use crate::primitives::{ChainKey, DhKeyPair};

/// Where the session's sending side stands.
#[derive(Debug, Clone)]
pub enum SendingState {
    /// A ratchet key pair and the sending chain derived with it: the session can send.
    Active {
        /// DHs.
        dhs: DhKeyPair,
        /// CKs.
        ck: ChainKey,
        /// Ns: messages sent on this chain.
        ns: u32,
    },
    /// A ratchet key pair but no sending chain yet (the DR spec's responder before its first
    /// received message: its key pair is the signed prekey).
    Waiting {
        /// DHs.
        dhs: DhKeyPair,
    },
    /// No ratchet key at all: Olm drops its sending chain when a new receiving chain starts
    /// (and Bob starts without one); a new key and chain are made at the next send.
    Inactive,
}

impl SendingState {
    /// DHs, when the session holds one.
    pub fn dhs(&self) -> Option<&DhKeyPair> {
        match self {
            SendingState::Active { dhs, .. } | SendingState::Waiting { dhs } => Some(dhs),
            SendingState::Inactive => None,
        }
    }

    /// CKs, when a sending chain exists.
    pub fn chain_key(&self) -> Option<&ChainKey> {
        match self {
            SendingState::Active { ck, .. } => Some(ck),
            _ => None,
        }
    }

    /// Ns (0 without a sending chain).
    pub fn ns(&self) -> u32 {
        match self {
            SendingState::Active { ns, .. } => *ns,
            _ => 0,
        }
    }
}
