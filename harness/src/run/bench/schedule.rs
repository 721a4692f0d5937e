//! The measurement schedule of one message size. Each round times three pipelined batches
//! of N requests, always in this order: Alice encrypts N messages, N echoes of the same byte
//! volume, Bob decrypts the N messages in order. The echo sits between the two batches it is
//! subtracted from, so a machine that slowly speeds up or slows down within a round moves
//! all three alike. Per round, each batch gives one sample: its elapsed time / N.
//!
//! Without `--requests`, N is calibrated (those rounds are discarded) so that a round takes
//! about [`ROUND_TARGET`]; one more round at the final N is discarded as a warm-up. A batch
//! is sent in exchanges of at most [`EXCHANGE`] requests; every answer is checked between
//! them, outside the timed span.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::echo;
use super::error::BenchError;
use super::session_pair::SessionPair;
use super::sizes;
use crate::driver::{Answer, Driver};
use crate::vectors::vector_rng::VectorRng;

/// The length a calibrated round aims at (its three batches together).
pub const ROUND_TARGET: Duration = Duration::from_millis(100);

/// Most requests in one batch.
pub const MAX_REQUESTS: usize = 100_000;

/// Most bytes of plaintext and messages one round holds in memory.
pub const MAX_ROUND_BYTES: usize = 64 << 20;

/// Most calibration rounds before N is fixed.
const MAX_CALIBRATION_ROUNDS: usize = 8;

/// How many rounds, and how many requests per batch (None: calibrated).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub rounds: usize,
    pub requests: Option<usize>,
}

/// The samples of one message size, nanoseconds per op, one per round.
#[derive(Debug, Clone, PartialEq)]
pub struct SizeSamples {
    /// Plaintext bytes.
    pub size: usize,
    /// Requests per batch (N).
    pub requests: usize,
    /// Bytes of the messages the SUT wrote for this plaintext size.
    pub message_len: usize,
    /// Bytes each echo carried.
    pub echo_payload: usize,
    pub encrypt: Vec<f64>,
    pub echo: Vec<f64>,
    pub decrypt: Vec<f64>,
}

/// One round's time per op of each batch, in nanoseconds.
struct RoundTimes {
    encrypt: f64,
    echo: f64,
    decrypt: f64,
}

impl RoundTimes {
    fn total(&self, n: usize) -> Duration {
        Duration::from_secs_f64((self.encrypt + self.echo + self.decrypt) * n as f64 / 1e9)
    }
}

/// Most requests of one exchange with the driver. A batch of N is sent in exchanges of at
/// most this many, and only the exchanges are timed; between them the answers are checked
/// and dropped, so what a SUT's answers can make the harness hold is bounded whatever N is
/// (each answer line is at most 1 MiB). The pipeline drains at each boundary, a cost shared
/// alike by the three kinds of batch.
pub const EXCHANGE: usize = 256;

/// How much longer than the first message of a size a later one may be (Olm's counter grows
/// by a varint byte now and then); a longer one is the SUT's error, not stored.
const MESSAGE_SLACK: usize = 64;

/// The prepared requests of one size.
struct Batches<'a> {
    pair: &'a SessionPair,
    plaintext: String,
    echo_data: String,
    what: String,
    /// Longest message accepted from an encrypt.
    max_message: usize,
    /// Copies of the one encrypt request and the one echo request, enough for an exchange;
    /// made once, not in every round, so no round starts by allocating them.
    encrypts: Vec<(String, Value)>,
    echoes: Vec<(String, Value)>,
}

/// The requests of a batch of N.
enum BatchRequests<'a> {
    /// One request sent N times: a slice of up to [`EXCHANGE`] copies serves every exchange.
    Repeated(&'a [(String, Value)]),
    /// N requests, in order.
    Each(&'a [(String, Value)]),
}

/// Sends a batch of `n` requests in exchanges of at most [`EXCHANGE`], timing only the
/// exchanges, and returns the time per request in nanoseconds; `each` gets every exchange's
/// answers outside the timed span.
fn timed(
    driver: &mut dyn Driver,
    requests: BatchRequests<'_>,
    n: usize,
    op: &'static str,
    what: &str,
    mut each: impl FnMut(Vec<Answer>) -> Result<(), BenchError>,
) -> Result<f64, BenchError> {
    let mut elapsed = Duration::ZERO;
    let mut done = 0;
    while done < n {
        let count = (n - done).min(EXCHANGE);
        let chunk = match requests {
            BatchRequests::Repeated(one) => one.get(..count),
            BatchRequests::Each(all) => all.get(done..done + count),
        }
        .ok_or_else(|| BenchError::Options(format!("{op} ({what}): fewer requests than {n}")))?;
        let start = Instant::now();
        let answers = driver.call_batch(chunk);
        elapsed += start.elapsed();
        if answers.len() != count {
            return Err(BenchError::BadAnswer {
                op,
                what: what.to_string(),
                detail: format!("{} answers to {count} requests", answers.len()),
            });
        }
        each(answers)?;
        done += count;
    }
    Ok(per_op(elapsed, n))
}

impl Batches<'_> {
    /// Has enough copies of the repeated requests for batches of `n`.
    fn prepare(&mut self, n: usize) {
        let copies = n.min(EXCHANGE);
        if self.encrypts.len() < copies {
            self.encrypts = self.pair.encrypt_requests(&self.plaintext, copies);
            self.echoes = echo::requests(self.pair.profile(), &self.echo_data, copies);
        }
    }

    /// One round of three batches of `n`. Between the timed exchanges nothing large is
    /// allocated: the messages move from the encrypt answers into the decrypt requests.
    fn round(&mut self, driver: &mut dyn Driver, n: usize) -> Result<RoundTimes, BenchError> {
        self.prepare(n);
        let what = self.what.as_str();
        let mut sent = Vec::with_capacity(n);
        let batch = BatchRequests::Repeated(&self.encrypts);
        let encrypt = timed(driver, batch, n, "session_encrypt", what, |answers| {
            let max = Some(self.max_message);
            sent.extend(self.pair.read_sent(answers, what, max)?);
            Ok(())
        })?;
        let batch = BatchRequests::Repeated(&self.echoes);
        let echo_ns = timed(driver, batch, n, echo::OP, what, |answers| {
            echo::check(answers, &self.echo_data, what)
        })?;
        let decrypts = self.pair.decrypt_requests(sent);
        let batch = BatchRequests::Each(&decrypts);
        let decrypt = timed(driver, batch, n, "session_decrypt", what, |answers| {
            let count = answers.len();
            self.pair
                .check_received(answers, &self.plaintext, count, what)
        })?;
        Ok(RoundTimes {
            encrypt,
            echo: echo_ns,
            decrypt,
        })
    }
}

fn per_op(elapsed: Duration, n: usize) -> f64 {
    elapsed.as_nanos() as f64 / n.max(1) as f64
}

/// Deterministic bytes of `len`, as hex.
fn filler(label: &str, len: usize) -> String {
    let mut rng = VectorRng::new(crate::vectors::vector_rng::kind_seed(label));
    hex::encode(rng.bytes(len))
}

/// The N a round of `last` ns per op (all three batches) at `n` suggests for the target.
fn next_requests(n: usize, last: Duration, cap: usize) -> usize {
    let ratio = ROUND_TARGET.as_secs_f64() / last.as_secs_f64().max(1e-9);
    let wanted = (n as f64 * ratio).round();
    (wanted.clamp(1.0, cap as f64)) as usize
}

/// Times one message size: calibration (unless `schedule.requests`), a warm-up round, then
/// `schedule.rounds` rounds.
pub fn measure(
    driver: &mut dyn Driver,
    pair: &SessionPair,
    size: usize,
    schedule: Schedule,
    mut progress: impl FnMut(&str),
) -> Result<SizeSamples, BenchError> {
    let what = format!("{} {}", pair.profile(), sizes::name(size));
    let plaintext = filler("bench plaintext", size);
    // One message of this size tells the message length, hence the echo's payload.
    let probe = driver.call_batch(&pair.encrypt_requests(&plaintext, 1));
    let sent = pair.read_sent(probe, &what, None)?;
    let message_len = sent.first().map_or(0, |s| s.message.len() / 2);
    let answers = driver.call_batch(&pair.decrypt_requests(sent));
    pair.check_received(answers, &plaintext, 1, &what)?;
    let echo_payload = echo::payload_len(size, pair.ad_len(), message_len);
    let cap = (MAX_ROUND_BYTES / (size + message_len + MESSAGE_SLACK)).clamp(1, MAX_REQUESTS);
    let mut batches = Batches {
        pair,
        plaintext,
        echo_data: filler("bench echo", echo_payload),
        what: what.clone(),
        max_message: message_len + MESSAGE_SLACK,
        encrypts: Vec::new(),
        echoes: Vec::new(),
    };
    let n = match schedule.requests {
        Some(n) if n > cap => {
            return Err(BenchError::Options(format!(
                "--requests {n} at {}: a round would hold more than {} MiB of messages; use --requests {cap} or less",
                sizes::name(size),
                MAX_ROUND_BYTES >> 20
            )))
        }
        Some(n) => n,
        None => {
            progress(&format!("{what}: calibrating the requests per round"));
            let mut n = 8.min(cap);
            for _ in 0..MAX_CALIBRATION_ROUNDS {
                let took = batches.round(driver, n)?.total(n);
                let next = next_requests(n, took, cap);
                // Close enough to the target, or as far as the cap allows.
                if took >= ROUND_TARGET / 2 || next == n {
                    n = next;
                    break;
                }
                n = next.min(n.saturating_mul(100)).max(n + 1).min(cap);
            }
            n
        }
    };
    progress(&format!(
        "{what}: {} rounds of {n} requests per batch",
        schedule.rounds
    ));
    batches.round(driver, n)?;
    let mut samples = SizeSamples {
        size,
        requests: n,
        message_len,
        echo_payload,
        encrypt: Vec::with_capacity(schedule.rounds),
        echo: Vec::with_capacity(schedule.rounds),
        decrypt: Vec::with_capacity(schedule.rounds),
    };
    for _ in 0..schedule.rounds {
        let times = batches.round(driver, n)?;
        samples.encrypt.push(times.encrypt);
        samples.echo.push(times.echo);
        samples.decrypt.push(times.decrypt);
    }
    Ok(samples)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::sut::ReferenceSut;
    use crate::driver::InProcess;
    use ratchet_ref::Profile;

    #[test]
    fn calibration_scales_the_requests_toward_the_target_within_the_cap() {
        assert_eq!(next_requests(10, ROUND_TARGET / 10, 1000), 100);
        assert_eq!(next_requests(10, ROUND_TARGET * 2, 1000), 5);
        assert_eq!(next_requests(10, Duration::ZERO, 1000), 1000);
        assert_eq!(next_requests(1, ROUND_TARGET * 1000, 1000), 1);
    }

    #[test]
    fn every_round_gives_one_sample_per_batch_and_the_sizes_are_recorded() {
        for profile in Profile::all() {
            let mut driver = InProcess::new(ReferenceSut::new(profile));
            let pair = SessionPair::open(&mut driver, profile).unwrap();
            let schedule = Schedule {
                rounds: 3,
                requests: Some(4),
            };
            let mut lines = Vec::new();
            let s = measure(&mut driver, &pair, 100, schedule, |l| {
                lines.push(l.to_string())
            })
            .unwrap();
            assert_eq!((s.size, s.requests), (100, 4));
            assert_eq!((s.encrypt.len(), s.echo.len(), s.decrypt.len()), (3, 3, 3));
            assert!(s
                .encrypt
                .iter()
                .chain(&s.echo)
                .chain(&s.decrypt)
                .all(|t| *t >= 0.0));
            assert!(s.message_len > 100, "{s:?}");
            assert_eq!(
                s.echo_payload,
                echo::payload_len(100, pair.ad_len(), s.message_len)
            );
            assert!(
                lines.iter().any(|l| l.contains("3 rounds of 4 requests")),
                "{lines:?}"
            );
        }
    }

    #[test]
    fn too_many_requests_for_the_memory_bound_are_refused_before_timing() {
        let profile = Profile::spec();
        let mut driver = InProcess::new(ReferenceSut::new(profile));
        let pair = SessionPair::open(&mut driver, profile).unwrap();
        let schedule = Schedule {
            rounds: 1,
            requests: Some(MAX_REQUESTS),
        };
        let e = measure(&mut driver, &pair, sizes::MAX_SIZE, schedule, |_| {}).unwrap_err();
        assert!(matches!(e, BenchError::Options(_)), "{e:?}");
        assert!(e.to_string().contains("--requests"), "{e}");
    }

    /// Counts the requests of each exchange.
    struct Counting {
        inner: InProcess,
        exchanges: Vec<usize>,
    }

    impl Driver for Counting {
        fn capabilities(&self) -> &crate::driver::Capabilities {
            self.inner.capabilities()
        }

        fn call_batch(&mut self, requests: &[(String, Value)]) -> Vec<Answer> {
            self.exchanges.push(requests.len());
            self.inner.call_batch(requests)
        }
    }

    #[test]
    fn a_batch_larger_than_an_exchange_is_sent_in_bounded_exchanges() {
        let profile = Profile::spec();
        let mut driver = Counting {
            inner: InProcess::new(ReferenceSut::new(profile)),
            exchanges: Vec::new(),
        };
        let pair = SessionPair::open(&mut driver, profile).unwrap();
        driver.exchanges.clear();
        let n = EXCHANGE * 2 + 3;
        let schedule = Schedule {
            rounds: 1,
            requests: Some(n),
        };
        let s = measure(&mut driver, &pair, 16, schedule, |_| {}).unwrap();
        assert_eq!(s.requests, n);
        assert!(driver.exchanges.iter().all(|&c| c <= EXCHANGE));
        // The probe (encrypt, decrypt), then two rounds (warm-up, measured) of three batches
        // of three exchanges each.
        let expected: Vec<usize> = [1, 1]
            .into_iter()
            .chain((0..6).flat_map(|_| [EXCHANGE, EXCHANGE, 3]))
            .collect();
        assert_eq!(driver.exchanges, expected);
    }

    #[test]
    fn a_driver_that_drops_answers_is_a_named_error_not_a_panic() {
        let mut driver = InProcess::new(ReferenceSut::new(Profile::spec()));
        let requests = vec![("echo".to_string(), serde_json::json!({"data": "00"})); 2];
        struct Short<'a>(&'a mut InProcess);
        impl Driver for Short<'_> {
            fn capabilities(&self) -> &crate::driver::Capabilities {
                self.0.capabilities()
            }
            fn call_batch(&mut self, requests: &[(String, Value)]) -> Vec<Answer> {
                let mut answers = self.0.call_batch(requests);
                answers.pop();
                answers
            }
        }
        let e = timed(
            &mut Short(&mut driver),
            BatchRequests::Repeated(&requests),
            2,
            echo::OP,
            "t",
            |_| Ok(()),
        )
        .unwrap_err();
        assert!(e.to_string().contains("1 answers to 2 requests"), "{e}");
    }

    #[test]
    fn the_filler_is_deterministic_hex_of_the_length() {
        assert_eq!(filler("x", 5).len(), 10);
        assert_eq!(filler("x", 5), filler("x", 5));
        assert_ne!(filler("x", 5), filler("y", 5));
    }
}
