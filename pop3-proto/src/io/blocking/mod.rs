//! The blocking loops (feature `io`): over any `embedded-io` transport with a [`Clock`],
//! from a std `TcpStream` or rustls stream to a UART. The transport step (write out, one
//! read bounded by the deadline) is written once here for both roles.
//!
//! A client: the greeting, CAPA, login, then a RETR issued from the event handler, against
//! a scripted server that answers each command line with its next reply.
//!
//! ```
//! # use std::collections::VecDeque;
//! # use std::convert::Infallible;
//! # use pop3_proto::Instant;
//! # /// A server that releases its next reply when a command line arrives.
//! # struct Scripted { replies: VecDeque<&'static [u8]>, ready: Vec<u8>, sent: Vec<u8> }
//! # impl embedded_io::ErrorType for Scripted { type Error = Infallible; }
//! # impl embedded_io::Read for Scripted {
//! #     fn read(&mut self, buf: &mut [u8]) -> Result<usize, Infallible> {
//! #         let n = buf.len().min(self.ready.len());
//! #         buf[..n].copy_from_slice(&self.ready[..n]);
//! #         self.ready.drain(..n);
//! #         Ok(n)
//! #     }
//! # }
//! # impl embedded_io::Write for Scripted {
//! #     fn write(&mut self, buf: &[u8]) -> Result<usize, Infallible> {
//! #         for &b in buf {
//! #             self.sent.push(b);
//! #             if b == b'\n' { self.ready.extend(self.replies.pop_front().unwrap_or_default()); }
//! #         }
//! #         Ok(buf.len())
//! #     }
//! #     fn flush(&mut self) -> Result<(), Infallible> { Ok(()) }
//! # }
//! # impl pop3_proto::io::blocking::Clock for Scripted {
//! #     fn now(&mut self) -> Instant { Instant::from_millis(0) }
//! #     fn set_deadline(&mut self, _: Option<Instant>) -> Result<(), Infallible> { Ok(()) }
//! # }
//! # let replies: &[&[u8]] = &[b"+OK\r\nSASL PLAIN\r\n.\r\n", b"+OK logged in\r\n",
//! #     b"+OK 2 octets\r\nhi\r\n.\r\n", b"+OK bye\r\n"];
//! # let mut io = Scripted { replies: replies.iter().copied().collect(),
//! #     ready: b"+OK ready\r\n".to_vec(), sent: Vec::new() };
//! use core::ops::ControlFlow;
//! use pop3_proto::client::{self, Client, Event, Security, Transport};
//! use pop3_proto::io::blocking::{drive, establish, login};
//! use pop3_proto::sasl::Credentials;
//!
//! // `io`: any embedded-io transport with a Clock (a std TcpStream, a UART, ...).
//! let config = client::Config::default().with_security(Security::AllowCleartext);
//! let mut c: Client = Client::new(config, Transport::Plain, Instant::from_millis(0));
//! let no_tls = |_: &mut _| unreachable!("no STLS on this test link");
//! assert!(establish(&mut c, &mut io, no_tls, |_| {})?);
//! let creds = Credentials::password(b"mrose", b"secret");
//! let method = c.preferred_login(&creds).expect("PLAIN is offered");
//! login(&mut c, &mut io, method, &creds, |_| {})?;
//! let mut message = Vec::new();
//! c.retr(1)?;
//! drive(&mut c, &mut io, |event, session| {
//!     match event {
//!         Event::Body { data, .. } => message.extend_from_slice(data),
//!         // Commands may be issued right here, while the event is in hand.
//!         Event::End { .. } => drop(session.quit()),
//!         _ => {}
//!     }
//!     ControlFlow::Continue(())
//! })?;
//! assert_eq!(message, b"hi\r\n");
//! assert!(c.is_closed());
//! # assert_eq!(io.sent, b"CAPA\r\nAUTH PLAIN AG1yb3NlAHNlY3JldA==\r\nRETR 1\r\nQUIT\r\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A server: the application answers from a [`Maildrop`](crate::io::Maildrop); the loop does
//! the rest.
//!
//! ```
//! # use std::convert::Infallible;
//! # use pop3_proto::Instant;
//! # struct Scripted { input: &'static [u8], output: Vec<u8> }
//! # impl embedded_io::ErrorType for Scripted { type Error = Infallible; }
//! # impl embedded_io::Read for Scripted {
//! #     fn read(&mut self, buf: &mut [u8]) -> Result<usize, Infallible> {
//! #         let n = buf.len().min(self.input.len());
//! #         buf[..n].copy_from_slice(&self.input[..n]);
//! #         self.input = &self.input[n..];
//! #         Ok(n)
//! #     }
//! # }
//! # impl embedded_io::Write for Scripted {
//! #     fn write(&mut self, buf: &[u8]) -> Result<usize, Infallible> {
//! #         self.output.extend_from_slice(buf);
//! #         Ok(buf.len())
//! #     }
//! #     fn flush(&mut self) -> Result<(), Infallible> { Ok(()) }
//! # }
//! # impl pop3_proto::io::blocking::Clock for Scripted {
//! #     fn now(&mut self) -> Instant { Instant::from_millis(0) }
//! #     fn set_deadline(&mut self, _: Option<Instant>) -> Result<(), Infallible> { Ok(()) }
//! # }
//! use pop3_proto::io::{Ended, Maildrop, blocking};
//! use pop3_proto::server::{self, AuthRequest, Failure, Marked, Server};
//! use pop3_proto::Transport;
//!
//! /// One message, kept in memory.
//! struct Box1 { removed: bool }
//!
//! impl Maildrop for Box1 {
//!     type Body = &'static [u8];
//!     fn login(&mut self, auth: &AuthRequest<'_>) -> Result<u32, Failure> {
//!         if auth.matches_secret(b"secret") { Ok(1) } else { Err(Failure::Auth) }
//!     }
//!     fn size(&mut self, _: u32) -> Result<u64, Failure> { Ok(4) }
//!     fn uid(&mut self, _: u32) -> Result<&[u8], Failure> { Ok(b"uid-1") }
//!     fn open(&mut self, _: u32) -> Result<&'static [u8], Failure> { Ok(b".hi\n") }
//!     fn update(&mut self, marked: Marked<'_>) -> Result<(), Failure> {
//!         self.removed = marked.count() == 1;
//!         Ok(())
//!     }
//! }
//!
//! // A client that sends its commands and half-closes: all are still answered.
//! let mut io = Scripted { input: b"USER a\r\nPASS secret\r\nRETR 1\r\nDELE 1\r\nQUIT\r\n",
//!     output: Vec::new() };
//! let config = server::Config::named(b"ready", b"example.net").with_cleartext_passwords(true);
//! let mut s: Server = Server::new(config, b"1.1", Transport::Plain, Instant::from_millis(0));
//! let mut drop = Box1 { removed: false };
//! let mut buf = [0u8; 512];
//! let ended = blocking::serve(&mut s, &mut io, &mut drop, |_| Ok(()), || false, &mut buf)?;
//! assert_eq!(ended, Ended::Closed { update: true });
//! assert!(drop.removed);
//! let said = String::from_utf8(io.output)?;
//! assert!(said.contains("+OK Message follows\r\n..hi\r\n.\r\n"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod client;
mod server;

pub use client::{drive, establish, login, login_auto, retr, start_tls};
pub use server::{answer, serve};

use embedded_io::{Error as _, ErrorKind, Read, Write};

use crate::Endpoint;
use crate::time::Instant;

/// Time for the blocking loops, and deadlines for the transport's reads.
pub trait Clock: embedded_io::ErrorType {
    /// The current time, on the same scale as the session's `Instant`s.
    fn now(&mut self) -> Instant;

    /// The next read must give up at `deadline` (`None`: whenever the transport's own
    /// limit says) with an error whose kind is [`ErrorKind::TimedOut`]; the loop then hands
    /// the timeout to the session, which decides whether its deadline has passed. A
    /// transport may give up earlier (the server loop looks at its shutdown signal then).
    fn set_deadline(&mut self, deadline: Option<Instant>) -> Result<(), Self::Error>;
}

/// Writes out everything the endpoint has to send, acknowledging each write.
pub(crate) fn flush<P: Endpoint, T: Write>(endpoint: &mut P, io: &mut T) -> Result<(), T::Error> {
    while !endpoint.poll_transmit().is_empty() {
        let n = io.write(endpoint.poll_transmit())?;
        endpoint.transmitted(n);
    }
    io.flush()
}

/// One read, bounded by the endpoint's deadline; what happened goes to the endpoint.
pub(crate) fn wait<P: Endpoint, T: Read + Clock>(
    endpoint: &mut P,
    io: &mut T,
) -> Result<(), T::Error> {
    io.set_deadline(endpoint.poll_timeout())?;
    let read = io.read(endpoint.recv_buffer());
    let now = io.now();
    match read {
        Ok(0) => endpoint.handle_eof(now),
        Ok(n) => endpoint.received(now, n),
        Err(e) if e.kind() == ErrorKind::TimedOut => endpoint.handle_timeout(now),
        Err(e) => return Err(e),
    }
    Ok(())
}
