//! The contract both state machines keep, so that one drive loop per flavour serves both
//! roles: a [`client::Client`](crate::client::Client) and a
//! [`server::Server`](crate::server::Server) take input, time and end of input the same way,
//! and give output, deadlines and events the same way.

use crate::time::Instant;

/// What the transport under a session is when it starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Transport {
    /// Plain TCP (port 110); TLS may come later with STLS (RFC 2595).
    Plain,
    /// TLS from the first octet (port 995, RFC 8314).
    Tls,
}

/// One end of a POP3 session, as a sans-IO state machine: the client or the server.
///
/// The drive loop is the same for both. After every input, every command (client) or
/// answer (server), until both are quiet:
///
/// 1. take [`Endpoint::poll_event`] until `Ok(None)`, reacting to each event (reading
///    input releases output, so events come first);
/// 2. write [`Endpoint::poll_transmit`] and acknowledge it with [`Endpoint::transmitted`]
///    (peek, write, acknowledge: a write that fails or is cancelled loses nothing and sends
///    nothing twice);
///
/// then, if [`Endpoint::wants_input`], wait for input or until [`Endpoint::poll_timeout`],
/// and hand what happened to [`Endpoint::handle_input`] (or [`Endpoint::recv_buffer`] and
/// [`Endpoint::received`]), [`Endpoint::handle_eof`] or [`Endpoint::handle_timeout`].
///
/// The transport loops in [`io`](crate::io) (feature `io` and `async`) are written once over
/// this trait.
pub trait Endpoint {
    /// What [`Endpoint::poll_event`] reports: the client's replies, the server's requests.
    type Event<'a>
    where
        Self: 'a;
    /// The fatal error of a session.
    type Error: Copy + core::fmt::Debug + core::fmt::Display;

    /// Hands over octets read at `now`; returns how many were taken (fewer when the receive
    /// buffer is full: poll events, then offer the rest). Never loses any.
    fn handle_input(&mut self, now: Instant, data: &[u8]) -> usize;
    /// Free space to read into directly, without a copy; follow with [`Endpoint::received`].
    fn recv_buffer(&mut self) -> &mut [u8];
    /// `n` octets were read into [`Endpoint::recv_buffer`] at `now`.
    fn received(&mut self, now: Instant, n: usize);
    /// The peer's side of the connection ended at `now`. Input already taken is still
    /// processed in order before the end counts.
    fn handle_eof(&mut self, now: Instant);
    /// Time passed; call at or after [`Endpoint::poll_timeout`].
    fn handle_timeout(&mut self, now: Instant);
    /// The next event; `Ok(None)` when there is none until more input or an answer. An
    /// `Err` is fatal and repeats from every later call.
    fn poll_event(&mut self) -> Result<Option<Self::Event<'_>>, Self::Error>;
    /// Octets to write now.
    fn poll_transmit(&self) -> &[u8];
    /// `n` octets of [`Endpoint::poll_transmit`] were written.
    fn transmitted(&mut self, n: usize);
    /// When [`Endpoint::handle_timeout`] is due next, if ever.
    fn poll_timeout(&self) -> Option<Instant>;
    /// True while the session waits for octets from the peer: the driver should read.
    fn wants_input(&self) -> bool;
    /// True once the session is over (closed or failed); the driver may close the
    /// connection after writing what [`Endpoint::poll_transmit`] still holds.
    fn is_closed(&self) -> bool;
    /// The fatal error that ended the session, if one did.
    fn error(&self) -> Option<Self::Error>;
}
