//! The coverage matrix (`ratchet-harness coverage`): for every section of the specifications
//! that states a rule, the vector flags (with their number of tests), the live scenarios and
//! the mutants that exercise it, and the sections nothing exercises. Everything is read from
//! what the suite runs: the vector files' notes and flags, the scenarios' and mutants'
//! `spec_sections`, so the matrix cannot claim a check that does not exist.

pub mod rules;
pub mod section_ref;

use std::collections::BTreeMap;
use std::path::Path;

use ratchet_ref::Profile;
use serde::Deserialize;

use rules::{Rule, DOCUMENTS, RULES};
use section_ref::SectionRefError;

/// The tests of one vector flag that exercise a section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagTests {
    /// `profile/kind`, as in the vectors directory.
    pub file: String,
    pub flag: String,
    pub tests: usize,
}

/// One section and what exercises it.
#[derive(Debug, Clone)]
pub struct Row {
    pub rule: &'static Rule,
    pub vectors: Vec<FlagTests>,
    pub scenarios: Vec<&'static str>,
    pub mutants: Vec<&'static str>,
}

impl Row {
    /// A vector or a live scenario checks the section's rules (a mutant only shows that a
    /// check catches a break of them).
    pub fn exercised(&self) -> bool {
        !self.vectors.is_empty() || !self.scenarios.is_empty()
    }
}

/// Every section of the catalogue, in order.
#[derive(Debug, Clone)]
pub struct Matrix {
    pub rows: Vec<Row>,
}

impl Matrix {
    /// The sections that state a rule nothing exercises.
    pub fn unexercised(&self) -> Vec<&Row> {
        self.rows
            .iter()
            .filter(|r| r.rule.out_of_scope.is_none() && !r.exercised())
            .collect()
    }

    /// The row of `key`.
    pub fn row(&self, key: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.rule.key == key)
    }
}

/// Why the matrix could not be built.
#[derive(Debug, thiserror::Error)]
pub enum CoverageError {
    #[error("{file}: {problem}; run `ratchet-harness generate` to write the vector files")]
    VectorFile { file: String, problem: String },
    #[error("{origin}: {error}")]
    Reference {
        origin: String,
        error: SectionRefError,
    },
    #[error("{origin}: cites {key:?}, a section the catalogue does not list; correct the reference or add the section to harness/src/run/coverage/rules.rs")]
    UnknownSection { origin: String, key: String },
    #[error("{origin}: cites {key:?}, which the catalogue marks out of scope ({why}); a check exercises it, so say in rules.rs what it states")]
    OutOfScopeCited {
        origin: String,
        key: String,
        why: &'static str,
    },
}

/// Where a reference comes from, for [`collect`].
enum Origin {
    Flag(FlagTests),
    Scenario(&'static str),
    Mutant(&'static str),
}

/// The parts of a vector file the matrix reads.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FlagsOnly {
    notes: BTreeMap<String, NoteSection>,
    test_groups: Vec<GroupFlags>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NoteSection {
    spec_section: String,
}

#[derive(Deserialize)]
struct GroupFlags {
    tests: Vec<TestFlags>,
}

#[derive(Deserialize)]
struct TestFlags {
    flags: Vec<String>,
}

/// Builds the matrix from the vector files in `vectors_dir` (every built-in profile's), the
/// live scenarios and the mutants.
pub fn build(vectors_dir: &Path) -> Result<Matrix, CoverageError> {
    let mut origins: Vec<(Origin, String, &'static str)> = Vec::new();
    for profile in Profile::all() {
        for kind in crate::vectors::kinds::for_profile(&profile) {
            let label = format!("{}/{}", profile.name, kind.name());
            let path = vectors_dir.join(format!("{label}.json"));
            let error = |problem: String| CoverageError::VectorFile {
                file: path.display().to_string(),
                problem,
            };
            let text =
                std::fs::read_to_string(&path).map_err(|e| error(format!("cannot read: {e}")))?;
            let file: FlagsOnly = serde_json::from_str(&text)
                .map_err(|e| error(format!("not a vector file: {e}")))?;
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for test in file.test_groups.iter().flat_map(|g| &g.tests) {
                for flag in &test.flags {
                    *counts.entry(flag.as_str()).or_default() += 1;
                }
            }
            for (flag, note) in &file.notes {
                let tests = counts.get(flag.as_str()).copied().unwrap_or(0);
                if tests == 0 {
                    continue;
                }
                origins.push((
                    Origin::Flag(FlagTests {
                        file: label.clone(),
                        flag: flag.clone(),
                        tests,
                    }),
                    format!("{label} note {flag:?}"),
                    leak(&note.spec_section),
                ));
            }
        }
    }
    for (name, sections) in crate::run::scenarios::sections() {
        origins.push((Origin::Scenario(name), format!("scenario {name}"), sections));
    }
    for mutant in crate::driver::sut::mutants::ALL {
        origins.push((
            Origin::Mutant(mutant.name),
            format!("mutant {}", mutant.name),
            mutant.spec_sections,
        ));
    }
    collect(origins)
}

/// The vector notes live as long as the matrix; the matrix is built once per command.
fn leak(text: &str) -> &'static str {
    Box::leak(text.to_string().into_boxed_str())
}

fn collect(origins: Vec<(Origin, String, &'static str)>) -> Result<Matrix, CoverageError> {
    let mut rows: Vec<Row> = RULES
        .iter()
        .map(|rule| Row {
            rule,
            vectors: Vec::new(),
            scenarios: Vec::new(),
            mutants: Vec::new(),
        })
        .collect();
    for (origin, origin_name, text) in origins {
        let keys = section_ref::parse(text).map_err(|error| CoverageError::Reference {
            origin: origin_name.clone(),
            error,
        })?;
        for key in keys {
            let Some(row) = rows.iter_mut().find(|r| r.rule.key == key.0) else {
                return Err(CoverageError::UnknownSection {
                    origin: origin_name,
                    key: key.0,
                });
            };
            if let Some(why) = row.rule.out_of_scope {
                return Err(CoverageError::OutOfScopeCited {
                    origin: origin_name,
                    key: key.0,
                    why,
                });
            }
            match &origin {
                Origin::Flag(f) => {
                    if !row.vectors.contains(f) {
                        row.vectors.push(f.clone());
                    }
                }
                Origin::Scenario(name) => {
                    if !row.scenarios.contains(name) {
                        row.scenarios.push(name);
                    }
                }
                Origin::Mutant(name) => {
                    if !row.mutants.contains(name) {
                        row.mutants.push(name);
                    }
                }
            }
        }
    }
    Ok(Matrix { rows })
}

/// The matrix as Markdown: one table per document, then a summary line.
pub fn render_markdown(matrix: &Matrix) -> String {
    let mut out = String::new();
    for (prefix, heading) in DOCUMENTS {
        let rows: Vec<&Row> = matrix
            .rows
            .iter()
            .filter(|r| r.rule.key.starts_with(prefix))
            .collect();
        if rows.is_empty() {
            continue;
        }
        out.push_str(&format!("#### {heading}\n\n"));
        out.push_str(
            "| Section | What it states | Vector flags (tests) | Live scenarios | Mutants |\n",
        );
        out.push_str("|---|---|---|---|---|\n");
        for row in rows {
            let title = match row.rule.key.split_once(" §") {
                Some(("DR" | "X3DH", number)) => format!("§{number} {}", row.rule.title),
                Some(_) => format!("{} {}", row.rule.key, row.rule.title),
                None => row.rule.title.to_string(),
            };
            let states = match (row.rule.out_of_scope, row.exercised()) {
                (Some(why), _) => format!("*Out of scope: {why}.*"),
                (None, false) => format!("**NOT EXERCISED.** {}", row.rule.states),
                (None, true) => row.rule.states.to_string(),
            };
            out.push_str(&format!(
                "| {title} | {} | {} | {} | {} |\n",
                escape(&states),
                vectors_cell(&row.vectors),
                names_cell(&row.scenarios),
                names_cell(&row.mutants),
            ));
        }
        out.push('\n');
    }
    let stating = matrix
        .rows
        .iter()
        .filter(|r| r.rule.out_of_scope.is_none())
        .count();
    let unexercised = matrix.unexercised();
    out.push_str(&format!(
        "{} sections listed: {} state rules, of which {} are exercised; {} are out of scope and say why.",
        matrix.rows.len(),
        stating,
        stating - unexercised.len(),
        matrix.rows.len() - stating,
    ));
    if !unexercised.is_empty() {
        let keys: Vec<&str> = unexercised.iter().map(|r| r.rule.key).collect();
        out.push_str(&format!(" Not exercised: {}.", keys.join("; ")));
    }
    out.push('\n');
    out
}

/// `profile/kind`: Flag (n), ... grouped by file.
fn vectors_cell(vectors: &[FlagTests]) -> String {
    let mut by_file: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for v in vectors {
        by_file
            .entry(&v.file)
            .or_default()
            .push(format!("{} ({})", v.flag, v.tests));
    }
    by_file
        .iter()
        .map(|(file, flags)| format!("`{file}`: {}", flags.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

fn names_cell(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Table cells cannot hold `|`.
fn escape(text: &str) -> String {
    text.replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flag(file: &str, flag: &str, tests: usize) -> Origin {
        Origin::Flag(FlagTests {
            file: file.into(),
            flag: flag.into(),
            tests,
        })
    }

    #[test]
    fn a_section_only_a_mutant_names_is_not_exercised_and_is_marked() {
        let matrix = collect(vec![
            (
                flag("spec/session", "Duplicate", 6),
                "n".into(),
                "DR §3.5, §6.1",
            ),
            (Origin::Mutant("zero_iv"), "m".into(), "DR §5.2"),
        ])
        .unwrap();
        assert!(matrix.row("DR §3.5").unwrap().exercised());
        assert!(matrix.row("DR §6.1").unwrap().exercised());
        let dr52 = matrix.row("DR §5.2").unwrap();
        assert!(!dr52.exercised());
        assert!(matrix.unexercised().iter().any(|r| r.rule.key == "DR §5.2"));
        let text = render_markdown(&matrix);
        let line = text.lines().find(|l| l.starts_with("| §5.2")).unwrap();
        assert!(line.contains("**NOT EXERCISED.**"), "{line}");
        assert!(line.contains("`zero_iv`"), "{line}");
        assert!(text.contains("Not exercised: DR §2.1;"), "{text}");
    }

    #[test]
    fn references_outside_the_catalogue_are_refused() {
        let unknown = collect(vec![(
            flag("spec/x3dh", "Wrong", 1),
            "x".into(),
            "X3DH §2.5",
        )]);
        assert!(matches!(
            unknown,
            Err(CoverageError::UnknownSection { key, .. }) if key == "X3DH §2.5"
        ));
        let out_of_scope = collect(vec![(Origin::Scenario("s"), "s".into(), "DR §6.2")]);
        assert!(matches!(
            out_of_scope,
            Err(CoverageError::OutOfScopeCited { .. })
        ));
        let malformed = collect(vec![(Origin::Scenario("s"), "s".into(), "§3.5")]);
        assert!(matches!(malformed, Err(CoverageError::Reference { .. })));
    }

    #[test]
    fn every_catalogue_key_is_unique_and_readable_as_a_reference() {
        for (i, rule) in RULES.iter().enumerate() {
            assert!(
                RULES[..i].iter().all(|r| r.key != rule.key),
                "{} twice",
                rule.key
            );
            let keys = section_ref::parse(rule.key).unwrap();
            assert_eq!(keys.len(), 1, "{}", rule.key);
            assert_eq!(keys[0].0, rule.key);
            assert!(
                DOCUMENTS.iter().any(|(p, _)| rule.key.starts_with(p)),
                "{} belongs to no document",
                rule.key
            );
        }
    }
}
