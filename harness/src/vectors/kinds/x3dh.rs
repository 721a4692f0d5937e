//! `x3dh`: the X3DH key agreement (X3DH spec section 3) with Ed25519 identity keys: every DH
//! output, SK and AD for both roles, and the bundles Alice must reject.

use std::collections::BTreeMap;

use ratchet_ref::primitives::{
    generate_dh_from_bytes, DhPublicKey, IdentityKeyPair, IdentityPublicKey,
};
use ratchet_ref::x3dh::{initiate, respond, sign_prekey, PreKeyBundle};
use ratchet_ref::{ErrorKind, Profile, QueuedKeySource};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{note, notes, test_case, KindSpec};
use crate::driver::hex_bytes::Hex;
use crate::driver::Capabilities;
use crate::vectors::replay::{expect_outcome, Check, Expect};
use crate::vectors::vector_file::{Note, Outcome, TestGroup};
use crate::vectors::vector_rng::VectorRng;

/// Which role's computation a test checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// Both (valid tests).
    Both,
    /// Alice processing Bob's bundle.
    Initiator,
    /// Bob processing Alice's initial keys.
    Responder,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct X3dhTest {
    pub tc_id: u64,
    pub comment: String,
    pub flags: Vec<String>,
    pub side: Side,
    /// Alice's Ed25519 seed, public key, and the public key's X25519 form.
    pub alice_identity_seed: Hex,
    pub alice_identity_key: Hex,
    pub alice_identity_dh: Hex,
    pub bob_identity_seed: Hex,
    /// IK_B as published in the bundle.
    pub bob_identity_key: Hex,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bob_identity_dh: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_prekey_private: Option<Hex>,
    pub signed_prekey: Hex,
    /// Sig(IK_B, Encode(SPK_B)).
    pub signature: Hex,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_time_prekey_private: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_time_prekey: Option<Hex>,
    /// EK_A's private key, injected into the initiator.
    pub ephemeral_private: Hex,
    /// EK_A as Bob receives it.
    pub ephemeral_public: Hex,
    /// DH1, DH2, DH3 [, DH4].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dh_outputs: Vec<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sk: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ad: Option<Hex>,
    pub result: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorKind>,
}
test_case!(X3dhTest);

pub struct X3dhKind;

/// Keys for one agreement, before any mutation.
pub struct Parties {
    pub alice: IdentityKeyPair,
    pub bob: IdentityKeyPair,
    pub spk: [u8; 32],
    pub opk: Option<[u8; 32]>,
    pub ek: [u8; 32],
}

impl Parties {
    pub fn draw(rng: &mut VectorRng, with_opk: bool) -> Parties {
        Parties {
            alice: IdentityKeyPair::from_seed(rng.key()),
            bob: IdentityKeyPair::from_seed(rng.key()),
            spk: rng.key(),
            opk: with_opk.then(|| rng.key()),
            ek: rng.key(),
        }
    }

    /// Bob's genuine bundle.
    pub fn bundle(&self, profile: &Profile) -> PreKeyBundle {
        let spk = generate_dh_from_bytes(self.spk).public;
        PreKeyBundle {
            identity_key: self.bob.public(),
            signed_prekey: spk,
            signed_prekey_signature: sign_prekey(profile, &self.bob, &spk),
            one_time_prekey: self.opk.map(|k| generate_dh_from_bytes(k).public),
        }
    }
}

/// Raw bundle fields, so tests can hold keys of any length.
struct RawBundle {
    identity_key: Vec<u8>,
    signed_prekey: Vec<u8>,
    signature: Vec<u8>,
    one_time_prekey: Option<Vec<u8>>,
}

/// The group order L of Ed25519, little-endian.
const ED25519_L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// The Ed25519 identity point, canonically encoded (y = 1).
const EDWARDS_IDENTITY: [u8; 32] = {
    let mut e = [0u8; 32];
    e[0] = 1;
    e
};

/// The identity point with y = p + 1: the same point, non-canonically encoded.
const EDWARDS_IDENTITY_NON_CANONICAL: [u8; 32] = {
    let mut e = [0xffu8; 32];
    e[0] = 0xee;
    e[31] = 0x7f;
    e
};

/// The point (0, -1) of order 2 (y = p - 1).
const EDWARDS_ORDER_2: [u8; 32] = {
    let mut e = [0xffu8; 32];
    e[0] = 0xec;
    e[31] = 0x7f;
    e
};

/// a + b for 32-byte little-endian numbers (no carry out: S + L < 2^256).
fn add_le(a: &[u8], b: &[u8; 32]) -> Vec<u8> {
    let mut out = vec![0u8; 32];
    let mut carry = 0u16;
    for i in 0..32 {
        let sum = u16::from(a.get(i).copied().unwrap_or(0)) + u16::from(b[i]) + carry;
        out[i] = sum as u8;
        carry = sum >> 8;
    }
    out
}

/// A signature with a small-order R that a cofactored verifier ([8][S]B = [8]R + [8][k]A)
/// accepts: S = k·a with k = SHA-512(R ‖ A ‖ M), a the signer's secret scalar (RFC 8032
/// §5.1.5), so the equation holds up to the small-order R.
fn small_order_r_signature(seed: &[u8; 32], public: &[u8], message: &[u8]) -> Vec<u8> {
    use curve25519_dalek::scalar::Scalar;
    use sha2::{Digest, Sha512};
    let h = Sha512::digest(seed);
    let mut a = [0u8; 32];
    a.copy_from_slice(&h[..32]);
    a[0] &= 248;
    a[31] &= 127;
    a[31] |= 64;
    let a = Scalar::from_bytes_mod_order(a);
    let mut hasher = Sha512::new();
    hasher.update(EDWARDS_ORDER_2);
    hasher.update(public);
    hasher.update(message);
    let mut wide = [0u8; 64];
    wide.copy_from_slice(&hasher.finalize());
    let k = Scalar::from_bytes_mod_order_wide(&wide);
    [&EDWARDS_ORDER_2[..], (k * a).as_bytes()].concat()
}

/// Bundles whose signature only a strict verifier refuses.
fn lax_signatures(rng: &mut VectorRng, profile: &Profile) -> Vec<X3dhTest> {
    let mut tests = Vec::new();
    for (i, with_opk) in [false, true].into_iter().enumerate() {
        let p = Parties::draw(rng, with_opk);
        let genuine = p.bundle(profile);
        let message = ratchet_ref::x3dh::encode_x25519_key(profile, &genuine.signed_prekey);
        let mut cases: Vec<(&str, RawBundle)> = Vec::new();
        let mut b = raw(&genuine);
        b.signature = [
            &b.signature[..32],
            &add_le(&b.signature[32..], &ED25519_L)[..],
        ]
        .concat();
        cases.push((
            "S + L: the genuine S not reduced (a verifier that reduces S accepts it)",
            b,
        ));
        let mut b = raw(&genuine);
        b.signature = small_order_r_signature(p.bob.seed(), &b.identity_key, &message);
        cases.push((
            "small-order R, S = k·a (a cofactored verifier accepts it)",
            b,
        ));
        let mut b = raw(&genuine);
        b.identity_key = EDWARDS_IDENTITY.to_vec();
        b.signature = [&EDWARDS_IDENTITY[..], &[0u8; 32][..]].concat();
        cases.push(("identity key and R the identity point, S = 0 (verifies for any message without the small-order checks)", b));
        let mut b = raw(&genuine);
        b.identity_key = EDWARDS_IDENTITY.to_vec();
        b.signature = [&EDWARDS_IDENTITY_NON_CANONICAL[..], &[0u8; 32][..]].concat();
        cases.push(("R the identity point encoded non-canonically (y = p + 1), identity key the identity point, S = 0", b));
        let mut b = raw(&genuine);
        b.identity_key = EDWARDS_IDENTITY_NON_CANONICAL.to_vec();
        b.signature = [&EDWARDS_IDENTITY[..], &[0u8; 32][..]].concat();
        cases.push(("identity key the identity point encoded non-canonically (y = p + 1), R the identity point, S = 0", b));
        for (comment, b) in cases {
            tests.push(make(
                profile,
                &p,
                b,
                None,
                None,
                format!("strict bundle #{i}: {comment}"),
                &["InvalidSignature", "StrictSignature"],
            ));
        }
    }
    tests
}

fn raw(bundle: &PreKeyBundle) -> RawBundle {
    RawBundle {
        identity_key: bundle.identity_key.0.to_vec(),
        signed_prekey: bundle.signed_prekey.0.to_vec(),
        signature: bundle.signed_prekey_signature.to_vec(),
        one_time_prekey: bundle.one_time_prekey.map(|k| k.0.to_vec()),
    }
}

fn run_initiator(
    profile: &Profile,
    parties: &Parties,
    b: &RawBundle,
) -> ratchet_ref::Result<ratchet_ref::x3dh::InitiatorOutput> {
    let bundle = PreKeyBundle {
        identity_key: IdentityPublicKey::from_slice(&b.identity_key)?,
        signed_prekey: ratchet_ref::primitives::DhPublicKey::from_slice(&b.signed_prekey)?,
        signed_prekey_signature: b.signature.as_slice().try_into().map_err(|_| {
            ratchet_ref::Error::new(ErrorKind::InvalidSignature, "signature length")
        })?,
        one_time_prekey: b
            .one_time_prekey
            .as_ref()
            .map(|k| ratchet_ref::primitives::DhPublicKey::from_slice(k))
            .transpose()?,
    };
    let mut keys = QueuedKeySource::new();
    keys.push(parties.ek);
    initiate(profile, &parties.alice, &bundle, &mut keys)
}

fn make(
    profile: &Profile,
    parties: &Parties,
    b: RawBundle,
    ephemeral_public: Option<Vec<u8>>,
    alice_key: Option<Vec<u8>>,
    comment: String,
    flags: &[&str],
) -> X3dhTest {
    let ek_public = generate_dh_from_bytes(parties.ek).public.0.to_vec();
    let mut test = X3dhTest {
        tc_id: 0,
        comment,
        flags: flags.iter().map(|f| f.to_string()).collect(),
        side: Side::Both,
        alice_identity_seed: Hex::from(*parties.alice.seed()),
        alice_identity_key: Hex(alice_key
            .clone()
            .unwrap_or_else(|| parties.alice.public().0.to_vec())),
        alice_identity_dh: Hex::from(parties.alice.dh_public().0),
        bob_identity_seed: Hex::from(*parties.bob.seed()),
        bob_identity_key: Hex(b.identity_key.clone()),
        bob_identity_dh: IdentityPublicKey::from_slice(&b.identity_key)
            .and_then(|k| k.to_x25519())
            .ok()
            .map(|k| Hex::from(k.0)),
        signed_prekey_private: Some(Hex::from(parties.spk)),
        signed_prekey: Hex(b.signed_prekey.clone()),
        signature: Hex(b.signature.clone()),
        one_time_prekey_private: parties.opk.map(Hex::from),
        one_time_prekey: b.one_time_prekey.clone().map(Hex),
        ephemeral_private: Hex::from(parties.ek),
        ephemeral_public: Hex(ephemeral_public.clone().unwrap_or(ek_public)),
        dh_outputs: Vec::new(),
        sk: None,
        ad: None,
        result: Outcome::Valid,
        error: None,
    };
    if ephemeral_public.is_some() || alice_key.is_some() {
        // A responder-side test: Bob's computation on Alice's (bad) initial keys.
        test.side = Side::Responder;
        let result = (|| {
            let ik_a = IdentityPublicKey::from_slice(&test.alice_identity_key.0)?;
            let ek = ratchet_ref::primitives::DhPublicKey::from_slice(&test.ephemeral_public.0)?;
            respond(
                profile,
                &parties.bob,
                &generate_dh_from_bytes(parties.spk),
                parties.opk.map(generate_dh_from_bytes).as_ref(),
                &ik_a,
                &ek,
            )
        })();
        match result {
            Ok(out) => {
                test.sk = Some(Hex::from(*out.sk.expose()));
                test.ad = Some(Hex(out.ad));
            }
            Err(e) => {
                test.result = Outcome::Invalid;
                test.error = Some(e.kind());
            }
        }
        return test;
    }
    match run_initiator(profile, parties, &b) {
        Ok(out) => {
            test.dh_outputs = out
                .dh_outputs
                .iter()
                .map(|d| Hex::from(*d.expose()))
                .collect();
            test.sk = Some(Hex::from(*out.sk.expose()));
            test.ad = Some(Hex(out.ad));
        }
        Err(e) => {
            test.side = Side::Initiator;
            test.result = Outcome::Invalid;
            test.error = Some(e.kind());
        }
    }
    test
}

impl KindSpec for X3dhKind {
    const NAME: &'static str = "x3dh";
    type Test = X3dhTest;

    /// Shaped by the fixed header, X3DH or the DR-spec state snapshot.
    fn applies_to(profile: &Profile) -> bool {
        profile.x3dh().is_some()
    }

    fn header() -> Vec<String> {
        vec![
            "Identity keys are Ed25519 (seed → public key per RFC 8032). In DH they act as X25519 keys: private = SHA-512(seed)[0..32], public = Montgomery u = (1+y)/(1-y) of the Ed25519 point.".into(),
            "signature = Ed25519(IK_B, Encode(SPK_B)) with Encode(X25519 key) = 0x05 ‖ key; verified strictly before any DH.".into(),
            "DH1 = DH(IK_A, SPK_B), DH2 = DH(EK_A, IK_B), DH3 = DH(EK_A, SPK_B), DH4 = DH(EK_A, OPK_B).".into(),
            "SK = HKDF-SHA256(salt = 32 zero bytes, ikm = 0xFF×32 ‖ DH1 ‖ DH2 ‖ DH3 [‖ DH4], info = profile.x3dh.info), 32 bytes; AD = (0xED ‖ IK_A) ‖ (0xED ‖ IK_B).".into(),
        ]
    }

    fn notes() -> BTreeMap<String, Note> {
        notes(&[
            ("Normal", note("Functionality", "A complete agreement; both roles derive the same SK and AD.", "X3DH §2.2, §3.3, §3.4")),
            ("OneTimePrekey", note("Functionality", "The bundle carries a one-time prekey: DH4 enters SK. An implementation that ignores it derives another SK.", "X3DH §3.3")),
            ("NoOneTimePrekey", note("Functionality", "No one-time prekey: SK from DH1..DH3 only.", "X3DH §3.3")),
            ("InvalidSignature", note("MissingCheck", "The signed-prekey signature does not verify: Alice aborts before any DH (invalid_signature).", "X3DH §3.3, §4.5")),
            ("StrictSignature", note("MissingCheck", "A signed-prekey signature that a lax Ed25519 verifier accepts (S not reduced below L, a small-order R or identity key, a non-canonical encoding of R or of the identity key) and RFC 8032 §5.1.7 with the strict checks refuses: Alice aborts with the listed error.", "X3DH §3.2, RFC 8032 §5.1.7")),
            ("SignatureEncoding", note("WrongEncoding", "A signature over the raw prekey rather than Encode(SPK_B): the signed message must include the type byte.", "X3DH §2.1, §3.2")),
            ("WrongLength", note("ModifiedInput", "A key or signature of the wrong length (invalid_key for keys, invalid_signature for signatures).", "X3DH §2.1")),
            ("InvalidIdentityKey", note("ModifiedInput", "An identity key that is not a valid Ed25519 point: invalid_key.", "X3DH §2.1, RFC 8032 §5.1.3")),
            ("LowOrderPublicKey", note("MissingCheck", "A small-order prekey or ephemeral key makes a DH output all zero. The spec profile rejects it (invalid_key); accepting it lets a malicious server or peer fix part of SK.", "X3DH §2.2, RFC 7748 §6.1")),
        ])
    }

    fn generate(rng: &mut VectorRng, profile: &Profile) -> Vec<TestGroup<X3dhTest>> {
        let mut valid = Vec::new();
        for i in 0..80 {
            let with_opk = i % 2 == 0;
            let parties = Parties::draw(rng, with_opk);
            let flag = if with_opk {
                "OneTimePrekey"
            } else {
                "NoOneTimePrekey"
            };
            valid.push(make(
                profile,
                &parties,
                raw(&parties.bundle(profile)),
                None,
                None,
                format!("agreement #{i}"),
                &["Normal", flag],
            ));
        }
        let mut invalid = Vec::new();
        let zero = vec![0u8; 32];
        let mut one = vec![0u8; 32];
        one[0] = 1;
        let order8 =
            hex::decode("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800")
                .unwrap_or_default();
        for (i, with_opk) in [true, false, true].into_iter().enumerate() {
            let p = Parties::draw(rng, with_opk);
            let genuine = p.bundle(profile);
            let mut cases: Vec<(String, &[&str], RawBundle)> = Vec::new();
            for (what, at) in [("R", 3usize), ("S", 40), ("last byte", 63)] {
                let mut b = raw(&genuine);
                b.signature[at] ^= 0x04;
                cases.push((
                    format!("signature bit flipped in {what}"),
                    &["InvalidSignature"],
                    b,
                ));
            }
            let mut b = raw(&genuine);
            b.signature = p
                .alice
                .sign(&ratchet_ref::x3dh::encode_x25519_key(
                    profile,
                    &genuine.signed_prekey,
                ))
                .to_vec();
            cases.push((
                "signature by another identity key".into(),
                &["InvalidSignature"],
                b,
            ));
            let mut b = raw(&genuine);
            b.signature = p.bob.sign(&genuine.signed_prekey.0).to_vec();
            cases.push((
                "signature over the raw prekey, without the type byte".into(),
                &["InvalidSignature", "SignatureEncoding"],
                b,
            ));
            let mut b = raw(&genuine);
            let other = generate_dh_from_bytes(rng.key()).public;
            b.signed_prekey = other.0.to_vec();
            cases.push((
                "signature made for another prekey".into(),
                &["InvalidSignature"],
                b,
            ));
            let mut b = raw(&genuine);
            b.signature.truncate(63);
            cases.push((
                "63-byte signature".into(),
                &["InvalidSignature", "WrongLength"],
                b,
            ));
            let mut b = raw(&genuine);
            b.signature = vec![0u8; 64];
            cases.push(("all-zero signature".into(), &["InvalidSignature"], b));
            let mut b = raw(&genuine);
            b.identity_key.truncate(31);
            cases.push(("31-byte identity key".into(), &["WrongLength"], b));
            let mut b = raw(&genuine);
            b.identity_key = vec![0u8; 32];
            b.identity_key[0] = 2;
            cases.push((
                "identity key that is not a curve point".into(),
                &["InvalidIdentityKey"],
                b,
            ));
            let mut b = raw(&genuine);
            b.signed_prekey.push(0);
            b.signature = p
                .bob
                .sign(&[&[x25519_type_byte(profile)][..], &b.signed_prekey].concat())
                .to_vec();
            cases.push(("33-byte signed prekey".into(), &["WrongLength"], b));
            for (name, point) in [("zero", &zero), ("one", &one), ("order 8", &order8)] {
                let mut b = raw(&genuine);
                b.signed_prekey = point.clone();
                b.signature = p
                    .bob
                    .sign(&[&[x25519_type_byte(profile)][..], point].concat())
                    .to_vec();
                cases.push((
                    format!("correctly signed small-order prekey ({name})"),
                    &["LowOrderPublicKey"],
                    b,
                ));
                if with_opk {
                    let mut b = raw(&genuine);
                    b.one_time_prekey = Some(point.clone());
                    cases.push((
                        format!("small-order one-time prekey ({name})"),
                        &["LowOrderPublicKey", "OneTimePrekey"],
                        b,
                    ));
                }
            }
            if with_opk {
                let mut b = raw(&genuine);
                b.one_time_prekey = Some(vec![9u8; 31]);
                cases.push((
                    "31-byte one-time prekey".into(),
                    &["WrongLength", "OneTimePrekey"],
                    b,
                ));
            }
            for (comment, flags, b) in cases {
                invalid.push(make(
                    profile,
                    &p,
                    b,
                    None,
                    None,
                    format!("bundle #{i}: {comment}"),
                    flags,
                ));
            }
            for (name, point) in [("zero", &zero), ("one", &one), ("order 8", &order8)] {
                invalid.push(make(
                    profile,
                    &p,
                    raw(&genuine),
                    Some(point.clone()),
                    None,
                    format!("bundle #{i}: Bob receives a small-order ephemeral key ({name})"),
                    &["LowOrderPublicKey"],
                ));
            }
            invalid.push(make(
                profile,
                &p,
                raw(&genuine),
                Some(vec![7u8; 33]),
                None,
                format!("bundle #{i}: Bob receives a 33-byte ephemeral key"),
                &["WrongLength"],
            ));
            let mut not_a_point = vec![0u8; 32];
            not_a_point[0] = 2;
            invalid.push(make(
                profile,
                &p,
                raw(&genuine),
                None,
                Some(not_a_point),
                format!("bundle #{i}: Bob receives an identity key that is not a curve point"),
                &["InvalidIdentityKey"],
            ));
        }
        vec![
            TestGroup {
                group_type: "X3dhTest".into(),
                comment: "agreements".into(),
                tests: valid,
            },
            TestGroup {
                group_type: "X3dhTest".into(),
                comment: "rejected bundles and initial keys".into(),
                tests: invalid,
            },
            TestGroup {
                group_type: "X3dhTest".into(),
                comment: "signatures a lax Ed25519 verifier accepts and a strict one refuses"
                    .into(),
                tests: lax_signatures(rng, profile),
            },
        ]
    }

    fn checks(test: &X3dhTest, _caps: &Capabilities) -> Result<Vec<Check>, String> {
        let mut checks = Vec::new();
        let bundle = json!({
            "identityKey": test.bob_identity_key,
            "signedPrekey": test.signed_prekey,
            "signature": test.signature,
            "oneTimePrekey": test.one_time_prekey,
        });
        let mut bundle = bundle;
        if test.one_time_prekey.is_none() {
            if let Some(map) = bundle.as_object_mut() {
                map.remove("oneTimePrekey");
            }
        }
        let mut outputs = Vec::new();
        if let Some(sk) = &test.sk {
            outputs.push(("/sk".to_string(), json!(sk)));
        }
        if let Some(ad) = &test.ad {
            outputs.push(("/ad".to_string(), json!(ad)));
        }
        let mut dh_outputs = outputs.clone();
        for (i, d) in test.dh_outputs.iter().enumerate() {
            dh_outputs.push((format!("/dhOutputs/{i}"), json!(d)));
        }
        if test.result == Outcome::Valid {
            checks.push(Check::new(
                "Alice's identity key",
                "identity_public",
                json!({"seed": test.alice_identity_seed}),
                Expect::Ok(vec![
                    ("/identityKey".into(), json!(test.alice_identity_key)),
                    ("/dhPublic".into(), json!(test.alice_identity_dh)),
                ]),
            ));
            let mut bob = vec![("/identityKey".to_string(), json!(test.bob_identity_key))];
            if let Some(dh) = &test.bob_identity_dh {
                bob.push(("/dhPublic".into(), json!(dh)));
            }
            checks.push(Check::new(
                "Bob's identity key",
                "identity_public",
                json!({"seed": test.bob_identity_seed}),
                Expect::Ok(bob),
            ));
        }
        if matches!(test.side, Side::Both | Side::Initiator) {
            let mut fields = dh_outputs.clone();
            fields.push(("/ephemeralPublic".into(), json!(test.ephemeral_public)));
            checks.push(Check::new(
                "X3DH initiator",
                "x3dh_initiate",
                json!({"identitySeed": test.alice_identity_seed, "bundle": bundle, "ephemeralPrivate": test.ephemeral_private}),
                expect_outcome(test.result, test.error, &[], fields),
            ));
        }
        if matches!(test.side, Side::Both | Side::Responder) {
            let spk = test
                .signed_prekey_private
                .as_ref()
                .ok_or("a responder test needs signedPrekeyPrivate")?;
            let mut args = json!({
                "identitySeed": test.bob_identity_seed,
                "signedPrekeyPrivate": spk,
                "initiatorIdentityKey": test.alice_identity_key,
                "initiatorEphemeralKey": test.ephemeral_public,
            });
            if let (Some(opk), Some(map)) = (&test.one_time_prekey_private, args.as_object_mut()) {
                map.insert("oneTimePrekeyPrivate".into(), json!(opk));
            }
            let fields = if test.side == Side::Both {
                dh_outputs
            } else {
                outputs
            };
            checks.push(Check::new(
                "X3DH responder",
                "x3dh_respond",
                args,
                expect_outcome(test.result, test.error, &[], fields),
            ));
        }
        // Last: re-creating the signature checks deterministic RFC 8032 signing, which a
        // randomized (XEdDSA-style) signer fails although its signatures verify; SK and AD
        // are judged first so such a SUT still gets them checked.
        if test.result == Outcome::Valid {
            checks.push(Check::new(
                "signed prekey signature",
                "sign_prekey",
                json!({"identitySeed": test.bob_identity_seed, "prekey": test.signed_prekey}),
                Expect::Ok(vec![("/signature".into(), json!(test.signature))]),
            ));
        }
        Ok(checks)
    }
}

/// The profile's Encode(PK) byte for Curve25519 keys (this kind runs only on X3DH profiles).
fn x25519_type_byte(profile: &Profile) -> u8 {
    ratchet_ref::x3dh::encode_x25519_key(profile, &DhPublicKey([0; 32]))[0]
}
