//! The Double Ratchet session (DR spec section 3): state, RatchetEncrypt, RatchetDecrypt,
//! skipped message keys and state snapshots.

pub mod double_ratchet;
pub mod skipped_keys;
pub mod snapshot;

pub use double_ratchet::Session;
pub use skipped_keys::SkippedKeyStore;
pub use snapshot::{SessionSnapshot, SkippedKeyEntry};
