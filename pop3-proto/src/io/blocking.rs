//! The blocking drive loop of the client.

use core::fmt;
use core::ops::ControlFlow;

use embedded_io::{Error as _, ErrorKind, Read, Write};

use crate::client::{self, Client, Event, State};
use crate::time::Instant;

/// Time for the loop, and deadlines for the transport's reads.
pub trait Clock: embedded_io::ErrorType {
    /// The current time, on the same scale as the client's `Instant`s.
    fn now(&mut self) -> Instant;

    /// The next read must give up at `deadline` (`None`: wait for ever) with an error whose
    /// kind is [`ErrorKind::TimedOut`]; the loop then hands the timeout to the client.
    fn set_deadline(&mut self, deadline: Option<Instant>) -> Result<(), Self::Error>;
}

/// Why [`drive`] returned without an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Drive {
    /// The event handler asked to stop (with `ControlFlow::Break`).
    Stopped,
    /// Nothing is left to send and no reply is due: issue a command to go on.
    Idle,
    /// The session is over; the last event was `Closed`.
    Closed,
}

/// What ended a [`drive`] call early.
#[derive(Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum DriveError<E> {
    /// The transport failed.
    Io(E),
    /// The session failed (the server broke the protocol, timed out, closed early).
    Session(client::Error),
}

impl<E: fmt::Debug> fmt::Display for DriveError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DriveError::Io(e) => write!(f, "transport error: {e:?}"),
            DriveError::Session(e) => write!(f, "{e}"),
        }
    }
}

impl<E: fmt::Debug> core::error::Error for DriveError<E> {}

/// Runs the client over `io` until `on_event` breaks, the client is idle, or the session is
/// over. Each round: every event goes to `on_event` (commands may not be issued from
/// inside it: break, issue, and call `drive` again); what the client has to send is written
/// out whole; then one read, bounded by the client's deadline. A read that times out is
/// handed to the client, which decides whether its deadline has really passed.
///
/// Writes complete before the next read, which cannot deadlock against a POP3 server: a
/// server only writes in answer to commands, and the client never has more commands
/// released than the server will read (one at a time without PIPELINING).
pub fn drive<T, const RX: usize, const TX: usize, const Q: usize>(
    client: &mut Client<RX, TX, Q>,
    io: &mut T,
    mut on_event: impl FnMut(Event<'_>) -> ControlFlow<()>,
) -> Result<Drive, DriveError<T::Error>>
where
    T: Read + Write + Clock,
{
    loop {
        loop {
            match client.poll_event() {
                Ok(Some(event)) => {
                    let closed = matches!(event, Event::Closed { .. });
                    if on_event(event).is_break() {
                        return Ok(Drive::Stopped);
                    }
                    if closed {
                        return Ok(Drive::Closed);
                    }
                }
                Ok(None) => break,
                Err(e) => return Err(DriveError::Session(e)),
            }
        }
        while !client.poll_transmit().is_empty() {
            let n = io.write(client.poll_transmit()).map_err(DriveError::Io)?;
            client.transmitted(n);
        }
        io.flush().map_err(DriveError::Io)?;
        let waiting = client.in_flight() > 0 || client.state() == State::Greeting;
        if !waiting {
            return Ok(if client.state() == State::Closed {
                Drive::Closed
            } else {
                Drive::Idle
            });
        }
        io.set_deadline(client.poll_timeout())
            .map_err(DriveError::Io)?;
        let read = io.read(client.recv_buffer());
        let now = io.now();
        match read {
            Ok(0) => client.handle_eof(now),
            Ok(n) => client.received(now, n),
            Err(e) if e.kind() == ErrorKind::TimedOut => client.handle_timeout(now),
            Err(e) => return Err(DriveError::Io(e)),
        }
    }
}
