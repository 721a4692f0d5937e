//! Reads the criterion results of a bench run, writes the JSON summary (github-action-benchmark
//! `customSmallerIsBetter`), prints the table and the targets of tracker issues 7 and 16, and
//! compares with the committed baseline. `benches/run.sh` runs the benches and then this;
//! see README.md.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use clap::{Parser, ValueEnum};
use ratchet_benches::{
    check_targets, collect, compare, format_time, markdown_table, summarize, CompareScope, Entry,
};

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Scope {
    /// Medians and ratios.
    All,
    /// Medians (ns) only.
    Times,
    /// Ratios only (least sensitive to a busy machine).
    Ratios,
}

#[derive(Parser, Debug)]
#[command(about = "Summarize criterion results of the ratchet benches and compare with a baseline")]
struct Args {
    /// Criterion's output directory [default: $CRITERION_HOME, else $CARGO_TARGET_DIR/criterion,
    /// else <workspace>/target/criterion].
    #[arg(long)]
    criterion_dir: Option<PathBuf>,
    /// Only results written at or after this time (seconds since the Unix epoch); run.sh passes
    /// the start of its run so that results of earlier runs are left out.
    #[arg(long)]
    since: Option<u64>,
    /// Where to write the JSON summary [default: <criterion dir>/../ratchet-benches/summary.json].
    #[arg(long)]
    output: Option<PathBuf>,
    /// Also write the Markdown table here.
    #[arg(long)]
    markdown: Option<PathBuf>,
    /// Baseline summary to compare with.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/baseline.json"))]
    baseline: PathBuf,
    /// Regression threshold in percent: an entry more than this much larger than its
    /// baseline value is a regression.
    #[arg(long, default_value_t = 10.0)]
    threshold: f64,
    /// Which entries to compare with the baseline.
    #[arg(long, value_enum, default_value_t = Scope::All)]
    compare: Scope,
    /// Exit with status 1 when there is a regression (otherwise regressions are only printed).
    #[arg(long)]
    fail_on_regression: bool,
    /// Overwrite the baseline with this run's summary.
    #[arg(long)]
    update_baseline: bool,
}

fn default_criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new("."))
        .join("target")
        .join("criterion")
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("bench-report: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &Args) -> Result<ExitCode, String> {
    let criterion_dir = args
        .criterion_dir
        .clone()
        .unwrap_or_else(default_criterion_dir);
    let since = args
        .since
        .map(|secs| SystemTime::UNIX_EPOCH + Duration::from_secs(secs));
    let measurements = collect(&criterion_dir, since).map_err(|e| {
        format!("cannot read criterion results ({e}); run the benches first: benches/run.sh")
    })?;
    if measurements.is_empty() {
        return Err(format!(
            "no criterion results in {} (newer than --since); run the benches first: benches/run.sh",
            criterion_dir.display()
        ));
    }

    let summary = summarize(&measurements);
    let json = serde_json::to_string_pretty(&summary).map_err(|e| e.to_string())?;
    let output = args.output.clone().unwrap_or_else(|| {
        criterion_dir
            .parent()
            .unwrap_or(Path::new("."))
            .join("ratchet-benches")
            .join("summary.json")
    });
    if let Some(parent) = output.parent() {
        fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    fs::write(&output, format!("{json}\n")).map_err(|e| format!("{}: {e}", output.display()))?;

    let table = markdown_table(&measurements);
    println!("{table}");
    if let Some(path) = &args.markdown {
        fs::write(path, &table).map_err(|e| format!("{}: {e}", path.display()))?;
    }

    println!("Targets (tracker issues 7 and 16):");
    for check in check_targets(&measurements) {
        let verdict = match check.met {
            Some(true) => "met",
            Some(false) => "NOT MET",
            None => "not measured",
        };
        println!(
            "  [{verdict}] issue {}: {}: {}",
            check.issue, check.target, check.measured
        );
    }
    println!();
    println!(
        "Summary: {} entries ({} benches) written to {}",
        summary.len(),
        measurements.len(),
        output.display()
    );

    let regressions = compare_with_baseline(args, &summary)?;
    if args.update_baseline {
        fs::write(&args.baseline, format!("{json}\n"))
            .map_err(|e| format!("{}: {e}", args.baseline.display()))?;
        println!("Baseline {} updated.", args.baseline.display());
    }
    if regressions > 0 && args.fail_on_regression {
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints the comparison; returns the number of regressions.
fn compare_with_baseline(args: &Args, summary: &[Entry]) -> Result<usize, String> {
    let text = match fs::read_to_string(&args.baseline) {
        Ok(text) => text,
        Err(e) => {
            println!(
                "No baseline compared ({}: {e}); create one with --update-baseline.",
                args.baseline.display()
            );
            return Ok(0);
        }
    };
    let baseline: Vec<Entry> = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{} is not a customSmallerIsBetter summary: {e}",
            args.baseline.display()
        )
    })?;
    let scope = match args.compare {
        Scope::All => CompareScope::All,
        Scope::Times => CompareScope::Times,
        Scope::Ratios => CompareScope::Ratios,
    };
    let changes = compare(summary, &baseline, args.threshold / 100.0, scope);
    let regressions: Vec<_> = changes.iter().filter(|c| c.regression).collect();
    println!(
        "Baseline {}: {} entries compared, {} regressions beyond {}%.",
        args.baseline.display(),
        changes.len(),
        regressions.len(),
        args.threshold
    );
    for c in &regressions {
        let show = |v: f64| {
            if c.unit == "ns" {
                format_time(v)
            } else {
                format!("{v:.3}x")
            }
        };
        println!(
            "  REGRESSION {}: {} -> {} ({:+.1}%)",
            c.name,
            show(c.baseline),
            show(c.current),
            c.change * 100.0
        );
    }
    Ok(regressions.len())
}
