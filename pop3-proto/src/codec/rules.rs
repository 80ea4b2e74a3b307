//! The rules both sides read from one table: which commands each session state allows
//! (RFC 1939 sections 3-6, RFC 2449 section 5, RFC 2595 section 4, RFC 5034 section 4,
//! RFC 6856 sections 2-3) and which replies are multi-line. The client checks its own
//! commands against them, the server the commands it receives.

use super::framer::Mode;

/// Which command a line is, without its arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[allow(missing_docs)]
pub enum CommandKind {
    User,
    Pass,
    Apop,
    Stat,
    List,
    Retr,
    Dele,
    Noop,
    Rset,
    Quit,
    Top,
    Uidl,
    Capa,
    Stls,
    Auth,
    Utf8,
    Lang,
}

/// The session states in which commands are accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Phase {
    /// AUTHORIZATION: before login (and again after STLS).
    Authorization,
    /// TRANSACTION: the maildrop is open.
    Transaction,
}

impl CommandKind {
    /// Every command, in the order of RFC 1939 and then the extensions.
    pub const ALL: [CommandKind; 17] = [
        CommandKind::User,
        CommandKind::Pass,
        CommandKind::Apop,
        CommandKind::Stat,
        CommandKind::List,
        CommandKind::Retr,
        CommandKind::Dele,
        CommandKind::Noop,
        CommandKind::Rset,
        CommandKind::Quit,
        CommandKind::Top,
        CommandKind::Uidl,
        CommandKind::Capa,
        CommandKind::Stls,
        CommandKind::Auth,
        CommandKind::Utf8,
        CommandKind::Lang,
    ];

    /// The keyword, upper case, as sent.
    pub const fn keyword(self) -> &'static str {
        match self {
            CommandKind::User => "USER",
            CommandKind::Pass => "PASS",
            CommandKind::Apop => "APOP",
            CommandKind::Stat => "STAT",
            CommandKind::List => "LIST",
            CommandKind::Retr => "RETR",
            CommandKind::Dele => "DELE",
            CommandKind::Noop => "NOOP",
            CommandKind::Rset => "RSET",
            CommandKind::Quit => "QUIT",
            CommandKind::Top => "TOP",
            CommandKind::Uidl => "UIDL",
            CommandKind::Capa => "CAPA",
            CommandKind::Stls => "STLS",
            CommandKind::Auth => "AUTH",
            CommandKind::Utf8 => "UTF8",
            CommandKind::Lang => "LANG",
        }
    }

    /// True when the command may be issued in `phase`.
    pub const fn allowed_in(self, phase: Phase) -> bool {
        use CommandKind::*;
        match self {
            // RFC 2449 section 5 (CAPA), RFC 1939 section 6 (QUIT in both), RFC 6856
            // section 3 (LANG in both).
            Quit | Capa | Lang => true,
            // Login, and what may only precede it: STLS (RFC 2595 section 4), UTF8 (RFC
            // 6856 section 2).
            User | Pass | Apop | Auth | Stls | Utf8 => matches!(phase, Phase::Authorization),
            Stat | List | Retr | Dele | Noop | Rset | Top | Uidl => {
                matches!(phase, Phase::Transaction)
            }
        }
    }

    /// True for the commands whose `-ERR` is a refused login (RFC 1939 section 7, RFC
    /// 5034 section 4): the session stays in AUTHORIZATION.
    pub const fn is_login(self) -> bool {
        matches!(
            self,
            CommandKind::User | CommandKind::Pass | CommandKind::Apop | CommandKind::Auth
        )
    }

    /// How a `+OK` reply to this command continues: `None` for a single line, otherwise
    /// the framing of the lines that follow. `with_argument` tells `LIST n` from `LIST`,
    /// `UIDL n` from `UIDL` and `LANG tag` from `LANG` (RFC 1939 section 5, RFC 6856
    /// section 3). Replies do not say it; the reader must know.
    pub const fn multiline_reply(self, with_argument: bool) -> Option<Mode> {
        match self {
            CommandKind::List | CommandKind::Uidl | CommandKind::Lang if !with_argument => {
                Some(Mode::Listing)
            }
            CommandKind::Capa => Some(Mode::Listing),
            CommandKind::Retr | CommandKind::Top => Some(Mode::Body),
            _ => None,
        }
    }
}

impl core::fmt::Display for CommandKind {
    /// The keyword, as in "the server refused RETR".
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.keyword())
    }
}
