//! Every request after `hello` names the profile it belongs to (`"profile": "olm"`), so one
//! SUT can serve several families. This wrapper adds the member to each request it passes on.

use serde_json::Value;

use super::{Answer, Capabilities, Driver};

/// A driver whose requests all carry `profile`.
pub struct ProfileScope<'a> {
    inner: &'a mut dyn Driver,
    profile: &'static str,
}

impl<'a> ProfileScope<'a> {
    /// Wraps `inner` for requests of `profile`.
    pub fn new(inner: &'a mut dyn Driver, profile: &'static str) -> ProfileScope<'a> {
        ProfileScope { inner, profile }
    }
}

impl Driver for ProfileScope<'_> {
    fn capabilities(&self) -> &Capabilities {
        self.inner.capabilities()
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
