//! Seed inputs for every target, built from the reference: genuine headers, messages,
//! bundles, ciphertexts, mutation plans and interaction scripts.
//!
//! `src/bin/seed_corpus.rs` writes them to `fuzz/corpus/<target>/`; the ones marked
//! `regression` were copied once into `fuzz/regressions/<target>/` so that the replay test
//! always has inputs that reach the deep paths (the files there are the source of truth;
//! they are never regenerated).

use ratchet_ref::primitives::{encrypt, Header, MessageKey};
use ratchet_ref::Profile;

use super::decrypt::{DecryptPlan, Mutation};
use super::fixture::fixture;
use super::session_interaction::{Action, Party, Script, Setup, Tamper};
use super::x3dh_bundle::{x3dh_fixture, BundleMutation, BundlePlan, OneTimePrekey};

/// One seed input.
#[derive(Debug, Clone)]
pub struct Seed {
    /// The target it is for.
    pub target: &'static str,
    /// A file name describing it.
    pub name: String,
    /// The input.
    pub bytes: Vec<u8>,
    /// Also kept in `fuzz/regressions/<target>/` (prefixed `seed-`).
    pub regression: bool,
}

fn seed(target: &'static str, name: impl Into<String>, bytes: Vec<u8>, regression: bool) -> Seed {
    Seed {
        target,
        name: name.into(),
        bytes,
        regression,
    }
}

/// Every seed, for every target.
pub fn seeds() -> Vec<Seed> {
    let mut out = Vec::new();
    for target in super::TARGETS {
        out.push(seed(target.name, "empty", Vec::new(), true));
    }
    framing_seeds(&mut out);
    decrypt_seeds(&mut out);
    aead_seeds(&mut out);
    bundle_seeds(&mut out);
    for (name, script, regression) in scripts() {
        out.push(seed(
            "session_interaction",
            name,
            script.encode(),
            regression,
        ));
    }
    out
}

fn framing_seeds(out: &mut Vec<Seed>) {
    let fx = fixture();
    for case in &fx.cases {
        for message in &case.pending {
            let regression = message.label == "c0";
            out.push(seed(
                "header_decode",
                format!("header-{}", message.label),
                message.bytes[..Header::LEN].to_vec(),
                regression,
            ));
            out.push(seed(
                "message_parse",
                format!("message-{}", message.label),
                message.bytes.clone(),
                regression,
            ));
        }
    }
    out.push(seed("header_decode", "short-39", vec![0; 39], false));
    out.push(seed("message_parse", "minimal-72", vec![0; 72], false));
    out.push(seed("message_parse", "short-71", vec![0; 71], false));
}

fn decrypt_seeds(out: &mut Vec<Seed>) {
    let fx = fixture();
    let mut messages: Vec<&super::fixture::Pending> = Vec::new();
    for message in fx.cases.iter().flat_map(|case| &case.pending) {
        if !messages.iter().any(|known| known.label == message.label) {
            messages.push(message);
        }
    }
    for (index, case) in fx.cases.iter().enumerate() {
        for message in &messages {
            let mut bytes = vec![index as u8];
            bytes.extend_from_slice(&message.bytes);
            let own = case.pending.iter().any(|p| p.label == message.label);
            let regression = matches!(
                (case.name, message.label),
                ("bob_mid", "c0") | ("alice_mid", "b0")
            );
            let kind = if own { "pending" } else { "foreign" };
            out.push(seed(
                "decrypt",
                format!("{}-{kind}-{}", case.name, message.label),
                bytes,
                regression,
            ));
        }
        for message in &case.pending {
            // The pending message with its last tag byte flipped: rejected, and (for a
            // stored key) the key must survive the failure.
            let mut bytes = vec![index as u8];
            bytes.extend_from_slice(&message.bytes);
            if let Some(last) = bytes.last_mut() {
                *last ^= 1;
            }
            out.push(seed(
                "decrypt",
                format!("{}-tampered-{}", case.name, message.label),
                bytes,
                (case.name, message.label) == ("alice_mid", "b0"),
            ));
        }
        for (message_index, message) in case.pending.iter().enumerate() {
            let plan = DecryptPlan {
                case: index as u8,
                message: message_index as u8,
                mutations: Vec::new(),
            };
            out.push(seed(
                "decrypt_structured",
                format!("{}-identity-{}", case.name, message.label),
                plan.encode(),
                index == 1 && message.label == "c1",
            ));
        }
    }
    let mutations = [
        ("xor-dh", Mutation::XorDh { index: 3, mask: 1 }),
        ("set-dh", Mutation::SetDh([0x42; 32])),
        ("small-order-dh", Mutation::SetDhNotable(2)),
        ("own-dh", Mutation::SetDhNotable(7)),
        ("pn-1004", Mutation::SetPn(1004)),
        ("pn-minus-1", Mutation::AddPn(-1)),
        ("n-1001", Mutation::SetN(1001)),
        ("n-minus-1", Mutation::AddN(-1)),
        (
            "flip-ciphertext",
            Mutation::FlipCiphertext {
                index: 5,
                mask: 0x80,
            },
        ),
        ("flip-tag", Mutation::FlipTag { index: 31, mask: 1 }),
        ("truncate-1", Mutation::Truncate(1)),
        ("extend-16", Mutation::Extend(vec![0x10; 16])),
        ("drop-block", Mutation::DropBlock(0)),
        ("swap-blocks", Mutation::SwapBlocks(0, 1)),
        ("splice-header", Mutation::SpliceHeader(3)),
        ("splice-body", Mutation::SpliceBody(0)),
        ("flip-ad", Mutation::FlipAd { index: 0, mask: 4 }),
    ];
    let stored_key = DecryptPlan {
        case: 2,
        message: 0,
        mutations: vec![Mutation::FlipTag {
            index: 0,
            mask: 0x20,
        }],
    };
    out.push(seed(
        "decrypt_structured",
        "alice_mid-b0-flip-tag",
        stored_key.encode(),
        true,
    ));
    let reseals = [
        // A malicious sender on bob_far's chain numbers a message N + 1.
        (
            "bob_far-f0-reseal-next",
            3,
            0,
            vec![Mutation::AddN(1), Mutation::Reseal],
        ),
        // ... claims a larger PN for a new chain (more old-chain keys skipped).
        (
            "bob_mid-c0-reseal-pn",
            1,
            2,
            vec![Mutation::SetPn(10), Mutation::Reseal],
        ),
        // ... skips ahead on the current chain.
        (
            "alice_mid-b2-reseal-skip",
            2,
            1,
            vec![Mutation::AddN(5), Mutation::Reseal],
        ),
        // ... reseals under another AD: the receiver's AD differs, so it fails.
        (
            "bob_mid-a3-reseal-other-ad",
            1,
            1,
            vec![Mutation::FlipAd { index: 0, mask: 1 }, Mutation::Reseal],
        ),
    ];
    for (name, case, message, mutations) in reseals {
        let plan = DecryptPlan {
            case,
            message,
            mutations,
        };
        out.push(seed(
            "decrypt_structured",
            name,
            plan.encode(),
            name == "bob_far-f0-reseal-next",
        ));
    }
    for (name, mutation) in mutations {
        let plan = DecryptPlan {
            case: 1,
            message: 2,
            mutations: vec![mutation],
        };
        out.push(seed(
            "decrypt_structured",
            format!("bob_mid-c0-{name}"),
            plan.encode(),
            name == "flip-tag",
        ));
    }
}

fn aead_seeds(out: &mut Vec<Seed>) {
    let profile = Profile::spec();
    let key = [0x6b; 32];
    let ad = b"aead seed associated data";
    let mk = MessageKey::from_bytes(key);
    let layout = |append_tag: bool, body: &[u8]| {
        let mut bytes = vec![u8::from(append_tag)];
        bytes.extend_from_slice(&key);
        bytes.push(ad.len() as u8);
        bytes.extend_from_slice(ad);
        bytes.extend_from_slice(body);
        bytes
    };
    for (name, plaintext) in [
        ("empty-plaintext", &b""[..]),
        ("15-bytes", &b"fifteen bytes.."[..]),
        ("16-bytes", &b"sixteen bytes..."[..]),
    ] {
        let sealed = encrypt(&profile, &mk, plaintext, ad);
        out.push(seed(
            "aead_decrypt",
            format!("sealed-{name}"),
            layout(false, &sealed),
            name == "15-bytes",
        ));
        let ciphertext = &sealed[..sealed.len() - 32];
        out.push(seed(
            "aead_decrypt",
            format!("self-tagged-{name}"),
            layout(true, ciphertext),
            false,
        ));
    }
    out.push(seed(
        "aead_decrypt",
        "self-tagged-bad-padding",
        layout(true, &[0x33; 16]),
        true,
    ));
    out.push(seed(
        "aead_decrypt",
        "self-tagged-partial-block",
        layout(true, &[0x33; 17]),
        false,
    ));
    out.push(seed(
        "aead_decrypt",
        "short",
        layout(false, &[0; 31]),
        false,
    ));
}

fn bundle_seeds(out: &mut Vec<Seed>) {
    let fx = x3dh_fixture();
    for (index, bundle) in fx.bundles.iter().enumerate() {
        let name = match bundle.one_time_prekey {
            Some(_) => format!("genuine-opk{index}"),
            None => "genuine-no-opk".to_string(),
        };
        out.push(seed(
            "x3dh_bundle",
            name.clone(),
            bundle.encode(),
            index == 0,
        ));
        out.push(seed(
            "x3dh_bundle_structured",
            name,
            BundlePlan {
                bundle: index as u8,
                mutations: Vec::new(),
            }
            .encode(),
            false,
        ));
    }
    let mut bad_signature = fx.bundles[0].encode();
    bad_signature[100] ^= 1;
    out.push(seed("x3dh_bundle", "bad-signature", bad_signature, false));
    out.push(seed("x3dh_bundle", "short-127", vec![0; 127], false));
    let plans = [
        (
            "swap-opk",
            BundleMutation::SetOneTimePrekey(OneTimePrekey::Bobs(1)),
            true,
        ),
        (
            "flip-signature",
            BundleMutation::XorSignature { index: 0, mask: 1 },
            true,
        ),
        (
            "flip-identity",
            BundleMutation::XorIdentityKey {
                index: 31,
                mask: 0x80,
            },
            false,
        ),
        (
            "flip-signed-prekey",
            BundleMutation::XorSignedPrekey { index: 0, mask: 1 },
            false,
        ),
        (
            "small-order-spk",
            BundleMutation::SmallOrderSignedPrekey(0),
            false,
        ),
        (
            "small-order-opk",
            BundleMutation::SetOneTimePrekey(OneTimePrekey::SmallOrder(3)),
            false,
        ),
        (
            "foreign-opk",
            BundleMutation::SetOneTimePrekey(OneTimePrekey::Bytes([9; 32])),
            false,
        ),
        (
            "drop-opk",
            BundleMutation::SetOneTimePrekey(OneTimePrekey::Absent),
            false,
        ),
        ("truncate", BundleMutation::Truncate(1), false),
        ("extend", BundleMutation::Extend(vec![1; 32]), false),
    ];
    for (name, mutation, regression) in plans {
        out.push(seed(
            "x3dh_bundle_structured",
            name,
            BundlePlan {
                bundle: 0,
                mutations: vec![mutation],
            }
            .encode(),
            regression,
        ));
    }
}

fn send(from: Party, text: &str) -> Action {
    Action::Send {
        from,
        plaintext: text.as_bytes().to_vec(),
    }
}

/// Named interaction scripts: (name, script, kept as a regression seed).
pub fn scripts() -> Vec<(&'static str, Script, bool)> {
    use Action::{Deliver, DeliverAll, DeliverNewest, Duplicate, Lose, Reorder, Restore, Snapshot};
    use Party::{Alice, Bob};
    let ping_pong = (0..4)
        .flat_map(|turn| {
            let from = if turn % 2 == 0 { Alice } else { Bob };
            [send(from, "ping pong turn"), DeliverNewest]
        })
        .collect();
    vec![
        (
            "ping-pong",
            Script {
                setup: Setup::FixedSk,
                actions: ping_pong,
            },
            false,
        ),
        (
            "bob-sends-first",
            Script {
                setup: Setup::X3dh,
                actions: vec![
                    send(Bob, "too early"),
                    send(Alice, "hello"),
                    DeliverAll,
                    send(Bob, "now I can"),
                    DeliverAll,
                ],
            },
            false,
        ),
        (
            "out-of-order",
            Script {
                setup: Setup::X3dhWithOneTimePrekey,
                actions: vec![
                    send(Alice, "one"),
                    send(Alice, "two"),
                    send(Alice, "three"),
                    Reorder(0, 2),
                    DeliverAll,
                    send(Bob, "four"),
                    send(Bob, "five"),
                    DeliverNewest,
                    send(Alice, "six"),
                    DeliverAll,
                ],
            },
            false,
        ),
        (
            "replay-and-tamper",
            Script {
                setup: Setup::X3dh,
                actions: vec![
                    send(Alice, "original"),
                    Duplicate(0),
                    Action::Tamper {
                        index: 0,
                        how: Tamper::FlipBit(330),
                    },
                    Action::Tamper {
                        index: 0,
                        how: Tamper::FlipBit(8 * 33 + 1),
                    },
                    Action::Tamper {
                        index: 0,
                        how: Tamper::Truncate(71),
                    },
                    Action::Tamper {
                        index: 0,
                        how: Tamper::Append(0),
                    },
                    DeliverAll,
                ],
            },
            true,
        ),
        (
            "max-skip-boundary",
            Script {
                setup: Setup::FixedSk,
                actions: vec![
                    Lose {
                        from: Alice,
                        count: 1000,
                    },
                    send(Alice, "exactly MAX_SKIP skipped"),
                    DeliverNewest,
                    Lose {
                        from: Alice,
                        count: 1001,
                    },
                    send(Alice, "one too many"),
                    DeliverNewest,
                ],
            },
            true,
        ),
        (
            "eviction",
            Script {
                setup: Setup::FixedSk,
                actions: vec![
                    send(Alice, "kept in flight, key evicted later"),
                    Lose {
                        from: Alice,
                        count: 999,
                    },
                    send(Alice, "skips 1000"),
                    DeliverNewest,
                    send(Bob, "reply"),
                    DeliverNewest,
                    Lose {
                        from: Alice,
                        count: 1000,
                    },
                    send(Alice, "skips 1000 more: store full"),
                    DeliverNewest,
                    send(Bob, "reply"),
                    DeliverNewest,
                    Lose {
                        from: Alice,
                        count: 1000,
                    },
                    send(Alice, "evicts the first chain's keys"),
                    DeliverNewest,
                    Deliver(0),
                ],
            },
            true,
        ),
        (
            "snapshot-restore",
            Script {
                setup: Setup::FixedSk,
                actions: vec![
                    send(Alice, "first"),
                    Duplicate(0),
                    Snapshot(Bob),
                    Deliver(0),
                    Restore {
                        party: Bob,
                        slot: 0,
                    },
                    Deliver(0),
                    Snapshot(Alice),
                    send(Alice, "second"),
                    Restore {
                        party: Alice,
                        slot: 0,
                    },
                    send(Alice, "second, rewritten"),
                    DeliverAll,
                    send(Bob, "answer"),
                    DeliverAll,
                ],
            },
            true,
        ),
    ]
}
