//! Fuzz target `roundtrip`: see `pop3_fuzz_checks::roundtrip` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pop3_fuzz_checks::roundtrip::check(data));
