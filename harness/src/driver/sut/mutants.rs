//! Mutants: deliberately broken variants of the reference, each a known class of bug. The
//! suite's own test runs the harness against every one and requires each to be caught.

use ratchet_ref::profile::{KeyAgreement, MessageFormat, SenderRatchet, SessionStart};
use ratchet_ref::Profile;

/// One mutant.
#[derive(Debug, Clone, Copy)]
pub struct Mutant {
    pub name: &'static str,
    pub description: &'static str,
    /// The sections whose rules the bug breaks, in the `specSection` form of the vector notes.
    pub spec_sections: &'static str,
    change: fn(&mut Profile),
    /// The profiles where the bug can exist (it asks the profile's variants: a header that
    /// is not authenticated needs a header; Olm's version byte needs Olm's format).
    pub applies_to: fn(&Profile) -> bool,
}

fn every(_: &Profile) -> bool {
    true
}

fn fixed_header(p: &Profile) -> bool {
    p.fixed_header().is_some()
}

fn x3dh(p: &Profile) -> bool {
    p.x3dh().is_some()
}

fn olm_format(p: &Profile) -> bool {
    matches!(p.wire, MessageFormat::Olm(_))
}

fn sends_on_first_chain(p: &Profile) -> bool {
    p.session_start == SessionStart::SendOnFirstChain
}

fn sender_ratchet_at_receive(p: &Profile) -> bool {
    p.sender_ratchet == SenderRatchet::AtReceive
}

fn rejects_low_order(p: &Profile) -> bool {
    p.reject_non_contributory_dh
}

fn tag_longer_than_8(p: &Profile) -> bool {
    p.aead.mac_len > 8
}

fn truncated_tag(p: &Profile) -> bool {
    p.aead.mac_len < 32
}

fn has_pn(p: &Profile) -> bool {
    p.wire.has_pn()
}

fn triple_dh(p: &Profile) -> bool {
    matches!(p.key_agreement, KeyAgreement::TripleDh { .. })
}

fn keeps_older_receiving_chains(p: &Profile) -> bool {
    p.receiving_chains.max() > 1
}

impl Mutant {
    /// The profile with this bug switched on.
    pub fn apply(&self, profile: Profile) -> Profile {
        let mut profile = profile;
        (self.change)(&mut profile);
        profile
    }
}

/// Every mutant.
pub const ALL: &[Mutant] = &[
    Mutant {
        name: "mac_not_checked",
        description: "DECRYPT ignores the authentication tag",
        spec_sections: "DR §3.5, §5.2; olm.md, Olm Authenticated Encryption",
        change: |p| p.faults.mac_not_checked = true,
        applies_to: every,
    },
    Mutant {
        name: "mac_prefix_only",
        description: "DECRYPT compares only the first 8 bytes of the tag",
        spec_sections: "DR §3.5, §6.6",
        change: |p| p.faults.mac_prefix_only = true,
        applies_to: tag_longer_than_8,
    },
    Mutant {
        name: "padding_not_checked",
        description: "DECRYPT strips PKCS#7 padding without checking it",
        spec_sections: "DR §5.2, RFC 5652 §6.3; olm.md, Olm Authenticated Encryption",
        change: |p| p.faults.padding_not_checked = true,
        applies_to: every,
    },
    Mutant {
        name: "header_not_authenticated",
        description: "the header is not part of the authenticated data",
        spec_sections: "DR §3.4, §3.5",
        change: |p| p.faults.header_not_authenticated = true,
        applies_to: fixed_header,
    },
    Mutant {
        name: "chain_key_not_advanced",
        description: "RatchetEncrypt never advances the sending chain: message keys are reused",
        spec_sections: "DR §2.2, §3.4, §6.1; olm.md, Advancing the chain key",
        change: |p| p.faults.chain_key_not_advanced = true,
        applies_to: every,
    },
    Mutant {
        name: "no_dh_ratchet_step",
        description: "a message on a new ratchet key is decrypted on the old receiving chain",
        spec_sections: "DR §2.3, §2.4, §3.5; olm.md, Advancing the root key; Receiving messages",
        change: |p| p.faults.no_dh_ratchet_step = true,
        applies_to: every,
    },
    Mutant {
        name: "stale_ratchet_key",
        description: "a new ratchet key is generated but the old one derives the sending chain",
        spec_sections: "DR §2.3, §3.5; olm.md, Advancing the root key; Sending normal messages",
        change: |p| p.faults.stale_ratchet_key = true,
        applies_to: sender_ratchet_at_receive,
    },
    Mutant {
        name: "pn_not_recorded",
        description: "PN is not recorded at a DH ratchet step",
        spec_sections: "DR §2.6, §3.5",
        change: |p| p.faults.pn_not_recorded = true,
        applies_to: fixed_header,
    },
    Mutant {
        name: "skipped_keys_not_stored",
        description: "skipped message keys are not stored",
        spec_sections: "DR §2.6, §3.5; olm.md, Receiving messages",
        change: |p| p.faults.skipped_keys_not_stored = true,
        applies_to: every,
    },
    Mutant {
        name: "skipped_keys_not_deleted",
        description: "a used skipped message key is kept, so replays decrypt",
        spec_sections: "DR §3.5, §6.1; olm.md, Receiving messages",
        change: |p| p.faults.skipped_keys_not_deleted = true,
        applies_to: every,
    },
    Mutant {
        name: "state_kept_after_failure",
        description: "a message that fails authentication still advances the receiving chain",
        spec_sections: "DR §3.5; olm.md, Receiving messages",
        change: |p| p.faults.state_kept_after_failure = true,
        applies_to: every,
    },
    Mutant {
        name: "signature_not_verified",
        description: "X3DH does not verify the signed prekey signature",
        spec_sections: "X3DH §3.3, §4.5",
        change: |p| p.faults.signature_not_verified = true,
        applies_to: x3dh,
    },
    Mutant {
        name: "one_time_prekey_ignored",
        description: "X3DH leaves the one-time prekey (DH4) out of SK",
        spec_sections: "X3DH §3.3",
        change: |p| p.faults.one_time_prekey_ignored = true,
        applies_to: x3dh,
    },
    Mutant {
        name: "kdf_ck_constants_swapped",
        description: "KDF_CK uses 0x02 for the message key and 0x01 for the next chain key",
        spec_sections: "DR §5.2; olm.md, Advancing the chain key; Creating a message key",
        change: |p| {
            std::mem::swap(
                &mut p.kdf_ck.message_key_input,
                &mut p.kdf_ck.chain_key_input,
            )
        },
        applies_to: every,
    },
    Mutant {
        name: "wrong_root_kdf_label",
        description: "KDF_RK's HKDF info label is wrong",
        spec_sections: "DR §5.2; olm.md, Advancing the root key",
        change: |p| p.kdf_rk_info = "ratchet-conformance/spec/Root",
        applies_to: every,
    },
    Mutant {
        name: "wrong_message_key_label",
        description: "ENCRYPT's HKDF info label is wrong",
        spec_sections: "DR §5.2; olm.md, Olm Authenticated Encryption",
        change: |p| p.aead.info = "ratchet-conformance/spec/message keys",
        applies_to: every,
    },
    Mutant {
        name: "wrong_x3dh_label",
        description: "X3DH's HKDF info label is wrong",
        spec_sections: "X3DH §2.1, §2.2",
        change: |p| {
            if let KeyAgreement::X3dh { x3dh, .. } = &mut p.key_agreement {
                x3dh.info = "ratchet-conformance/spec/X3DH";
            }
        },
        applies_to: x3dh,
    },
    Mutant {
        name: "small_order_keys_accepted",
        description: "an all-zero DH output (small-order peer key) is accepted",
        spec_sections: "DR §5.2, RFC 7748 §6.1",
        change: |p| p.reject_non_contributory_dh = false,
        applies_to: rejects_low_order,
    },
    Mutant {
        name: "max_skip_not_enforced",
        description: "any number of message keys may be skipped",
        spec_sections: "DR §3.2, §3.5; profile limits",
        change: |p| p.limits.max_skip = u32::MAX,
        applies_to: every,
    },
    Mutant {
        name: "skipped_keys_never_evicted",
        description: "the skipped-key store has no cap",
        spec_sections: "DR §6.4; profile limits",
        change: |p| p.limits.max_stored_keys = usize::MAX,
        applies_to: every,
    },
    Mutant {
        name: "mac_without_version",
        description: "Olm: the MAC covers the payload but not the version byte",
        spec_sections: "olm.md, Olm Authenticated Encryption",
        change: |p| p.faults.mac_without_version = true,
        applies_to: olm_format,
    },
    Mutant {
        name: "dh_step_at_first_chain",
        description: "Olm: Alice performs a DH step at init (against Bob's one-time key) instead of sending on C0,0",
        spec_sections: "olm.md, Initial setup",
        change: |p| p.faults.dh_step_at_first_chain = true,
        applies_to: sends_on_first_chain,
    },
    Mutant {
        name: "counter_not_reset",
        description: "a new sending chain continues the previous chain's message numbers (a PN-style running counter)",
        spec_sections: "DR §3.4, §3.5; olm.md, Advancing the root key",
        change: |p| p.faults.counter_not_reset = true,
        applies_to: every,
    },
    Mutant {
        name: "kdf_rk_salt_and_input_swapped",
        description: "KDF_RK uses the DH output as HKDF salt and the root key as input key material",
        spec_sections: "DR §5.2; olm.md, Advancing the root key",
        change: |p| p.faults.kdf_rk_salt_and_input_swapped = true,
        applies_to: every,
    },
    Mutant {
        name: "kdf_rk_outputs_swapped",
        description: "KDF_RK's 64 bytes are split chain key first, root key second",
        spec_sections: "DR §3.1, §5.2; olm.md, Advancing the root key",
        change: |p| p.faults.kdf_rk_outputs_swapped = true,
        applies_to: every,
    },
    Mutant {
        name: "message_keys_swapped",
        description: "ENCRYPT uses the HMAC key for AES and the AES key for HMAC",
        spec_sections: "DR §5.2; olm.md, Olm Authenticated Encryption",
        change: |p| p.faults.message_keys_swapped = true,
        applies_to: every,
    },
    Mutant {
        name: "zero_iv",
        description: "AES-CBC uses an all-zero IV instead of the derived one",
        spec_sections: "DR §5.2; olm.md, Olm Authenticated Encryption",
        change: |p| p.faults.zero_iv = true,
        applies_to: every,
    },
    Mutant {
        name: "mac_from_tail",
        description: "the truncated MAC is the last bytes of the HMAC, not the first",
        spec_sections: "DR §6.6; olm.md, Olm Authenticated Encryption",
        change: |p| p.faults.mac_from_tail = true,
        applies_to: truncated_tag,
    },
    Mutant {
        name: "full_padding_block_omitted",
        description: "PKCS#7 padding adds nothing to a plaintext of whole blocks",
        spec_sections: "RFC 5652 §6.3",
        change: |p| p.faults.full_padding_block_omitted = true,
        applies_to: every,
    },
    Mutant {
        name: "ad_not_authenticated",
        description: "the associated data is left out of the MAC",
        spec_sections: "DR §3.4, §5.2",
        change: |p| p.faults.ad_not_authenticated = true,
        applies_to: fixed_header,
    },
    Mutant {
        name: "max_skip_off_by_one",
        description: "MAX_SKIP + 1 message keys may be skipped in one chain",
        spec_sections: "DR §3.2, §3.5; profile limits",
        change: |p| p.faults.max_skip_off_by_one = true,
        applies_to: every,
    },
    Mutant {
        name: "nr_not_reset",
        description: "a new receiving chain starts at the previous chain's message number, not 0",
        spec_sections: "DR §3.5; olm.md, Receiving messages",
        change: |p| p.faults.nr_not_reset = true,
        applies_to: every,
    },
    Mutant {
        name: "pn_is_last_index",
        description: "PN is the index of the previous chain's last message (Ns - 1), not their number",
        spec_sections: "DR §3.4, §3.5",
        change: |p| p.faults.pn_is_last_index = true,
        applies_to: has_pn,
    },
    Mutant {
        name: "skipped_key_removed_before_mac",
        description: "a stored key is deleted before its message authenticates: a forgery naming it destroys it",
        spec_sections: "DR §3.5; olm.md, Receiving messages",
        change: |p| p.faults.skipped_key_removed_before_mac = true,
        applies_to: every,
    },
    Mutant {
        name: "only_newest_receiving_chain",
        description: "only the newest receiving chain is kept, so late messages of older chains fail",
        spec_sections: "olm.md, Receiving messages; profile limits",
        change: |p| p.receiving_chains = ratchet_ref::profile::ReceivingChains::Newest { max: 1 },
        applies_to: keeps_older_receiving_chains,
    },
    Mutant {
        name: "signature_verified_laxly",
        description: "X3DH verifies the signed prekey's signature without the strict checks (small-order key or R accepted)",
        spec_sections: "X3DH §3.3, RFC 8032 §5.1.7",
        change: |p| p.faults.signature_verified_laxly = true,
        applies_to: x3dh,
    },
    Mutant {
        name: "x3dh_dh1_dh2_swapped",
        description: "X3DH concatenates DH2 before DH1",
        spec_sections: "X3DH §3.3",
        change: |p| p.faults.x3dh_dh1_dh2_swapped = true,
        applies_to: x3dh,
    },
    Mutant {
        name: "x3dh_f_prefix_omitted",
        description: "X3DH leaves the 32 0xFF bytes out of the KDF input",
        spec_sections: "X3DH §2.2",
        change: |p| p.faults.x3dh_f_prefix_omitted = true,
        applies_to: x3dh,
    },
    Mutant {
        name: "x3dh_ad_order_swapped",
        description: "X3DH's AD puts the responder's identity key first",
        spec_sections: "X3DH §3.3",
        change: |p| p.faults.x3dh_ad_order_swapped = true,
        applies_to: x3dh,
    },
    Mutant {
        name: "triple_dh_order_swapped",
        description: "Olm's triple DH concatenates ECDH(E_A, I_B) before ECDH(I_A, E_B)",
        spec_sections: "olm.md, Initial setup",
        change: |p| p.faults.triple_dh_order_swapped = true,
        applies_to: triple_dh,
    },
];

/// Looks a mutant up by name.
pub fn by_name(name: &str) -> Option<&'static Mutant> {
    ALL.iter().find(|m| m.name == name)
}
