#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ratchet_fuzz::sut_output::check_sut_output(data);
});
