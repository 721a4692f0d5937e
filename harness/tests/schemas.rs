//! Checks `vectors/` against the hand-written JSON Schemas in `vectors/schema/`, and checks
//! what a schema cannot express, all without the harness's Rust types: every vector file
//! validates against the schema its `schema` field names; `numberOfTests` is the number of
//! tests; tcIds are unique within a file; every flag is explained in `notes`; every kind of the
//! registry has its vector file and its schema, and there is no vector file or schema without a
//! kind. Negative tests make sure that broken copies of real files do fail.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use jsonschema::{Draft, Retrieve, Uri, Validator};
use ratchet_harness::vectors::kinds;
use ratchet_ref::Profile;
use serde_json::{json, Value};

/// The base URI the validator gives a schema without `$id`; a relative `$ref` such as
/// `common.schema.json#/$defs/hex` resolves against it.
const DEFAULT_BASE: &str = "json-schema:///";

/// The shared definitions every kind schema refers to; not the schema of any file.
const COMMON_SCHEMA: &str = "common.schema.json";

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors")
}

fn schema_dir() -> PathBuf {
    vectors_dir().join("schema")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// Names of the regular files in `dir` whose names end with `suffix`, sorted.
fn file_names(dir: &Path, suffix: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry"))
        .filter(|entry| entry.file_type().map(|t| t.is_file()).unwrap_or(false))
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| name.ends_with(suffix))
        .collect();
    names.sort();
    names
}

/// Names of the sub-folders of `dir` other than `schema` (one per profile), sorted.
fn profile_dirs(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry"))
        .filter(|entry| entry.file_type().map(|t| t.is_dir()).unwrap_or(false))
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| name != "schema")
        .collect();
    names.sort();
    names
}

/// Every `vectors/<profile>/*.json` (and any stray `vectors/*.json`), parsed once and shared
/// by the tests: (path relative to vectors/, contents).
fn vector_files() -> &'static [(String, Value)] {
    static FILES: OnceLock<Vec<(String, Value)>> = OnceLock::new();
    FILES.get_or_init(|| {
        let dir = vectors_dir();
        let mut names: Vec<String> = file_names(&dir, ".json");
        for profile in profile_dirs(&dir) {
            names.extend(
                file_names(&dir.join(&profile), ".json")
                    .into_iter()
                    .map(|name| format!("{profile}/{name}")),
            );
        }
        let files: Vec<(String, Value)> = names
            .into_iter()
            .map(|name| {
                let value = read_json(&dir.join(&name));
                (name, value)
            })
            .collect();
        assert!(!files.is_empty(), "no vector files in {}", dir.display());
        files
    })
}

/// Resolves the schemas' relative references (`common.schema.json#/$defs/...`) to the files
/// next to them in `vectors/schema/`; nothing else is fetched.
struct SchemaDir(PathBuf);

impl Retrieve for SchemaDir {
    fn retrieve(&self, uri: &Uri<&str>) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let uri = uri.as_str();
        let name = uri
            .strip_prefix(DEFAULT_BASE)
            .filter(|name| {
                !name.is_empty()
                    && !name.contains('/')
                    && !name.contains('\\')
                    && name.ends_with(".schema.json")
            })
            .ok_or_else(|| {
                format!("{uri}: only schema files in vectors/schema/ can be referenced")
            })?;
        let path = self.0.join(name);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("{uri}: cannot read {}: {e}", path.display()))?;
        Ok(serde_json::from_str(&text)?)
    }
}

/// Compiles the schema at `vectors/<schema_path>` (draft 2020-12; the validator also checks
/// the schema itself against the meta-schema).
fn compile(schema_path: &str) -> Validator {
    let path = vectors_dir().join(schema_path);
    let schema = read_json(&path);
    jsonschema::options()
        .with_draft(Draft::Draft202012)
        .with_retriever(SchemaDir(schema_dir()))
        .build(&schema)
        .unwrap_or_else(|e| panic!("{} is not a usable schema: {e}", path.display()))
}

/// Every schema error of `instance`, one line each: file, JSON pointer, problem.
fn schema_errors(validator: &Validator, file: &str, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| {
            let pointer = e.instance_path.to_string();
            let pointer = if pointer.is_empty() {
                "(root)".to_string()
            } else {
                pointer
            };
            let mut message = e.to_string();
            if message.len() > 300 {
                let mut cut = 300;
                while !message.is_char_boundary(cut) {
                    cut -= 1;
                }
                message.truncate(cut);
                message.push_str("...");
            }
            format!("{file}: at {pointer}: {message} (schema {})", e.schema_path)
        })
        .collect()
}

/// The `schema` field of a vector file, checked to name a file under `schema/` other than
/// the shared definitions (which would accept anything).
fn schema_field(file: &str, value: &Value) -> Result<String, String> {
    let schema = value
        .get("schema")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{file}: at /schema: missing or not a string"))?;
    let ok = schema
        .strip_prefix("schema/")
        .is_some_and(|rest| !rest.contains('/') && !rest.contains('\\') && rest != COMMON_SCHEMA);
    if ok {
        Ok(schema.to_string())
    } else {
        Err(format!(
            "{file}: at /schema: {schema:?} does not name a kind schema in schema/"
        ))
    }
}

/// Validates each file against the schema its `schema` field names.
fn validate_all(files: &[(String, Value)]) -> Vec<String> {
    let mut validators: BTreeMap<String, Validator> = BTreeMap::new();
    let mut problems = Vec::new();
    for (file, value) in files {
        let schema = match schema_field(file, value) {
            Ok(schema) => schema,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        if !vectors_dir().join(&schema).is_file() {
            problems.push(format!("{file}: at /schema: {schema} does not exist"));
            continue;
        }
        let validator = validators
            .entry(schema.clone())
            .or_insert_with(|| compile(&schema));
        problems.extend(schema_errors(validator, file, value));
    }
    problems
}

/// What the schemas cannot express: numberOfTests, unique tcIds, every flag in notes.
fn consistency_problems(file: &str, value: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let notes = value.get("notes").and_then(Value::as_object);
    let Some(groups) = value.get("testGroups").and_then(Value::as_array) else {
        return vec![format!("{file}: at /testGroups: missing or not an array")];
    };
    let mut count: u64 = 0;
    let mut seen: BTreeMap<u64, String> = BTreeMap::new();
    for (g, group) in groups.iter().enumerate() {
        let Some(tests) = group.get("tests").and_then(Value::as_array) else {
            problems.push(format!(
                "{file}: at /testGroups/{g}/tests: missing or not an array"
            ));
            continue;
        };
        for (t, test) in tests.iter().enumerate() {
            count += 1;
            let here = format!("/testGroups/{g}/tests/{t}");
            match test.get("tcId").and_then(Value::as_u64) {
                Some(id) => {
                    if let Some(first) = seen.insert(id, format!("{here}/tcId")) {
                        problems.push(format!(
                            "{file}: at {here}/tcId: tcId {id} is not unique (also at {first})"
                        ));
                    }
                }
                None => problems.push(format!(
                    "{file}: at {here}/tcId: missing or not an unsigned integer"
                )),
            }
            let flags = test.get("flags").and_then(Value::as_array);
            for (f, flag) in flags.into_iter().flatten().enumerate() {
                let explained = flag
                    .as_str()
                    .is_some_and(|flag| notes.is_some_and(|notes| notes.contains_key(flag)));
                if !explained {
                    problems.push(format!(
                        "{file}: at {here}/flags/{f}: flag {flag} has no entry in /notes"
                    ));
                }
            }
        }
    }
    match value.get("numberOfTests").and_then(Value::as_u64) {
        Some(n) if n == count => {}
        Some(n) => problems.push(format!(
            "{file}: at /numberOfTests: says {n} but the file holds {count} tests"
        )),
        None => problems.push(format!(
            "{file}: at /numberOfTests: missing or not an unsigned integer"
        )),
    }
    problems
}

fn fail_on(what: &str, problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{what}: {} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn every_vector_file_matches_its_schema() {
    fail_on(
        "vector files that do not match their schema",
        &validate_all(vector_files()),
    );
}

#[test]
fn vector_files_are_consistent() {
    let problems: Vec<String> = vector_files()
        .iter()
        .flat_map(|(file, value)| consistency_problems(file, value))
        .collect();
    fail_on("inconsistent vector files", &problems);
}

#[test]
fn every_kind_has_its_file_and_schema_and_nothing_else_exists() {
    let profiles: Vec<Profile> = Profile::names()
        .iter()
        .map(|name| Profile::by_name(name).expect("a profile the build names"))
        .collect();
    let mut problems = Vec::new();
    // vector file name -> kind, over every profile this build knows
    let mut known_files: BTreeMap<String, &'static str> = BTreeMap::new();
    let mut known_schemas: BTreeSet<String> = BTreeSet::new();
    for kind in kinds::all() {
        for profile in profiles.iter().filter(|p| kind.applies_to(p)) {
            known_files.insert(kind.file_name(profile), kind.name());
        }
        let schema = kind.schema_file();
        if !vectors_dir().join(&schema).is_file() {
            problems.push(format!(
                "kind {}: its schema vectors/{schema} does not exist",
                kind.name()
            ));
        }
        known_schemas.insert(schema.clone());
        for profile in profiles.iter().filter(|p| kind.applies_to(p)) {
            let file = kind.file_name(profile);
            match vector_files().iter().find(|(name, _)| *name == file) {
                None => problems.push(format!(
                    "kind {}: its vector file vectors/{file} does not exist",
                    kind.name()
                )),
                Some((_, value)) => {
                    if value.get("kind").and_then(Value::as_str) != Some(kind.name()) {
                        problems.push(format!(
                            "{file}: at /kind: expected {:?}, found {}",
                            kind.name(),
                            value.get("kind").unwrap_or(&Value::Null)
                        ));
                    }
                    if value.get("schema").and_then(Value::as_str) != Some(schema.as_str()) {
                        problems.push(format!(
                            "{file}: at /schema: expected {schema:?}, found {}",
                            value.get("schema").unwrap_or(&Value::Null)
                        ));
                    }
                }
            }
        }
    }
    for (file, value) in vector_files() {
        match known_files.get(file) {
            None => problems.push(format!(
                "vectors/{file}: no kind in the registry has this file name"
            )),
            Some(kind) => {
                if value.get("kind").and_then(Value::as_str) != Some(*kind) {
                    problems.push(format!(
                        "{file}: at /kind: the file name belongs to kind {kind:?}, the file says {}",
                        value.get("kind").unwrap_or(&Value::Null)
                    ));
                }
            }
        }
    }
    for name in file_names(&schema_dir(), ".json") {
        let path = format!("schema/{name}");
        if name != COMMON_SCHEMA && !known_schemas.contains(&path) {
            problems.push(format!(
                "vectors/{path}: no kind in the registry has this schema"
            ));
        }
    }
    fail_on("vector files, schemas and kinds do not match", &problems);
}

/// A copy of a real vector file with one thing broken.
struct Breakage {
    /// What is broken.
    what: &'static str,
    /// The vector file the copy is made of.
    file: &'static str,
    /// Breaks the copy.
    apply: fn(&mut Value),
    /// The JSON pointer at which an error must be reported.
    expect_at: &'static str,
}

fn first_test(file: &mut Value) -> &mut Value {
    &mut file["testGroups"][0]["tests"][0]
}

/// The first test, in file order, whose result is `invalid`.
fn first_invalid_test(file: &mut Value) -> &mut Value {
    let groups = file["testGroups"].as_array_mut().expect("testGroups");
    groups
        .iter_mut()
        .flat_map(|g| g["tests"].as_array_mut().expect("tests").iter_mut())
        .find(|t| t["result"] == "invalid")
        .expect("an invalid test")
}

fn object(value: &mut Value) -> &mut serde_json::Map<String, Value> {
    value.as_object_mut().expect("an object")
}

fn breakages() -> Vec<Breakage> {
    vec![
        Breakage {
            what: "a test without result",
            file: "spec/dh.json",
            apply: |f| {
                object(first_test(f)).remove("result");
            },
            expect_at: "/testGroups/0/tests/0",
        },
        Breakage {
            what: "an uppercase hex string",
            file: "spec/dh.json",
            apply: |f| {
                let private = first_test(f)["private"].as_str().expect("private");
                first_test(f)["private"] = json!(private.to_uppercase());
            },
            expect_at: "/testGroups/0/tests/0/private",
        },
        Breakage {
            what: "a hex string of odd length",
            file: "spec/dh.json",
            apply: |f| first_test(f)["public"] = json!("abc"),
            expect_at: "/testGroups/0/tests/0/public",
        },
        Breakage {
            what: "a 31-byte key where 32 bytes are required",
            file: "spec/dh.json",
            apply: |f| {
                let shared = first_test(f)["shared"].as_str().expect("shared")[2..].to_string();
                first_test(f)["shared"] = json!(shared);
            },
            expect_at: "/testGroups/0/tests/0/shared",
        },
        Breakage {
            what: "an unknown field in a test",
            file: "spec/dh.json",
            apply: |f| first_test(f)["sharedSecret"] = json!("00"),
            expect_at: "/testGroups/0/tests/0",
        },
        Breakage {
            what: "an unknown error kind",
            file: "spec/dh.json",
            apply: |f| first_invalid_test(f)["error"] = json!("bad_key"),
            expect_at: "/testGroups/1/tests/0/error",
        },
        Breakage {
            what: "an invalid test without error",
            file: "spec/dh.json",
            apply: |f| {
                object(first_invalid_test(f)).remove("error");
            },
            expect_at: "/testGroups/1/tests/0",
        },
        Breakage {
            what: "an unknown result",
            file: "spec/dh.json",
            apply: |f| first_test(f)["result"] = json!("ok"),
            expect_at: "/testGroups/0/tests/0/result",
        },
        Breakage {
            what: "a tcId of 0",
            file: "spec/dh.json",
            apply: |f| first_test(f)["tcId"] = json!(0),
            expect_at: "/testGroups/0/tests/0/tcId",
        },
        Breakage {
            what: "a wrong kind in the file header",
            file: "spec/dh.json",
            apply: |f| f["kind"] = json!("kdf_rk"),
            expect_at: "/kind",
        },
        Breakage {
            what: "a profile without a parameter",
            file: "spec/dh.json",
            apply: |f| {
                object(&mut f["profile"]["limits"]).remove("maxSkip");
            },
            expect_at: "/profile/limits",
        },
        Breakage {
            what: "a state snapshot with an unknown party and a negative counter",
            file: "spec/x3dh_session.json",
            apply: |f| {
                let step = &mut first_test(f)["steps"][0];
                step["party"] = json!("carol");
                step["stateAfter"]["Ns"] = json!(-1);
            },
            expect_at: "/testGroups/0/tests/0/steps/0/stateAfter/Ns",
        },
        Breakage {
            what: "a state snapshot missing MKSKIPPED",
            file: "spec/x3dh_session.json",
            apply: |f| {
                object(&mut first_test(f)["setup"]["bobState"]).remove("MKSKIPPED");
            },
            expect_at: "/testGroups/0/tests/0/setup/bobState",
        },
        Breakage {
            what: "a valid decrypt step without its plaintext",
            file: "spec/x3dh_session.json",
            apply: |f| {
                let steps = first_test(f)["steps"].as_array_mut().expect("steps");
                let step = steps
                    .iter_mut()
                    .find(|s| s["action"] == "decrypt" && s["result"] == "valid")
                    .expect("a valid decrypt");
                object(step).remove("plaintext");
            },
            expect_at: "/testGroups/0/tests/0/steps/2",
        },
        Breakage {
            what: "a valid Olm message test without the ratchet key message_encrypt needs",
            file: "olm/olm_message.json",
            apply: |f| {
                object(first_test(f)).remove("ratchetKey");
            },
            expect_at: "/testGroups/0/tests/0",
        },
        Breakage {
            what: "an Olm message test whose parse fails without an error kind",
            file: "olm/olm_message.json",
            apply: |f| {
                let parse = object(&mut first_invalid_test(f)["parse"]);
                parse.clear();
                parse.insert("result".into(), json!("invalid"));
            },
            expect_at: "/testGroups/1/tests/0/parse",
        },
        Breakage {
            what: "an invalid pre-key message test with a parsed base key",
            file: "olm/olm_prekey_message.json",
            apply: |f| first_invalid_test(f)["baseKey"] = json!("00".repeat(32)),
            expect_at: "/testGroups/1/tests/0/baseKey",
        },
    ]
}

#[test]
fn broken_copies_fail_schema_validation() {
    let dir = vectors_dir();
    let mut originals: BTreeMap<&str, Value> = BTreeMap::new();
    let mut validators: BTreeMap<String, Validator> = BTreeMap::new();
    let mut problems = Vec::new();
    for breakage in breakages() {
        let original = originals
            .entry(breakage.file)
            .or_insert_with(|| read_json(&dir.join(breakage.file)));
        let schema = schema_field(breakage.file, original).expect("a schema field");
        let validator = validators
            .entry(schema.clone())
            .or_insert_with(|| compile(&schema));
        let mut copy = original.clone();
        (breakage.apply)(&mut copy);
        assert_ne!(
            &copy, original,
            "{}: the breakage changed nothing",
            breakage.what
        );
        let errors = schema_errors(validator, breakage.file, &copy);
        let at = format!("{}: at {}: ", breakage.file, breakage.expect_at);
        if !errors.iter().any(|e| e.starts_with(&at)) {
            problems.push(format!(
                "{} in a copy of {}: expected an error at {}, got {}",
                breakage.what,
                breakage.file,
                breakage.expect_at,
                if errors.is_empty() {
                    "none".to_string()
                } else {
                    errors.join("; ")
                }
            ));
        }
    }
    fail_on("broken copies that the schemas do not catch", &problems);
}

#[test]
fn broken_copies_fail_consistency_checks() {
    let file = "spec/dh.json";
    let original = read_json(&vectors_dir().join(file));
    assert_eq!(consistency_problems(file, &original), Vec::<String>::new());

    let mut wrong_count = original.clone();
    let n = wrong_count["numberOfTests"]
        .as_u64()
        .expect("numberOfTests");
    wrong_count["numberOfTests"] = json!(n + 1);
    let problems = consistency_problems(file, &wrong_count);
    assert!(
        problems.iter().any(|p| p.contains("at /numberOfTests")),
        "{problems:?}"
    );

    let mut duplicate = original.clone();
    duplicate["testGroups"][0]["tests"][1]["tcId"] =
        duplicate["testGroups"][0]["tests"][0]["tcId"].clone();
    let problems = consistency_problems(file, &duplicate);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("at /testGroups/0/tests/1/tcId") && p.contains("not unique")),
        "{problems:?}"
    );

    let mut unexplained = original.clone();
    unexplained["testGroups"][0]["tests"][0]["flags"] = json!(["NoSuchFlag"]);
    let problems = consistency_problems(file, &unexplained);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("at /testGroups/0/tests/0/flags/0")),
        "{problems:?}"
    );
}
