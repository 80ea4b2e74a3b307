//! What the example programs share: the mail checker's heap-free logic ([`checker`]), local
//! mail stores for fetched mail ([`local`]), and the bundled demo server ([`demo`]).

pub mod checker;
pub mod demo;
pub mod local;
