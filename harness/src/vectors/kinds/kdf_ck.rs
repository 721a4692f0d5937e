//! `kdf_ck`: KDF_CK(ck) → (CK', MK), single steps and chains (DR spec sections 2.2, 3.1,
//! 5.2).

use std::collections::BTreeMap;

use ratchet_ref::primitives::{kdf_ck, ChainKey};
use ratchet_ref::{ErrorKind, Profile};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{note, notes, test_case, KindSpec};
use crate::driver::hex_bytes::Hex;
use crate::driver::Capabilities;
use crate::vectors::replay::{Check, Expect};
use crate::vectors::vector_file::{Note, Outcome, TestGroup};
use crate::vectors::vector_rng::VectorRng;

/// One step's outputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CkStep {
    pub ck: Hex,
    pub mk: Hex,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KdfCkTest {
    pub tc_id: u64,
    pub comment: String,
    pub flags: Vec<String>,
    /// The chain key before the first step.
    pub ck: Hex,
    /// Each step's next chain key and message key.
    pub steps: Vec<CkStep>,
    pub result: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorKind>,
}
test_case!(KdfCkTest);

pub struct KdfCkKind;

fn chain(
    profile: &Profile,
    rng: &mut VectorRng,
    steps: usize,
    comment: String,
    flag: &str,
) -> KdfCkTest {
    let start = rng.key();
    let mut ck = ChainKey::from_bytes(start);
    let mut out = Vec::new();
    for _ in 0..steps {
        let (next, mk) = kdf_ck(profile, &ck);
        out.push(CkStep {
            ck: Hex::from(*next.expose()),
            mk: Hex::from(*mk.expose()),
        });
        ck = next;
    }
    KdfCkTest {
        tc_id: 0,
        comment,
        flags: vec![flag.into()],
        ck: Hex::from(start),
        steps: out,
        result: Outcome::Valid,
        error: None,
    }
}

impl KindSpec for KdfCkKind {
    const NAME: &'static str = "kdf_ck";
    type Test = KdfCkTest;

    /// Every profile has this building block.
    fn applies_to(_profile: &Profile) -> bool {
        true
    }

    fn header() -> Vec<String> {
        vec!["KDF_CK(ck): MK = HMAC-SHA256(ck, [profile.kdfCk.messageKeyInput]), CK' = HMAC-SHA256(ck, [profile.kdfCk.chainKeyInput]).".into()]
    }

    fn notes() -> BTreeMap<String, Note> {
        notes(&[
            ("Single", note("Functionality", "One KDF_CK step. Swapped constants give swapped outputs.", "DR §5.2")),
            ("Chain", note("Functionality", "Several steps, each from the previous CK'. Catches a chain key that is not advanced.", "DR §2.1, §2.2, §3.4")),
        ])
    }

    fn generate(rng: &mut VectorRng, profile: &Profile) -> Vec<TestGroup<KdfCkTest>> {
        let singles = (0..150)
            .map(|i| chain(profile, rng, 1, format!("single step #{i}"), "Single"))
            .collect();
        let chains = [2usize, 3, 5, 10, 50, 100]
            .iter()
            .cycle()
            .take(50)
            .map(|&n| chain(profile, rng, n, format!("chain of {n} steps"), "Chain"))
            .collect();
        vec![
            TestGroup {
                group_type: "KdfCkTest".into(),
                comment: "single steps".into(),
                tests: singles,
            },
            TestGroup {
                group_type: "KdfCkTest".into(),
                comment: "chains".into(),
                tests: chains,
            },
        ]
    }

    fn checks(test: &KdfCkTest, _caps: &Capabilities) -> Result<Vec<Check>, String> {
        let mut ck = test.ck.clone();
        Ok(test
            .steps
            .iter()
            .enumerate()
            .map(|(i, step)| {
                let check = Check::new(
                    format!("step {i}"),
                    "kdf_ck",
                    json!({"ck": ck}),
                    Expect::Ok(vec![
                        ("/mk".into(), json!(step.mk)),
                        ("/ck".into(), json!(step.ck)),
                    ]),
                );
                ck = step.ck.clone();
                check
            })
            .collect())
    }
}
