//! The self-describing vector file format shared by every kind (see `vectors/README.md`):
//! a header naming the kind, the full profile, the schema, the generator and its seed, the
//! notes that explain every flag, and groups of tests.

use std::collections::BTreeMap;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use ratchet_ref::{ErrorKind, Profile};

/// Name and version of the generator, as written into every file.
pub const GENERATOR_NAME: &str = "ratchet-harness generate";

/// What a test expects of an implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Must succeed with exactly the expected outputs.
    Valid,
    /// Must fail, with the error kind the test names.
    Invalid,
    /// May succeed or fail; the flags and notes say why.
    Acceptable,
}

/// The generator that produced a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GeneratorInfo {
    pub name: String,
    pub version: String,
    /// Hex seed of this file's deterministic key source.
    pub seed: String,
}

/// What one flag means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Note {
    /// The class of bug a failure on a test with this flag points to.
    pub bug_type: String,
    pub description: String,
    /// Where in the DR or X3DH specification the checked behaviour is defined.
    pub spec_section: String,
}

/// A group of tests of one shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TestGroup<T> {
    #[serde(rename = "type")]
    pub group_type: String,
    pub comment: String,
    pub tests: Vec<T>,
}

/// A whole vector file of tests of type `T`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VectorFile<T> {
    pub kind: String,
    pub profile: serde_json::Value,
    pub schema: String,
    pub generator: GeneratorInfo,
    pub number_of_tests: usize,
    pub header: Vec<String>,
    pub notes: BTreeMap<String, Note>,
    pub test_groups: Vec<TestGroup<T>>,
}

/// Fields every test carries.
pub trait TestCase {
    fn tc_id(&self) -> u64;
    fn flags(&self) -> &[String];
    fn outcome(&self) -> Outcome;
    fn comment(&self) -> &str;
    fn error(&self) -> Option<ErrorKind>;
}

/// A problem with a vector file: its path, the JSON path where it is, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: at {json_path}: {problem}")]
pub struct FileError {
    pub file: String,
    pub json_path: String,
    pub problem: String,
}

impl<T: TestCase> VectorFile<T> {
    /// All tests in file order.
    pub fn tests(&self) -> impl Iterator<Item = &T> {
        self.test_groups.iter().flat_map(|g| g.tests.iter())
    }

    /// Checks what the type system cannot: numberOfTests, unique tcIds, every flag
    /// explained in notes, an error kind on every invalid test, and the profile matching
    /// this build's profile of the same name. Returns that profile.
    pub fn check_consistency(&self, file: &str) -> Result<Profile, FileError> {
        let fail = |json_path: String, problem: String| FileError {
            file: file.to_string(),
            json_path,
            problem,
        };
        let count = self.tests().count();
        if count != self.number_of_tests {
            return Err(fail(
                "$.numberOfTests".into(),
                format!(
                    "says {} but the file holds {count} tests",
                    self.number_of_tests
                ),
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for (g, group) in self.test_groups.iter().enumerate() {
            for (t, test) in group.tests.iter().enumerate() {
                let here = format!("$.testGroups[{g}].tests[{t}]");
                if !seen.insert(test.tc_id()) {
                    return Err(fail(
                        format!("{here}.tcId"),
                        format!("tcId {} is not unique", test.tc_id()),
                    ));
                }
                for flag in test.flags() {
                    if !self.notes.contains_key(flag) {
                        return Err(fail(
                            format!("{here}.flags"),
                            format!("flag {flag:?} has no entry in notes"),
                        ));
                    }
                }
                if test.outcome() == Outcome::Invalid && test.error().is_none() {
                    return Err(fail(
                        format!("{here}.error"),
                        "an invalid test must name its error kind".into(),
                    ));
                }
            }
        }
        let name = self
            .profile
            .get("name")
            .and_then(|n| n.as_str())
            .unwrap_or("");
        let profile = Profile::by_name(name).ok_or_else(|| {
            fail(
                "$.profile.name".into(),
                format!(
                    "unknown profile {name:?}; this build knows {}",
                    Profile::names().join(", ")
                ),
            )
        })?;
        let ours =
            serde_json::to_value(profile).map_err(|e| fail("$.profile".into(), e.to_string()))?;
        if ours != self.profile {
            return Err(fail(
                "$.profile".into(),
                format!("differs from this build's {name:?} profile (was the file made by another version?)"),
            ));
        }
        Ok(profile)
    }
}

/// Reads and parses a vector file, naming the JSON path of any problem.
pub fn load<T: DeserializeOwned + TestCase>(
    path: &Path,
) -> Result<(VectorFile<T>, Profile), FileError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| FileError {
        file: file.clone(),
        json_path: "$".into(),
        problem: format!("cannot read: {e}"),
    })?;
    parse(&file, &text)
}

/// Parses vector file text.
pub fn parse<T: DeserializeOwned + TestCase>(
    file: &str,
    text: &str,
) -> Result<(VectorFile<T>, Profile), FileError> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let parsed: VectorFile<T> =
        serde_path_to_error::deserialize(&mut deserializer).map_err(|e| FileError {
            file: file.to_string(),
            json_path: format!("$.{}", e.path()),
            problem: e.inner().to_string(),
        })?;
    let profile = parsed.check_consistency(file)?;
    Ok((parsed, profile))
}

/// Implements [`TestCase`] for a test struct with the standard field names.
macro_rules! impl_test_case {
    ($t:ty) => {
        impl $crate::vectors::vector_file::TestCase for $t {
            fn tc_id(&self) -> u64 {
                self.tc_id
            }
            fn flags(&self) -> &[String] {
                &self.flags
            }
            fn outcome(&self) -> $crate::vectors::vector_file::Outcome {
                self.result
            }
            fn comment(&self) -> &str {
                &self.comment
            }
            fn error(&self) -> Option<ratchet_ref::ErrorKind> {
                self.error
            }
        }
    };
}
pub(crate) use impl_test_case;
