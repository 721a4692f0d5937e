//! The reference SUT's stdin/stdout loop: one request line in, one response line out,
//! flushed after each; lines longer than the protocol's limit are answered with
//! `bad_request` and skipped without being held in memory.

use std::io::{BufRead, Write};

use super::reference::ReferenceSut;
use crate::protocol::{OpError, Response, MAX_LINE_BYTES};

/// Serves requests from `input` until end of input.
pub fn serve(
    sut: &mut ReferenceSut,
    input: impl BufRead,
    mut output: impl Write,
) -> std::io::Result<()> {
    let mut input = input;
    let mut line = Vec::new();
    loop {
        line.clear();
        let (complete, too_long) = read_bounded_line(&mut input, &mut line)?;
        if !complete && line.is_empty() && !too_long {
            return Ok(());
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
