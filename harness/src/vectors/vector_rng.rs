//! The generator's deterministic randomness: ChaCha20 from a per-kind seed, so every kind
//! is generated independently (and in parallel) with byte-identical output.

use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use ratchet_ref::KeySource;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// The seed of the whole vector set; each kind's seed is SHA-256(master ‖ kind name).
pub const MASTER_SEED_LABEL: &str = "ratchet-conformance vectors v1";

/// The seed for one kind.
pub fn kind_seed(kind: &str) -> [u8; 32] {
    let master = Sha256::digest(MASTER_SEED_LABEL.as_bytes());
    let mut hasher = Sha256::new();
    hasher.update(master);
    hasher.update(kind.as_bytes());
    hasher.finalize().into()
}

/// Deterministic bytes, keys and choices for a generator.
pub struct VectorRng {
    rng: ChaCha20Rng,
}

impl VectorRng {
    pub fn new(seed: [u8; 32]) -> VectorRng {
        VectorRng {
            rng: ChaCha20Rng::from_seed(seed),
        }
    }

    /// 32 random bytes (a private key, a chain key, ...).
    pub fn key(&mut self) -> [u8; 32] {
        let mut key = [0u8; 32];
        self.rng.fill_bytes(&mut key);
        key
    }

    /// `len` random bytes.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        let mut out = vec![0u8; len];
        self.rng.fill_bytes(&mut out);
        out
    }

    /// A uniform-enough choice in 0..n (n > 0); the bias of a 64-bit modulus is irrelevant
    /// for picking test shapes.
    pub fn below(&mut self, n: usize) -> usize {
        (self.rng.next_u64() % n as u64) as usize
    }
}

impl KeySource for VectorRng {
    fn next_key(&mut self) -> ratchet_ref::Result<Zeroizing<[u8; 32]>> {
        Ok(Zeroizing::new(self.key()))
    }
}
