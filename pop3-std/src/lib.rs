//! # pop3-std
//!
//! The std drivers of the POP3 stack: a blocking [`client`] over `TcpStream` with implicit
//! TLS (RFC 8314) and STLS (RFC 2595) through rustls, and a [`server`] over Maildir. They
//! plug a [`socket::Socket`] (plain or rustls, one type for both roles) into the core's
//! blocking loops ([`pop3_proto::io::blocking::drive`] and
//! [`pop3_proto::io::blocking::serve`]) and answer from passwd files and Maildirs; every
//! protocol rule, and every loop, lives in [`pop3_proto`].
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
pub mod socket;
pub mod tls;
