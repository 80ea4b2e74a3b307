//! Fuzz target `parsers`: see `pop3_fuzz_checks::parsers` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pop3_fuzz_checks::parsers::check(data));
