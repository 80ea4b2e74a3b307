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
enum Stream {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
}

/// A connection to a POP3 server, plain or TLS, as `embedded-io` traits with the
/// [`Clock`] the generic drive loop needs: for code that drives the core's client itself
/// through [`pop3_proto::io::drive`] (see [`Connect::open`](super::Connect::open)).
pub struct Socket {
    stream: Stream,
    epoch: StdInstant,
    /// The longest any single read may wait, whatever the core's deadline.
    io_timeout: Duration,
}

impl Socket {
    /// A plain connection; reads wait at most `io_timeout`.
    pub fn plain(tcp: TcpStream, io_timeout: Duration) -> Self {
        Socket {
            stream: Stream::Plain(tcp),
            epoch: StdInstant::now(),
            io_timeout,
        }
    }

    /// True once TLS runs.
    pub fn is_tls(&self) -> bool {
        matches!(self.stream, Stream::Tls(_))
    }

    fn tcp(&self) -> &TcpStream {
        match &self.stream {
            Stream::Plain(tcp) => tcp,
            Stream::Tls(tls) => tls.get_ref(),
        }
    }

    /// Runs the TLS handshake on the plain connection (implicit TLS, or after the
    /// client's `TlsReady` event for STLS), checking the certificate against `host`.
    pub fn start_tls(&mut self, config: Arc<ClientConfig>, host: &str) -> io::Result<()> {
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

impl embedded_io::ErrorType for Socket {
    type Error = io::Error;
}

impl embedded_io::Read for Socket {
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

impl embedded_io::Write for Socket {
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

impl Clock for Socket {
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
