//! The client's side of the shared socket: the TLS handshake with a host name.

use std::io;
use std::sync::Arc;

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection};

/// A connection to a POP3 server, plain or TLS: for code that drives the core's client
/// itself through `pop3_proto::io::blocking` (see [`Connect::open`](super::Connect::open)).
pub type Socket = crate::socket::Socket<ClientConnection>;

impl Socket {
    /// Runs the TLS handshake on the plain connection (implicit TLS, or after the
    /// client's `TlsReady` event for STLS), checking the certificate against `host`.
    pub fn start_tls(&mut self, config: Arc<ClientConfig>, host: &str) -> io::Result<()> {
        let name = ServerName::try_from(host.to_owned()).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{host:?}: not a host name: {e}"),
            )
        })?;
        let conn = ClientConnection::new(config, name).map_err(io::Error::other)?;
        self.start_tls_with(conn)
    }
}
