//! The same scenarios on two published implementations, through their documented public APIs:
//!
//! * `vodozemac` (Matrix's Olm): `Account::create_outbound_session` /
//!   `create_inbound_session` with `SessionConfig::version_1()`, then `Session::encrypt` and
//!   `Session::decrypt`. Messages stay `OlmMessage` values (no base64 or byte encoding).
//! * `double-ratchet` with the Signal crypto provider of `double-ratchet-signal`:
//!   `DoubleRatchet::new_alice` / `new_bob`, `ratchet_encrypt` and `ratchet_decrypt`, with
//!   the header passed as a value.
//!
//! Both sessions are set up so that Alice's messages are ordinary (not pre-key) messages.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput};
use double_ratchet::KeyPair as _;
use double_ratchet_signal::signal::{KeyPair, SignalDR, SymmetricKey};
use vodozemac::olm::{Account, OlmMessage, Session, SessionConfig};

use crate::AD;

fn plaintext(size: usize) -> Vec<u8> {
    vec![0x5a; size]
}

/// An established Olm session pair: Bob has answered once, so both send normal messages.
fn vodozemac_sessions() -> (Session, Session) {
    let alice = Account::new();
    let mut bob = Account::new();
    bob.generate_one_time_keys(1);
    let one_time_key = *bob
        .one_time_keys()
        .values()
        .next()
        .expect("one key generated");
    let mut alice_session = alice
        .create_outbound_session(
            SessionConfig::version_1(),
            bob.curve25519_key(),
            one_time_key,
        )
        .expect("outbound session");
    bob.mark_keys_as_published();
    let OlmMessage::PreKey(first) = alice_session.encrypt(b"hello").expect("encrypts") else {
        panic!("the first message of an outbound session is a pre-key message");
    };
    let inbound = bob
        .create_inbound_session(SessionConfig::version_1(), alice.curve25519_key(), &first)
        .expect("inbound session");
    let mut bob_session = inbound.session;
    let reply = bob_session.encrypt(b"hi").expect("encrypts");
    alice_session.decrypt(&reply).expect("decrypts");
    (alice_session, bob_session)
}

fn os_rng() -> rand_os::OsRng {
    rand_os::OsRng::new().expect("OS randomness")
}

/// A Signal-provider double ratchet pair from a fixed shared secret, Bob's key pair standing
/// for his signed prekey.
fn double_ratchet_sessions() -> (SignalDR, SignalDR) {
    let mut rng = os_rng();
    let bob_pair = KeyPair::new(&mut rng);
    let bob_public = bob_pair.public().clone();
    let sk = SymmetricKey::from([0x5c; 32]);
    let alice = SignalDR::new_alice(&sk, bob_public, None, &mut rng);
    let bob = SignalDR::new_bob(sk, bob_pair, None);
    (alice, bob)
}

pub fn vodozemac_one_way(c: &mut Criterion, size: usize, label: &str) {
    let mut group = c.benchmark_group("peer-vodozemac");
    group.throughput(Throughput::Bytes(size as u64));
    group.bench_function(BenchmarkId::new("one_way", label), |b| {
        let (mut alice, mut bob) = vodozemac_sessions();
        let pt = plaintext(size);
        b.iter(|| {
            let message = alice.encrypt(black_box(&pt)).expect("encrypts");
            black_box(bob.decrypt(&message).expect("decrypts"))
        });
    });
    group.finish();
}

pub fn vodozemac_alternating(c: &mut Criterion, size: usize, label: &str) {
    let mut group = c.benchmark_group("peer-vodozemac");
    group.throughput(Throughput::Bytes(size as u64));
    group.bench_function(BenchmarkId::new("alternating", label), |b| {
        let (mut alice, mut bob) = vodozemac_sessions();
        let pt = plaintext(size);
        let mut turn = false;
        b.iter(|| {
            let (from, to) = if turn {
                (&mut bob, &mut alice)
            } else {
                (&mut alice, &mut bob)
            };
            turn = !turn;
            let message = from.encrypt(black_box(&pt)).expect("encrypts");
            black_box(to.decrypt(&message).expect("decrypts"))
        });
    });
    group.finish();
}

pub fn double_ratchet_one_way(c: &mut Criterion, size: usize, label: &str) {
    let mut group = c.benchmark_group("peer-double-ratchet");
    group.throughput(Throughput::Bytes(size as u64));
    group.bench_function(BenchmarkId::new("one_way", label), |b| {
        let (mut alice, mut bob) = double_ratchet_sessions();
        let mut rng = os_rng();
        let pt = plaintext(size);
        b.iter(|| {
            let (header, ciphertext) = alice.ratchet_encrypt(black_box(&pt), &AD, &mut rng);
            black_box(
                bob.ratchet_decrypt(&header, &ciphertext, &AD)
                    .expect("decrypts"),
            )
        });
    });
    group.finish();
}

pub fn double_ratchet_alternating(c: &mut Criterion, size: usize, label: &str) {
    let mut group = c.benchmark_group("peer-double-ratchet");
    group.throughput(Throughput::Bytes(size as u64));
    group.bench_function(BenchmarkId::new("alternating", label), |b| {
        let (mut alice, mut bob) = double_ratchet_sessions();
        let mut rng = os_rng();
        let pt = plaintext(size);
        let mut turn = false;
        b.iter(|| {
            let (from, to) = if turn {
                (&mut bob, &mut alice)
            } else {
                (&mut alice, &mut bob)
            };
            turn = !turn;
            let (header, ciphertext) = from.ratchet_encrypt(black_box(&pt), &AD, &mut rng);
            black_box(
                to.ratchet_decrypt(&header, &ciphertext, &AD)
                    .expect("decrypts"),
            )
        });
    });
    group.finish();
}
