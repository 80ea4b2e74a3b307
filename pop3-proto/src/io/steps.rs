//! How a multi-step exchange ended, judged from what its loop saw: written once for the
//! blocking and the async flavour.

use crate::client::{Client, Error, LoginMethod, Refusal, State, UsageError};
use crate::io::ClientError;
use crate::sasl::Credentials;

/// The first method of an automatic login: the strongest offered.
pub(crate) fn first_login<E, const RX: usize, const TX: usize, const Q: usize>(
    client: &Client<RX, TX, Q>,
    creds: &Credentials<'_>,
) -> Result<LoginMethod, ClientError<E>> {
    client
        .preferred_login(creds)
        .ok_or(ClientError::Usage(UsageError::NoLoginMethod))
}

/// What follows a login attempt that ended with `outcome`: the method to try next, or the
/// end (the method that succeeded, or why none did). Shared by both flavours.
pub(crate) fn after_login<E, const RX: usize, const TX: usize, const Q: usize>(
    client: &Client<RX, TX, Q>,
    creds: &Credentials<'_>,
    method: LoginMethod,
    outcome: Result<(), ClientError<E>>,
) -> Result<Result<LoginMethod, ClientError<E>>, LoginMethod> {
    match outcome {
        Ok(()) => Ok(Ok(method)),
        Err(ClientError::Refused(r)) => match client.fallback_login(creds, method, r) {
            Some(next) => Err(next),
            None => Ok(Err(ClientError::Refused(r))),
        },
        Err(e) => Ok(Err(e)),
    }
}

/// How a login ended, from what the loop saw. Shared by both flavours.
pub(crate) fn login_outcome<E, const RX: usize, const TX: usize, const Q: usize>(
    client: &Client<RX, TX, Q>,
    refused: Option<Refusal>,
    failed: Option<UsageError>,
) -> Result<(), ClientError<E>> {
    if let Some(e) = failed {
        return Err(ClientError::Usage(e));
    }
    if let Some(e) = client.error() {
        return Err(ClientError::Session(e));
    }
    match (client.state(), refused) {
        (State::Transaction, _) => Ok(()),
        (_, Some(r)) => Err(ClientError::Refused(r)),
        _ => Err(ClientError::Usage(UsageError::Closed)),
    }
}

/// Why STLS did not lead to a handshake.
pub(crate) fn stls_refused<E, const RX: usize, const TX: usize, const Q: usize>(
    client: &Client<RX, TX, Q>,
    refused: Option<Refusal>,
) -> ClientError<E> {
    match (client.error(), refused) {
        (Some(e), _) => ClientError::Session(e),
        (None, Some(r)) => ClientError::Refused(r),
        (None, None) => ClientError::Session(Error::TlsUnavailable),
    }
}

/// How a streamed RETR ended, from what its loop saw: the message whole, the sink failed,
/// the server refused it, or the session ended first. Shared by both flavours.
pub(crate) fn retr_outcome<E, const RX: usize, const TX: usize, const Q: usize>(
    client: &Client<RX, TX, Q>,
    ended: bool,
    refused: Option<Refusal>,
    sink_failed: Option<embedded_io::ErrorKind>,
) -> Result<(), ClientError<E>> {
    if let Some(kind) = sink_failed {
        return Err(ClientError::Sink(kind));
    }
    if let Some(r) = refused {
        return Err(ClientError::Refused(r));
    }
    if ended {
        return Ok(());
    }
    Err(ClientError::Session(
        client.error().unwrap_or(Error::UnexpectedEof),
    ))
}
