//! How a multi-step exchange ended, judged from what its loop saw: written once for the
//! blocking and the async flavour.

use crate::client::{Client, Error, Refusal, State, UsageError};
use crate::io::ClientError;

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
