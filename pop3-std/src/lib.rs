//! # pop3-std
//!
//! The std drivers of the POP3 stack: a blocking [`client`] over `TcpStream` with implicit
//! TLS (RFC 8314) and STLS (RFC 2595) through rustls, and a [`server`] over Maildir. They only move bytes and time between
//! sockets and the state machines of [`pop3_proto`], through its generic drive loop
//! ([`pop3_proto::io::drive`]); every protocol rule lives there.
//!
//! ```no_run
//! use pop3_std::client::{Connect, Tls};
//!
//! let mut pop = Connect::new("pop.example.net").tls(Tls::Implicit).connect()?;
//! pop.login("alice", "secret")?;
//! for (msg, size) in pop.list()? {
//!     let mut file = std::fs::File::create(format!("{msg}.eml"))?;
//!     let written = pop.retr(msg, &mut file)?;
//!     assert_eq!(written, size);
//! }
//! pop.quit()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod client;
pub mod server;
mod socket;
pub mod tls;
