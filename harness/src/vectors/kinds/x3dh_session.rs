//! `x3dh_session`: end to end, from identity keys and a prekey bundle through X3DH into the
//! Double Ratchet's first messages in both directions (X3DH section 3, DR section 5.1).

use std::collections::BTreeMap;

use ratchet_ref::primitives::generate_dh_from_bytes;
use ratchet_ref::x3dh::initiate;
use ratchet_ref::{ErrorKind, Profile, QueuedKeySource};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::transcript::{setup_checks, step_checks, Party, SessionSetup, Step, Transcript};
use super::x3dh::Parties;
use super::{note, notes, test_case, KindSpec};
use crate::driver::hex_bytes::Hex;
use crate::driver::sut::args::Bundle;
use crate::driver::Capabilities;
use crate::vectors::replay::{Check, Expect};
use crate::vectors::vector_file::{Note, Outcome, TestGroup};
use crate::vectors::vector_rng::VectorRng;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct X3dhSessionTest {
    pub tc_id: u64,
    pub comment: String,
    pub flags: Vec<String>,
    pub alice_identity_seed: Hex,
    pub alice_identity_key: Hex,
    pub bob_identity_seed: Hex,
    pub bundle: Bundle,
    pub signed_prekey_private: Hex,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_time_prekey_private: Option<Hex>,
    pub ephemeral_private: Hex,
    pub ephemeral_public: Hex,
    /// X3DH's SK and AD; SK seeds both sessions, AD is every message's associated data.
    pub sk: Hex,
    pub ad: Hex,
    /// The Double Ratchet from SK: Bob's ratchet key pair is his signed prekey.
    pub setup: SessionSetup,
    pub steps: Vec<Step>,
    pub result: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorKind>,
}
test_case!(X3dhSessionTest);

pub struct X3dhSessionKind;

impl KindSpec for X3dhSessionKind {
    const NAME: &'static str = "x3dh_session";
    type Test = X3dhSessionTest;

    /// Shaped by the fixed header, X3DH or the DR-spec state snapshot.
    fn applies_to(profile: &Profile) -> bool {
        profile.x3dh().is_some() && profile.fixed_header().is_some()
    }

    fn header() -> Vec<String> {
        vec![
            "X3DH as in the x3dh kind gives SK and AD. Then RatchetInitAlice(SK, SPK_B) and RatchetInitBob(SK, SPK_B key pair); every message uses AD as its associated data.".into(),
            "setup and steps have the session kind's format.".into(),
        ]
    }

    fn notes() -> BTreeMap<String, Note> {
        notes(&[
            (
                "EndToEnd",
                note(
                    "Functionality",
                    "X3DH then the first messages in both directions.",
                    "X3DH §3.3, §3.4, DR §5.1",
                ),
            ),
            (
                "OneTimePrekey",
                note(
                    "Functionality",
                    "The bundle includes a one-time prekey.",
                    "X3DH §3.3",
                ),
            ),
            (
                "WrongAd",
                note(
                    "MissingCheck",
                    "A message offered with associated data other than X3DH's AD is rejected.",
                    "X3DH §3.3, DR §3.5",
                ),
            ),
        ])
    }

    fn generate(rng: &mut VectorRng, profile: &Profile) -> Vec<TestGroup<X3dhSessionTest>> {
        let mut tests = Vec::new();
        for i in 0..8 {
            let with_opk = i % 2 == 0;
            let parties = Parties::draw(rng, with_opk);
            let bundle = parties.bundle(profile);
            let mut keys = QueuedKeySource::new();
            keys.push(parties.ek);
            let Ok(x3dh) = initiate(profile, &parties.alice, &bundle, &mut keys) else {
                continue;
            };
            let ad = x3dh.ad.clone();
            let Ok(mut t) = Transcript::new(*profile, *x3dh.sk.expose(), parties.spk, rng.key())
            else {
                continue;
            };
            let mut flags = vec!["EndToEnd"];
            if with_opk {
                flags.push("OneTimePrekey");
            }
            let a1 = t.send(Party::Alice, b"hello Bob", &ad);
            let a2 = t.send(Party::Alice, b"are you there?", &ad);
            if i >= 6 {
                let _ = t.deliver(rng, Party::Bob, &a1, b"some other associated data");
                flags.push("WrongAd");
            }
            let _ = t.deliver(rng, Party::Bob, &a2, &ad);
            let _ = t.deliver(rng, Party::Bob, &a1, &ad);
            let b1 = t.send(Party::Bob, b"hello Alice", &ad);
            let _ = t.deliver(rng, Party::Alice, &b1, &ad);
            let a3 = t.send(Party::Alice, b"great", &ad);
            let _ = t.deliver(rng, Party::Bob, &a3, &ad);
            let (result, error) = t.outcome();
            tests.push(X3dhSessionTest {
                tc_id: 0,
                comment: format!("end to end #{i}"),
                flags: flags.iter().map(|f| f.to_string()).collect(),
                alice_identity_seed: Hex::from(*parties.alice.seed()),
                alice_identity_key: Hex::from(parties.alice.public().0),
                bob_identity_seed: Hex::from(*parties.bob.seed()),
                bundle: Bundle {
                    identity_key: Hex::from(bundle.identity_key.0),
                    signed_prekey: Hex::from(bundle.signed_prekey.0),
                    signature: Hex::from(bundle.signed_prekey_signature),
                    one_time_prekey: bundle.one_time_prekey.map(|k| Hex::from(k.0)),
                },
                signed_prekey_private: Hex::from(parties.spk),
                one_time_prekey_private: parties.opk.map(Hex::from),
                ephemeral_private: Hex::from(parties.ek),
                ephemeral_public: Hex::from(generate_dh_from_bytes(parties.ek).public.0),
                sk: Hex::from(*x3dh.sk.expose()),
                ad: Hex(ad),
                setup: t.setup,
                steps: t.steps,
                result,
                error,
            });
        }
        vec![TestGroup {
            group_type: "X3dhSessionTest".into(),
            comment: "end to end".into(),
            tests,
        }]
    }

    fn checks(test: &X3dhSessionTest, caps: &Capabilities) -> Result<Vec<Check>, String> {
        let mut checks = vec![Check::new(
            "X3DH initiator",
            "x3dh_initiate",
            json!({"identitySeed": test.alice_identity_seed, "bundle": test.bundle, "ephemeralPrivate": test.ephemeral_private}),
            Expect::Ok(vec![
                ("/sk".into(), json!(test.sk)),
                ("/ad".into(), json!(test.ad)),
                ("/ephemeralPublic".into(), json!(test.ephemeral_public)),
            ]),
        )];
        let mut respond = json!({
            "identitySeed": test.bob_identity_seed,
            "signedPrekeyPrivate": test.signed_prekey_private,
            "initiatorIdentityKey": test.alice_identity_key,
            "initiatorEphemeralKey": test.ephemeral_public,
        });
        if let (Some(opk), Some(map)) = (&test.one_time_prekey_private, respond.as_object_mut()) {
            map.insert("oneTimePrekeyPrivate".into(), json!(opk));
        }
        checks.push(Check::new(
            "X3DH responder",
            "x3dh_respond",
            respond,
            Expect::Ok(vec![
                ("/sk".into(), json!(test.sk)),
                ("/ad".into(), json!(test.ad)),
            ]),
        ));
        checks.extend(setup_checks(test.tc_id, &test.setup));
        checks.extend(step_checks(test.tc_id, &test.steps, caps)?);
        Ok(checks)
    }
}
