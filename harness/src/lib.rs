//! `ratchet-harness`: vector generation and replay, the driver protocol, and the reference
//! implementation behind it.
//!
//! The modules are grouped by stage and dependencies point one way, `driver` ← `vectors` ←
//! `run`: each stage imports only the stages before it.

pub mod driver;
pub mod run;
pub mod vectors;
