//! Fuzz target `framer`: see `pop3_fuzz_checks::framer` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pop3_fuzz_checks::framer::check(data));
