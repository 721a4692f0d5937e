//! Stage 2 of 3: the conformance vectors. The file format (`vector_file`), the generator's
//! seeded randomness (`vector_rng`), one module per kind (`kinds`), writing and checking the
//! files (`generate`), replaying them through any driver (`replay`, `verify`), and saying what a
//! wrong answer is (`diagnosis`). It may
//! import `driver`, never `run`.

pub mod diagnosis;
pub mod generate;
pub mod kinds;
pub mod replay;
pub mod vector_file;
pub mod vector_rng;
pub mod verify;
