//! A serde export of every state variable the DR spec names (section 3.2), in the spec's own
//! names, for stateful vectors and for restoring sessions. It contains secrets: handle it as
//! key material.

use serde::{Deserialize, Serialize};

use crate::primitives::{ChainKey, DhKeyPair, DhPublicKey, MessageKey, RootKey};

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
    /// DHs: our current ratchet key pair.
    #[serde(rename = "DHs")]
    pub dhs: DhKeyPair,
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
