//! The application's answers to requests. Each checks that it answers the request in
//! progress, and the server formats the reply.

use core::fmt;

use super::dispatch::{Part, text};
use super::marks::Marks;
use super::{Awaiting, Server, State};
use crate::codec::{EncodeError, RespCode, ScanListing, UidListing};

/// Why the application refuses a request; the `-ERR` carries the matching response code
/// (RFC 2449 section 8, RFC 3206).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Failure {
    /// `[AUTH]`: the credentials are wrong.
    Auth,
    /// `[IN-USE]`: authenticated, but the maildrop is locked by another session.
    InUse,
    /// `[LOGIN-DELAY]`: logged in too recently.
    LoginDelay,
    /// `[SYS/TEMP]`: a passing failure; the client may retry later.
    SysTemp,
    /// `[SYS/PERM]`: a lasting failure; retrying will not help.
    SysPerm,
    /// No code.
    Other,
}

impl Failure {
    /// The text a reply with this failure carries when the application gives none.
    pub const fn text(self) -> &'static [u8] {
        match self {
            Failure::Auth => b"Authentication failed",
            Failure::InUse => b"Maildrop is locked by another session",
            Failure::LoginDelay => b"Logged in too recently",
            Failure::SysTemp => b"Temporary failure, try again later",
            Failure::SysPerm => b"Permanent failure",
            Failure::Other => b"Cannot do that",
        }
    }

    /// Encodes the `-ERR` with this failure's code and `text` into `buf`: for a driver
    /// that refuses a connection before any session starts (too many connections).
    pub fn encode_refusal(self, text: &[u8], buf: &mut [u8]) -> Result<usize, EncodeError> {
        let line = crate::codec::StatusLine::err(text);
        match self.code() {
            Some(code) => line.with_code(code).encode(buf),
            None => line.encode(buf),
        }
    }

    fn code(self) -> Option<RespCode<'static>> {
        match self {
            Failure::Auth => Some(RespCode::AUTH),
            Failure::InUse => Some(RespCode::IN_USE),
            Failure::LoginDelay => Some(RespCode::LOGIN_DELAY),
            Failure::SysTemp => Some(RespCode::SYS_TEMP),
            Failure::SysPerm => Some(RespCode::SYS_PERM),
            Failure::Other => None,
        }
    }
}

/// An answer that does not fit the request in progress. Nothing was sent, and the request
/// stays open: answer it again (with a value that can be sent, or with
/// [`Server::fail`]); it is not reported a second time by `poll_event`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum UsageError {
    /// No request of this kind is waiting for an answer.
    NotExpected,
    /// The output buffer cannot take the answer now: `needed` octets are required. Send
    /// what is pending, then answer again (or build the server with a larger `TX`).
    OutputFull {
        /// Octets the answer needs.
        needed: usize,
    },
    /// The value cannot be sent (a unique-id outside 0x21-0x7E or longer than 70, text with
    /// CR or LF).
    BadValue(EncodeError),
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UsageError::NotExpected => f.write_str("no request is waiting for this answer"),
            UsageError::OutputFull { needed } => {
                write!(f, "output buffer full: the answer needs {needed} octets")
            }
            UsageError::BadValue(e) => write!(f, "value cannot be sent: {e}"),
        }
    }
}

impl core::error::Error for UsageError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            UsageError::BadValue(e) => Some(e),
            _ => None,
        }
    }
}

impl From<EncodeError> for UsageError {
    fn from(e: EncodeError) -> Self {
        match e {
            EncodeError::BufferTooSmall { needed } => UsageError::OutputFull { needed },
            other => UsageError::BadValue(other),
        }
    }
}

impl<const RX: usize, const TX: usize, const W: usize> Server<'_, RX, TX, W> {
    /// The credentials are good and the maildrop is open with `messages` messages (at most
    /// `32 * W` are served).
    /// A refuted SCRAM proof ([`AuthRequest::Refuted`](super::AuthRequest::Refuted)) cannot
    /// be accepted: `NotExpected`.
    pub fn accept_login(&mut self, messages: u32) -> Result<(), UsageError> {
        let core = &mut self.core;
        if core.awaiting != Awaiting::Login || core.refuted() {
            return Err(UsageError::NotExpected);
        }
        core.messages = messages.min(Marks::<W>::CAPACITY);
        core.marks.clear();
        core.user.clear();
        core.bad_commands = 0;
        core.state = State::Transaction;
        core.awaiting = Awaiting::Nothing;
        let t = text(&[
            Part::Str(b"Maildrop has "),
            Part::Num(core.messages.into()),
            Part::Str(b" messages"),
        ]);
        core.ok(&t);
        Ok(())
    }

    /// The login is refused for `failure` (`Failure::Auth` for bad credentials,
    /// `Failure::InUse` for a locked maildrop, ...), with `text` for people.
    pub fn reject_login(&mut self, failure: Failure, text: &[u8]) -> Result<(), UsageError> {
        let core = &mut self.core;
        if core.awaiting != Awaiting::Login {
            return Err(UsageError::NotExpected);
        }
        core.user.clear();
        core.awaiting = Awaiting::Nothing;
        #[cfg(feature = "scram")]
        {
            core.scram.refuted = false;
        }
        core.err(failure.code(), text);
        Ok(())
    }

    /// The size of the message asked for, in octets as served (CRLF line ends, no
    /// stuffing; RFC 1939 section 11). For STAT the core sums the sizes itself.
    pub fn size(&mut self, octets: u64) -> Result<(), UsageError> {
        let core = &mut self.core;
        if let Awaiting::Stat {
            msg,
            count,
            octets: sum,
        } = core.awaiting
        {
            return core.stat_step(msg, count.saturating_add(1), sum.saturating_add(octets));
        }
        let Awaiting::Size { msg, listing } = core.awaiting else {
            return Err(UsageError::NotExpected);
        };
        let scan = ScanListing { msg, size: octets };
        let written = if listing {
            core.tx.push(|b| scan.encode(b))
        } else {
            core.tx.push(|b| scan.encode_reply(b))
        };
        written.map_err(UsageError::from)?;
        core.awaiting = if listing {
            Awaiting::Listing {
                next: msg + 1,
                uid: false,
            }
        } else {
            Awaiting::Nothing
        };
        Ok(())
    }

    /// The unique-id of the message asked for: 1 to 70 octets in 0x21-0x7E, the same in
    /// every session.
    pub fn uid(&mut self, uid: &[u8]) -> Result<(), UsageError> {
        let core = &mut self.core;
        let Awaiting::Uid { msg, listing } = core.awaiting else {
            return Err(UsageError::NotExpected);
        };
        let item = UidListing { msg, uid };
        let written = if listing {
            core.tx.push(|b| item.encode(b))
        } else {
            core.tx.push(|b| item.encode_reply(b))
        };
        written.map_err(UsageError::from)?;
        core.awaiting = if listing {
            Awaiting::Listing {
                next: msg + 1,
                uid: true,
            }
        } else {
            Awaiting::Nothing
        };
        Ok(())
    }

    /// The request cannot be served (a message that vanished, a storage error): `-ERR`
    /// with `failure`'s code. In a LIST or UIDL listing the message is left out instead.
    /// A message whose first octets went out can no longer fail this way.
    pub fn fail(&mut self, failure: Failure, text: &[u8]) -> Result<(), UsageError> {
        let core = &mut self.core;
        core.awaiting = match core.awaiting {
            Awaiting::Size { msg, listing: true } => Awaiting::Listing {
                next: msg + 1,
                uid: false,
            },
            Awaiting::Uid { msg, listing: true } => Awaiting::Listing {
                next: msg + 1,
                uid: true,
            },
            Awaiting::Stat { .. }
            | Awaiting::Size { .. }
            | Awaiting::Uid { .. }
            | Awaiting::Body { started: false, .. } => {
                core.err(failure.code(), text);
                Awaiting::Nothing
            }
            _ => return Err(UsageError::NotExpected),
        };
        Ok(())
    }

    /// Streams octets of the message asked for: dot-stuffed, bare LF turned into CRLF, and
    /// for TOP cut after the requested lines. Returns how many octets were taken; fewer
    /// than offered when the output buffer is full (transmit, then offer the rest).
    pub fn send_body(&mut self, chunk: &[u8]) -> Result<usize, UsageError> {
        let core = &mut self.core;
        let Awaiting::Body {
            mut stuffer,
            mut top,
            mut started,
        } = core.awaiting
        else {
            return Err(UsageError::NotExpected);
        };
        if !started {
            if core.tx.room() < 64 {
                return Ok(0);
            }
            core.ok(b"Message follows");
            started = true;
        }
        let wanted = match top {
            Some(cut) if cut.done() => {
                core.awaiting = Awaiting::Body {
                    stuffer,
                    top,
                    started,
                };
                return Ok(chunk.len());
            }
            Some(mut cut) => cut.allow(chunk),
            None => chunk.len(),
        };
        let part = chunk.get(..wanted).unwrap_or_default();
        let stuffed = stuffer.encode(part, core.tx.free());
        core.tx.push_written(stuffed.written);
        let mut taken = stuffed.consumed;
        if let Some(cut) = top.as_mut() {
            cut.allow(part.get(..taken).unwrap_or_default());
            if cut.done() {
                // The rest of the message is not part of TOP's reply.
                taken = chunk.len();
            }
        }
        core.awaiting = Awaiting::Body {
            stuffer,
            top,
            started,
        };
        Ok(taken)
    }

    /// True while the message asked for still wants octets (false once TOP has its lines).
    pub fn body_wanted(&self) -> bool {
        matches!(self.core.awaiting, Awaiting::Body { top, .. } if !top.is_some_and(|t| t.done()))
    }

    /// The message is complete: the terminator goes out.
    pub fn end_body(&mut self) -> Result<(), UsageError> {
        let core = &mut self.core;
        let Awaiting::Body {
            mut stuffer,
            started,
            ..
        } = core.awaiting
        else {
            return Err(UsageError::NotExpected);
        };
        if core.tx.room() < 64 {
            return Err(UsageError::OutputFull { needed: 64 });
        }
        if !started {
            core.ok(b"Message follows");
        }
        let n = stuffer.finish(core.tx.free()).map_err(UsageError::from)?;
        core.tx.push_written(n);
        core.awaiting = Awaiting::Nothing;
        Ok(())
    }

    /// UPDATE is done: `Ok` when every marked message was removed, otherwise the failure
    /// (RFC 1939: "-ERR some deleted messages not removed"). The session then closes.
    pub fn update_done(&mut self, result: Result<(), Failure>) -> Result<(), UsageError> {
        let core = &mut self.core;
        if core.awaiting != Awaiting::Update {
            return Err(UsageError::NotExpected);
        }
        match result {
            Ok(()) => {
                let t = text(&[
                    Part::Str(b"Logging out, "),
                    Part::Num(core.marks.marked().count().into()),
                    Part::Str(b" messages deleted"),
                ]);
                core.ok(&t);
            }
            Err(failure) => core.err(failure.code(), b"Some deleted messages not removed"),
        }
        core.close(result.is_ok());
        Ok(())
    }

    /// The TLS handshake after [`Request::StartTls`](super::Request::StartTls) succeeded:
    /// the session starts over in AUTHORIZATION with nothing kept from before
    /// (RFC 2595 section 4, RFC 5034 section 4).
    pub fn tls_established(&mut self) -> Result<(), UsageError> {
        let core = &mut self.core;
        if core.awaiting != Awaiting::TlsHandshake {
            return Err(UsageError::NotExpected);
        }
        core.tls = true;
        core.state = State::Authorization;
        core.awaiting = Awaiting::Nothing;
        core.user.clear();
        core.sasl_reset();
        core.utf8 = false;
        core.bad_commands = 0;
        core.framer.reset();
        core.last_activity = core.now;
        Ok(())
    }
}
