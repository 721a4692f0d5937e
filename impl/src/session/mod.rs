//! The Double Ratchet session (DR spec section 3): state, RatchetEncrypt, RatchetDecrypt,
//! skipped message keys and state snapshots.

pub mod double_ratchet;
pub mod olm_state;
pub mod receiving_chains;
pub mod sending_chain;
pub mod skipped_keys;
pub mod snapshot;

pub use double_ratchet::{MessageKind, PreKeyEnvelope, Session};
pub use olm_state::{OlmReceiverChain, OlmSenderChain, OlmSessionState, OlmSkippedKey};
pub use skipped_keys::SkippedKeyStore;
pub use snapshot::{SessionSnapshot, SkippedKeyEntry};
