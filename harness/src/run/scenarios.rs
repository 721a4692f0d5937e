//! Live interop scenarios: the reference plays the peer of the SUT, in both roles, and every
//! message crosses between two independent implementations. These need no injected keys, so
//! they also judge SUTs that can only use their own randomness.

use ratchet_ref::primitives::generate_dh_from_bytes;
use ratchet_ref::primitives::{DhKeyPair, Header, RootKey};
use ratchet_ref::profile::{KeyAgreement, MessageFormat, SenderRatchet, StoredKeysScope};
use ratchet_ref::session::MessageKind;
use ratchet_ref::triple_dh::{inbound_session, outbound_session};
use ratchet_ref::{ErrorKind, Profile, Session};
use serde::Serialize;
use serde_json::{json, Value};

use crate::driver::hex_bytes::Hex;
use crate::driver::protocol::OpError;
use crate::driver::{Capabilities, Driver, SutFailure};
use crate::run::sent_headers::SentHeaders;
use crate::vectors::replay::{Difference, Verdict};
use crate::vectors::vector_rng::VectorRng;
use ratchet_ref::primitives::wire::MessageFields;

/// Which role the SUT plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SutRole {
    /// The SUT is Alice; the reference is Bob.
    Initiator,
    /// The SUT is Bob; the reference is Alice.
    Responder,
}

/// The outcome of one scenario in one role.
#[derive(Debug, Clone)]
pub struct ScenarioResult {
    pub name: &'static str,
    pub role: SutRole,
    pub verdict: Verdict,
    /// For a failure: the last events of the conversation, oldest first, with the header
    /// values of each message.
    pub events: Vec<String>,
}

/// How many of the last events a failed scenario keeps.
pub const EVENTS_KEPT: usize = 8;

enum Stop {
    Fail(Difference),
    Sut(SutFailure),
    NotApplicable(String),
}

type Step<T> = Result<T, Stop>;

/// A conversation between the SUT and a reference peer.
struct Live<'a> {
    driver: &'a mut dyn Driver,
    profile: Profile,
    /// The reference peer; an Olm responder exists only once the first pre-key message has
    /// arrived (`peer_inbound` holds its identity and one-time keys until then).
    peer: Option<Session>,
    peer_inbound: Option<(DhKeyPair, DhKeyPair)>,
    session: String,
    /// An Olm SUT responder is created from its first pre-key message: its identity and
    /// one-time private keys until then.
    sut_inbound: Option<(Hex, Hex)>,
    ad: Vec<u8>,
    rng: VectorRng,
    step: usize,
    /// The last [`EVENTS_KEPT`] events, oldest first.
    events: std::collections::VecDeque<Event>,
    /// What the header fields of the SUT's next message must be.
    headers: SentHeaders,
}

/// The ratchet fields of a message (of the embedded message, for an Olm pre-key message).
fn fields_of(profile: &Profile, message: &[u8]) -> Option<MessageFields> {
    let offset = ratchet_message_offset(profile, message).min(message.len());
    ratchet_ref::primitives::wire::parse(profile, &message[offset..])
        .ok()
        .map(|parsed| parsed.fields)
}

/// How the reference's sends begin in the event log.
const PEER_SENT: &str = "reference sent";

/// One event of a live conversation, or a run of the reference's sends.
struct Event {
    what: String,
    /// The first of a run (equal to `what` for a single event).
    first: String,
    repeated: usize,
}

impl Event {
    fn describe(&self) -> String {
        if self.repeated == 1 {
            self.what.clone()
        } else {
            let strip = |e: &str| e.trim_start_matches(PEER_SENT).trim_start().to_string();
            format!(
                "{PEER_SENT} {} messages, the first {}; the last {}",
                self.repeated,
                strip(&self.first),
                strip(&self.what)
            )
        }
    }
}

/// A message's header values as the harness reads them (it knows the profile): ratchet key
/// (first bytes), PN where the format has it, N; or why they cannot be read.
fn header_values(profile: &Profile, message: &[u8]) -> String {
    let offset = ratchet_message_offset(profile, message).min(message.len());
    let kind = kind_name(kind_of(profile, message));
    match ratchet_ref::primitives::wire::parse(profile, &message[offset..]) {
        Ok(parsed) => {
            let fields = parsed.fields;
            let dh = hex::encode(&fields.dh.0[..4]);
            let pn = fields.pn.map(|pn| format!(", pn {pn}")).unwrap_or_default();
            format!(
                "{kind}, {} bytes: dh {dh}…{pn}, n {}",
                message.len(),
                fields.n
            )
        }
        Err(e) => format!("{kind}, {} bytes: header unreadable ({e})", message.len()),
    }
}

/// Olm's transport tells pre-key from normal messages; the harness knows the layout (a
/// pre-key message's second field is the base key, tag 0x12, right after the 32-byte
/// one-time key).
fn kind_of(profile: &Profile, message: &[u8]) -> MessageKind {
    match profile.wire {
        MessageFormat::Olm(_) if message.get(35) == Some(&0x12) => MessageKind::PreKey,
        _ => MessageKind::Normal,
    }
}

/// Where the ratchet message starts: after a pre-key message's envelope (whose fields carry
/// no MAC, so tampering them proves nothing), else at 0.
fn ratchet_message_offset(profile: &Profile, message: &[u8]) -> usize {
    match (&profile.wire, kind_of(profile, message)) {
        (MessageFormat::Olm(format), MessageKind::PreKey) => {
            ratchet_ref::primitives::OlmPreKeyMessage::parse(message, format.version_byte)
                .map_or(0, |m| message.len() - m.message.len())
        }
        _ => 0,
    }
}

fn kind_name(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::Normal => "normal",
        MessageKind::PreKey => "prekey",
    }
}

fn fail(step: usize, what: &str, field: &str, expected: String, got: String) -> Stop {
    Stop::Fail(Difference::new(
        format!("step {step}: {what}"),
        field.into(),
        expected,
        got,
    ))
}

impl Live<'_> {
    /// Records an event, keeping the last [`EVENTS_KEPT`]; a run of messages the reference
    /// sends in a row is one event.
    fn event(&mut self, what: String) {
        if let Some(last) = self.events.back_mut() {
            if last.what.starts_with(PEER_SENT) && what.starts_with(PEER_SENT) {
                last.repeated += 1;
                last.what = what;
                return;
            }
        }
        if self.events.len() == EVENTS_KEPT {
            self.events.pop_front();
        }
        self.events.push_back(Event {
            first: what.clone(),
            what,
            repeated: 1,
        });
    }

    fn call(&mut self, op: &str, args: Value) -> Step<Result<Value, OpError>> {
        let mut answers = self.driver.call_batch(&[(op.to_string(), args)]);
        match answers.pop() {
            Some(Ok(outcome)) => Ok(outcome),
            Some(Err(failure)) => Err(Stop::Sut(failure)),
            None => Err(Stop::Sut(SutFailure {
                diagnosis: "no_answer".into(),
                detail: format!("{op} got no answer"),
            })),
        }
    }

    fn keys(&mut self) -> Value {
        if self.driver.capabilities().inject_keys {
            json!([Hex::from(self.rng.key())])
        } else {
            json!([])
        }
    }

    /// The SUT encrypts; the message comes back as bytes.
    fn sut_send(&mut self, plaintext: &[u8]) -> Step<Vec<u8>> {
        self.step += 1;
        let step = self.step;
        let keys = self.keys();
        let args = json!({"session": self.session, "plaintext": Hex::from(plaintext), "ad": Hex(self.ad.clone()), "keys": keys});
        let answer = self.call("session_encrypt", args)?;
        let sent = answer
            .as_ref()
            .ok()
            .and_then(|body| body.get("message"))
            .and_then(Value::as_str)
            .and_then(|h| hex::decode(h).ok());
        let event = match (&sent, &answer) {
            (Some(m), _) => format!("step {step}: SUT sent {}", header_values(&self.profile, m)),
            (None, Err(e)) => format!("step {step}: SUT encrypt failed: {}", e.kind),
            (None, Ok(_)) => format!("step {step}: SUT encrypt answered no message"),
        };
        self.event(event);
        if let Some(m) = &sent {
            let Some(fields) = fields_of(&self.profile, m) else {
                return Err(fail(
                    step,
                    "SUT encrypt",
                    "/message",
                    format!("a message of profile {}", self.profile.name),
                    format!("{} bytes that do not parse", m.len()),
                ));
            };
            if let Err(d) = self.headers.sent(&fields) {
                return Err(fail(
                    step,
                    "SUT encrypt: the header the protocol requires now",
                    &format!("/message header {}", d.field),
                    d.expected,
                    d.got,
                ));
            }
        }
        match answer {
            Ok(body) => sent.ok_or_else(|| {
                fail(
                    step,
                    "SUT encrypt",
                    "/message",
                    "hex bytes".into(),
                    crate::driver::shorten(&body),
                )
            }),
            Err(e) => Err(fail(
                step,
                "SUT encrypt",
                "result",
                "success".into(),
                format!("error {}: {}", e.kind, e.message),
            )),
        }
    }

    /// The reference decrypts what the SUT sent.
    fn peer_receive(&mut self, message: &[u8], plaintext: &[u8]) -> Step<()> {
        self.step += 1;
        let step = self.step;
        let event = format!(
            "step {step}: reference receives {}",
            header_values(&self.profile, message)
        );
        self.event(event);
        let outcome = match (&mut self.peer, self.peer_inbound.take()) {
            (Some(peer), inbound) => {
                self.peer_inbound = inbound;
                peer.decrypt_typed(kind_of(&self.profile, message), message, &self.ad)
            }
            (None, Some((identity, one_time))) => {
                let keys = Box::new(VectorRng::new(self.rng.key()));
                match inbound_session(self.profile, &identity, &one_time, message, keys) {
                    Ok((peer, plaintext)) => {
                        self.peer = Some(peer);
                        Ok(plaintext)
                    }
                    Err(e) => {
                        self.peer_inbound = Some((identity, one_time));
                        Err(e)
                    }
                }
            }
            (None, None) => Err(ratchet_ref::Error::new(
                ErrorKind::InvalidState,
                "the reference peer has no session",
            )),
        };
        match outcome {
            Ok(p) if p == plaintext => Ok(()),
            Ok(p) => Err(fail(
                step,
                "reference decrypts the SUT's message",
                "plaintext",
                hex::encode(plaintext),
                hex::encode(p),
            )),
            Err(e) => Err(fail(
                step,
                "reference decrypts the SUT's message",
                "result",
                "success".into(),
                format!("error {e}"),
            )),
        }
    }

    fn peer_send(&mut self, plaintext: &[u8]) -> Vec<u8> {
        let message = match &mut self.peer {
            Some(peer) => peer.encrypt(plaintext, &self.ad).unwrap_or_default(),
            None => Vec::new(),
        };
        let event = format!("{PEER_SENT} {}", header_values(&self.profile, &message));
        self.event(event);
        message
    }

    fn sut_decrypt(&mut self, message: &[u8], ad: &[u8]) -> Step<Result<Vec<u8>, OpError>> {
        let outcome = self.sut_decrypt_unrecorded(message, ad)?;
        if outcome.is_ok() {
            if let Some(fields) = fields_of(&self.profile, message) {
                self.headers.received(&fields);
            }
        }
        Ok(outcome)
    }

    fn sut_decrypt_unrecorded(
        &mut self,
        message: &[u8],
        ad: &[u8],
    ) -> Step<Result<Vec<u8>, OpError>> {
        if let Some((identity, one_time)) = self.sut_inbound.clone() {
            let args = json!({"session": self.session, "role": "responder", "identityPrivate": identity, "oneTimePrivate": one_time, "message": Hex::from(message)});
            let outcome = self.call("session_create", args)?;
            if outcome.is_ok() {
                self.sut_inbound = None;
            }
            return Ok(outcome.map(|body| {
                body.get("plaintext")
                    .and_then(Value::as_str)
                    .and_then(|h| hex::decode(h).ok())
                    .unwrap_or_default()
            }));
        }
        let keys = self.keys();
        let kind = kind_name(kind_of(&self.profile, message));
        let args = json!({"session": self.session, "message": Hex::from(message), "ad": Hex::from(ad), "keys": keys, "type": kind});
        Ok(self.call("session_decrypt", args)?.map(|body| {
            body.get("plaintext")
                .and_then(Value::as_str)
                .and_then(|h| hex::decode(h).ok())
                .unwrap_or_default()
        }))
    }

    /// The SUT must decrypt `message` to `plaintext`.
    fn sut_receive(&mut self, message: &[u8], plaintext: &[u8]) -> Step<()> {
        self.step += 1;
        let step = self.step;
        let event = format!(
            "step {step}: SUT receives {}",
            header_values(&self.profile, message)
        );
        self.event(event);
        let ad = self.ad.clone();
        match self.sut_decrypt(message, &ad)? {
            Ok(p) if p == plaintext => Ok(()),
            Ok(p) => Err(fail(
                step,
                "SUT decrypts",
                "/plaintext",
                hex::encode(plaintext),
                hex::encode(p),
            )),
            Err(e) => Err(fail(
                step,
                "SUT decrypts",
                "result",
                "success".into(),
                format!("error {}: {}", e.kind, e.message),
            )),
        }
    }

    /// The SUT must reject `message` with one of `kinds`.
    fn sut_reject(
        &mut self,
        what: &str,
        message: &[u8],
        ad: &[u8],
        kinds: &[ErrorKind],
    ) -> Step<()> {
        self.step += 1;
        let step = self.step;
        let event = format!(
            "step {step}: SUT must reject ({what}) {}",
            header_values(&self.profile, message)
        );
        self.event(event);
        let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        match self.sut_decrypt(message, ad)? {
            Err(e) if names.contains(&e.kind.as_str()) => Ok(()),
            Err(e) => Err(fail(
                step,
                what,
                "error.kind",
                names.join(" or "),
                format!("{} ({})", e.kind, e.message),
            )),
            Ok(_) => Err(fail(
                step,
                what,
                "result",
                format!("error {}", names.join(" or ")),
                "success".into(),
            )),
        }
    }

    /// Opens the conversation: the initiator's first message reaches the responder.
    fn open(&mut self, role: SutRole) -> Step<()> {
        match role {
            SutRole::Initiator => {
                let m = self.sut_send(b"opening")?;
                self.peer_receive(&m, b"opening")
            }
            SutRole::Responder => {
                let m = self.peer_send(b"opening");
                self.sut_receive(&m, b"opening")
            }
        }
    }
}

fn text(i: usize) -> Vec<u8> {
    format!("live message {i}").into_bytes()
}

type Body = fn(&mut Live, SutRole, &Capabilities) -> Step<()>;

/// The SUT's declared maxSkip, where it is small enough to exceed in a live conversation.
fn live_max_skip(caps: &Capabilities) -> Step<u64> {
    match caps.max_skip {
        None => Err(Stop::NotApplicable(
            "the SUT declares no maxSkip in hello".into(),
        )),
        Some(max) if max > 100_000 => Err(Stop::NotApplicable(format!(
            "maxSkip {max} is too large to exercise live"
        ))),
        Some(max) => Ok(max),
    }
}

/// Whether a scenario can exist in a profile (it asks the profile's variants).
type AppliesTo = fn(&Profile) -> bool;

fn every_profile(_: &Profile) -> bool {
    true
}

/// Messages carry PN: MAX_SKIP can be exceeded through it.
fn carries_pn(profile: &Profile) -> bool {
    profile.wire.has_pn()
}

/// One live scenario.
struct Scenario {
    name: &'static str,
    /// The sections whose rules it checks, in the `specSection` form of the vector notes.
    spec_sections: &'static str,
    applies_to: AppliesTo,
    body: Body,
}

fn scenario(
    name: &'static str,
    spec_sections: &'static str,
    applies_to: AppliesTo,
    body: Body,
) -> Scenario {
    Scenario {
        name,
        spec_sections,
        applies_to,
        body,
    }
}

/// Every scenario's name and the sections whose rules it checks (for the coverage matrix).
pub fn sections() -> Vec<(&'static str, &'static str)> {
    scenarios()
        .iter()
        .map(|s| (s.name, s.spec_sections))
        .collect()
}

/// Every scenario.
fn scenarios() -> Vec<Scenario> {
    vec![
        scenario(
            "burst",
            "DR §2.2, §3.3, §3.4, §3.5; olm.md, Initial setup; Sending the first pre-key messages; Advancing the chain key; Creating a message key; Receiving messages",
            every_profile, |l, _, _| {
            let ms: Vec<Vec<u8>> = (0..10).map(|i| l.peer_send(&text(i))).collect();
            for (i, m) in ms.iter().enumerate() {
                l.sut_receive(m, &text(i))?;
            }
            let mut sent = Vec::new();
            for i in 0..10 {
                sent.push(l.sut_send(&text(100 + i))?);
            }
            for (i, m) in sent.iter().enumerate() {
                l.peer_receive(m, &text(100 + i))?;
            }
            Ok(())
        }),
        scenario(
            "ping_pong",
            "DR §2.3, §2.4, §3.4, §3.5; olm.md, Advancing the root key; Sending normal messages",
            every_profile, |l, _, _| {
            for i in 0..20 {
                if i % 2 == 0 {
                    let m = l.peer_send(&text(i));
                    l.sut_receive(&m, &text(i))?;
                } else {
                    let m = l.sut_send(&text(i))?;
                    l.peer_receive(&m, &text(i))?;
                }
            }
            Ok(())
        }),
        scenario(
            "reordering",
            "DR §2.6, §3.5; olm.md, Receiving messages",
            every_profile, |l, _, _| {
            let ms: Vec<Vec<u8>> = (0..8).map(|i| l.peer_send(&text(i))).collect();
            for i in [5usize, 0, 7, 2, 1, 6, 3, 4] {
                l.sut_receive(&ms[i], &text(i))?;
            }
            let sent: Vec<Vec<u8>> = (0..8)
                .map(|i| l.sut_send(&text(50 + i)))
                .collect::<Step<_>>()?;
            for i in [7usize, 3, 0, 1, 6, 2, 5, 4] {
                l.peer_receive(&sent[i], &text(50 + i))?;
            }
            // Across a ratchet step: older messages arrive after newer chains.
            let old: Vec<Vec<u8>> = (0..3).map(|i| l.peer_send(&text(200 + i))).collect();
            l.sut_receive(&old[2], &text(202))?;
            let reply = l.sut_send(b"reply")?;
            l.peer_receive(&reply, b"reply")?;
            let new = l.peer_send(&text(300));
            l.sut_receive(&new, &text(300))?;
            l.sut_receive(&old[0], &text(200))?;
            l.sut_receive(&old[1], &text(201))
        }),
        scenario(
            "loss",
            "DR §2.6, §3.5; olm.md, Receiving messages",
            every_profile, |l, _, _| {
            let ms: Vec<Vec<u8>> = (0..10).map(|i| l.peer_send(&text(i))).collect();
            for i in [1usize, 4, 9] {
                l.sut_receive(&ms[i], &text(i))?;
            }
            let reply = l.sut_send(b"after loss")?;
            l.peer_receive(&reply, b"after loss")?;
            let next = l.peer_send(b"next chain");
            l.sut_receive(&next, b"next chain")
        }),
        scenario(
            "duplicates",
            "DR §3.5, §6.1; olm.md, Receiving messages",
            every_profile, |l, _, _| {
            let ms: Vec<Vec<u8>> = (0..3).map(|i| l.peer_send(&text(i))).collect();
            l.sut_receive(&ms[0], &text(0))?;
            let ad = l.ad.clone();
            l.sut_reject("duplicate in order", &ms[0], &ad, &[ErrorKind::Duplicate])?;
            l.sut_receive(&ms[2], &text(2))?;
            l.sut_receive(&ms[1], &text(1))?;
            l.sut_reject(
                "duplicate of a skipped message",
                &ms[1],
                &ad,
                &[ErrorKind::Duplicate],
            )?;
            l.sut_reject(
                "duplicate of the newest message",
                &ms[2],
                &ad,
                &[ErrorKind::Duplicate],
            )
        }),
        scenario(
            "tampering",
            "DR §3.5; olm.md, Receiving messages; Olm Authenticated Encryption",
            every_profile, |l, _, _| {
            let ad = l.ad.clone();
            let has_ad = matches!(l.profile.wire, MessageFormat::FixedHeader(_));
            // Where each field is: the fixed header's, or Olm's (version, 0x0A 0x20 key,
            // 0x10 chain index, 0x22 length, ciphertext, 8-byte MAC).
            let places: [(&str, usize); 5] = if has_ad {
                [
                    ("header ratchet key", 5),
                    ("header pn", 35),
                    ("header n", 38),
                    ("ciphertext", Header::LEN + 2),
                    ("tag", usize::MAX),
                ]
            } else {
                [
                    ("ratchet key", 5),
                    ("version byte", 0),
                    ("chain index", 35),
                    ("ciphertext", 40),
                    ("mac", usize::MAX),
                ]
            };
            // A new ratchet key while the SUT has no sending chain is refused before any
            // MAC can be checked, where the family draws its ratchet key lazily.
            let mut allowed = vec![ErrorKind::AuthFailed, ErrorKind::InvalidKey];
            if l.profile.sender_ratchet == SenderRatchet::AtNextSend {
                allowed.extend([
                    ErrorKind::InvalidState,
                    ErrorKind::Malformed,
                    ErrorKind::Duplicate,
                ]);
            }
            for (what, at) in places {
                let genuine = l.peer_send(what.as_bytes());
                let mut bad = genuine.clone();
                let at = if at == usize::MAX {
                    bad.len() - 1
                } else {
                    at + ratchet_message_offset(&l.profile, &genuine)
                };
                bad[at] ^= 0x01;
                l.sut_reject(&format!("tampered {what}"), &bad, &ad, &allowed)?;
                if has_ad {
                    let mut wrong_ad = ad.clone();
                    wrong_ad[0] ^= 0x01;
                    l.sut_reject(
                        "wrong associated data",
                        &genuine,
                        &wrong_ad,
                        &[ErrorKind::AuthFailed],
                    )?;
                }
                l.sut_receive(&genuine, what.as_bytes())?;
                let reply = l.sut_send(what.as_bytes())?;
                l.peer_receive(&reply, what.as_bytes())?;
            }
            Ok(())
        }),
        scenario(
            "max_skip",
            "DR §3.2, §3.5; profile limits",
            every_profile, |l, _, caps| {
            let max = live_max_skip(caps)? as usize;
            for i in 0..max {
                let _ = l.peer_send(&text(i));
            }
            let at_limit = l.peer_send(b"at the limit");
            let beyond = l.peer_send(b"one beyond");
            let ad = l.ad.clone();
            l.sut_reject(
                "MAX_SKIP + 1 skipped keys",
                &beyond,
                &ad,
                &[ErrorKind::TooManySkipped],
            )?;
            l.sut_receive(&at_limit, b"at the limit")?;
            l.sut_receive(&beyond, b"one beyond")
        }),
        scenario(
            "long_conversation",
            "DR §3.4, §3.5; olm.md, Receiving messages",
            every_profile, |l, _, _| {
            let mut to_sut: Vec<(usize, Vec<u8>)> = Vec::new();
            let mut to_peer: Vec<(usize, Vec<u8>)> = Vec::new();
            let mut sut_sends = false;
            for i in 0..2000 {
                if l.rng.below(5) == 0 {
                    sut_sends = !sut_sends;
                }
                if sut_sends {
                    to_peer.push((i, l.sut_send(&text(i))?));
                } else {
                    to_sut.push((i, l.peer_send(&text(i))));
                }
                // Deliver some in-flight messages, oldest-ish first, dropping 1 in 40.
                for queue_is_sut in [true, false] {
                    let queue = if queue_is_sut {
                        &mut to_sut
                    } else {
                        &mut to_peer
                    };
                    if queue.is_empty() || l.rng.below(2) == 0 {
                        continue;
                    }
                    let pick = l.rng.below(queue.len().min(4));
                    let (n, m) = queue.remove(pick);
                    if l.rng.below(40) == 0 {
                        continue;
                    }
                    if queue_is_sut {
                        l.sut_receive(&m, &text(n))?;
                    } else {
                        l.peer_receive(&m, &text(n))?;
                    }
                }
            }
            for (n, m) in std::mem::take(&mut to_sut) {
                l.sut_receive(&m, &text(n))?;
            }
            for (n, m) in std::mem::take(&mut to_peer) {
                l.peer_receive(&m, &text(n))?;
            }
            Ok(())
        }),
        scenario(
            "forged_stored_key",
            "DR §3.5; olm.md, Receiving messages",
            every_profile, |l, _, _| {
            // A forgery naming a stored key must leave the key: on the current chain, then
            // on the previous one after a DH ratchet step.
            let ad = l.ad.clone();
            for previous_chain in [false, true] {
                let ms: Vec<Vec<u8>> = (0..4).map(|i| l.peer_send(&text(200 + i))).collect();
                l.sut_receive(&ms[3], &text(203))?;
                if previous_chain {
                    let reply = l.sut_send(b"reply")?;
                    l.peer_receive(&reply, b"reply")?;
                    let next = l.peer_send(b"next chain");
                    l.sut_receive(&next, b"next chain")?;
                }
                let mut forged = ms[1].clone();
                if let Some(last) = forged.last_mut() {
                    *last ^= 0x01;
                }
                l.sut_reject(
                    "a forgery (tag flipped) of a late message whose key is stored",
                    &forged,
                    &ad,
                    &[ErrorKind::AuthFailed],
                )?;
                for i in [1usize, 0, 2] {
                    l.sut_receive(&ms[i], &text(200 + i))?;
                }
            }
            Ok(())
        }),
        scenario(
            "stored_key_cap",
            "DR §6.4; profile limits",
            every_profile, |l, _, caps| {
            // cap + 2 keys skipped (over several chains where the cap is per session): the
            // two oldest are evicted, the third oldest still decrypts.
            let (Some(cap), Some(max)) = (caps.max_stored_keys, caps.max_skip) else {
                return Err(Stop::NotApplicable(
                    "the SUT declares no maxStoredKeys or maxSkip in hello".into(),
                ));
            };
            if cap > 20_000 || max == 0 {
                return Err(Stop::NotApplicable(format!(
                    "maxStoredKeys {cap} (maxSkip {max}) is too large to exercise live"
                )));
            }
            let per_chain = l.profile.limits.stored_keys_per == StoredKeysScope::ReceivingChain;
            if per_chain && cap + 2 > max {
                return Err(Stop::NotApplicable(format!(
                    "a cap of {cap} keys per chain cannot be passed with maxSkip {max}"
                )));
            }
            let mut remaining = cap + 2;
            let mut oldest: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
            let mut chain = 0;
            while remaining > 0 {
                let skipped = remaining.min(max);
                for i in 0..skipped {
                    let plaintext = format!("chain {chain} lost {i}").into_bytes();
                    let m = l.peer_send(&plaintext);
                    if oldest.len() < 3 {
                        oldest.push((m, plaintext));
                    }
                }
                let last = format!("chain {chain} delivered").into_bytes();
                let m = l.peer_send(&last);
                l.sut_receive(&m, &last)?;
                remaining -= skipped;
                if remaining > 0 {
                    let reply = l.sut_send(b"reply")?;
                    l.peer_receive(&reply, b"reply")?;
                }
                chain += 1;
            }
            let ad = l.ad.clone();
            for (m, _) in &oldest[..2] {
                l.sut_reject(
                    "the oldest stored keys are evicted at the cap",
                    m,
                    &ad,
                    &[ErrorKind::Duplicate, ErrorKind::AuthFailed],
                )?;
            }
            let (m, plaintext) = &oldest[2];
            l.sut_receive(m, plaintext)
        }),
        scenario(
            "max_skip_through_pn",
            "DR §2.6, §3.2, §3.5",
            carries_pn, |l, _, caps| {
            // A new chain whose PN says exactly MAX_SKIP keys of the previous chain were
            // never received is accepted; MAX_SKIP + 1 is not.
            let max = live_max_skip(caps)?;
            let ad = l.ad.clone();
            for (lost, accepted) in [(max, true), (max + 1, false)] {
                let first = l.peer_send(b"first of a chain");
                l.sut_receive(&first, b"first of a chain")?;
                for i in 0..lost {
                    let _ = l.peer_send(&text(i as usize));
                }
                let reply = l.sut_send(b"reply")?;
                l.peer_receive(&reply, b"reply")?;
                let next = l.peer_send(b"next chain");
                if accepted {
                    l.sut_receive(&next, b"next chain")?;
                } else {
                    l.sut_reject(
                        "PN says MAX_SKIP + 1 keys of the previous chain were skipped",
                        &next,
                        &ad,
                        &[ErrorKind::TooManySkipped],
                    )?;
                }
            }
            Ok(())
        }),
    ]
}

fn start<'a>(
    driver: &'a mut dyn Driver,
    profile: Profile,
    role: SutRole,
    name: &str,
    seed: [u8; 32],
) -> Step<Live<'a>> {
    let mut rng = VectorRng::new(seed);
    let sk = rng.key();
    let bob = generate_dh_from_bytes(rng.key());
    let ad = rng.bytes(66);
    let session = format!("live-{name}-{role:?}").to_lowercase();
    let inject = driver.capabilities().inject_keys;
    let peer_keys = Box::new(VectorRng::new(rng.key()));
    let mut peer_inbound = None;
    let mut sut_inbound = None;
    let (args, peer) = match (role, profile.key_agreement) {
        (SutRole::Initiator, KeyAgreement::TripleDh { .. }) => {
            // The reference is Bob: his session comes from the SUT's first pre-key message.
            let identity = generate_dh_from_bytes(rng.key());
            let one_time = generate_dh_from_bytes(rng.key());
            let mut args = json!({"session": session, "role": "initiator",
                "identityPrivate": Hex::from(rng.key()),
                "peerIdentityKey": Hex::from(identity.public.0),
                "peerOneTimeKey": Hex::from(one_time.public.0)});
            if inject {
                args["keys"] = json!([Hex::from(rng.key()), Hex::from(rng.key())]);
            }
            peer_inbound = Some((identity, one_time));
            (Some(args), None)
        }
        (SutRole::Responder, KeyAgreement::TripleDh { .. }) => {
            // The SUT is Bob: created from the reference's first pre-key message.
            let identity = rng.key();
            let one_time = rng.key();
            let peer = outbound_session(
                profile,
                &generate_dh_from_bytes(rng.key()),
                &generate_dh_from_bytes(identity).public,
                &generate_dh_from_bytes(one_time).public,
                peer_keys,
            )
            .map_err(|e| Stop::NotApplicable(format!("reference peer: {e}")))?;
            sut_inbound = Some((Hex::from(identity), Hex::from(one_time)));
            (None, Some(peer.session))
        }
        (SutRole::Initiator, KeyAgreement::X3dh { .. }) => {
            let mut args = json!({"session": session, "role": "initiator", "sk": Hex::from(sk), "peerRatchetKey": Hex::from(bob.public.0)});
            if inject {
                args["keys"] = json!([Hex::from(rng.key())]);
            }
            (
                Some(args),
                Some(Session::init_bob(
                    profile,
                    RootKey::from_bytes(sk),
                    bob,
                    peer_keys,
                )),
            )
        }
        (_, KeyAgreement::SignalX3dh { .. }) => {
            return Err(Stop::NotApplicable(format!(
                "live scenarios of profile {} are not built yet: its vectors (signal_session) \
                 are the check for now",
                profile.name
            )))
        }
        (SutRole::Responder, KeyAgreement::X3dh { .. }) => {
            let args = json!({"session": session, "role": "responder", "sk": Hex::from(sk), "ratchetPrivate": Hex::from(*bob.private.expose())});
            let peer = Session::init_alice(profile, RootKey::from_bytes(sk), bob.public, peer_keys)
                .map_err(|e| Stop::NotApplicable(format!("reference peer: {e}")))?;
            (Some(args), Some(peer))
        }
    };
    let mut live = Live {
        driver,
        profile,
        peer,
        peer_inbound,
        session,
        sut_inbound,
        ad,
        rng,
        step: 0,
        events: std::collections::VecDeque::new(),
        headers: SentHeaders::default(),
    };
    live.step += 1;
    let Some(args) = args else {
        return Ok(live);
    };
    match live.call("session_create", args)? {
        Ok(_) => Ok(live),
        Err(e) => Err(fail(
            1,
            "session_create",
            "result",
            "success".into(),
            format!("error {}: {}", e.kind, e.message),
        )),
    }
}

/// Runs every scenario in both roles.
pub fn run_all(
    driver: &mut dyn Driver,
    profile: Profile,
    seed: u64,
    mut progress: impl FnMut(&str),
) -> Vec<ScenarioResult> {
    let mut results = Vec::new();
    let needed = ["session_create", "session_encrypt", "session_decrypt"];
    for (index, scenario) in scenarios().into_iter().enumerate() {
        let (name, body) = (scenario.name, scenario.body);
        if !(scenario.applies_to)(&profile) {
            continue;
        }
        for role in [SutRole::Initiator, SutRole::Responder] {
            if crate::driver::interruption::check().is_some() {
                return results;
            }
            progress(name);
            let caps = driver.capabilities().clone();
            if let Some(op) = needed.iter().find(|op| !caps.supports(op)) {
                results.push(ScenarioResult {
                    name,
                    role,
                    verdict: Verdict::NotApplicable(format!(
                        "the SUT does not implement op {op:?}"
                    )),
                    events: Vec::new(),
                });
                continue;
            }
            let mut seed_bytes = [0u8; 32];
            seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
            seed_bytes[8] = index as u8;
            seed_bytes[9] = role as u8;
            let mut events = Vec::new();
            let outcome = start(driver, profile, role, name, seed_bytes).and_then(|mut live| {
                let result = live.open(role).and_then(|()| body(&mut live, role, &caps));
                if result.is_err() {
                    events = live.events.iter().map(Event::describe).collect();
                }
                let session = live.session.clone();
                if caps.supports("session_close") {
                    let _ = live.call("session_close", json!({ "session": session }));
                }
                result
            });
            let verdict = match outcome {
                Ok(()) => Verdict::Pass,
                Err(Stop::Fail(d)) => Verdict::Fail(d),
                // Cut short by an interruption, not judged: not recorded.
                Err(Stop::Sut(f)) if f.diagnosis == crate::driver::subprocess::INTERRUPTED => {
                    return results
                }
                Err(Stop::Sut(f)) => Verdict::SutFailure(f),
                Err(Stop::NotApplicable(reason)) => Verdict::NotApplicable(reason),
            };
            if !matches!(verdict, Verdict::Fail(_) | Verdict::SutFailure(_)) {
                events.clear();
            }
            results.push(ScenarioResult {
                name,
                role,
                verdict,
                events,
            });
        }
    }
    results
}
