//! The command methods: each is checked against the session state and the security policy,
//! encoded into the output buffer, and queued; the pipelining rules decide when it goes.

use super::Session;
use super::config::Security;
use super::error::UsageError;
use super::event::{CommandId, CommandKind};
use super::queue::{Expect, Pending};
use super::state::State;
use crate::apop::ApopDigest;
use crate::codec::out::Out;
use crate::codec::{COMMAND_LINE_LIMIT, Command, EncodeError, Mechanism, Phase, Timestamp};
use crate::sasl::b64::{Base64Writer, encoded_len};
use crate::sasl::{self, Answer, Credentials, Mech};
use crate::secret::Secret;

impl<const TX: usize, const Q: usize> Session<TX, Q> {
    /// Checks that `kind` may be issued now.
    fn check(&self, kind: CommandKind) -> Result<(), UsageError> {
        if self.poisoned.is_some() || self.state == State::Closed {
            return Err(UsageError::Closed);
        }
        if let Some(p) = self.queue.iter().find(|p| p.barrier)
            && !(kind == CommandKind::Pass && self.pass_may_follow())
        {
            return Err(UsageError::AwaitingReply {
                command: p.expect.kind(),
            });
        }
        let allowed = match self.state {
            State::Authorization => kind.allowed_in(Phase::Authorization),
            State::Transaction => kind.allowed_in(Phase::Transaction),
            State::Greeting | State::TlsHandshake | State::Closed => false,
        };
        if !allowed {
            return Err(UsageError::WrongState {
                command: kind,
                state: self.state,
            });
        }
        if self.queue.is_full() {
            return Err(UsageError::QueueFull);
        }
        Ok(())
    }

    /// Checks that credentials may be sent (RFC 2595 section 2.3; the policy).
    fn check_secure(&self) -> Result<(), UsageError> {
        match (self.tls, self.config.security) {
            (true, _) | (false, Security::AllowCleartext) => Ok(()),
            (false, Security::RequireTls) => Err(UsageError::TlsRequired),
            (false, Security::Opportunistic) if self.caps.stls() => Err(UsageError::TlsRequired),
            (false, Security::Opportunistic) => Ok(()),
        }
    }

    /// Encodes a command with `encode`, queues it as `expect`, and releases what may go.
    fn issue(
        &mut self,
        expect: Expect,
        encode: impl FnMut(&mut [u8]) -> Result<usize, EncodeError>,
    ) -> Result<CommandId, UsageError> {
        self.check(expect.kind())?;
        let len = self.tx.append(encode)?;
        let len = u16::try_from(len).unwrap_or(u16::MAX);
        let id = CommandId(self.next_id);
        let pending = Pending {
            id,
            expect,
            len,
            released: false,
            sent: false,
            sent_at: 0,
            barrier: expect.barrier(),
        };
        if self.queue.push_back(pending).is_err() {
            // check() saw room; keep the buffer consistent all the same.
            return Err(UsageError::QueueFull);
        }
        self.next_id = self.next_id.wrapping_add(1);
        self.release();
        Ok(id)
    }

    fn command(&mut self, expect: Expect, cmd: Command<'_>) -> Result<CommandId, UsageError> {
        self.issue(expect, |buf| cmd.encode(buf))
    }

    /// Lets queued commands onto the wire: all of them up to the first barrier when the
    /// server pipelines (RFC 2449 section 6.6), otherwise one at a time.
    pub(super) fn release(&mut self) {
        if !matches!(self.state, State::Authorization | State::Transaction) {
            return;
        }
        let pipelining = self.pipelines();
        let mut awaiting = false;
        for p in self.queue.iter_mut() {
            if p.released {
                if p.barrier || !pipelining {
                    return;
                }
                awaiting = true;
                continue;
            }
            if awaiting && !pipelining {
                return;
            }
            if !awaiting {
                // The reply timers start when something is due.
                self.last_activity = self.now;
                self.due_since = self.now;
            }
            p.released = true;
            self.tx.release(usize::from(p.len));
            awaiting = true;
            if p.barrier || !pipelining {
                return;
            }
        }
    }

    /// True when commands may go ahead of their predecessors' replies: the server offers
    /// PIPELINING and the configuration allows it.
    pub fn pipelines(&self) -> bool {
        self.caps.pipelining() && self.config.pipelining
    }

    /// Writes a SASL line made by `write` and lets it go at once: nothing else can be
    /// queued behind an AUTH, so it is next on the wire.
    fn send_sasl_line(&mut self, write: impl Fn(&mut Out<'_>)) -> Result<(), UsageError> {
        let len = self.tx.append(|buf| {
            let mut out = Out::new(buf);
            write(&mut out);
            out.put(b"\r\n");
            out.finish()
        })?;
        self.tx.release(len);
        self.due_now();
        // The server's next line answers this one: it counts from when this is out.
        if let Some(head) = self.queue.front_mut() {
            head.sent = false;
        }
        Ok(())
    }

    /// Cancels the SASL exchange with `*` (RFC 5034 section 4).
    pub(super) fn send_sasl_cancel(&mut self) -> Result<(), UsageError> {
        self.awaiting_challenge = false;
        self.send_sasl_line(|out| out.put(b"*"))
    }
}

impl<const TX: usize, const Q: usize> Session<TX, Q> {
    /// `USER name` (RFC 1939 section 7). Then [`Session::pass`] once the server accepts it.
    pub fn user(&mut self, name: &[u8]) -> Result<CommandId, UsageError> {
        self.check(CommandKind::User)?;
        self.check_secure()?;
        self.command(Expect::User, Command::User(name))
    }

    /// `PASS password`, after a USER the server accepted, or right behind a USER still
    /// in flight where the server pipelines (RFC 2449 section 6.6 names USER and PASS as
    /// a batch): that saves the login a round trip, and a refused USER makes the server
    /// refuse the PASS too. Spaces are sent as they are.
    pub fn pass(&mut self, password: &[u8]) -> Result<CommandId, UsageError> {
        self.check(CommandKind::Pass)?;
        self.check_secure()?;
        let behind_user = self.pass_may_follow();
        if !self.user_accepted && !behind_user {
            return Err(UsageError::PassWithoutUser);
        }
        let id = self.command(Expect::Pass, Command::Pass(Secret::new(password)))?;
        if behind_user {
            // The USER no longer holds back what follows: its PASS is queued.
            let pass = self.queue.len() - 1;
            if let Some(user) = self.queue.iter_mut().nth(pass.wrapping_sub(1)) {
                user.barrier = false;
            }
            self.release();
        }
        Ok(id)
    }

    /// True when a PASS may go right behind the last command queued: a USER still
    /// waiting for its reply, where the server pipelines.
    pub(crate) fn pass_may_follow(&self) -> bool {
        self.pipelines()
            && matches!(
                self.queue.back(),
                Some(Pending {
                    expect: Expect::User,
                    ..
                })
            )
    }

    /// True when a command of this kind is queued or in flight.
    pub(crate) fn is_queued(&self, kind: CommandKind) -> bool {
        self.queue.iter().any(|p| p.expect.kind() == kind)
    }

    /// `APOP name digest` (RFC 1939 section 7), the digest computed here from the greeting's
    /// timestamp, which must have msg-id shape.
    pub fn apop(&mut self, name: &[u8], secret: &[u8]) -> Result<CommandId, UsageError> {
        self.check(CommandKind::Apop)?;
        self.check_secure()?;
        let ts = Timestamp::new(&self.timestamp).ok_or(UsageError::NoApopTimestamp)?;
        let digest = ApopDigest::compute(ts, secret);
        let cmd = Command::Apop {
            name,
            digest: digest.as_secret(),
        };
        self.command(Expect::Apop, cmd)
    }

    /// `AUTH mechanism` (RFC 5034) with PLAIN, LOGIN, CRAM-MD5, XOAUTH2 or OAUTHBEARER. For
    /// client-first mechanisms the first response rides on the command when the line fits in
    /// 255 octets (and the configuration allows it); otherwise it follows the server's empty
    /// challenge. Answer every [`Event::SaslChallenge`](super::Event::SaslChallenge) with
    /// [`Session::sasl_continue`], passing the same credentials.
    pub fn auth(
        &mut self,
        mechanism: Mechanism<'_>,
        creds: &Credentials<'_>,
    ) -> Result<CommandId, UsageError> {
        self.check(CommandKind::Auth)?;
        self.check_secure()?;
        let mech =
            Mech::for_credentials(mechanism, creds).ok_or(UsageError::UnsupportedMechanism)?;
        let name = mech.mechanism().name();
        let raw = sasl::response_len(mech, 0, creds);
        // "AUTH " name " " base64 CRLF
        let with_ir = 5 + name.len() + 1 + encoded_len(raw) + 2;
        let initial = self.config.sasl_initial_response
            && mech.client_first()
            && raw > 0
            && with_ir <= COMMAND_LINE_LIMIT;
        let step = u8::from(initial);
        #[cfg(feature = "scram")]
        if let (Mech::ScramSha256, Credentials::Password { nonce, .. }) = (mech, creds) {
            self.scram.start(nonce);
        }
        self.issue(Expect::Auth { mech, step }, |buf| {
            let mut out = Out::new(buf);
            out.put(b"AUTH ");
            out.put(name);
            if initial {
                out.put(b" ");
                let mut w = Base64Writer::new(&mut out);
                sasl::encode_response(mech, 0, creds, &[], &mut w);
                w.finish();
            }
            out.finish_line(COMMAND_LINE_LIMIT)
        })
    }

    /// Answers the SASL challenge just reported, with the credentials given to
    /// [`Session::auth`]. A mechanism that has nothing more to say cancels with `*`.
    pub fn sasl_continue(&mut self, creds: &Credentials<'_>) -> Result<(), UsageError> {
        let core = self;
        let Some(Pending {
            expect: Expect::Auth { mech, step },
            ..
        }) = core.queue.front().copied()
        else {
            return Err(UsageError::NoChallenge);
        };
        if !core.awaiting_challenge {
            return Err(UsageError::NoChallenge);
        }
        match sasl::answer(mech, step) {
            Answer::Cancel => core.send_sasl_cancel(),
            Answer::Respond => {
                let challenge = core.challenge.clone();
                #[cfg(feature = "scram")]
                let nonce = core.scram.nonce();
                #[cfg(feature = "scram")]
                let scram_final = match (mech, step) {
                    (Mech::ScramSha256, 1) => {
                        match core.scram.client_final(creds, &nonce, &challenge) {
                            Some(f) => Some(f),
                            None => return core.send_sasl_cancel(),
                        }
                    }
                    _ => None,
                };
                core.send_sasl_line(|out| {
                    let mut w = Base64Writer::new(out);
                    sasl::encode_response(mech, step, creds, &challenge, &mut w);
                    #[cfg(feature = "scram")]
                    if let Some(f) = &scram_final {
                        f.write(&mut |p| w.put(p));
                    }
                    w.finish();
                })?;
                core.awaiting_challenge = false;
                if let Some(front) = core.queue.front_mut() {
                    front.expect = Expect::Auth {
                        mech,
                        step: step.saturating_add(1),
                    };
                }
                Ok(())
            }
        }
    }

    /// Cancels the SASL exchange with `*` (RFC 5034 section 4); the server answers `-ERR`.
    pub fn sasl_cancel(&mut self) -> Result<(), UsageError> {
        let core = self;
        let auth = matches!(
            core.queue.front(),
            Some(Pending {
                expect: Expect::Auth { .. },
                ..
            })
        );
        if !auth || !core.awaiting_challenge {
            return Err(UsageError::NoChallenge);
        }
        core.send_sasl_cancel()
    }

    /// `STAT`
    pub fn stat(&mut self) -> Result<CommandId, UsageError> {
        self.command(Expect::Stat, Command::Stat)
    }

    /// `LIST` (all messages, multi-line) or `LIST msg` (one, single line).
    pub fn list(&mut self, msg: Option<u32>) -> Result<CommandId, UsageError> {
        let expect = if msg.is_some() {
            Expect::ListOne
        } else {
            Expect::ListAll
        };
        self.command(expect, Command::List(msg))
    }

    /// `RETR msg`: the message arrives as [`Event::Body`](super::Event::Body) chunks.
    pub fn retr(&mut self, msg: u32) -> Result<CommandId, UsageError> {
        self.command(Expect::Retr, Command::Retr(msg))
    }

    /// `DELE msg`: marks the message; the server removes it only at QUIT.
    pub fn dele(&mut self, msg: u32) -> Result<CommandId, UsageError> {
        self.command(Expect::Dele, Command::Dele(msg))
    }

    /// `NOOP`
    pub fn noop(&mut self) -> Result<CommandId, UsageError> {
        self.command(Expect::Noop, Command::Noop)
    }

    /// `RSET`: unmarks every message marked with DELE.
    pub fn rset(&mut self) -> Result<CommandId, UsageError> {
        self.command(Expect::Rset, Command::Rset)
    }

    /// `QUIT`: in TRANSACTION the server enters UPDATE and removes marked messages.
    pub fn quit(&mut self) -> Result<CommandId, UsageError> {
        self.command(Expect::Quit, Command::Quit)
    }

    /// `TOP msg lines`: the header and the first `lines` body lines.
    pub fn top(&mut self, msg: u32, lines: u32) -> Result<CommandId, UsageError> {
        self.command(Expect::Top, Command::Top { msg, lines })
    }

    /// `UIDL` (all messages, multi-line) or `UIDL msg` (one, single line).
    pub fn uidl(&mut self, msg: Option<u32>) -> Result<CommandId, UsageError> {
        let expect = if msg.is_some() {
            Expect::UidlOne
        } else {
            Expect::UidlAll
        };
        self.command(expect, Command::Uidl(msg))
    }

    /// `CAPA` (RFC 2449 section 5).
    pub fn capa(&mut self) -> Result<CommandId, UsageError> {
        self.command(Expect::Capa, Command::Capa)
    }

    /// `STLS` (RFC 2595 section 4). On `+OK` the client reports
    /// [`Event::TlsReady`](super::Event::TlsReady).
    pub fn stls(&mut self) -> Result<CommandId, UsageError> {
        self.check(CommandKind::Stls)?;
        if self.tls || self.utf8 {
            return Err(UsageError::StlsNotAllowed);
        }
        self.command(Expect::Stls, Command::Stls)
    }

    /// `UTF8` (RFC 6856 section 2), only if the server advertised it: servers that do not
    /// know it may close the connection.
    pub fn utf8(&mut self) -> Result<CommandId, UsageError> {
        self.check(CommandKind::Utf8)?;
        if !self.caps.utf8() {
            return Err(UsageError::NotAdvertised {
                command: CommandKind::Utf8,
            });
        }
        self.command(Expect::Utf8, Command::Utf8)
    }

    /// `LANG` (list languages, multi-line) or `LANG tag` (select one; `*` for the
    /// server's choice), only if the server advertised LANG (RFC 6856 section 3).
    pub fn lang(&mut self, tag: Option<&[u8]>) -> Result<CommandId, UsageError> {
        self.check(CommandKind::Lang)?;
        if !self.caps.lang() {
            return Err(UsageError::NotAdvertised {
                command: CommandKind::Lang,
            });
        }
        let expect = if tag.is_some() {
            Expect::LangSet
        } else {
            Expect::LangList
        };
        self.command(expect, Command::Lang(tag))
    }

    /// The driver finished the TLS handshake after [`Event::TlsReady`](super::Event::TlsReady).
    /// Capabilities learned in plaintext are forgotten and CAPA is issued again (RFC 2595
    /// section 4); its id is returned.
    pub fn tls_established(&mut self) -> Result<CommandId, UsageError> {
        if self.state != State::TlsHandshake {
            return Err(UsageError::WrongState {
                command: CommandKind::Stls,
                state: self.state,
            });
        }
        self.tls = true;
        self.state = State::Authorization;
        self.caps.clear();
        self.framer.reset();
        self.due_now();
        self.capa()
    }
}
