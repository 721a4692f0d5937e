//! Every request after `hello` names the profile it belongs to (`"profile": "olm"`), so one
//! SUT can serve several families. This wrapper adds the member to each request it passes on.

use serde_json::Value;

use super::{Answer, Capabilities, Driver};

/// A driver whose requests all carry `profile`.
pub struct ProfileScope<'a> {
    inner: &'a mut dyn Driver,
    profile: &'static str,
    capabilities: Capabilities,
}

impl<'a> ProfileScope<'a> {
    /// Wraps `inner` for requests of `profile`.
    pub fn new(inner: &'a mut dyn Driver, profile: &'static str) -> ProfileScope<'a> {
        let capabilities = inner.capabilities().for_profile(profile);
        ProfileScope {
            inner,
            profile,
            capabilities,
        }
    }
}

impl Driver for ProfileScope<'_> {
    /// The SUT's capabilities, with this profile's own limits.
    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    fn call_batch(&mut self, requests: &[(String, Value)]) -> Vec<Answer> {
        let scoped: Vec<(String, Value)> = requests
            .iter()
            .map(|(op, args)| {
                let mut args = args.clone();
                match &mut args {
                    Value::Object(map) => {
                        map.insert("profile".into(), Value::from(self.profile));
                    }
                    Value::Null => {
                        args = serde_json::json!({ "profile": self.profile });
                    }
                    _ => {}
                }
                (op.clone(), args)
            })
            .collect();
        self.inner.call_batch(&scoped)
    }
}
