//! The async loops (feature `async`): over any `embedded-io-async` transport with a
//! [`Timer`], from embassy-net's `TcpSocket` to tokio's `TcpStream` through
//! `embedded-io-adapters`. The same shapes and names as [`blocking`](super::blocking); the
//! transport step (write out, then read or sleep until the deadline, whichever comes first)
//! is written once here for both roles.

mod client;
mod server;

pub use client::{drive, establish, login, start_tls};
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
