//! The blocking loops (feature `io`): over any `embedded-io` transport with a [`Clock`],
//! from a std `TcpStream` or rustls stream to a UART. The transport step (write out, one
//! read bounded by the deadline) is written once here for both roles.

mod client;
mod server;

pub use client::{drive, establish, login, start_tls};
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
