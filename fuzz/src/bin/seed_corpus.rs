//! Writes the seed corpus: genuine headers, messages, bundles, ciphertexts, mutation plans
//! and interaction scripts from the reference, one file per seed.
//!
//! ```text
//! cargo run --manifest-path fuzz/Cargo.toml --bin seed_corpus [-- [--regressions] [DIR]]
//! ```
//!
//! Without flags it writes `DIR/<target>/<name>` (default DIR: `fuzz/corpus`). With
//! `--regressions` it writes only the seeds marked as regression seeds, as
//! `DIR/<target>/seed-<name>` (default DIR: `fuzz/regressions`); that was done once, and the
//! committed files are the source of truth.

use std::path::PathBuf;
use std::process::ExitCode;

use ratchet_fuzz::checks::seeds::seeds;

fn main() -> ExitCode {
    let mut regressions = false;
    let mut dir = None;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--regressions" => regressions = true,
            "-h" | "--help" => {
                println!("usage: seed_corpus [--regressions] [DIR]");
                return ExitCode::SUCCESS;
            }
            other if other.starts_with('-') => {
                eprintln!("seed_corpus: unknown option {other}; try --help");
                return ExitCode::FAILURE;
            }
            other => dir = Some(PathBuf::from(other)),
        }
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir =
        dir.unwrap_or_else(|| manifest.join(if regressions { "regressions" } else { "corpus" }));
    let mut written = 0;
    for seed in seeds() {
        if regressions && !seed.regression {
            continue;
        }
        let target_dir = dir.join(seed.target);
        let name = if regressions {
            format!("seed-{}", seed.name)
        } else {
            seed.name.clone()
        };
        let path = target_dir.join(name);
        if let Err(e) =
            std::fs::create_dir_all(&target_dir).and_then(|()| std::fs::write(&path, &seed.bytes))
        {
            eprintln!("seed_corpus: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        written += 1;
    }
    println!("seed_corpus: wrote {written} seeds under {}", dir.display());
    ExitCode::SUCCESS
}
