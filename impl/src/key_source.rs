//! Where key material comes from. Every private key the reference generates (ratchet keys,
//! ephemeral keys, prekeys, identity seeds) is 32 bytes drawn from a [`KeySource`], so vectors
//! can record and replay all injected randomness.

use std::collections::VecDeque;

use getrandom::SysRng;
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng, UnwrapErr};
use zeroize::Zeroizing;

use crate::error::{Error, ErrorKind, Result};

/// A supply of 32-byte private keys.
pub trait KeySource: Send {
    /// The next private key.
    fn next_key(&mut self) -> Result<Zeroizing<[u8; 32]>>;
}

/// The operating system's CSPRNG: the default for real sessions.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsKeySource;

impl KeySource for OsKeySource {
    fn next_key(&mut self) -> Result<Zeroizing<[u8; 32]>> {
        let mut key = Zeroizing::new([0u8; 32]);
        // Panics if the OS cannot supply randomness, as rand_core's former OsRng did.
        UnwrapErr(SysRng).fill_bytes(key.as_mut());
        Ok(key)
    }
}

/// ChaCha20 seeded from a fixed value: reproducible keys for vectors and tests.
pub struct SeededKeySource {
    rng: ChaCha20Rng,
}

impl SeededKeySource {
    /// A source whose stream is fully determined by `seed`.
    pub fn new(seed: [u8; 32]) -> SeededKeySource {
        SeededKeySource {
            rng: ChaCha20Rng::from_seed(seed),
        }
    }

    /// Convenience: the seed is `seed` little-endian in the first 8 bytes, zeros after.
    pub fn from_u64(seed: u64) -> SeededKeySource {
        SeededKeySource {
            rng: ChaCha20Rng::seed_from_u64(seed),
        }
    }
}

impl std::fmt::Debug for SeededKeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SeededKeySource([redacted])")
    }
}

impl KeySource for SeededKeySource {
    fn next_key(&mut self) -> Result<Zeroizing<[u8; 32]>> {
        let mut key = Zeroizing::new([0u8; 32]);
        self.rng.fill_bytes(key.as_mut());
        Ok(key)
    }
}

/// An explicit queue of keys, consumed in order: replays a recorded transcript exactly.
/// Running dry is an error (`key_source_exhausted`), never a silent fallback to randomness.
#[derive(Default)]
pub struct QueuedKeySource {
    keys: VecDeque<Zeroizing<[u8; 32]>>,
}

impl QueuedKeySource {
    /// An empty queue.
    pub fn new() -> QueuedKeySource {
        QueuedKeySource::default()
    }

    /// Appends a key to be handed out after those already queued.
    pub fn push(&mut self, key: [u8; 32]) {
        self.keys.push_back(Zeroizing::new(key));
    }

    /// How many keys are left.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when no key is left.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

impl std::fmt::Debug for QueuedKeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "QueuedKeySource({} keys, [redacted])", self.keys.len())
    }
}

impl KeySource for QueuedKeySource {
    fn next_key(&mut self) -> Result<Zeroizing<[u8; 32]>> {
        self.keys.pop_front().ok_or_else(|| {
            Error::new(
                ErrorKind::KeySourceExhausted,
                "the injected key queue is empty; inject the next key before this operation",
            )
        })
    }
}
