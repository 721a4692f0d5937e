//! A driver that makes any SUT look like one that cannot take injected keys or export and
//! import state: it hides those capabilities and, where the harness sends no keys, supplies
//! keys of its own from a seed, as a SUT drawing its own randomness would. The mutants table
//! uses it to show which bugs are still caught for such SUTs.

use serde_json::Value;

use super::hex_bytes::Hex;
use super::{Answer, Capabilities, Driver};
use crate::vectors::vector_rng::VectorRng;

/// Ops a SUT without state export, import or key injection does not offer.
const HIDDEN_OPS: [&str; 3] = ["session_export", "session_import", "session_dh_ratchet"];

/// Keys supplied to a request that draws keys and was given none (enough for every op: an
/// Olm initiator draws two).
const KEYS_PER_REQUEST: usize = 2;

/// `inner` as a SUT with its own randomness and no state export or import.
pub struct OwnRandomness<'a> {
    inner: &'a mut dyn Driver,
    capabilities: Capabilities,
    rng: VectorRng,
}

impl<'a> OwnRandomness<'a> {
    /// Wraps `inner`; `seed` makes its "own" randomness reproducible.
    pub fn new(inner: &'a mut dyn Driver, seed: [u8; 32]) -> OwnRandomness<'a> {
        let mut capabilities = inner.capabilities().clone();
        capabilities.inject_keys = false;
        capabilities.export_state = false;
        capabilities.import_state = false;
        for op in HIDDEN_OPS {
            capabilities.ops.remove(op);
        }
        OwnRandomness {
            inner,
            capabilities,
            rng: VectorRng::new(seed),
        }
    }
}

impl Driver for OwnRandomness<'_> {
    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    fn call_batch(&mut self, requests: &[(String, Value)]) -> Vec<Answer> {
        let supplied: Vec<(String, Value)> = requests
            .iter()
            .map(|(op, args)| {
                let mut args = args.clone();
                if op.starts_with("session_") {
                    if let Value::Object(map) = &mut args {
                        let empty = map
                            .get("keys")
                            .and_then(Value::as_array)
                            .is_none_or(|keys| keys.is_empty());
                        if empty {
                            let keys: Vec<Value> = (0..KEYS_PER_REQUEST)
                                .map(|_| serde_json::json!(Hex::from(self.rng.key())))
                                .collect();
                            map.insert("keys".into(), Value::Array(keys));
                        }
                    }
                }
                (op.clone(), args)
            })
            .collect();
        self.inner.call_batch(&supplied)
    }
}
