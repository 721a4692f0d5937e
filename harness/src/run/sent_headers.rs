//! What the protocol requires of the header fields of the SUT's next message in a live
//! scenario, from what the SUT has sent and successfully received so far: the same ratchet
//! key and the next N on a chain; a new ratchet key, N = 0 and PN = the number of messages of
//! its previous sending chain once it has received a ratchet key it had not seen (DR spec
//! sections 3.4 and 3.5; olm.md, Sending normal messages). The harness knows the profile, so it
//! reads the fields out of the SUT's messages itself.

use std::collections::HashSet;

use ratchet_ref::primitives::wire::MessageFields;

/// The SUT's current sending chain as its messages show it.
#[derive(Debug, Clone, Copy)]
struct SendingChain {
    dh: [u8; 32],
    pn: Option<u32>,
    next_n: u32,
}

/// A header field of a SUT message that departs from what the protocol requires now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderDeparture {
    pub field: &'static str,
    pub expected: String,
    pub got: String,
}

/// The expected header fields of the SUT's messages.
#[derive(Debug, Default)]
pub struct SentHeaders {
    sending: Option<SendingChain>,
    peer_keys: HashSet<[u8; 32]>,
    new_peer_key: bool,
}

impl SentHeaders {
    /// The SUT decrypted a message with these fields.
    pub fn received(&mut self, fields: &MessageFields) {
        if self.peer_keys.insert(fields.dh.0) {
            self.new_peer_key = true;
        }
    }

    /// Checks the fields of a message the SUT just sent, then counts it.
    pub fn sent(&mut self, fields: &MessageFields) -> Result<(), HeaderDeparture> {
        let expected = match (&self.sending, self.new_peer_key) {
            (Some(chain), false) => *chain,
            (previous, _) => {
                if let Some(previous) = previous {
                    if previous.dh == fields.dh.0 {
                        return Err(HeaderDeparture {
                            field: "ratchet key",
                            expected: "a new ratchet key: the SUT has received a new ratchet key since its last message, so this one starts a new sending chain".into(),
                            got: format!("the previous chain's {}", hex::encode(&fields.dh.0[..4])),
                        });
                    }
                }
                SendingChain {
                    dh: fields.dh.0,
                    pn: fields.pn.map(|_| previous.map_or(0, |p| p.next_n)),
                    next_n: 0,
                }
            }
        };
        if expected.dh != fields.dh.0 {
            return Err(HeaderDeparture {
                field: "ratchet key",
                expected: format!(
                    "{}… (the current sending chain's: the SUT has received no new ratchet key)",
                    hex::encode(&expected.dh[..4])
                ),
                got: format!("{}…", hex::encode(&fields.dh.0[..4])),
            });
        }
        if fields.n != expected.next_n {
            return Err(HeaderDeparture {
                field: "n",
                expected: expected.next_n.to_string(),
                got: fields.n.to_string(),
            });
        }
        if fields.pn != expected.pn {
            return Err(HeaderDeparture {
                field: "pn",
                expected: format!(
                    "{} (the number of messages of the previous sending chain)",
                    expected.pn.map_or("none".into(), |pn| pn.to_string())
                ),
                got: fields.pn.map_or("none".into(), |pn| pn.to_string()),
            });
        }
        self.new_peer_key = false;
        self.sending = Some(SendingChain {
            next_n: expected.next_n.saturating_add(1),
            ..expected
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratchet_ref::primitives::DhPublicKey;

    fn fields(dh: u8, pn: u32, n: u32) -> MessageFields {
        MessageFields {
            dh: DhPublicKey([dh; 32]),
            pn: Some(pn),
            n,
        }
    }

    #[test]
    fn a_chain_counts_up_and_a_new_peer_key_starts_the_next_with_pn() {
        let mut h = SentHeaders::default();
        assert_eq!(h.sent(&fields(1, 0, 0)), Ok(()));
        assert_eq!(h.sent(&fields(1, 0, 1)), Ok(()));
        h.received(&fields(9, 0, 0));
        assert_eq!(h.sent(&fields(2, 2, 0)), Ok(()), "PN = 2 messages before");
        h.received(&fields(9, 0, 1));
        assert_eq!(
            h.sent(&fields(2, 2, 1)),
            Ok(()),
            "a known key starts nothing"
        );
    }

    #[test]
    fn departures_name_the_field() {
        let mut h = SentHeaders::default();
        h.sent(&fields(1, 0, 0)).unwrap();
        assert_eq!(h.sent(&fields(1, 0, 2)).unwrap_err().field, "n");
        assert_eq!(h.sent(&fields(3, 0, 1)).unwrap_err().field, "ratchet key");
        h.received(&fields(9, 0, 0));
        assert_eq!(h.sent(&fields(1, 0, 1)).unwrap_err().field, "ratchet key");
        assert_eq!(h.sent(&fields(2, 0, 0)).unwrap_err().field, "pn");
        assert_eq!(h.sent(&fields(2, 1, 1)).unwrap_err().field, "n");
        assert_eq!(h.sent(&fields(2, 1, 0)), Ok(()));
    }
}
