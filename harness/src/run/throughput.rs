//! Protocol throughput: how many requests per second a SUT answers at a pipelining window.
//! A benchmark for people (the README's figures), never a timed test.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::driver::hex_bytes::Hex;
use crate::driver::subprocess::{SubprocessConfig, SubprocessDriver};
use crate::driver::Driver;

/// Sends `requests` KDF_CK requests in batches of 1,000 and returns requests per second.
pub fn measure(command: &str, window: usize, requests: usize) -> Result<f64, String> {
    let mut driver = SubprocessDriver::start(SubprocessConfig {
        command: command.to_string(),
        timeout: Duration::from_secs(30),
        window,
        max_restarts: 0,
    })
    .map_err(|f| format!("{}: {}", f.diagnosis, f.detail))?;
    let batch: Vec<(String, serde_json::Value)> = (0..1000u32)
        .map(|i| {
            let mut ck = [0u8; 32];
            ck[..4].copy_from_slice(&i.to_be_bytes());
            ("kdf_ck".to_string(), json!({ "ck": Hex::from(ck) }))
        })
        .collect();
    let start = Instant::now();
    let mut done = 0;
    while done < requests {
        let n = (requests - done).min(batch.len());
        for answer in driver.call_batch(&batch[..n]) {
            match answer {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => return Err(format!("kdf_ck failed: {} {}", e.kind, e.message)),
                Err(f) => return Err(format!("{}: {}", f.diagnosis, f.detail)),
            }
        }
        done += n;
    }
    Ok(done as f64 / start.elapsed().as_secs_f64())
}
