//! Mutants: deliberately broken variants of the reference, each a known class of bug. The
//! suite's own test runs the harness against every one and requires each to be caught.

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
        change: |p| p.x3dh.info = "ratchet-conformance/spec/X3DH",
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
