//! Sockets for the loops: a connection to a server by address or by name, and an accepted
//! connection for a server, on buffers the caller owns.

use embassy_net::dns::{self, DnsQueryType};
use embassy_net::tcp::{self, TcpSocket};
use embassy_net::{IpAddress, IpEndpoint, Stack};
use embassy_time::{Duration, with_timeout};

use crate::log::{note, trouble};

/// A socket's receive and transmit buffers, owned by the caller (a `static`, or a task's
/// stack): `RX` octets of the server's output in flight, `TX` of ours. TCP's window is the
/// receive buffer, so `RX` sets how fast a message arrives.
pub struct Buffers<const RX: usize = 2048, const TX: usize = 1024> {
    rx: [u8; RX],
    tx: [u8; TX],
}

impl<const RX: usize, const TX: usize> Buffers<RX, TX> {
    /// Zeroed buffers; `const`, so they can live in a `static`.
    pub const fn new() -> Self {
        Buffers {
            rx: [0; RX],
            tx: [0; TX],
        }
    }
}

impl<const RX: usize, const TX: usize> Default for Buffers<RX, TX> {
    fn default() -> Self {
        Buffers::new()
    }
}

/// Where the server is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Remote<'h> {
    /// An address and port.
    Ip(IpEndpoint),
    /// A host name resolved through the stack's DNS servers (an IPv4 literal is taken as
    /// it is), and a port.
    Host {
        /// The host name.
        name: &'h str,
        /// The port: 110 for POP3 (STLS), 995 for implicit TLS.
        port: u16,
    },
}

/// Why [`connect`] found no connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ConnectError {
    /// The name could not be resolved.
    Dns(dns::Error),
    /// The name has no IPv4 address.
    NoAddress,
    /// Every address refused or could not be reached; the last address's error.
    Tcp(tcp::ConnectError),
    /// No address answered within the time given.
    TimedOut,
}

impl core::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ConnectError::Dns(e) => write!(f, "name lookup failed: {e:?}"),
            ConnectError::NoAddress => f.write_str("the name has no IPv4 address"),
            ConnectError::Tcp(e) => write!(f, "connection failed: {e:?}"),
            ConnectError::TimedOut => f.write_str("no answer in time"),
        }
    }
}

impl core::error::Error for ConnectError {}

/// Connects to `remote`, each address it resolves to in turn, each within `timeout`.
pub async fn connect<'a, const RX: usize, const TX: usize>(
    stack: Stack<'a>,
    buffers: &'a mut Buffers<RX, TX>,
    remote: Remote<'_>,
    timeout: Duration,
) -> Result<TcpSocket<'a>, ConnectError> {
    let (addresses, port) = match remote {
        Remote::Ip(endpoint) => ([endpoint.addr].into_iter().collect(), endpoint.port),
        Remote::Host { name, port } => {
            let found = stack.dns_query(name, DnsQueryType::A).await.map_err(|e| {
                trouble!("pop3: resolving {=str} failed: {}", name, e);
                ConnectError::Dns(e)
            })?;
            (found, port)
        }
    };
    let mut socket = TcpSocket::new(stack, &mut buffers.rx, &mut buffers.tx);
    let mut last = ConnectError::NoAddress;
    for addr in addresses {
        match try_connect(&mut socket, addr, port, timeout).await {
            Ok(()) => {
                note!("pop3: connected to {}:{=u16}", addr, port);
                return Ok(socket);
            }
            Err(e) => {
                trouble!("pop3: {}:{=u16}: {}", addr, port, e);
                socket.abort();
                last = e;
            }
        }
    }
    Err(last)
}

async fn try_connect(
    socket: &mut TcpSocket<'_>,
    addr: IpAddress,
    port: u16,
    timeout: Duration,
) -> Result<(), ConnectError> {
    match with_timeout(timeout, socket.connect(IpEndpoint::new(addr, port))).await {
        Ok(result) => result.map_err(ConnectError::Tcp),
        Err(_) => Err(ConnectError::TimedOut),
    }
}

/// Waits for a client on `port`: the socket for one session of a server loop.
pub async fn accept<'a, const RX: usize, const TX: usize>(
    stack: Stack<'a>,
    buffers: &'a mut Buffers<RX, TX>,
    port: u16,
) -> Result<TcpSocket<'a>, tcp::AcceptError> {
    let mut socket = TcpSocket::new(stack, &mut buffers.rx, &mut buffers.tx);
    socket.accept(port).await?;
    note!("pop3: accepted {}", socket.remote_endpoint());
    Ok(socket)
}
