//! The reference implementation behind the driver protocol: used in-process by `verify` and
//! as a subprocess by `ratchet-harness sut`.

pub mod args;
pub mod mutants;
pub mod olm_ops;
pub mod reference;
pub mod signal_ops;
pub mod stdio;

pub use reference::ReferenceSut;
