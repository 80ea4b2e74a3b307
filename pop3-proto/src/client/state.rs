//! The session states of RFC 1939 section 3, as the client sees them.

/// Where the session stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum State {
    /// Connected; the greeting has not arrived.
    Greeting,
    /// AUTHORIZATION: identify and authenticate.
    Authorization,
    /// The server accepted STLS; the driver is running the TLS handshake.
    TlsHandshake,
    /// TRANSACTION: the maildrop is open.
    Transaction,
    /// The session is over (QUIT answered, connection closed, or a fatal error).
    Closed,
}
