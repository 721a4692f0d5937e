//! Criterion benches of the Double Ratchet hot path, in one run:
//!
//! * `floor/…`: the raw primitive sequence the hot path must execute (see `floor.rs`);
//! * `ratchet/…`: ratchet-ref, the reference implementation;
//! * `peer-vodozemac/…` and `peer-double-ratchet/…`: two published implementations, through
//!   their documented public APIs.
//!
//! Floor, reference and peers of one scenario run back to back, so the ratios between them
//! (computed by `bench-report`, see README.md) are taken under the same machine load.

mod floor;
mod floor_bench;
mod peers;
mod reference;

use criterion::{criterion_group, criterion_main, Criterion};

/// Message sizes and their labels in bench names.
pub const SIZES: [(usize, &str); 3] = [(100, "100B"), (1024, "1KiB"), (65536, "64KiB")];

/// Associated data: the 66-byte X3DH AD (Encode(IK_A) ‖ Encode(IK_B)).
pub const AD: [u8; 66] = [0xad; 66];

/// How many messages to prepare ahead of a timed batch of receives: about 256 KiB of them,
/// between 8 and 256.
pub fn batch_len(size: usize) -> u64 {
    ((256 * 1024) / size.max(1)).clamp(8, 256) as u64
}

fn hot_path(c: &mut Criterion) {
    floor_bench::aes_key_schedule(c);
    floor_bench::cbc_hmac(c);
    for (size, label) in SIZES {
        floor_bench::send(c, size, label);
        reference::send(c, size, label);
    }
    for (size, label) in SIZES {
        floor_bench::receive(c, size, label);
        reference::receive(c, size, label);
    }
    for (size, label) in SIZES {
        floor_bench::one_way(c, size, label);
        reference::one_way(c, size, label);
        peers::vodozemac_one_way(c, size, label);
        peers::double_ratchet_one_way(c, size, label);
    }
    floor_bench::dh_ratchet_step(c);
    for (size, label) in SIZES {
        floor_bench::alternating(c, size, label);
        reference::alternating(c, size, label);
        peers::vodozemac_alternating(c, size, label);
        peers::double_ratchet_alternating(c, size, label);
    }
    reference::out_of_order(c);
    reference::x3dh(c);
}

criterion_group! {
    name = benches;
    config = Criterion::default();
    targets = hot_path
}
criterion_main!(benches);
