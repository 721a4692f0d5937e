//! vodozemac (Olm) behind the ratchet-conformance driver protocol (`harness/PROTOCOL.md`),
//! profile `olm` (`olm-contract.md`). One JSON request per line on stdin, one response per
//! line on stdout, in order; logs go to stderr.
//!
//! Every byte this adapter returns is computed by vodozemac: the adapter only moves keys into
//! and out of vodozemac's own types (its serde pickles, `Session::from_root_key_material`,
//! `MessageKey::new`) and encodes hex. See README.md for how each op maps.

use std::collections::HashMap;
use std::io::{self, BufRead, Write};
use std::panic::{self, AssertUnwindSafe};

use serde_json::{json, Map, Value};
use vodozemac::hazmat::olm::MessageKey;
use vodozemac::olm::{
    Account, AccountPickle, DecryptionError, EncryptionError, Message, OlmMessage, PreKeyMessage,
    RatchetPublicKey, Session, SessionConfig, SessionCreationError, SessionKeys, SessionPickle,
};
use vodozemac::{Curve25519PublicKey, Curve25519SecretKey, DecodeError, KeyError};

const NAME: &str = "vodozemac";
const VODOZEMAC_VERSION: &str = "0.11.1";

/// vodozemac's limits, as its source has them (see README.md, "Limits").
const MAX_MESSAGE_GAP: u64 = 2000; // olm/session/receiver_chain.rs MAX_MESSAGE_GAP
const MAX_MESSAGE_KEYS: u64 = 40; // olm/session/receiver_chain.rs MAX_MESSAGE_KEYS, per chain
const MAX_RECEIVING_CHAINS: u64 = 5; // olm/session/mod.rs MAX_RECEIVING_CHAINS

const OPS: &[&str] = &[
    "hello",
    "generate_dh",
    "dh",
    "kdf_ck",
    "message_encrypt",
    "message_decrypt",
    "message_parse",
    "prekey_message_parse",
    "session_create",
    "session_encrypt",
    "session_decrypt",
    "session_export",
    "session_import",
    "session_close",
    "echo",
];

/// An error answer: `kind` from PROTOCOL.md / olm-contract.md, `message` the library's text.
struct OpError {
    kind: &'static str,
    message: String,
}

fn err(kind: &'static str, message: impl Into<String>) -> OpError {
    OpError {
        kind,
        message: message.into(),
    }
}

type OpResult = Result<Value, OpError>;

// ---------------------------------------------------------------- argument helpers

fn arg<'a>(req: &'a Map<String, Value>, name: &str) -> Result<&'a Value, OpError> {
    req.get(name)
        .ok_or_else(|| err("bad_request", format!("missing argument \"{name}\"")))
}

fn arg_str<'a>(req: &'a Map<String, Value>, name: &str) -> Result<&'a str, OpError> {
    arg(req, name)?.as_str().ok_or_else(|| {
        err(
            "bad_request",
            format!("argument \"{name}\" must be a string"),
        )
    })
}

fn arg_u64(req: &Map<String, Value>, name: &str) -> Result<u64, OpError> {
    arg(req, name)?.as_u64().ok_or_else(|| {
        err(
            "bad_request",
            format!("argument \"{name}\" must be a non-negative integer"),
        )
    })
}

fn decode_hex(name: &str, text: &str) -> Result<Vec<u8>, OpError> {
    hex::decode(text).map_err(|e| {
        err(
            "bad_request",
            format!("argument \"{name}\" is not hex: {e}"),
        )
    })
}

fn arg_bytes(req: &Map<String, Value>, name: &str) -> Result<Vec<u8>, OpError> {
    decode_hex(name, arg_str(req, name)?)
}

/// A 32-byte secret (private key, root/chain/message key): any other length is a bad request.
fn to_32(name: &str, bytes: &[u8]) -> Result<[u8; 32], OpError> {
    <[u8; 32]>::try_from(bytes).map_err(|_| {
        err(
            "bad_request",
            format!("argument \"{name}\" must be 32 bytes, got {}", bytes.len()),
        )
    })
}

fn arg_secret(req: &Map<String, Value>, name: &str) -> Result<[u8; 32], OpError> {
    to_32(name, &arg_bytes(req, name)?)
}

/// A Curve25519 public key argument, decoded by vodozemac (`Curve25519PublicKey::from_slice`):
/// a wrong length is vodozemac's `KeyError`, i.e. `invalid_key`.
fn arg_public(req: &Map<String, Value>, name: &str) -> Result<Curve25519PublicKey, OpError> {
    let bytes = arg_bytes(req, name)?;
    Curve25519PublicKey::from_slice(&bytes).map_err(|e| key_error(name, e))
}

/// The optional `keys` list (injected private keys, 32 bytes each).
fn arg_keys(req: &Map<String, Value>) -> Result<Vec<[u8; 32]>, OpError> {
    match req.get("keys") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let name = format!("keys[{i}]");
                let text = v
                    .as_str()
                    .ok_or_else(|| err("bad_request", format!("{name} must be a hex string")))?;
                to_32(&name, &decode_hex(&name, text)?)
            })
            .collect(),
        Some(_) => Err(err(
            "bad_request",
            "argument \"keys\" must be an array of hex strings",
        )),
    }
}

fn hx(bytes: impl AsRef<[u8]>) -> Value {
    Value::String(hex::encode(bytes))
}

// ---------------------------------------------------------------- error mapping

fn key_error(what: &str, e: KeyError) -> OpError {
    err("invalid_key", format!("{what}: KeyError: {e}"))
}

fn decode_error(e: DecodeError) -> OpError {
    let variant = match &e {
        DecodeError::MessageType(_) => "MessageType",
        DecodeError::MissingVersion => "MissingVersion",
        DecodeError::MessageTooShort(_) => "MessageTooShort",
        DecodeError::InvalidVersion(_, _) => "InvalidVersion",
        DecodeError::InvalidKey(_) => "InvalidKey",
        DecodeError::InvalidMacLength(_, _) => "InvalidMacLength",
        DecodeError::Signature(_) => "Signature",
        DecodeError::ProtoBufError(_) => "ProtoBufError",
        DecodeError::Base64(_) => "Base64",
    };
    err("malformed", format!("DecodeError::{variant}: {e}"))
}

fn decryption_error(e: DecryptionError) -> OpError {
    let (kind, variant) = match &e {
        DecryptionError::InvalidMAC(_) => ("auth_failed", "InvalidMAC"),
        DecryptionError::InvalidMACLength(_, _) => ("malformed", "InvalidMACLength"),
        DecryptionError::InvalidPadding(_) => ("malformed", "InvalidPadding"),
        DecryptionError::NonContributoryKey => ("invalid_key", "NonContributoryKey"),
        DecryptionError::MissingMessageKey(_) => ("duplicate", "MissingMessageKey"),
        DecryptionError::TooBigMessageGap(_, _) => ("too_many_skipped", "TooBigMessageGap"),
    };
    err(kind, format!("DecryptionError::{variant}: {e}"))
}

fn encryption_error(e: EncryptionError) -> OpError {
    match e {
        EncryptionError::NonContributoryKey => err(
            "invalid_key",
            format!("EncryptionError::NonContributoryKey: {e}"),
        ),
    }
}

fn creation_error(e: SessionCreationError) -> OpError {
    match e {
        SessionCreationError::Decryption(inner) => {
            let mapped = decryption_error(inner);
            err(
                mapped.kind,
                format!("SessionCreationError::Decryption: {}", mapped.message),
            )
        }
        SessionCreationError::MissingOneTimeKey(_) => err(
            "invalid_key",
            format!("SessionCreationError::MissingOneTimeKey: {e}"),
        ),
        SessionCreationError::MismatchedIdentityKey(_, _) => err(
            "invalid_key",
            format!("SessionCreationError::MismatchedIdentityKey: {e}"),
        ),
        SessionCreationError::MismatchedSessionConfig { .. } => err(
            "malformed",
            format!("SessionCreationError::MismatchedSessionConfig: {e}"),
        ),
        SessionCreationError::NonContributoryKey => err(
            "invalid_key",
            format!("SessionCreationError::NonContributoryKey: {e}"),
        ),
    }
}

fn internal(what: &str, e: impl std::fmt::Display) -> OpError {
    err("library_error", format!("{what}: {e}"))
}

// ---------------------------------------------------------------- vodozemac helpers

/// The public key vodozemac derives from a private key (X25519 with the base point).
fn public_of(private: &[u8; 32]) -> [u8; 32] {
    Curve25519PublicKey::from(&Curve25519SecretKey::from_slice(private)).to_bytes()
}

fn json_bytes(bytes: &[u8]) -> Value {
    Value::Array(bytes.iter().map(|b| json!(b)).collect())
}

/// An `Account` whose Curve25519 identity key is `identity` and whose only one-time key is
/// `one_time` (if any). Built through vodozemac's own `AccountPickle` (serde), so the account
/// is exactly what vodozemac would restore; its Ed25519 signing key is vodozemac's random one
/// (Olm sessions never use it).
fn account_with(identity: &[u8; 32], one_time: Option<&[u8; 32]>) -> Result<Account, OpError> {
    let mut pickle = serde_json::to_value(Account::new().pickle())
        .map_err(|e| internal("serializing an AccountPickle", e))?;
    pickle["diffie_hellman_key"] = json_bytes(identity);
    let (public_keys, private_keys) = match one_time {
        Some(otk) => (
            json!({"0": json_bytes(&public_of(otk))}),
            json!({"0": json_bytes(otk)}),
        ),
        None => (json!({}), json!({})),
    };
    pickle["one_time_keys"] =
        json!({"next_key_id": 1, "public_keys": public_keys, "private_keys": private_keys});
    let pickle: AccountPickle =
        serde_json::from_value(pickle).map_err(|e| internal("building an AccountPickle", e))?;
    Ok(Account::from_pickle(pickle))
}

fn session_keys_placeholder() -> SessionKeys {
    // Only labels (session id, pre-key envelope); never key material.
    SessionKeys {
        identity_key: Curve25519PublicKey::from_bytes([1u8; 32]),
        base_key: Curve25519PublicKey::from_bytes([2u8; 32]),
        one_time_key: Curve25519PublicKey::from_bytes([3u8; 32]),
    }
}

fn pickle_json(session: &Session) -> Result<Value, OpError> {
    serde_json::to_value(session.pickle()).map_err(|e| internal("serializing a SessionPickle", e))
}

fn bytes_of(v: &Value, what: &str) -> Result<Vec<u8>, OpError> {
    v.as_array()
        .and_then(|a| {
            a.iter()
                .map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
                .collect()
        })
        .ok_or_else(|| {
            internal(
                "reading the SessionPickle",
                format!("{what} is not a byte array"),
            )
        })
}

fn u64_of(v: &Value, what: &str) -> Result<u64, OpError> {
    v.as_u64().ok_or_else(|| {
        internal(
            "reading the SessionPickle",
            format!("{what} is not an integer"),
        )
    })
}

/// The contract's state snapshot, read from vodozemac's own `SessionPickle`.
fn export_state(session: &Session) -> Result<Value, OpError> {
    let p = pickle_json(session)?;
    let ratchet = &p["sending_ratchet"];
    let (root_key, sender_chain) = match ratchet["type"].as_str() {
        Some("active") => {
            let private = to_32(
                "ratchet_key",
                &bytes_of(&ratchet["active_ratchet"]["ratchet_key"], "ratchet_key")?,
            )
            .map_err(|e| internal("reading the SessionPickle", e.message))?;
            let chain = json!({
                "ratchetPrivate": hx(private),
                "ratchetPublic": hx(public_of(&private)),
                "chainKey": hx(bytes_of(&ratchet["symmetric_key_ratchet"]["key"], "chain key")?),
                "index": u64_of(&ratchet["symmetric_key_ratchet"]["index"], "chain index")?,
            });
            (
                bytes_of(&ratchet["active_ratchet"]["root_key"], "root key")?,
                chain,
            )
        }
        Some("inactive") => (
            bytes_of(&ratchet["root_key"]["key"], "root key")?,
            Value::Null,
        ),
        other => {
            return Err(internal(
                "reading the SessionPickle",
                format!("ratchet type {other:?}"),
            ))
        }
    };
    let chains = p["receiving_chains"]["inner"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut receiver_chains = Vec::new();
    let mut skipped = Vec::new();
    // vodozemac keeps chains oldest first (ChainStore::push appends, evicts index 0) and each
    // chain's skipped keys oldest first (MessageKeyStore::push likewise): reverse both.
    for chain in chains.iter().rev() {
        let ratchet_key = hx(bytes_of(&chain["ratchet_key"], "receiver ratchet key")?);
        receiver_chains.push(json!({
            "ratchetKey": ratchet_key,
            "chainKey": hx(bytes_of(&chain["hkdf_ratchet"]["key"], "receiver chain key")?),
            "index": u64_of(&chain["hkdf_ratchet"]["index"], "receiver chain index")?,
        }));
        let keys = chain["skipped_message_keys"]["inner"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for key in keys.iter().rev() {
            skipped.push(json!({
                "ratchetKey": ratchet_key,
                "index": u64_of(&key["index"], "skipped key index")?,
                "mk": hx(bytes_of(&key["key"], "skipped message key")?),
            }));
        }
    }
    Ok(json!({
        "rootKey": hx(root_key),
        "senderChain": sender_chain,
        "receiverChains": receiver_chains,
        "skippedKeys": skipped,
    }))
}

// ---------------------------------------------------------------- session_import

/// The sending chain of an imported olm state.
struct ImportSender {
    private: [u8; 32],
    public: [u8; 32],
    chain_key: [u8; 32],
    index: u32,
}

/// A receiving chain of an imported olm state.
struct ImportReceiver {
    ratchet_key: [u8; 32],
    chain_key: [u8; 32],
    index: u32,
}

/// A skipped message key of an imported olm state.
struct ImportSkipped {
    ratchet_key: [u8; 32],
    index: u32,
    mk: [u8; 32],
}

/// The olm state `session_export` gives, read back field by field; lists newest first.
struct ImportState {
    root_key: [u8; 32],
    sender: Option<ImportSender>,
    receivers: Vec<ImportReceiver>,
    skipped: Vec<ImportSkipped>,
}

fn type_name(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(_) => "a boolean".into(),
        Value::Number(n) => format!("the number {n}"),
        Value::String(_) => "a string".into(),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

fn state_error(path: &str, what: impl std::fmt::Display) -> OpError {
    err("bad_request", format!("session_import: {path}: {what}"))
}

/// `value` as an object whose fields are all among `fields` (an unknown field is refused,
/// as the reference's `deny_unknown_fields` does).
fn state_object<'a>(
    value: &'a Value,
    path: &str,
    fields: &[&str],
) -> Result<&'a Map<String, Value>, OpError> {
    let map = value
        .as_object()
        .ok_or_else(|| state_error(path, format!("must be an object, got {}", type_name(value))))?;
    if let Some(unknown) = map.keys().find(|k| !fields.contains(&k.as_str())) {
        let shown: String = unknown.chars().take(64).collect();
        return Err(state_error(
            path,
            format!("unknown field {shown:?} (expected {})", fields.join(", ")),
        ));
    }
    Ok(map)
}

fn state_member<'a>(
    map: &'a Map<String, Value>,
    path: &str,
    name: &str,
) -> Result<&'a Value, OpError> {
    map.get(name)
        .ok_or_else(|| state_error(&format!("{path}.{name}"), "missing field"))
}

fn state_hex32(map: &Map<String, Value>, path: &str, name: &str) -> Result<[u8; 32], OpError> {
    let value = state_member(map, path, name)?;
    let path = format!("{path}.{name}");
    let text = value.as_str().ok_or_else(|| {
        state_error(
            &path,
            format!("must be a hex string of 32 bytes, got {}", type_name(value)),
        )
    })?;
    let bytes = hex::decode(text).map_err(|e| state_error(&path, format!("is not hex: {e}")))?;
    <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| state_error(&path, format!("must be 32 bytes, got {}", bytes.len())))
}

fn state_u32(map: &Map<String, Value>, path: &str, name: &str) -> Result<u32, OpError> {
    let value = state_member(map, path, name)?;
    value
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| {
            state_error(
                &format!("{path}.{name}"),
                format!(
                    "must be an integer from 0 to 2^32 - 1, got {}",
                    type_name(value)
                ),
            )
        })
}

fn state_list<'a>(
    map: &'a Map<String, Value>,
    path: &str,
    name: &str,
) -> Result<&'a Vec<Value>, OpError> {
    let value = state_member(map, path, name)?;
    value.as_array().ok_or_else(|| {
        state_error(
            &format!("{path}.{name}"),
            format!("must be an array, got {}", type_name(value)),
        )
    })
}

/// Reads the olm state strictly: a missing, mistyped or unknown field, or a hex value that is
/// not 32 bytes, is `bad_request` naming the field. A missing `senderChain` reads as `null`
/// (as in the reference, whose `Option` field defaults to `None`).
fn parse_import_state(state: &Value) -> Result<ImportState, OpError> {
    let top = state_object(
        state,
        "state",
        &["rootKey", "senderChain", "receiverChains", "skippedKeys"],
    )?;
    let root_key = state_hex32(top, "state", "rootKey")?;
    let sender = match top.get("senderChain") {
        None | Some(Value::Null) => None,
        Some(value) => {
            let path = "state.senderChain";
            let m = state_object(
                value,
                path,
                &["ratchetPrivate", "ratchetPublic", "chainKey", "index"],
            )?;
            Some(ImportSender {
                private: state_hex32(m, path, "ratchetPrivate")?,
                public: state_hex32(m, path, "ratchetPublic")?,
                chain_key: state_hex32(m, path, "chainKey")?,
                index: state_u32(m, path, "index")?,
            })
        }
    };
    let mut receivers = Vec::new();
    for (i, value) in state_list(top, "state", "receiverChains")?
        .iter()
        .enumerate()
    {
        let path = format!("state.receiverChains[{i}]");
        let m = state_object(value, &path, &["ratchetKey", "chainKey", "index"])?;
        receivers.push(ImportReceiver {
            ratchet_key: state_hex32(m, &path, "ratchetKey")?,
            chain_key: state_hex32(m, &path, "chainKey")?,
            index: state_u32(m, &path, "index")?,
        });
    }
    let mut skipped = Vec::new();
    for (i, value) in state_list(top, "state", "skippedKeys")?.iter().enumerate() {
        let path = format!("state.skippedKeys[{i}]");
        let m = state_object(value, &path, &["ratchetKey", "index", "mk"])?;
        skipped.push(ImportSkipped {
            ratchet_key: state_hex32(m, &path, "ratchetKey")?,
            index: state_u32(m, &path, "index")?,
            mk: state_hex32(m, &path, "mk")?,
        });
    }
    Ok(ImportState {
        root_key,
        sender,
        receivers,
        skipped,
    })
}

/// vodozemac's `SessionPickle` (serde JSON) of an imported olm state, after the checks the
/// reference's `Session::restore_olm` makes, in its order, plus the two vodozemac cannot
/// represent (`unsupported`). The shape is vodozemac 0.11.1's:
/// `session_keys` (placeholders: the olm state has no session keys), `sending_ratchet`
/// (`DoubleRatchetState`, tagged by `type`: `active` = `ActiveDoubleRatchet` {`active_ratchet`:
/// `Ratchet` {`root_key`, `ratchet_key`}, `symmetric_key_ratchet`: `ChainKey` {`key`, `index`}},
/// `inactive` = `InactiveDoubleRatchet` {`root_key`: `RemoteRootKey` {`key`}, `ratchet_key`}),
/// `receiving_chains` (`ChainStore` {`inner`: [`ReceiverChain` {`ratchet_key`, `hkdf_ratchet`
/// {`key`, `index`}, `skipped_message_keys` {`inner`: [{`key`, `index`}]}}]}, oldest first, as
/// are each chain's keys) and `config`. `ratchet_count` and `parent_ratchet_key` are
/// diagnostics only and take their serde defaults (unknown, none).
fn import_pickle(state: &ImportState) -> Result<Value, OpError> {
    if let Some(sender) = &state.sender {
        let derived = public_of(&sender.private);
        if derived != sender.public {
            return Err(err(
                "invalid_key",
                format!(
                    "session_import: state.senderChain.ratchetPublic {} is not the public key \
                     of state.senderChain.ratchetPrivate (which gives {})",
                    hex::encode(sender.public),
                    hex::encode(derived)
                ),
            ));
        }
    }
    let receivers = &state.receivers;
    if receivers.len() as u64 > MAX_RECEIVING_CHAINS {
        return Err(err(
            "malformed",
            format!(
                "session_import: state.receiverChains holds {} chains; vodozemac keeps at most \
                 {MAX_RECEIVING_CHAINS} receiving chains (MAX_RECEIVING_CHAINS)",
                receivers.len()
            ),
        ));
    }
    if state.sender.is_none() && receivers.is_empty() {
        return Err(err(
            "malformed",
            "session_import: neither a senderChain nor a receiving chain: nothing to send or \
             receive on",
        ));
    }
    let Some(newest) = receivers.first() else {
        return Err(err(
            "unsupported",
            "session_import: a senderChain without receiverChains: vodozemac sends pre-key \
             messages while a session has no receiving chain (Session::has_received_message), \
             and a pre-key message needs the session keys (identity, base and one-time key), \
             which the olm state does not carry",
        ));
    };
    for (i, chain) in receivers.iter().enumerate() {
        if let Some(j) = receivers[..i]
            .iter()
            .position(|c| c.ratchet_key == chain.ratchet_key)
        {
            return Err(err(
                "malformed",
                format!(
                    "session_import: state.receiverChains[{j}] and [{i}] have the same \
                     ratchetKey {}",
                    hex::encode(chain.ratchet_key)
                ),
            ));
        }
    }
    // Each chain's skipped keys, oldest first (the state lists them newest first).
    let mut per_chain: Vec<Vec<&ImportSkipped>> = receivers.iter().map(|_| Vec::new()).collect();
    let mut seen = std::collections::HashSet::new();
    for (i, key) in state.skipped.iter().enumerate().rev() {
        let path = format!("session_import: state.skippedKeys[{i}]");
        if !seen.insert((key.ratchet_key, key.index)) {
            return Err(err(
                "malformed",
                format!(
                    "{path}: ({}, {}) is listed twice",
                    hex::encode(key.ratchet_key),
                    key.index
                ),
            ));
        }
        let Some(c) = receivers
            .iter()
            .position(|c| c.ratchet_key == key.ratchet_key)
        else {
            return Err(err(
                "unsupported",
                format!(
                    "{path}.ratchetKey {} is not the ratchetKey of any of state.receiverChains: \
                     vodozemac keeps skipped message keys per receiving chain (in its \
                     ReceiverChain), so it cannot hold a key of a chain it does not have",
                    hex::encode(key.ratchet_key)
                ),
            ));
        };
        if key.index >= receivers[c].index {
            return Err(err(
                "malformed",
                format!(
                    "{path}.index {} is not behind its chain, state.receiverChains[{c}], whose \
                     next index is {}",
                    key.index, receivers[c].index
                ),
            ));
        }
        per_chain[c].push(key);
        if per_chain[c].len() as u64 > MAX_MESSAGE_KEYS {
            return Err(err(
                "malformed",
                format!(
                    "session_import: state.skippedKeys holds more than {MAX_MESSAGE_KEYS} keys \
                     of state.receiverChains[{c}]; vodozemac keeps at most {MAX_MESSAGE_KEYS} \
                     skipped keys per receiving chain (MAX_MESSAGE_KEYS)"
                ),
            ));
        }
    }
    let sending_ratchet = match &state.sender {
        Some(sender) => json!({
            "type": "active",
            "active_ratchet": {
                "root_key": json_bytes(&state.root_key),
                "ratchet_key": json_bytes(&sender.private),
            },
            "symmetric_key_ratchet": {"key": json_bytes(&sender.chain_key), "index": sender.index},
        }),
        // No sending chain: the next send ratchets the root key against the newest receiving
        // chain's key (InactiveDoubleRatchet::activate).
        None => json!({
            "type": "inactive",
            "root_key": {"key": json_bytes(&state.root_key)},
            "ratchet_key": json_bytes(&newest.ratchet_key),
        }),
    };
    let receiving: Vec<Value> = receivers
        .iter()
        .zip(&per_chain)
        .rev()
        .map(|(chain, keys)| {
            let keys: Vec<Value> = keys
                .iter()
                .map(|k| json!({"key": json_bytes(&k.mk), "index": k.index}))
                .collect();
            json!({
                "ratchet_key": json_bytes(&chain.ratchet_key),
                "hkdf_ratchet": {"key": json_bytes(&chain.chain_key), "index": chain.index},
                "skipped_message_keys": {"inner": keys},
            })
        })
        .collect();
    let session_keys = serde_json::to_value(session_keys_placeholder())
        .map_err(|e| internal("serializing SessionKeys", e))?;
    Ok(json!({
        "session_keys": session_keys,
        "sending_ratchet": sending_ratchet,
        "receiving_chains": {"inner": receiving},
        "config": {"version": "V1"},
    }))
}

/// A session restored from an olm state (`session_import`).
fn import_session(state: &Value) -> Result<Session, OpError> {
    let state = parse_import_state(state)?;
    let pickle = import_pickle(&state)?;
    let pickle: SessionPickle =
        serde_json::from_value(pickle).map_err(|e| internal("building a SessionPickle", e))?;
    Ok(Session::from_pickle(pickle))
}

fn message_type(m: &OlmMessage) -> &'static str {
    match m {
        OlmMessage::PreKey(_) => "prekey",
        OlmMessage::Normal(_) => "normal",
    }
}

fn inner_message(m: &OlmMessage) -> &Message {
    match m {
        OlmMessage::PreKey(p) => p.message(),
        OlmMessage::Normal(n) => n,
    }
}

fn parse_olm_message(req: &Map<String, Value>) -> Result<OlmMessage, OpError> {
    let bytes = arg_bytes(req, "message")?;
    match req.get("type").and_then(Value::as_str) {
        Some("prekey") => PreKeyMessage::from_bytes(&bytes)
            .map(OlmMessage::PreKey)
            .map_err(decode_error),
        Some("normal") => Message::from_bytes(&bytes)
            .map(OlmMessage::Normal)
            .map_err(decode_error),
        Some(other) => Err(err(
            "bad_request",
            format!("type must be \"prekey\" or \"normal\", got {other:?}"),
        )),
        // No type: vodozemac's own OlmMessage::from_parts decides, pre-key first (a normal
        // message never decodes as a pre-key message: its field 2 is a varint).
        None => OlmMessage::from_parts(0, &bytes)
            .or_else(|_| OlmMessage::from_parts(1, &bytes))
            .map_err(decode_error),
    }
}

// ---------------------------------------------------------------- the adapter

#[derive(Default)]
struct Adapter {
    sessions: HashMap<String, Session>,
}

impl Adapter {
    fn handle(&mut self, op: &str, req: &Map<String, Value>) -> OpResult {
        match op {
            "hello" => Ok(hello()),
            "generate_dh" => {
                let private = arg_secret(req, "private")?;
                Ok(json!({"public": hx(public_of(&private))}))
            }
            "dh" => {
                let private = Curve25519SecretKey::from_slice(&arg_secret(req, "private")?);
                let public = arg_public(req, "public")?;
                match private.diffie_hellman(&public) {
                    Some(shared) => Ok(json!({"shared": hx(shared.as_bytes())})),
                    None => Err(err(
                        "invalid_key",
                        "Curve25519SecretKey::diffie_hellman returned None: the shared secret \
                         was not contributory (low-order public key)",
                    )),
                }
            }
            "kdf_ck" => kdf_ck(req),
            "message_encrypt" => message_encrypt(req),
            "message_decrypt" => message_decrypt(req),
            "message_parse" => message_parse(req),
            "prekey_message_parse" => prekey_message_parse(req),
            "session_create" => self.session_create(req),
            "session_encrypt" => self.session_encrypt(req),
            "session_decrypt" => self.session_decrypt(req),
            "session_export" => {
                let session = self.session(req)?;
                let mut state = export_state(session)?;
                Ok(json!({"state": state.take()}))
            }
            "session_import" => {
                let name = arg_str(req, "session")?.to_string();
                let session = import_session(arg(req, "state")?)?;
                // Only a state that was accepted replaces a session of that name.
                self.sessions.insert(name, session);
                Ok(json!({}))
            }
            "session_close" => {
                let name = arg_str(req, "session")?;
                self.sessions.remove(name);
                Ok(json!({}))
            }
            // The protocol's own cost, which `ratchet-harness bench` subtracts: `data` handed
            // back, decoded from hex and encoded again like every byte field.
            "echo" => Ok(json!({"data": hx(arg_bytes(req, "data")?)})),
            other => Err(err("unsupported", format!("unknown op {other}"))),
        }
    }

    fn session(&mut self, req: &Map<String, Value>) -> Result<&mut Session, OpError> {
        let name = arg_str(req, "session")?;
        self.sessions
            .get_mut(name)
            .ok_or_else(|| err("unknown_session", format!("no session named {name:?}")))
    }

    fn session_create(&mut self, req: &Map<String, Value>) -> OpResult {
        let name = arg_str(req, "session")?.to_string();
        match arg_str(req, "role")? {
            "initiator" => {
                let identity = arg_secret(req, "identityPrivate")?;
                let peer_identity = arg_public(req, "peerIdentityKey")?;
                let peer_one_time = arg_public(req, "peerOneTimeKey")?;
                let keys = arg_keys(req)?;
                let account = account_with(&identity, None)?;
                // vodozemac draws the base key E_A itself (Account::create_outbound_session,
                // Curve25519SecretKey::new()); keys[0] cannot be used.
                let session = account
                    .create_outbound_session(
                        SessionConfig::version_1(),
                        peer_identity,
                        peer_one_time,
                    )
                    .map_err(creation_error)?;
                // T_0 enters no derivation before the first reply, so the session vodozemac
                // made is rebuilt with the injected T_0 (keys[1]) from its own R0 and C0,0.
                let (session, ratchet_injected) = match keys.get(1) {
                    Some(t0) => {
                        let state = session.active_sending_state().ok_or_else(|| {
                            internal("create_outbound_session", "no active sending chain")
                        })?;
                        let rebuilt = Session::from_root_key_material(
                            SessionConfig::version_1(),
                            session.session_keys(),
                            *state.root_key,
                            *state.chain_key,
                            *t0,
                        );
                        (rebuilt, true)
                    }
                    None => (session, false),
                };
                let state = session.active_sending_state().ok_or_else(|| {
                    internal("create_outbound_session", "no active sending chain")
                })?;
                let ratchet_public = public_of(&state.ratchet_key);
                let keys_used = session.session_keys();
                let base_injected = keys
                    .first()
                    .map(|k| public_of(k) == keys_used.base_key.to_bytes());
                self.sessions.insert(name, session);
                Ok(json!({
                    "identityKey": hx(keys_used.identity_key.to_bytes()),
                    "baseKey": hx(keys_used.base_key.to_bytes()),
                    "ratchetPublic": hx(ratchet_public),
                    "injected": {"baseKey": base_injected.unwrap_or(false), "ratchetKey": ratchet_injected},
                }))
            }
            "responder" => {
                let identity = arg_secret(req, "identityPrivate")?;
                let one_time = arg_secret(req, "oneTimePrivate")?;
                let bytes = arg_bytes(req, "message")?;
                let message = PreKeyMessage::from_bytes(&bytes).map_err(decode_error)?;
                let their_identity = match req.get("peerIdentityKey") {
                    Some(_) => arg_public(req, "peerIdentityKey")?,
                    None => message.identity_key(),
                };
                let mut account = account_with(&identity, Some(&one_time))?;
                let result = account
                    .create_inbound_session(SessionConfig::version_1(), their_identity, &message)
                    .map_err(creation_error)?;
                self.sessions.insert(name, result.session);
                Ok(json!({
                    "plaintext": hx(&result.plaintext),
                    "identityKey": hx(public_of(&identity)),
                }))
            }
            other => Err(err(
                "bad_request",
                format!("role must be initiator or responder, got {other:?}"),
            )),
        }
    }

    fn session_encrypt(&mut self, req: &Map<String, Value>) -> OpResult {
        let plaintext = arg_bytes(req, "plaintext")?;
        let keys = arg_keys(req)?;
        let session = self.session(req)?;
        let had_sending_chain = session.active_sending_state().is_some();
        let message = session.encrypt(&plaintext).map_err(encryption_error)?;
        let ratchet_public = inner_message(&message).ratchet_key().to_bytes();
        let mut ok = json!({
            "message": hx(message.to_parts().1),
            "type": message_type(&message),
            "ratchetPublic": hx(ratchet_public),
        });
        if !had_sending_chain {
            // vodozemac drew this ratchet key itself (InactiveDoubleRatchet::activate ->
            // RemoteRootKey::advance -> RatchetKey::new()); an injected key cannot be used.
            ok["newRatchetKey"] = json!(true);
            ok["injected"] = json!({"ratchetKey": keys.first().map(|k| public_of(k) == ratchet_public).unwrap_or(false)});
        }
        Ok(ok)
    }

    fn session_decrypt(&mut self, req: &Map<String, Value>) -> OpResult {
        let message = parse_olm_message(req)?;
        let session = self.session(req)?;
        let plaintext = session.decrypt(&message).map_err(decryption_error)?;
        Ok(json!({"plaintext": hx(plaintext)}))
    }
}

fn hello() -> Value {
    json!({
        "name": NAME,
        "version": VODOZEMAC_VERSION,
        "protocolVersion": 1,
        "profiles": ["olm"],
        "ops": OPS,
        "limits": {
            "maxSkip": MAX_MESSAGE_GAP,
            "maxStoredKeys": MAX_MESSAGE_KEYS,
            "maxReceivingChains": MAX_RECEIVING_CHAINS,
            "storedKeysPer": "chain",
        },
        "injectKeys": false,
        "keyInjection": {
            "identityPrivate": true,
            "oneTimePrivate": true,
            "baseKey": false,
            "firstRatchetKey": true,
            "newRatchetKey": false,
        },
        "exportState": true,
        "importState": true,
        "notApplicable": {
            "kdf_rk": "vodozemac computes HKDF(R, DH, \"OLM_RATCHET\") only inside a ratchet step from its own private and the peer's public ratchet key (olm/session/root_key.rs kdf); no API takes a given dhOut",
            "triple_dh_initiate": "vodozemac draws the base key E_A itself (Account::create_outbound_session -> Curve25519SecretKey::new()) and the 3DH secret type is crate-private (olm/shared_secret.rs); R0/C0,0 of an injected E_A cannot be computed",
            "triple_dh_respond": "the responder's 3DH runs only inside Account::create_inbound_session, which keeps the result only if the embedded pre-key message decrypts; there is no message in this op (the responder's R0/C0,0 are visible through session_create + session_export)",
            "injectKeys": "identity and one-time private keys and the initiator's first ratchet key T_0 are injected; the initiator's base key E_A and every later ratchet key are drawn by vodozemac (rand::rng) with no hook, so byte-exact transcripts cannot be reproduced",
        },
    })
}

fn kdf_ck(req: &Map<String, Value>) -> OpResult {
    let ck = arg_secret(req, "ck")?;
    // A sending chain whose chain key is ck: vodozemac's next_message_key computes
    // mk = HMAC(ck, 0x01) and advances the chain to HMAC(ck, 0x02) (olm/session/chain_key.rs).
    let mut session = Session::from_root_key_material(
        SessionConfig::version_1(),
        session_keys_placeholder(),
        [0u8; 32],
        ck,
        [0x40u8; 32],
    );
    let mk = session
        .next_message_key()
        .ok_or_else(|| internal("Session::next_message_key", "returned None"))?;
    let state = session
        .active_sending_state()
        .ok_or_else(|| internal("Session::active_sending_state", "returned None"))?;
    Ok(json!({"ck": hx(*state.chain_key), "mk": hx(mk.key())}))
}

fn message_encrypt(req: &Map<String, Value>) -> OpResult {
    let mk = arg_secret(req, "mk")?;
    let ratchet = arg_public(req, "ratchetKey")?;
    let n = arg_u64(req, "n")?;
    let plaintext = arg_bytes(req, "plaintext")?;
    let key = MessageKey::new(Box::new(mk), RatchetPublicKey::from(ratchet.to_bytes()), n);
    let message = key.encrypt_truncated_mac(&plaintext);
    Ok(json!({"message": hx(message.to_bytes())}))
}

fn message_decrypt(req: &Map<String, Value>) -> OpResult {
    let mk = arg_secret(req, "mk")?;
    let bytes = arg_bytes(req, "message")?;
    let message = Message::from_bytes(&bytes).map_err(decode_error)?;
    let n = message.chain_index();
    let next = n.checked_add(1).ok_or_else(|| {
        err(
            "unsupported",
            "chain index 2^64-1 cannot be stored as a skipped key",
        )
    })?;
    // A session whose only receiving chain is the message's, with mk stored as the skipped
    // key of index n: Session::decrypt then runs vodozemac's own receiving path
    // (ReceiverChain::decrypt -> RemoteMessageKey::decrypt_truncated_mac: version/MAC length,
    // MAC over vodozemac's re-encoding of the message, AES-256-CBC, PKCS#7).
    let ratchet = json_bytes(message.ratchet_key().as_bytes());
    let pickle = json!({
        "session_keys": {
            "identity_key": json_bytes(&[1u8; 32]),
            "base_key": json_bytes(&[2u8; 32]),
            "one_time_key": json_bytes(&[3u8; 32]),
        },
        "sending_ratchet": {
            "type": "inactive",
            "root_key": {"key": json_bytes(&[0u8; 32])},
            "ratchet_key": ratchet,
            "ratchet_count": {"Known": 0},
        },
        "receiving_chains": {"inner": [{
            "ratchet_key": ratchet,
            "hkdf_ratchet": {"key": json_bytes(&[0u8; 32]), "index": next},
            "skipped_message_keys": {"inner": [{"key": json_bytes(&mk), "index": n}]},
            "ratchet_count": {"Known": 0},
        }]},
        "config": {"version": "V1"},
    });
    let pickle: SessionPickle =
        serde_json::from_value(pickle).map_err(|e| internal("building a SessionPickle", e))?;
    let mut session = Session::from_pickle(pickle);
    let plaintext = session
        .decrypt(&OlmMessage::Normal(message))
        .map_err(decryption_error)?;
    Ok(json!({"plaintext": hx(plaintext)}))
}

fn message_parse(req: &Map<String, Value>) -> OpResult {
    let bytes = arg_bytes(req, "message")?;
    let message = Message::from_bytes(&bytes).map_err(decode_error)?;
    Ok(parsed_message(&message))
}

fn parsed_message(message: &Message) -> Value {
    // vodozemac keeps the MAC crate-private; to_bytes() is its encoding followed by the MAC
    // (8 bytes for version 3, 32 for version 4).
    let encoded = message.to_bytes();
    let mac_len = if message.version() == 3 { 8 } else { 32 };
    let mac = &encoded[encoded.len().saturating_sub(mac_len)..];
    json!({
        "version": message.version(),
        "ratchetKey": hx(message.ratchet_key().to_bytes()),
        "n": message.chain_index(),
        "ciphertext": hx(message.ciphertext()),
        "mac": hx(mac),
        "reencoded": hx(&encoded),
    })
}

fn prekey_message_parse(req: &Map<String, Value>) -> OpResult {
    let bytes = arg_bytes(req, "message")?;
    let message = PreKeyMessage::from_bytes(&bytes).map_err(decode_error)?;
    let encoded = message.to_bytes();
    Ok(json!({
        "version": encoded.first().copied().unwrap_or(0),
        "oneTimeKey": hx(message.one_time_key().to_bytes()),
        "baseKey": hx(message.base_key().to_bytes()),
        "identityKey": hx(message.identity_key().to_bytes()),
        "message": hx(message.message().to_bytes()),
        "reencoded": hx(&encoded),
    }))
}

// ---------------------------------------------------------------- main loop

fn respond(adapter: &mut Adapter, line: &str) -> Value {
    let request: Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => {
            return json!({"id": null, "error": {"kind": "bad_request", "message": format!("not JSON: {e}")}})
        }
    };
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    let Some(obj) = request.as_object() else {
        return json!({"id": id, "error": {"kind": "bad_request", "message": "request is not a JSON object"}});
    };
    let Some(op) = obj.get("op").and_then(Value::as_str) else {
        return json!({"id": id, "error": {"kind": "bad_request", "message": "missing \"op\" (string)"}});
    };
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| adapter.handle(op, obj)));
    match outcome {
        Ok(Ok(ok)) => json!({"id": id, "ok": ok}),
        Ok(Err(e)) => json!({"id": id, "error": {"kind": e.kind, "message": e.message}}),
        Err(_) => {
            json!({"id": id, "error": {"kind": "library_error", "message": format!("panic while handling {op}")}})
        }
    }
}

fn main() {
    // A panic inside vodozemac is answered (library_error); keep its message on stderr.
    panic::set_hook(Box::new(|info| {
        eprintln!("vodozemac-adapter: panic: {info}")
    }));
    let stdin = io::stdin();
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut adapter = Adapter::default();
    let mut input = stdin.lock();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match input.read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                eprintln!("vodozemac-adapter: reading stdin: {e}");
                break;
            }
        }
        let line = String::from_utf8_lossy(&buf);
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let response = respond(&mut adapter, line);
        if writeln!(out, "{response}")
            .and_then(|_| out.flush())
            .is_err()
        {
            break;
        }
    }
}
