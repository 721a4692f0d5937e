//! `dh`: GENERATE_DH from given private bytes and DH with a peer key (DR spec section 3.1,
//! RFC 7748), including the small-order peer keys the spec profile rejects.

use std::collections::BTreeMap;

use ratchet_ref::primitives::{dh, generate_dh_from_bytes, DhPrivateKey, DhPublicKey};
use ratchet_ref::{ErrorKind, Profile};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{note, notes, test_case, KindSpec};
use crate::driver::hex_bytes::Hex;
use crate::driver::Capabilities;
use crate::vectors::replay::{expect_outcome, Check, Expect};
use crate::vectors::vector_file::{Note, Outcome, TestGroup};
use crate::vectors::vector_rng::VectorRng;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DhTest {
    pub tc_id: u64,
    pub comment: String,
    pub flags: Vec<String>,
    /// Our private key, 32 bytes as drawn.
    pub private: Hex,
    /// X25519(private, 9).
    pub own_public: Hex,
    /// The peer's public key.
    pub public: Hex,
    /// X25519(private, public), for valid tests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared: Option<Hex>,
    pub result: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorKind>,
}
test_case!(DhTest);

pub struct DhKind;

/// Public keys of small order on Curve25519 and its twist (u-coordinates, little-endian),
/// with the non-canonical encodings p-1, p and p+1. Every one gives an all-zero DH output.
const SMALL_ORDER: [&str; 7] = [
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
];

fn case(
    profile: &Profile,
    private: [u8; 32],
    public: Vec<u8>,
    comment: String,
    flags: &[&str],
) -> DhTest {
    let own = generate_dh_from_bytes(private);
    let outcome = DhPublicKey::from_slice(&public)
        .and_then(|pk| dh(profile, &DhPrivateKey::from_bytes(private), &pk));
    let low_order = flags.contains(&"LowOrderPublicKey");
    let (shared, result, error) = match outcome {
        // A profile that does not reject all-zero outputs (olm.md says nothing about them)
        // computes them; refusing is also right, so the test is acceptable.
        Ok(shared) if low_order => (Some(Hex::from(*shared.expose())), Outcome::Acceptable, None),
        Ok(shared) => (Some(Hex::from(*shared.expose())), Outcome::Valid, None),
        Err(e) => (None, Outcome::Invalid, Some(e.kind())),
    };
    DhTest {
        tc_id: 0,
        comment,
        flags: flags.iter().map(|f| f.to_string()).collect(),
        private: Hex::from(private),
        own_public: Hex::from(own.public.0),
        public: Hex(public),
        shared,
        result,
        error,
    }
}

impl KindSpec for DhKind {
    const NAME: &'static str = "dh";
    type Test = DhTest;

    /// Every profile has this building block.
    fn applies_to(_profile: &Profile) -> bool {
        true
    }

    fn header() -> Vec<String> {
        vec![
            "GENERATE_DH from given private bytes, and DH(private, peer public) over X25519."
                .into(),
            "An all-zero DH output (a small-order peer key) is rejected as invalid_key.".into(),
        ]
    }

    fn header_for(profile: &Profile) -> Vec<String> {
        if profile.reject_non_contributory_dh {
            return Self::header();
        }
        vec![
            "GENERATE_DH from given private bytes, and DH(private, peer public) over X25519."
                .into(),
            "This profile does not require rejecting an all-zero DH output (a small-order peer key): those tests are acceptable, either the all-zero output or invalid_key.".into(),
        ]
    }

    fn notes() -> BTreeMap<String, Note> {
        notes(&[
            ("Normal", note("Functionality", "A DH between random keys.", "DR §3.1, RFC 7748 §5")),
            ("HighBitSet", note("EdgeCase", "The peer key has its most significant bit set; X25519 ignores it.", "RFC 7748 §5")),
            ("LowOrderPublicKey", note("MissingCheck", "The peer key has small order, so the DH output is all zero; the spec profile rejects it (invalid_key). Accepting it lets a peer force a known shared secret.", "RFC 7748 §6.1, DR §5.2")),
            ("WrongLength", note("ModifiedInput", "The peer key is not 32 bytes.", "RFC 7748 §5")),
        ])
    }

    fn generate(rng: &mut VectorRng, profile: &Profile) -> Vec<TestGroup<DhTest>> {
        let mut valid = Vec::new();
        for i in 0..60 {
            let peer = generate_dh_from_bytes(rng.key());
            valid.push(case(
                profile,
                rng.key(),
                peer.public.0.to_vec(),
                format!("random keys #{i}"),
                &["Normal"],
            ));
        }
        for i in 0..4 {
            let mut peer = generate_dh_from_bytes(rng.key()).public.0;
            peer[31] |= 0x80;
            valid.push(case(
                profile,
                rng.key(),
                peer.to_vec(),
                format!("peer key with the top bit set #{i}"),
                &["HighBitSet"],
            ));
        }
        let mut invalid = Vec::new();
        for (i, small) in SMALL_ORDER.iter().enumerate() {
            let point = hex::decode(small).unwrap_or_default();
            invalid.push(case(
                profile,
                rng.key(),
                point.clone(),
                format!("small-order peer key #{i}"),
                &["LowOrderPublicKey"],
            ));
            let mut high = point;
            if let Some(last) = high.last_mut() {
                *last |= 0x80;
            }
            invalid.push(case(
                profile,
                rng.key(),
                high,
                format!("small-order peer key #{i} with the top bit set"),
                &["LowOrderPublicKey", "HighBitSet"],
            ));
        }
        for len in [0usize, 31, 33, 64] {
            let mut peer = generate_dh_from_bytes(rng.key()).public.0.to_vec();
            peer.resize(len, 0x42);
            invalid.push(case(
                profile,
                rng.key(),
                peer,
                format!("{len}-byte peer key"),
                &["WrongLength"],
            ));
        }
        vec![
            TestGroup {
                group_type: "DhTest".into(),
                comment: "valid exchanges".into(),
                tests: valid,
            },
            TestGroup {
                group_type: "DhTest".into(),
                comment: "rejected peer keys".into(),
                tests: invalid,
            },
        ]
    }

    fn checks(test: &DhTest, _caps: &Capabilities) -> Result<Vec<Check>, String> {
        let mut shared = Vec::new();
        if let Some(s) = &test.shared {
            shared.push(("/shared".to_string(), json!(s)));
        }
        Ok(vec![
            Check::new(
                "GENERATE_DH",
                "generate_dh",
                json!({"private": test.private}),
                Expect::Ok(vec![("/public".into(), json!(test.own_public))]),
            ),
            Check::new(
                "DH",
                "dh",
                json!({"private": test.private, "public": test.public}),
                expect_outcome(test.result, test.error, &[], shared),
            ),
        ])
    }
}
