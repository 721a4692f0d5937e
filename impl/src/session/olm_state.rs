//! A serde export of a session in Olm's own terms (libolm's `Ratchet`: root key, sender
//! chain, receiver chains, skipped message keys), for Olm's stateful vectors. It contains
//! secrets: handle it as key material.

use serde::{Deserialize, Serialize};

use crate::primitives::{ChainKey, DhPrivateKey, DhPublicKey, MessageKey, RootKey};

/// The sending chain: our ratchet key T_i and chain key C_i,j.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OlmSenderChain {
    /// T_i's private key.
    pub ratchet_private: DhPrivateKey,
    /// T_i.
    pub ratchet_public: DhPublicKey,
    /// The chain key of the next message.
    pub chain_key: ChainKey,
    /// The index j of the next message.
    pub index: u32,
}

/// A receiving chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OlmReceiverChain {
    /// The peer's ratchet key of this chain.
    pub ratchet_key: DhPublicKey,
    /// The chain key of the next message.
    pub chain_key: ChainKey,
    /// The index of the next message.
    pub index: u32,
}

/// A stored message key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OlmSkippedKey {
    /// The ratchet key of its chain.
    pub ratchet_key: DhPublicKey,
    /// Its index.
    pub index: u32,
    /// M_i,j.
    pub mk: MessageKey,
}

/// The whole state; lists newest first, as libolm keeps them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OlmSessionState {
    /// R_i.
    pub root_key: RootKey,
    /// The sending chain, when one exists.
    pub sender_chain: Option<OlmSenderChain>,
    /// Receiving chains, newest first.
    pub receiver_chains: Vec<OlmReceiverChain>,
    /// Skipped message keys, newest first.
    pub skipped_keys: Vec<OlmSkippedKey>,
}
