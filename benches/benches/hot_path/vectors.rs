//! The conformance suite's own work, through ratchet-harness's in-process API: generating
//! every vector file of the spec profile (serially and on rayon's global pool, as
//! `ratchet-harness generate` does), and replaying the committed vectors against the
//! reference SUT (as `ratchet-harness verify` does). One iteration is a whole generation or
//! replay; the throughput is the number of test vectors it produces or checks.

use std::hint::black_box;
use std::path::Path;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput};
use ratchet_harness::driver::sut::ReferenceSut;
use ratchet_harness::driver::InProcess;
use ratchet_harness::vectors::generate::{generate_all, GeneratedFile};
use ratchet_harness::vectors::verify::{replay_dir, totals, KindResult};
use ratchet_ref::Profile;

/// The committed vectors.
const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../vectors");

/// A `vectors` group for iterations of about half a second: criterion's smallest sample
/// count, each sample the same number of iterations (flat sampling), so a run takes 10
/// iterations when the measurement time is short (`run.sh --quick`) and about the
/// measurement time otherwise.
fn vectors_group<'a>(c: &'a mut Criterion, tests: usize) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group("vectors");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Elements(tests as u64));
    group
}

/// The test vectors in generated files: the sum of their `numberOfTests`.
fn generated_tests(files: &[GeneratedFile]) -> usize {
    files
        .iter()
        .map(|file| {
            let json: serde_json::Value = serde_json::from_str(&file.text).expect("JSON");
            let n = json["numberOfTests"].as_u64().expect("numberOfTests");
            usize::try_from(n).expect("fits")
        })
        .sum()
}

/// `vectors/generate/serial` (a one-thread rayon pool) and `vectors/generate/rayon` (the
/// global pool: one thread per core).
pub fn generate(c: &mut Criterion) {
    let profile = Profile::spec();
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a one-thread pool");
    let serial = || one_thread.install(|| generate_all(black_box(&profile)));
    let tests = generated_tests(&serial());
    let mut group = vectors_group(c, tests);
    group.bench_function(BenchmarkId::new("generate", "serial"), |b| b.iter(serial));
    group.bench_function(BenchmarkId::new("generate", "rayon"), |b| {
        b.iter(|| generate_all(black_box(&profile)))
    });
    group.finish();
}

/// Every kind's committed file replayed against a fresh in-process reference SUT.
fn replay_all(profile: &Profile) -> Vec<KindResult> {
    let mut driver = InProcess::new(ReferenceSut::new(*profile));
    replay_dir(Path::new(VECTORS), profile, None, &mut driver, |_, _, _| {})
        .expect("the committed vectors replay")
}

/// `vectors/replay/serial`: reading, parsing and checking every committed vector, one kind
/// after the other on one thread. The reference must pass them all.
pub fn replay(c: &mut Criterion) {
    let profile = Profile::spec();
    let results = replay_all(&profile);
    let (passed, failed, skipped) = totals(&results);
    assert_eq!(
        (failed, skipped),
        (0, 0),
        "the reference SUT must pass every committed vector"
    );
    let mut group = vectors_group(c, passed);
    group.bench_function(BenchmarkId::new("replay", "serial"), |b| {
        b.iter(|| replay_all(black_box(&profile)))
    });
    group.finish();
}
