//! The two bounded stores of a session on their own: the skipped-key store (MKSKIPPED) with
//! its cap applied to the whole session (DR spec, libolm) or to each receiving chain
//! (vodozemac), and the receiving chains kept newest first.

use ratchet_ref::primitives::{generate_dh_from_bytes, ChainKey, DhPublicKey, MessageKey};
use ratchet_ref::profile::StoredKeysScope;
use ratchet_ref::session::receiving_chains::{ReceivingChain, ReceivingChains};
use ratchet_ref::session::SkippedKeyStore;

fn chain(byte: u8) -> DhPublicKey {
    generate_dh_from_bytes([byte; 32]).public
}

fn mk(n: u32) -> MessageKey {
    MessageKey::from_bytes([n as u8; 32])
}

fn held(store: &SkippedKeyStore) -> Vec<(DhPublicKey, u32)> {
    store
        .iter_oldest_first()
        .map(|(dh, n, _)| (dh, n))
        .collect()
}

#[test]
fn a_session_wide_store_evicts_the_oldest_key_of_any_chain() {
    let (a, b) = (chain(1), chain(2));
    let mut store = SkippedKeyStore::new(3);
    assert!(store.is_empty());
    assert_eq!(store.cap(), 3);
    assert_eq!(store.scope(), StoredKeysScope::Session);
    assert_eq!(store.insert(a, 0, mk(0)), 0);
    assert_eq!(store.insert(a, 1, mk(1)), 0);
    assert_eq!(store.insert(b, 0, mk(2)), 0);
    assert!(!store.is_empty());
    // Full: the oldest key, a's message 0, makes room.
    assert_eq!(store.insert(b, 1, mk(3)), 1);
    assert_eq!(held(&store), [(a, 1), (b, 0), (b, 1)]);
    assert!(store.get(&a, 0).is_none());
    assert_eq!(
        format!("{store:?}"),
        "SkippedKeyStore(3 of 3 keys, [redacted])"
    );

    // A key is used once.
    assert_eq!(store.remove(&b, 0).unwrap().expose(), mk(2).expose());
    assert!(store.remove(&b, 0).is_none());
    // Room again: no eviction.
    assert_eq!(store.insert(a, 5, mk(5)), 0);
    assert_eq!(held(&store), [(a, 1), (b, 1), (a, 5)]);

    assert_eq!(store.remove_chain(&a), 2);
    assert_eq!(held(&store), [(b, 1)]);
    assert_eq!(store.remove_chain(&a), 0);
    assert_eq!(store.len(), 1);
}

#[test]
fn a_per_chain_store_evicts_only_within_the_full_chain() {
    let (a, b) = (chain(1), chain(2));
    let mut store = SkippedKeyStore::with_scope(2, StoredKeysScope::ReceivingChain);
    assert_eq!(store.scope(), StoredKeysScope::ReceivingChain);
    for n in 0..2 {
        assert_eq!(store.insert(a, n, mk(n)), 0);
        assert_eq!(store.insert(b, n, mk(10 + n)), 0);
    }
    assert_eq!(store.len(), 4, "the cap holds per chain");
    assert_eq!(store.chain_len(&a), 2);
    // a is full: its own oldest goes, b keeps both.
    assert_eq!(store.insert(a, 2, mk(2)), 1);
    assert_eq!(held(&store), [(b, 0), (a, 1), (b, 1), (a, 2)]);

    // A used key frees its chain's share: the next insert evicts nothing, and the one after
    // evicts a's oldest remaining key (message 2), not the used one.
    assert!(store.remove(&a, 1).is_some());
    assert_eq!(store.insert(a, 3, mk(3)), 0);
    assert_eq!(store.insert(a, 4, mk(4)), 1);
    assert!(store.get(&a, 4).is_some(), "the new key is stored");
    assert_eq!(held(&store), [(b, 0), (b, 1), (a, 3), (a, 4)]);
}

#[test]
fn receiving_chains_keep_the_newest_up_to_their_bound() {
    let link = |byte: u8| ReceivingChain {
        dh: chain(byte),
        ck: ChainKey::from_bytes([byte; 32]),
        n: u32::from(byte),
    };
    let mut chains = ReceivingChains::new(2);
    assert!(chains.is_empty());
    assert_eq!(chains.max(), 2);
    assert!(chains.push_newest(link(1)).is_none());
    assert!(chains.push_newest(link(2)).is_none());
    assert!(!chains.is_empty());
    let dropped = chains.push_newest(link(3)).expect("the oldest goes");
    assert_eq!(dropped.dh, chain(1));
    assert_eq!(chains.len(), 2);
    assert_eq!(chains.current().unwrap().dh, chain(3));
    assert_eq!(chains.position(&chain(2)), Some(1));
    assert_eq!(chains.position(&chain(1)), None);
    // The bound is at least 1 and at most 64, whatever an untrusted profile asks for.
    assert_eq!(ReceivingChains::new(0).max(), 1);
    assert_eq!(ReceivingChains::new(1000).max(), 64);
}

#[test]
fn a_store_with_a_cap_of_zero_keeps_nothing_and_says_so() {
    let a = chain(1);
    for scope in [StoredKeysScope::Session, StoredKeysScope::ReceivingChain] {
        let mut store = SkippedKeyStore::with_scope(0, scope);
        assert_eq!(
            store.insert(a, 0, mk(0)),
            1,
            "{scope:?}: the key itself is dropped"
        );
        assert!(store.is_empty(), "{scope:?}");
        assert!(store.get(&a, 0).is_none(), "{scope:?}");
    }
}
