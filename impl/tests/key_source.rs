//! The key sources: the OS source draws fresh keys, a queue hands out exactly what was pushed
//! and then refuses, a seeded source is reproducible, and none prints its keys.

use ratchet_ref::{ErrorKind, KeySource, OsKeySource, QueuedKeySource, SeededKeySource};

#[test]
fn the_os_source_draws_a_different_key_every_time() {
    let mut os = OsKeySource;
    let keys: Vec<[u8; 32]> = (0..4).map(|_| *os.next_key().unwrap()).collect();
    for (i, key) in keys.iter().enumerate() {
        // 2^-256 chance per key of a false failure.
        assert_ne!(key, &[0u8; 32], "key {i} is all zero");
        assert_ne!(key, &[1u8; 32], "key {i} is all ones");
        for other in &keys[i + 1..] {
            assert_ne!(key, other, "two draws returned the same key");
        }
    }
}

#[test]
fn a_queue_hands_out_its_keys_in_order_then_is_exhausted() {
    let mut queue = QueuedKeySource::new();
    assert!(queue.is_empty());
    assert_eq!(queue.len(), 0);
    queue.push([0xa1; 32]);
    queue.push([0xb2; 32]);
    assert!(!queue.is_empty());
    assert_eq!(queue.len(), 2);
    assert_eq!(format!("{queue:?}"), "QueuedKeySource(2 keys, [redacted])");

    assert_eq!(*queue.next_key().unwrap(), [0xa1; 32]);
    assert_eq!(queue.len(), 1);
    assert_eq!(*queue.next_key().unwrap(), [0xb2; 32]);
    assert!(queue.is_empty());
    let err = queue.next_key().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::KeySourceExhausted);
    assert!(err.reason().contains("inject"), "{err}");
}

#[test]
fn a_seeded_source_repeats_its_stream_and_redacts_it() {
    let draw = |seed| {
        let mut source = SeededKeySource::from_u64(seed);
        [*source.next_key().unwrap(), *source.next_key().unwrap()]
    };
    assert_eq!(draw(7), draw(7));
    assert_ne!(draw(7), draw(8));
    let [first, second] = draw(7);
    assert_ne!(first, second);
    assert_eq!(
        format!("{:?}", SeededKeySource::from_u64(7)),
        "SeededKeySource([redacted])"
    );
}
