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
    /// Its last octet has been acknowledged as sent: a reply may start.
    pub(crate) sent: bool,
    /// Once sent: how many octets had been received by then (the low 32 bits, kept within
    /// 2^29 of the count by [`Mark::age`]); only octets received after it can answer it.
    pub(crate) sent_at: u32,
    /// Nothing may follow it until its reply: [`Expect::barrier`], except a USER whose PASS
    /// is queued behind it where the server pipelines (RFC 2449 section 6.6).
    pub(crate) barrier: bool,
}

/// The count of octets received, and the marks compared with it.
pub(crate) struct Mark;

impl Mark {
    /// Marks further back than this are moved up to it: every octet still to be read
    /// arrived after it (the receive buffer is far smaller), and the wrapping comparison
    /// in [`Mark::reached`] stays exact.
    const HORIZON: u32 = 1 << 29;

    /// Whether octets that started arriving at `at` came after `mark`.
    pub(crate) fn reached(at: u32, mark: u32) -> bool {
        at.wrapping_sub(mark) < 1 << 31
    }

    /// Moves `mark` up to within [`Mark::HORIZON`] of `received`.
    pub(crate) fn age(mark: &mut u32, received: u32) {
        if received.wrapping_sub(*mark) > Self::HORIZON {
            *mark = received.wrapping_sub(Self::HORIZON);
        }
    }

    /// Whether a count going from `before` to `after` crossed a multiple of the horizon:
    /// the marks must be aged (they then never fall more than twice the horizon behind).
    pub(crate) fn crossed(before: u32, after: u32) -> bool {
        before / Self::HORIZON != after / Self::HORIZON || after < before
    }
}

#[cfg(test)]
mod tests {
    use super::Mark;

    #[test]
    fn marks_compare_across_the_wrap_of_the_count() {
        assert!(Mark::reached(5, 5));
        assert!(Mark::reached(3, u32::MAX - 2), "after the count wrapped");
        assert!(
            !Mark::reached(u32::MAX - 2, 3),
            "before the mark, across the wrap"
        );
        assert!(!Mark::reached(4, 5));
    }

    #[test]
    fn aged_marks_stay_behind_every_octet_still_to_come() {
        // A pipelined command sent, then gigabytes of an earlier reply: aging keeps the
        // mark within reach, and still before everything received since.
        let mut mark = 1000u32;
        let mut received = 1000u32;
        for _ in 0..20 {
            let before = received;
            received = received.wrapping_add(Mark::HORIZON / 2 + 7);
            if Mark::crossed(before, received) {
                Mark::age(&mut mark, received);
            }
            assert!(Mark::reached(received, mark));
            assert!(Mark::reached(received.wrapping_sub(4096), mark));
        }
    }
}
