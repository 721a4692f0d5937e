#![no_main]

use libfuzzer_sys::fuzz_target;
use ratchet_fuzz::checks::decrypt::{run_decrypt_plan, DecryptPlan};
use ratchet_fuzz::Decoded;

fuzz_target!(|plan: Decoded<DecryptPlan>| {
    run_decrypt_plan(&plan.0);
});
