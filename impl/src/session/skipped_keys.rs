//! MKSKIPPED: message keys of messages not yet received, indexed by (ratchet public key, N).
//!
//! The store is bounded by the profile's cap on stored keys, applied to the whole session
//! (DR spec; libolm) or to each receiving chain (vodozemac), as [`StoredKeysScope`] says.
//! Inserting into a full store (or a chain's full share) evicts the key inserted longest ago
//! in it. Lookups and eviction are logarithmic, so a full store costs no more per message
//! than an empty one.

use std::collections::BTreeMap;

use crate::primitives::{DhPublicKey, MessageKey};
use crate::profile::StoredKeysScope;

/// Skipped message keys in insertion order.
#[derive(Clone, Default)]
pub struct SkippedKeyStore {
    by_id: BTreeMap<(DhPublicKey, u32), (u64, MessageKey)>,
    by_age: BTreeMap<u64, (DhPublicKey, u32)>,
    /// Per chain, oldest first; kept only when the cap applies per chain.
    by_chain: BTreeMap<(DhPublicKey, u64), u32>,
    next_seq: u64,
    cap: usize,
    scope: StoredKeysScope,
}

impl SkippedKeyStore {
    /// An empty store holding at most `cap` keys in the whole session.
    pub fn new(cap: usize) -> SkippedKeyStore {
        SkippedKeyStore::with_scope(cap, StoredKeysScope::Session)
    }

    /// An empty store holding at most `cap` keys in the session or in each chain.
    pub fn with_scope(cap: usize, scope: StoredKeysScope) -> SkippedKeyStore {
        SkippedKeyStore {
            cap,
            scope,
            ..SkippedKeyStore::default()
        }
    }

    /// Where the cap applies.
    pub fn scope(&self) -> StoredKeysScope {
        self.scope
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
        if self.scope == StoredKeysScope::ReceivingChain {
            self.by_chain.remove(&(*dh, seq));
        }
        Some(mk)
    }

    /// Removes every key of the chain of `dh` (its receiving chain was dropped); returns how
    /// many.
    pub fn remove_chain(&mut self, dh: &DhPublicKey) -> usize {
        let ns: Vec<u32> = self
            .by_id
            .range((*dh, 0)..=(*dh, u32::MAX))
            .map(|((_, n), _)| *n)
            .collect();
        for n in &ns {
            self.remove(dh, *n);
        }
        ns.len()
    }

    /// The number of keys stored for the chain of `dh`.
    pub fn chain_len(&self, dh: &DhPublicKey) -> usize {
        self.by_id.range((*dh, 0)..=(*dh, u32::MAX)).count()
    }

    fn evict_oldest_of(&mut self, dh: &DhPublicKey) -> bool {
        let oldest = self
            .by_chain
            .range((*dh, 0)..=(*dh, u64::MAX))
            .next()
            .map(|(_, n)| *n);
        match oldest {
            Some(n) => self.remove(dh, n).is_some(),
            None => false,
        }
    }

    /// Stores a key as the newest, evicting the oldest while the store is full. Returns how
    /// many keys were evicted.
    pub fn insert(&mut self, dh: DhPublicKey, n: u32, mk: MessageKey) -> usize {
        self.remove(&dh, n);
        let mut evicted = 0;
        match self.scope {
            StoredKeysScope::Session => {
                while self.by_id.len() >= self.cap {
                    match self.by_age.pop_first() {
                        Some((_, id)) => {
                            self.by_id.remove(&id);
                            evicted += 1;
                        }
                        None => return evicted + 1,
                    }
                }
            }
            StoredKeysScope::ReceivingChain => {
                while self.chain_len(&dh) >= self.cap {
                    if !self.evict_oldest_of(&dh) {
                        return evicted + 1;
                    }
                    evicted += 1;
                }
            }
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.by_age.insert(seq, (dh, n));
        self.by_id.insert((dh, n), (seq, mk));
        if self.scope == StoredKeysScope::ReceivingChain {
            self.by_chain.insert((dh, seq), n);
        }
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
