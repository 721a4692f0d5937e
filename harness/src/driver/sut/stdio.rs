//! The reference SUT's stdin/stdout loop: one request line in, one response line out,
//! flushed after each; lines longer than the protocol's limit are answered with
//! `bad_request` and skipped without being held in memory.

use std::io::{BufRead, Write};

use super::reference::ReferenceSut;
use crate::driver::protocol::{OpError, Response, MAX_LINE_BYTES};

/// Deliberate misbehaviour of the reference SUT, for testing the harness's diagnoses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chaos {
    /// Exit with status 3 instead of answering.
    Exit,
    /// Stop answering (sleep for an hour).
    Hang,
    /// Answer with a line that is not JSON.
    Garbage,
    /// Answer with the wrong id.
    WrongId,
    /// Write an endless line.
    EndlessLine,
    /// Write 64 MiB to stderr, then answer normally.
    StderrFlood,
    /// Print a long non-ASCII log line to stdout (where only responses belong), then answer.
    LogLine,
    /// Answer every request with an error whose message is about 900 KB of non-ASCII text
    /// (just under the 1 MiB line limit).
    HugeError,
}

/// The message of [`Chaos::HugeError`]: starts with one ASCII byte so that no fixed byte
/// offset is a character boundary by luck.
fn huge_message() -> String {
    let mut text = String::from("x");
    while text.len() < 900_000 {
        text.push_str("é€😀");
    }
    text
}

impl Chaos {
    /// Parses `MODE` or `MODE@N` (misbehave from the N-th request on, counting from 1;
    /// default 2, so `hello` is answered).
    pub fn parse(text: &str) -> Option<(Chaos, u64)> {
        let (mode, at) = match text.split_once('@') {
            Some((m, n)) => (m, n.parse().ok()?),
            None => (text, 2),
        };
        let chaos = match mode {
            "exit" => Chaos::Exit,
            "hang" => Chaos::Hang,
            "garbage" => Chaos::Garbage,
            "wrong-id" => Chaos::WrongId,
            "endless-line" => Chaos::EndlessLine,
            "stderr-flood" => Chaos::StderrFlood,
            "log-line" => Chaos::LogLine,
            "huge-error" => Chaos::HugeError,
            _ => return None,
        };
        Some((chaos, at))
    }
}

/// Serves requests from `input` until end of input.
pub fn serve(
    sut: &mut ReferenceSut,
    input: impl BufRead,
    output: impl Write,
) -> std::io::Result<()> {
    serve_with_chaos(sut, input, output, None)
}

/// [`serve`], misbehaving as `chaos` says from the given request on.
pub fn serve_with_chaos(
    sut: &mut ReferenceSut,
    input: impl BufRead,
    mut output: impl Write,
    chaos: Option<(Chaos, u64)>,
) -> std::io::Result<()> {
    let mut input = input;
    let mut line = Vec::new();
    let mut count = 0u64;
    loop {
        line.clear();
        let (complete, too_long) = read_bounded_line(&mut input, &mut line)?;
        if !complete && line.is_empty() && !too_long {
            return Ok(());
        }
        count += 1;
        if let Some((mode, at)) = chaos {
            if count >= at {
                match mode {
                    Chaos::Exit => std::process::exit(3),
                    Chaos::Hang => std::thread::sleep(std::time::Duration::from_secs(3600)),
                    Chaos::Garbage => {
                        output.write_all(b"this is not json\n")?;
                        output.flush()?;
                        continue;
                    }
                    Chaos::WrongId => {
                        output.write_all(b"{\"id\":987654,\"ok\":{}}\n")?;
                        output.flush()?;
                        continue;
                    }
                    Chaos::EndlessLine => loop {
                        output.write_all(&[b'x'; 65536])?;
                    },
                    Chaos::StderrFlood if count == at => {
                        let chunk = vec![b'e'; 1 << 20];
                        let mut stderr = std::io::stderr();
                        for _ in 0..64 {
                            stderr.write_all(&chunk)?;
                        }
                    }
                    Chaos::StderrFlood => {}
                    Chaos::LogLine => {
                        let line = format!("log: {}\n", "é".repeat(150));
                        output.write_all(line.as_bytes())?;
                    }
                    Chaos::HugeError => {
                        let id = serde_json::from_slice::<serde_json::Value>(&line)
                            .ok()
                            .and_then(|v| v.get("id").and_then(serde_json::Value::as_u64));
                        let error = OpError::new("auth_failed", huge_message());
                        output.write_all(Response::line(id, &Err(error)).as_bytes())?;
                        output.write_all(b"\n")?;
                        output.flush()?;
                        continue;
                    }
                }
            }
        }
        let response = if too_long {
            Response::line(
                None,
                &Err(OpError::bad_request(format!(
                    "request line longer than {MAX_LINE_BYTES} bytes"
                ))),
            )
        } else {
            match std::str::from_utf8(&line) {
                Ok(text) if text.trim().is_empty() => continue,
                Ok(text) => sut.handle_line(text.trim_end_matches(['\r', '\n'])),
                Err(_) => Response::line(None, &Err(OpError::bad_request("request is not UTF-8"))),
            }
        };
        output.write_all(response.as_bytes())?;
        output.write_all(b"\n")?;
        output.flush()?;
        if !complete {
            return Ok(());
        }
    }
}

/// Reads one line into `line`, keeping at most MAX_LINE_BYTES. Returns (ended with a
/// newline, was longer than the limit).
fn read_bounded_line(
    input: &mut impl BufRead,
    line: &mut Vec<u8>,
) -> std::io::Result<(bool, bool)> {
    let mut too_long = false;
    loop {
        let buffer = input.fill_buf()?;
        if buffer.is_empty() {
            return Ok((false, too_long));
        }
        let (chunk, found) = match buffer.iter().position(|&b| b == b'\n') {
            Some(at) => (&buffer[..=at], true),
            None => (buffer, false),
        };
        let used = chunk.len();
        if !too_long {
            if line.len() + used > MAX_LINE_BYTES + 1 {
                too_long = true;
                line.clear();
            } else {
                line.extend_from_slice(chunk);
            }
        }
        input.consume(used);
        if found {
            return Ok((true, too_long));
        }
    }
}
