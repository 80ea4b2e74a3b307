//! The socket under the client: plain TCP or rustls over TCP, as `embedded-io` traits with
//! a clock and read deadlines for the drive loop.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant as StdInstant};

use pop3_proto::Instant;
use pop3_proto::io::Clock;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};

/// A connection, before or after TLS.
pub(crate) enum Stream {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
}

/// The stream with the clock the drive loop needs.
pub(crate) struct Link {
    pub(crate) stream: Stream,
    epoch: StdInstant,
    /// The longest any single read may wait, whatever the core's deadline.
    pub(crate) io_timeout: Duration,
}

impl Link {
    pub(crate) fn new(stream: Stream, io_timeout: Duration) -> Self {
        Link {
            stream,
            epoch: StdInstant::now(),
            io_timeout,
        }
    }

    pub(crate) fn tcp(&self) -> &TcpStream {
        match &self.stream {
            Stream::Plain(tcp) => tcp,
            Stream::Tls(tls) => tls.get_ref(),
        }
    }

    /// Runs the TLS handshake on the plain connection (implicit TLS, or after STLS).
    pub(crate) fn start_tls(&mut self, config: Arc<ClientConfig>, host: &str) -> io::Result<()> {
        let name = ServerName::try_from(host.to_owned()).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{host:?}: not a host name: {e}"),
            )
        })?;
        let placeholder = Stream::Plain(self.tcp().try_clone()?);
        let Stream::Plain(tcp) = std::mem::replace(&mut self.stream, placeholder) else {
            return Err(io::Error::other("TLS is already running"));
        };
        tcp.set_read_timeout(Some(self.io_timeout))?;
        tcp.set_write_timeout(Some(self.io_timeout))?;
        let conn = ClientConnection::new(config, name).map_err(io::Error::other)?;
        let mut tls = StreamOwned::new(conn, tcp);
        while tls.conn.is_handshaking() {
            tls.conn.complete_io(&mut tls.sock)?;
        }
        self.stream = Stream::Tls(Box::new(tls));
        Ok(())
    }
}

impl embedded_io::ErrorType for Link {
    type Error = io::Error;
}

impl embedded_io::Read for Link {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let r = match &mut self.stream {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
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

impl embedded_io::Write for Link {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.stream {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.stream {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

impl Clock for Link {
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
