//! What the example programs share: local mail stores for fetched mail ([`local`]) and the
//! bundled demo server ([`demo`]). The mail checker's heap-free logic is the `pop3-checker`
//! crate, which firmware uses too.

pub mod demo;
pub mod local;
