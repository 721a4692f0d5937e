//! Stage 2 of 3: the conformance vectors. The file format (`vector_file`), the generator's
//! seeded randomness (`vector_rng`), one module per kind (`kinds`), writing and checking the
//! files (`generate`), and replaying them through any driver (`replay`, `verify`). It may
//! import `driver`, never `run`.

pub mod generate;
pub mod kinds;
pub mod replay;
pub mod vector_file;
pub mod vector_rng;
pub mod verify;
