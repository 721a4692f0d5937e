//! The logic of every fuzz target, one module per target, shared by the libFuzzer wrappers in
//! `fuzz/fuzz_targets/` and by the stable regression test `impl/tests/fuzz_regressions.rs`
//! (which includes this directory with `#[path]`).
//!
//! Because the regression test compiles these files as part of `ratchet-ref`'s tests, they
//! may use only `std`, `ratchet-ref` and crates `ratchet-ref` itself depends on (`zeroize`,
//! `serde_json`), and must refer to each other with `super::`, never `crate::`. Nothing
//! here depends on libFuzzer or `arbitrary`: structured inputs are decoded by
//! [`input::ByteReader`], so a regression file replays to the same plan everywhere.
//!
//! Every check function takes the raw fuzzer input, panics when an invariant breaks, and
//! returns a small outcome value that tests use to prove the interesting path was taken.

pub mod aead_decrypt;
pub mod decrypt;
pub mod fixture;
pub mod header_decode;
pub mod input;
pub mod keys;
pub mod message_parse;
pub mod oracle;
pub mod seeds;
pub mod session_interaction;
pub mod x3dh_bundle;

pub use aead_decrypt::check_aead_decrypt;
pub use decrypt::{check_decrypt, check_decrypt_structured};
pub use header_decode::check_header_decode;
pub use message_parse::check_message_parse;
pub use session_interaction::check_session_interaction;
pub use x3dh_bundle::{check_x3dh_bundle, check_x3dh_bundle_structured};

/// A fuzz target: its name (as in `cargo fuzz list` and `fuzz/regressions/<name>/`) and its
/// check.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    /// The target's name.
    pub name: &'static str,
    /// Runs the check on one input; panics on a violated invariant.
    pub check: fn(&[u8]),
}

/// Every target.
pub const TARGETS: &[Target] = &[
    Target {
        name: "header_decode",
        check: |data| {
            check_header_decode(data);
        },
    },
    Target {
        name: "message_parse",
        check: |data| {
            check_message_parse(data);
        },
    },
    Target {
        name: "decrypt",
        check: |data| {
            check_decrypt(data);
        },
    },
    Target {
        name: "decrypt_structured",
        check: |data| {
            check_decrypt_structured(data);
        },
    },
    Target {
        name: "aead_decrypt",
        check: |data| {
            check_aead_decrypt(data);
        },
    },
    Target {
        name: "session_interaction",
        check: |data| {
            check_session_interaction(data);
        },
    },
    Target {
        name: "x3dh_bundle",
        check: |data| {
            check_x3dh_bundle(data);
        },
    },
    Target {
        name: "x3dh_bundle_structured",
        check: |data| {
            check_x3dh_bundle_structured(data);
        },
    },
];
