//! Fuzz target `pair`: see `pop3_fuzz_checks::pair` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pop3_fuzz_checks::pair::check(data));
