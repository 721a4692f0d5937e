//! Deliberate bugs, one per known class, so the conformance suite can prove it catches each
//! (`ratchet-harness sut --mutant NAME`). Compiled only with the `mutants` feature; every
//! fault is off in [`Faults::NONE`], which every profile uses unless a mutant says otherwise.

/// Switches for deliberate bugs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Faults {
    /// DECRYPT ignores the tag.
    pub mac_not_checked: bool,
    /// DECRYPT compares only the first 8 bytes of the tag.
    pub mac_prefix_only: bool,
    /// DECRYPT strips the last byte's value in padding bytes without checking them.
    pub padding_not_checked: bool,
    /// The header is left out of the authenticated data (AD only, not CONCAT(AD, header)).
    pub header_not_authenticated: bool,
    /// RatchetEncrypt does not advance the sending chain key (every message reuses a key).
    pub chain_key_not_advanced: bool,
    /// A message on a new ratchet key is decrypted on the current receiving chain.
    pub no_dh_ratchet_step: bool,
    /// The new sending chain is derived with the old ratchet private key.
    pub stale_ratchet_key: bool,
    /// PN is not set from Ns at a DH ratchet step.
    pub pn_not_recorded: bool,
    /// Skipped message keys are not stored.
    pub skipped_keys_not_stored: bool,
    /// A stored skipped key is not deleted after use (replays decrypt).
    pub skipped_keys_not_deleted: bool,
    /// A message that fails authentication still advances the receiving chain.
    pub state_kept_after_failure: bool,
    /// X3DH does not verify the signed prekey's signature.
    pub signature_not_verified: bool,
    /// X3DH leaves DH4 (the one-time prekey) out of SK.
    pub one_time_prekey_ignored: bool,
    /// Olm: the MAC covers the payload but not the version byte.
    pub mac_without_version: bool,
    /// Olm: Alice performs a DH step at init (against Bob's one-time key, as if it were a
    /// signed prekey) instead of sending on C0,0.
    pub dh_step_at_first_chain: bool,
    /// A new sending chain continues the previous chain's message numbers instead of
    /// starting again at 0.
    pub counter_not_reset: bool,
}

impl Faults {
    /// No fault: the correct implementation.
    pub const NONE: Faults = Faults {
        mac_not_checked: false,
        mac_prefix_only: false,
        padding_not_checked: false,
        header_not_authenticated: false,
        chain_key_not_advanced: false,
        no_dh_ratchet_step: false,
        stale_ratchet_key: false,
        pn_not_recorded: false,
        skipped_keys_not_stored: false,
        skipped_keys_not_deleted: false,
        state_kept_after_failure: false,
        signature_not_verified: false,
        one_time_prekey_ignored: false,
        mac_without_version: false,
        dh_step_at_first_chain: false,
        counter_not_reset: false,
    };
}
