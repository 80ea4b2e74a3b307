//! The socket under a session, for both roles: plain TCP or rustls over TCP, as the
//! `embedded-io` traits with the [`Clock`] that the core's blocking loops need.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::ops::{Deref, DerefMut};
use std::time::{Duration, Instant as StdInstant};

use pop3_proto::Instant;
use pop3_proto::io::blocking::Clock;
use rustls::{ConnectionCommon, SideData, StreamOwned};

/// A connection, before or after TLS; `C` is rustls's client or server connection.
enum Stream<C> {
    Plain(TcpStream),
    Tls(Box<StreamOwned<C, TcpStream>>),
}

/// A connection to a POP3 peer, plain or TLS, with a clock and read deadlines: what the
/// core's blocking loops in `pop3_proto::io::blocking` run over.
pub struct Socket<C> {
    stream: Stream<C>,
    epoch: StdInstant,
    /// The longest any single read may wait, whatever the session's deadline.
    io_timeout: Duration,
    /// The longest a whole TLS handshake may take.
    handshake_timeout: Duration,
}

impl<C, S> Socket<C>
where
    C: DerefMut + Deref<Target = ConnectionCommon<S>>,
    S: SideData,
{
    /// A plain connection; reads wait at most `io_timeout`, and so does a TLS handshake as
    /// a whole unless [`Socket::with_handshake_timeout`] says otherwise.
    pub fn plain(tcp: TcpStream, io_timeout: Duration) -> Self {
        Socket {
            stream: Stream::Plain(tcp),
            epoch: StdInstant::now(),
            io_timeout,
            handshake_timeout: io_timeout,
        }
    }

    /// With another bound for a whole TLS handshake (a server that polls its reads often
    /// still gives a slow client's handshake its time).
    pub fn with_handshake_timeout(mut self, timeout: Duration) -> Self {
        self.handshake_timeout = timeout;
        self
    }

    /// True once TLS runs.
    pub fn is_tls(&self) -> bool {
        matches!(self.stream, Stream::Tls(_))
    }

    /// The TCP connection under the stream.
    pub fn tcp(&self) -> &TcpStream {
        match &self.stream {
            Stream::Plain(tcp) => tcp,
            Stream::Tls(tls) => tls.get_ref(),
        }
    }

    /// Runs the TLS handshake with `conn` on the plain connection: implicit TLS, or after
    /// STLS. The whole handshake must end within the handshake timeout, however the peer
    /// paces it;
    /// when it does not, the error is [`io::ErrorKind::TimedOut`] and says so.
    pub fn start_tls_with(&mut self, mut conn: C) -> io::Result<()> {
        let Stream::Plain(tcp) = &self.stream else {
            return Err(io::Error::other("TLS is already running"));
        };
        let mut tcp = tcp.try_clone()?;
        let started = StdInstant::now();
        let timed_out = || {
            io::Error::new(
                io::ErrorKind::TimedOut,
                "the TLS handshake did not complete in time",
            )
        };
        while conn.is_handshaking() {
            let left = self
                .handshake_timeout
                .checked_sub(started.elapsed())
                .filter(|d| !d.is_zero())
                .ok_or_else(timed_out)?;
            tcp.set_read_timeout(Some(left))?;
            tcp.set_write_timeout(Some(left))?;
            match conn.complete_io(&mut tcp) {
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return Err(timed_out());
                }
                other => other?,
            };
        }
        self.stream = Stream::Tls(Box::new(StreamOwned::new(conn, tcp)));
        Ok(())
    }
}

impl<C> embedded_io::ErrorType for Socket<C> {
    type Error = io::Error;
}

impl<C, S> embedded_io::Read for Socket<C>
where
    C: DerefMut + Deref<Target = ConnectionCommon<S>>,
    S: SideData,
{
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let r = loop {
            let r = match &mut self.stream {
                Stream::Plain(s) => s.read(buf),
                Stream::Tls(s) => s.read(buf),
            };
            // A signal interrupted the wait (its handler decides what happens): wait on.
            if !matches!(&r, Err(e) if e.kind() == io::ErrorKind::Interrupted) {
                break r;
            }
        };
        match r {
            // A socket read timeout surfaces as WouldBlock on Unix: it is a timeout here.
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Err(io::ErrorKind::TimedOut.into()),
            // A TLS peer that closes without close_notify has still ended the stream.
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(0),
            other => other,
        }
    }
}

impl<C, S> embedded_io::Write for Socket<C>
where
    C: DerefMut + Deref<Target = ConnectionCommon<S>>,
    S: SideData,
{
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        loop {
            let r = match &mut self.stream {
                Stream::Plain(s) => s.write(buf),
                Stream::Tls(s) => s.write(buf),
            };
            if !matches!(&r, Err(e) if e.kind() == io::ErrorKind::Interrupted) {
                return r;
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.stream {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

impl<C, S> Clock for Socket<C>
where
    C: DerefMut + Deref<Target = ConnectionCommon<S>>,
    S: SideData,
{
    fn now(&mut self) -> Instant {
        let ms = self.epoch.elapsed().as_millis();
        Instant::from_millis(u64::try_from(ms).unwrap_or(u64::MAX))
    }

    fn set_deadline(&mut self, deadline: Option<Instant>) -> io::Result<()> {
        let wait = match deadline {
            None => self.io_timeout,
            Some(at) => {
                let left = at.as_millis().saturating_sub(self.now().as_millis());
                Duration::from_millis(left.max(1)).min(self.io_timeout)
            }
        };
        self.tcp().set_read_timeout(Some(wait))
    }
}
