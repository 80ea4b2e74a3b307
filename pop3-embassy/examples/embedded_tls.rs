//! TLS for the loops with `embedded-tls` (TLS 1.3, `no_std`): implicit TLS (port 995,
//! RFC 8314) and STLS on a plain port (RFC 2595), the server's certificate checked against
//! a CA and the host name. Everything here but `main` is what firmware writes; `main` runs
//! it on a host, over tokio:
//!
//! ```text
//! cargo run -p pop3-embassy --example embedded_tls -- HOST PORT CA.der USER PASSWORD tls|stls
//! ```
//!
//! The transport is [`Link`]: it starts plain and becomes TLS in place, because the STLS
//! callback of `establish` upgrades the stream it is handed. embedded-tls checks ECDSA
//! P-256 chains (its `rsa` feature adds RSA, with an allocator); without a calendar
//! (`NoClock`) it does not check validity dates: give it a `TlsClock` where the chip knows
//! the time. Its read buffer must hold a whole TLS record (16 KiB and a little).

use core::ops::ControlFlow;

use embedded_io_async::{ErrorType, Read, Write};
use embedded_tls::pki::CertVerifier;
use embedded_tls::{
    Aes128GcmSha256, Certificate, CryptoProvider, CryptoRngCore, NoClock, TlsConfig, TlsConnection,
    TlsContext, TlsError, TlsVerifier,
};
use pop3_embassy::{Clock, drive, establish, login_auto, retr};
use pop3_proto::client::{self, Client, Event, LoginMethod, Transport};
use pop3_proto::io::ClientError;
use pop3_proto::sasl::Credentials;

/// The largest TLS record and its overhead: what the read buffer must hold.
pub(crate) const RECORD: usize = 16384 + 256;

/// A connection that is plain until [`Link::upgrade`], then TLS.
// No heap on a chip to box the TLS state: it is held in place, and needed once TLS runs.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Link<'b, S: Read + Write> {
    /// Before TLS (STLS not yet run).
    Plain(S),
    /// After the handshake.
    Tls(TlsConnection<'b, S, Aes128GcmSha256>),
    /// An upgrade failed half-way: the connection is unusable.
    Broken,
}

/// The server's certificate checked against `ca` (and the host name set in the config);
/// randomness from the chip's generator.
pub(crate) struct Verifying<'a, R> {
    rng: R,
    verifier: CertVerifier<'a, Aes128GcmSha256, NoClock, 4096>,
}

impl<'a, R: CryptoRngCore> Verifying<'a, R> {
    /// Checks chains that end at `ca` (DER).
    pub(crate) fn new(rng: R, ca: &'a [u8]) -> Self {
        Verifying {
            rng,
            verifier: CertVerifier::new(Certificate::X509(ca)),
        }
    }
}

impl<R: CryptoRngCore> CryptoProvider for Verifying<'_, R> {
    type CipherSuite = Aes128GcmSha256;
    // No client certificate is sent, so nothing is signed.
    type Signature = &'static [u8];

    fn rng(&mut self) -> impl CryptoRngCore {
        &mut self.rng
    }

    fn verifier(&mut self) -> Result<&mut impl TlsVerifier<Aes128GcmSha256>, TlsError> {
        Ok(&mut self.verifier)
    }
}

impl<'b, S: Read + Write> Link<'b, S> {
    /// Runs the TLS handshake over the plain connection, which then carries TLS.
    pub(crate) async fn upgrade(
        &mut self,
        config: &TlsConfig<'_>,
        provider: impl CryptoProvider<CipherSuite = Aes128GcmSha256>,
        read_buffer: &'b mut [u8],
        write_buffer: &'b mut [u8],
    ) -> Result<(), TlsError> {
        let Link::Plain(socket) = core::mem::replace(self, Link::Broken) else {
            return Err(TlsError::InternalError);
        };
        let mut tls = TlsConnection::new(socket, read_buffer, write_buffer);
        tls.open(TlsContext::new(config, provider)).await?;
        *self = Link::Tls(tls);
        Ok(())
    }
}

impl<S: Read + Write> ErrorType for Link<'_, S> {
    type Error = TlsError;
}

fn io<E: embedded_io_async::Error>(e: E) -> TlsError {
    TlsError::Io(e.kind())
}

impl<S: Read + Write> Read for Link<'_, S> {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, TlsError> {
        match self {
            Link::Plain(s) => s.read(buf).await.map_err(io),
            Link::Tls(t) => t.read(buf).await,
            Link::Broken => Err(TlsError::ConnectionClosed),
        }
    }
}

impl<S: Read + Write> Write for Link<'_, S> {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, TlsError> {
        match self {
            Link::Plain(s) => s.write(buf).await.map_err(io),
            Link::Tls(t) => t.write(buf).await,
            Link::Broken => Err(TlsError::ConnectionClosed),
        }
    }

    async fn flush(&mut self) -> Result<(), TlsError> {
        match self {
            Link::Plain(s) => s.flush().await.map_err(io),
            Link::Tls(t) => t.flush().await,
            Link::Broken => Err(TlsError::ConnectionClosed),
        }
    }
}

/// How to reach the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// TLS from the first octet (port 995).
    Implicit,
    /// STLS on a plain port; without it nothing is sent (`Security::RequireTls`).
    StartTls,
}

/// One session over `socket`: TLS as `mode` says, login, every message, QUIT. Returns the
/// method that logged in and the messages as served.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn fetch_all<'b, S: Read + Write + 'b>(
    socket: S,
    mode: Mode,
    host: &str,
    ca: &[u8],
    rng: impl CryptoRngCore,
    creds: &Credentials<'_>,
    buffers: (&'b mut [u8], &'b mut [u8]),
    mut each: impl FnMut(u32, &[u8]),
) -> Result<LoginMethod, ClientError<TlsError>> {
    let config = TlsConfig::new().with_server_name(host);
    // Taken by the one handshake, now or at STLS.
    let mut tls = Some((Verifying::new(rng, ca), buffers));
    let mut link: Link<'b, S> = Link::Plain(socket);
    let transport = match (mode, tls.take()) {
        (Mode::Implicit, Some((provider, (read, write)))) => {
            link.upgrade(&config, provider, read, write)
                .await
                .map_err(ClientError::Io)?;
            Transport::Tls
        }
        (_, taken) => {
            tls = taken;
            Transport::Plain
        }
    };
    // Credentials never leave before TLS: the core refuses to log in on a plain link.
    let mut c: Client = Client::new(client::Config::default(), transport, Clock::instant());
    let mut clock = Clock;
    let stls = async |link: &mut Link<'b, S>| match tls.take() {
        Some((provider, (read, write))) => link.upgrade(&config, provider, read, write).await,
        None => Err(TlsError::InternalError),
    };
    establish(&mut c, &mut link, &mut clock, stls, |_| {}).await?;
    let method = login_auto(&mut c, &mut link, &mut clock, creds, |_| {}).await?;
    c.stat()?;
    let mut count = 0;
    drive(&mut c, &mut link, &mut clock, |event, _| {
        if let Event::Stat { stat, .. } = event {
            count = stat.count;
        }
        ControlFlow::Continue(())
    })
    .await?;
    let mut message = [0u8; 4096];
    for msg in 1..=count {
        let mut sink: &mut [u8] = &mut message;
        let n = retr(&mut c, &mut link, &mut clock, msg, &mut sink).await?;
        each(msg, &message[..n as usize]);
    }
    c.quit()?;
    drive(&mut c, &mut link, &mut clock, |_, _| {
        ControlFlow::Continue(())
    })
    .await?;
    Ok(method)
}

/// The host's randomness, as a chip's generator would give it.
pub(crate) struct OsRandom;

impl rand_core::RngCore for OsRandom {
    fn next_u32(&mut self) -> u32 {
        rand_core::impls::next_u32_via_fill(self)
    }
    fn next_u64(&mut self) -> u64 {
        rand_core::impls::next_u64_via_fill(self)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        getrandom::fill(dest).expect("system randomness");
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl rand_core::CryptoRng for OsRandom {}

#[allow(dead_code)]
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [host, port, ca, user, password, mode] = &args[..] else {
        eprintln!("usage: embedded_tls HOST PORT CA.der USER PASSWORD tls|stls");
        std::process::exit(2);
    };
    let mode = if mode == "stls" {
        Mode::StartTls
    } else {
        Mode::Implicit
    };
    let ca = std::fs::read(ca).expect("read the CA certificate (DER)");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let tcp =
            tokio::net::TcpStream::connect((host.as_str(), port.parse::<u16>().expect("port")))
                .await
                .expect("connect");
        let socket = embedded_io_adapters::tokio_1::FromTokio::new(tcp);
        let (mut read, mut write) = (vec![0u8; RECORD], vec![0u8; 4096]);
        let nonce = format!("{:032x}", rand_core::RngCore::next_u64(&mut OsRandom));
        let creds = Credentials::password(user.as_bytes(), password.as_bytes())
            .with_nonce(nonce.as_bytes());
        let method = fetch_all(
            socket,
            mode,
            host,
            &ca,
            OsRandom,
            &creds,
            (&mut read, &mut write),
            |msg, body| {
                println!("message {msg}: {} octets", body.len());
            },
        )
        .await
        .expect("session");
        println!("logged in with {method:?}");
    });
}
