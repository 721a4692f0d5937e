//! What a message's PN (previous counter) says about the sender's previous sending chain.

use serde::Serialize;

/// The meaning of PN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PreviousCounter {
    /// DR spec section 3.5: PN = Ns of the previous chain, the number of messages sent on it.
    #[default]
    ChainLength,
    /// libsignal: PN = the index of the last message sent on the previous chain (Ns − 1,
    /// and 0 for a chain with no message). libsignal's receivers ignore it.
    LastIndex,
}

impl PreviousCounter {
    /// For `skip_serializing_if`.
    pub fn is_default(&self) -> bool {
        *self == PreviousCounter::default()
    }

    /// PN for a previous chain on which `ns` messages were sent.
    pub fn from_ns(self, ns: u32) -> u32 {
        match self {
            PreviousCounter::ChainLength => ns,
            PreviousCounter::LastIndex => ns.saturating_sub(1),
        }
    }
}
