//! The reference SUT's ops for libsignal's v3 family: XEdDSA, message framing under a given
//! message key, and sessions created from a prekey bundle or a PreKeySignalMessage (see
//! PROTOCOL.md, "Signal v3"). Public keys are 33 bytes, 0x05 ‖ u.

use std::collections::BTreeMap;

use ratchet_ref::primitives::signal_message::{
    decode_key, encode_key, PreKeySignalMessage, SignalMessage,
};
use ratchet_ref::primitives::wire::{self, MessageFields};
use ratchet_ref::primitives::{generate_dh_from_bytes, DhPrivateKey, MessageKey};
use ratchet_ref::signal::agreement::{sign, verify_signature, SignalBundle};
use ratchet_ref::signal::handshake::{
    inbound_session, outbound_session, ResponderKeys, SignalSession,
};
use ratchet_ref::Profile;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::args::{parse, Role};
use super::olm_ops::{kind_name, message_kind};
use super::reference::{queue, MAX_SESSIONS};
use crate::driver::hex_bytes::Hex;
use crate::driver::protocol::{protocol_error, OpError};

fn bad(what: String) -> OpError {
    OpError::bad_request(what)
}

fn key32(value: &Hex, what: &str) -> Result<[u8; 32], OpError> {
    value.array32(what).map_err(bad)
}

/// A 33-byte encoded public key argument; anything else is `invalid_key`.
fn public(value: &Hex, what: &str) -> Result<ratchet_ref::primitives::DhPublicKey, OpError> {
    decode_key(what, value.bytes()).map_err(|e| {
        OpError::new(
            ratchet_ref::ErrorKind::InvalidKey.as_str(),
            format!("argument {what}: {e}"),
        )
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct XeddsaSign {
    private: Hex,
    message: Hex,
    random: Hex,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct XeddsaVerify {
    public: Hex,
    message: Hex,
    signature: Hex,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MessageEncrypt {
    mk: Hex,
    ratchet_key: Hex,
    counter: u32,
    previous_counter: u32,
    sender_identity_key: Hex,
    receiver_identity_key: Hex,
    plaintext: Hex,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MessageDecrypt {
    mk: Hex,
    message: Hex,
    sender_identity_key: Hex,
    receiver_identity_key: Hex,
}

#[derive(Deserialize)]
struct MessageArg {
    message: Hex,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Bundle {
    registration_id: u32,
    identity_key: Hex,
    signed_pre_key_id: u32,
    signed_pre_key: Hex,
    signature: Hex,
    pre_key_id: Option<u32>,
    pre_key: Option<Hex>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SessionCreate {
    session: String,
    role: Role,
    identity_private: Hex,
    registration_id: u32,
    #[serde(default)]
    keys: Vec<Hex>,
    bundle: Option<Bundle>,
    signed_pre_key_id: Option<u32>,
    signed_pre_key_private: Option<Hex>,
    pre_key_id: Option<u32>,
    pre_key_private: Option<Hex>,
    message: Option<Hex>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SessionEncrypt {
    session: String,
    plaintext: Hex,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SessionDecrypt {
    session: String,
    message: Hex,
    #[serde(default)]
    keys: Vec<Hex>,
}

#[derive(Deserialize)]
struct SessionRef {
    session: String,
}

/// The two identity keys as the MAC takes them: sender ‖ receiver.
fn mac_keys(sender: &Hex, receiver: &Hex) -> Result<Vec<u8>, OpError> {
    let sender = public(sender, "senderIdentityKey")?;
    let receiver = public(receiver, "receiverIdentityKey")?;
    Ok([encode_key(&sender), encode_key(&receiver)].concat())
}

fn unknown_session(name: &str) -> OpError {
    OpError::new(
        protocol_error::UNKNOWN_SESSION,
        format!("no session named {name:?}; create it with session_create first"),
    )
}

/// The ops this family answers itself (the primitive ops, `hello` and `echo` are shared).
pub const OPS: &[&str] = &[
    "xeddsa_sign",
    "xeddsa_verify",
    "message_encrypt",
    "message_decrypt",
    "message_parse",
    "prekey_message_parse",
    "session_create",
    "session_encrypt",
    "session_decrypt",
    "session_close",
    "session_export",
    "session_import",
    "session_dh_ratchet",
];

/// Handles an op of a Signal-family profile; `None` when the op is not one of them (the
/// shared primitive ops and `hello`, `echo`).
pub fn handle(
    profile: &Profile,
    op: &str,
    a: &Map<String, Value>,
    sessions: &mut BTreeMap<String, SignalSession>,
) -> Option<Result<Value, OpError>> {
    let version = profile.signal_format()?.version_byte;
    if !OPS.contains(&op) {
        return None;
    }
    Some(dispatch(profile, version, op, a, sessions))
}

fn dispatch(
    profile: &Profile,
    version: u8,
    op: &str,
    a: &Map<String, Value>,
    sessions: &mut BTreeMap<String, SignalSession>,
) -> Result<Value, OpError> {
    match op {
        "xeddsa_sign" => {
            let r: XeddsaSign = parse(op, a)?;
            let random: [u8; 64] = r
                .random
                .bytes()
                .try_into()
                .map_err(|_| bad("xeddsa_sign: random must be 64 bytes".into()))?;
            let private = DhPrivateKey::from_bytes(key32(&r.private, "private")?);
            let signature = sign(profile, &private, r.message.bytes(), &random);
            Ok(json!({ "signature": Hex::from(signature) }))
        }
        "xeddsa_verify" => {
            let r: XeddsaVerify = parse(op, a)?;
            let key = public(&r.public, "public")?;
            verify_signature(profile, &key, r.message.bytes(), r.signature.bytes())?;
            Ok(json!({}))
        }
        "message_encrypt" => {
            let r: MessageEncrypt = parse(op, a)?;
            let mk = MessageKey::from_bytes(key32(&r.mk, "mk")?);
            let fields = MessageFields {
                dh: public(&r.ratchet_key, "ratchetKey")?,
                pn: Some(r.previous_counter),
                n: r.counter,
            };
            let ad = mac_keys(&r.sender_identity_key, &r.receiver_identity_key)?;
            let message = wire::seal(profile, &mk, &fields, r.plaintext.bytes(), &ad);
            Ok(json!({ "message": Hex(message) }))
        }
        "message_decrypt" => {
            let r: MessageDecrypt = parse(op, a)?;
            let mk = MessageKey::from_bytes(key32(&r.mk, "mk")?);
            let ad = mac_keys(&r.sender_identity_key, &r.receiver_identity_key)?;
            let parsed = wire::parse(profile, r.message.bytes())?;
            let plaintext = wire::open(profile, &mk, &parsed, &ad)?;
            Ok(json!({ "plaintext": Hex(plaintext) }))
        }
        "message_parse" => {
            let r: MessageArg = parse(op, a)?;
            let m = SignalMessage::parse(r.message.bytes(), version, profile.aead.mac_len)?;
            Ok(json!({
                "version": m.version,
                "ratchetKey": Hex::from(encode_key(&m.ratchet_key)),
                "counter": m.counter,
                "previousCounter": m.previous_counter,
                "ciphertext": Hex::from(m.ciphertext),
                "mac": Hex::from(m.mac),
            }))
        }
        "prekey_message_parse" => {
            let r: MessageArg = parse(op, a)?;
            let m = PreKeySignalMessage::parse(r.message.bytes(), version)?;
            Ok(json!({
                "version": m.version,
                "registrationId": m.registration_id,
                "preKeyId": m.pre_key_id,
                "signedPreKeyId": m.signed_pre_key_id,
                "baseKey": Hex::from(encode_key(&m.base_key)),
                "identityKey": Hex::from(encode_key(&m.identity_key)),
                "message": Hex::from(m.message),
            }))
        }
        "session_create" => {
            let r: SessionCreate = parse(op, a)?;
            if !sessions.contains_key(&r.session) && sessions.len() >= MAX_SESSIONS {
                return Err(bad(format!("at most {MAX_SESSIONS} sessions may be open")));
            }
            let identity = generate_dh_from_bytes(key32(&r.identity_private, "identityPrivate")?);
            let keys = Box::new(queue(&r.keys)?);
            match r.role {
                Role::Initiator => {
                    let b = r.bundle.ok_or_else(|| {
                        bad("session_create: an initiator needs \"bundle\"".into())
                    })?;
                    let pre_key =
                        match (b.pre_key_id, &b.pre_key) {
                            (Some(id), Some(key)) => Some((id, public(key, "bundle.preKey")?)),
                            (None, None) => None,
                            _ => return Err(bad(
                                "session_create: bundle.preKeyId and bundle.preKey come together"
                                    .into(),
                            )),
                        };
                    let bundle = SignalBundle {
                        registration_id: b.registration_id,
                        identity_key: public(&b.identity_key, "bundle.identityKey")?,
                        signed_pre_key_id: b.signed_pre_key_id,
                        signed_pre_key: public(&b.signed_pre_key, "bundle.signedPreKey")?,
                        signature: b.signature.bytes().to_vec(),
                        pre_key,
                    };
                    let out =
                        outbound_session(*profile, &identity, r.registration_id, &bundle, keys)?;
                    sessions.insert(r.session, out.session);
                    Ok(json!({
                        "identityKey": Hex::from(encode_key(&identity.public)),
                        "baseKey": Hex::from(encode_key(&out.base_key)),
                        "ratchetPublic": Hex::from(encode_key(&out.ratchet_key)),
                    }))
                }
                Role::Responder => {
                    let need = |v: Option<Hex>, name: &str| {
                        v.ok_or_else(|| bad(format!("session_create: a responder needs {name:?}")))
                    };
                    let signed_id = r.signed_pre_key_id.ok_or_else(|| {
                        bad("session_create: a responder needs \"signedPreKeyId\"".into())
                    })?;
                    let signed = generate_dh_from_bytes(key32(
                        &need(r.signed_pre_key_private, "signedPreKeyPrivate")?,
                        "signedPreKeyPrivate",
                    )?);
                    let pre_key = match (r.pre_key_id, &r.pre_key_private) {
                        (Some(id), Some(key)) => {
                            Some((id, generate_dh_from_bytes(key32(key, "preKeyPrivate")?)))
                        }
                        (None, None) => None,
                        _ => {
                            return Err(bad(
                                "session_create: preKeyId and preKeyPrivate come together".into(),
                            ))
                        }
                    };
                    let message = need(r.message, "message")?;
                    let own = ResponderKeys {
                        identity: &identity,
                        signed_pre_key: (signed_id, &signed),
                        pre_key: pre_key.as_ref().map(|(id, pair)| (*id, pair)),
                    };
                    let (session, plaintext) =
                        inbound_session(*profile, &own, message.bytes(), keys)?;
                    sessions.insert(r.session, session);
                    Ok(json!({ "plaintext": Hex(plaintext) }))
                }
            }
        }
        "session_encrypt" => {
            let r: SessionEncrypt = parse(op, a)?;
            let session = sessions
                .get_mut(&r.session)
                .ok_or_else(|| unknown_session(&r.session))?;
            let (kind, message) = session.encrypt(r.plaintext.bytes())?;
            Ok(json!({"message": Hex(message), "type": kind_name(kind)}))
        }
        "session_decrypt" => {
            let r: SessionDecrypt = parse(op, a)?;
            let kind = message_kind(a, op)?;
            let keys = queue(&r.keys)?;
            let session = sessions
                .get_mut(&r.session)
                .ok_or_else(|| unknown_session(&r.session))?;
            session.set_key_source(Box::new(keys));
            let result = session.decrypt(kind, r.message.bytes());
            session.set_key_source(Box::new(ratchet_ref::QueuedKeySource::new()));
            Ok(json!({ "plaintext": Hex(result?) }))
        }
        "session_close" => {
            let r: SessionRef = parse(op, a)?;
            sessions.remove(&r.session);
            Ok(json!({}))
        }
        "session_export" | "session_import" | "session_dh_ratchet" => Err(OpError::new(
            protocol_error::UNSUPPORTED,
            format!(
                "{op} has no state shape for profile {} yet; its vectors need none",
                profile.name
            ),
        )),
        other => Err(OpError::new(
            protocol_error::UNSUPPORTED,
            format!("unknown op {other:?}"),
        )),
    }
}
