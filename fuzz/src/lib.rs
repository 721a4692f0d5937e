//! # ratchet-fuzz
//!
//! cargo-fuzz targets for `ratchet-ref`. The logic of every target lives in [`checks`] (one
//! `check_*` function per target, taking the raw fuzzer input), so the same code runs under
//! libFuzzer (`fuzz_targets/*.rs` are thin `fuzz_target!` wrappers) and under plain
//! `cargo test -p ratchet-ref`, which replays `fuzz/regressions/<target>/*` through it.
//!
//! Structure-aware targets decode their input with [`checks::input::ByteReader`], not with
//! `arbitrary`'s derive: the stable regression test cannot depend on `arbitrary`, and a
//! regression file must decode to the same plan in both places. [`Decoded`] adapts those
//! decoders to `arbitrary::Arbitrary`, so the wrappers take typed inputs and
//! `cargo fuzz fmt <target> <file>` prints the decoded plan of a crash.
//!
//! See `fuzz/README.md` for running, reproducing, minimising and measuring.

pub mod checks;
pub mod driver_request;
pub mod sut_output;
pub mod vector_file;

pub use checks::{
    check_aead_decrypt, check_decrypt, check_decrypt_structured, check_header_decode,
    check_message_parse, check_session_interaction, check_x3dh_bundle,
    check_x3dh_bundle_structured, TARGETS,
};

use arbitrary::{Arbitrary, Unstructured};

/// A structured input type with a total decoder from bytes.
pub trait Decode: Sized {
    /// Decodes any byte string.
    fn decode(data: &[u8]) -> Self;
}

impl Decode for checks::decrypt::DecryptPlan {
    fn decode(data: &[u8]) -> Self {
        checks::decrypt::DecryptPlan::decode(data)
    }
}

impl Decode for checks::session_interaction::Script {
    fn decode(data: &[u8]) -> Self {
        checks::session_interaction::Script::decode(data)
    }
}

impl Decode for checks::x3dh_bundle::BundlePlan {
    fn decode(data: &[u8]) -> Self {
        checks::x3dh_bundle::BundlePlan::decode(data)
    }
}

/// A fuzzer input decoded with its own [`Decode`] implementation: all input bytes go to the
/// decoder, exactly as the regression test feeds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded<T>(pub T);

impl<'a, T: Decode> Arbitrary<'a> for Decoded<T> {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let data = u.bytes(u.len())?;
        Ok(Decoded(T::decode(data)))
    }

    fn arbitrary_take_rest(u: Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(Decoded(T::decode(u.take_rest())))
    }
}
