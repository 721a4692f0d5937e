//! A serde export of every state variable the DR spec names (section 3.2), in the spec's own
//! names, for stateful vectors and for restoring sessions. It contains secrets: handle it as
//! key material.

use serde::{Deserialize, Serialize};

use crate::primitives::{ChainKey, DhKeyPair, DhPrivateKey, DhPublicKey, MessageKey, RootKey};

/// One stored skipped message key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkippedKeyEntry {
    /// The ratchet public key of the chain.
    pub dh: DhPublicKey,
    /// The message number.
    pub n: u32,
    /// The message key.
    pub mk: MessageKey,
}

/// The complete state of a session. `MKSKIPPED` lists stored keys oldest first, which is
/// also the eviction order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionSnapshot {
    /// DHs: our current ratchet key pair (`null` while an Olm session holds none).
    #[serde(rename = "DHs")]
    pub dhs: Option<DhKeyPair>,
    /// DHr: the peer's current ratchet public key, once known.
    #[serde(rename = "DHr")]
    pub dhr: Option<DhPublicKey>,
    /// RK: the root key.
    #[serde(rename = "RK")]
    pub rk: RootKey,
    /// CKs: the sending chain key, once there is a sending chain.
    #[serde(rename = "CKs")]
    pub cks: Option<ChainKey>,
    /// CKr: the receiving chain key, once there is a receiving chain.
    #[serde(rename = "CKr")]
    pub ckr: Option<ChainKey>,
    /// Ns: messages sent in the current sending chain.
    #[serde(rename = "Ns")]
    pub ns: u32,
    /// Nr: messages received in the current receiving chain.
    #[serde(rename = "Nr")]
    pub nr: u32,
    /// PN: messages in the previous sending chain.
    #[serde(rename = "PN")]
    pub pn: u32,
    /// MKSKIPPED, oldest first.
    #[serde(rename = "MKSKIPPED")]
    pub mkskipped: Vec<SkippedKeyEntry>,
}

impl SessionSnapshot {
    /// DHs's public key; all zero when the session holds no ratchet key (an Olm session
    /// between a new receiving chain and its next send).
    pub fn dhs_public(&self) -> DhPublicKey {
        self.dhs
            .as_ref()
            .map_or(DhPublicKey([0; 32]), |pair| pair.public)
    }

    /// DHs's private key; all zero when the session holds none.
    pub fn dhs_private(&self) -> DhPrivateKey {
        self.dhs
            .as_ref()
            .map_or(DhPrivateKey::from_bytes([0; 32]), |pair| {
                pair.private.clone()
            })
    }
}
