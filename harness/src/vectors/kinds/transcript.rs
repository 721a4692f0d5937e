//! Stateful transcripts shared by the `session`, `x3dh_session` and `dh_ratchet` kinds: two
//! reference sessions driven step by step, recording every input, output, injected key and
//! the acting party's complete state after each step; and the checks that replay them.

use ratchet_ref::primitives::{generate_dh_from_bytes, Header, RootKey};
use ratchet_ref::{ErrorKind, Profile, QueuedKeySource, Session, SessionSnapshot};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::driver::hex_bytes::Hex;
use crate::driver::Capabilities;
use crate::vectors::diagnosis::unchanged_rule;
use crate::vectors::replay::{expect_outcome, Check, Expect};
use crate::vectors::vector_file::Outcome;
use crate::vectors::vector_rng::VectorRng;

/// Which party acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Party {
    Alice,
    Bob,
}

impl Party {
    pub fn name(self) -> &'static str {
        match self {
            Party::Alice => "alice",
            Party::Bob => "bob",
        }
    }
}

/// What a step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// RatchetEncrypt(plaintext, ad) → message.
    Encrypt,
    /// `count` RatchetEncrypt calls whose messages are lost in transit; only the SHA-256 of
    /// their concatenation is recorded.
    EncryptLost,
    /// RatchetDecrypt(message, ad) → plaintext or an error.
    Decrypt,
}

/// One step of a transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Step {
    pub party: Party,
    pub action: Action,
    pub ad: Hex,
    /// Encrypt input, or the plaintext a valid decrypt must return.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plaintext: Option<Hex>,
    /// Encrypt output, or decrypt input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Hex>,
    /// EncryptLost: how many messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// EncryptLost: SHA-256 of the lost messages concatenated in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages_sha256: Option<Hex>,
    /// Keys this step may draw, in order (a decrypt whose header carries a new ratchet key
    /// draws one for the new sending chain). Unused keys are discarded after the step.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub injected_keys: Vec<Hex>,
    pub result: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorKind>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternative_errors: Vec<ErrorKind>,
    /// The acting party's complete state after the step (unchanged after a failure).
    pub state_after: SessionSnapshot,
}

/// The error also accepted for a replay from an older chain. The DR algorithm does not
/// remember old chains, so it treats the replayed header's ratchet key as new and fails
/// authentication (`auth_failed`); an implementation that keeps old receiving chains (as
/// several do) finds the key used and reports `duplicate`. Every replay of a message the
/// party already decrypted, on a chain it has since left, carries this alternative: the
/// same situation gets the same expectation in every file.
const OLD_CHAIN_REPLAY_ALTERNATIVE: ErrorKind = ErrorKind::Duplicate;

/// How the two sessions start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SessionSetup {
    /// SK: the shared secret both start from.
    pub sk: Hex,
    /// Bob's first ratchet key pair (his signed prekey).
    pub bob_ratchet_private: Hex,
    pub bob_ratchet_public: Hex,
    /// The key Alice draws in RatchetInitAlice.
    pub alice_initial_key: Hex,
    pub alice_ratchet_public: Hex,
    pub alice_state: SessionSnapshot,
    pub bob_state: SessionSnapshot,
}

/// Drives two reference sessions and records a transcript.
pub struct Transcript {
    pub setup: SessionSetup,
    pub steps: Vec<Step>,
    /// How many failed decrypts were replays from an older chain.
    pub old_chain_replays: usize,
    alice: Session,
    bob: Session,
}

impl Transcript {
    /// Both sessions from SK, Bob's ratchet private key and Alice's initial key.
    pub fn new(
        profile: Profile,
        sk: [u8; 32],
        bob_ratchet_private: [u8; 32],
        alice_initial_key: [u8; 32],
    ) -> ratchet_ref::Result<Transcript> {
        let bob_pair = generate_dh_from_bytes(bob_ratchet_private);
        let mut queue = QueuedKeySource::new();
        queue.push(alice_initial_key);
        let alice = Session::init_alice(
            profile,
            RootKey::from_bytes(sk),
            bob_pair.public,
            Box::new(queue),
        )?;
        let bob = Session::init_bob(
            profile,
            RootKey::from_bytes(sk),
            bob_pair.clone(),
            Box::new(QueuedKeySource::new()),
        );
        Ok(Transcript {
            setup: SessionSetup {
                sk: Hex::from(sk),
                bob_ratchet_private: Hex::from(bob_ratchet_private),
                bob_ratchet_public: Hex::from(bob_pair.public.0),
                alice_initial_key: Hex::from(alice_initial_key),
                alice_ratchet_public: Hex::from(alice.ratchet_public().0),
                alice_state: alice.snapshot(),
                bob_state: bob.snapshot(),
            },
            steps: Vec::new(),
            old_chain_replays: 0,
            alice,
            bob,
        })
    }

    /// From keys drawn from `rng`.
    pub fn random(profile: Profile, rng: &mut VectorRng) -> ratchet_ref::Result<Transcript> {
        let (sk, bob, alice) = (rng.key(), rng.key(), rng.key());
        Transcript::new(profile, sk, bob, alice)
    }

    fn session(&mut self, party: Party) -> &mut Session {
        match party {
            Party::Alice => &mut self.alice,
            Party::Bob => &mut self.bob,
        }
    }

    /// The current state of a party.
    pub fn state(&self, party: Party) -> SessionSnapshot {
        match party {
            Party::Alice => self.alice.snapshot(),
            Party::Bob => self.bob.snapshot(),
        }
    }

    /// Records an encrypt; returns the message (empty if the session refused, which is
    /// recorded as an invalid step).
    pub fn send(&mut self, party: Party, plaintext: &[u8], ad: &[u8]) -> Vec<u8> {
        let session = self.session(party);
        let outcome = session.encrypt(plaintext, ad);
        let state_after = session.snapshot();
        let (message, result, error) = match outcome {
            Ok(m) => (Some(Hex(m)), Outcome::Valid, None),
            Err(e) => (None, Outcome::Invalid, Some(e.kind())),
        };
        let bytes = message.as_ref().map(|m| m.0.clone()).unwrap_or_default();
        self.steps.push(Step {
            party,
            action: Action::Encrypt,
            ad: Hex::from(ad),
            plaintext: Some(Hex::from(plaintext)),
            message,
            count: None,
            messages_sha256: None,
            injected_keys: Vec::new(),
            result,
            error,
            alternative_errors: Vec::new(),
            state_after,
        });
        bytes
    }

    /// Records `count` encrypts whose messages are lost.
    pub fn send_lost(&mut self, party: Party, count: u32, plaintext: &[u8], ad: &[u8]) {
        let session = self.session(party);
        let mut digest = Sha256::new();
        for _ in 0..count {
            if let Ok(m) = session.encrypt(plaintext, ad) {
                digest.update(&m);
            }
        }
        let state_after = session.snapshot();
        self.steps.push(Step {
            party,
            action: Action::EncryptLost,
            ad: Hex::from(ad),
            plaintext: Some(Hex::from(plaintext)),
            message: None,
            count: Some(count),
            messages_sha256: Some(Hex(digest.finalize().to_vec())),
            injected_keys: Vec::new(),
            result: Outcome::Valid,
            error: None,
            alternative_errors: Vec::new(),
            state_after,
        });
    }

    /// Records a decrypt. When the header names a ratchet key other than the party's DHr,
    /// one fresh key from `rng` is offered for the DH ratchet step.
    pub fn deliver(
        &mut self,
        rng: &mut VectorRng,
        party: Party,
        message: &[u8],
        ad: &[u8],
    ) -> Result<Vec<u8>, ErrorKind> {
        self.deliver_allowing(rng, party, message, ad, &[])
    }

    /// [`Transcript::deliver`], allowing other error kinds besides the reference's.
    pub fn deliver_allowing(
        &mut self,
        rng: &mut VectorRng,
        party: Party,
        message: &[u8],
        ad: &[u8],
        alternatives: &[ErrorKind],
    ) -> Result<Vec<u8>, ErrorKind> {
        let dhr = self.state(party).dhr;
        let new_key = match Header::decode(message.get(..Header::LEN).unwrap_or(&[])) {
            Ok(h) => Some(h.dh) != dhr,
            Err(_) => false,
        };
        let old_chain_replay = new_key && self.decrypted_before(party, message);
        let mut injected = Vec::new();
        let mut queue = QueuedKeySource::new();
        if new_key {
            let key = rng.key();
            queue.push(key);
            injected.push(Hex::from(key));
        }
        let session = self.session(party);
        session.set_key_source(Box::new(queue));
        let outcome = session.decrypt(message, ad);
        session.set_key_source(Box::new(QueuedKeySource::new()));
        let state_after = session.snapshot();
        let (plaintext, result, error) = match &outcome {
            Ok(p) => (Some(Hex(p.clone())), Outcome::Valid, None),
            Err(e) => (None, Outcome::Invalid, Some(e.kind())),
        };
        if old_chain_replay && result == Outcome::Invalid {
            self.old_chain_replays += 1;
        }
        self.steps.push(Step {
            party,
            action: Action::Decrypt,
            ad: Hex::from(ad),
            plaintext,
            message: Some(Hex::from(message)),
            count: None,
            messages_sha256: None,
            injected_keys: injected,
            result,
            error,
            alternative_errors: match result {
                Outcome::Invalid if old_chain_replay => {
                    let mut all = alternatives.to_vec();
                    if !all.contains(&OLD_CHAIN_REPLAY_ALTERNATIVE) {
                        all.push(OLD_CHAIN_REPLAY_ALTERNATIVE);
                    }
                    all
                }
                Outcome::Invalid => alternatives.to_vec(),
                _ => Vec::new(),
            },
            state_after,
        });
        outcome.map_err(|e| e.kind())
    }

    /// Whether `party` already decrypted exactly these bytes successfully.
    fn decrypted_before(&self, party: Party, message: &[u8]) -> bool {
        self.steps.iter().any(|s| {
            s.party == party
                && s.action == Action::Decrypt
                && s.result == Outcome::Valid
                && s.message.as_ref().is_some_and(|m| m.0 == message)
        })
    }

    /// The test-level outcome and error: invalid (with the first step error) when any step
    /// is expected to fail.
    pub fn outcome(&self) -> (Outcome, Option<ErrorKind>) {
        match self.steps.iter().find(|s| s.result == Outcome::Invalid) {
            Some(step) => (Outcome::Invalid, step.error),
            None => (Outcome::Valid, None),
        }
    }
}

/// State fields in the order a difference is reported.
const STATE_FIELDS: [&str; 9] = [
    "DHs/public",
    "DHs/private",
    "DHr",
    "RK",
    "CKs",
    "CKr",
    "Ns",
    "Nr",
    "PN",
];

/// An optional export of `session` compared field by field with `state`.
pub fn state_check(label: String, session: &str, state: &SessionSnapshot) -> Check {
    let value = serde_json::to_value(state).unwrap_or(Value::Null);
    let mut fields: Vec<(String, Value)> = STATE_FIELDS
        .iter()
        .map(|f| {
            (
                format!("/state/{f}"),
                value
                    .pointer(&format!("/{f}"))
                    .cloned()
                    .unwrap_or(Value::Null),
            )
        })
        .collect();
    if let Some(entries) = value.get("MKSKIPPED").and_then(Value::as_array) {
        for (i, entry) in entries.iter().enumerate() {
            fields.push((format!("/state/MKSKIPPED/{i}"), entry.clone()));
        }
    }
    fields.push((
        "/state/MKSKIPPED".into(),
        value.get("MKSKIPPED").cloned().unwrap_or(Value::Null),
    ));
    Check::new(
        format!("{label}: state"),
        "session_export",
        json!({ "session": session }),
        Expect::Ok(fields),
    )
    .optional()
}

/// Session names for a test.
pub fn session_names(tc_id: u64) -> (String, String) {
    (format!("tc{tc_id}-alice"), format!("tc{tc_id}-bob"))
}

/// Checks that create both sessions from the setup.
pub fn setup_checks(tc_id: u64, setup: &SessionSetup) -> Vec<Check> {
    let (alice, bob) = session_names(tc_id);
    vec![
        Check::new(
            "RatchetInitAlice",
            "session_create",
            json!({"session": alice, "role": "initiator", "sk": setup.sk, "peerRatchetKey": setup.bob_ratchet_public, "keys": [setup.alice_initial_key]}),
            Expect::Ok(vec![(
                "/ratchetPublic".into(),
                json!(setup.alice_ratchet_public),
            )]),
        ),
        state_check("RatchetInitAlice".into(), &alice, &setup.alice_state),
        Check::new(
            "RatchetInitBob",
            "session_create",
            json!({"session": bob, "role": "responder", "sk": setup.sk, "ratchetPrivate": setup.bob_ratchet_private}),
            Expect::Ok(vec![(
                "/ratchetPublic".into(),
                json!(setup.bob_ratchet_public),
            )]),
        ),
        state_check("RatchetInitBob".into(), &bob, &setup.bob_state),
    ]
}

/// Most bytes of requests one test's `encrypt_lost` steps may expand to (count × the
/// size of each request): the generated files need under 300 KiB, and a crafted count of
/// 2^32 - 1 must be a file error, not an out-of-memory kill.
pub const MAX_LOST_WORK: u64 = 8 << 20;

/// Checks that replay the steps (after [`setup_checks`]) and close both sessions.
pub fn step_checks(tc_id: u64, steps: &[Step], caps: &Capabilities) -> Result<Vec<Check>, String> {
    if !caps.inject_keys {
        return Err("byte-exact transcripts need injected keys (hello: injectKeys false)".into());
    }
    let (alice, bob) = session_names(tc_id);
    let mut checks = Vec::new();
    let mut lost_work: u64 = 0;
    for (i, step) in steps.iter().enumerate() {
        let session = if step.party == Party::Alice {
            &alice
        } else {
            &bob
        };
        let label = format!("step {i}: {} {:?}", step.party.name(), step.action).to_lowercase();
        match step.action {
            Action::Encrypt => {
                let mut fields = Vec::new();
                if let Some(m) = &step.message {
                    fields.push(("/message".to_string(), json!(m)));
                }
                checks.push(Check::new(
                    label.clone(),
                    "session_encrypt",
                    json!({"session": session, "plaintext": step.plaintext, "ad": step.ad}),
                    expect_outcome(step.result, step.error, &step.alternative_errors, fields),
                ));
            }
            Action::EncryptLost => {
                let count = step.count.unwrap_or(0);
                let each = step.plaintext.as_ref().map_or(0, |p| p.0.len()) + step.ad.0.len() + 64;
                lost_work = lost_work.saturating_add(u64::from(count).saturating_mul(each as u64));
                if lost_work > MAX_LOST_WORK {
                    return Err(format!(
                        "step {i}: {count} lost messages of {each} bytes each exceed what one test may ask ({MAX_LOST_WORK} bytes of lost messages in all)"
                    ));
                }
                for k in 0..count {
                    checks.push(Check::new(
                        format!("{label} #{k}"),
                        "session_encrypt",
                        json!({"session": session, "plaintext": step.plaintext, "ad": step.ad}),
                        Expect::Ok(Vec::new()),
                    ));
                }
            }
            Action::Decrypt => {
                let mut fields = Vec::new();
                if let Some(p) = &step.plaintext {
                    fields.push(("/plaintext".to_string(), json!(p)));
                }
                checks.push(Check::new(
                    label.clone(),
                    "session_decrypt",
                    json!({"session": session, "message": step.message, "ad": step.ad, "keys": step.injected_keys}),
                    expect_outcome(step.result, step.error, &step.alternative_errors, fields),
                ));
            }
        }
        let mut after = state_check(label, session, &step.state_after);
        if step.result == Outcome::Invalid {
            after =
                after.after_failure(unchanged_rule(&format!("{:?}", step.action).to_lowercase()));
        }
        checks.push(after);
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
