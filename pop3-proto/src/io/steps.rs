//! Multi-step exchanges over the blocking loop: the STLS upgrade and each login method.
//! Written once here so that no driver sequences the protocol itself.

use core::ops::ControlFlow;

use embedded_io::{Read, Write};

use super::blocking::{Clock, DriveError, drive};
use crate::client::{Client, Event, LoginMethod, State, UsageError};
use crate::sasl::Credentials;

/// What stopped a multi-step exchange.
#[derive(Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum StepError<E> {
    /// The transport or the session failed.
    Drive(DriveError<E>),
    /// A step was not possible (wrong state, cleartext credentials without TLS, ...).
    Usage(UsageError),
    /// The server accepted STLS but the TLS handshake failed.
    Handshake(E),
}

impl<E> From<DriveError<E>> for StepError<E> {
    fn from(e: DriveError<E>) -> Self {
        StepError::Drive(e)
    }
}

impl<E> From<UsageError> for StepError<E> {
    fn from(e: UsageError) -> Self {
        StepError::Usage(e)
    }
}

/// Upgrades the connection with STLS (RFC 2595): sends it, and once the server accepts,
/// runs `handshake` on the transport, tells the client, and reads the new CAPA. Returns
/// false when the server refused STLS (its `-ERR` went to `on_event`; a client that
/// requires TLS is then closed, fail-safe).
pub fn start_tls<T, const RX: usize, const TX: usize, const Q: usize>(
    client: &mut Client<RX, TX, Q>,
    io: &mut T,
    handshake: impl FnOnce(&mut T) -> Result<(), T::Error>,
    mut on_event: impl FnMut(Event<'_>),
) -> Result<bool, StepError<T::Error>>
where
    T: Read + Write + Clock,
{
    client.stls()?;
    let mut ready = false;
    drive(client, io, |event| {
        if let Event::TlsReady { .. } = event {
            ready = true;
            return ControlFlow::Break(());
        }
        on_event(event);
        ControlFlow::Continue(())
    })?;
    if !ready {
        return Ok(false);
    }
    handshake(io).map_err(StepError::Handshake)?;
    client.tls_established()?;
    drive(client, io, |event| {
        on_event(event);
        ControlFlow::Continue(())
    })?;
    Ok(true)
}

/// Logs in with `method`: USER then PASS, APOP, or AUTH answering every challenge with
/// `creds`. Returns true once in TRANSACTION; false when the server refused (its `-ERR`,
/// with the response code, went to `on_event`).
pub fn login<T, const RX: usize, const TX: usize, const Q: usize>(
    client: &mut Client<RX, TX, Q>,
    io: &mut T,
    method: LoginMethod,
    creds: &Credentials<'_>,
    mut on_event: impl FnMut(Event<'_>),
) -> Result<bool, StepError<T::Error>>
where
    T: Read + Write + Clock,
{
    let mut pass_on = |event: Event<'_>| {
        on_event(event);
        ControlFlow::Continue(())
    };
    match (method, creds) {
        (LoginMethod::UserPass, Credentials::Password { user, password, .. }) => {
            client.user(user)?;
            drive(client, io, &mut pass_on)?;
            if client.state() != State::Authorization {
                return Ok(false);
            }
            // PASS is refused at the call unless USER was accepted.
            if client.pass(password.expose()).is_err() {
                return Ok(false);
            }
            drive(client, io, &mut pass_on)?;
        }
        (LoginMethod::Apop, Credentials::Password { user, password, .. }) => {
            client.apop(user, password.expose())?;
            drive(client, io, &mut pass_on)?;
        }
        (LoginMethod::Sasl(mechanism), _) => {
            client.auth(mechanism, creds)?;
            loop {
                let mut challenged = false;
                drive(client, io, |event| {
                    if let Event::SaslChallenge { .. } = event {
                        challenged = true;
                        return ControlFlow::Break(());
                    }
                    pass_on(event)
                })?;
                if !challenged {
                    break;
                }
                client.sasl_continue(creds)?;
            }
        }
        // APOP and USER/PASS need a password, not a token.
        _ => return Err(StepError::Usage(UsageError::UnsupportedMechanism)),
    }
    Ok(client.state() == State::Transaction)
}
