//! A SUT in a child process, spoken to over stdin/stdout JSON lines (see PROTOCOL.md).
//!
//! Reading and writing happen on their own threads so a SUT that hangs, stops reading or
//! floods stderr can never block the harness: every wait is bounded by the per-request
//! timeout. A misbehaving SUT is diagnosed by name (`exited`, `timeout`, `not_json`,
//! `wrong_id`, `line_too_long`, `bad_response`), killed, and restarted for the next test.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::driver::bounded_text::{bound, bounded, MAX_DETAIL, MAX_VALUE};
use crate::driver::interruption::Interruption;
use crate::driver::protocol::{OpError, Request, Response, MAX_LINE_BYTES, PROTOCOL_VERSION};
use crate::driver::{Answer, Capabilities, Driver, SutFailure};

/// More stderr than this is reported as a flood.
const STDERR_FLOOD: u64 = 1 << 20;

/// Keep at most this much of the SUT's stderr (the tail) for diagnoses.
const STDERR_TAIL: usize = 8 * 1024;

/// Most answer lines read ahead of the harness: with lines of at most MAX_LINE_BYTES, what
/// a SUT can make the harness hold is bounded whatever it writes, and unasked-for output
/// waits in the pipe instead of in memory.
const LINE_QUEUE: usize = 8;

/// How the SUT is started and supervised.
#[derive(Debug, Clone)]
pub struct SubprocessConfig {
    /// A shell command line (run with `sh -c`).
    pub command: String,
    /// Longest wait for any one answer.
    pub timeout: Duration,
    /// Most requests in flight at once (1 = strictly one at a time).
    pub window: usize,
    /// Most restarts after failures before giving up on the SUT.
    pub max_restarts: usize,
}

/// One read from the SUT's stdout, as [`read_lines`] delivers it.
pub enum Line {
    Text(String),
    TooLong(usize),
    Eof,
    ReadError(String),
}

struct StderrTail {
    tail: VecDeque<u8>,
    total: u64,
}

struct Process {
    child: Child,
    /// Dropped to close the SUT's stdin (the writer thread then ends and closes the pipe).
    to_stdin: Option<Sender<String>>,
    /// A duplicate of the stdin pipe's write end, polled to notice a SUT that closed its
    /// stdin; dropped with `to_stdin`.
    stdin_probe: Option<OwnedFd>,
    lines: Receiver<Line>,
    stderr: Arc<Mutex<StderrTail>>,
    /// Answer lines read so far (`hello`'s included).
    answered: u64,
}

/// What a timeout before the SUT has answered more than `hello` most often means.
const UNFLUSHED_HINT: &str = "; a SUT that answers nothing (or only hello) usually does not \
     flush stdout after each answer: stdout to a pipe is block-buffered (Python's print, C's \
     stdio, a Rust BufWriter), so flush after every line";

/// How often a wait looks at the signals, the deadline and the SUT's liveness.
const POLL: Duration = Duration::from_millis(50);

/// Longest grace period a SUT gets to exit by itself once its stdin is closed.
const MAX_GRACE: Duration = Duration::from_secs(5);

/// Why a wait for an answer line ended without one.
enum Waited {
    Timeout,
    /// The SUT's main process exited (its stdout may be held open by a descendant).
    Exited(String),
    StdinClosed,
    Interrupted(Interruption),
}

/// What became of the SUT at shutdown.
struct Shutdown {
    /// It exited within the grace period after its stdin was closed.
    exited_by_itself: bool,
}

impl Process {
    fn spawn(command: &str) -> Result<Process, SutFailure> {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(command)
            .process_group(0)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| SutFailure {
                diagnosis: "spawn_failed".into(),
                detail: format!("cannot start `sh -c {command:?}`: {e}"),
            })?;
        let stdin = child.stdin.take();
        let stdin_probe = stdin
            .as_ref()
            .and_then(|s| s.as_fd().try_clone_to_owned().ok());
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let (to_stdin, stdin_rx) = mpsc::channel::<String>();
        if let Some(stdin) = stdin {
            thread::spawn(move || write_lines(stdin, stdin_rx));
        }
        let (line_tx, lines) = mpsc::sync_channel(LINE_QUEUE);
        if let Some(stdout) = stdout {
            thread::spawn(move || read_lines(stdout, |line| line_tx.send(line).is_ok()));
        }
        let tail = Arc::new(Mutex::new(StderrTail {
            tail: VecDeque::new(),
            total: 0,
        }));
        if let Some(mut stderr) = stderr {
            let tail = Arc::clone(&tail);
            thread::spawn(move || {
                let mut buffer = [0u8; 4096];
                while let Ok(n) = stderr.read(&mut buffer) {
                    if n == 0 {
                        break;
                    }
                    if let Ok(mut t) = tail.lock() {
                        t.total += n as u64;
                        t.tail.extend(&buffer[..n]);
                        let excess = t.tail.len().saturating_sub(STDERR_TAIL);
                        t.tail.drain(..excess);
                    }
                }
            });
        }
        Ok(Process {
            child,
            to_stdin: Some(to_stdin),
            stdin_probe,
            answered: 0,
            lines,
            stderr: tail,
        })
    }

    /// Bytes the SUT has written to stderr so far.
    fn stderr_total(&self) -> u64 {
        self.stderr.lock().map(|t| t.total).unwrap_or(0)
    }

    fn stderr_summary(&self) -> String {
        let Ok(t) = self.stderr.lock() else {
            return String::new();
        };
        if t.total == 0 {
            return String::new();
        }
        let text: Vec<u8> = t.tail.iter().copied().collect();
        let text = String::from_utf8_lossy(&text);
        let last: Vec<&str> = text.lines().rev().take(3).collect();
        let last: Vec<&str> = last.into_iter().rev().collect();
        let flood = if t.total > (1 << 20) {
            format!(" (stderr flood: {} bytes written)", t.total)
        } else {
            String::new()
        };
        format!("; stderr{flood}: {}", last.join(" | "))
    }

    /// Kills the SUT's whole process group (a shell's children too), then reaps it.
    fn kill(&mut self) {
        self.signal_group(libc::SIGKILL);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn signal_group(&self, signal: libc::c_int) {
        if let Ok(pid) = i32::try_from(self.child.id()) {
            // SAFETY: kill(2) on our own child's process group; no memory is involved.
            unsafe {
                libc::kill(-pid, signal);
            }
        }
    }

    /// Waits up to `limit` for the main process to exit.
    fn exited_within(&mut self, limit: Duration) -> bool {
        let until = Instant::now() + limit;
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) => return true,
                Ok(None) if Instant::now() < until => thread::sleep(Duration::from_millis(10)),
                _ => return false,
            }
        }
    }

    /// Ends the SUT. Normally its stdin is closed and it gets `grace` to exit by itself, as
    /// PROTOCOL.md promises; when the run was interrupted its group gets SIGTERM and a
    /// moment instead. Then the whole process group is killed either way (members the main
    /// process left behind included) and the main process reaped.
    fn shut_down(mut self, grace: Duration, interrupted: bool) -> Shutdown {
        self.to_stdin = None;
        self.stdin_probe = None;
        let exited_by_itself = if interrupted {
            self.signal_group(libc::SIGTERM);
            self.exited_within(Duration::from_millis(500))
        } else {
            self.exited_within(grace)
        };
        self.kill();
        Shutdown { exited_by_itself }
    }

    /// True when nothing reads the SUT's stdin any more: it closed it (or exited).
    fn stdin_closed(&self) -> bool {
        let Some(probe) = &self.stdin_probe else {
            return false;
        };
        let mut poll = libc::pollfd {
            fd: probe.as_raw_fd(),
            events: libc::POLLOUT,
            revents: 0,
        };
        // SAFETY: poll(2) on one valid descriptor we own, with a zero timeout.
        let ready = unsafe { libc::poll(&mut poll, 1, 0) };
        ready > 0 && poll.revents & libc::POLLERR != 0
    }

    /// The next answer line, waiting at most `timeout`, and less when the run is
    /// interrupted or the SUT exits or closes its stdin (diagnosed at once, not after the
    /// full timeout).
    fn next_line(&mut self, timeout: Duration) -> Result<Line, Waited> {
        let start = Instant::now();
        loop {
            let left = timeout.saturating_sub(start.elapsed());
            match self.lines.recv_timeout(left.min(POLL)) {
                Ok(line) => return Ok(line),
                Err(RecvTimeoutError::Disconnected) => return Ok(Line::Eof),
                Err(RecvTimeoutError::Timeout) => {}
            }
            if let Some(why) = crate::driver::interruption::check() {
                return Err(Waited::Interrupted(why));
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                // An answer written just before exiting may still be on its way.
                return match self.lines.recv_timeout(POLL) {
                    Ok(line) => Ok(line),
                    Err(_) => Err(Waited::Exited(status.to_string())),
                };
            }
            if self.stdin_closed() {
                // A SUT that is exiting closes stdin first: tell the two apart.
                if self.exited_within(POLL) {
                    if let Ok(Some(status)) = self.child.try_wait() {
                        return Err(Waited::Exited(status.to_string()));
                    }
                }
                return Err(Waited::StdinClosed);
            }
            if start.elapsed() >= timeout {
                return Err(Waited::Timeout);
            }
        }
    }

    fn exit_status(&mut self) -> String {
        // Give a dying process a moment to be reaped.
        let deadline = Instant::now() + Duration::from_millis(500);
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return status.to_string(),
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
                _ => return "still running".into(),
            }
        }
    }
}

fn write_lines(mut stdin: ChildStdin, lines: Receiver<String>) {
    for line in lines {
        if stdin.write_all(line.as_bytes()).is_err()
            || stdin.write_all(b"\n").is_err()
            || stdin.flush().is_err()
        {
            return;
        }
    }
}

/// What one answer line means for the request `expected`: its outcome (an error cut to the
/// documented bounds), or a diagnosis (`wrong_id`, `bad_response`, `not_json`) whose detail
/// is bounded too. Public for the `sut_output` fuzz target.
pub fn judge_line(text: &str, expected: u64) -> Answer {
    match Response::parse(text) {
        Ok(response) if response.id == Some(expected) => {
            Ok(response.outcome.map_err(OpError::bounded))
        }
        Ok(response) => Err(SutFailure {
            diagnosis: "wrong_id".into(),
            detail: format!(
                "expected the answer to request {expected}, got id {}",
                response
                    .id
                    .map(|i| i.to_string())
                    .unwrap_or_else(|| "null".into())
            ),
        }),
        Err(problem) => Err(SutFailure {
            diagnosis: if serde_json::from_str::<Value>(text).is_ok() {
                "bad_response"
            } else {
                "not_json"
            }
            .into(),
            detail: format!(
                "{}; line: {}",
                bounded(&problem, MAX_DETAIL / 2),
                bounded(text, MAX_VALUE)
            ),
        }),
    }
}

/// Splits the SUT's stdout into lines of at most MAX_LINE_BYTES and hands each to
/// `deliver` until it returns false; an over-long line is reported as soon as it passes the
/// limit and its rest discarded without being stored. Public for the `sut_output` fuzz
/// target.
pub fn read_lines(stdout: impl Read, mut deliver: impl FnMut(Line) -> bool) {
    let mut reader = BufReader::with_capacity(64 * 1024, stdout);
    let mut line: Vec<u8> = Vec::new();
    // Bytes of an over-long line thrown away so far; it is reported once, as soon as it
    // passes the limit, so an endless line is diagnosed without waiting for its end.
    let mut discarding: Option<usize> = None;
    loop {
        let buffer = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) => {
                deliver(Line::ReadError(e.to_string()));
                return;
            }
        };
        if buffer.is_empty() {
            deliver(Line::Eof);
            return;
        }
        let newline = buffer.iter().position(|&b| b == b'\n');
        let chunk = &buffer[..newline.unwrap_or(buffer.len())];
        match discarding.as_mut() {
            Some(n) => *n += chunk.len(),
            None if line.len() + chunk.len() > MAX_LINE_BYTES => {
                let n = line.len() + chunk.len();
                line.clear();
                discarding = Some(n);
                if !deliver(Line::TooLong(n)) {
                    return;
                }
            }
            None => line.extend_from_slice(chunk),
        }
        let used = newline.map(|at| at + 1).unwrap_or(buffer.len());
        reader.consume(used);
        if newline.is_some() && discarding.take().is_none() {
            let text = String::from_utf8_lossy(&line).into_owned();
            line.clear();
            if !deliver(Line::Text(text)) {
                return;
            }
        }
    }
}

/// A SUT process with restart, pipelining and timeouts.
pub struct SubprocessDriver {
    config: SubprocessConfig,
    process: Option<Process>,
    capabilities: Capabilities,
    next_id: u64,
    restarts: usize,
    flood_reported: bool,
    /// Every misbehaviour seen, in order, for the report.
    pub incidents: Vec<SutFailure>,
}

impl SubprocessDriver {
    /// Starts the SUT and negotiates capabilities with `hello`.
    pub fn start(config: SubprocessConfig) -> Result<SubprocessDriver, SutFailure> {
        let mut driver = SubprocessDriver {
            config,
            process: None,
            capabilities: Capabilities::unknown(),
            next_id: 1,
            restarts: 0,
            flood_reported: false,
            incidents: Vec::new(),
        };
        driver.capabilities = driver.launch()?;
        Ok(driver)
    }

    /// Spawns the process and runs `hello`.
    fn launch(&mut self) -> Result<Capabilities, SutFailure> {
        let process = Process::spawn(&self.config.command)?;
        self.process = Some(process);
        let id = self.take_id();
        let request = Request::new(
            id,
            "hello",
            serde_json::json!({"protocolVersion": PROTOCOL_VERSION}),
        );
        let answer = self.exchange(&[request]).pop().unwrap_or_else(|| {
            Err(SutFailure {
                diagnosis: "no_answer".into(),
                detail: "hello got no answer".into(),
            })
        });
        let body = match answer {
            Ok(Ok(body)) => body,
            Ok(Err(error)) => {
                return Err(self.fail(SutFailure {
                    diagnosis: "hello_refused".into(),
                    detail: format!(
                        "hello answered with error {}: {}",
                        bounded(&error.kind, crate::driver::bounded_text::MAX_ERROR_KIND),
                        bounded(
                            &error.message,
                            crate::driver::bounded_text::MAX_ERROR_MESSAGE
                        )
                    ),
                }))
            }
            Err(failure) => {
                return Err(SutFailure {
                    diagnosis: failure.diagnosis,
                    detail: format!("while waiting for the answer to hello: {}", failure.detail),
                })
            }
        };
        if let Some(version) = body.get("protocolVersion").and_then(Value::as_u64) {
            if version != u64::from(PROTOCOL_VERSION) {
                return Err(self.fail(SutFailure {
                    diagnosis: "protocol_version".into(),
                    detail: format!("the SUT speaks protocol version {version}, this harness {PROTOCOL_VERSION}"),
                }));
            }
        }
        Capabilities::from_hello(&body).map_err(|detail| {
            self.fail(SutFailure {
                diagnosis: "bad_hello".into(),
                detail,
            })
        })
    }

    fn take_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Records a failure and kills the process.
    fn fail(&mut self, mut failure: SutFailure) -> SutFailure {
        bound(&mut failure.detail, MAX_DETAIL);
        if let Some(mut process) = self.process.take() {
            process.kill();
        }
        self.incidents.push(failure.clone());
        failure
    }

    /// Sends requests with at most `window` in flight and collects one answer each.
    fn exchange(&mut self, requests: &[Request]) -> Vec<Answer> {
        let mut answers: Vec<Answer> = Vec::with_capacity(requests.len());
        let Some(process) = self.process.as_mut() else {
            return requests.iter().map(|_| Err(not_running())).collect();
        };
        let window = self.config.window.max(1);
        let mut sent = 0;
        let mut failure: Option<SutFailure> = None;
        while answers.len() < requests.len() {
            while sent < requests.len() && sent - answers.len() < window {
                let Some(to_stdin) = &process.to_stdin else {
                    break;
                };
                if to_stdin.send(requests[sent].to_line()).is_err() {
                    break;
                }
                sent += 1;
            }
            let expected = requests[answers.len()].id;
            let outcome = match process.next_line(self.config.timeout) {
                Ok(Line::Text(text)) => {
                    process.answered += 1;
                    judge_line(&text, expected)
                }
                Ok(Line::TooLong(n)) => Err(SutFailure {
                    diagnosis: "line_too_long".into(),
                    detail: format!(
                        "an answer line passed {MAX_LINE_BYTES} bytes ({n} read without a newline)"
                    ),
                }),
                Ok(Line::Eof) => {
                    let status = process.exit_status();
                    Err(SutFailure {
                        diagnosis: "exited".into(),
                        detail: format!("the SUT closed its stdout ({status}) before answering request {expected}{}", process.stderr_summary()),
                    })
                }
                Ok(Line::ReadError(e)) => Err(SutFailure {
                    diagnosis: "read_error".into(),
                    detail: e,
                }),
                Err(Waited::Exited(status)) => Err(SutFailure {
                    diagnosis: "exited".into(),
                    detail: format!(
                        "the SUT exited ({status}) before answering request {expected} (its stdout may be held open by a process it started){}",
                        process.stderr_summary()
                    ),
                }),
                Err(Waited::StdinClosed) => Err(SutFailure {
                    diagnosis: "stdin_closed".into(),
                    detail: format!(
                        "the SUT closed its stdin before answering request {expected}: it can receive no more requests{}",
                        process.stderr_summary()
                    ),
                }),
                Err(Waited::Interrupted(why)) => Err(SutFailure {
                    diagnosis: INTERRUPTED.into(),
                    detail: format!("{why} while waiting for the answer to request {expected}"),
                }),
                Err(Waited::Timeout) => Err(SutFailure {
                    diagnosis: "timeout".into(),
                    detail: format!(
                        "no answer to request {expected} ({}) within {:.1} s{}{}",
                        requests[answers.len()].op,
                        self.config.timeout.as_secs_f64(),
                        if process.answered <= 1 { UNFLUSHED_HINT } else { "" },
                        process.stderr_summary()
                    ),
                }),
            };
            match outcome {
                Ok(outcome) => answers.push(Ok(outcome)),
                Err(f) => {
                    failure = Some(f);
                    break;
                }
            }
        }
        let flood = process.stderr_total();
        if flood > STDERR_FLOOD && !self.flood_reported {
            self.flood_reported = true;
            self.incidents.push(SutFailure {
                diagnosis: "stderr_flood".into(),
                detail: format!("the SUT wrote {flood} bytes to stderr (drained and discarded; only the tail is kept)"),
            });
        }
        if let Some(f) = failure {
            // An interruption is not the SUT's fault: no incident; shutdown stops it.
            let f = if f.diagnosis == INTERRUPTED {
                f
            } else {
                self.fail(f)
            };
            while answers.len() < requests.len() {
                answers.push(Err(f.clone()));
            }
        }
        answers
    }

    /// The SUT's capabilities after a successful `hello`.
    pub fn hello(&self) -> &Capabilities {
        &self.capabilities
    }
}

fn not_running() -> SutFailure {
    SutFailure {
        diagnosis: "not_running".into(),
        detail: "the SUT is not running and could not be restarted".into(),
    }
}

impl Driver for SubprocessDriver {
    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    fn call_batch(&mut self, requests: &[(String, Value)]) -> Vec<Answer> {
        if let Some(why) = crate::driver::interruption::check() {
            let f = SutFailure {
                diagnosis: INTERRUPTED.into(),
                detail: why.to_string(),
            };
            return requests.iter().map(|_| Err(f.clone())).collect();
        }
        if self.process.is_none() {
            if self.restarts >= self.config.max_restarts {
                return requests
                    .iter()
                    .map(|_| {
                        Err(SutFailure {
                            diagnosis: "gave_up".into(),
                            detail: format!(
                                "the SUT failed {} times; not restarted again",
                                self.restarts + 1
                            ),
                        })
                    })
                    .collect();
            }
            self.restarts += 1;
            match self.launch() {
                Ok(capabilities) => self.capabilities = capabilities,
                Err(f) => return requests.iter().map(|_| Err(f.clone())).collect(),
            }
        }
        let requests: Vec<Request> = requests
            .iter()
            .map(|(op, args)| {
                let id = self.take_id();
                Request::new(id, op, args.clone())
            })
            .collect();
        self.exchange(&requests)
    }
}

impl SubprocessDriver {
    /// Ends the run's SUT: closes its stdin, gives it a grace period (the timeout, at most
    /// 5 s) to exit by itself, kills its process group, and stops descendants that left the
    /// group where the platform allows (see [`crate::driver::signals::stop_orphans`]). What it had
    /// to do is recorded in [`SubprocessDriver::incidents`].
    pub fn shutdown(&mut self) {
        let interrupted = crate::driver::interruption::check().is_some();
        let grace = self.config.timeout.min(MAX_GRACE);
        if let Some(process) = self.process.take() {
            let outcome = process.shut_down(grace, interrupted);
            if !outcome.exited_by_itself && !interrupted {
                self.incidents.push(SutFailure {
                    diagnosis: "did_not_exit".into(),
                    detail: format!(
                        "the SUT did not exit within {:.1} s of its stdin closing (PROTOCOL.md: the SUT exits when stdin closes); its process group was killed",
                        grace.as_secs_f64()
                    ),
                });
            }
        }
        if let Some(stopped) = crate::driver::signals::stop_orphans(&[]) {
            if stopped > 0 {
                self.incidents.push(SutFailure {
                    diagnosis: "escaped_descendants".into(),
                    detail: format!(
                        "{stopped} process(es) started by the SUT had left its process group and outlived it; they were stopped"
                    ),
                });
            }
        }
    }
}

/// The diagnosis of a request cut short by a signal or the deadline (not the SUT's fault).
pub const INTERRUPTED: &str = "interrupted";

impl Drop for SubprocessDriver {
    fn drop(&mut self) {
        if let Some(mut process) = self.process.take() {
            process.kill();
        }
    }
}
