//! The catalogue of sections that state rules: the Double Ratchet specification (revision 1,
//! 2016-11-20), X3DH (revision 1, 2016-11-04), libolm's olm.md, the limits a profile sets
//! where its specification sets none, and the RFCs of the building blocks the vectors cite.
//! A section that no check can observe says why, so the matrix tells a gap from a choice.

/// One section and what it asks of an implementation, in this suite's words.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// The key a `specSection` names it by (see `section_ref`).
    pub key: &'static str,
    pub title: &'static str,
    pub states: &'static str,
    /// Why no check of this suite can exercise it, where none can.
    pub out_of_scope: Option<&'static str>,
}

const fn rule(key: &'static str, title: &'static str, states: &'static str) -> Rule {
    Rule {
        key,
        title,
        states,
        out_of_scope: None,
    }
}

const fn beyond(key: &'static str, title: &'static str, why: &'static str) -> Rule {
    Rule {
        key,
        title,
        states: "",
        out_of_scope: Some(why),
    }
}

/// The documents in matrix order, each with its heading.
pub const DOCUMENTS: &[(&str, &str)] = &[
    (
        "DR §",
        "The Double Ratchet Algorithm (revision 1, 2016-11-20)",
    ),
    (
        "X3DH §",
        "The X3DH Key Agreement Protocol (revision 1, 2016-11-04)",
    ),
    ("olm.md, ", "Olm (libolm's docs/olm.md), the `olm` profile"),
    (
        "profile limits",
        "Limits a profile sets where its specification sets none",
    ),
    ("RFC ", "Building blocks"),
];

/// Every section of the catalogue, in document order.
pub const RULES: &[Rule] = &[
    rule("DR §2.1", "KDF chains", "Each step of a KDF chain takes the chain key and an input and yields the next chain key and an output key; earlier keys cannot be computed from later ones."),
    rule("DR §2.2", "Symmetric-key ratchet", "Every message sent or received advances its chain: the message key comes from the chain key, which is then replaced."),
    rule("DR §2.3", "Diffie-Hellman ratchet", "A new ratchet public key from the other party starts a DH ratchet step: the DH output feeds the root chain, which yields the new receiving and sending chain keys."),
    rule("DR §2.4", "Double Ratchet", "Both ratchets together: a new ratchet key in a received header causes a DH ratchet step before the symmetric-key ratchet derives the message key."),
    rule("DR §2.6", "Out-of-order messages", "Headers carry N and PN so that a receiver stores the keys of skipped messages, on the current chain and up to PN on the previous one, and decrypts late messages with them."),
    rule("DR §3.1", "External functions", "GENERATE_DH, DH, KDF_RK, KDF_CK, ENCRYPT, DECRYPT, HEADER and CONCAT, and what each must provide."),
    rule("DR §3.2", "State variables", "The state of a party (DHs, DHr, RK, CKs, CKr, Ns, Nr, PN, MKSKIPPED) and MAX_SKIP, the most message keys one chain may skip."),
    rule("DR §3.3", "Initialization", "Alice starts with a sending chain from SK and Bob's ratchet public key; Bob starts with his ratchet key pair and no chain, so he cannot send before he has received."),
    rule("DR §3.4", "Encrypting messages", "RatchetEncrypt derives the message key from CKs, advances CKs and Ns, and encrypts with HEADER(DHs, PN, Ns) authenticated together with AD."),
    rule("DR §3.5", "Decrypting messages", "RatchetDecrypt tries the stored skipped keys first; on a new ratchet key it stores the old chain's keys up to PN and steps the DH ratchet; it stores keys up to N, refusing more than MAX_SKIP; a key decrypts once; a message that fails changes nothing."),
    beyond("DR §4", "Double Ratchet with header encryption", "no profile encrypts headers: neither Signal's wire format nor Olm's does"),
    rule("DR §5.1", "Integration with X3DH", "X3DH's SK is the initial root key, its AD the associated data, and Bob's signed prekey his first ratchet key pair."),
    rule("DR §5.2", "Recommended cryptographic algorithms", "X25519; HKDF-SHA256 for KDF_RK; HMAC-SHA256 with the constants 0x01 and 0x02 for KDF_CK; AES-256-CBC with PKCS#7 and HMAC-SHA256 under keys and IV from an HKDF of the message key."),
    rule("DR §6.1", "Secure deletion", "Message keys are deleted once used, so a key decrypts once and a replay fails."),
    beyond("DR §6.2", "Recovery from compromise", "a security property of the design, not a step a party takes; the DH ratchet steps it rests on (§3.4, §3.5) are checked"),
    beyond("DR §6.3", "Cryptanalysis and ratchet public keys", "advice for the case that the DH function is broken; it prescribes nothing a party's messages show"),
    rule("DR §6.4", "Deletion of skipped message keys", "Stored skipped keys are bounded and deleted in time: a full store evicts its oldest key."),
    rule("DR §6.5", "Deferring new ratchet key generation", "A party may draw its new ratchet key pair when it next sends instead of when it receives."),
    rule("DR §6.6", "Truncating authentication tags", "A tag may be truncated (Olm keeps 8 bytes); what is kept is still compared, every byte of it."),
    beyond("DR §6.7", "Implementation fingerprinting", "what an observer learns from an implementation's choices; no rule for a party's output"),
    rule("X3DH §2.1", "X3DH parameters", "The application fixes the curve, the hash, the info string and an encoding Encode(PK) of public keys; a key of another encoding is refused."),
    rule("X3DH §2.2", "Cryptographic notation", "DH, Sig and KDF: HKDF over F (32 0xFF bytes) followed by the key material, with a zero salt of the hash's length and the info string."),
    beyond("X3DH §2.3", "Roles", "describes Alice, Bob and the server; states no computation"),
    beyond("X3DH §2.4", "Keys", "key lifetimes (signed prekeys replaced, one-time prekeys used once) are kept by the parties' key stores, which the driver protocol does not model"),
    beyond("X3DH §3.1", "Overview", "a summary of §3.2 to §3.4"),
    rule("X3DH §3.2", "Publishing keys", "Bob publishes IK_B, SPK_B with Sig(IK_B, Encode(SPK_B)), and one-time prekeys."),
    rule("X3DH §3.3", "Sending the initial message", "Alice verifies the prekey signature and aborts if it fails; SK = KDF(DH1 ‖ DH2 ‖ DH3 [‖ DH4]) with DH1 = DH(IK_A, SPK_B), DH2 = DH(EK_A, IK_B), DH3 = DH(EK_A, SPK_B), DH4 = DH(EK_A, OPK_B); AD = Encode(IK_A) ‖ Encode(IK_B)."),
    rule("X3DH §3.4", "Receiving the initial message", "Bob computes the same DHs from his private keys and derives the same SK and AD."),
    beyond("X3DH §4.1", "Authentication", "users compare identity keys out of band"),
    beyond("X3DH §4.2", "Protocol replay", "a replayed initial message is caught by the responder's one-time prekey store, which the driver protocol does not host"),
    beyond("X3DH §4.3", "Replay and key reuse", "as §4.2: a property of the prekey store"),
    beyond("X3DH §4.4", "Deniability", "a property of the design"),
    rule("X3DH §4.5", "Signatures", "The prekey signature must be checked: without it whoever controls the server substitutes its own prekeys."),
    beyond("X3DH §4.6", "Key compromise", "a property of the design"),
    beyond("X3DH §4.7", "Server trust", "concerns the server, not a party's computation"),
    beyond("X3DH §4.8", "Identity binding", "left to the application by the specification"),
    rule("olm.md, Initial setup", "Initial setup", "S = ECDH(I_A, E_B) ‖ ECDH(E_A, I_B) ‖ ECDH(E_A, E_B); HKDF-SHA256 with a zero salt and \"OLM_ROOT\" yields R0 and C0,0; Alice sends on C0,0 without a DH step."),
    rule("olm.md, Advancing the root key", "Advancing the root key", "A new ratchet key: HKDF(R_i-1, ECDH(T_i-1, T_i), \"OLM_RATCHET\", 64) yields R_i and C_i,0."),
    rule("olm.md, Advancing the chain key", "Advancing the chain key", "C_i,j = HMAC-SHA256(C_i,j-1, 0x02)."),
    rule("olm.md, Creating a message key", "Creating a message key", "M_i,j = HMAC-SHA256(C_i,j, 0x01)."),
    rule("olm.md, Sending the first pre-key messages", "Sending the first pre-key messages", "Until she has received a message, Alice sends pre-key messages carrying her identity key, her base key and Bob's one-time key."),
    rule("olm.md, Sending normal messages", "Sending normal messages", "After receiving on a new ratchet key, a party's next send draws a new ratchet key and advances the root key."),
    rule("olm.md, Receiving messages", "Receiving messages", "A new ratchet key starts a new receiving chain; on a known chain the index may skip forward; each message key decrypts once; a message that fails changes nothing."),
    rule("olm.md, The Olm Message Format", "The Olm Message Format", "Version byte 0x03, then the ratchet key, the chain index and the ciphertext as protobuf-style fields, then an 8-byte MAC."),
    rule("olm.md, The Olm Message Format: Pre-Key Messages", "The Olm Message Format: Pre-Key Messages", "Version byte 0x03, then the one-time key, the base key, the identity key and the inner message."),
    rule("olm.md, Olm Authenticated Encryption", "Olm Authenticated Encryption", "HKDF(0, M, \"OLM_KEYS\", 80) yields the AES key, HMAC key and IV; AES-256-CBC with PKCS#7; the MAC is HMAC-SHA256 over the version byte and the payload, truncated to 8 bytes."),
    rule("profile limits", "Profile limits (vectors/README.md)", "MAX_SKIP, the stored-key cap and the receiving chains kept, as the profile declares them (Olm: libolm's and vodozemac's 2000-message gap, 40 keys, 5 chains)."),
    rule("RFC 5652 §6.3", "PKCS#7 padding", "Padding adds 1 to 16 bytes, each equal to the count; a whole block is added to a plaintext of whole blocks."),
    rule("RFC 7748 §5", "X25519", "The function, with the top bit of a public key masked and the private key clamped."),
    rule("RFC 7748 §6.1", "All-zero output", "An all-zero DH output (a small-order peer key) may be refused."),
    rule("RFC 8032 §5.1.3", "Ed25519 point decoding", "A point encoding that does not decode is refused."),
    rule("RFC 8032 §5.1.7", "Ed25519 verification", "S below L; strict verifiers also refuse small-order A and R and non-canonical encodings."),
];

/// The rule named `key`.
pub fn find(key: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.key == key)
}
