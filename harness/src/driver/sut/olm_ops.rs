//! The reference SUT's ops for families with Olm's triple DH and message format: the key
//! agreement, message framing under a given key, and sessions created from identity and
//! one-time keys (see PROTOCOL.md, "Olm").

use ratchet_ref::primitives::olm_message::{OlmMessage, OlmPreKeyMessage};
use ratchet_ref::primitives::wire::{self, MessageFields};
use ratchet_ref::primitives::{generate_dh_from_bytes, DhPrivateKey, DhPublicKey, MessageKey};
use ratchet_ref::profile::MessageFormat;
use ratchet_ref::session::MessageKind;
use ratchet_ref::triple_dh::{
    inbound_session, initiate, outbound_session, respond, TripleDhOutput,
};
use ratchet_ref::{Profile, Session};
use serde_json::{json, Map, Value};

use super::args::{self, parse, Role};
use crate::driver::hex_bytes::Hex;
use crate::driver::protocol::OpError;

fn bad(what: String) -> OpError {
    OpError::bad_request(what)
}

fn key32(value: &Hex, what: &str) -> Result<[u8; 32], OpError> {
    value.array32(what).map_err(bad)
}

fn public(value: &Hex) -> Result<DhPublicKey, OpError> {
    Ok(DhPublicKey::from_slice(value.bytes())?)
}

fn olm_format(profile: &Profile) -> Result<u8, OpError> {
    match &profile.wire {
        MessageFormat::Olm(format) => Ok(format.version_byte),
        MessageFormat::FixedHeader(_) | MessageFormat::Signal(_) => {
            Err(bad(format!("profile {} has no Olm messages", profile.name)))
        }
    }
}

/// The message kind named by a `type` argument.
pub fn message_kind(a: &Map<String, Value>, op: &str) -> Result<MessageKind, OpError> {
    let r: args::MessageType = parse(op, a)?;
    match r.kind.as_deref() {
        None | Some("normal") => Ok(MessageKind::Normal),
        Some("prekey") => Ok(MessageKind::PreKey),
        Some(other) => Err(bad(format!(
            "{op}: type {other:?} is neither \"normal\" nor \"prekey\""
        ))),
    }
}

/// The wire name of a message kind.
pub fn kind_name(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::Normal => "normal",
        MessageKind::PreKey => "prekey",
    }
}

/// Handles an Olm-only op; `None` when `op` is not one.
pub fn handle(
    profile: &Profile,
    op: &str,
    a: &Map<String, Value>,
) -> Option<Result<Value, OpError>> {
    let result = match op {
        "triple_dh_initiate" => triple_dh_initiate(profile, op, a),
        "triple_dh_respond" => triple_dh_respond(profile, op, a),
        "message_encrypt" => message_encrypt(profile, op, a),
        "message_decrypt" => message_decrypt(profile, op, a),
        "prekey_message_parse" => prekey_message_parse(profile, op, a),
        _ => return None,
    };
    Some(result)
}

/// The answer of both triple DH ops.
fn agreement_json(out: &TripleDhOutput) -> Value {
    json!({
        "rootKey": Hex::from(*out.root_key.expose()),
        "chainKey": Hex::from(*out.chain_key.expose()),
        "dhOutputs": out.dh_outputs.iter().map(|d| Hex::from(*d.expose())).collect::<Vec<_>>(),
    })
}

fn triple_dh_initiate(
    profile: &Profile,
    op: &str,
    a: &Map<String, Value>,
) -> Result<Value, OpError> {
    let r: args::TripleDhInitiate = parse(op, a)?;
    let out = initiate(
        profile,
        &DhPrivateKey::from_bytes(key32(&r.identity_private, "identityPrivate")?),
        &DhPrivateKey::from_bytes(key32(&r.base_key_private, "baseKeyPrivate")?),
        &public(&r.peer_identity_key)?,
        &public(&r.peer_one_time_key)?,
    )?;
    Ok(agreement_json(&out))
}

fn triple_dh_respond(
    profile: &Profile,
    op: &str,
    a: &Map<String, Value>,
) -> Result<Value, OpError> {
    let r: args::TripleDhRespond = parse(op, a)?;
    let out = respond(
        profile,
        &DhPrivateKey::from_bytes(key32(&r.identity_private, "identityPrivate")?),
        &DhPrivateKey::from_bytes(key32(&r.one_time_private, "oneTimePrivate")?),
        &public(&r.peer_identity_key)?,
        &public(&r.peer_base_key)?,
    )?;
    Ok(agreement_json(&out))
}

fn message_encrypt(profile: &Profile, op: &str, a: &Map<String, Value>) -> Result<Value, OpError> {
    olm_format(profile)?;
    let r: args::MessageEncrypt = parse(op, a)?;
    let mk = MessageKey::from_bytes(key32(&r.mk, "mk")?);
    let fields = MessageFields {
        dh: public(&r.ratchet_key)?,
        pn: None,
        n: r.n,
    };
    let message = wire::seal(profile, &mk, &fields, r.plaintext.bytes(), &[]);
    Ok(json!({ "message": Hex(message) }))
}

fn message_decrypt(profile: &Profile, op: &str, a: &Map<String, Value>) -> Result<Value, OpError> {
    olm_format(profile)?;
    let r: args::MessageDecrypt = parse(op, a)?;
    let mk = MessageKey::from_bytes(key32(&r.mk, "mk")?);
    let parsed = wire::parse(profile, r.message.bytes())?;
    let plaintext = wire::open(profile, &mk, &parsed, &[])?;
    Ok(json!({ "plaintext": Hex(plaintext) }))
}

/// `message_parse` of an Olm message.
pub fn message_parse(
    profile: &Profile,
    op: &str,
    a: &Map<String, Value>,
) -> Result<Value, OpError> {
    let version = olm_format(profile)?;
    let r: args::MessageParse = parse(op, a)?;
    let m = OlmMessage::parse(
        r.message.bytes(),
        version,
        profile.aead.mac_len,
        profile.wire.max_counter(),
    )?;
    Ok(json!({
        "version": version,
        "ratchetKey": Hex::from(m.ratchet_key.0),
        "n": m.chain_index,
        "ciphertext": Hex::from(m.ciphertext),
        "mac": Hex::from(m.mac),
    }))
}

fn prekey_message_parse(
    profile: &Profile,
    op: &str,
    a: &Map<String, Value>,
) -> Result<Value, OpError> {
    let version = olm_format(profile)?;
    let r: args::MessageParse = parse(op, a)?;
    let m = OlmPreKeyMessage::parse(r.message.bytes(), version)?;
    Ok(json!({
        "version": version,
        "oneTimeKey": Hex::from(m.one_time_key.0),
        "baseKey": Hex::from(m.base_key.0),
        "identityKey": Hex::from(m.identity_key.0),
        "message": Hex::from(m.message),
    }))
}

/// `session_create` for triple-DH families: the initiator's outbound session from injected
/// E_A and T0, or the responder's inbound session from the first pre-key message.
pub fn session_create(
    profile: &Profile,
    op: &str,
    a: &Map<String, Value>,
) -> Result<(String, Session, Value), OpError> {
    let r: args::TripleDhSessionCreate = parse(op, a)?;
    let identity = generate_dh_from_bytes(key32(&r.identity_private, "identityPrivate")?);
    let keys = Box::new(super::reference::queue(&r.keys)?);
    match r.role {
        Role::Initiator => {
            let need = |v: &Option<Hex>, name: &str| {
                v.clone()
                    .ok_or_else(|| bad(format!("session_create: an initiator needs {name:?}")))
            };
            let peer_identity = public(&need(&r.peer_identity_key, "peerIdentityKey")?)?;
            let peer_one_time = public(&need(&r.peer_one_time_key, "peerOneTimeKey")?)?;
            let out = outbound_session(*profile, &identity, &peer_identity, &peer_one_time, keys)?;
            let answer = json!({
                "identityKey": Hex::from(identity.public.0),
                "baseKey": Hex::from(out.base_key.0),
                "ratchetPublic": Hex::from(out.ratchet_key.0),
            });
            Ok((r.session, out.session, answer))
        }
        Role::Responder => {
            let one_time = r.one_time_private.as_ref().ok_or_else(|| {
                bad("session_create: a responder needs \"oneTimePrivate\"".into())
            })?;
            let message = r.message.as_ref().ok_or_else(|| {
                bad("session_create: a responder needs \"message\" (the pre-key message)".into())
            })?;
            let one_time = generate_dh_from_bytes(key32(one_time, "oneTimePrivate")?);
            let (session, plaintext) =
                inbound_session(*profile, &identity, &one_time, message.bytes(), keys)?;
            Ok((r.session, session, json!({ "plaintext": Hex(plaintext) })))
        }
    }
}
