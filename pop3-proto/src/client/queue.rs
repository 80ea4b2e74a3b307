//! The commands in flight, oldest first. Replies are not self-describing (RFC 2449 section
//! 6.6), so each one is read by what the command at the head of this queue expects.

use super::event::{CommandId, CommandKind};
use crate::codec::Mode;
use crate::sasl::Mech;

/// What a command's reply looks like, and what it changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) enum Expect {
    User,
    Pass,
    Apop,
    Stat,
    ListAll,
    ListOne,
    Retr,
    Top,
    Dele,
    Noop,
    Rset,
    Quit,
    UidlAll,
    UidlOne,
    Capa,
    Stls,
    /// A SASL exchange at `step` (the number of client messages sent so far).
    Auth {
        mech: Mech,
        step: u8,
    },
    Utf8,
    LangList,
    LangSet,
}

impl Expect {
    pub(crate) fn kind(self) -> CommandKind {
        match self {
            Expect::User => CommandKind::User,
            Expect::Pass => CommandKind::Pass,
            Expect::Apop => CommandKind::Apop,
            Expect::Stat => CommandKind::Stat,
            Expect::ListAll | Expect::ListOne => CommandKind::List,
            Expect::Retr => CommandKind::Retr,
            Expect::Top => CommandKind::Top,
            Expect::Dele => CommandKind::Dele,
            Expect::Noop => CommandKind::Noop,
            Expect::Rset => CommandKind::Rset,
            Expect::Quit => CommandKind::Quit,
            Expect::UidlAll | Expect::UidlOne => CommandKind::Uidl,
            Expect::Capa => CommandKind::Capa,
            Expect::Stls => CommandKind::Stls,
            Expect::Auth { .. } => CommandKind::Auth,
            Expect::Utf8 => CommandKind::Utf8,
            Expect::LangList | Expect::LangSet => CommandKind::Lang,
        }
    }

    /// Commands after which nothing may be sent until the reply: they change the session
    /// state or the transport (RFC 2449 section 6.6, RFC 2595 section 4, RFC 5034 section 4).
    pub(crate) fn barrier(self) -> bool {
        matches!(
            self,
            Expect::User
                | Expect::Pass
                | Expect::Apop
                | Expect::Auth { .. }
                | Expect::Stls
                | Expect::Utf8
                | Expect::Quit
        )
    }

    /// How a `+OK` reply continues, if it is multi-line.
    pub(crate) fn multiline(self) -> Option<Mode> {
        let with_argument = matches!(self, Expect::ListOne | Expect::UidlOne | Expect::LangSet);
        self.kind().multiline_reply(with_argument)
    }
}

/// A command in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) struct Pending {
    pub(crate) id: CommandId,
    pub(crate) expect: Expect,
    /// Octets of the encoded command in the output buffer (a command is at most 255).
    pub(crate) len: u16,
    /// The driver may send it: the pipelining rules allow it on the wire.
    pub(crate) released: bool,
}
