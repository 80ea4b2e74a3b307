//! The drive loops, written once for every transport: blocking over `embedded-io` (feature
//! `io`, module [`blocking`]) and async over `embedded-io-async` (feature `async`, module
//! [`asynch`]), each for the client and the server. Still no I/O of its own: the transport
//! does it, and the caller's clock or timer gives the time.
//!
//! - Client: [`blocking::drive`] runs the session, handing each event to a closure together
//!   with the [`Session`](crate::client::Session), so that commands can be issued in
//!   reaction; [`blocking::establish`] (greeting, CAPA, STLS as the security policy asks),
//!   [`blocking::start_tls`] and [`blocking::login`] are the multi-step exchanges.
//! - Server: the application implements [`Maildrop`] (credentials, sizes, unique-ids,
//!   message bodies as readers, UPDATE); [`blocking::serve`] answers every request, streams
//!   bodies with backpressure, runs STLS through a hook, and stops between commands when the
//!   shutdown signal says so.
//!
//! The async loops have the same names and shapes in [`asynch`], with a [`asynch::Timer`]
//! in place of the blocking [`blocking::Clock`]. Dropping an async loop's future at any
//! await loses no octet and sends none twice, as long as the transport's own reads and
//! writes are cancel-safe (tokio's and embassy-net's are): input is handed to the session
//! and output acknowledged in the same poll in which the transport reports it.

#[cfg(feature = "async")]
pub mod asynch;
#[cfg(feature = "io")]
pub mod blocking;
mod error;
mod maildrop;
mod steps;

pub use error::{ClientError, ServerError};
pub use maildrop::{Ended, Maildrop};

/// Why a client loop returned without an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Drive {
    /// The event handler asked to stop (with `ControlFlow::Break`).
    Stopped,
    /// Nothing is left to send and no reply is due: issue a command to go on.
    Idle,
    /// The session is over; the last event was `Closed`.
    Closed,
}
