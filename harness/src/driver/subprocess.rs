//! A SUT in a child process, spoken to over stdin/stdout JSON lines (see PROTOCOL.md).
//!
//! Reading and writing happen on their own threads so a SUT that hangs, stops reading or
//! floods stderr can never block the harness: every wait is bounded by the per-request
//! timeout. A misbehaving SUT is diagnosed by name (`exited`, `timeout`, `not_json`,
//! `wrong_id`, `line_too_long`, `bad_response`), killed, and restarted for the next test.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::driver::protocol::{Request, Response, MAX_LINE_BYTES, PROTOCOL_VERSION};
use crate::driver::{Answer, Capabilities, Driver, SutFailure};

/// More stderr than this is reported as a flood.
const STDERR_FLOOD: u64 = 1 << 20;

/// Keep at most this much of the SUT's stderr (the tail) for diagnoses.
const STDERR_TAIL: usize = 8 * 1024;

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

enum Line {
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
    to_stdin: Sender<String>,
    lines: Receiver<Line>,
    stderr: Arc<Mutex<StderrTail>>,
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
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let (to_stdin, stdin_rx) = mpsc::channel::<String>();
        if let Some(stdin) = stdin {
            thread::spawn(move || write_lines(stdin, stdin_rx));
        }
        let (line_tx, lines) = mpsc::channel();
        if let Some(stdout) = stdout {
            thread::spawn(move || read_lines(stdout, line_tx));
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
            to_stdin,
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
        if let Ok(pid) = i32::try_from(self.child.id()) {
            // SAFETY: kill(2) on our own child's process group; no memory is involved.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
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

fn read_lines(stdout: impl Read, lines: Sender<Line>) {
    let mut reader = BufReader::with_capacity(64 * 1024, stdout);
    let mut line: Vec<u8> = Vec::new();
    // Bytes of an over-long line thrown away so far; it is reported once, as soon as it
    // passes the limit, so an endless line is diagnosed without waiting for its end.
    let mut discarding: Option<usize> = None;
    loop {
        let buffer = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) => {
                let _ = lines.send(Line::ReadError(e.to_string()));
                return;
            }
        };
        if buffer.is_empty() {
            let _ = lines.send(Line::Eof);
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
                if lines.send(Line::TooLong(n)).is_err() {
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
            if lines.send(Line::Text(text)).is_err() {
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
            capabilities: Capabilities::from_hello(
                &serde_json::json!({"name": "?", "ops": [], "profiles": []}),
            )
            .unwrap_or_else(|_| unreachable!("a literal hello parses")),
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
                        error.kind, error.message
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
    fn fail(&mut self, failure: SutFailure) -> SutFailure {
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
                if process.to_stdin.send(requests[sent].to_line()).is_err() {
                    break;
                }
                sent += 1;
            }
            let expected = requests[answers.len()].id;
            let outcome = match process.lines.recv_timeout(self.config.timeout) {
                Ok(Line::Text(text)) => match Response::parse(&text) {
                    Ok(response) if response.id == Some(expected) => Ok(response.outcome),
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
                        diagnosis: if serde_json::from_str::<Value>(&text).is_ok() {
                            "bad_response"
                        } else {
                            "not_json"
                        }
                        .into(),
                        detail: format!(
                            "{problem}; line: {}",
                            crate::driver::shorten(&Value::from(
                                text.chars().take(200).collect::<String>()
                            ))
                        ),
                    }),
                },
                Ok(Line::TooLong(n)) => Err(SutFailure {
                    diagnosis: "line_too_long".into(),
                    detail: format!(
                        "an answer line passed {MAX_LINE_BYTES} bytes ({n} read without a newline)"
                    ),
                }),
                Ok(Line::Eof) | Err(RecvTimeoutError::Disconnected) => {
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
                Err(RecvTimeoutError::Timeout) => Err(SutFailure {
                    diagnosis: "timeout".into(),
                    detail: format!(
                        "no answer to request {expected} ({}) within {:.1} s{}",
                        requests[answers.len()].op,
                        self.config.timeout.as_secs_f64(),
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
            let f = self.fail(f);
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

impl Drop for SubprocessDriver {
    fn drop(&mut self) {
        if let Some(mut process) = self.process.take() {
            drop(process.to_stdin.clone());
            process.kill();
        }
    }
}
