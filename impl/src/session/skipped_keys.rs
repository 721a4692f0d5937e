//! MKSKIPPED: message keys of messages not yet received, indexed by (ratchet public key, N).
//!
//! The store is bounded by the profile's cap on stored keys. Inserting into a full store
//! evicts the key inserted longest ago (oldest first), whatever chain it belongs to. Lookups
//! and eviction are logarithmic, so a full store costs no more per message than an empty one.

use std::collections::BTreeMap;

use crate::primitives::{DhPublicKey, MessageKey};

/// Skipped message keys in insertion order.
#[derive(Clone, Default)]
pub struct SkippedKeyStore {
    by_id: BTreeMap<(DhPublicKey, u32), (u64, MessageKey)>,
    by_age: BTreeMap<u64, (DhPublicKey, u32)>,
    next_seq: u64,
    cap: usize,
}

impl SkippedKeyStore {
    /// An empty store holding at most `cap` keys.
    pub fn new(cap: usize) -> SkippedKeyStore {
        SkippedKeyStore {
            cap,
            ..SkippedKeyStore::default()
        }
    }

    /// Number of stored keys.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// True when no key is stored.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// The most keys this store keeps.
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// The key for message `n` of the chain of ratchet key `dh`, if stored.
    pub fn get(&self, dh: &DhPublicKey, n: u32) -> Option<&MessageKey> {
        self.by_id.get(&(*dh, n)).map(|(_, mk)| mk)
    }

    /// Removes and returns a key (it is used once, then gone).
    pub fn remove(&mut self, dh: &DhPublicKey, n: u32) -> Option<MessageKey> {
        let (seq, mk) = self.by_id.remove(&(*dh, n))?;
        self.by_age.remove(&seq);
        Some(mk)
    }

    /// Stores a key as the newest, evicting the oldest while the store is full. Returns how
    /// many keys were evicted.
    pub fn insert(&mut self, dh: DhPublicKey, n: u32, mk: MessageKey) -> usize {
        self.remove(&dh, n);
        let mut evicted = 0;
        while self.by_id.len() >= self.cap {
            match self.by_age.pop_first() {
                Some((_, id)) => {
                    self.by_id.remove(&id);
                    evicted += 1;
                }
                None => return evicted + 1,
            }
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.by_age.insert(seq, (dh, n));
        self.by_id.insert((dh, n), (seq, mk));
        evicted
    }

    /// Every stored key, oldest first.
    pub fn iter_oldest_first(&self) -> impl Iterator<Item = (DhPublicKey, u32, &MessageKey)> {
        self.by_age
            .values()
            .filter_map(|id| self.by_id.get(id).map(|(_, mk)| (id.0, id.1, mk)))
    }
}

impl std::fmt::Debug for SkippedKeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SkippedKeyStore({} of {} keys, [redacted])",
            self.len(),
            self.cap
        )
    }
}
