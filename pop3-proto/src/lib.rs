//! # pop3-proto
//!
//! A sans-IO POP3 core: `#![no_std]`, no allocation, no I/O, no clock, no `unsafe`. It
//! turns bytes into typed protocol values and typed values into bytes, for clients and
//! servers alike (RFC 1939, RFC 2449, RFC 2595, RFC 3206, RFC 5034, RFC 6856).
//!
//! - [`client`]: the client state machine: every command, SASL, STLS, pipelining.
//! - [`server`]: the server state machine: every command checked and answered, the
//!   maildrop left to the application (credentials, sizes, unique-ids, bodies, UPDATE).
//! - [`Endpoint`]: the contract both keep (`handle_*` in, `poll_*` out), so that one loop
//!   per flavour drives either.
//! - `io` (features `io` and `async`): those loops, blocking over `embedded-io` and async
//!   over `embedded-io-async`, for both roles, with the multi-step client exchanges
//!   (greeting, STLS, login) and the server's [`Maildrop`](io::Maildrop) trait.
//! - [`codec`]: the ground floor: an incremental [`codec::Framer`], pure line parsers, and
//!   encoders into caller buffers, for those who only want parsing.
//! - [`apop`], [`sasl`]: the authentication computations.
//!
//! ## Features
//!
//! | feature | adds | dependencies |
//! |---|---|---|
//! | (none) | codec, client and server state machines, APOP, SASL PLAIN/LOGIN/CRAM-MD5/XOAUTH2/OAUTHBEARER | nom, heapless, md-5, hmac, base64 |
//! | `memchr` (default) | fast line-end search in the framer (SIMD on hosts; about 150 octets of flash; stuffing and unstuffing scan in blocks without it too) | memchr |
//! | `io` | `io::blocking`: the blocking loops over `embedded-io` | embedded-io |
//! | `async` | `io::asynch`: the async loops over `embedded-io-async` | embedded-io-async |
//! | `scram` | SCRAM-SHA-256 in the client and the server (RFC 5802, RFC 7677) | sha2, pbkdf2 |
//! | `defmt` | `defmt::Format` on the public types; nothing else changes | defmt |
//! | `arbitrary` | `arbitrary::Arbitrary` on the codec's values, for fuzzing on a host | arbitrary (std) |
//!
//! Features never change behaviour (`memchr` changes only speed): strictness is a runtime
//! setting.
//!
//! ## The drive loop
//!
//! The core never does I/O: the driver moves bytes and time. After every input and every
//! command, until both are quiet, it (1) takes events from `poll_event` until `Ok(None)`,
//! reacting to them, and (2) sends what `poll_transmit` holds and acknowledges it with
//! `transmitted`; then (3) it waits for input or for `poll_timeout`. Here a scripted server plays the RFC 1939 section 10 session (with a
//! shorter maildrop):
//!
//! ```
//! use pop3_proto::Instant;
//! use pop3_proto::client::{self, Client, CommandKind, Event, Security, Transport};
//!
//! // What the server answers to each command line, the greeting first.
//! let mut script: &[(&[u8], &[u8])] = &[
//!     (b"", b"+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n"),
//!     (b"APOP mrose c4c9334bac560ecc979e58001b3e22fb", b"+OK mrose's maildrop has 1 message\r\n"),
//!     (b"STAT", b"+OK 1 24\r\n"),
//!     (b"RETR 1", b"+OK 24 octets\r\nSubject: hi\r\n\r\n..dot\r\n.\r\n"),
//!     (b"QUIT", b"+OK dewey POP3 server signing off\r\n"),
//! ];
//! let mut to_client: Vec<u8> = script[0].1.to_vec();
//! let mut to_server: Vec<u8> = Vec::new();
//! script = &script[1..];
//!
//! // Plain TCP with cleartext credentials allowed: this is a test, not a real network.
//! let config = client::Config::default().with_security(Security::AllowCleartext);
//! let mut client: Client = Client::new(config, Transport::Plain, Instant::from_millis(0));
//! let mut message = Vec::new();
//! let mut closed = false;
//! let mut now = 0;
//! while !closed {
//!     // 1. Take every event; issue commands in reaction.
//!     while let Some(event) = client.poll_event().expect("the server keeps to the protocol") {
//!         match event {
//!             Event::Greeting(g) => {
//!                 assert!(g.timestamp.is_some());
//!                 client.apop(b"mrose", b"tanstaaf").unwrap();
//!             }
//!             Event::Reply { command: CommandKind::Apop, line, .. } => {
//!                 assert!(line.is_ok(), "logged in");
//!                 // Queued at once; released as the server's PIPELINING allows.
//!                 client.stat().unwrap();
//!                 client.retr(1).unwrap();
//!                 client.quit().unwrap();
//!             }
//!             Event::Stat { stat, .. } => assert_eq!((stat.count, stat.size), (1, 24)),
//!             Event::Body { data, .. } => message.extend_from_slice(data),
//!             Event::Closed { update } => {
//!                 assert!(update, "QUIT in TRANSACTION: the server applies deletions");
//!                 closed = true;
//!             }
//!             _ => {}
//!         }
//!     }
//!     // 2. Send, then acknowledge what was sent.
//!     let out = client.poll_transmit();
//!     to_server.extend_from_slice(out);
//!     let n = out.len();
//!     client.transmitted(n);
//!     // (the scripted server answers every complete command line)
//!     while let Some(end) = to_server.windows(2).position(|w| w == b"\r\n") {
//!         let line: Vec<u8> = to_server.drain(..end + 2).collect();
//!         assert_eq!(&line[..end], script[0].0, "the client sent what the script expects");
//!         to_client.extend_from_slice(script[0].1);
//!         script = &script[1..];
//!     }
//!     // 3. Hand over input (here: everything the script produced, in one go).
//!     now += 10;
//!     let taken = client.handle_input(Instant::from_millis(now), &to_client);
//!     to_client.drain(..taken);
//! }
//! assert_eq!(message, b"Subject: hi\r\n\r\n.dot\r\n");
//! assert!(script.is_empty());
//! ```
//!
//! ## The server's drive loop
//!
//! The same three steps. Requests ask the application only what it owns; here the RFC 1939
//! section 10 session again, from the server's side, with one message in the maildrop.
//! (With the `io` feature, `io::blocking::serve` is this loop over any transport.)
//!
//! ```
//! use pop3_proto::{Instant, Transport};
//! use pop3_proto::server::{self, AuthRequest, Failure, Request, Server};
//!
//! let config = server::Config::named(b"POP3 server ready", b"dbc.mtview.ca.us")
//!     .with_shared_secrets(true);
//! let mut server: Server = Server::new(config, b"1896.697170952", Transport::Plain, Instant::from_millis(0));
//! let message: &[u8] = b"Subject: hi\r\n\r\n.dot\r\n";
//! let mut input: &[u8] = b"APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\nSTAT\r\nRETR 1\r\nDELE 1\r\nQUIT\r\n";
//! let mut output = Vec::new();
//! let mut removed = None;
//! let mut now = 0;
//! loop {
//!     // 1. Answer every request.
//!     while let Some(request) = server.poll_event().expect("no injection here") {
//!         match request {
//!             Request::Auth(auth) => {
//!                 if auth.user() == b"mrose" && auth.matches_secret(b"tanstaaf") {
//!                     server.accept_login(1).unwrap();
//!                 } else {
//!                     server.reject_login(Failure::Auth, b"Authentication failed").unwrap();
//!                 }
//!             }
//!             // For LIST and for STAT: the core sums the sizes of the messages not marked.
//!             Request::Size { .. } => server.size(message.len() as u64).unwrap(),
//!             Request::Uid { .. } => server.uid(b"whqtswO00WBw418f9t5JxYwZ").unwrap(),
//!             Request::Retrieve { .. } => {
//!                 let mut rest = message;
//!                 while !rest.is_empty() && server.body_wanted() {
//!                     let n = server.send_body(rest).unwrap();
//!                     rest = &rest[n..];
//!                     output.extend_from_slice(server.poll_transmit());
//!                     let sent = server.poll_transmit().len();
//!                     server.transmitted(sent);
//!                 }
//!                 server.end_body().unwrap();
//!             }
//!             Request::Update { marked } => {
//!                 removed = Some(marked.iter().collect::<Vec<u32>>());
//!                 server.update_done(Ok(())).unwrap();
//!             }
//!             Request::StartTls => unreachable!("STLS is not offered"),
//!             Request::ScramKeys { .. } => unreachable!("SCRAM is not offered"),
//!             Request::Closed { update } => assert!(update),
//!         }
//!     }
//!     // 2. Send, then acknowledge.
//!     output.extend_from_slice(server.poll_transmit());
//!     let sent = server.poll_transmit().len();
//!     server.transmitted(sent);
//!     if server.is_closed() {
//!         break;
//!     }
//!     // 3. Hand over input (here: the client's commands, five octets at a time).
//!     now += 10;
//!     let (piece, rest) = input.split_at(input.len().min(5));
//!     input = rest;
//!     let taken = server.handle_input(Instant::from_millis(now), piece);
//!     assert_eq!(taken, piece.len());
//!     if input.is_empty() && piece.is_empty() {
//!         server.handle_eof(Instant::from_millis(now));
//!     }
//! }
//! let output = String::from_utf8(output).unwrap();
//! assert!(output.starts_with("+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n"));
//! assert!(output.contains("+OK 1 21\r\n"));
//! assert!(output.contains("Subject: hi\r\n\r\n..dot\r\n.\r\n"));
//! assert!(output.ends_with("+OK Logging out, 1 messages deleted\r\n"));
//! assert_eq!(removed, Some(vec![1]));
//! ```
//!
//! ## Decoding with the codec alone
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
#[cfg(feature = "arbitrary")]
mod arbitrary;
// The `arbitrary` derive names `::std`; that host-only feature needs std anyway.
#[cfg(feature = "arbitrary")]
extern crate std;
pub mod client;
pub mod codec;
mod endpoint;
#[cfg(any(feature = "io", feature = "async"))]
pub mod io;
mod outbuf;
pub mod sasl;
mod secret;
pub mod server;
mod time;

pub use endpoint::{Endpoint, Transport};
pub use secret::Secret;
pub use time::Instant;
