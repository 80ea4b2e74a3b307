//! A `-ERR` reply, reduced to what a program decides on: which command was refused and the
//! meaning of its response code (RFC 2449 section 8, RFC 3206).

use core::fmt;

use super::event::{CommandKind, Event};
use crate::codec::{RespCodeKind, Status, StatusLine};

/// A command the server refused with `-ERR`. The session goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Refusal {
    /// The command refused.
    pub command: CommandKind,
    /// The response code's meaning, if the reply carried one.
    pub code: Option<RespCodeKind>,
}

impl Refusal {
    /// The refusal in `line`, the reply to `command`; `None` for `+OK`.
    pub fn of(command: CommandKind, line: &StatusLine<'_>) -> Option<Self> {
        (line.status == Status::Err).then(|| Refusal {
            command,
            code: line.code.map(|c| c.kind()),
        })
    }

    /// True when the refused command was a login (USER, PASS, APOP, AUTH): the session is
    /// still in AUTHORIZATION (RFC 1939 section 7).
    pub fn is_login(&self) -> bool {
        self.command.is_login()
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the server refused {}", self.command)?;
        if let Some(code) = self.code {
            write!(f, " ({code:?})")?;
        }
        Ok(())
    }
}

impl Event<'_> {
    /// The refusal this event reports: a `-ERR` reply to a command.
    pub fn refusal(&self) -> Option<Refusal> {
        match self {
            Event::Reply { command, line, .. } => Refusal::of(*command, line),
            _ => None,
        }
    }
}
