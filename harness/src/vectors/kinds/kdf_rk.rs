//! `kdf_rk`: KDF_RK(rk, dh_out) → (RK', CK), single steps and chains where each step's root
//! key is the previous step's output (DR spec sections 3.1 and 5.2).

use std::collections::BTreeMap;

use ratchet_ref::primitives::{kdf_rk, DhOutput, RootKey};
use ratchet_ref::{ErrorKind, Profile};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{note, notes, test_case, KindSpec};
use crate::driver::hex_bytes::Hex;
use crate::driver::Capabilities;
use crate::vectors::replay::{Check, Expect};
use crate::vectors::vector_file::{Note, Outcome, TestGroup};
use crate::vectors::vector_rng::VectorRng;

/// One step's output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RkStep {
    pub dh_out: Hex,
    pub rk: Hex,
    pub ck: Hex,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KdfRkTest {
    pub tc_id: u64,
    pub comment: String,
    pub flags: Vec<String>,
    /// The root key before the first step.
    pub rk: Hex,
    /// Each step: its DH output, then the new root key and chain key.
    pub steps: Vec<RkStep>,
    pub result: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorKind>,
}
test_case!(KdfRkTest);

pub struct KdfRkKind;

fn chain(
    profile: &Profile,
    rng: &mut VectorRng,
    steps: usize,
    comment: String,
    flag: &str,
) -> KdfRkTest {
    let start = rng.key();
    let mut rk = RootKey::from_bytes(start);
    let mut out = Vec::new();
    for _ in 0..steps {
        let dh_out = rng.key();
        let (next_rk, ck) = kdf_rk(profile, &rk, &DhOutput::from_bytes(dh_out));
        out.push(RkStep {
            dh_out: Hex::from(dh_out),
            rk: Hex::from(*next_rk.expose()),
            ck: Hex::from(*ck.expose()),
        });
        rk = next_rk;
    }
    KdfRkTest {
        tc_id: 0,
        comment,
        flags: vec![flag.into()],
        rk: Hex::from(start),
        steps: out,
        result: Outcome::Valid,
        error: None,
    }
}

impl KindSpec for KdfRkKind {
    const NAME: &'static str = "kdf_rk";
    type Test = KdfRkTest;

    /// Every profile has this building block.
    fn applies_to(_profile: &Profile) -> bool {
        true
    }

    fn header() -> Vec<String> {
        vec!["KDF_RK(rk, dh_out) = HKDF-SHA256(salt = rk, ikm = dh_out, info = profile.kdfRkInfo), 64 bytes: RK' = first 32, CK = last 32.".into()]
    }

    fn notes() -> BTreeMap<String, Note> {
        notes(&[
            ("Single", note("Functionality", "One KDF_RK step.", "DR §3.1, §5.2")),
            ("Chain", note("Functionality", "Several steps, each using the previous step's RK'. Catches an implementation that does not replace the root key.", "DR §2.1, §2.3, §3.5")),
        ])
    }

    fn generate(rng: &mut VectorRng, profile: &Profile) -> Vec<TestGroup<KdfRkTest>> {
        let singles = (0..150)
            .map(|i| chain(profile, rng, 1, format!("single step #{i}"), "Single"))
            .collect();
        let chains = (0..50)
            .map(|i| {
                chain(
                    profile,
                    rng,
                    2 + i % 7,
                    format!("chain of {} steps", 2 + i % 7),
                    "Chain",
                )
            })
            .collect();
        vec![
            TestGroup {
                group_type: "KdfRkTest".into(),
                comment: "single steps".into(),
                tests: singles,
            },
            TestGroup {
                group_type: "KdfRkTest".into(),
                comment: "chains".into(),
                tests: chains,
            },
        ]
    }

    fn checks(test: &KdfRkTest, _caps: &Capabilities) -> Result<Vec<Check>, String> {
        let mut rk = test.rk.clone();
        Ok(test
            .steps
            .iter()
            .enumerate()
            .map(|(i, step)| {
                let check = Check::new(
                    format!("step {i}"),
                    "kdf_rk",
                    json!({"rk": rk, "dhOut": step.dh_out}),
                    Expect::Ok(vec![
                        ("/rk".into(), json!(step.rk)),
                        ("/ck".into(), json!(step.ck)),
                    ]),
                );
                rk = step.rk.clone();
                check
            })
            .collect())
    }
}
