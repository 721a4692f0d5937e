//! Benches of the floor (see `floor.rs`).

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput};
use x25519_dalek::{PublicKey, StaticSecret};

use crate::floor;
use crate::AD;

fn plaintext(size: usize) -> Vec<u8> {
    vec![0x5a; size]
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
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                buf.copy_from_slice(&original);
                let start = Instant::now();
                let ok = floor::cbc_hmac_decrypt(&key, black_box(&mut buf), &tag);
                total += start.elapsed();
                assert!(ok);
            }
            total
        });
    });
    group.finish();
}

/// KDF_CK + HKDF + CBC + HMAC into a new buffer.
pub fn send(c: &mut Criterion, size: usize, label: &str) {
    let mut group = c.benchmark_group("floor");
    group.throughput(Throughput::Bytes(size as u64));
    group.bench_function(BenchmarkId::new("send", label), |b| {
        let (mut sender, _) = floor::chain_pair();
        let pt = plaintext(size);
        b.iter(|| black_box(sender.send(&AD, black_box(&pt))));
    });
    group.finish();
}

/// KDF_CK + HKDF + HMAC check + CBC decryption into a new buffer, messages in order.
pub fn receive(c: &mut Criterion, size: usize, label: &str) {
    let mut group = c.benchmark_group("floor");
    group.throughput(Throughput::Bytes(size as u64));
    group.bench_function(BenchmarkId::new("receive", label), |b| {
        let (mut sender, mut receiver) = floor::chain_pair();
        let pt = plaintext(size);
        let batch = crate::batch_len(size);
        let mut messages = Vec::with_capacity(batch as usize);
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let n = left.min(batch);
                messages.clear();
                messages.extend((0..n).map(|_| sender.send(&AD, &pt)));
                let start = Instant::now();
                for message in &messages {
                    black_box(receiver.receive(&AD, black_box(message)));
                }
                total += start.elapsed();
                left -= n;
            }
            total
        });
    });
    group.finish();
}

/// send then receive of the same message.
pub fn one_way(c: &mut Criterion, size: usize, label: &str) {
    let mut group = c.benchmark_group("floor");
    group.throughput(Throughput::Bytes(size as u64));
    group.bench_function(BenchmarkId::new("one_way", label), |b| {
        let (mut sender, mut receiver) = floor::chain_pair();
        let pt = plaintext(size);
        b.iter(|| {
            let message = sender.send(&AD, black_box(&pt));
            black_box(receiver.receive(&AD, &message))
        });
    });
    group.finish();
}

/// GENERATE_DH + 2 DH + 2 KDF_RK.
pub fn dh_ratchet_step(c: &mut Criterion) {
    let mut group = c.benchmark_group("floor");
    group.throughput(Throughput::Elements(1));
    group.bench_function("dh_ratchet_step", |b| {
        let ours = StaticSecret::random_from_rng(rand_core::OsRng);
        let theirs = PublicKey::from(&StaticSecret::random_from_rng(rand_core::OsRng)).to_bytes();
        let rk = [0x24u8; 32];
        b.iter(|| black_box(floor::dh_ratchet_step(&rk, &ours, black_box(&theirs))));
    });
    group.finish();
}

/// One message per round with the direction reversed every round: the sender's send, then the
/// receiver's DH ratchet step and receive (two floor parties).
pub fn alternating(c: &mut Criterion, size: usize, label: &str) {
    let mut group = c.benchmark_group("floor");
    group.throughput(Throughput::Bytes(size as u64));
    group.bench_function(BenchmarkId::new("alternating", label), |b| {
        let pt = plaintext(size);
        let (mut alice, mut bob) = floor_parties();
        let mut turn = false;
        b.iter(|| {
            let (from, to) = if turn {
                (&mut bob, &mut alice)
            } else {
                (&mut alice, &mut bob)
            };
            turn = !turn;
            let message = from.send(&AD, black_box(&pt)).expect("sending chain");
            black_box(to.receive(&AD, &message).expect("decrypts"))
        });
    });
    group.finish();
}

/// Alice and Bob after X3DH (a fixed SK), Bob's ratchet key being his signed prekey.
fn floor_parties() -> (floor::Party, floor::Party) {
    let sk = [0x5c; 32];
    let bob_secret = StaticSecret::random_from_rng(rand_core::OsRng);
    let bob_public = PublicKey::from(&bob_secret).to_bytes();
    let alice_secret = StaticSecret::random_from_rng(rand_core::OsRng);
    let alice = floor::Party::alice(sk, bob_public, alice_secret).expect("contributory DH");
    (alice, floor::Party::bob(sk, bob_secret))
}

/// AES-256 key expansion, once per message in each direction: aes 0.8 (ratchet-ref's and the
/// floor's) for the encrypt-only and decrypt-only schedules, and aes 0.9 for comparison. In
/// aes 0.8 the AES-NI expansion is not compiled with the `aes` target feature unless the whole
/// build is, so its intrinsics are not inlined; aes 0.9 enables the feature on the function.
pub fn aes_key_schedule(c: &mut Criterion) {
    use aes::cipher::KeyInit;
    let key = [0x3cu8; 32];
    let mut group = c.benchmark_group("primitive");
    group.bench_function(
        BenchmarkId::new("aes256_key_schedule", "aes-0.8-enc"),
        |b| {
            b.iter(|| black_box(aes::Aes256Enc::new(black_box(&key).into())));
        },
    );
    group.bench_function(
        BenchmarkId::new("aes256_key_schedule", "aes-0.8-dec"),
        |b| {
            b.iter(|| black_box(aes::Aes256Dec::new(black_box(&key).into())));
        },
    );
    group.bench_function(
        BenchmarkId::new("aes256_key_schedule", "aes-0.9-enc"),
        |b| {
            b.iter(|| {
                black_box(
                    <aes09::Aes256Enc as aes09::cipher::KeyInit>::new_from_slice(black_box(&key))
                        .expect("32-byte key"),
                )
            });
        },
    );
    group.bench_function(
        BenchmarkId::new("aes256_key_schedule", "aes-0.9-dec"),
        |b| {
            b.iter(|| {
                black_box(
                    <aes09::Aes256Dec as aes09::cipher::KeyInit>::new_from_slice(black_box(&key))
                        .expect("32-byte key"),
                )
            });
        },
    );
    group.finish();
}
