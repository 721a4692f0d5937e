//! `x3dh_bundle` and `x3dh_bundle_structured`: prekey bundles into `PreKeyBundle::decode`
//! and `x3dh::initiate`.
//!
//! Invariants on every input:
//!
//! * `decode` accepts exactly 128 and 160 bytes (anything else is `malformed`) and re-encodes
//!   to its input.
//! * `initiate` returns exactly the predicted result, in the documented order: the signature
//!   is verified first (`invalid_key` for an identity key that does not decode,
//!   `invalid_signature` for any signed part Bob did not publish) and no ephemeral key is
//!   drawn when it fails; then EK_A is drawn, then a small-order signed, identity or
//!   one-time prekey is `invalid_key` (judged from the list of small-order encodings, not
//!   by computing X25519).
//! * On success the AD is `Encode(IK_A) ‖ Encode(IK_B)` and, whenever the bundle is Bob's
//!   (his identity and signed prekey, and a one-time prekey he holds or none), `respond`
//!   derives the same SK, AD and DH outputs.
//!
//! `x3dh_bundle` input: the bundle bytes. `x3dh_bundle_structured` input: a [`BundlePlan`]:
//! one of Bob's genuine bundles and up to [`MAX_BUNDLE_MUTATIONS`] mutations. A mutation of
//! the signed part (identity key, signed prekey, signature) must make `initiate` fail.

use std::sync::OnceLock;

use ratchet_ref::primitives::{generate_dh, DhKeyPair, DhPublicKey, IdentityKeyPair};
use ratchet_ref::x3dh::{encode_identity_key, initiate, respond, sign_prekey, PreKeyBundle};
use ratchet_ref::{ErrorKind, Profile, SeededKeySource};

use super::input::ByteReader;
use super::keys::CountingKeySource;
use super::oracle::{is_small_order, SMALL_ORDER_KEYS};

/// Most mutations a bundle plan applies.
pub const MAX_BUNDLE_MUTATIONS: usize = 6;

const SIGNED_LEN: usize = PreKeyBundle::LEN_WITHOUT_OPK;

/// Alice's identity and Bob's published keys.
#[derive(Debug)]
pub struct X3dhFixture {
    /// The `spec` profile.
    pub profile: Profile,
    /// Alice's identity key.
    pub alice: IdentityKeyPair,
    /// Bob's identity key.
    pub bob_identity: IdentityKeyPair,
    /// Bob's signed prekey.
    pub bob_signed_prekey: DhKeyPair,
    /// Bob's one-time prekeys.
    pub bob_one_time_prekeys: Vec<DhKeyPair>,
    /// Bob's genuine bundles: with each one-time prekey, then without.
    pub bundles: Vec<PreKeyBundle>,
}

/// The fixture, built on first use.
pub fn x3dh_fixture() -> &'static X3dhFixture {
    static FIXTURE: OnceLock<X3dhFixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let profile = Profile::spec();
        let mut source = SeededKeySource::from_u64(0x3d4);
        let mut next_identity =
            || IdentityKeyPair::generate(&mut source).unwrap_or_else(|e| panic!("fixture: {e}"));
        let alice = next_identity();
        let bob_identity = next_identity();
        let mut source = SeededKeySource::from_u64(0x5eed);
        let mut next_dh = || generate_dh(&mut source).unwrap_or_else(|e| panic!("fixture: {e}"));
        let bob_signed_prekey = next_dh();
        let bob_one_time_prekeys = vec![next_dh(), next_dh()];
        let signature = sign_prekey(&profile, &bob_identity, &bob_signed_prekey.public);
        let bundle = |one_time_prekey: Option<DhPublicKey>| PreKeyBundle {
            identity_key: bob_identity.public(),
            signed_prekey: bob_signed_prekey.public,
            signed_prekey_signature: signature,
            one_time_prekey,
        };
        let mut bundles: Vec<PreKeyBundle> = bob_one_time_prekeys
            .iter()
            .map(|opk| bundle(Some(opk.public)))
            .collect();
        bundles.push(bundle(None));
        X3dhFixture {
            profile,
            alice,
            bob_identity,
            bob_signed_prekey,
            bob_one_time_prekeys,
            bundles,
        }
    })
}

/// What happened to the bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BundleOutcome {
    /// `decode` rejected it (wrong length).
    Malformed,
    /// `initiate` rejected it with this kind.
    Rejected(ErrorKind),
    /// `initiate` succeeded; `responder_agreed` when Bob could run `respond` and agreed.
    Agreed {
        /// Bob derived the same SK and AD.
        responder_agreed: bool,
    },
}

/// The `x3dh_bundle` check.
pub fn check_x3dh_bundle(data: &[u8]) -> BundleOutcome {
    let fx = x3dh_fixture();
    match PreKeyBundle::decode(data) {
        Ok(bundle) => {
            assert!(
                data.len() == PreKeyBundle::LEN_WITHOUT_OPK
                    || data.len() == PreKeyBundle::LEN_WITH_OPK,
                "a {}-byte bundle decoded",
                data.len()
            );
            assert_eq!(bundle.encode(), data, "encode(decode(b)) != b");
            initiate_and_check(fx, &bundle)
        }
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::Malformed, "decode: {e}");
            assert!(
                data.len() != PreKeyBundle::LEN_WITHOUT_OPK
                    && data.len() != PreKeyBundle::LEN_WITH_OPK,
                "a {}-byte bundle was rejected: {e}",
                data.len()
            );
            BundleOutcome::Malformed
        }
    }
}

/// The result `initiate` must give, and how many keys it draws first.
///
/// The signature stage is predicted from unforgeability, not by calling the verifier: an
/// identity key that does not decode is `invalid_key`; otherwise the signature verifies only
/// when the signed part (IK_B, SPK_B, signature) is exactly one Bob published. Any other
/// accepted signed part would be a forgery or a malleability the strict verifier must reject.
fn expected_initiate(fx: &X3dhFixture, bundle: &PreKeyBundle) -> (Result<(), ErrorKind>, u64) {
    let Ok(ik_b) = bundle.identity_key.to_x25519() else {
        return (Err(ErrorKind::InvalidKey), 0);
    };
    let genuine = fx.bundles[0].encode();
    if bundle.encode().get(..SIGNED_LEN) != genuine.get(..SIGNED_LEN) {
        return (Err(ErrorKind::InvalidSignature), 0);
    }
    let mut keys = vec![bundle.signed_prekey, ik_b];
    keys.extend(bundle.one_time_prekey);
    if keys.iter().any(is_small_order) {
        return (Err(ErrorKind::InvalidKey), 1);
    }
    (Ok(()), 1)
}

fn initiate_and_check(fx: &X3dhFixture, bundle: &PreKeyBundle) -> BundleOutcome {
    let profile = &fx.profile;
    let (expected, expected_draws) = expected_initiate(fx, bundle);
    let mut source = CountingKeySource::new(0xe4);
    let result = initiate(profile, &fx.alice, bundle, &mut source);
    assert_eq!(
        result.as_ref().map(|_| ()).map_err(|e| e.kind()),
        expected,
        "initiate: {:?}",
        result.as_ref().err()
    );
    assert_eq!(source.draws(), expected_draws, "keys drawn by initiate");
    let out = match result {
        Ok(out) => out,
        Err(e) => return BundleOutcome::Rejected(e.kind()),
    };
    let mut ad = encode_identity_key(profile, &fx.alice.public()).to_vec();
    ad.extend_from_slice(&encode_identity_key(profile, &bundle.identity_key));
    assert_eq!(out.ad, ad, "AD is not Encode(IK_A) || Encode(IK_B)");
    assert_eq!(out.one_time_prekey, bundle.one_time_prekey);
    assert_eq!(
        out.dh_outputs.len(),
        3 + usize::from(bundle.one_time_prekey.is_some())
    );

    let bobs = bundle.identity_key == fx.bob_identity.public()
        && bundle.signed_prekey == fx.bob_signed_prekey.public;
    let one_time = match bundle.one_time_prekey {
        None => Some(None),
        Some(key) => fx
            .bob_one_time_prekeys
            .iter()
            .find(|pair| pair.public == key)
            .map(Some),
    };
    let (true, Some(one_time)) = (bobs, one_time) else {
        return BundleOutcome::Agreed {
            responder_agreed: false,
        };
    };
    let bob = respond(
        profile,
        &fx.bob_identity,
        &fx.bob_signed_prekey,
        one_time,
        &fx.alice.public(),
        &out.ephemeral.public,
    )
    .unwrap_or_else(|e| panic!("respond failed on an accepted genuine bundle: {e}"));
    assert!(
        bob.sk == out.sk,
        "initiator and responder derived different SK"
    );
    assert_eq!(
        bob.ad, out.ad,
        "initiator and responder derived different AD"
    );
    assert!(
        bob.dh_outputs == out.dh_outputs,
        "initiator and responder computed different DH outputs"
    );
    BundleOutcome::Agreed {
        responder_agreed: true,
    }
}

/// What to put in the one-time prekey slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OneTimePrekey {
    /// No one-time prekey (a 128-byte bundle).
    Absent,
    /// One of Bob's one-time prekeys (modulo their count).
    Bobs(u8),
    /// A small-order point (modulo their count).
    SmallOrder(u8),
    /// These bytes.
    Bytes([u8; 32]),
}

/// One change to the encoded bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BundleMutation {
    /// XOR one byte of IK_B.
    XorIdentityKey { index: u8, mask: u8 },
    /// XOR one byte of SPK_B.
    XorSignedPrekey { index: u8, mask: u8 },
    /// XOR one byte of the signature.
    XorSignature { index: u8, mask: u8 },
    /// Replace SPK_B with a small-order point (modulo their count).
    SmallOrderSignedPrekey(u8),
    /// Replace, add or remove the one-time prekey.
    SetOneTimePrekey(OneTimePrekey),
    /// Remove this many bytes from the end.
    Truncate(u8),
    /// Append bytes.
    Extend(Vec<u8>),
}

/// A structured `x3dh_bundle_structured` input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundlePlan {
    /// Which genuine bundle (modulo their count).
    pub bundle: u8,
    /// Applied in order to the encoded bundle.
    pub mutations: Vec<BundleMutation>,
}

impl BundlePlan {
    /// Decodes any byte string into a plan.
    pub fn decode(data: &[u8]) -> BundlePlan {
        let mut input = ByteReader::new(data);
        let bundle = input.u8();
        let mut mutations = Vec::new();
        while !input.is_empty() && mutations.len() < MAX_BUNDLE_MUTATIONS {
            let mutation = match input.u8() % 10 {
                0 => BundleMutation::XorIdentityKey {
                    index: input.u8(),
                    mask: input.u8(),
                },
                1 => BundleMutation::XorSignedPrekey {
                    index: input.u8(),
                    mask: input.u8(),
                },
                2 => BundleMutation::XorSignature {
                    index: input.u8(),
                    mask: input.u8(),
                },
                3 => BundleMutation::SmallOrderSignedPrekey(input.u8()),
                4 => BundleMutation::SetOneTimePrekey(OneTimePrekey::Absent),
                5 => BundleMutation::SetOneTimePrekey(OneTimePrekey::Bobs(input.u8())),
                6 => BundleMutation::SetOneTimePrekey(OneTimePrekey::SmallOrder(input.u8())),
                7 => BundleMutation::SetOneTimePrekey(OneTimePrekey::Bytes(input.array32())),
                8 => BundleMutation::Truncate(input.u8()),
                _ => BundleMutation::Extend(input.short_bytes(40).to_vec()),
            };
            mutations.push(mutation);
        }
        BundlePlan { bundle, mutations }
    }

    /// The bytes [`BundlePlan::decode`] turns into this plan (for seeds and tests).
    /// `Extend` holds at most 40 bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![self.bundle];
        for mutation in self.mutations.iter().take(MAX_BUNDLE_MUTATIONS) {
            match mutation {
                BundleMutation::XorIdentityKey { index, mask } => out.extend([0, *index, *mask]),
                BundleMutation::XorSignedPrekey { index, mask } => out.extend([1, *index, *mask]),
                BundleMutation::XorSignature { index, mask } => out.extend([2, *index, *mask]),
                BundleMutation::SmallOrderSignedPrekey(index) => out.extend([3, *index]),
                BundleMutation::SetOneTimePrekey(OneTimePrekey::Absent) => out.push(4),
                BundleMutation::SetOneTimePrekey(OneTimePrekey::Bobs(index)) => {
                    out.extend([5, *index])
                }
                BundleMutation::SetOneTimePrekey(OneTimePrekey::SmallOrder(index)) => {
                    out.extend([6, *index])
                }
                BundleMutation::SetOneTimePrekey(OneTimePrekey::Bytes(key)) => {
                    out.push(7);
                    out.extend_from_slice(key);
                }
                BundleMutation::Truncate(count) => out.extend([8, *count]),
                BundleMutation::Extend(bytes) => {
                    let bytes = &bytes[..bytes.len().min(40)];
                    out.extend([9, bytes.len() as u8]);
                    out.extend_from_slice(bytes);
                }
            }
        }
        out
    }
}

/// The `x3dh_bundle_structured` check.
pub fn check_x3dh_bundle_structured(data: &[u8]) -> BundleOutcome {
    run_bundle_plan(&BundlePlan::decode(data))
}

fn xor_in(bytes: &mut [u8], start: usize, len: usize, index: u8, mask: u8) {
    if let Some(byte) = bytes.get_mut(start + usize::from(index) % len) {
        *byte ^= mask;
    }
}

/// Runs a decoded plan.
pub fn run_bundle_plan(plan: &BundlePlan) -> BundleOutcome {
    let fx = x3dh_fixture();
    let genuine = fx.bundles[usize::from(plan.bundle) % fx.bundles.len()].encode();
    let mut bytes = genuine.clone();
    for mutation in &plan.mutations {
        match mutation {
            BundleMutation::XorIdentityKey { index, mask } => {
                xor_in(&mut bytes, 0, 32, *index, *mask)
            }
            BundleMutation::XorSignedPrekey { index, mask } => {
                xor_in(&mut bytes, 32, 32, *index, *mask)
            }
            BundleMutation::XorSignature { index, mask } => {
                xor_in(&mut bytes, 64, 64, *index, *mask)
            }
            BundleMutation::SmallOrderSignedPrekey(index) => {
                let key = SMALL_ORDER_KEYS[usize::from(*index) % SMALL_ORDER_KEYS.len()];
                if let Some(field) = bytes.get_mut(32..64) {
                    field.copy_from_slice(&key);
                }
            }
            BundleMutation::SetOneTimePrekey(choice) => {
                bytes.truncate(SIGNED_LEN);
                match choice {
                    OneTimePrekey::Absent => {}
                    OneTimePrekey::Bobs(index) => {
                        let pairs = &fx.bob_one_time_prekeys;
                        bytes.extend_from_slice(&pairs[usize::from(*index) % pairs.len()].public.0);
                    }
                    OneTimePrekey::SmallOrder(index) => bytes.extend_from_slice(
                        &SMALL_ORDER_KEYS[usize::from(*index) % SMALL_ORDER_KEYS.len()],
                    ),
                    OneTimePrekey::Bytes(key) => bytes.extend_from_slice(key),
                }
            }
            BundleMutation::Truncate(count) => {
                bytes.truncate(bytes.len().saturating_sub(usize::from(*count)));
            }
            BundleMutation::Extend(extra) => bytes.extend_from_slice(extra),
        }
    }
    let outcome = check_x3dh_bundle(&bytes);
    let signed_part_intact = bytes.get(..SIGNED_LEN) == genuine.get(..SIGNED_LEN);
    match outcome {
        BundleOutcome::Agreed { responder_agreed } => {
            assert!(
                signed_part_intact,
                "a bundle whose signed part was mutated was accepted (signature forgery)"
            );
            let opk_is_bobs = match bytes.get(SIGNED_LEN..) {
                Some([]) => true,
                Some(opk) => fx.bob_one_time_prekeys.iter().any(|p| p.public.0 == opk),
                None => false,
            };
            assert_eq!(
                responder_agreed, opk_is_bobs,
                "responder check ran when it should not, or not when it should"
            );
        }
        BundleOutcome::Rejected(kind) => {
            if signed_part_intact {
                assert_eq!(
                    kind,
                    ErrorKind::InvalidKey,
                    "a genuine signed part with a bad one-time prekey must be invalid_key"
                );
            }
        }
        BundleOutcome::Malformed => {}
    }
    outcome
}
