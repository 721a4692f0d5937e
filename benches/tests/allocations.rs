//! No heap allocation per message beyond the output buffer, counted (not timed): a global
//! allocator counts the allocations (alloc, alloc_zeroed and realloc) made by the current
//! thread around one ratchet-ref call.
//!
//! What is justified, exactly:
//! * RatchetEncrypt: 1, the returned message, allocated at its final size.
//! * RatchetDecrypt of the next message on the receiving chain: 1, the returned plaintext.
//! * RatchetDecrypt with a DH ratchet step (the first message on a new chain): 1 as well; the
//!   step's new key, DH outputs and chain keys live on the stack.
//! * RatchetDecrypt of a message whose key was stored as skipped: 1 (removing the key from
//!   the store frees, never allocates).
//! * RatchetDecrypt that skips k messages: the plaintext, the list of staged keys and the
//!   skipped-key store's B-tree nodes, which grow with k (bounded below).
//!
//! The `olm` profile: decrypt makes 1 (the plaintext), in order and at a root step; encrypt
//! makes 2 today, the message and the prefix buffer of `wire::seal` (one more than the
//! output buffer: a finding of tracker issue 16, see README.md).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use ratchet_ref::primitives::{generate_dh_from_bytes, ChainKey, RootKey};
use ratchet_ref::{OsKeySource, Profile, Session};

struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count_one() {
    // `try_with`: the allocator can be called while the thread's locals are being torn down.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

// SAFETY: every method forwards to the system allocator unchanged; counting touches only a
// const-initialized thread-local `Cell`, which never allocates.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// Runs `f` and returns its result with the number of allocations it made on this thread.
fn counted<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCATIONS.with(Cell::get);
    let result = f();
    let after = ALLOCATIONS.with(Cell::get);
    (result, after - before)
}

const AD: [u8; 66] = [0xad; 66];
const SIZES: [usize; 6] = [0, 1, 16, 100, 1024, 65536];

fn sessions() -> (Session, Session) {
    let profile = Profile::spec();
    let bob = generate_dh_from_bytes([0x11; 32]);
    let alice = Session::init_alice(
        profile,
        RootKey::from_bytes([0x5c; 32]),
        bob.public,
        Box::new(OsKeySource),
    )
    .unwrap();
    let bob = Session::init_bob(
        profile,
        RootKey::from_bytes([0x5c; 32]),
        bob,
        Box::new(OsKeySource),
    );
    (alice, bob)
}

/// The framed length: header, padded ciphertext, tag.
fn message_len(plaintext_len: usize) -> usize {
    40 + (plaintext_len / 16 + 1) * 16 + 32
}

#[test]
fn the_counter_sees_allocations() {
    let (v, n) = counted(|| vec![1u8; 10]);
    assert_eq!((v.len(), n), (10, 1));
    let (_, n) = counted(|| {
        let mut v: Vec<u8> = Vec::with_capacity(1);
        v.extend_from_slice(&[0; 100]);
        v
    });
    assert_eq!(n, 2, "alloc and realloc both count");
    let ((), n) = counted(|| ());
    assert_eq!(n, 0);
}

#[test]
fn encrypt_allocates_only_the_message_at_its_final_size() {
    let (mut alice, _) = sessions();
    for size in SIZES {
        let pt = vec![0x5a; size];
        for _ in 0..3 {
            let (message, allocations) = counted(|| alice.encrypt(&pt, &AD).unwrap());
            assert_eq!(allocations, 1, "encrypt of {size} bytes");
            assert_eq!(message.len(), message_len(size));
            assert_eq!(
                message.capacity(),
                message.len(),
                "no spare capacity, no regrowth"
            );
        }
    }
}

#[test]
fn in_order_decrypt_allocates_only_the_plaintext() {
    let (mut alice, mut bob) = sessions();
    let first = alice.encrypt(b"open the chain", &AD).unwrap();
    bob.decrypt(&first, &AD).unwrap();
    for size in SIZES {
        let pt = vec![0x5a; size];
        for _ in 0..3 {
            let message = alice.encrypt(&pt, &AD).unwrap();
            let (plaintext, allocations) = counted(|| bob.decrypt(&message, &AD).unwrap());
            assert_eq!(allocations, 1, "in-order decrypt of {size} bytes");
            assert_eq!(plaintext, pt);
        }
    }
}

#[test]
fn a_dh_ratchet_step_allocates_nothing_more() {
    let (mut alice, mut bob) = sessions();
    for round in 0..6 {
        let pt = vec![round as u8; 100];
        let (from, to) = if round % 2 == 0 {
            (&mut alice, &mut bob)
        } else {
            (&mut bob, &mut alice)
        };
        let (message, allocations) = counted(|| from.encrypt(&pt, &AD).unwrap());
        assert_eq!(
            allocations, 1,
            "encrypt on a new sending chain, round {round}"
        );
        let (plaintext, allocations) = counted(|| to.decrypt(&message, &AD).unwrap());
        assert_eq!(
            allocations, 1,
            "decrypt with a DH ratchet step, round {round}"
        );
        assert_eq!(plaintext, pt);
    }
}

#[test]
fn decrypt_from_the_skipped_key_store_allocates_only_the_plaintext() {
    let (mut alice, mut bob) = sessions();
    let withheld: Vec<Vec<u8>> = (0..20)
        .map(|i| alice.encrypt(&[i as u8; 100], &AD).unwrap())
        .collect();
    let last = alice.encrypt(b"last", &AD).unwrap();
    bob.decrypt(&last, &AD).unwrap();
    assert_eq!(bob.skipped_len(), 20);
    for (i, message) in withheld.iter().enumerate().rev() {
        let (plaintext, allocations) = counted(|| bob.decrypt(message, &AD).unwrap());
        assert_eq!(allocations, 1, "skipped message {i}");
        assert_eq!(plaintext, [i as u8; 100]);
    }
    assert_eq!(bob.skipped_len(), 0);
}

/// Skipping k messages stores k keys; the allocations are the plaintext, the staged-key list
/// (reserved once per chain it skips on: 1 here) and the store's B-tree nodes (two indexes; a
/// node holds up to 11 entries, and a split adds at most one node per level, so fewer than
/// 2 * (k / 5 + 4) nodes).
#[test]
fn skipping_k_messages_allocates_in_proportion_to_k_not_per_key() {
    for k in [10usize, 100, 1000] {
        let (mut alice, mut bob) = sessions();
        for _ in 0..k {
            alice.encrypt(b"withheld", &AD).unwrap();
        }
        let message = alice.encrypt(b"arrives", &AD).unwrap();
        let (_, allocations) = counted(|| bob.decrypt(&message, &AD).unwrap());
        let staged = 1;
        let nodes = 2 * (k / 5 + 4);
        assert!(
            allocations <= 1 + staged + nodes,
            "skipping {k}: {allocations} allocations"
        );
        assert!(allocations < k, "skipping {k}: fewer allocations than keys");
        assert_eq!(bob.skipped_len(), k);
    }
}

/// An established olm pair (R0, C0,0 fixed; Bob has answered, so Alice sends normal
/// messages), as `ratchet-olm/…` sets it up.
fn olm_sessions() -> (Session, Session) {
    let profile = Profile::olm();
    let mut alice = Session::init_alice_on_first_chain(
        profile,
        RootKey::from_bytes([0x5c; 32]),
        ChainKey::from_bytes([0x3a; 32]),
        None,
        Box::new(OsKeySource),
    )
    .unwrap();
    let mut bob = Session::init_bob_on_first_chain(
        profile,
        RootKey::from_bytes([0x5c; 32]),
        ChainKey::from_bytes([0x3a; 32]),
        alice.ratchet_public(),
        Box::new(OsKeySource),
    )
    .unwrap();
    let hello = alice.encrypt(b"hello", &[]).unwrap();
    bob.decrypt(&hello, &[]).unwrap();
    let reply = bob.encrypt(b"hi", &[]).unwrap();
    alice.decrypt(&reply, &[]).unwrap();
    (alice, bob)
}

/// Olm's framing with a chain index below 128: version, ratchet key (tag, length, 32 bytes),
/// chain index (tag, one varint byte), ciphertext (tag, varint length: one byte below 128,
/// two up to 16383, three beyond), 8-byte MAC.
fn olm_message_len(plaintext_len: usize) -> usize {
    let padded = (plaintext_len / 16 + 1) * 16;
    let length_bytes = match padded {
        0..=127 => 1,
        128..=16383 => 2,
        _ => 3,
    };
    1 + 2 + 32 + 2 + 1 + length_bytes + padded + 8
}

/// ratchet-ref's olm encrypt allocates the message at its final size and, today, one more
/// buffer: `wire::seal` encodes the Olm prefix (version, ratchet key, chain index, ciphertext
/// length) into a 48-byte vector of its own before copying it into the message (see
/// README.md, "Where ratchet-olm's time goes"). When the prefix is written straight into
/// the message, this count becomes 1, as for `spec`.
#[test]
fn olm_encrypt_allocates_the_message_and_the_prefix_buffer() {
    // The first encrypt also starts Alice's new sending chain (she has just received).
    let (mut alice, _) = olm_sessions();
    for size in SIZES {
        let pt = vec![0x5a; size];
        for _ in 0..3 {
            let (message, allocations) = counted(|| alice.encrypt(&pt, &[]).unwrap());
            assert_eq!(allocations, 2, "olm encrypt of {size} bytes");
            assert_eq!(message.len(), olm_message_len(size));
            assert_eq!(message.capacity(), message.len(), "no spare capacity");
        }
    }
}

#[test]
fn olm_decrypt_allocates_only_the_plaintext_in_order_and_at_a_root_step() {
    let (mut alice, mut bob) = olm_sessions();
    for size in SIZES {
        let pt = vec![0x5a; size];
        let message = alice.encrypt(&pt, &[]).unwrap();
        let (plaintext, allocations) = counted(|| bob.decrypt(&message, &[]).unwrap());
        assert_eq!(allocations, 1, "in-order olm decrypt of {size} bytes");
        assert_eq!(plaintext, pt);
    }
    for round in 0..6 {
        let pt = vec![round as u8; 100];
        let (from, to) = if round % 2 == 0 {
            (&mut bob, &mut alice)
        } else {
            (&mut alice, &mut bob)
        };
        let message = from.encrypt(&pt, &[]).unwrap();
        let (plaintext, allocations) = counted(|| to.decrypt(&message, &[]).unwrap());
        assert_eq!(
            allocations, 1,
            "olm decrypt with a root step, round {round}"
        );
        assert_eq!(plaintext, pt);
    }
}
