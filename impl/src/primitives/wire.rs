//! One face for every message format: the session seals and opens messages through here and
//! the profile's [`MessageFormat`] variant decides the bytes — the fixed 40-byte header with a
//! tag over AD ‖ header ‖ ciphertext (`spec`), Olm's version ‖ fields ‖ MAC over all of it,
//! or Signal's version ‖ protobuf ‖ MAC over the identity keys (the `ad`) and all of it.

use super::aead::{encrypt_into, open_detached};
use super::dh::DhPublicKey;
use super::header::Header;
use super::kdf_ck::MessageKey;
use super::message::Message;
use super::olm_message::OlmMessage;
use super::signal_message::SignalMessage;
use crate::error::{Error, Result};
use crate::profile::{MessageFormat, Profile};

/// The ratchet fields a message carries, whatever its format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageFields {
    /// The sender's current ratchet public key.
    pub dh: DhPublicKey,
    /// The length of the sender's previous sending chain, where the format carries it.
    pub pn: Option<u32>,
    /// The message number in the sending chain.
    pub n: u32,
}

/// A parsed message, before authentication.
#[derive(Debug, Clone, Copy)]
pub struct ParsedMessage<'a> {
    /// The ratchet fields.
    pub fields: MessageFields,
    form: Form<'a>,
}

#[derive(Debug, Clone, Copy)]
enum Form<'a> {
    Fixed(Message<'a>),
    Olm(OlmMessage<'a>),
    Signal(SignalMessage<'a>),
}

/// Parses a message; only what can be checked before authentication.
pub fn parse<'a>(profile: &Profile, bytes: &'a [u8]) -> Result<ParsedMessage<'a>> {
    match &profile.wire {
        MessageFormat::FixedHeader(_) => {
            let message = Message::parse(profile, bytes)?;
            Ok(ParsedMessage {
                fields: MessageFields {
                    dh: message.header.dh,
                    pn: Some(message.header.pn),
                    n: message.header.n,
                },
                form: Form::Fixed(message),
            })
        }
        MessageFormat::Olm(format) => {
            let max = profile.wire.max_counter().min(u64::from(u32::MAX));
            let message = OlmMessage::parse(bytes, format.version_byte, profile.aead.mac_len, max)?;
            let n = u32::try_from(message.chain_index)
                .map_err(|_| Error::malformed("chain index beyond 32 bits"))?;
            Ok(ParsedMessage {
                fields: MessageFields {
                    dh: message.ratchet_key,
                    pn: None,
                    n,
                },
                form: Form::Olm(message),
            })
        }
        MessageFormat::Signal(format) => {
            let message = SignalMessage::parse(bytes, format.version_byte, profile.aead.mac_len)?;
            Ok(ParsedMessage {
                fields: MessageFields {
                    dh: message.ratchet_key,
                    pn: Some(message.previous_counter),
                    n: message.counter,
                },
                form: Form::Signal(message),
            })
        }
    }
}

/// The identity keys in the order Signal's MAC takes them, from `ad` = IK_sender ‖
/// IK_receiver (or reversed, the `mac_identity_keys_swapped` mutant).
fn signal_mac_keys<'a>(profile: &Profile, ad: &'a [u8]) -> [&'a [u8]; 2] {
    let (sender, receiver) = ad.split_at(ad.len() / 2);
    if crate::fault!(profile, mac_identity_keys_swapped) {
        [receiver, sender]
    } else {
        [sender, receiver]
    }
}

/// Authenticates and decrypts a parsed message under `mk`; `ad` is the associated data of
/// formats that have one (Olm has none).
pub fn open(
    profile: &Profile,
    mk: &MessageKey,
    message: &ParsedMessage<'_>,
    ad: &[u8],
) -> Result<Vec<u8>> {
    match &message.form {
        Form::Fixed(m) => {
            let header: &[u8] = if crate::fault!(profile, header_not_authenticated) {
                &[]
            } else {
                m.header_bytes
            };
            let ad = if crate::fault!(profile, ad_not_authenticated) {
                &[]
            } else {
                ad
            };
            super::aead::decrypt_parts(profile, mk, m.body, &[ad, header])
        }
        Form::Olm(m) => {
            let authenticated = if crate::fault!(profile, mac_without_version) {
                &m.authenticated[1..]
            } else {
                m.authenticated
            };
            open_detached(profile, mk, &[authenticated], &[], m.ciphertext, m.mac)
        }
        Form::Signal(m) => {
            let [first, second] = signal_mac_keys(profile, ad);
            open_detached(
                profile,
                mk,
                &[first, second, m.authenticated],
                &[],
                m.ciphertext,
                m.mac,
            )
        }
    }
}

/// Encrypts `plaintext` under `mk` and frames it with `fields`.
pub fn seal(
    profile: &Profile,
    mk: &MessageKey,
    fields: &MessageFields,
    plaintext: &[u8],
    ad: &[u8],
) -> Vec<u8> {
    let ciphertext_len = (plaintext.len() / 16 + 1) * 16;
    match &profile.wire {
        MessageFormat::FixedHeader(_) => {
            let header = Header {
                dh: fields.dh,
                pn: fields.pn.unwrap_or(0),
                n: fields.n,
            }
            .encode();
            let mut out = Vec::with_capacity(Header::LEN + ciphertext_len + profile.aead.mac_len);
            out.extend_from_slice(&header);
            let authenticated: &[u8] = if crate::fault!(profile, header_not_authenticated) {
                &[]
            } else {
                &header
            };
            let ad = if crate::fault!(profile, ad_not_authenticated) {
                &[]
            } else {
                ad
            };
            encrypt_into(profile, mk, plaintext, &[ad, authenticated], &mut out);
            out
        }
        MessageFormat::Olm(format) => {
            let mut prefix = Vec::with_capacity(48);
            OlmMessage::encode_prefix(
                format.version_byte,
                &fields.dh,
                u64::from(fields.n),
                ciphertext_len,
                &mut prefix,
            );
            let mut out = Vec::with_capacity(prefix.len() + ciphertext_len + 8);
            out.extend_from_slice(&prefix);
            let authenticated = if crate::fault!(profile, mac_without_version) {
                &prefix[1..]
            } else {
                &prefix[..]
            };
            encrypt_into(profile, mk, plaintext, &[authenticated], &mut out);
            out
        }
        MessageFormat::Signal(format) => {
            let mut prefix = Vec::with_capacity(56);
            SignalMessage::encode_prefix(
                format.version_byte,
                &fields.dh,
                fields.n,
                fields.pn.unwrap_or(0),
                ciphertext_len,
                &mut prefix,
            );
            let mut out = Vec::with_capacity(prefix.len() + ciphertext_len + profile.aead.mac_len);
            out.extend_from_slice(&prefix);
            let [first, second] = signal_mac_keys(profile, ad);
            encrypt_into(profile, mk, plaintext, &[first, second, &prefix], &mut out);
            out
        }
    }
}
