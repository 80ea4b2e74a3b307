//! Fuzz target `client_session`: see `pop3_fuzz_checks::client_session` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pop3_fuzz_checks::client_session::check(data));
