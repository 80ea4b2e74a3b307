//! # pop3-embassy
//!
//! POP3 on a microcontroller: the async loops of [`pop3_proto::io::asynch`] over an
//! `embassy_net::tcp::TcpSocket`, with deadlines from `embassy-time`. `no_std`, no
//! allocation, and no protocol logic: every rule is the core's.
//!
//! What this crate adds: [`connect`] (by address, or by name through embassy-net's DNS
//! resolver), [`accept`] for a server, caller-owned socket [`Buffers`], and [`Clock`], the
//! [`Timer`] of the loops on `embassy-time`. The loops themselves are re-exported: a
//! `TcpSocket` is an `embedded-io-async` stream, and so is any TLS stream over it (an
//! `embedded-tls` connection, for instance): pass that to the same loops for implicit TLS,
//! or hand it over in the STLS upgrade callback of [`establish`]. The crate's
//! `embedded_tls` example does both, checking the server's certificate. (The same example is in
//! the README.)
//!
//! ```no_run
//! use core::ops::ControlFlow;
//! use embassy_net::Stack;
//! use embassy_time::Duration;
//! use pop3_embassy::{Buffers, Clock, Remote, connect, drive, establish, login_auto};
//! use pop3_proto::client::{self, Client, Event, Security, Transport};
//! use pop3_proto::sasl::Credentials;
//!
//! async fn count_messages(stack: Stack<'_>, nonce: &[u8]) -> Option<u32> {
//!     let mut buffers: Buffers = Buffers::new(); // 2 KiB in, 1 KiB out; or a `static`
//!     let remote = Remote::Host { name: "mail.example.net", port: 110 };
//!     let mut socket = connect(stack, &mut buffers, remote, Duration::from_secs(10)).await.ok()?;
//!     let config = client::Config::default().with_security(Security::AllowCleartext);
//!     let mut c: Client = Client::new(config, Transport::Plain, Clock::instant());
//!     let no_tls = async |_: &mut embassy_net::tcp::TcpSocket<'_>| {
//!         Err(embassy_net::tcp::Error::ConnectionReset)
//!     };
//!     establish(&mut c, &mut socket, &mut Clock, no_tls, |_| {}).await.ok()?;
//!     // A fresh random nonce (from the chip's RNG) lets SCRAM-SHA-256 be chosen.
//!     let creds = Credentials::password(b"alice", b"secret").with_nonce(nonce);
//!     login_auto(&mut c, &mut socket, &mut Clock, &creds, |_| {}).await.ok()?;
//!     c.stat().ok()?;
//!     let mut count = None;
//!     drive(&mut c, &mut socket, &mut Clock, |event, session| {
//!         if let Event::Stat { stat, .. } = event {
//!             count = Some(stat.count);
//!             let _ = session.quit();
//!         }
//!         ControlFlow::Continue(())
//!     })
//!     .await
//!     .ok()?;
//!     count
//! }
//! ```
#![no_std]

mod log;
mod net;

pub use net::{Buffers, ConnectError, Remote, accept, connect};
pub use pop3_proto::io::asynch::Timer;
pub use pop3_proto::io::asynch::{
    answer, drive, establish, login, login_auto, retr, serve, start_tls,
};

use core::future::Future;

use pop3_proto::Instant;

/// The loops' [`Timer`] on `embassy-time`: the session's `Instant`s are embassy's, in
/// milliseconds.
#[derive(Clone, Copy, Debug, Default)]
pub struct Clock;

impl Clock {
    /// Now, as the session's clock reads it (for `Client::new` and `Server::new`).
    pub fn instant() -> Instant {
        Instant::from_millis(embassy_time::Instant::now().as_millis())
    }
}

impl Timer for Clock {
    fn now(&mut self) -> Instant {
        Clock::instant()
    }

    fn sleep_until(&mut self, at: Instant) -> impl Future<Output = ()> {
        embassy_time::Timer::at(embassy_time::Instant::from_millis(at.as_millis()))
    }
}
