//! The message scenarios, written once for every implementation: an implementation is a
//! [`Party`] (two of them, Alice and Bob, after their handshake), and [`send`], [`receive`],
//! [`one_way`] and [`alternating`] time the same loop over any of them. A bench's id is
//! `<Party::GROUP>/<scenario>/<size label>`; its throughput is the plaintext size.

use std::hint::black_box;

use criterion::{Bencher, BenchmarkId, Criterion, Throughput};

use crate::batches::{batch_len, in_batches};
use crate::plaintext;

/// One side of a two-party conversation of one implementation.
pub trait Party: Sized {
    /// The criterion group of the implementation's benches (`ratchet`, `floor`, `peer-…`).
    const GROUP: &'static str;
    /// What `send` produces and `receive` takes.
    type Message;

    /// Alice and Bob right after their handshake: Alice can send, Bob can receive.
    fn pair() -> (Self, Self);

    /// Encrypts `pt` (with the associated data [`crate::AD`] where the API takes one).
    fn send(&mut self, pt: &[u8]) -> Self::Message;

    /// Decrypts a message of the other party; panics when it does not decrypt.
    fn receive(&mut self, message: &Self::Message) -> Vec<u8>;
}

/// Benches `routine` as `<P::GROUP>/<scenario>/<label>`, `size` bytes per iteration.
fn bench<P: Party>(
    c: &mut Criterion,
    scenario: &str,
    size: usize,
    label: &str,
    routine: impl FnMut(&mut Bencher<'_>),
) {
    let mut group = c.benchmark_group(P::GROUP);
    group.throughput(Throughput::Bytes(size as u64));
    group.bench_function(BenchmarkId::new(scenario, label), routine);
    group.finish();
}

/// Alice sends, nobody receives.
pub fn send<P: Party>(c: &mut Criterion, size: usize, label: &str) {
    bench::<P>(c, "send", size, label, |b| {
        let (mut alice, _) = P::pair();
        let pt = plaintext(size);
        b.iter(|| black_box(alice.send(black_box(&pt))));
    });
}

/// Bob receives the next message of his current receiving chain. The messages are sent ahead
/// of each timed batch (untimed).
pub fn receive<P: Party>(c: &mut Criterion, size: usize, label: &str) {
    bench::<P>(c, "receive", size, label, |b| {
        let (mut alice, mut bob) = P::pair();
        let pt = plaintext(size);
        // The first message may open Bob's receiving chain (a DH ratchet step); not measured.
        let first = alice.send(&pt);
        bob.receive(&first);
        let batch = batch_len(size);
        let mut messages = Vec::with_capacity(batch as usize);
        b.iter_custom(|iters| {
            in_batches(iters, batch, |n, stopwatch| {
                messages.clear();
                messages.extend((0..n).map(|_| alice.send(&pt)));
                stopwatch.time(|| {
                    for message in &messages {
                        black_box(bob.receive(black_box(message)));
                    }
                });
            })
        });
    });
}

/// Alice sends, Bob receives, always in that direction.
pub fn one_way<P: Party>(c: &mut Criterion, size: usize, label: &str) {
    bench::<P>(c, "one_way", size, label, |b| {
        let (mut alice, mut bob) = P::pair();
        let pt = plaintext(size);
        b.iter(|| {
            let message = alice.send(black_box(&pt));
            black_box(bob.receive(&message))
        });
    });
}

/// One message per iteration with the direction reversed every time: every message carries
/// a new ratchet key, so every receive performs a DH ratchet step.
pub fn alternating<P: Party>(c: &mut Criterion, size: usize, label: &str) {
    bench::<P>(c, "alternating", size, label, |b| {
        let (mut alice, mut bob) = P::pair();
        let pt = plaintext(size);
        let mut turn = false;
        b.iter(|| {
            let (from, to) = if turn {
                (&mut bob, &mut alice)
            } else {
                (&mut alice, &mut bob)
            };
            turn = !turn;
            let message = from.send(black_box(&pt));
            black_box(to.receive(&message))
        });
    });
}
