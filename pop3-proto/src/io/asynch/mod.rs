//! The async loops (feature `async`): over any `embedded-io-async` transport with a
//! [`Timer`], from embassy-net's `TcpSocket` to tokio's `TcpStream` through
//! `embedded-io-adapters`. The same shapes and names as [`blocking`](super::blocking); the
//! transport step (write out, then read or sleep until the deadline, whichever comes first)
//! is written once here for both roles.
//!
//! The [`Timer`] for tokio is a few lines (`tokio::time::sleep_until` from an epoch); for
//! embassy, `embassy_time::Timer::at`. A client, as on the blocking side:
//!
//! ```
//! # use std::collections::VecDeque;
//! # use std::convert::Infallible;
//! # use pop3_proto::Instant;
//! # /// A peer that releases its next reply when a line arrives, and is silent after.
//! # struct Scripted { replies: VecDeque<&'static [u8]>, ready: Vec<u8>, sent: Vec<u8> }
//! # impl embedded_io_async::ErrorType for Scripted { type Error = Infallible; }
//! # impl embedded_io_async::Read for Scripted {
//! #     async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Infallible> {
//! #         if self.ready.is_empty() { std::future::pending::<()>().await; }
//! #         let n = buf.len().min(self.ready.len());
//! #         buf[..n].copy_from_slice(&self.ready[..n]);
//! #         self.ready.drain(..n);
//! #         Ok(n)
//! #     }
//! # }
//! # impl embedded_io_async::Write for Scripted {
//! #     async fn write(&mut self, buf: &[u8]) -> Result<usize, Infallible> {
//! #         for &b in buf {
//! #             self.sent.push(b);
//! #             if b == b'\n' { self.ready.extend(self.replies.pop_front().unwrap_or_default()); }
//! #         }
//! #         Ok(buf.len())
//! #     }
//! #     async fn flush(&mut self) -> Result<(), Infallible> { Ok(()) }
//! # }
//! # struct Clock;
//! # impl pop3_proto::io::asynch::Timer for Clock {
//! #     fn now(&mut self) -> Instant { Instant::from_millis(0) }
//! #     fn sleep_until(&mut self, _: Instant) -> impl Future<Output = ()> { std::future::pending() }
//! # }
//! # fn block_on<F: Future>(f: F) -> F::Output {
//! #     let mut f = std::pin::pin!(f);
//! #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
//! #     loop { if let std::task::Poll::Ready(out) = f.as_mut().poll(&mut cx) { return out; } }
//! # }
//! # let replies: &[&[u8]] = &[b"-ERR no CAPA\r\n", b"+OK\r\n", b"+OK logged in\r\n",
//! #     b"+OK 2 octets\r\nhi\r\n.\r\n", b"+OK bye\r\n"];
//! # let mut io = Scripted { replies: replies.iter().copied().collect(),
//! #     ready: b"+OK ready\r\n".to_vec(), sent: Vec::new() };
//! # let mut timer = Clock;
//! use core::ops::ControlFlow;
//! use pop3_proto::client::{self, Client, Event, LoginMethod, Security, Transport};
//! use pop3_proto::io::asynch::{drive, establish, login};
//! use pop3_proto::sasl::Credentials;
//!
//! block_on(async {
//!     let config = client::Config::default().with_security(Security::AllowCleartext);
//!     let mut c: Client = Client::new(config, Transport::Plain, Instant::from_millis(0));
//!     let no_tls = async |_: &mut Scripted| unreachable!("no STLS on this test link");
//!     assert!(establish(&mut c, &mut io, &mut timer, no_tls, |_| {}).await?);
//!     let creds = Credentials::password(b"mrose", b"secret");
//!     login(&mut c, &mut io, &mut timer, LoginMethod::UserPass, &creds, |_| {}).await?;
//!     let mut message = Vec::new();
//!     c.retr(1)?;
//!     drive(&mut c, &mut io, &mut timer, |event, session| {
//!         match event {
//!             Event::Body { data, .. } => message.extend_from_slice(data),
//!             Event::End { .. } => drop(session.quit()),
//!             _ => {}
//!         }
//!         ControlFlow::Continue(())
//!     })
//!     .await?;
//!     assert_eq!(message, b"hi\r\n");
//!     assert!(c.is_closed());
//!     Ok::<(), Box<dyn std::error::Error>>(())
//! })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A server, stopped by its shutdown future between commands:
//!
//! ```
//! # use std::collections::VecDeque;
//! # use std::convert::Infallible;
//! # use pop3_proto::Instant;
//! # /// A peer that releases its next reply when a line arrives, and is silent after.
//! # struct Scripted { replies: VecDeque<&'static [u8]>, ready: Vec<u8>, sent: Vec<u8> }
//! # impl embedded_io_async::ErrorType for Scripted { type Error = Infallible; }
//! # impl embedded_io_async::Read for Scripted {
//! #     async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Infallible> {
//! #         if self.ready.is_empty() { std::future::pending::<()>().await; }
//! #         let n = buf.len().min(self.ready.len());
//! #         buf[..n].copy_from_slice(&self.ready[..n]);
//! #         self.ready.drain(..n);
//! #         Ok(n)
//! #     }
//! # }
//! # impl embedded_io_async::Write for Scripted {
//! #     async fn write(&mut self, buf: &[u8]) -> Result<usize, Infallible> {
//! #         for &b in buf {
//! #             self.sent.push(b);
//! #             if b == b'\n' { self.ready.extend(self.replies.pop_front().unwrap_or_default()); }
//! #         }
//! #         Ok(buf.len())
//! #     }
//! #     async fn flush(&mut self) -> Result<(), Infallible> { Ok(()) }
//! # }
//! # struct Clock;
//! # impl pop3_proto::io::asynch::Timer for Clock {
//! #     fn now(&mut self) -> Instant { Instant::from_millis(0) }
//! #     fn sleep_until(&mut self, _: Instant) -> impl Future<Output = ()> { std::future::pending() }
//! # }
//! # fn block_on<F: Future>(f: F) -> F::Output {
//! #     let mut f = std::pin::pin!(f);
//! #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
//! #     loop { if let std::task::Poll::Ready(out) = f.as_mut().poll(&mut cx) { return out; } }
//! # }
//! # let mut io = Scripted { replies: VecDeque::new(),
//! #     ready: b"USER a\r\nPASS secret\r\nSTAT\r\n".to_vec(), sent: Vec::new() };
//! # let mut timer = Clock;
//! use pop3_proto::io::{Ended, Maildrop, asynch};
//! use pop3_proto::server::{self, AuthRequest, Failure, Marked, Server};
//! use pop3_proto::Transport;
//!
//! struct Empty;
//!
//! impl Maildrop for Empty {
//!     type Body = &'static [u8];
//!     fn login(&mut self, auth: &AuthRequest<'_>) -> Result<u32, Failure> {
//!         if auth.matches_secret(b"secret") { Ok(0) } else { Err(Failure::Auth) }
//!     }
//!     fn size(&mut self, _: u32) -> Result<u64, Failure> { Err(Failure::SysPerm) }
//!     fn uid(&mut self, _: u32) -> Result<&[u8], Failure> { Err(Failure::SysPerm) }
//!     fn open(&mut self, _: u32) -> Result<&'static [u8], Failure> { Err(Failure::SysPerm) }
//!     fn update(&mut self, _: Marked<'_>) -> Result<(), Failure> { Ok(()) }
//! }
//!
//! let config = server::Config::named(b"ready", b"example.net").with_cleartext_passwords(true);
//! let mut s: Server = Server::new(config, b"1.1", Transport::Plain, Instant::from_millis(0));
//! let mut buf = [0u8; 256];
//! // The shutdown future: ready at once here, so the session ends at the first wait for a
//! // command, after the three commands already received were answered.
//! let ended = block_on(asynch::serve(
//!     &mut s, &mut io, &mut timer, &mut Empty,
//!     async |_: &mut Scripted| Ok(()), std::future::ready(()), &mut buf,
//! ))?;
//! assert_eq!(ended, Ended::Shutdown);
//! assert!(String::from_utf8(io.sent)?.ends_with("+OK 0 0\r\n"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod client;
mod server;

pub use client::{drive, establish, login, login_auto, retr, start_tls};
pub use server::{answer, serve};

use core::future::{Future, poll_fn};
use core::pin::pin;
use core::task::Poll;

use embedded_io_async::{Read, Write};

use crate::Endpoint;
use crate::time::Instant;

/// Time for the async loops: `std::time::Instant`, `tokio::time::sleep_until` and
/// `embassy_time::Timer::at` all fit.
pub trait Timer {
    /// The current time, on the same scale as the session's `Instant`s.
    fn now(&mut self) -> Instant;

    /// Completes at `at` (at once if it has passed). Dropping the future cancels it.
    fn sleep_until(&mut self, at: Instant) -> impl Future<Output = ()>;
}

/// Which of two futures completed first.
pub(crate) enum First<A, B> {
    Left(A),
    Right(B),
}

/// Polls both futures until one completes; the other is dropped. `left` goes first, so a
/// read that has data wins over a deadline that passed at the same time.
pub(crate) async fn select<A: Future, B: Future>(left: A, right: B) -> First<A::Output, B::Output> {
    let mut left = pin!(left);
    let mut right = pin!(right);
    poll_fn(|cx| {
        if let Poll::Ready(out) = left.as_mut().poll(cx) {
            return Poll::Ready(First::Left(out));
        }
        if let Poll::Ready(out) = right.as_mut().poll(cx) {
            return Poll::Ready(First::Right(out));
        }
        Poll::Pending
    })
    .await
}

/// Writes out everything the endpoint has to send; each write is acknowledged in the poll
/// that completes it, so a dropped future never sends an octet twice.
pub(crate) async fn flush<P: Endpoint, T: Write>(
    endpoint: &mut P,
    io: &mut T,
) -> Result<(), T::Error> {
    while !endpoint.poll_transmit().is_empty() {
        let n = io.write(endpoint.poll_transmit()).await?;
        endpoint.transmitted(n);
    }
    io.flush().await
}

/// One read or the deadline, whichever comes first; what happened goes to the endpoint in
/// the poll that saw it.
pub(crate) async fn wait<P: Endpoint, T: Read, K: Timer>(
    endpoint: &mut P,
    io: &mut T,
    timer: &mut K,
) -> Result<(), T::Error> {
    let read = match endpoint.poll_timeout() {
        Some(at) => {
            let read = io.read(endpoint.recv_buffer());
            match select(read, timer.sleep_until(at)).await {
                First::Left(read) => Some(read),
                First::Right(()) => None,
            }
        }
        None => Some(io.read(endpoint.recv_buffer()).await),
    };
    let now = timer.now();
    match read {
        None => endpoint.handle_timeout(now),
        Some(Ok(0)) => endpoint.handle_eof(now),
        Some(Ok(n)) => endpoint.received(now, n),
        Some(Err(e)) => return Err(e),
    }
    Ok(())
}
