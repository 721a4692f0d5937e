//! Request handling of the reference SUT. Every request gets exactly one response; nothing
//! a request contains can make it panic.

use std::collections::BTreeMap;

use ratchet_ref::primitives::aead::{decrypt, encrypt};
use ratchet_ref::primitives::{
    concat, dh, generate_dh_from_bytes, kdf_ck, kdf_rk, ChainKey, DhOutput, DhPrivateKey,
    DhPublicKey, Header, IdentityKeyPair, IdentityPublicKey, Message, MessageKey, RootKey,
};
use ratchet_ref::session::OlmSessionState;
use ratchet_ref::x3dh::{initiate, respond, sign_prekey, PreKeyBundle};
use ratchet_ref::{Profile, QueuedKeySource, Session, SessionSnapshot};
use serde_json::{json, Map, Value};

use super::args::{self, parse, HeaderFields, Role};
use super::olm_ops;
use super::signal_ops;
use crate::driver::hex_bytes::Hex;
use crate::driver::protocol::{protocol_error, OpError, Request, Response, PROTOCOL_VERSION};
use ratchet_ref::profile::{KeyAgreement, MessageFormat, SkipLimits};
use ratchet_ref::signal::handshake::SignalSession;

/// Most sessions one SUT process keeps open.
pub const MAX_SESSIONS: usize = 4096;

/// Every op the reference implements, in the order `hello` lists them.
pub const OPS: &[&str] = &[
    "hello",
    "generate_dh",
    "dh",
    "kdf_rk",
    "kdf_ck",
    "encrypt",
    "decrypt",
    "header_encode",
    "header_decode",
    "concat",
    "message_parse",
    "identity_public",
    "sign_prekey",
    "x3dh_initiate",
    "x3dh_respond",
    "session_create",
    "session_encrypt",
    "session_decrypt",
    "session_export",
    "session_import",
    "session_dh_ratchet",
    "session_close",
    "triple_dh_initiate",
    "triple_dh_respond",
    "message_encrypt",
    "message_decrypt",
    "prekey_message_parse",
    "xeddsa_sign",
    "xeddsa_verify",
    "echo",
];

/// The reference implementation as a SUT.
pub struct ReferenceSut {
    profile: Profile,
    /// The limits `hello` declares: the profile's own, also for a mutant whose bug breaks
    /// them (a bug does not change what an implementation claims).
    declared_limits: SkipLimits,
    sessions: BTreeMap<String, Session>,
    /// Sessions of Signal-family profiles, which carry both identity keys.
    signal_sessions: BTreeMap<String, SignalSession>,
}

fn bad(what: String) -> OpError {
    OpError::bad_request(what)
}

/// A `session_import` state of the session's family, with the JSON path of what was wrong.
fn import_state<T: serde::de::DeserializeOwned>(state: Value) -> Result<T, OpError> {
    serde_path_to_error::deserialize(state)
        .map_err(|e| bad(format!("session_import: state {}: {}", e.path(), e.inner())))
}

fn key32(value: &Hex, what: &str) -> Result<[u8; 32], OpError> {
    value.array32(what).map_err(bad)
}

/// The injected keys of a request, as a key source.
pub(crate) fn queue(keys: &[Hex]) -> Result<QueuedKeySource, OpError> {
    let mut queue = QueuedKeySource::new();
    for (i, key) in keys.iter().enumerate() {
        queue.push(key32(key, &format!("keys[{i}]"))?);
    }
    Ok(queue)
}

fn header_of(fields: &HeaderFields) -> Result<Header, OpError> {
    Ok(Header {
        dh: DhPublicKey::from_slice(fields.dh.bytes())?,
        pn: fields.pn,
        n: fields.n,
    })
}

fn header_json(header: &Header) -> Value {
    json!({"dh": Hex::from(header.dh.0), "pn": header.pn, "n": header.n})
}

impl ReferenceSut {
    /// A SUT for `profile`.
    pub fn new(profile: Profile) -> ReferenceSut {
        ReferenceSut {
            profile,
            declared_limits: profile.limits,
            sessions: BTreeMap::new(),
            signal_sessions: BTreeMap::new(),
        }
    }

    /// A SUT that runs `actual` (a mutant of `declared`) but declares `declared`'s limits.
    pub fn mutant_of(declared: Profile, actual: Profile) -> ReferenceSut {
        ReferenceSut {
            declared_limits: declared.limits,
            ..ReferenceSut::new(actual)
        }
    }

    /// Handles one request line and returns the response line. Lines that are not requests
    /// get a `bad_request` response with the id if it could be read, else `null`.
    pub fn handle_line(&mut self, line: &str) -> String {
        let value: Value = match serde_json::from_str(line) {
            Ok(value) => value,
            Err(e) => return Response::line(None, &Err(bad(format!("request is not JSON: {e}")))),
        };
        let Value::Object(mut object) = value else {
            return Response::line(None, &Err(bad("request is not a JSON object".into())));
        };
        let id = match object.remove("id") {
            Some(Value::Number(n)) if n.as_u64().is_some() => n.as_u64(),
            _ => {
                return Response::line(
                    None,
                    &Err(bad("request needs a non-negative integer \"id\"".into())),
                )
            }
        };
        let op = match object.remove("op") {
            Some(Value::String(op)) => op,
            _ => return Response::line(id, &Err(bad("request needs a string \"op\"".into()))),
        };
        let request = Request {
            id: id.unwrap_or(0),
            op,
            args: object,
        };
        Response::line(id, &self.handle(&request))
    }

    /// The profile a request names (`profile`), or this SUT's own. A mutant's profile keeps
    /// its deliberate bugs when a request names it.
    fn profile_of(&self, request: &Request) -> Result<Profile, OpError> {
        match request.args.get("profile") {
            None => Ok(self.profile),
            Some(Value::String(name)) if name == self.profile.name => Ok(self.profile),
            Some(Value::String(name)) => Profile::by_name(name).ok_or_else(|| {
                bad(format!(
                    "unknown profile {name:?}; this SUT implements {}",
                    Profile::names().join(", ")
                ))
            }),
            Some(_) => Err(bad("\"profile\" must be a string".into())),
        }
    }

    /// Handles a parsed request.
    pub fn handle(&mut self, request: &Request) -> Result<Value, OpError> {
        let a = &request.args;
        let op = request.op.as_str();
        let p = self.profile_of(request)?;
        if let Some(result) = signal_ops::handle(&p, op, a, &mut self.signal_sessions) {
            return result;
        }
        if let Some(result) = olm_ops::handle(&p, op, a) {
            return result;
        }
        match op {
            "hello" => Ok(self.hello()),
            "generate_dh" => {
                let r: args::GenerateDh = parse(op, a)?;
                let pair = generate_dh_from_bytes(key32(&r.private, "private")?);
                Ok(json!({"public": Hex::from(pair.public.0)}))
            }
            "dh" => {
                let r: args::Dh = parse(op, a)?;
                let private = DhPrivateKey::from_bytes(key32(&r.private, "private")?);
                let out = dh(&p, &private, &DhPublicKey::from_slice(r.public.bytes())?)?;
                Ok(json!({"shared": Hex::from(*out.expose())}))
            }
            "kdf_rk" => {
                let r: args::KdfRk = parse(op, a)?;
                let (rk, ck) = kdf_rk(
                    &p,
                    &RootKey::from_bytes(key32(&r.rk, "rk")?),
                    &DhOutput::from_bytes(key32(&r.dh_out, "dhOut")?),
                );
                Ok(json!({"rk": Hex::from(*rk.expose()), "ck": Hex::from(*ck.expose())}))
            }
            "kdf_ck" => {
                let r: args::KdfCk = parse(op, a)?;
                let (ck, mk) = kdf_ck(&p, &ChainKey::from_bytes(key32(&r.ck, "ck")?));
                Ok(json!({"ck": Hex::from(*ck.expose()), "mk": Hex::from(*mk.expose())}))
            }
            "encrypt" => {
                let r: args::Encrypt = parse(op, a)?;
                let mk = MessageKey::from_bytes(key32(&r.mk, "mk")?);
                let ct = encrypt(&p, &mk, r.plaintext.bytes(), r.ad.bytes());
                Ok(json!({"ciphertext": Hex(ct)}))
            }
            "decrypt" => {
                let r: args::Decrypt = parse(op, a)?;
                let mk = MessageKey::from_bytes(key32(&r.mk, "mk")?);
                let pt = decrypt(&p, &mk, r.ciphertext.bytes(), r.ad.bytes())?;
                Ok(json!({"plaintext": Hex(pt)}))
            }
            "header_encode" => {
                let r: HeaderFields = parse(op, a)?;
                Ok(json!({"header": Hex::from(header_of(&r)?.encode())}))
            }
            "header_decode" => {
                let r: args::HeaderDecode = parse(op, a)?;
                Ok(header_json(&Header::decode(r.header.bytes())?))
            }
            "concat" => {
                let r: args::Concat = parse(op, a)?;
                Ok(json!({"concat": Hex(concat(r.ad.bytes(), &header_of(&r.header)?))}))
            }
            "message_parse" if matches!(p.wire, MessageFormat::Olm(_)) => {
                olm_ops::message_parse(&p, op, a)
            }
            "session_create" if matches!(p.key_agreement, KeyAgreement::TripleDh { .. }) => {
                if !a
                    .get("session")
                    .and_then(Value::as_str)
                    .is_some_and(|s| self.sessions.contains_key(s))
                    && self.sessions.len() >= MAX_SESSIONS
                {
                    return Err(bad(format!("at most {MAX_SESSIONS} sessions may be open")));
                }
                let (name, session, answer) = olm_ops::session_create(&p, op, a)?;
                self.sessions.insert(name, session);
                Ok(answer)
            }
            "message_parse" => {
                let r: args::MessageParse = parse(op, a)?;
                let m = Message::parse(&p, r.message.bytes())?;
                Ok(json!({"header": header_json(&m.header), "body": Hex::from(m.body)}))
            }
            "identity_public" => {
                let r: args::IdentityPublic = parse(op, a)?;
                let pair = IdentityKeyPair::from_seed(key32(&r.seed, "seed")?);
                Ok(json!({
                    "identityKey": Hex::from(pair.public().0),
                    "dhPublic": Hex::from(pair.dh_public().0),
                }))
            }
            "sign_prekey" => {
                let r: args::SignPrekey = parse(op, a)?;
                let pair = IdentityKeyPair::from_seed(key32(&r.identity_seed, "identitySeed")?);
                let prekey = DhPublicKey::from_slice(r.prekey.bytes())?;
                Ok(json!({"signature": Hex::from(sign_prekey(&p, &pair, &prekey))}))
            }
            "x3dh_initiate" => {
                let r: args::X3dhInitiate = parse(op, a)?;
                let identity = IdentityKeyPair::from_seed(key32(&r.identity_seed, "identitySeed")?);
                let bundle = PreKeyBundle {
                    identity_key: IdentityPublicKey::from_slice(r.bundle.identity_key.bytes())?,
                    signed_prekey: DhPublicKey::from_slice(r.bundle.signed_prekey.bytes())?,
                    signed_prekey_signature: r.bundle.signature.bytes().try_into().map_err(
                        |_| {
                            ratchet_ref::Error::new(
                                ratchet_ref::ErrorKind::InvalidSignature,
                                format!(
                                    "an Ed25519 signature is 64 bytes, got {}",
                                    r.bundle.signature.bytes().len()
                                ),
                            )
                        },
                    )?,
                    one_time_prekey: r
                        .bundle
                        .one_time_prekey
                        .as_ref()
                        .map(|k| DhPublicKey::from_slice(k.bytes()))
                        .transpose()?,
                };
                let mut keys = queue(std::slice::from_ref(&r.ephemeral_private))?;
                let out = initiate(&p, &identity, &bundle, &mut keys)?;
                Ok(json!({
                    "sk": Hex::from(*out.sk.expose()),
                    "ad": Hex(out.ad),
                    "ephemeralPublic": Hex::from(out.ephemeral.public.0),
                    "dhOutputs": out.dh_outputs.iter().map(|d| Hex::from(*d.expose())).collect::<Vec<_>>(),
                }))
            }
            "x3dh_respond" => {
                let r: args::X3dhRespond = parse(op, a)?;
                let identity = IdentityKeyPair::from_seed(key32(&r.identity_seed, "identitySeed")?);
                let spk =
                    generate_dh_from_bytes(key32(&r.signed_prekey_private, "signedPrekeyPrivate")?);
                let opk = r
                    .one_time_prekey_private
                    .as_ref()
                    .map(|k| key32(k, "oneTimePrekeyPrivate").map(generate_dh_from_bytes))
                    .transpose()?;
                let out = respond(
                    &p,
                    &identity,
                    &spk,
                    opk.as_ref(),
                    &IdentityPublicKey::from_slice(r.initiator_identity_key.bytes())?,
                    &DhPublicKey::from_slice(r.initiator_ephemeral_key.bytes())?,
                )?;
                Ok(json!({
                    "sk": Hex::from(*out.sk.expose()),
                    "ad": Hex(out.ad),
                    "dhOutputs": out.dh_outputs.iter().map(|d| Hex::from(*d.expose())).collect::<Vec<_>>(),
                }))
            }
            "session_create" => {
                let r: args::SessionCreate = parse(op, a)?;
                if !self.sessions.contains_key(&r.session) && self.sessions.len() >= MAX_SESSIONS {
                    return Err(bad(format!("at most {MAX_SESSIONS} sessions may be open")));
                }
                let sk = RootKey::from_bytes(key32(&r.sk, "sk")?);
                let keys = Box::new(queue(&r.keys)?);
                let session = match r.role {
                    Role::Initiator => {
                        let peer = r.peer_ratchet_key.ok_or_else(|| {
                            bad("session_create: an initiator needs \"peerRatchetKey\"".into())
                        })?;
                        Session::init_alice(p, sk, DhPublicKey::from_slice(peer.bytes())?, keys)?
                    }
                    Role::Responder => {
                        let private = r.ratchet_private.ok_or_else(|| {
                            bad("session_create: a responder needs \"ratchetPrivate\"".into())
                        })?;
                        let pair = generate_dh_from_bytes(key32(&private, "ratchetPrivate")?);
                        Session::init_bob(p, sk, pair, keys)
                    }
                };
                let public = session.ratchet_public();
                self.sessions.insert(r.session, session);
                Ok(json!({"ratchetPublic": Hex::from(public.0)}))
            }
            "session_encrypt" => {
                let r: args::SessionEncrypt = parse(op, a)?;
                let keys = queue(&parse::<args::SessionEncryptKeys>(op, a)?.keys)?;
                let session = self.session(&r.session)?;
                session.set_key_source(Box::new(keys));
                let result = session.encrypt_typed(r.plaintext.bytes(), r.ad.bytes());
                session.set_key_source(Box::new(QueuedKeySource::new()));
                let (kind, message) = result?;
                Ok(json!({"message": Hex(message), "type": olm_ops::kind_name(kind)}))
            }
            "session_decrypt" => {
                let r: args::SessionDecrypt = parse(op, a)?;
                let kind = olm_ops::message_kind(a, op)?;
                let keys = queue(&r.keys)?;
                let session = self.session(&r.session)?;
                session.set_key_source(Box::new(keys));
                let result = session.decrypt_typed(kind, r.message.bytes(), r.ad.bytes());
                session.set_key_source(Box::new(QueuedKeySource::new()));
                Ok(json!({"plaintext": Hex(result?)}))
            }
            "session_export" => {
                let r: args::SessionRef = parse(op, a)?;
                let session = self.session(&r.session)?;
                let state = match session.profile().key_agreement {
                    KeyAgreement::TripleDh { .. } => serde_json::to_value(session.olm_state()),
                    KeyAgreement::X3dh { .. } | KeyAgreement::SignalX3dh { .. } => {
                        serde_json::to_value(session.snapshot())
                    }
                }
                .map_err(|e| OpError::new("internal", e.to_string()))?;
                Ok(json!({ "state": state }))
            }
            "session_import" => {
                let r: args::SessionImport = parse(op, a)?;
                if !self.sessions.contains_key(&r.session) && self.sessions.len() >= MAX_SESSIONS {
                    return Err(bad(format!("at most {MAX_SESSIONS} sessions may be open")));
                }
                let keys = Box::new(QueuedKeySource::new());
                let session = match p.key_agreement {
                    KeyAgreement::TripleDh { .. } => {
                        let state: OlmSessionState = import_state(r.state)?;
                        Session::restore_olm(p, &state, keys)?
                    }
                    KeyAgreement::X3dh { .. } | KeyAgreement::SignalX3dh { .. } => {
                        let snapshot: SessionSnapshot = import_state(r.state)?;
                        Session::restore(p, &snapshot, keys)?
                    }
                };
                self.sessions.insert(r.session, session);
                Ok(json!({}))
            }
            "session_dh_ratchet" => {
                let r: args::SessionDhRatchet = parse(op, a)?;
                let header = header_of(&r.header)?;
                let keys = queue(&r.keys)?;
                let session = self.session(&r.session)?;
                session.set_key_source(Box::new(keys));
                let result = session.dh_ratchet(&header);
                session.set_key_source(Box::new(QueuedKeySource::new()));
                result?;
                Ok(json!({}))
            }
            "session_close" => {
                let r: args::SessionRef = parse(op, a)?;
                self.sessions.remove(&r.session);
                Ok(json!({}))
            }
            // The protocol's own cost, which `ratchet-harness bench` subtracts: the hex is
            // decoded into bytes and encoded again, as every byte field of a real op is.
            "echo" => {
                let r: args::Echo = parse(op, a)?;
                Ok(json!({ "data": r.data }))
            }
            other => Err(OpError::new(
                protocol_error::UNSUPPORTED,
                format!("unknown op {other:?}"),
            )),
        }
    }

    fn session(&mut self, name: &str) -> Result<&mut Session, OpError> {
        self.sessions.get_mut(name).ok_or_else(|| {
            OpError::new(
                protocol_error::UNKNOWN_SESSION,
                format!("no session named {name:?}; create it with session_create first"),
            )
        })
    }

    fn hello(&self) -> Value {
        let mut limits = Map::new();
        limits.insert("maxSkip".into(), json!(self.declared_limits.max_skip));
        limits.insert(
            "maxStoredKeys".into(),
            json!(self.declared_limits.max_stored_keys),
        );
        let by_profile: Map<String, Value> = Profile::all()
            .iter()
            .map(|p| {
                (
                    p.name.to_string(),
                    json!({"maxSkip": p.limits.max_skip, "maxStoredKeys": p.limits.max_stored_keys}),
                )
            })
            .collect();
        json!({
            "name": "ratchet-ref",
            "version": env!("CARGO_PKG_VERSION"),
            "protocolVersion": PROTOCOL_VERSION,
            "profiles": Profile::names(),
            "ops": OPS,
            "limits": limits,
            "limitsByProfile": by_profile,
            "injectKeys": true,
            "exportState": true,
            "importState": true,
        })
    }
}
