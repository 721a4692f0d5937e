//! Mutants: deliberately broken variants of the reference, each a known class of bug. The
//! suite's own test runs the harness against every one and requires each to be caught.

use ratchet_ref::profile::KeyAgreement;
use ratchet_ref::Profile;

/// One mutant.
#[derive(Debug, Clone, Copy)]
pub struct Mutant {
    pub name: &'static str,
    pub description: &'static str,
    change: fn(&mut Profile),
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
        change: |p| p.faults.mac_not_checked = true,
    },
    Mutant {
        name: "mac_prefix_only",
        description: "DECRYPT compares only the first 8 bytes of the tag",
        change: |p| p.faults.mac_prefix_only = true,
    },
    Mutant {
        name: "padding_not_checked",
        description: "DECRYPT strips PKCS#7 padding without checking it",
        change: |p| p.faults.padding_not_checked = true,
    },
    Mutant {
        name: "header_not_authenticated",
        description: "the header is not part of the authenticated data",
        change: |p| p.faults.header_not_authenticated = true,
    },
    Mutant {
        name: "chain_key_not_advanced",
        description: "RatchetEncrypt never advances the sending chain: message keys are reused",
        change: |p| p.faults.chain_key_not_advanced = true,
    },
    Mutant {
        name: "no_dh_ratchet_step",
        description: "a message on a new ratchet key is decrypted on the old receiving chain",
        change: |p| p.faults.no_dh_ratchet_step = true,
    },
    Mutant {
        name: "stale_ratchet_key",
        description: "a new ratchet key is generated but the old one derives the sending chain",
        change: |p| p.faults.stale_ratchet_key = true,
    },
    Mutant {
        name: "pn_not_recorded",
        description: "PN is not recorded at a DH ratchet step",
        change: |p| p.faults.pn_not_recorded = true,
    },
    Mutant {
        name: "skipped_keys_not_stored",
        description: "skipped message keys are not stored",
        change: |p| p.faults.skipped_keys_not_stored = true,
    },
    Mutant {
        name: "skipped_keys_not_deleted",
        description: "a used skipped message key is kept, so replays decrypt",
        change: |p| p.faults.skipped_keys_not_deleted = true,
    },
    Mutant {
        name: "state_kept_after_failure",
        description: "a message that fails authentication still advances the receiving chain",
        change: |p| p.faults.state_kept_after_failure = true,
    },
    Mutant {
        name: "signature_not_verified",
        description: "X3DH does not verify the signed prekey signature",
        change: |p| p.faults.signature_not_verified = true,
    },
    Mutant {
        name: "one_time_prekey_ignored",
        description: "X3DH leaves the one-time prekey (DH4) out of SK",
        change: |p| p.faults.one_time_prekey_ignored = true,
    },
    Mutant {
        name: "kdf_ck_constants_swapped",
        description: "KDF_CK uses 0x02 for the message key and 0x01 for the next chain key",
        change: |p| {
            std::mem::swap(
                &mut p.kdf_ck.message_key_input,
                &mut p.kdf_ck.chain_key_input,
            )
        },
    },
    Mutant {
        name: "wrong_root_kdf_label",
        description: "KDF_RK's HKDF info label is wrong",
        change: |p| p.kdf_rk_info = "ratchet-conformance/spec/Root",
    },
    Mutant {
        name: "wrong_message_key_label",
        description: "ENCRYPT's HKDF info label is wrong",
        change: |p| p.aead.info = "ratchet-conformance/spec/message keys",
    },
    Mutant {
        name: "wrong_x3dh_label",
        description: "X3DH's HKDF info label is wrong",
        change: |p| {
            if let KeyAgreement::X3dh { x3dh, .. } = &mut p.key_agreement {
                x3dh.info = "ratchet-conformance/spec/X3DH";
            }
        },
    },
    Mutant {
        name: "small_order_keys_accepted",
        description: "an all-zero DH output (small-order peer key) is accepted",
        change: |p| p.reject_non_contributory_dh = false,
    },
    Mutant {
        name: "max_skip_not_enforced",
        description: "any number of message keys may be skipped",
        change: |p| p.limits.max_skip = u32::MAX,
    },
    Mutant {
        name: "skipped_keys_never_evicted",
        description: "the skipped-key store has no cap",
        change: |p| p.limits.max_stored_keys = usize::MAX,
    },
];

/// Looks a mutant up by name.
pub fn by_name(name: &str) -> Option<&'static Mutant> {
    ALL.iter().find(|m| m.name == name)
}
