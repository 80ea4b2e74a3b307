//! # pop3-proto
//!
//! A sans-IO POP3 core: `#![no_std]`, no allocation, no I/O, no clock, no `unsafe`. It
//! turns bytes into typed protocol values and typed values into bytes, for clients and
//! servers alike (RFC 1939, RFC 2449, RFC 2595, RFC 3206, RFC 5034, RFC 6856).
//!
//! The [`codec`] is the ground floor: an incremental [`codec::Framer`], pure line
//! parsers, and encoders into caller buffers.
//!
//! ## Decoding a reply stream
//!
//! The framer owns no memory: the caller keeps the octets not consumed yet, appends what it
//! reads, and calls [`codec::Framer::decode`] until it returns no frame. Body chunks borrow
//! from the caller's buffer, so a message of any size streams through a buffer as small as
//! the line limit.
//!
//! ```
//! use pop3_proto::codec::{Frame, Framer, Mode, StatusLine, Strictness};
//!
//! // What a server sent for `RETR 1`, arriving in two reads split mid-line.
//! let reads: [&[u8]; 2] = [b"+OK 15 octets\r\nHello\r\n..dot", b"ted\r\n.\r\n"];
//!
//! let mut buf = [0u8; 512];
//! let mut filled = 0;
//! let mut framer = Framer::for_responses(Strictness::Strict);
//! let mut body = heapless::Vec::<u8, 64>::new();
//! let mut done = false;
//! for read in reads {
//!     buf[filled..filled + read.len()].copy_from_slice(read);
//!     filled += read.len();
//!     loop {
//!         let decoded = framer.decode(&buf[..filled]);
//!         let (consumed, need_more) = (decoded.consumed, decoded.frame.is_none());
//!         match decoded.frame {
//!             Some(Frame::Line(line)) => {
//!                 let status = StatusLine::parse(line, Strictness::Strict).unwrap();
//!                 assert!(status.is_ok());
//!                 framer.set_mode(Mode::Body); // RETR has a multi-line reply
//!             }
//!             Some(Frame::Chunk(chunk)) => body.extend_from_slice(chunk).unwrap(),
//!             Some(Frame::End) => done = true,
//!             Some(Frame::Error(e)) => panic!("{e}"),
//!             None => {}
//!         }
//!         buf.copy_within(consumed..filled, 0);
//!         filled -= consumed;
//!         if need_more {
//!             break;
//!         }
//!     }
//! }
//! assert!(done);
//! assert_eq!(&body[..], b"Hello\r\n.dotted\r\n");
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod apop;
pub mod codec;
mod secret;

pub use secret::Secret;
