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
    /// X3DH verifies the signed prekey with plain RFC 8032 (small-order keys and R let through).
    pub signature_verified_laxly: bool,
    /// KDF_RK uses the DH output as HKDF salt and the root key as input key material.
    pub kdf_rk_salt_and_input_swapped: bool,
    /// KDF_RK takes the chain key from the first 32 bytes of the output and the root key from the last.
    pub kdf_rk_outputs_swapped: bool,
    /// ENCRYPT uses the HMAC key for AES and the AES key for HMAC.
    pub message_keys_swapped: bool,
    /// AES-CBC uses an all-zero IV instead of the derived one.
    pub zero_iv: bool,
    /// A truncated MAC is the last bytes of the HMAC instead of the first.
    pub mac_from_tail: bool,
    /// PKCS#7 adds no block to a plaintext that is already a whole number of blocks.
    pub full_padding_block_omitted: bool,
    /// The associated data is left out of the MAC (the header alone is authenticated).
    pub ad_not_authenticated: bool,
    /// MAX_SKIP + 1 keys may be skipped in one chain.
    pub max_skip_off_by_one: bool,
    /// A new receiving chain starts at the previous chain's message number instead of 0.
    pub nr_not_reset: bool,
    /// PN is the index of the last message of the previous chain (Ns - 1), not their count.
    pub pn_is_last_index: bool,
    /// A stored key is deleted before the message it opens is authenticated, so a forgery naming it destroys it.
    pub skipped_key_removed_before_mac: bool,
    /// X3DH concatenates DH2 before DH1.
    pub x3dh_dh1_dh2_swapped: bool,
    /// X3DH leaves the 32 0xFF bytes out of the KDF input.
    pub x3dh_f_prefix_omitted: bool,
    /// X3DH's AD is Encode(IK_B) || Encode(IK_A) instead of Encode(IK_A) || Encode(IK_B).
    pub x3dh_ad_order_swapped: bool,
    /// Olm's triple DH concatenates ECDH(E_A, I_B) before ECDH(I_A, E_B).
    pub triple_dh_order_swapped: bool,
    /// Signal: the MAC takes the receiver's identity key before the sender's.
    pub mac_identity_keys_swapped: bool,
    /// Signal: XEdDSA as the paper writes it, not as libsignal ships it (no sign bit in the
    /// signature, so libsignal's signatures by half of all keys fail).
    pub xeddsa_sign_bit_ignored: bool,
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
        signature_verified_laxly: false,
        kdf_rk_salt_and_input_swapped: false,
        kdf_rk_outputs_swapped: false,
        message_keys_swapped: false,
        zero_iv: false,
        mac_from_tail: false,
        full_padding_block_omitted: false,
        ad_not_authenticated: false,
        max_skip_off_by_one: false,
        nr_not_reset: false,
        pn_is_last_index: false,
        skipped_key_removed_before_mac: false,
        x3dh_dh1_dh2_swapped: false,
        x3dh_f_prefix_omitted: false,
        x3dh_ad_order_swapped: false,
        triple_dh_order_swapped: false,
        mac_identity_keys_swapped: false,
        xeddsa_sign_bit_ignored: false,
    };
}
