//! Stateful Olm transcripts for the `olm_session` kind: Alice's outbound session from her
//! identity key, base key and first ratchet key; Bob's inbound session from one of her pre-key
//! messages; then messages both ways. Every input, output, injected key, message kind and the
//! acting party's Olm state after each step is recorded, and the checks replay them.

use ratchet_ref::primitives::generate_dh_from_bytes;
use ratchet_ref::session::{MessageKind, OlmSessionState};
use ratchet_ref::triple_dh::{inbound_session, outbound_session};
use ratchet_ref::{ErrorKind, Profile, QueuedKeySource, Session};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::transcript::Party;
use crate::driver::hex_bytes::Hex;
use crate::driver::Capabilities;
use crate::vectors::diagnosis::unchanged_rule;
use crate::vectors::replay::{expect_outcome, Check, Expect};
use crate::vectors::vector_file::Outcome;
use crate::vectors::vector_rng::VectorRng;

/// What a step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OlmAction {
    /// Encrypt → message and its kind.
    Encrypt,
    /// Bob creates his inbound session from a pre-key message and decrypts it.
    CreateInbound,
    /// Decrypt a message of the given kind.
    Decrypt,
    /// `count` encrypts whose messages are lost; only the SHA-256 of their concatenation is
    /// recorded.
    EncryptLost,
}

/// One step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OlmStep {
    pub party: Party,
    pub action: OlmAction,
    /// Encrypt input, or the plaintext a valid decrypt must return.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plaintext: Option<Hex>,
    /// Encrypt output, or decrypt input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Hex>,
    /// `prekey` or `normal`.
    #[serde(rename = "type")]
    pub message_type: String,
    /// EncryptLost: how many messages, and the SHA-256 of their concatenation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages_sha256: Option<Hex>,
    /// Keys the step may draw: an encrypt that starts a new sending chain draws its ratchet
    /// key here. Unused keys are discarded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub injected_keys: Vec<Hex>,
    pub result: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorKind>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternative_errors: Vec<ErrorKind>,
    /// The acting party's state after the step (unchanged after a failure; absent when Bob's
    /// session could not be created).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_after: Option<OlmSessionState>,
}

/// The keys both parties start from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OlmSetup {
    pub alice_identity_private: Hex,
    pub alice_identity_public: Hex,
    /// E_A and T0, drawn in this order at session creation.
    pub alice_base_key_private: Hex,
    pub alice_base_key_public: Hex,
    pub alice_ratchet_private: Hex,
    pub alice_ratchet_public: Hex,
    pub bob_identity_private: Hex,
    pub bob_identity_public: Hex,
    pub bob_one_time_private: Hex,
    pub bob_one_time_public: Hex,
    /// Alice's state right after creating her outbound session.
    pub alice_state: OlmSessionState,
}

fn kind_name(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::Normal => "normal",
        MessageKind::PreKey => "prekey",
    }
}

/// Drives two reference Olm sessions and records a transcript.
pub struct OlmTranscript {
    pub setup: OlmSetup,
    pub steps: Vec<OlmStep>,
    profile: Profile,
    alice: Session,
    bob: Option<Session>,
}

impl OlmTranscript {
    /// Alice's outbound session from keys drawn from `rng`.
    pub fn random(profile: Profile, rng: &mut VectorRng) -> ratchet_ref::Result<OlmTranscript> {
        let alice_identity = generate_dh_from_bytes(rng.key());
        let bob_identity = generate_dh_from_bytes(rng.key());
        let bob_one_time = generate_dh_from_bytes(rng.key());
        let (base, ratchet) = (rng.key(), rng.key());
        let mut queue = QueuedKeySource::new();
        queue.push(base);
        queue.push(ratchet);
        let out = outbound_session(
            profile,
            &alice_identity,
            &bob_identity.public,
            &bob_one_time.public,
            Box::new(queue),
        )?;
        Ok(OlmTranscript {
            setup: OlmSetup {
                alice_identity_private: Hex::from(*alice_identity.private.expose()),
                alice_identity_public: Hex::from(alice_identity.public.0),
                alice_base_key_private: Hex::from(base),
                alice_base_key_public: Hex::from(out.base_key.0),
                alice_ratchet_private: Hex::from(ratchet),
                alice_ratchet_public: Hex::from(out.ratchet_key.0),
                bob_identity_private: Hex::from(*bob_identity.private.expose()),
                bob_identity_public: Hex::from(bob_identity.public.0),
                bob_one_time_private: Hex::from(*bob_one_time.private.expose()),
                bob_one_time_public: Hex::from(bob_one_time.public.0),
                alice_state: out.session.olm_state(),
            },
            steps: Vec::new(),
            profile,
            alice: out.session,
            bob: None,
        })
    }

    fn session(&mut self, party: Party) -> Option<&mut Session> {
        match party {
            Party::Alice => Some(&mut self.alice),
            Party::Bob => self.bob.as_mut(),
        }
    }

    /// Records an encrypt; returns the message and its kind (empty if refused).
    pub fn send(
        &mut self,
        rng: &mut VectorRng,
        party: Party,
        plaintext: &[u8],
    ) -> (Vec<u8>, MessageKind) {
        let Some(session) = self.session(party) else {
            return (Vec::new(), MessageKind::Normal);
        };
        let needs_key = session.olm_state().sender_chain.is_none();
        let mut injected = Vec::new();
        let mut queue = QueuedKeySource::new();
        if needs_key {
            let key = rng.key();
            queue.push(key);
            injected.push(Hex::from(key));
        }
        session.set_key_source(Box::new(queue));
        let kind = session.next_message_kind();
        let outcome = session.encrypt_typed(plaintext, &[]);
        session.set_key_source(Box::new(QueuedKeySource::new()));
        let state_after = Some(session.olm_state());
        let (message, kind, result, error) = match outcome {
            Ok((kind, m)) => (Some(Hex(m)), kind, Outcome::Valid, None),
            Err(e) => (None, kind, Outcome::Invalid, Some(e.kind())),
        };
        let bytes = message.as_ref().map(|m| m.0.clone()).unwrap_or_default();
        self.steps.push(OlmStep {
            party,
            action: OlmAction::Encrypt,
            plaintext: Some(Hex::from(plaintext)),
            message,
            message_type: kind_name(kind).into(),
            count: None,
            messages_sha256: None,
            injected_keys: injected,
            result,
            error,
            alternative_errors: Vec::new(),
            state_after,
        });
        (bytes, kind)
    }

    /// Records `count` encrypts on an existing sending chain whose messages are lost.
    pub fn send_lost(&mut self, party: Party, count: u32, plaintext: &[u8]) {
        use sha2::{Digest, Sha256};
        let Some(session) = self.session(party) else {
            return;
        };
        let kind = session.next_message_kind();
        let mut digest = Sha256::new();
        for _ in 0..count {
            if let Ok((_, m)) = session.encrypt_typed(plaintext, &[]) {
                digest.update(&m);
            }
        }
        let state_after = Some(session.olm_state());
        self.steps.push(OlmStep {
            party,
            action: OlmAction::EncryptLost,
            plaintext: Some(Hex::from(plaintext)),
            message: None,
            message_type: kind_name(kind).into(),
            count: Some(count),
            messages_sha256: Some(Hex(digest.finalize().to_vec())),
            injected_keys: Vec::new(),
            result: Outcome::Valid,
            error: None,
            alternative_errors: Vec::new(),
            state_after,
        });
    }

    /// Records Bob's inbound session creation from a pre-key message.
    pub fn create_inbound(&mut self, message: &[u8]) -> Result<Vec<u8>, ErrorKind> {
        let identity = generate_dh_from_bytes(
            self.setup
                .bob_identity_private
                .array32("")
                .unwrap_or([0; 32]),
        );
        let one_time = generate_dh_from_bytes(
            self.setup
                .bob_one_time_private
                .array32("")
                .unwrap_or([0; 32]),
        );
        let outcome = inbound_session(
            self.profile,
            &identity,
            &one_time,
            message,
            Box::new(QueuedKeySource::new()),
        );
        let (plaintext, result, error, state_after, value) = match outcome {
            Ok((session, plaintext)) => {
                let state = session.olm_state();
                self.bob = Some(session);
                (
                    Some(Hex(plaintext.clone())),
                    Outcome::Valid,
                    None,
                    Some(state),
                    Ok(plaintext),
                )
            }
            Err(e) => (None, Outcome::Invalid, Some(e.kind()), None, Err(e.kind())),
        };
        self.steps.push(OlmStep {
            party: Party::Bob,
            action: OlmAction::CreateInbound,
            plaintext,
            message: Some(Hex::from(message)),
            message_type: "prekey".into(),
            count: None,
            messages_sha256: None,
            injected_keys: Vec::new(),
            result,
            error,
            alternative_errors: Vec::new(),
            state_after,
        });
        value
    }

    /// Records a decrypt of a message of `kind`, allowing `alternatives` besides the
    /// reference's error.
    pub fn deliver_allowing(
        &mut self,
        party: Party,
        message: &[u8],
        kind: MessageKind,
        alternatives: &[ErrorKind],
    ) -> Result<Vec<u8>, ErrorKind> {
        let Some(session) = self.session(party) else {
            return Err(ErrorKind::InvalidState);
        };
        let outcome = session.decrypt_typed(kind, message, &[]);
        let state_after = Some(session.olm_state());
        let (plaintext, result, error) = match &outcome {
            Ok(p) => (Some(Hex(p.clone())), Outcome::Valid, None),
            Err(e) => (None, Outcome::Invalid, Some(e.kind())),
        };
        self.steps.push(OlmStep {
            party,
            action: OlmAction::Decrypt,
            plaintext,
            message: Some(Hex::from(message)),
            message_type: kind_name(kind).into(),
            count: None,
            messages_sha256: None,
            injected_keys: Vec::new(),
            result,
            error,
            alternative_errors: if result == Outcome::Invalid {
                alternatives.to_vec()
            } else {
                Vec::new()
            },
            state_after,
        });
        outcome.map_err(|e| e.kind())
    }

    /// [`OlmTranscript::deliver_allowing`] with no alternative errors.
    pub fn deliver(
        &mut self,
        party: Party,
        message: &[u8],
        kind: MessageKind,
    ) -> Result<Vec<u8>, ErrorKind> {
        self.deliver_allowing(party, message, kind, &[])
    }

    /// Alice's first pre-key message, Bob's session from it and his reply, which Alice
    /// decrypts: the session is established, Bob has a sending chain and Alice's next send
    /// starts a new one.
    pub fn establish(&mut self, rng: &mut VectorRng) {
        let (m0, _) = self.send(rng, Party::Alice, b"hello bob");
        let _ = self.create_inbound(&m0);
        let (r0, _) = self.send(rng, Party::Bob, b"hello alice");
        let _ = self.deliver(Party::Alice, &r0, MessageKind::Normal);
    }

    /// Both parties' current states (Bob's once his session exists).
    pub fn states(&self) -> (OlmSessionState, Option<OlmSessionState>) {
        (
            self.alice.olm_state(),
            self.bob.as_ref().map(Session::olm_state),
        )
    }

    /// Invalid (with the first failing step's error) when any step must fail.
    pub fn outcome(&self) -> (Outcome, Option<ErrorKind>) {
        match self.steps.iter().find(|s| s.result == Outcome::Invalid) {
            Some(step) => (Outcome::Invalid, step.error),
            None => (Outcome::Valid, None),
        }
    }
}

/// An optional `session_export` compared with `state`, field by field.
pub fn olm_state_check(label: String, session: &str, state: &OlmSessionState) -> Check {
    let value = serde_json::to_value(state).unwrap_or(Value::Null);
    let mut fields = vec![
        ("/state/rootKey".to_string(), value["rootKey"].clone()),
        (
            "/state/senderChain".to_string(),
            value["senderChain"].clone(),
        ),
    ];
    for list in ["receiverChains", "skippedKeys"] {
        if let Some(items) = value.get(list).and_then(Value::as_array) {
            for (i, item) in items.iter().enumerate() {
                fields.push((format!("/state/{list}/{i}"), item.clone()));
            }
        }
        fields.push((format!("/state/{list}"), value[list].clone()));
    }
    Check::new(
        format!("{label}: state"),
        "session_export",
        json!({ "session": session }),
        Expect::Ok(fields),
    )
    .optional()
}

/// Every check of a transcript: Alice's creation, the steps, and closing both sessions.
pub fn checks(
    tc_id: u64,
    setup: &OlmSetup,
    steps: &[OlmStep],
    caps: &Capabilities,
) -> Result<Vec<Check>, String> {
    if !caps.inject_keys {
        return Err("byte-exact transcripts need injected keys (hello: injectKeys false)".into());
    }
    let alice = format!("tc{tc_id}-alice");
    let bob = format!("tc{tc_id}-bob");
    let mut checks = vec![
        Check::new(
            "outbound session (Alice)",
            "session_create",
            json!({
                "session": alice,
                "role": "initiator",
                "identityPrivate": setup.alice_identity_private,
                "peerIdentityKey": setup.bob_identity_public,
                "peerOneTimeKey": setup.bob_one_time_public,
                "keys": [setup.alice_base_key_private, setup.alice_ratchet_private],
            }),
            Expect::Ok(vec![
                ("/identityKey".into(), json!(setup.alice_identity_public)),
                ("/baseKey".into(), json!(setup.alice_base_key_public)),
                ("/ratchetPublic".into(), json!(setup.alice_ratchet_public)),
            ]),
        ),
        olm_state_check(
            "outbound session (Alice)".into(),
            &alice,
            &setup.alice_state,
        ),
    ];
    for (i, step) in steps.iter().enumerate() {
        let session = if step.party == Party::Alice {
            &alice
        } else {
            &bob
        };
        let label = format!("step {i}: {} {:?}", step.party.name(), step.action).to_lowercase();
        match step.action {
            OlmAction::Encrypt => {
                let mut fields = Vec::new();
                if let Some(m) = &step.message {
                    fields.push(("/message".to_string(), json!(m)));
                    fields.push(("/type".to_string(), json!(step.message_type)));
                }
                checks.push(Check::new(
                    label.clone(),
                    "session_encrypt",
                    json!({"session": session, "plaintext": step.plaintext, "keys": step.injected_keys}),
                    expect_outcome(step.result, step.error, &step.alternative_errors, fields),
                ));
            }
            OlmAction::EncryptLost => {
                for k in 0..step.count.unwrap_or(0) {
                    checks.push(Check::new(
                        format!("{label} #{k}"),
                        "session_encrypt",
                        json!({"session": session, "plaintext": step.plaintext}),
                        Expect::Ok(Vec::new()),
                    ));
                }
            }
            OlmAction::CreateInbound => {
                let mut fields = Vec::new();
                if let Some(p) = &step.plaintext {
                    fields.push(("/plaintext".to_string(), json!(p)));
                }
                checks.push(Check::new(
                    label.clone(),
                    "session_create",
                    json!({
                        "session": bob,
                        "role": "responder",
                        "identityPrivate": setup.bob_identity_private,
                        "oneTimePrivate": setup.bob_one_time_private,
                        "message": step.message,
                    }),
                    expect_outcome(step.result, step.error, &step.alternative_errors, fields),
                ));
            }
            OlmAction::Decrypt => {
                let mut fields = Vec::new();
                if let Some(p) = &step.plaintext {
                    fields.push(("/plaintext".to_string(), json!(p)));
                }
                checks.push(Check::new(
                    label.clone(),
                    "session_decrypt",
                    json!({"session": session, "message": step.message, "type": step.message_type}),
                    expect_outcome(step.result, step.error, &step.alternative_errors, fields),
                ));
            }
        }
        if let Some(state) = &step.state_after {
            let mut after = olm_state_check(label, session, state);
            if step.result == Outcome::Invalid {
                after = after
                    .after_failure(unchanged_rule(&format!("{:?}", step.action).to_lowercase()));
            }
            checks.push(after);
        }
    }
    for name in [alice, bob] {
        checks.push(
            Check::new(
                "close",
                "session_close",
                json!({ "session": name }),
                Expect::Ok(Vec::new()),
            )
            .optional(),
        );
    }
    Ok(checks)
}
