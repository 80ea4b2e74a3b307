//! The blocking server loop: every request answered from the [`Maildrop`], bodies streamed
//! with backpressure, STLS through the caller's hook, and a shutdown signal obeyed between
//! commands.

use embedded_io::{Error as _, Read, Write};

use super::{Clock, flush, wait};
use crate::io::maildrop::{Next, answer_next};
use crate::io::{Ended, Maildrop, ServerError};
use crate::server::{Failure, Server, UsageError};

/// Serves one connection to its end: answers every request from `maildrop`, writes what the
/// server says, reads what the client sends within the autologout deadline. `upgrade` runs
/// the TLS handshake on `io` after STLS; `shutdown` is looked at whenever the loop waits
/// for a command (make the transport's reads give up now and then, see [`Clock`]), and
/// ends the session between commands: nothing half done, nothing removed. `body_buf` holds
/// the octets of a message between the maildrop's read and the core.
pub fn serve<T, M, const RX: usize, const TX: usize, const W: usize>(
    server: &mut Server<'_, RX, TX, W>,
    io: &mut T,
    maildrop: &mut M,
    mut upgrade: impl FnMut(&mut T) -> Result<(), T::Error>,
    mut shutdown: impl FnMut() -> bool,
    body_buf: &mut [u8],
) -> Result<Ended, ServerError<T::Error>>
where
    T: Read + Write + Clock,
    M: Maildrop,
    M::Body: Read,
{
    loop {
        if let Some(ended) = answer(server, io, maildrop, &mut upgrade, body_buf)? {
            return Ok(ended);
        }
        if shutdown() {
            return Ok(Ended::Shutdown);
        }
        if !server.wants_input() {
            // A session that neither waits for input nor closed has nothing left to do.
            return Ok(Ended::Closed { update: false });
        }
        wait(server, io).map_err(ServerError::Io)?;
    }
}

/// Answers every request that is ready and writes out what the server has to say, until it
/// waits for input (`Ok(None)`) or the session is over. For drivers that do their own
/// reading; [`serve`] is this plus the wait.
pub fn answer<T, M, const RX: usize, const TX: usize, const W: usize>(
    server: &mut Server<'_, RX, TX, W>,
    io: &mut T,
    maildrop: &mut M,
    mut upgrade: impl FnMut(&mut T) -> Result<(), T::Error>,
    body_buf: &mut [u8],
) -> Result<Option<Ended>, ServerError<T::Error>>
where
    T: Write,
    M: Maildrop,
    M::Body: Read,
{
    loop {
        let next = answer_next(server, maildrop).map_err(ServerError::widen)?;
        match next {
            // With output pending, the core may be holding a command back until there is
            // room for its reply: write it out and ask again, for a pipelining client
            // waits for those replies and sends nothing more (RFC 2449 section 6.6).
            None if server.poll_transmit().is_empty() => return Ok(None),
            None => flush(server, io).map_err(ServerError::Io)?,
            Some(Next::Continue) => {}
            Some(Next::Retrieve(msg)) => match maildrop.open(msg) {
                Ok(mut body) => stream(server, io, &mut body, body_buf)?,
                Err(failure) => server.fail(failure, failure.text())?,
            },
            Some(Next::StartTls) => {
                flush(server, io).map_err(ServerError::Io)?;
                upgrade(io).map_err(ServerError::Handshake)?;
                server.tls_established()?;
            }
            Some(Next::Closed(update)) => {
                flush(server, io).map_err(ServerError::Io)?;
                return Ok(Some(Ended::Closed { update }));
            }
        }
    }
}

/// Streams a message through the core, writing whenever its output buffer fills.
fn stream<T: Write, B: Read, const RX: usize, const TX: usize, const W: usize>(
    server: &mut Server<'_, RX, TX, W>,
    io: &mut T,
    body: &mut B,
    buf: &mut [u8],
) -> Result<(), ServerError<T::Error>> {
    let mut started = false;
    while server.body_wanted() {
        let n = match body.read(buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if !started => {
                // Nothing is out yet: the client hears -ERR and the session goes on.
                let _ = e;
                return Ok(server.fail(Failure::SysTemp, b"Message cannot be read")?);
            }
            Err(e) => return Err(ServerError::Body(e.kind())),
        };
        let mut rest = buf.get(..n).unwrap_or_default();
        while !rest.is_empty() && server.body_wanted() {
            let taken = server.send_body(rest)?;
            started = true;
            rest = rest.get(taken..).unwrap_or_default();
            if taken == 0 || !rest.is_empty() {
                flush(server, io).map_err(ServerError::Io)?;
            }
        }
    }
    loop {
        match server.end_body() {
            Ok(()) => return Ok(()),
            Err(UsageError::OutputFull { .. }) => flush(server, io).map_err(ServerError::Io)?,
            Err(e) => return Err(e.into()),
        }
    }
}
