//! Property: whatever order up to 50 messages across several DH ratchet steps arrive in, each
//! decrypts to its plaintext exactly once, and a second delivery is rejected.

mod common;

use common::{pair, AD};
use proptest::prelude::*;
use ratchet_ref::Profile;

/// Phases of a conversation: phase i is sent by Alice when i is even, Bob when odd. One
/// message of each phase (the designated one) is delivered as soon as the phase is sent, so
/// the peer can answer on a new ratchet key; every other message waits.
fn conversation() -> impl Strategy<Value = (Vec<(usize, usize)>, Vec<usize>)> {
    prop::collection::vec((1usize..=8, 0usize..8), 1..=8)
        .prop_map(|phases| {
            let mut total = 0;
            phases
                .into_iter()
                .map(|(len, designated)| (len, designated % len))
                .take_while(|(len, _)| {
                    total += len;
                    total <= 50
                })
                .collect::<Vec<_>>()
        })
        .prop_filter("at least one phase", |p| !p.is_empty())
        .prop_flat_map(|phases| {
            let pending = phases.iter().map(|(len, _)| len - 1).sum::<usize>();
            let order: Vec<usize> = (0..pending).collect();
            (Just(phases), Just(order).prop_shuffle())
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_delivery_order_decrypts_each_message_exactly_once((phases, order) in conversation()) {
        let (mut alice, mut bob) = pair(Profile::spec());
        // (to_bob, message, plaintext)
        let mut pending: Vec<(bool, Vec<u8>, Vec<u8>)> = Vec::new();
        let mut delivered: Vec<(bool, Vec<u8>)> = Vec::new();
        for (phase, (len, designated)) in phases.iter().enumerate() {
            let alice_sends = phase % 2 == 0;
            for i in 0..*len {
                let plaintext = format!("phase {phase} message {i}").into_bytes();
                let (from, to) = if alice_sends { (&mut alice, &mut bob) } else { (&mut bob, &mut alice) };
                let message = from.encrypt(&plaintext, AD).unwrap();
                if i == *designated {
                    prop_assert_eq!(to.decrypt(&message, AD).unwrap(), plaintext);
                    delivered.push((alice_sends, message));
                } else {
                    pending.push((alice_sends, message, plaintext));
                }
            }
        }
        for index in order {
            let (to_bob, message, plaintext) = &pending[index];
            let to = if *to_bob { &mut bob } else { &mut alice };
            prop_assert_eq!(&to.decrypt(message, AD).unwrap(), plaintext);
            delivered.push((*to_bob, message.clone()));
        }
        prop_assert_eq!(alice.skipped_len() + bob.skipped_len(), 0);
        for (to_bob, message) in delivered {
            let to = if to_bob { &mut bob } else { &mut alice };
            let before = to.snapshot();
            prop_assert!(to.decrypt(&message, AD).is_err(), "a second delivery was accepted");
            prop_assert_eq!(to.snapshot(), before);
        }
    }
}
