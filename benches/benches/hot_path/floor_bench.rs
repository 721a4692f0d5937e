//! The floors (see `floor.rs` for `spec`, `floor_olm.rs` for `olm`) as benched: their
//! [`Party`] types (the message scenarios are in `conversation.rs`), and the benches of the
//! spec floor's parts: raw CBC+HMAC, the DH ratchet step and the AES key schedule.

use std::hint::black_box;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, Throughput};
use x25519_dalek::PublicKey;

use crate::batches::in_batches;
use crate::conversation::Party;
use crate::floor;
use crate::floor_olm;
use crate::{plaintext, AD};

/// A sending and a receiving symmetric chain with no DH ratchet: the floor of messages in
/// order on established chains (`floor/{send,receive,one_way}`). Alice's sending chain is
/// Bob's receiving chain and the other way round.
pub struct Chains {
    sending: floor::Sender,
    receiving: floor::Receiver,
}

impl Party for Chains {
    const GROUP: &'static str = "floor";
    type Message = Vec<u8>;

    fn pair() -> (Chains, Chains) {
        let (to_bob, from_alice) = floor::chain_pair();
        let (to_alice, from_bob) = floor::chain_pair();
        let alice = Chains {
            sending: to_bob,
            receiving: from_bob,
        };
        let bob = Chains {
            sending: to_alice,
            receiving: from_alice,
        };
        (alice, bob)
    }

    /// KDF_CK + HKDF + CBC + HMAC into a new buffer.
    fn send(&mut self, pt: &[u8]) -> Vec<u8> {
        self.sending.send(&AD, pt)
    }

    /// KDF_CK + HKDF + HMAC check + CBC decryption into a new buffer.
    fn receive(&mut self, message: &Vec<u8>) -> Vec<u8> {
        self.receiving.receive(&AD, message).expect("in order")
    }
}

/// A minimal Double Ratchet party: the floor of a conversation whose direction changes with
/// every message (`floor/alternating`): floor send, then the receiver's DH ratchet step and
/// floor receive.
impl Party for floor::Party {
    const GROUP: &'static str = "floor";
    type Message = Vec<u8>;

    /// Alice and Bob after X3DH (a fixed SK), Bob's ratchet key being his signed prekey.
    fn pair() -> (floor::Party, floor::Party) {
        let sk = [0x5c; 32];
        let bob_secret = floor::random_secret();
        let bob_public = PublicKey::from(&bob_secret).to_bytes();
        let alice_secret = floor::random_secret();
        let alice = floor::Party::alice(sk, bob_public, alice_secret).expect("contributory DH");
        (alice, floor::Party::bob(sk, bob_secret))
    }

    fn send(&mut self, pt: &[u8]) -> Vec<u8> {
        floor::Party::send(self, &AD, pt).expect("sending chain")
    }

    fn receive(&mut self, message: &Vec<u8>) -> Vec<u8> {
        floor::Party::receive(self, &AD, message).expect("decrypts")
    }
}

/// The `olm` floor's sending and receiving chains with no root step: the floor of Olm
/// messages in order on established chains (`floor-olm/{send,receive,one_way}`).
pub struct OlmChains {
    sending: floor_olm::Sender,
    receiving: floor_olm::Receiver,
}

impl Party for OlmChains {
    const GROUP: &'static str = "floor-olm";
    type Message = Vec<u8>;

    fn pair() -> (OlmChains, OlmChains) {
        let (to_bob, from_alice) = floor_olm::chain_pair();
        let (to_alice, from_bob) = floor_olm::chain_pair();
        let alice = OlmChains {
            sending: to_bob,
            receiving: from_bob,
        };
        let bob = OlmChains {
            sending: to_alice,
            receiving: from_alice,
        };
        (alice, bob)
    }

    /// KDF_CK + HKDF + fields + CBC + truncated HMAC into a new buffer; Olm has no AD.
    fn send(&mut self, pt: &[u8]) -> Vec<u8> {
        self.sending.send(pt)
    }

    /// Fields + KDF_CK + HKDF + truncated HMAC check + CBC decryption into a new buffer.
    fn receive(&mut self, message: &Vec<u8>) -> Vec<u8> {
        self.receiving.receive(message).expect("in order")
    }
}

/// A minimal Olm party with the lazy sender ratchet: the floor of an Olm conversation whose
/// direction changes with every message (`floor-olm/alternating`): the sender draws a ratchet
/// key and steps the root (1 DH, 1 KDF_RK), the receiver steps the root (1 DH, 1 KDF_RK).
impl Party for floor_olm::Party {
    const GROUP: &'static str = "floor-olm";
    type Message = Vec<u8>;

    /// Alice and Bob after the triple DH (a fixed R0 and C0,0), Alice's T0 from the OS.
    fn pair() -> (floor_olm::Party, floor_olm::Party) {
        let (r0, c0) = ([0x5c; 32], [0x3a; 32]);
        let t0 = floor_olm::random_secret();
        let t0_public = PublicKey::from(&t0).to_bytes();
        (
            floor_olm::Party::alice(r0, c0, t0),
            floor_olm::Party::bob(r0, c0, t0_public),
        )
    }

    fn send(&mut self, pt: &[u8]) -> Vec<u8> {
        floor_olm::Party::send(self, pt)
    }

    fn receive(&mut self, message: &Vec<u8>) -> Vec<u8> {
        floor_olm::Party::receive(self, message).expect("decrypts")
    }
}

/// Raw AES-256-CBC + HMAC-SHA256 over 64 KiB, both directions: the throughput ceiling of the
/// 64 KiB messages.
pub fn cbc_hmac(c: &mut Criterion) {
    const SIZE: usize = 65536;
    let key = [0x17u8; 80];
    let mut group = c.benchmark_group("floor");
    group.throughput(Throughput::Bytes(SIZE as u64));
    group.bench_function(BenchmarkId::new("cbc_hmac_encrypt", "64KiB"), |b| {
        let mut buf = plaintext(SIZE);
        b.iter(|| black_box(floor::cbc_hmac_encrypt(&key, black_box(&mut buf))));
    });
    group.bench_function(BenchmarkId::new("cbc_hmac_decrypt", "64KiB"), |b| {
        // Decrypting in place garbles the buffer for the next round, so every round decrypts a
        // fresh copy; only the check and the decryption are timed.
        let mut original = plaintext(SIZE);
        let tag = floor::cbc_hmac_encrypt(&key, &mut original);
        let mut buf = original.clone();
        b.iter_custom(|iters| {
            in_batches(iters, 1, |_, stopwatch| {
                buf.copy_from_slice(&original);
                let ok =
                    stopwatch.time(|| floor::cbc_hmac_decrypt(&key, black_box(&mut buf), &tag));
                assert!(ok);
            })
        });
    });
    group.finish();
}

/// GENERATE_DH + 2 DH + 2 KDF_RK.
pub fn dh_ratchet_step(c: &mut Criterion) {
    let mut group = c.benchmark_group("floor");
    group.throughput(Throughput::Elements(1));
    group.bench_function("dh_ratchet_step", |b| {
        let ours = floor::random_secret();
        let theirs = PublicKey::from(&floor::random_secret()).to_bytes();
        let rk = [0x24u8; 32];
        b.iter(|| black_box(floor::dh_ratchet_step(&rk, &ours, black_box(&theirs))));
    });
    group.finish();
}

/// AES-256 key expansion, once per message in each direction: aes 0.9 (ratchet-ref's and the
/// floor's) for the encrypt-only and decrypt-only schedules, and aes 0.8 (the generation
/// ratchet-ref used before) for comparison. In aes 0.8 the AES-NI expansion is not compiled
/// with the `aes` target feature unless the whole build is, so its intrinsics are not inlined;
/// aes 0.9 enables the feature on the function.
pub fn aes_key_schedule(c: &mut Criterion) {
    use aes::cipher::KeyInit;
    let mut group = c.benchmark_group("primitive");
    key_schedule(&mut group, "aes-0.8-enc", |key| {
        <aes08::Aes256Enc as aes08::cipher::KeyInit>::new_from_slice(key).expect("32-byte key")
    });
    key_schedule(&mut group, "aes-0.8-dec", |key| {
        <aes08::Aes256Dec as aes08::cipher::KeyInit>::new_from_slice(key).expect("32-byte key")
    });
    key_schedule(&mut group, "aes-0.9-enc", |key| {
        aes::Aes256Enc::new(key.into())
    });
    key_schedule(&mut group, "aes-0.9-dec", |key| {
        aes::Aes256Dec::new(key.into())
    });
    group.finish();
}

/// `primitive/aes256_key_schedule/<param>`: one call of `expand` (inlined, no indirect call).
fn key_schedule<S>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    param: &str,
    expand: impl Fn(&[u8; 32]) -> S,
) {
    let key = [0x3cu8; 32];
    group.bench_function(BenchmarkId::new("aes256_key_schedule", param), |b| {
        b.iter(|| black_box(expand(black_box(&key))));
    });
}
