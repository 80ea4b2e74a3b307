//! Reading replies: each frame of the server's stream becomes an event, read according to
//! the command at the head of the in-flight queue, and moves the session along.

use super::config::Security;
use super::error::Error;
use super::event::{CommandKind, Event, LineError};
use super::queue::{Expect, Mark, Pending};
use super::state::State;
use super::{Owed, Session};
use crate::codec::{
    Capability, Continuation, Frame, Greeting, Mode, ScanListing, Stat, StatusLine, UidListing,
};
use crate::sasl;

impl<const TX: usize, const Q: usize> Session<TX, Q> {
    /// Turns one frame into at most one event. `after` is what the input holds past it.
    /// `at` is where the frame starts, in octets received (modulo 2^32).
    pub(super) fn on_frame<'s>(
        &mut self,
        frame: Frame<'s>,
        at: u32,
        after: &'s [u8],
    ) -> Result<Option<Event<'s>>, Error> {
        let mode = self.framer.mode();
        match frame {
            Frame::Line(line) if mode == Mode::Line => self.on_status_line(line, at, after),
            Frame::Line(line) => Ok(self.on_listing_line(line)),
            Frame::Chunk(data) => Ok(self.head().map(|p| Event::Body { id: p.id, data })),
            Frame::End => Ok(self.on_end()?),
            Frame::Error(e) if mode == Mode::Line => Err(Error::BadFraming(e)),
            Frame::Error(e) => Ok(self.head().map(|p| Event::BadLine {
                id: p.id,
                command: p.expect.kind(),
                line: &[],
                error: LineError::Frame(e),
            })),
        }
    }

    fn head(&self) -> Option<Pending> {
        self.queue.front().copied().filter(|p| p.released)
    }

    /// Records, for each command whose octets have all been acknowledged as sent, how
    /// much had been received by then. The output holds only queued commands, in order
    /// (and the SASL lines of the head, which nothing may follow), so a command is out
    /// when no more than what is queued behind it is still unsent.
    pub(super) fn mark_sent(&mut self) {
        let mut behind = 0usize;
        let unsent = self.tx.unsent();
        let received = self.received;
        for p in self.queue.iter_mut().rev() {
            if behind >= unsent && p.released && !p.sent {
                p.sent = true;
                p.sent_at = received;
            }
            behind += usize::from(p.len);
        }
    }

    /// Whether octets that started arriving at `at` (counted since the connection opened)
    /// may begin the reply to the head of the queue: it had gone out whole by then. A
    /// server cannot answer a command it has not received; octets that arrived before are
    /// forged or left over from an earlier reply (RFC 1939 section 3, RFC 2449 section
    /// 6.6), and must never be read as this reply.
    fn answerable(&self, at: u32) -> Result<Pending, Error> {
        match self.head() {
            None => Err(Error::UnsolicitedLine),
            Some(head) if head.sent && Mark::reached(at, head.sent_at) => Ok(head),
            Some(_) => Err(Error::ReplyBeforeCommand),
        }
    }

    /// Keeps the marks of commands sent within reach of the count of octets received.
    pub(super) fn age_marks(&mut self) {
        let received = self.received;
        for p in self.queue.iter_mut().filter(|p| p.sent) {
            Mark::age(&mut p.sent_at, received);
        }
    }

    /// Octets left over at `at` once no frame can be read: the start of a line. Between
    /// replies it must be the start of the reply to a command already out; otherwise it
    /// would be read later as the reply to a command not sent when it arrived.
    pub(super) fn check_leftover(&self, leftover: Option<u32>) -> Result<(), Error> {
        let between_replies = matches!(self.state, State::Authorization | State::Transaction)
            && self.framer.mode() == Mode::Line;
        match leftover {
            Some(at) if between_replies => self.answerable(at).map(|_| ()),
            _ => Ok(()),
        }
    }

    fn tls_required(&self) -> bool {
        !self.tls && self.config.security == Security::RequireTls
    }

    fn on_status_line<'s>(
        &mut self,
        line: &'s [u8],
        at: u32,
        after: &'s [u8],
    ) -> Result<Option<Event<'s>>, Error> {
        if self.state == State::Greeting {
            return self.on_greeting(line).map(Some);
        }
        let head = self.answerable(at)?;
        let status = match StatusLine::parse(line, self.config.strictness) {
            Ok(status) => status,
            Err(e) => {
                if let Expect::Auth { .. } = head.expect
                    && line.first() == Some(&b'+')
                {
                    return self.on_challenge(head, line).map(Some);
                }
                return Err(Error::BadStatusLine(e));
            }
        };
        let (id, command) = (head.id, head.expect.kind());
        if status.is_ok()
            && let Some(mode) = head.expect.multiline()
        {
            if head.expect == Expect::Capa {
                self.caps.begin();
            }
            self.framer.set_mode(mode);
            return Ok(Some(Event::Reply {
                id,
                command,
                line: status,
            }));
        }
        self.queue.pop_front();
        // The next reply in a pipeline is due from now.
        self.due_now();
        self.awaiting_challenge = false;
        let command = head.expect.kind();
        let bad = |error| Event::BadLine {
            id,
            command,
            line,
            error: LineError::Parse(error),
        };
        let event = match (head.expect, status.is_ok()) {
            (Expect::Stat, true) => {
                Stat::parse(status.text).map_or_else(bad, |stat| Event::Stat { id, stat })
            }
            (Expect::ListOne, true) => ScanListing::parse(status.text)
                .map_or_else(bad, |listing| Event::ScanListing { id, listing }),
            (Expect::UidlOne, true) => UidListing::parse(status.text)
                .map_or_else(bad, |listing| Event::UidListing { id, listing }),
            (Expect::Stls, true) => {
                if !after.is_empty() {
                    return Err(Error::ResponseInjection);
                }
                self.state = State::TlsHandshake;
                self.caps.clear();
                self.due_now();
                Event::TlsReady { id }
            }
            (Expect::Stls | Expect::Capa, false) if self.tls_required() => {
                return Err(Error::TlsUnavailable);
            }
            (expect, ok) => {
                #[cfg(feature = "scram")]
                if let (
                    Expect::Auth {
                        mech: sasl::Mech::ScramSha256,
                        ..
                    },
                    true,
                ) = (expect, ok)
                    && !self.scram.verified()
                {
                    return Err(Error::ServerUnverified);
                }
                self.after_status(expect, ok);
                Event::Reply {
                    id,
                    command,
                    line: status,
                }
            }
        };
        self.release();
        Ok(Some(event))
    }

    /// What a plain status reply changes.
    fn after_status(&mut self, expect: Expect, ok: bool) {
        match (expect, ok) {
            (Expect::User, ok) => self.user_accepted = ok,
            (Expect::Pass | Expect::Apop | Expect::Auth { .. }, ok) => {
                self.user_accepted = false;
                self.challenge.clear();
                if ok {
                    self.state = State::Transaction;
                }
            }
            (Expect::Quit, _) => {
                let update = self.state == State::Transaction;
                self.state = State::Closed;
                self.owed = Some(Owed::Closed { update });
            }
            (Expect::Utf8, true) => self.utf8 = true,
            _ => {}
        }
    }

    fn on_greeting<'s>(&mut self, line: &'s [u8]) -> Result<Event<'s>, Error> {
        let greeting =
            Greeting::parse(line, self.config.strictness).map_err(Error::BadStatusLine)?;
        self.timestamp.clear();
        if let Some(ts) = greeting.timestamp {
            // A timestamp too long to keep just means no APOP.
            let _ = self.timestamp.extend_from_slice(ts.as_bytes());
        }
        if greeting.is_ok() {
            self.state = State::Authorization;
        } else {
            self.state = State::Closed;
            self.owed = Some(Owed::Closed { update: false });
        }
        Ok(Event::Greeting(greeting))
    }

    fn on_challenge<'s>(&mut self, head: Pending, line: &'s [u8]) -> Result<Event<'s>, Error> {
        let Expect::Auth { mech, step } = head.expect else {
            return Err(Error::UnsolicitedLine);
        };
        self.challenge.clear();
        let decoded = Continuation::parse(line).ok().and_then(|c| {
            let mut raw = [0u8; 512];
            let text = sasl::b64::decode(c.data, &mut raw)?;
            self.challenge.extend_from_slice(text).ok()?;
            Some(c)
        });
        #[cfg(feature = "scram")]
        let decoded = match decoded {
            Some(c) if mech == sasl::Mech::ScramSha256 => {
                // Checked before the application sees it: an impostor ends the session.
                self.scram
                    .check_challenge(step, &self.challenge)?
                    .then_some(c)
            }
            other => other,
        };
        #[cfg(not(feature = "scram"))]
        let _ = (mech, step);
        match decoded {
            Some(c) => {
                self.awaiting_challenge = true;
                Ok(Event::SaslChallenge {
                    id: head.id,
                    data: c.data,
                })
            }
            None => {
                // RFC 5034 section 4: a challenge that does not decode is cancelled; so is
                // a SCRAM message that is malformed or reports an error.
                self.send_sasl_cancel().map_err(|_| Error::OutputFull)?;
                Ok(Event::BadLine {
                    id: head.id,
                    command: CommandKind::Auth,
                    line,
                    error: LineError::BadChallenge,
                })
            }
        }
    }

    fn on_listing_line<'s>(&mut self, line: &'s [u8]) -> Option<Event<'s>> {
        let head = self.head()?;
        let id = head.id;
        let command = head.expect.kind();
        let bad = |error| Event::BadLine {
            id,
            command,
            line,
            error: LineError::Parse(error),
        };
        Some(match head.expect {
            Expect::ListAll => ScanListing::parse(line)
                .map_or_else(bad, |listing| Event::ScanListing { id, listing }),
            Expect::UidlAll => UidListing::parse(line)
                .map_or_else(bad, |listing| Event::UidListing { id, listing }),
            Expect::Capa => match Capability::parse(line) {
                Ok(capability) => {
                    self.caps.add(&capability);
                    Event::Capability { id, capability }
                }
                Err(e) => bad(e),
            },
            _ => {
                let (tag, description) = match line.iter().position(|&b| b == b' ') {
                    Some(sp) => (
                        line.get(..sp).unwrap_or_default(),
                        line.get(sp + 1..).unwrap_or_default(),
                    ),
                    None => (line, &[][..]),
                };
                Event::Language {
                    id,
                    tag,
                    description,
                }
            }
        })
    }

    fn on_end<'s>(&mut self) -> Result<Option<Event<'s>>, Error> {
        let Some(head) = self.head() else {
            return Err(Error::UnsolicitedLine);
        };
        self.queue.pop_front();
        // The next reply in a pipeline is due from now.
        self.due_now();
        if head.expect == Expect::Capa
            && self.state == State::Authorization
            && self.tls_required()
            && !self.caps.stls()
        {
            // STLS stripped from CAPA, or never offered: no silent fallback.
            return Err(Error::TlsUnavailable);
        }
        self.release();
        Ok(Some(Event::End { id: head.id }))
    }
}
