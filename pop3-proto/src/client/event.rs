//! What the client reports to the application: one event per meaningful line of the
//! server's replies, each naming the command it answers.

pub use crate::codec::CommandKind;
use crate::codec::{
    Capability, FrameError, Greeting, ParseError, ScanListing, Stat, StatusLine, UidListing,
};

/// Names a command the application issued; every event about its reply carries it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CommandId(pub(crate) u32);

impl CommandId {
    /// The sequence number: ids count up from 0 in the order commands were issued.
    pub const fn get(self) -> u32 {
        self.0
    }
}

/// Why a line inside a reply could not be used. The line was consumed whole: the session
/// stays in step and goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum LineError {
    /// The line does not parse as what the command's reply holds.
    Parse(ParseError),
    /// The line broke the framing rules (too long, bare LF in strict mode).
    Frame(FrameError),
    /// A SASL challenge that is not base64 (RFC 5034 section 4): the client cancelled.
    BadChallenge,
}

/// Something the server said.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Event<'a> {
    /// The greeting. A `-ERR` greeting refuses service and closes the session.
    Greeting(Greeting<'a>),
    /// A status reply: `-ERR` to any command, or `+OK` to a command whose `+OK` carries no
    /// data of its own. `-ERR` is an event, not an error: the session goes on.
    Reply {
        /// The command answered.
        id: CommandId,
        /// Its kind.
        command: CommandKind,
        /// The status line, with its response code.
        line: StatusLine<'a>,
    },
    /// The `+OK` reply to STAT.
    Stat {
        /// The command answered.
        id: CommandId,
        /// Messages and octets in the maildrop.
        stat: Stat,
    },
    /// A scan listing: the `+OK` reply to `LIST n`, or a line of the reply to `LIST`.
    ScanListing {
        /// The command answered.
        id: CommandId,
        /// Message number and size.
        listing: ScanListing,
    },
    /// A unique-id listing: the `+OK` reply to `UIDL n`, or a line of the reply to `UIDL`.
    UidListing {
        /// The command answered.
        id: CommandId,
        /// Message number and unique-id.
        listing: UidListing<'a>,
    },
    /// A line of the reply to CAPA.
    Capability {
        /// The command answered.
        id: CommandId,
        /// The capability.
        capability: Capability<'a>,
    },
    /// A line of the reply to `LANG` (RFC 6856 section 3): a tag and its description.
    Language {
        /// The command answered.
        id: CommandId,
        /// The language tag.
        tag: &'a [u8],
        /// The description, as sent.
        description: &'a [u8],
    },
    /// Octets of a message (RETR) or of its head (TOP): unstuffed, CRLF line ends as sent,
    /// in chunks of any size.
    Body {
        /// The command answered.
        id: CommandId,
        /// The octets.
        data: &'a [u8],
    },
    /// The end of a multi-line reply.
    End {
        /// The command answered.
        id: CommandId,
    },
    /// A SASL challenge (base64 as sent). Answer with `sasl_continue` (or `sasl_cancel`).
    SaslChallenge {
        /// The AUTH command.
        id: CommandId,
        /// The challenge, base64.
        data: &'a [u8],
    },
    /// The server accepted STLS. The driver must now run the TLS handshake on the raw
    /// transport and then call `tls_established`.
    TlsReady {
        /// The STLS command.
        id: CommandId,
    },
    /// A line inside a reply that could not be used; see [`LineError`].
    BadLine {
        /// The command answered.
        id: CommandId,
        /// Its kind.
        command: CommandKind,
        /// The line (empty when it was too long to keep).
        line: &'a [u8],
        /// What was wrong.
        error: LineError,
    },
    /// The session is over. `update` is true when the server entered the UPDATE state
    /// (QUIT in TRANSACTION): only then were messages marked with DELE removed.
    Closed {
        /// The server applied the deletions.
        update: bool,
    },
}

impl Event<'_> {
    /// The command this event belongs to; none for the greeting and the end of the session.
    pub fn id(&self) -> Option<CommandId> {
        match self {
            Event::Reply { id, .. }
            | Event::Stat { id, .. }
            | Event::ScanListing { id, .. }
            | Event::UidListing { id, .. }
            | Event::Capability { id, .. }
            | Event::Language { id, .. }
            | Event::Body { id, .. }
            | Event::End { id, .. }
            | Event::SaslChallenge { id, .. }
            | Event::TlsReady { id, .. }
            | Event::BadLine { id, .. } => Some(*id),
            Event::Greeting(_) | Event::Closed { .. } => None,
        }
    }
}
