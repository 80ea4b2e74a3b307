//! # pop3-embassy
//!
//! The async POP3 driver for microcontrollers. This crate will plug
//! `embassy_net::tcp::TcpSocket` (and any `embedded-io-async` stream, tokio included through
//! `embedded-io-adapters`) into the generic async drive loop of [`pop3_proto`], with
//! deadlines from `embassy-time`. It holds no protocol logic of its own.
//!
//! Until the client state machine lands it re-exports the codec, so that firmware can
//! already frame and parse POP3 with the same dependency it will keep.
#![no_std]

pub use pop3_proto::codec;
