//! ratchet-ref, the reference implementation, through its public API: its [`Party`] (the
//! message scenarios are in `conversation.rs`), and the benches only it has: decrypting from
//! the skipped-key store and X3DH.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput};
use ratchet_ref::primitives::{generate_dh, IdentityKeyPair, RootKey};
use ratchet_ref::x3dh::{initiate, respond, sign_prekey, PreKeyBundle};
use ratchet_ref::{OsKeySource, Profile, SeededKeySource, Session};

use crate::batches::in_batches;
use crate::conversation::Party;
use crate::{plaintext, AD};

/// Alice and Bob after X3DH (a fixed SK), Bob's ratchet key being his signed prekey; ratchet
/// keys come from the operating system, as in a real session.
fn sessions() -> (Session, Session) {
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

impl Party for Session {
    const GROUP: &'static str = "ratchet";
    type Message = Vec<u8>;

    fn pair() -> (Session, Session) {
        sessions()
    }

    /// RatchetEncrypt.
    fn send(&mut self, pt: &[u8]) -> Vec<u8> {
        self.encrypt(pt, &AD).expect("encrypts")
    }

    /// RatchetDecrypt.
    fn receive(&mut self, message: &Vec<u8>) -> Vec<u8> {
        self.decrypt(message, &AD).expect("decrypts")
    }
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
                alice.send(&pt);
            }
            let last = alice.send(&pt);
            bob.receive(&last);
            assert_eq!(bob.skipped_len(), stored as usize);
            let mut withheld = Vec::with_capacity(OUT_OF_ORDER_BATCH as usize);
            b.iter_custom(|iters| {
                let total = in_batches(iters, u64::from(OUT_OF_ORDER_BATCH), |n, stopwatch| {
                    withheld.clear();
                    withheld.extend((0..n).map(|_| alice.send(&pt)));
                    let next = alice.send(&pt);
                    bob.receive(&next);
                    stopwatch.time(|| {
                        for message in &withheld {
                            black_box(bob.receive(black_box(message)));
                        }
                    });
                });
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
