//! Reading commands: each line is parsed, checked against the session state and the
//! configuration, and either answered here or turned into a request for the application.

use heapless::Vec;

use super::capa::{self, CapaState};
use super::top::TopCut;
use super::{Ask, Awaiting, Core, Src, State, UsageError};
use crate::codec::{
    Command, Frame, FrameError, ParseErrorKind, Phase, RespCode, Stat, StatusLine, Stuffer,
    lex::decimal,
};

/// A reply text of a few parts, numbers among them.
pub(crate) type Text = Vec<u8, 128>;

/// Builds a reply text from `parts`, numbers formatted in decimal.
pub(crate) fn text(parts: &[Part<'_>]) -> Text {
    let mut t = Text::new();
    for part in parts {
        let mut digits = [0u8; 20];
        let bytes = match *part {
            Part::Str(s) => s,
            Part::Num(n) => decimal(n, &mut digits),
        };
        let room = t.capacity() - t.len();
        let _ = t.extend_from_slice(bytes.get(..room.min(bytes.len())).unwrap_or_default());
    }
    t
}

/// A piece of a reply text.
pub(crate) enum Part<'a> {
    Str(&'a [u8]),
    Num(u64),
}

/// The position of `sub` (a slice of `line`) in the receive buffer.
pub(crate) fn at(line: &[u8], sub: &[u8], line_at: usize) -> Src {
    let start = (sub.as_ptr() as usize).saturating_sub(line.as_ptr() as usize);
    Src::Rx(line_at + start, line_at + start + sub.len())
}

impl<const RX: usize, const TX: usize, const W: usize> Core<'_, RX, TX, W> {
    pub(super) fn ok(&mut self, text: &[u8]) {
        let _ = self.tx.push(|b| StatusLine::ok(text).encode(b));
    }

    pub(super) fn err(&mut self, code: Option<RespCode<'_>>, text: &[u8]) {
        let line = StatusLine::err(text);
        let line = match code {
            Some(code) => line.with_code(code),
            None => line,
        };
        let _ = self.tx.push(|b| line.encode(b));
    }

    /// A bad command: `-ERR`, counted; past the limit the session closes (Dovecot's rule).
    fn bad(&mut self, reason: &[u8]) -> Option<Ask> {
        self.err(None, reason);
        self.bad_commands = self.bad_commands.saturating_add(1);
        let limit = match self.state {
            State::Transaction => self.config.max_bad_commands,
            _ => self.config.max_bad_commands_before_login,
        };
        if self.bad_commands > limit {
            self.err(None, b"Too many bad commands");
            self.close(false);
            return self.owed.take();
        }
        None
    }

    /// A line past the limit is arriving: say so and close.
    pub(super) fn overlong(&mut self) {
        self.sasl_reset();
        self.err(None, b"Input line too long");
        self.close(false);
    }

    fn cleartext_ok(&self) -> bool {
        self.tls || self.config.allow_cleartext_passwords
    }

    pub(super) fn on_frame(&mut self, frame: Frame<'_>, line_at: usize) -> Option<Ask> {
        self.last_activity = self.now;
        match frame {
            Frame::Line(line) if self.sasl.active() => self.on_sasl_line(line),
            Frame::Line(line) => match Command::parse(line) {
                Ok(cmd) => self.on_command(cmd, line, line_at),
                Err(e) => {
                    let reason: &[u8] = match e.kind {
                        ParseErrorKind::UnknownCommand => b"Unknown command",
                        kind => kind.reason().as_bytes(),
                    };
                    self.bad(reason)
                }
            },
            Frame::Error(e) => {
                self.sasl_reset();
                match e {
                    FrameError::LineTooLong { .. } => self.bad(b"Input line too long"),
                    _ => self.bad(b"Lines must end in CRLF"),
                }
            }
            Frame::Chunk(_) | Frame::End => None,
        }
    }

    /// Checks that `msg` may be referenced (RFC 1939 section 5).
    fn message(&mut self, msg: u32) -> Option<u32> {
        if msg > self.messages {
            let t = text(&[Part::Str(b"There's no message "), Part::Num(msg.into())]);
            self.err(None, &t);
            return None;
        }
        if self.marks.is_marked(msg) {
            let t = text(&[
                Part::Str(b"Message "),
                Part::Num(msg.into()),
                Part::Str(b" is deleted"),
            ]);
            self.err(None, &t);
            return None;
        }
        Some(msg)
    }

    fn on_command(&mut self, cmd: Command<'_>, line: &[u8], line_at: usize) -> Option<Ask> {
        let phase = match self.state {
            State::Authorization => Phase::Authorization,
            State::Transaction => Phase::Transaction,
            State::TlsHandshake | State::Closed => return None,
        };
        if !cmd.kind().allowed_in(phase) {
            return self.bad(b"Command not valid in this state");
        }
        let authorization = phase == Phase::Authorization;
        let transaction = phase == Phase::Transaction;
        match cmd {
            Command::Capa => {
                let s = CapaState {
                    tls: self.tls,
                    authorization,
                    utf8_active: self.utf8,
                    scram: self.scram_offered(),
                };
                let _ = capa::write(&mut self.tx, &self.config, &s);
                None
            }
            Command::Quit if transaction => {
                self.awaiting = Awaiting::Update;
                Some(Ask::Update)
            }
            Command::Quit => {
                self.ok(b"Logging out");
                self.close(false);
                self.owed.take()
            }
            Command::User(name) => {
                if !self.cleartext_ok() {
                    self.err(
                        Some(RespCode::AUTH),
                        b"Plaintext authentication disallowed without TLS",
                    );
                    return None;
                }
                self.user.clear();
                let _ = self.user.extend_from_slice(name);
                self.ok(b"Send PASS");
                None
            }
            Command::Pass(password) => {
                if self.user.is_empty() {
                    return self.bad(b"USER first");
                }
                if !self.cleartext_ok() {
                    self.err(
                        Some(RespCode::AUTH),
                        b"Plaintext authentication disallowed without TLS",
                    );
                    return None;
                }
                self.awaiting = Awaiting::Login;
                let password = at(line, password.expose(), line_at);
                Some(Ask::Password {
                    user: Src::User,
                    password,
                    authzid: Src::Empty,
                })
            }
            Command::Apop { name, digest } => {
                if !self.config.apop || self.timestamp.is_empty() {
                    self.err(None, b"APOP not available");
                    return None;
                }
                self.awaiting = Awaiting::Login;
                let user = at(line, name, line_at);
                let digest = at(line, digest.expose(), line_at);
                Some(Ask::Apop { user, digest })
            }
            Command::Auth {
                mechanism,
                initial_response,
            } => self.start_sasl(mechanism, initial_response.map(|r| *r.expose())),
            Command::Stls => {
                if !self.config.stls {
                    self.err(None, b"TLS support isn't enabled");
                } else if self.tls {
                    self.err(None, b"TLS is already active");
                } else if self.utf8 {
                    self.err(None, b"STLS is not allowed after UTF8");
                } else {
                    self.ok(b"Begin TLS negotiation now");
                    self.state = State::TlsHandshake;
                    self.awaiting = Awaiting::TlsHandshake;
                    self.discard_input = true;
                    return Some(Ask::StartTls);
                }
                None
            }
            Command::Utf8 => {
                if self.config.utf8 {
                    self.utf8 = true;
                    self.ok(b"UTF8 enabled");
                } else {
                    self.err(None, b"UTF8 not supported");
                }
                None
            }
            // RFC 6856 section 3: English is the one language of this server's texts.
            Command::Lang(_) if !self.config.lang => {
                self.err(None, b"LANG not supported");
                None
            }
            Command::Lang(None) => {
                self.ok(b"Language listing follows");
                let _ = self.tx.push_bytes(b"en English\r\n");
                let _ = self.tx.push_bytes(crate::codec::END_OF_MULTILINE);
                None
            }
            Command::Lang(Some(range)) => {
                // Basic filtering (RFC 4647 section 3.3.1): `*`, or `en` itself.
                if range == b"*" || range.eq_ignore_ascii_case(b"en") {
                    self.ok(b"en Language is English");
                } else {
                    self.err(
                        None,
                        b"Unsupported language; the server speaks English (en)",
                    );
                }
                None
            }
            Command::Stat => {
                let _ = self.stat_step(0, 0, 0);
                self.owed.take()
            }
            Command::List(None) => {
                self.ok(b"Scan listing follows");
                self.awaiting = Awaiting::Listing {
                    next: 1,
                    uid: false,
                };
                None
            }
            Command::Uidl(None) => {
                self.ok(b"Unique-id listing follows");
                self.awaiting = Awaiting::Listing { next: 1, uid: true };
                None
            }
            Command::List(Some(n)) => {
                let msg = self.message(n)?;
                self.awaiting = Awaiting::Size {
                    msg,
                    listing: false,
                };
                Some(Ask::Size(msg))
            }
            Command::Uidl(Some(n)) => {
                let msg = self.message(n)?;
                self.awaiting = Awaiting::Uid {
                    msg,
                    listing: false,
                };
                Some(Ask::Uid(msg))
            }
            Command::Retr(n) => {
                let msg = self.message(n)?;
                self.awaiting = Awaiting::Body {
                    stuffer: Stuffer::new(),
                    top: None,
                    started: false,
                };
                Some(Ask::Retrieve { msg, lines: None })
            }
            Command::Top { msg, lines } => {
                let msg = self.message(msg)?;
                let top = Some(TopCut::new(lines));
                self.awaiting = Awaiting::Body {
                    stuffer: Stuffer::new(),
                    top,
                    started: false,
                };
                Some(Ask::Retrieve {
                    msg,
                    lines: Some(lines),
                })
            }
            Command::Dele(n) => {
                let msg = self.message(n)?;
                self.marks.mark(msg);
                let t = text(&[
                    Part::Str(b"Message "),
                    Part::Num(msg.into()),
                    Part::Str(b" marked to be deleted"),
                ]);
                self.ok(&t);
                None
            }
            Command::Noop => {
                self.ok(b"");
                None
            }
            Command::Rset => {
                self.marks.clear();
                let t = text(&[
                    Part::Str(b"Maildrop has "),
                    Part::Num(self.messages.into()),
                    Part::Str(b" messages"),
                ]);
                self.ok(&t);
                None
            }
        }
    }

    /// STAT, after the size of message `done` (0: none yet) brought the totals of the
    /// messages not marked to `count` and `octets`: asks for the next size (as an owed
    /// request), or sends the totals when none is left.
    pub(super) fn stat_step(
        &mut self,
        done: u32,
        count: u32,
        octets: u64,
    ) -> Result<(), UsageError> {
        let next = (done.saturating_add(1)..=self.messages).find(|&m| !self.marks.is_marked(m));
        match next {
            Some(msg) => {
                self.awaiting = Awaiting::Stat { msg, count, octets };
                self.owed = Some(Ask::Size(msg));
            }
            None => {
                self.tx
                    .push(|b| {
                        Stat {
                            count,
                            size: octets,
                        }
                        .encode(b)
                    })
                    .map_err(UsageError::from)?;
                self.awaiting = Awaiting::Nothing;
            }
        }
        Ok(())
    }

    /// The next line of a LIST or UIDL listing, from message `next` on.
    pub(super) fn next_listing(&mut self, next: u32, uid: bool) -> Option<Ask> {
        let found = (next..=self.messages).find(|&m| !self.marks.is_marked(m));
        match found {
            Some(msg) if uid => {
                self.awaiting = Awaiting::Uid { msg, listing: true };
                Some(Ask::Uid(msg))
            }
            Some(msg) => {
                self.awaiting = Awaiting::Size { msg, listing: true };
                Some(Ask::Size(msg))
            }
            None => {
                let _ = self.tx.push_bytes(crate::codec::END_OF_MULTILINE);
                self.awaiting = Awaiting::Nothing;
                None
            }
        }
    }
}
