//! The blocking client loop and the multi-step exchanges on it: greeting and capabilities,
//! STLS as the security policy asks, each login method, and a streamed RETR.

use core::ops::ControlFlow;

use embedded_io::{Read, Write};

use super::{Clock, flush, wait};
use crate::client::{Client, Event, LoginMethod, Session, State};
use crate::io::steps::{after_login, first_login, login_outcome, retr_outcome, stls_refused};
use crate::io::{ClientError, Drive};
use crate::sasl::Credentials;

/// Runs the client over `io` until `on_event` breaks, nothing is left to wait for, or the
/// session is over. Each event goes to `on_event` with the [`Session`], so commands may be
/// issued in reaction (they are sent in the same round). Each round: every event, then
/// everything pending written out whole, then one read bounded by the client's deadline.
///
/// Writing everything before reading cannot deadlock against a POP3 server: a server only
/// writes in answer to commands, and the client never releases more commands than the
/// pipelining rules allow (one at a time without PIPELINING).
pub fn drive<T, const RX: usize, const TX: usize, const Q: usize>(
    client: &mut Client<RX, TX, Q>,
    io: &mut T,
    mut on_event: impl FnMut(Event<'_>, &mut Session<TX, Q>) -> ControlFlow<()>,
) -> Result<Drive, ClientError<T::Error>>
where
    T: Read + Write + Clock,
{
    loop {
        while let Some((event, session)) = client.poll_event_split()? {
            let closed = matches!(event, Event::Closed { .. });
            if on_event(event, session).is_break() {
                flush(client, io).map_err(ClientError::Io)?;
                return Ok(Drive::Stopped);
            }
            if closed {
                return Ok(Drive::Closed);
            }
        }
        flush(client, io).map_err(ClientError::Io)?;
        if !client.wants_input() {
            return Ok(if client.is_closed() {
                Drive::Closed
            } else {
                Drive::Idle
            });
        }
        wait(client, io).map_err(ClientError::Io)?;
    }
}

/// Reads the greeting, asks for the capabilities, and upgrades with STLS when the security
/// policy asks for it ([`Session::wants_stls`]), running `handshake` on the transport. A
/// `-ERR` greeting is [`ClientError::Refused`]-free: it closes the session, reported as
/// `Ok(false)`; `Ok(true)` means ready to log in.
pub fn establish<T, const RX: usize, const TX: usize, const Q: usize>(
    client: &mut Client<RX, TX, Q>,
    io: &mut T,
    handshake: impl FnOnce(&mut T) -> Result<(), T::Error>,
    mut on_event: impl FnMut(Event<'_>),
) -> Result<bool, ClientError<T::Error>>
where
    T: Read + Write + Clock,
{
    drive(client, io, |event, _| {
        on_event(event);
        ControlFlow::Continue(())
    })?;
    if client.state() != State::Authorization {
        return Ok(false);
    }
    client.capa()?;
    drive(client, io, |event, _| {
        on_event(event);
        ControlFlow::Continue(())
    })?;
    if client.wants_stls() {
        start_tls(client, io, handshake, on_event)?;
    }
    Ok(client.state() == State::Authorization)
}

/// Upgrades the connection with STLS (RFC 2595): sends it, and once the server accepts,
/// runs `handshake` on the transport, tells the client, and reads the new CAPA. A refused
/// STLS is [`ClientError::Refused`]; a client that requires TLS is then closed (fail-safe).
pub fn start_tls<T, const RX: usize, const TX: usize, const Q: usize>(
    client: &mut Client<RX, TX, Q>,
    io: &mut T,
    handshake: impl FnOnce(&mut T) -> Result<(), T::Error>,
    mut on_event: impl FnMut(Event<'_>),
) -> Result<(), ClientError<T::Error>>
where
    T: Read + Write + Clock,
{
    client.stls()?;
    let mut ready = false;
    let mut refused = None;
    drive(client, io, |event, _| {
        if let Event::TlsReady { .. } = event {
            ready = true;
            return ControlFlow::Break(());
        }
        refused = refused.or(event.refusal());
        on_event(event);
        ControlFlow::Continue(())
    })?;
    if !ready {
        return Err(stls_refused(client, refused));
    }
    handshake(io).map_err(ClientError::Handshake)?;
    client.tls_established()?;
    drive(client, io, |event, _| {
        on_event(event);
        ControlFlow::Continue(())
    })?;
    Ok(())
}

/// Logs in with `method`: USER then PASS, APOP, or AUTH answering every challenge with
/// `creds`. `Ok` once in TRANSACTION; a refusal is [`ClientError::Refused`] with the
/// command and its response code, and the session stays in AUTHORIZATION for another try.
pub fn login<T, const RX: usize, const TX: usize, const Q: usize>(
    client: &mut Client<RX, TX, Q>,
    io: &mut T,
    method: LoginMethod,
    creds: &Credentials<'_>,
    mut on_event: impl FnMut(Event<'_>),
) -> Result<(), ClientError<T::Error>>
where
    T: Read + Write + Clock,
{
    method.start(client, creds)?;
    let mut refused = None;
    let mut failed = None;
    drive(client, io, |event, session| {
        refused = refused.or(event.refusal());
        let step = method.on_event(&event, session, creds);
        on_event(event);
        match step {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => {
                failed = Some(e);
                ControlFlow::Break(())
            }
        }
    })?;
    login_outcome(client, refused, failed)
}

/// Logs in with the strongest method the server offers for `creds`
/// ([`Session::preferred_login`]) and, if it is refused, with the fallback the core allows
/// ([`Session::fallback_login`]: from APOP, CRAM-MD5 or SCRAM to a method that sends the
/// password, once, over TLS only). `on_event` sees every event, so the refusals of every
/// attempt can be read there. Returns the method that succeeded; a refusal of the last
/// attempt is [`ClientError::Refused`].
pub fn login_auto<T, const RX: usize, const TX: usize, const Q: usize>(
    client: &mut Client<RX, TX, Q>,
    io: &mut T,
    creds: &Credentials<'_>,
    mut on_event: impl FnMut(Event<'_>),
) -> Result<LoginMethod, ClientError<T::Error>>
where
    T: Read + Write + Clock,
{
    let mut method = first_login(client, creds)?;
    loop {
        let outcome = login(client, io, method, creds, &mut on_event);
        match after_login(client, creds, method, outcome) {
            Ok(end) => return end,
            Err(next) => method = next,
        }
    }
}

/// Retrieves message `msg` (RETR) into `sink` as it arrives, never held whole, and returns
/// the octets written (the message as served: CRLF line ends, dots unstuffed). A refusal is
/// [`ClientError::Refused`]; a sink that fails is [`ClientError::Sink`], and the reply is
/// then left unread: end the session (nothing was deleted).
pub fn retr<T, W, const RX: usize, const TX: usize, const Q: usize>(
    client: &mut Client<RX, TX, Q>,
    io: &mut T,
    msg: u32,
    sink: &mut W,
) -> Result<u64, ClientError<T::Error>>
where
    T: Read + Write + Clock,
    W: Write,
{
    let id = client.retr(msg)?;
    let (mut written, mut ended, mut refused, mut failed) = (0u64, false, None, None);
    drive(client, io, |event, _| match event {
        Event::Body { id: of, data } if of == id => match sink.write_all(data) {
            Ok(()) => {
                written += data.len() as u64;
                ControlFlow::Continue(())
            }
            Err(e) => {
                failed = Some(embedded_io::Error::kind(&e));
                ControlFlow::Break(())
            }
        },
        Event::End { id: of } if of == id => {
            ended = true;
            ControlFlow::Break(())
        }
        other => {
            refused = refused.or(other.refusal());
            ControlFlow::Continue(())
        }
    })?;
    if ended && let Err(e) = sink.flush() {
        failed = Some(embedded_io::Error::kind(&e));
    }
    retr_outcome(client, ended, refused, failed).map(|()| written)
}
