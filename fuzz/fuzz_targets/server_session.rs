//! Fuzz target `server_session`: see `pop3_fuzz_checks::server_session` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pop3_fuzz_checks::server_session::check(data));
