#![no_main]

use libfuzzer_sys::fuzz_target;
use ratchet_fuzz::checks::x3dh_bundle::{run_bundle_plan, BundlePlan};
use ratchet_fuzz::Decoded;

fuzz_target!(|plan: Decoded<BundlePlan>| {
    run_bundle_plan(&plan.0);
});
