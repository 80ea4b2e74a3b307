//! Fuzz target `stuffing`: see `pop3_fuzz_checks::stuffing` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pop3_fuzz_checks::stuffing::check(data));
