//! Benches of ratchet-ref, the reference implementation, through its public API.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput};
use ratchet_ref::primitives::{generate_dh, IdentityKeyPair, RootKey};
use ratchet_ref::x3dh::{initiate, respond, sign_prekey, PreKeyBundle};
use ratchet_ref::{OsKeySource, Profile, SeededKeySource, Session};

use crate::AD;

/// Alice and Bob after X3DH (a fixed SK), Bob's ratchet key being his signed prekey; ratchet
/// keys come from the operating system, as in a real session.
pub fn sessions() -> (Session, Session) {
    let profile = Profile::spec();
    let sk = RootKey::from_bytes([0x5c; 32]);
    let bob_ratchet = generate_dh(&mut OsKeySource).expect("OS randomness");
    let alice = Session::init_alice(
        profile,
        sk.clone(),
        bob_ratchet.public,
        Box::new(OsKeySource),
    )
    .expect("contributory DH");
    let bob = Session::init_bob(profile, sk, bob_ratchet, Box::new(OsKeySource));
    (alice, bob)
}

fn plaintext(size: usize) -> Vec<u8> {
    vec![0x5a; size]
}

/// RatchetEncrypt.
pub fn send(c: &mut Criterion, size: usize, label: &str) {
    let mut group = c.benchmark_group("ratchet");
    group.throughput(Throughput::Bytes(size as u64));
    group.bench_function(BenchmarkId::new("send", label), |b| {
        let (mut alice, _) = sessions();
        let pt = plaintext(size);
        b.iter(|| black_box(alice.encrypt(black_box(&pt), &AD).expect("encrypts")));
    });
    group.finish();
}

/// RatchetDecrypt of messages in order on the current receiving chain. The messages are
/// encrypted ahead of each timed batch (untimed).
pub fn receive(c: &mut Criterion, size: usize, label: &str) {
    let mut group = c.benchmark_group("ratchet");
    group.throughput(Throughput::Bytes(size as u64));
    group.bench_function(BenchmarkId::new("receive", label), |b| {
        let (mut alice, mut bob) = sessions();
        let pt = plaintext(size);
        // The first message opens Bob's receiving chain (a DH ratchet step); not measured.
        let first = alice.encrypt(&pt, &AD).expect("encrypts");
        bob.decrypt(&first, &AD).expect("decrypts");
        let batch = crate::batch_len(size);
        let mut messages = Vec::with_capacity(batch as usize);
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let n = left.min(batch);
                messages.clear();
                messages.extend((0..n).map(|_| alice.encrypt(&pt, &AD).expect("encrypts")));
                let start = Instant::now();
                for message in &messages {
                    black_box(bob.decrypt(black_box(message), &AD).expect("decrypts"));
                }
                total += start.elapsed();
                left -= n;
            }
            total
        });
    });
    group.finish();
}

/// RatchetEncrypt then RatchetDecrypt, always from Alice to Bob.
pub fn one_way(c: &mut Criterion, size: usize, label: &str) {
    let mut group = c.benchmark_group("ratchet");
    group.throughput(Throughput::Bytes(size as u64));
    group.bench_function(BenchmarkId::new("one_way", label), |b| {
        let (mut alice, mut bob) = sessions();
        let pt = plaintext(size);
        b.iter(|| {
            let message = alice.encrypt(black_box(&pt), &AD).expect("encrypts");
            black_box(bob.decrypt(&message, &AD).expect("decrypts"))
        });
    });
    group.finish();
}

/// Encrypt then decrypt with the direction reversed every message: every message carries a
/// new ratchet key, so every decrypt performs a DH ratchet step.
pub fn alternating(c: &mut Criterion, size: usize, label: &str) {
    let mut group = c.benchmark_group("ratchet");
    group.throughput(Throughput::Bytes(size as u64));
    group.bench_function(BenchmarkId::new("alternating", label), |b| {
        let (mut alice, mut bob) = sessions();
        let pt = plaintext(size);
        let mut turn = false;
        b.iter(|| {
            let (from, to) = if turn {
                (&mut bob, &mut alice)
            } else {
                (&mut alice, &mut bob)
            };
            turn = !turn;
            let message = from.encrypt(black_box(&pt), &AD).expect("encrypts");
            black_box(to.decrypt(&message, &AD).expect("decrypts"))
        });
    });
    group.finish();
}

/// Messages withheld between two timed rounds, decrypted from the skipped-key store.
const OUT_OF_ORDER_BATCH: u32 = 10;

/// Decrypting a 100-byte message whose key is in the skipped-key store while `stored` keys
/// are stored. Each batch of 10 timed decrypts is prepared (untimed) by Alice encrypting 11
/// messages and Bob receiving only the last, which stores 10 more keys; the timed part
/// decrypts the 10 withheld messages, so the store holds between `stored` and `stored + 10`.
pub fn out_of_order(c: &mut Criterion) {
    let mut group = c.benchmark_group("ratchet");
    group.throughput(Throughput::Bytes(100));
    for stored in [100u32, 1000] {
        let id = BenchmarkId::new("out_of_order", format!("{stored}_stored"));
        group.bench_function(id, |b| {
            let (mut alice, mut bob) = sessions();
            let pt = plaintext(100);
            // `stored` messages that never arrive, then one that does.
            for _ in 0..stored {
                alice.encrypt(&pt, &AD).expect("encrypts");
            }
            let last = alice.encrypt(&pt, &AD).expect("encrypts");
            bob.decrypt(&last, &AD).expect("decrypts");
            assert_eq!(bob.skipped_len(), stored as usize);
            let mut withheld = Vec::with_capacity(OUT_OF_ORDER_BATCH as usize);
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                let mut left = iters;
                while left > 0 {
                    let n = left.min(u64::from(OUT_OF_ORDER_BATCH));
                    withheld.clear();
                    withheld.extend((0..n).map(|_| alice.encrypt(&pt, &AD).expect("encrypts")));
                    let next = alice.encrypt(&pt, &AD).expect("encrypts");
                    bob.decrypt(&next, &AD).expect("decrypts");
                    let start = Instant::now();
                    for message in &withheld {
                        black_box(bob.decrypt(black_box(message), &AD).expect("decrypts"));
                    }
                    total += start.elapsed();
                    left -= n;
                }
                assert_eq!(bob.skipped_len(), stored as usize);
                total
            });
        });
    }
    group.finish();
}

/// X3DH with a one-time prekey (four DH): Alice verifies the signed prekey, draws her
/// ephemeral key and derives SK and AD; Bob derives them from her identity and ephemeral key.
pub fn x3dh(c: &mut Criterion) {
    let profile = Profile::spec();
    let mut keys = SeededKeySource::from_u64(7);
    let alice_identity = IdentityKeyPair::generate(&mut keys).expect("seeded");
    let bob_identity = IdentityKeyPair::generate(&mut keys).expect("seeded");
    let signed_prekey = generate_dh(&mut keys).expect("seeded");
    let one_time_prekey = generate_dh(&mut keys).expect("seeded");
    let bundle = PreKeyBundle {
        identity_key: bob_identity.public(),
        signed_prekey: signed_prekey.public,
        signed_prekey_signature: sign_prekey(&profile, &bob_identity, &signed_prekey.public),
        one_time_prekey: Some(one_time_prekey.public),
    };
    let mut group = c.benchmark_group("ratchet");
    group.throughput(Throughput::Elements(1));
    group.bench_function(BenchmarkId::new("x3dh", "initiator"), |b| {
        b.iter(|| {
            black_box(
                initiate(
                    &profile,
                    &alice_identity,
                    black_box(&bundle),
                    &mut OsKeySource,
                )
                .expect("valid bundle"),
            )
        });
    });
    let sent = initiate(&profile, &alice_identity, &bundle, &mut OsKeySource).expect("bundle");
    let alice_public = alice_identity.public();
    group.bench_function(BenchmarkId::new("x3dh", "responder"), |b| {
        b.iter(|| {
            black_box(
                respond(
                    &profile,
                    &bob_identity,
                    &signed_prekey,
                    Some(&one_time_prekey),
                    &alice_public,
                    black_box(&sent.ephemeral.public),
                )
                .expect("valid initial message"),
            )
        });
    });
    group.finish();
}
