//! One module per vector kind. Each kind knows how to generate its tests from the reference
//! and how to turn a test into [`Check`]s for any driver; this file is the registry.

use std::collections::BTreeMap;
use std::marker::PhantomData;

use ratchet_ref::{ErrorKind, Profile};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::driver::Capabilities;
use crate::vectors::replay::Check;
use crate::vectors::vector_file::{
    FileError, GeneratorInfo, Note, Outcome, TestCase, TestGroup, VectorFile, GENERATOR_NAME,
};
use crate::vectors::vector_rng::{kind_seed, VectorRng};

pub mod aead;
pub mod dh;
pub mod dh_ratchet;
pub mod header;
pub mod kdf_ck;
pub mod kdf_rk;
pub mod olm_dh_ratchet;
pub mod olm_message;
pub mod olm_prekey_message;
pub mod olm_session;
pub mod olm_session_long;
pub mod olm_transcript;
pub mod session;
pub mod session_long;
pub mod transcript;
pub mod triple_dh;
pub mod x3dh;
pub mod x3dh_session;

/// A vector kind, statically typed.
pub trait KindSpec: Send + Sync + 'static {
    const NAME: &'static str;
    type Test: Serialize + DeserializeOwned + TestCase + SetTcId + Send + Sync;

    /// Whether the kind has tests for `profile` (it asks the profile's variants: a kind of
    /// the fixed header exists only where messages have one).
    fn applies_to(profile: &Profile) -> bool;

    /// Lines describing the file, for people.
    fn header() -> Vec<String>;
    /// The header for `profile`, where it depends on the profile's variants.
    fn header_for(_profile: &Profile) -> Vec<String> {
        Self::header()
    }
    /// Every flag the kind's tests use.
    fn notes() -> BTreeMap<String, Note>;
    /// All test groups; tcIds are assigned afterwards, in order.
    fn generate(rng: &mut VectorRng, profile: &Profile) -> Vec<TestGroup<Self::Test>>;
    /// The requests that replay `test` and what each must answer; Err is a reason the test
    /// cannot run against a SUT with these capabilities.
    fn checks(test: &Self::Test, caps: &Capabilities) -> Result<Vec<Check>, String>;
}

/// Lets the registry number tests after generation.
pub trait SetTcId {
    fn set_tc_id(&mut self, id: u64);
}

/// One test, ready to run.
pub struct PlannedTest {
    pub tc_id: u64,
    pub comment: String,
    pub flags: Vec<String>,
    pub outcome: Outcome,
    pub error: Option<ErrorKind>,
    pub checks: Result<Vec<Check>, String>,
}

/// The object-safe face of a kind.
pub trait Kind: Send + Sync {
    fn name(&self) -> &'static str;
    /// Whether the kind has tests for `profile`.
    fn applies_to(&self, profile: &Profile) -> bool;
    /// File path for a profile, relative to the vectors directory, e.g. `spec/kdf_rk.json`.
    fn file_name(&self, profile: &Profile) -> String {
        format!("{}/{}.json", profile.name, self.name())
    }
    /// The complete file text (pretty JSON and a final newline).
    fn generate_text(&self, profile: &Profile) -> String;
    /// Parses a file and plans every test for a SUT.
    fn plan(
        &self,
        file: &str,
        text: &str,
        caps: &Capabilities,
    ) -> Result<Vec<PlannedTest>, FileError>;
    /// Parses and checks a whole file before any test runs: everything [`Kind::plan`]
    /// checks, plus every test planned for a SUT that can do everything, so a test that
    /// cannot be replayed (a malformed action, an unbounded count) or that checks nothing
    /// is refused with its JSON path instead of being reported as not applicable or
    /// passed. Returns the number of tests.
    fn validate(&self, file: &str, text: &str) -> Result<usize, FileError>;
    /// The JSON Schema of the kind's files.
    fn schema_file(&self) -> String {
        format!("schema/{}.schema.json", self.name())
    }
}

struct KindOf<K>(PhantomData<K>);

/// Most requests one vector file may plan (the generated files plan at most about 20,000):
/// a file's tests are planned together, so this bounds the memory a crafted file can cost.
pub const MAX_CHECKS_PER_FILE: usize = 200_000;

/// Builds a whole file for kind `K`.
pub fn build_file<K: KindSpec>(profile: &Profile) -> VectorFile<K::Test> {
    let seed = kind_seed(K::NAME);
    let mut rng = VectorRng::new(seed);
    let mut groups = K::generate(&mut rng, profile);
    let mut next = 1;
    for group in &mut groups {
        for test in &mut group.tests {
            test.set_tc_id(next);
            next += 1;
        }
    }
    VectorFile {
        kind: K::NAME.to_string(),
        profile: serde_json::to_value(profile).unwrap_or_default(),
        schema: format!("schema/{}.schema.json", K::NAME),
        generator: GeneratorInfo {
            name: GENERATOR_NAME.to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            seed: hex::encode(seed),
        },
        number_of_tests: (next - 1) as usize,
        header: K::header_for(profile),
        notes: K::notes(),
        test_groups: groups,
    }
}

impl<K: KindSpec> Kind for KindOf<K> {
    fn name(&self) -> &'static str {
        K::NAME
    }

    fn applies_to(&self, profile: &Profile) -> bool {
        K::applies_to(profile)
    }

    fn generate_text(&self, profile: &Profile) -> String {
        let file = build_file::<K>(profile);
        let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
        text.push('\n');
        text
    }

    fn validate(&self, file: &str, text: &str) -> Result<usize, FileError> {
        let parsed = parse_kind::<K>(file, text)?;
        let everything = Capabilities::everything();
        let mut count = 0;
        let mut requests = 0usize;
        for (g, group) in parsed.test_groups.iter().enumerate() {
            for (t, test) in group.tests.iter().enumerate() {
                let problem = match K::checks(test, &everything) {
                    Err(reason) => Some(reason),
                    Ok(checks) if checks.iter().all(|c| c.optional) => Some(
                        "the test has no checks: it would pass without testing anything".into(),
                    ),
                    Ok(checks) => {
                        requests += checks.len();
                        (requests > MAX_CHECKS_PER_FILE).then(|| {
                            format!("the file plans more than {MAX_CHECKS_PER_FILE} requests in all: too large to replay")
                        })
                    }
                };
                if let Some(problem) = problem {
                    return Err(FileError {
                        file: file.to_string(),
                        json_path: format!("$.testGroups[{g}].tests[{t}]"),
                        problem: format!(
                            "tcId {}: {}",
                            test.tc_id(),
                            crate::driver::bounded_text::bounded(
                                &problem,
                                crate::driver::bounded_text::MAX_DETAIL
                            )
                        ),
                    });
                }
                count += 1;
            }
        }
        Ok(count)
    }

    fn plan(
        &self,
        file: &str,
        text: &str,
        caps: &Capabilities,
    ) -> Result<Vec<PlannedTest>, FileError> {
        let parsed = parse_kind::<K>(file, text)?;
        Ok(parsed
            .tests()
            .map(|test| PlannedTest {
                tc_id: test.tc_id(),
                comment: test.comment().to_string(),
                flags: test.flags().to_vec(),
                outcome: test.outcome(),
                error: test.error(),
                checks: K::checks(test, caps),
            })
            .collect())
    }
}

/// The kinds that have tests for `profile`, in report order.
pub fn for_profile(profile: &Profile) -> Vec<Box<dyn Kind>> {
    all()
        .into_iter()
        .filter(|k| k.applies_to(profile))
        .collect()
}

/// Parses a file of kind `K`, refusing a file of another kind.
fn parse_kind<K: KindSpec>(file: &str, text: &str) -> Result<VectorFile<K::Test>, FileError> {
    let (parsed, _profile) = crate::vectors::vector_file::parse::<K::Test>(file, text)?;
    if parsed.kind != K::NAME {
        return Err(FileError {
            file: file.to_string(),
            json_path: "$.kind".into(),
            problem: format!(
                "expected kind {:?}, found {:?}",
                K::NAME,
                crate::driver::bounded_text::bounded(
                    &parsed.kind,
                    crate::driver::bounded_text::MAX_LABEL
                )
            ),
        });
    }
    Ok(parsed)
}

/// Every kind, in the order reports list them.
pub fn all() -> Vec<Box<dyn Kind>> {
    vec![
        Box::new(KindOf::<dh::DhKind>(PhantomData)),
        Box::new(KindOf::<kdf_rk::KdfRkKind>(PhantomData)),
        Box::new(KindOf::<kdf_ck::KdfCkKind>(PhantomData)),
        Box::new(KindOf::<aead::AeadKind>(PhantomData)),
        Box::new(KindOf::<header::HeaderKind>(PhantomData)),
        Box::new(KindOf::<olm_message::OlmMessageKind>(PhantomData)),
        Box::new(KindOf::<olm_prekey_message::OlmPreKeyMessageKind>(
            PhantomData,
        )),
        Box::new(KindOf::<x3dh::X3dhKind>(PhantomData)),
        Box::new(KindOf::<dh_ratchet::DhRatchetKind>(PhantomData)),
        Box::new(KindOf::<session::SessionKind>(PhantomData)),
        Box::new(KindOf::<session_long::SessionLongKind>(PhantomData)),
        Box::new(KindOf::<x3dh_session::X3dhSessionKind>(PhantomData)),
        Box::new(KindOf::<triple_dh::TripleDhKind>(PhantomData)),
        Box::new(KindOf::<olm_dh_ratchet::OlmDhRatchetKind>(PhantomData)),
        Box::new(KindOf::<olm_session::OlmSessionKind>(PhantomData)),
        Box::new(KindOf::<olm_session_long::OlmSessionLongKind>(PhantomData)),
    ]
}

/// A note entry.
pub fn note(bug_type: &str, description: &str, spec_section: &str) -> Note {
    Note {
        bug_type: bug_type.to_string(),
        description: description.to_string(),
        spec_section: spec_section.to_string(),
    }
}

/// Builds the notes map from (flag, note) pairs.
pub fn notes(entries: &[(&str, Note)]) -> BTreeMap<String, Note> {
    entries
        .iter()
        .map(|(flag, note)| (flag.to_string(), note.clone()))
        .collect()
}

/// Declares a test struct's boilerplate: [`TestCase`] and [`SetTcId`].
macro_rules! test_case {
    ($t:ty) => {
        $crate::vectors::vector_file::impl_test_case!($t);
        impl $crate::vectors::kinds::SetTcId for $t {
            fn set_tc_id(&mut self, id: u64) {
                self.tc_id = id;
            }
        }
    };
}
pub(crate) use test_case;
