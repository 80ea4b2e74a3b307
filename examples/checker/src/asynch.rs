//! The check over the async loops: the same steps as [`blocking`](super::blocking), for
//! firmware on `embedded-io-async` transports (embassy-net's `TcpSocket`).

use core::ops::ControlFlow;

use embedded_io_async::{Read, Write};
use pop3_proto::client::{Client, State};
use pop3_proto::io::asynch::{Timer, drive, establish, login_auto};
use pop3_proto::sasl::Credentials;

use super::{CheckError, Fresh, Headers, NewMail, Seen};

/// Runs one check over `io` with deadlines from `timer`; see
/// [`blocking::check`](super::blocking::check).
pub async fn check<T, K, const RX: usize, const TX: usize, const Q: usize, const N: usize>(
    client: &mut Client<RX, TX, Q>,
    io: &mut T,
    timer: &mut K,
    creds: &Credentials<'_>,
    handshake: impl AsyncFnOnce(&mut T) -> Result<(), T::Error>,
    seen: &mut Seen<N>,
    mut report: impl FnMut(&NewMail<'_>),
) -> Result<usize, CheckError<T::Error>>
where
    T: Read + Write,
    K: Timer,
{
    if !establish(client, io, timer, handshake, |_| {}).await? {
        return Err(CheckError::Unavailable);
    }
    login_auto(client, io, timer, creds, |_| {}).await?;
    let mut fresh: Fresh<N> = Fresh::new();
    client.uidl(None)?;
    drive(client, io, timer, |event, _| {
        seen.on_listing(event, &mut fresh);
        ControlFlow::Continue(())
    })
    .await?;
    for (msg, uid) in &fresh {
        let mut headers = Headers::new();
        client.top(*msg, 0)?;
        drive(client, io, timer, |event, _| {
            headers.on_event(event);
            ControlFlow::Continue(())
        })
        .await?;
        seen.report(*msg, uid, &headers, &mut report);
    }
    client.quit()?;
    drive(client, io, timer, |_, _| ControlFlow::Continue(())).await?;
    debug_assert_eq!(client.state(), State::Closed);
    Ok(fresh.len())
}
