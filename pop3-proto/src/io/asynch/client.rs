//! The async client loop and the multi-step exchanges on it: greeting and capabilities,
//! STLS as the security policy asks, each login method, and a streamed RETR.

use core::ops::ControlFlow;

use embedded_io_async::{Read, Write};

use super::{Timer, flush, wait};
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
pub async fn drive<T, K, const RX: usize, const TX: usize, const Q: usize>(
    client: &mut Client<RX, TX, Q>,
    io: &mut T,
    timer: &mut K,
    mut on_event: impl FnMut(Event<'_>, &mut Session<TX, Q>) -> ControlFlow<()>,
) -> Result<Drive, ClientError<T::Error>>
where
    T: Read + Write,
    K: Timer,
{
    loop {
        while let Some((event, session)) = client.poll_event_split()? {
            let closed = matches!(event, Event::Closed { .. });
            if on_event(event, session).is_break() {
                flush(client, io).await.map_err(ClientError::Io)?;
                return Ok(Drive::Stopped);
            }
            if closed {
                return Ok(Drive::Closed);
            }
        }
        flush(client, io).await.map_err(ClientError::Io)?;
        if !client.wants_input() {
            return Ok(if client.is_closed() {
                Drive::Closed
            } else {
                Drive::Idle
            });
        }
        wait(client, io, timer).await.map_err(ClientError::Io)?;
    }
}

/// Reads the greeting, asks for the capabilities, and upgrades with STLS when the security
/// policy asks for it ([`Session::wants_stls`]), running `handshake` on the transport. A
/// `-ERR` greeting is [`ClientError::Refused`]-free: it closes the session, reported as
/// `Ok(false)`; `Ok(true)` means ready to log in.
pub async fn establish<T, K, const RX: usize, const TX: usize, const Q: usize>(
    client: &mut Client<RX, TX, Q>,
    io: &mut T,
    timer: &mut K,
    handshake: impl AsyncFnOnce(&mut T) -> Result<(), T::Error>,
    mut on_event: impl FnMut(Event<'_>),
) -> Result<bool, ClientError<T::Error>>
where
    T: Read + Write,
    K: Timer,
{
    drive(client, io, timer, |event, _| {
        on_event(event);
        ControlFlow::Continue(())
    })
    .await?;
    if client.state() != State::Authorization {
        return Ok(false);
    }
    client.capa()?;
    drive(client, io, timer, |event, _| {
        on_event(event);
        ControlFlow::Continue(())
    })
    .await?;
    if client.wants_stls() {
        start_tls(client, io, timer, handshake, on_event).await?;
    }
    Ok(client.state() == State::Authorization)
}

/// Upgrades the connection with STLS (RFC 2595): sends it, and once the server accepts,
/// runs `handshake` on the transport, tells the client, and reads the new CAPA. A refused
/// STLS is [`ClientError::Refused`]; a client that requires TLS is then closed (fail-safe).
pub async fn start_tls<T, K, const RX: usize, const TX: usize, const Q: usize>(
    client: &mut Client<RX, TX, Q>,
    io: &mut T,
    timer: &mut K,
    handshake: impl AsyncFnOnce(&mut T) -> Result<(), T::Error>,
    mut on_event: impl FnMut(Event<'_>),
) -> Result<(), ClientError<T::Error>>
where
    T: Read + Write,
    K: Timer,
{
    client.stls()?;
    let mut ready = false;
    let mut refused = None;
    drive(client, io, timer, |event, _| {
        if let Event::TlsReady { .. } = event {
            ready = true;
            return ControlFlow::Break(());
        }
        refused = refused.or(event.refusal());
        on_event(event);
        ControlFlow::Continue(())
    })
    .await?;
    if !ready {
        return Err(stls_refused(client, refused));
    }
    handshake(io).await.map_err(ClientError::Handshake)?;
    client.tls_established()?;
    drive(client, io, timer, |event, _| {
        on_event(event);
        ControlFlow::Continue(())
    })
    .await?;
    Ok(())
}

/// Logs in with `method`: USER then PASS, APOP, or AUTH answering every challenge with
/// `creds`. `Ok` once in TRANSACTION; a refusal is [`ClientError::Refused`] with the
/// command and its response code, and the session stays in AUTHORIZATION for another try.
pub async fn login<T, K, const RX: usize, const TX: usize, const Q: usize>(
    client: &mut Client<RX, TX, Q>,
    io: &mut T,
    timer: &mut K,
    method: LoginMethod,
    creds: &Credentials<'_>,
    mut on_event: impl FnMut(Event<'_>),
) -> Result<(), ClientError<T::Error>>
where
    T: Read + Write,
    K: Timer,
{
    method.start(client, creds)?;
    let mut refused = None;
    let mut failed = None;
    drive(client, io, timer, |event, session| {
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
    })
    .await?;
    login_outcome(client, refused, failed)
}

/// The async [`login_auto`](crate::io::blocking::login_auto): the strongest method the
/// server offers for `creds`, then the fallback the core allows
/// ([`Session::fallback_login`]). Returns the method that succeeded.
pub async fn login_auto<T, K, const RX: usize, const TX: usize, const Q: usize>(
    client: &mut Client<RX, TX, Q>,
    io: &mut T,
    timer: &mut K,
    creds: &Credentials<'_>,
    mut on_event: impl FnMut(Event<'_>),
) -> Result<LoginMethod, ClientError<T::Error>>
where
    T: Read + Write,
    K: Timer,
{
    let mut method = first_login(client, creds)?;
    loop {
        let outcome = login(client, io, timer, method, creds, &mut on_event).await;
        match after_login(client, creds, method, outcome) {
            Ok(end) => return end,
            Err(next) => method = next,
        }
    }
}

/// The async [`retr`](crate::io::blocking::retr): message `msg` into `sink` as it arrives,
/// each chunk written (and awaited) before the next is read. Returns the octets written.
pub async fn retr<T, K, W, const RX: usize, const TX: usize, const Q: usize>(
    client: &mut Client<RX, TX, Q>,
    io: &mut T,
    timer: &mut K,
    msg: u32,
    sink: &mut W,
) -> Result<u64, ClientError<T::Error>>
where
    T: Read + Write,
    K: Timer,
    W: Write,
{
    let id = client.retr(msg)?;
    let (mut written, mut ended, mut refused, mut failed) = (0u64, false, None, None);
    // The loop of `drive`, with the sink awaited inside it.
    'session: loop {
        while let Some(event) = client.poll_event()? {
            match event {
                Event::Body { id: of, data } if of == id => match sink.write_all(data).await {
                    Ok(()) => written += data.len() as u64,
                    Err(e) => {
                        failed = Some(embedded_io_async::Error::kind(&e));
                        break 'session;
                    }
                },
                Event::End { id: of } if of == id => {
                    ended = true;
                    break 'session;
                }
                Event::Closed { .. } => break 'session,
                other => refused = refused.or(other.refusal()),
            }
        }
        flush(client, io).await.map_err(ClientError::Io)?;
        if !client.wants_input() {
            break;
        }
        wait(client, io, timer).await.map_err(ClientError::Io)?;
    }
    flush(client, io).await.map_err(ClientError::Io)?;
    if ended && let Err(e) = sink.flush().await {
        failed = Some(embedded_io_async::Error::kind(&e));
    }
    retr_outcome(client, ended, refused, failed).map(|()| written)
}
