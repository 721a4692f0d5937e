//! `dh_ratchet`: DHRatchet(state, header) on its own (DR spec section 3.5): from a full state
//! snapshot and a received header to the next state, with the injected new ratchet key.

use std::collections::BTreeMap;

use ratchet_ref::primitives::{generate_dh_from_bytes, DhPublicKey, Header};
use ratchet_ref::{ErrorKind, Profile, QueuedKeySource, Session, SessionSnapshot};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::transcript::{state_check, Party, Transcript};
use super::{note, notes, test_case, KindSpec};
use crate::driver::hex_bytes::Hex;
use crate::driver::sut::args::HeaderFields;
use crate::driver::Capabilities;
use crate::vectors::diagnosis::unchanged_rule;
use crate::vectors::replay::{expect_outcome, Check, Expect};
use crate::vectors::vector_file::{Note, Outcome, TestGroup};
use crate::vectors::vector_rng::VectorRng;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DhRatchetTest {
    pub tc_id: u64,
    pub comment: String,
    pub flags: Vec<String>,
    pub state_before: SessionSnapshot,
    pub header: HeaderFields,
    /// The private key GENERATE_DH returns during the step.
    pub new_ratchet_private: Hex,
    /// The state after the step (equal to stateBefore when the step fails).
    pub state_after: SessionSnapshot,
    pub result: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorKind>,
}
test_case!(DhRatchetTest);

pub struct DhRatchetKind;

fn make(
    profile: &Profile,
    before: SessionSnapshot,
    header: Header,
    new_key: [u8; 32],
    comment: String,
    flags: &[&str],
) -> Option<DhRatchetTest> {
    let mut queue = QueuedKeySource::new();
    queue.push(new_key);
    let mut session = Session::restore(*profile, &before, Box::new(queue)).ok()?;
    let (result, error) = match session.dh_ratchet(&header) {
        Ok(()) => (Outcome::Valid, None),
        Err(e) => (Outcome::Invalid, Some(e.kind())),
    };
    Some(DhRatchetTest {
        tc_id: 0,
        comment,
        flags: flags.iter().map(|f| f.to_string()).collect(),
        state_before: before,
        header: HeaderFields {
            dh: Hex::from(header.dh.0),
            pn: header.pn,
            n: header.n,
        },
        new_ratchet_private: Hex::from(new_key),
        state_after: session.snapshot(),
        result,
        error,
    })
}

impl KindSpec for DhRatchetKind {
    const NAME: &'static str = "dh_ratchet";
    type Test = DhRatchetTest;

    /// Shaped by the fixed header, X3DH or the DR-spec state snapshot.
    fn applies_to(profile: &Profile) -> bool {
        profile.fixed_header().is_some()
    }

    fn header() -> Vec<String> {
        vec![
            "DHRatchet(state, header): PN = Ns; Ns = Nr = 0; DHr = header.dh; RK, CKr = KDF_RK(RK, DH(DHs, DHr)); DHs = GENERATE_DH() (the injected newRatchetPrivate); RK, CKs = KDF_RK(RK, DH(DHs, DHr)).".into(),
            "No message keys are skipped by this step alone; MKSKIPPED is carried over unchanged.".into(),
        ]
    }

    fn notes() -> BTreeMap<String, Note> {
        notes(&[
            (
                "Normal",
                note(
                    "Functionality",
                    "A DH ratchet step from a state reached by a real conversation.",
                    "DR §3.5",
                ),
            ),
            (
                "ResponderFirstStep",
                note(
                    "Functionality",
                    "Bob's first step: no receiving chain and no DHr yet.",
                    "DR §3.3, §3.5",
                ),
            ),
            (
                "WithSkippedKeys",
                note(
                    "Functionality",
                    "The state holds skipped keys; the step must keep them.",
                    "DR §3.5",
                ),
            ),
            (
                "LowOrderPublicKey",
                note(
                    "MissingCheck",
                    "The header's ratchet key has small order: invalid_key, state unchanged.",
                    "DR §5.2, RFC 7748 §6.1",
                ),
            ),
        ])
    }

    fn generate(rng: &mut VectorRng, profile: &Profile) -> Vec<TestGroup<DhRatchetTest>> {
        let mut valid = Vec::new();
        let mut invalid = Vec::new();
        for i in 0..40 {
            let ad = rng.bytes(66);
            let Ok(mut t) = Transcript::random(*profile, rng) else {
                continue;
            };
            let (party, flags): (Party, &[&str]) = match i % 4 {
                0 => (Party::Bob, &["Normal", "ResponderFirstStep"]),
                1 => {
                    let m = t.send(Party::Alice, b"a", &ad);
                    let _ = t.deliver(rng, Party::Bob, &m, &ad);
                    let r = t.send(Party::Bob, b"b", &ad);
                    let _ = t.deliver(rng, Party::Alice, &r, &ad);
                    (Party::Alice, &["Normal"])
                }
                2 => {
                    let ms: Vec<Vec<u8>> =
                        (0..5).map(|k| t.send(Party::Alice, &[k], &ad)).collect();
                    let _ = t.deliver(rng, Party::Bob, &ms[4], &ad);
                    (Party::Bob, &["Normal", "WithSkippedKeys"])
                }
                _ => {
                    let m = t.send(Party::Alice, b"a", &ad);
                    let _ = t.deliver(rng, Party::Bob, &m, &ad);
                    let _ = t.send(Party::Bob, b"b", &ad);
                    let _ = t.send(Party::Bob, b"c", &ad);
                    (Party::Bob, &["Normal"])
                }
            };
            let before = t.state(party);
            let peer = generate_dh_from_bytes(rng.key()).public;
            let header = Header {
                dh: peer,
                pn: rng.below(50) as u32,
                n: rng.below(50) as u32,
            };
            if let Some(test) = make(
                profile,
                before.clone(),
                header,
                rng.key(),
                format!("DH ratchet step #{i}"),
                flags,
            ) {
                valid.push(test);
            }
            if i % 3 == 0 {
                let mut one = [0u8; 32];
                one[0] = (i % 2) as u8;
                let header = Header {
                    dh: DhPublicKey(one),
                    pn: 0,
                    n: 0,
                };
                if let Some(test) = make(
                    profile,
                    before,
                    header,
                    rng.key(),
                    format!("DH ratchet step #{i} with a small-order ratchet key"),
                    &["LowOrderPublicKey"],
                ) {
                    invalid.push(test);
                }
            }
        }
        vec![
            TestGroup {
                group_type: "DhRatchetTest".into(),
                comment: "steps".into(),
                tests: valid,
            },
            TestGroup {
                group_type: "DhRatchetTest".into(),
                comment: "rejected ratchet keys".into(),
                tests: invalid,
            },
        ]
    }

    fn checks(test: &DhRatchetTest, caps: &Capabilities) -> Result<Vec<Check>, String> {
        if !caps.import_state || !caps.export_state {
            return Err("a lone DH ratchet step needs state import and export (hello: importState, exportState)".into());
        }
        let session = format!("tc{}-ratchet", test.tc_id);
        let state = serde_json::to_value(&test.state_before).map_err(|e| e.to_string())?;
        let mut checks = vec![
            Check::new(
                "import stateBefore",
                "session_import",
                json!({"session": session, "state": state}),
                Expect::Ok(Vec::new()),
            ),
            Check::new(
                "DHRatchet",
                "session_dh_ratchet",
                json!({"session": session, "header": test.header, "keys": [test.new_ratchet_private]}),
                expect_outcome(test.result, test.error, &[], Vec::new()),
            ),
        ];
        let mut after = state_check("DHRatchet".into(), &session, &test.state_after);
        after.optional = false;
        if test.result == Outcome::Invalid {
            after = after.after_failure(unchanged_rule("DH ratchet step"));
        }
        checks.push(after);
        checks.push(
            Check::new(
                "close",
                "session_close",
                json!({ "session": session }),
                Expect::Ok(Vec::new()),
            )
            .optional(),
        );
        Ok(checks)
    }
}
