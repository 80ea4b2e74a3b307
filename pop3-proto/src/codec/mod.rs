//! The codec: bytes to typed lines and typed values to bytes, for both sides.
//!
//! Two layers, as in every robust line protocol decoder:
//!
//! 1. the [`Framer`] finds line ends incrementally under a length limit, and in multi-line
//!    responses removes dot-stuffing and finds the terminator;
//! 2. the parsers turn one complete line into a typed value: [`StatusLine`], [`Greeting`],
//!    [`Stat`], [`ScanListing`], [`UidListing`], [`Capability`], [`Continuation`],
//!    [`Command`], [`SaslResponse`]. They are pure functions of the line and can be used
//!    without the framer.
//!
//! Encoders write into caller buffers and report the size needed when the buffer is too
//! small; the [`Stuffer`] streams message bodies out.
//!
//! Files hold one concept each (its type, parser and encoder together), so that a change to
//! the shape of, say, a capability touches one file.

mod capability;
mod command;
mod error;
mod escaped;
mod framer;
mod greeting;
pub(crate) mod lex;
mod listing;
mod mechanism;
pub(crate) mod out;
mod rules;
mod sasl_line;
mod scan;
mod status;
mod stuff;
mod unstuff;

pub use capability::{Capability, Expire};
pub use command::Command;
pub use error::{EncodeError, Field, ParseError, ParseErrorKind};
pub use escaped::Escaped;
pub use framer::{
    COMMAND_LINE_LIMIT, Decoded, Frame, FrameError, Framer, Mode, RESPONSE_LINE_LIMIT,
};
pub use greeting::{Greeting, Timestamp};
pub use listing::{MAX_UID_LEN, ScanListing, Stat, UidListing, is_unique_id};
pub use mechanism::{Mechanism, Mechanisms};
pub use rules::{CommandKind, Phase};
pub use sasl_line::{Continuation, SaslResponse};
pub use status::{RespCode, RespCodeKind, Status, StatusLine};
pub use stuff::{Stuffed, Stuffer};
pub use unstuff::{Unstuffed, Unstuffer};

/// How strictly input is read. Output is always strict (CRLF, upper-case status).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Strictness {
    /// As the RFCs say: lines end in CRLF, status indicators are upper case.
    #[default]
    Strict,
    /// As some servers send: bare LF ends a line and `+ok` is `+OK`. Only CRLF `.` CRLF
    /// ends a multi-line reply all the same (RFC 1939 section 3): a stricter reader must
    /// never see a message go on where this one saw it end.
    Lenient,
}

/// The line that ends a multi-line response: `.` CRLF.
pub const END_OF_MULTILINE: &[u8] = b".\r\n";
