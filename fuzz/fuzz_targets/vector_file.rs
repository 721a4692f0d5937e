#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ratchet_fuzz::vector_file::check_vector_file(data);
});
