//! A deterministic key source that counts what it hands out.
//!
//! The reference promises that a failed decrypt consumes no randomness (the new ratchet key
//! of a DH step is drawn only after the message authenticates). A session snapshot cannot
//! show that, so every session the checks build draws its keys through a
//! [`CountingKeySource`], and the checks compare the draw count before and after each call.
//! Clones share the stream and the counter, so a session restored from a snapshot keeps
//! drawing fresh keys (never the ones its earlier incarnation already used).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use ratchet_ref::{KeySource, Result, SeededKeySource};
use zeroize::Zeroizing;

/// A seeded key source whose clones share one stream and one draw counter.
#[derive(Clone)]
pub struct CountingKeySource {
    stream: Arc<Mutex<SeededKeySource>>,
    draws: Arc<AtomicU64>,
}

impl CountingKeySource {
    /// A source over `SeededKeySource::from_u64(seed)`.
    pub fn new(seed: u64) -> CountingKeySource {
        CountingKeySource {
            stream: Arc::new(Mutex::new(SeededKeySource::from_u64(seed))),
            draws: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Keys handed out so far, by this source and all its clones.
    pub fn draws(&self) -> u64 {
        self.draws.load(Ordering::SeqCst)
    }

    /// A boxed clone, for `Session::init_*` and `Session::restore`.
    pub fn boxed(&self) -> Box<dyn KeySource> {
        Box::new(self.clone())
    }
}

impl KeySource for CountingKeySource {
    fn next_key(&mut self) -> Result<Zeroizing<[u8; 32]>> {
        self.draws.fetch_add(1, Ordering::SeqCst);
        self.stream
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .next_key()
    }
}
