//! What the example programs share: local mail stores for fetched mail ([`local`]), the
//! bundled demo server ([`demo`]) and the exit codes ([`exit`]). The mail checker's heap-free logic is the `pop3-checker`
//! crate, which firmware uses too.

pub mod demo;
pub mod exit;
pub mod local;
