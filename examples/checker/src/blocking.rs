//! The check over the blocking loops.

use core::ops::ControlFlow;

use embedded_io::{Read, Write};
use pop3_proto::client::{Client, State};
use pop3_proto::io::blocking::{Clock, drive, establish, login_auto};
use pop3_proto::sasl::Credentials;

use super::{CheckError, Fresh, Headers, NewMail, Seen};

/// Runs one check over `io`: the client must be fresh on this connection. `handshake`
/// upgrades the transport when STLS is used. Each new message goes to `report`, then is
/// remembered in `seen`. Returns how many were new. The session ends with QUIT, and no
/// message was marked, so nothing is removed.
pub fn check<T, const RX: usize, const TX: usize, const Q: usize, const N: usize>(
    client: &mut Client<RX, TX, Q>,
    io: &mut T,
    creds: &Credentials<'_>,
    handshake: impl FnOnce(&mut T) -> Result<(), T::Error>,
    seen: &mut Seen<N>,
    mut report: impl FnMut(&NewMail<'_>),
) -> Result<usize, CheckError<T::Error>>
where
    T: Read + Write + Clock,
{
    if !establish(client, io, handshake, |_| {})? {
        return Err(CheckError::Unavailable);
    }
    login_auto(client, io, creds, |_| {})?;
    let mut fresh: Fresh<N> = Fresh::new();
    client.uidl(None)?;
    drive(client, io, |event, _| {
        seen.on_listing(event, &mut fresh);
        ControlFlow::Continue(())
    })?;
    for (msg, uid) in &fresh {
        let mut headers = Headers::new();
        client.top(*msg, 0)?;
        drive(client, io, |event, _| {
            headers.on_event(event);
            ControlFlow::Continue(())
        })?;
        seen.report(*msg, uid, &headers, &mut report);
    }
    client.quit()?;
    drive(client, io, |_, _| ControlFlow::Continue(()))?;
    debug_assert_eq!(client.state(), State::Closed);
    Ok(fresh.len())
}
