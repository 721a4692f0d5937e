#![no_main]

use libfuzzer_sys::fuzz_target;
use ratchet_fuzz::checks::session_interaction::{run_script, Script};
use ratchet_fuzz::Decoded;

fuzz_target!(|script: Decoded<Script>| {
    run_script(&script.0);
});
