//! The session pair a bench times. The SUT plays both parties: `bench-alice` (initiator)
//! and `bench-bob` (responder), made with `session_create` from fixed keys, then a warm-up
//! exchange (Alice → Bob, Bob → Alice, Alice → Bob) so that every measured message is a
//! normal message on an established chain: no DH ratchet step, no Olm pre-key message, no
//! skipped key. Alice's sending chain then only advances, and Bob decrypts in order.

use ratchet_ref::primitives::signal_message::encode_key;
use ratchet_ref::primitives::{generate_dh_from_bytes, DhPrivateKey};
use ratchet_ref::profile::KeyAgreement;
use ratchet_ref::signal::agreement::sign_prekey;
use ratchet_ref::Profile;
use serde_json::{json, Value};

use super::answers::{call_one, hex_field, ok_body, request, take_hex_field};
use super::error::BenchError;
use crate::driver::hex_bytes::Hex;
use crate::driver::{shorten, Answer, Driver};
use crate::vectors::vector_rng::VectorRng;

/// The initiator's session name.
pub const ALICE: &str = "bench-alice";
/// The responder's session name.
pub const BOB: &str = "bench-bob";

/// Bytes of associated data of every message, where the profile has it: the size of X3DH's
/// AD (two identity keys).
pub const AD_LEN: usize = 64;

/// The seed of the pair's keys: fixed, so every bench makes the same sessions.
fn seed() -> [u8; 32] {
    crate::vectors::vector_rng::kind_seed("bench session pair")
}

/// A message Alice sent, as the SUT wrote it, and its Olm message type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub message: String,
    pub kind: Option<String>,
}

/// Two sessions of one profile inside the SUT, ready to be timed.
pub struct SessionPair {
    profile: &'static str,
    /// Olm-style families: 3DH session creation, typed messages, no associated data.
    triple_dh: bool,
    /// libsignal's family: bundle-based session creation, typed messages with injected keys.
    signal: bool,
    inject: bool,
    ad: Option<String>,
    rng: VectorRng,
}

impl SessionPair {
    /// Creates both sessions and runs the warm-up exchange.
    pub fn open(driver: &mut dyn Driver, profile: Profile) -> Result<SessionPair, BenchError> {
        let mut rng = VectorRng::new(seed());
        let triple_dh = matches!(profile.key_agreement, KeyAgreement::TripleDh { .. });
        let signal = matches!(profile.key_agreement, KeyAgreement::SignalX3dh { .. });
        let ad = (!triple_dh && !signal).then(|| hex::encode(rng.bytes(AD_LEN)));
        let mut pair = SessionPair {
            profile: profile.name,
            triple_dh,
            signal,
            inject: driver.capabilities().inject_keys,
            ad,
            rng,
        };
        let opening = b"bench warm-up: Alice's first message";
        let first = if signal {
            let encoded =
                |private: [u8; 32]| Hex::from(encode_key(&generate_dh_from_bytes(private).public));
            let (alice_identity, bob_identity, spk) =
                (pair.rng.key(), pair.rng.key(), pair.rng.key());
            let mut random = [0u8; 64];
            random.copy_from_slice(&pair.rng.bytes(64));
            let signature = sign_prekey(
                &profile,
                &DhPrivateKey::from_bytes(bob_identity),
                &generate_dh_from_bytes(spk).public,
                &random,
            );
            let mut args = json!({"session": ALICE, "role": "initiator",
                "identityPrivate": Hex::from(alice_identity), "registrationId": 1,
                "bundle": {"registrationId": 2, "identityKey": encoded(bob_identity),
                    "signedPreKeyId": 1, "signedPreKey": encoded(spk),
                    "signature": Hex::from(signature)}});
            if pair.inject {
                args["keys"] = json!([Hex::from(pair.rng.key()), Hex::from(pair.rng.key())]);
            }
            pair.create(driver, args, "Alice, initiator")?;
            let first = pair.send(driver, ALICE, opening, "warm-up 1, Alice")?;
            let args = json!({"session": BOB, "role": "responder",
                "identityPrivate": Hex::from(bob_identity), "registrationId": 2,
                "signedPreKeyId": 1, "signedPreKeyPrivate": Hex::from(spk),
                "message": first.message, "keys": pair.warm_up_keys()});
            let body = pair.create(
                driver,
                args,
                "Bob, responder, from Alice's PreKeySignalMessage",
            )?;
            let what = "Bob, responder: the plaintext of Alice's PreKeySignalMessage";
            let plaintext = hex_field(&body, "session_create", what, "plaintext")?;
            expect_plaintext(&plaintext, &hex::encode(opening), what)?;
            None
        } else if triple_dh {
            let alice_identity = pair.rng.key();
            let bob_identity = pair.rng.key();
            let bob_one_time = pair.rng.key();
            let mut args = json!({"session": ALICE, "role": "initiator",
                "identityPrivate": Hex::from(alice_identity),
                "peerIdentityKey": Hex::from(generate_dh_from_bytes(bob_identity).public.0),
                "peerOneTimeKey": Hex::from(generate_dh_from_bytes(bob_one_time).public.0)});
            if pair.inject {
                args["keys"] = json!([Hex::from(pair.rng.key()), Hex::from(pair.rng.key())]);
            }
            pair.create(driver, args, "Alice, initiator")?;
            let first = pair.send(driver, ALICE, opening, "warm-up 1, Alice")?;
            let args = json!({"session": BOB, "role": "responder",
                "identityPrivate": Hex::from(bob_identity),
                "oneTimePrivate": Hex::from(bob_one_time),
                "message": first.message});
            let body = pair.create(driver, args, "Bob, responder, from Alice's pre-key message")?;
            let what = "Bob, responder: the plaintext of Alice's pre-key message";
            let plaintext = hex_field(&body, "session_create", what, "plaintext")?;
            expect_plaintext(&plaintext, &hex::encode(opening), what)?;
            None
        } else {
            let sk = pair.rng.key();
            let bob_ratchet = pair.rng.key();
            let mut args = json!({"session": ALICE, "role": "initiator", "sk": Hex::from(sk),
                "peerRatchetKey": Hex::from(generate_dh_from_bytes(bob_ratchet).public.0)});
            if pair.inject {
                args["keys"] = json!([Hex::from(pair.rng.key())]);
            }
            pair.create(driver, args, "Alice, initiator")?;
            let args = json!({"session": BOB, "role": "responder", "sk": Hex::from(sk),
                "ratchetPrivate": Hex::from(bob_ratchet)});
            pair.create(driver, args, "Bob, responder")?;
            Some(pair.send(driver, ALICE, opening, "warm-up 1, Alice")?)
        };
        if let Some(first) = first {
            pair.receive(driver, BOB, first, opening, "warm-up 1, Bob")?;
        }
        let reply = b"bench warm-up: Bob's reply";
        let sent = pair.send(driver, BOB, reply, "warm-up 2, Bob")?;
        pair.receive(driver, ALICE, sent, reply, "warm-up 2, Alice")?;
        let again = b"bench warm-up: Alice on her new chain";
        let sent = pair.send(driver, ALICE, again, "warm-up 3, Alice")?;
        pair.receive(driver, BOB, sent, again, "warm-up 3, Bob")?;
        Ok(pair)
    }

    /// Bytes of associated data each encrypt and decrypt carries.
    pub fn ad_len(&self) -> usize {
        self.ad.as_ref().map_or(0, |ad| ad.len() / 2)
    }

    /// The profile the pair belongs to.
    pub fn profile(&self) -> &'static str {
        self.profile
    }

    fn create(
        &mut self,
        driver: &mut dyn Driver,
        args: Value,
        what: &str,
    ) -> Result<Value, BenchError> {
        let req = request(self.profile, "session_create", args);
        call_one(driver, req, "session_create", what)
    }

    /// Keys for a warm-up request that may draw one (a DH ratchet step, a new Olm chain).
    fn warm_up_keys(&mut self) -> Value {
        if self.inject {
            json!([Hex::from(self.rng.key())])
        } else {
            json!([])
        }
    }

    fn encrypt_args(&self, session: &str, plaintext: &str, keys: Value) -> (String, Value) {
        let mut args = json!({"session": session, "plaintext": plaintext, "keys": keys});
        if let Some(ad) = &self.ad {
            args["ad"] = json!(ad);
        }
        request(self.profile, "session_encrypt", args)
    }

    /// A decrypt of `sent`, whose message moves into the request (a batch's messages are not
    /// copied: a copy would churn the allocator just before a timed batch).
    fn decrypt_args(&self, session: &str, sent: Sent, keys: Value) -> (String, Value) {
        let mut args = json!({"session": session, "message": sent.message});
        if self.triple_dh || self.signal {
            args["type"] = json!(sent.kind.as_deref().unwrap_or("normal"));
        }
        if !self.triple_dh {
            args["keys"] = keys;
        }
        if let Some(ad) = &self.ad {
            args["ad"] = json!(ad);
        }
        request(self.profile, "session_decrypt", args)
    }

    fn send(
        &mut self,
        driver: &mut dyn Driver,
        session: &str,
        plaintext: &[u8],
        what: &str,
    ) -> Result<Sent, BenchError> {
        let keys = self.warm_up_keys();
        let req = self.encrypt_args(session, &hex::encode(plaintext), keys);
        let answer = driver.call_batch(&[req]);
        self.read_sent(answer, what, None)?
            .into_iter()
            .next()
            .ok_or_else(|| BenchError::BadAnswer {
                op: "session_encrypt",
                what: what.to_string(),
                detail: "no answer".into(),
            })
    }

    fn receive(
        &mut self,
        driver: &mut dyn Driver,
        session: &str,
        sent: Sent,
        plaintext: &[u8],
        what: &str,
    ) -> Result<(), BenchError> {
        let keys = self.warm_up_keys();
        let req = self.decrypt_args(session, sent, keys);
        let answers = driver.call_batch(&[req]);
        self.check_received(answers, &hex::encode(plaintext), 1, what)
    }

    /// `n` requests of Alice encrypting `plaintext` (hex) on her established chain.
    pub fn encrypt_requests(&self, plaintext: &str, n: usize) -> Vec<(String, Value)> {
        vec![self.encrypt_args(ALICE, plaintext, json!([])); n]
    }

    /// Bob's decrypt requests for Alice's messages, in the order she sent them.
    pub fn decrypt_requests(&self, sent: Vec<Sent>) -> Vec<(String, Value)> {
        sent.into_iter()
            .map(|s| self.decrypt_args(BOB, s, json!([])))
            .collect()
    }

    /// The messages of a batch of encrypt answers (at least one answer is expected), each at
    /// most `max_message` bytes when given.
    pub fn read_sent(
        &self,
        answers: Vec<Answer>,
        what: &str,
        max_message: Option<usize>,
    ) -> Result<Vec<Sent>, BenchError> {
        if answers.is_empty() {
            return Err(BenchError::BadAnswer {
                op: "session_encrypt",
                what: what.to_string(),
                detail: "no answer".into(),
            });
        }
        answers
            .into_iter()
            .map(|answer| {
                let mut body = ok_body(answer, "session_encrypt", what)?;
                let message = take_hex_field(&mut body, "session_encrypt", what, "message")?;
                if let Some(max) = max_message.filter(|max| message.len() / 2 > *max) {
                    return Err(BenchError::BadAnswer {
                        op: "session_encrypt",
                        what: what.to_string(),
                        detail: format!(
                            "a message of {} bytes, where the first of this size had {} or fewer: the same plaintext on the same chain makes messages of the same length",
                            message.len() / 2,
                            max
                        ),
                    });
                }
                let kind = if self.triple_dh || self.signal {
                    match body.get("type") {
                        Some(Value::String(t)) if t == "normal" || t == "prekey" => Some(t.clone()),
                        other => {
                            return Err(BenchError::BadAnswer {
                                op: "session_encrypt",
                                what: what.to_string(),
                                detail: format!(
                                "an Olm message needs \"type\": \"prekey\" or \"normal\", got {}",
                                other.map(shorten).unwrap_or_else(|| "nothing".into())
                            ),
                            })
                        }
                    }
                } else {
                    None
                };
                Ok(Sent { message, kind })
            })
            .collect()
    }

    /// Checks that `expected` answers of a decrypt batch all hold `plaintext` (hex).
    pub fn check_received(
        &self,
        answers: Vec<Answer>,
        plaintext: &str,
        expected: usize,
        what: &str,
    ) -> Result<(), BenchError> {
        if answers.len() != expected {
            return Err(BenchError::BadAnswer {
                op: "session_decrypt",
                what: what.to_string(),
                detail: format!("{} answers to {expected} requests", answers.len()),
            });
        }
        for answer in answers {
            let body = ok_body(answer, "session_decrypt", what)?;
            let got = hex_field(&body, "session_decrypt", what, "plaintext")?;
            expect_plaintext(&got, plaintext, what)?;
        }
        Ok(())
    }

    /// Closes both sessions, where the SUT can (a later profile reuses the names).
    pub fn close(self, driver: &mut dyn Driver) {
        if driver.capabilities().supports("session_close") {
            let requests: Vec<(String, Value)> = [ALICE, BOB]
                .iter()
                .map(|s| request(self.profile, "session_close", json!({ "session": s })))
                .collect();
            let _ = driver.call_batch(&requests);
        }
    }
}

fn expect_plaintext(got: &str, expected: &str, what: &str) -> Result<(), BenchError> {
    if got == expected {
        return Ok(());
    }
    Err(BenchError::WrongPlaintext {
        what: what.to_string(),
        detail: format!(
            "expected {} bytes {}, got {} bytes {}",
            expected.len() / 2,
            shorten(&Value::from(expected)),
            got.len() / 2,
            shorten(&Value::from(got))
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::sut::ReferenceSut;
    use crate::driver::InProcess;

    #[test]
    fn the_reference_opens_a_pair_in_both_families_and_alice_reaches_bob() {
        for profile in Profile::all().into_iter().chain([Profile::signal_v3()]) {
            let mut driver = InProcess::new(ReferenceSut::new(profile));
            let pair = SessionPair::open(&mut driver, profile).unwrap();
            let plaintext = hex::encode([7u8; 100]);
            let answers = driver.call_batch(&pair.encrypt_requests(&plaintext, 3));
            let sent = pair.read_sent(answers, "test", None).unwrap();
            assert_eq!(sent.len(), 3);
            if pair.triple_dh {
                assert!(sent.iter().all(|s| s.kind.as_deref() == Some("normal")));
            }
            let first = sent[0].clone();
            let answers = driver.call_batch(&pair.decrypt_requests(sent));
            pair.check_received(answers, &plaintext, 3, "test").unwrap();
            // Replaying a message is refused: the decrypts were real.
            let answers = driver.call_batch(&pair.decrypt_requests(vec![first]));
            let e = pair
                .check_received(answers, &plaintext, 1, "replay")
                .unwrap_err();
            assert!(matches!(e, BenchError::OpFailed { kind, .. } if kind == "duplicate"));
        }
    }

    #[test]
    fn another_plaintext_is_a_named_error() {
        let profile = Profile::spec();
        let mut driver = InProcess::new(ReferenceSut::new(profile));
        let pair = SessionPair::open(&mut driver, profile).unwrap();
        let answers = vec![Ok(Ok(json!({"plaintext": "00"})))];
        let e = pair.check_received(answers, "01", 1, "100B").unwrap_err();
        assert!(matches!(e, BenchError::WrongPlaintext { .. }), "{e:?}");
        assert_eq!(pair.ad_len(), AD_LEN);
    }

    #[test]
    fn an_olm_message_without_its_type_is_a_named_error() {
        let profile = Profile::olm();
        let mut driver = InProcess::new(ReferenceSut::new(profile));
        let pair = SessionPair::open(&mut driver, profile).unwrap();
        assert_eq!(pair.ad_len(), 0);
        let e = pair
            .read_sent(vec![Ok(Ok(json!({"message": "00"})))], "100B", None)
            .unwrap_err();
        assert!(e.to_string().contains("\"type\""), "{e}");
    }

    #[test]
    fn a_message_longer_than_the_bound_is_refused_not_stored() {
        let profile = Profile::spec();
        let mut driver = InProcess::new(ReferenceSut::new(profile));
        let pair = SessionPair::open(&mut driver, profile).unwrap();
        let long = json!({ "message": "00".repeat(200) });
        let e = pair
            .read_sent(vec![Ok(Ok(long.clone()))], "100B", Some(199))
            .unwrap_err();
        assert!(e.to_string().contains("a message of 200 bytes"), "{e}");
        assert_eq!(
            pair.read_sent(vec![Ok(Ok(long))], "100B", Some(200))
                .unwrap()
                .len(),
            1
        );
    }
}
