//! Limits on skipped message keys (DR spec sections 3.5 and 6.4) and how stored keys are
//! bounded.

use serde::Serialize;

/// Where the cap on stored skipped keys applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum StoredKeysScope {
    /// One store for the whole session (DR spec; libolm).
    #[default]
    Session,
    /// A store per receiving chain, dropped with its chain (vodozemac).
    ReceivingChain,
}

impl StoredKeysScope {
    /// For `skip_serializing_if`.
    pub fn is_default(&self) -> bool {
        *self == StoredKeysScope::default()
    }
}

/// Limits on skipped message keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SkipLimits {
    /// Most message keys skipped in one chain by one message (MAX_SKIP; Olm's message gap):
    /// exactly `max_skip` is accepted, one more is `too_many_skipped`.
    pub max_skip: u32,
    /// Most skipped keys stored (in the session, or in each receiving chain); beyond it the
    /// oldest stored key is evicted.
    pub max_stored_keys: usize,
    /// The eviction order.
    pub eviction: &'static str,
    /// Where `max_stored_keys` applies.
    #[serde(skip_serializing_if = "StoredKeysScope::is_default")]
    pub stored_keys_per: StoredKeysScope,
}
