//! `ratchet-harness`: vector generation and replay, the driver protocol, and the reference
//! implementation behind it.

pub mod deviations;
pub mod driver;
pub mod generate;
pub mod hex_bytes;
pub mod kinds;
pub mod mutation;
pub mod protocol;
pub mod replay;
pub mod report;
pub mod run;
pub mod scenarios;
pub mod subprocess;
pub mod sut;
pub mod throughput;
pub mod vector_file;
pub mod vector_rng;
pub mod verify;
