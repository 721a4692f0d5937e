//! Which receiving chains a session keeps.

use serde::Serialize;

/// The receiving-chain variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case", tag = "keep")]
pub enum ReceivingChains {
    /// DR spec section 3.5: only the current receiving chain; when the peer's ratchet key
    /// changes, the keys of the old chain up to the header's PN are stored as skipped keys
    /// and the chain is dropped. Needs PN in the header.
    #[default]
    CurrentOnly,
    /// olm.md: old receiving chains stay (there is no PN to tell how far they go); a late
    /// message on one of them advances it. At most `max` chains, the oldest dropped first.
    Newest {
        /// Most receiving chains kept.
        max: usize,
    },
}

impl ReceivingChains {
    /// For `skip_serializing_if`.
    pub fn is_default(&self) -> bool {
        *self == ReceivingChains::default()
    }

    /// The number of receiving chains kept.
    pub fn max(&self) -> usize {
        match self {
            ReceivingChains::CurrentOnly => 1,
            ReceivingChains::Newest { max } => (*max).max(1),
        }
    }
}
