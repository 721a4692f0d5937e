//! The receiving chains a session keeps, newest first: one under the DR spec (the current
//! chain), up to a bound under Olm, whose messages carry no PN and so leave old chains open.

use crate::primitives::{ChainKey, DhPublicKey};

/// One receiving chain: the peer's ratchet key, the chain key of the next message and its
/// number (Nr).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivingChain {
    /// The peer's ratchet public key of this chain.
    pub dh: DhPublicKey,
    /// The chain key of message `n`.
    pub ck: ChainKey,
    /// The number of the next message expected on this chain.
    pub n: u32,
}

/// Receiving chains, newest first, at most `max`.
#[derive(Debug, Clone, Default)]
pub struct ReceivingChains {
    chains: Vec<ReceivingChain>,
    max: usize,
}

impl ReceivingChains {
    /// No chain yet; at most `max` kept (at least 1; at most 64, a bound on untrusted profiles).
    pub fn new(max: usize) -> ReceivingChains {
        // Room for every chain up front: a DH ratchet step then allocates nothing.
        let max = max.clamp(1, 64);
        ReceivingChains {
            chains: Vec::with_capacity(max),
            max,
        }
    }

    /// The newest chain.
    pub fn current(&self) -> Option<&ReceivingChain> {
        self.chains.first()
    }

    /// The position of the chain of `dh`.
    pub fn position(&self, dh: &DhPublicKey) -> Option<usize> {
        self.chains.iter().position(|c| &c.dh == dh)
    }

    /// The chain at `index` (0 is the newest).
    pub fn get(&self, index: usize) -> Option<&ReceivingChain> {
        self.chains.get(index)
    }

    /// Mutable access to the chain at `index`.
    pub fn get_mut(&mut self, index: usize) -> Option<&mut ReceivingChain> {
        self.chains.get_mut(index)
    }

    /// Adds a chain as the newest; returns the oldest chain if it had to go to stay within
    /// the bound.
    pub fn push_newest(&mut self, chain: ReceivingChain) -> Option<ReceivingChain> {
        let dropped = if self.chains.len() >= self.max {
            self.chains.pop()
        } else {
            None
        };
        self.chains.insert(0, chain);
        dropped
    }

    /// Every chain, newest first.
    pub fn iter(&self) -> impl Iterator<Item = &ReceivingChain> {
        self.chains.iter()
    }

    /// The number of chains.
    pub fn len(&self) -> usize {
        self.chains.len()
    }

    /// True when no message has been received yet.
    pub fn is_empty(&self) -> bool {
        self.chains.is_empty()
    }

    /// The most chains kept.
    pub fn max(&self) -> usize {
        self.max
    }
}
