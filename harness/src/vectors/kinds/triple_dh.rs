//! `triple_dh`: Olm's key agreement in both roles (olm.md, "Initial setup"): S =
//! ECDH(I_A, E_B) ‖ ECDH(E_A, I_B) ‖ ECDH(E_A, E_B), R0 ‖ C0,0 = HKDF(zero salt, S,
//! "OLM_ROOT", 64). Both roles must reach the same R0 and C0,0.

use std::collections::BTreeMap;

use ratchet_ref::primitives::{generate_dh_from_bytes, DhPublicKey};
use ratchet_ref::profile::KeyAgreement;
use ratchet_ref::triple_dh::initiate;
use ratchet_ref::{ErrorKind, Profile};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{note, notes, test_case, KindSpec};
use crate::driver::hex_bytes::Hex;
use crate::driver::Capabilities;
use crate::vectors::replay::{expect_outcome, Check};
use crate::vectors::vector_file::{Note, Outcome, TestGroup};
use crate::vectors::vector_rng::VectorRng;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TripleDhTest {
    pub tc_id: u64,
    pub comment: String,
    pub flags: Vec<String>,
    /// I_A (private), E_A (private), and their public keys.
    pub alice_identity_private: Hex,
    pub alice_identity_public: Hex,
    pub alice_base_key_private: Hex,
    pub alice_base_key_public: Hex,
    /// I_B (private), E_B (private), and the public keys Alice is given (possibly altered).
    pub bob_identity_private: Hex,
    pub bob_identity_public: Hex,
    pub bob_one_time_private: Hex,
    pub bob_one_time_public: Hex,
    /// ECDH(I_A, E_B), ECDH(E_A, I_B), ECDH(E_A, E_B), for valid tests.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dh_outputs: Vec<Hex>,
    /// R0 and C0,0, for valid tests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_key: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_key: Option<Hex>,
    pub result: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorKind>,
}
test_case!(TripleDhTest);

pub struct TripleDhKind;

/// A small-order Curve25519 point: every DH with it is all zero.
const ZERO_POINT: [u8; 32] = [0; 32];

/// Which public key Alice is given in place of Bob's (or Bob of Alice's).
#[derive(Clone, Copy)]
enum Alter {
    None,
    OneTimeKey([u8; 32]),
    BobIdentity([u8; 32]),
    AliceBaseKey([u8; 32]),
    /// The one-time key (true) or Bob's identity key (false) cut or extended to this length.
    Length(bool, usize),
}

fn case(
    profile: &Profile,
    rng: &mut VectorRng,
    alter: Alter,
    comment: String,
    flags: &[&str],
) -> TripleDhTest {
    let ia = generate_dh_from_bytes(rng.key());
    let ea = generate_dh_from_bytes(rng.key());
    let ib = generate_dh_from_bytes(rng.key());
    let eb = generate_dh_from_bytes(rng.key());
    let mut eb_public = eb.public.0.to_vec();
    let mut ib_public = ib.public.0.to_vec();
    let mut ea_public = ea.public.0.to_vec();
    match alter {
        Alter::None => {}
        Alter::OneTimeKey(k) => eb_public = k.to_vec(),
        Alter::BobIdentity(k) => ib_public = k.to_vec(),
        Alter::AliceBaseKey(k) => ea_public = k.to_vec(),
        Alter::Length(true, len) => eb_public.resize(len, 0x42),
        Alter::Length(false, len) => ib_public.resize(len, 0x42),
    }
    let initiator = DhPublicKey::from_slice(&ib_public).and_then(|ib_pk| {
        DhPublicKey::from_slice(&eb_public)
            .and_then(|eb_pk| initiate(profile, &ia.private, &ea.private, &ib_pk, &eb_pk))
    });
    let low_order = flags.contains(&"LowOrderPublicKey");
    let (result, error, dh_outputs, root_key, chain_key) = match initiator {
        Ok(out) => (
            if low_order {
                Outcome::Acceptable
            } else {
                Outcome::Valid
            },
            None,
            out.dh_outputs
                .iter()
                .map(|d| Hex::from(*d.expose()))
                .collect(),
            Some(Hex::from(*out.root_key.expose())),
            Some(Hex::from(*out.chain_key.expose())),
        ),
        Err(e) => (Outcome::Invalid, Some(e.kind()), Vec::new(), None, None),
    };
    TripleDhTest {
        tc_id: 0,
        comment,
        flags: flags.iter().map(|f| f.to_string()).collect(),
        alice_identity_private: Hex::from(*ia.private.expose()),
        alice_identity_public: Hex::from(ia.public.0),
        alice_base_key_private: Hex::from(*ea.private.expose()),
        alice_base_key_public: Hex(ea_public),
        bob_identity_private: Hex::from(*ib.private.expose()),
        bob_identity_public: Hex(ib_public),
        bob_one_time_private: Hex::from(*eb.private.expose()),
        bob_one_time_public: Hex(eb_public),
        dh_outputs,
        root_key,
        chain_key,
        result,
        error,
    }
}

/// The responder's view is checked only where the keys Bob holds are the ones Alice used.
fn responder_applies(test: &TripleDhTest) -> bool {
    let altered = ["LowOrderPublicKey", "WrongLength"];
    !test.flags.iter().any(|f| altered.contains(&f.as_str()))
}

impl KindSpec for TripleDhKind {
    const NAME: &'static str = "triple_dh";
    type Test = TripleDhTest;

    /// Only where the key agreement is Olm's triple DH.
    fn applies_to(profile: &Profile) -> bool {
        matches!(profile.key_agreement, KeyAgreement::TripleDh { .. })
    }

    fn header() -> Vec<String> {
        vec![
            "Olm's triple DH in both roles: S = ECDH(I_A, E_B) || ECDH(E_A, I_B) || ECDH(E_A, E_B); R0 || C0,0 = HKDF-SHA256(salt = 32 zero bytes, ikm = S, info = profile.tripleDh.info, 64).".into(),
            "triple_dh_initiate takes I_A, E_A (private) and I_B, E_B (public); triple_dh_respond takes I_B, E_B (private) and I_A, E_A (public). Both must give the same rootKey and chainKey.".into(),
            "olm.md does not say whether a low-order (all-zero output) key must be refused: those tests are acceptable.".into(),
        ]
    }

    fn notes() -> BTreeMap<String, Note> {
        notes(&[
            ("Normal", note("Functionality", "A key agreement between random keys.", "olm.md, Initial setup")),
            ("LowOrderPublicKey", note("MissingCheck", "One public key has small order, so one or more of the three DH outputs is all zero and the root key no longer depends on that party's secret. olm.md does not require refusing it (acceptable); refusing it (invalid_key) is the safer answer.", "olm.md, Initial setup; RFC 7748 §6.1")),
            ("WrongLength", note("ModifiedInput", "A public key that is not 32 bytes.", "olm.md, Initial setup")),
        ])
    }

    fn generate(rng: &mut VectorRng, profile: &Profile) -> Vec<TestGroup<TripleDhTest>> {
        let mut valid = Vec::new();
        for i in 0..20 {
            valid.push(case(
                profile,
                rng,
                Alter::None,
                format!("random keys #{i}"),
                &["Normal"],
            ));
        }
        let mut edge = Vec::new();
        edge.push(case(
            profile,
            rng,
            Alter::OneTimeKey(ZERO_POINT),
            "all-zero one-time key".into(),
            &["LowOrderPublicKey"],
        ));
        edge.push(case(
            profile,
            rng,
            Alter::BobIdentity(ZERO_POINT),
            "all-zero identity key I_B".into(),
            &["LowOrderPublicKey"],
        ));
        edge.push(case(
            profile,
            rng,
            Alter::AliceBaseKey(ZERO_POINT),
            "all-zero base key E_A (Alice's own: only her view is checked)".into(),
            &["LowOrderPublicKey"],
        ));
        let mut one = [0u8; 32];
        one[0] = 1;
        edge.push(case(
            profile,
            rng,
            Alter::OneTimeKey(one),
            "one-time key u = 1 (order 4)".into(),
            &["LowOrderPublicKey"],
        ));
        let mut invalid = Vec::new();
        for len in [0usize, 31, 33, 64] {
            invalid.push(case(
                profile,
                rng,
                Alter::Length(true, len),
                format!("{len}-byte one-time key"),
                &["WrongLength"],
            ));
            invalid.push(case(
                profile,
                rng,
                Alter::Length(false, len),
                format!("{len}-byte identity key I_B"),
                &["WrongLength"],
            ));
        }
        vec![
            TestGroup {
                group_type: "TripleDhTest".into(),
                comment: "agreements between random keys".into(),
                tests: valid,
            },
            TestGroup {
                group_type: "TripleDhTest".into(),
                comment: "low-order keys (acceptable)".into(),
                tests: edge,
            },
            TestGroup {
                group_type: "TripleDhTest".into(),
                comment: "malformed keys".into(),
                tests: invalid,
            },
        ]
    }

    fn checks(test: &TripleDhTest, _caps: &Capabilities) -> Result<Vec<Check>, String> {
        let mut fields = Vec::new();
        if let (Some(rk), Some(ck)) = (&test.root_key, &test.chain_key) {
            fields.push(("/rootKey".to_string(), json!(rk)));
            fields.push(("/chainKey".to_string(), json!(ck)));
        }
        let mut checks = vec![Check::new(
            "triple DH initiator",
            "triple_dh_initiate",
            json!({
                "identityPrivate": test.alice_identity_private,
                "baseKeyPrivate": test.alice_base_key_private,
                "peerIdentityKey": test.bob_identity_public,
                "peerOneTimeKey": test.bob_one_time_public,
            }),
            expect_outcome(
                test.result,
                test.error,
                &[ErrorKind::InvalidKey, ErrorKind::Malformed],
                fields.clone(),
            ),
        )];
        if responder_applies(test) {
            checks.push(Check::new(
                "triple DH responder",
                "triple_dh_respond",
                json!({
                    "identityPrivate": test.bob_identity_private,
                    "oneTimePrivate": test.bob_one_time_private,
                    "peerIdentityKey": test.alice_identity_public,
                    "peerBaseKey": test.alice_base_key_public,
                }),
                expect_outcome(test.result, test.error, &[], fields),
            ));
        }
        Ok(checks)
    }
}
