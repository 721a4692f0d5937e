//! Criterion benches of the Double Ratchet hot path, in one run:
//!
//! * `floor/…`: the raw primitive sequence the hot path must execute (see `floor.rs`);
//! * `ratchet/…`: ratchet-ref, the reference implementation;
//! * `peer-vodozemac/…` and `peer-double-ratchet/…`: two published implementations, through
//!   their documented public APIs;
//! * `floor-olm/…`, `ratchet-olm/…` and `peer-vodozemac-wire/…`: the same for the `olm`
//!   profile: its floor (`floor_olm.rs`), ratchet-ref with `Profile::olm()`, and vodozemac on
//!   the same wire format (messages as bytes on both sides);
//! * `vectors/…`: the conformance suite's own work, generating and replaying test vectors.
//!
//! Every implementation is a [`conversation::Party`]; the message scenarios (send, receive,
//! one-way, alternating) are written once, in `conversation.rs`, and run for each. Floor,
//! reference and peers of one scenario run back to back, so the ratios between them
//! (computed by `bench-report`, see README.md) are taken under the same machine load.

mod batches;
mod conversation;
mod floor;
mod floor_bench;
mod floor_olm;
mod peers;
mod reference;
mod reference_olm;
mod vectors;

use criterion::{criterion_group, criterion_main, Criterion};
use ratchet_ref::Session;

use conversation::{alternating, one_way, receive, send};
use floor_bench::{Chains, OlmChains};
use peers::{DoubleRatchet, Olm, OlmWire};
use reference_olm::OlmSession;

/// Message sizes and their labels in bench names.
pub const SIZES: [(usize, &str); 3] = [(100, "100B"), (1024, "1KiB"), (65536, "64KiB")];

/// Associated data: the 66-byte X3DH AD (Encode(IK_A) ‖ Encode(IK_B)).
pub const AD: [u8; 66] = [0xad; 66];

/// The plaintext of every message of `size` bytes.
pub fn plaintext(size: usize) -> Vec<u8> {
    vec![0x5a; size]
}

/// One scenario for one implementation at one message size.
type SizedBench = fn(&mut Criterion, usize, &str);

/// Runs every bench of `benches` at each size, the sizes in turn.
fn at_each_size(c: &mut Criterion, benches: &[SizedBench]) {
    for (size, label) in SIZES {
        for bench in benches {
            bench(c, size, label);
        }
    }
}

fn hot_path(c: &mut Criterion) {
    floor_bench::aes_key_schedule(c);
    floor_bench::cbc_hmac(c);
    // Each profile's floor right before its reference; vodozemac on the wire right after
    // ratchet-olm.
    at_each_size(
        c,
        &[
            send::<Chains>,
            send::<Session>,
            send::<OlmChains>,
            send::<OlmSession>,
        ],
    );
    at_each_size(
        c,
        &[
            receive::<Chains>,
            receive::<Session>,
            receive::<OlmChains>,
            receive::<OlmSession>,
        ],
    );
    at_each_size(
        c,
        &[
            one_way::<Chains>,
            one_way::<Session>,
            one_way::<Olm>,
            one_way::<DoubleRatchet>,
            one_way::<OlmChains>,
            one_way::<OlmSession>,
            one_way::<OlmWire>,
        ],
    );
    floor_bench::dh_ratchet_step(c);
    // The floor of an alternating conversation is a floor party, which performs DH ratchet
    // steps; `Chains` has none.
    at_each_size(
        c,
        &[
            alternating::<floor::Party>,
            alternating::<Session>,
            alternating::<Olm>,
            alternating::<DoubleRatchet>,
            alternating::<floor_olm::Party>,
            alternating::<OlmSession>,
            alternating::<OlmWire>,
        ],
    );
    reference::out_of_order(c);
    reference::x3dh(c);
    vectors::generate(c);
    vectors::replay(c);
}

criterion_group! {
    name = benches;
    config = Criterion::default();
    targets = hot_path
}
criterion_main!(benches);
