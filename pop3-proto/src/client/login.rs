//! Which way to log in: the strongest method that both the server and the credentials allow.

use core::fmt;

use super::{CommandId, CommandKind, Event, Refusal, Session, UsageError};
use crate::codec::{Escaped, Mechanism, RespCodeKind, Timestamp};
use crate::sasl::{Credentials, Mech};

/// A way to log in, as [`Session::preferred_login`] picks it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum LoginMethod {
    /// `AUTH` with this SASL mechanism ([`Session::auth`]).
    Sasl(Mechanism<'static>),
    /// `APOP` ([`Session::apop`]).
    Apop,
    /// `USER` then `PASS` ([`Session::user`], [`Session::pass`]).
    UserPass,
}

/// Password mechanisms, strongest first: SCRAM proves both sides without the server ever
/// holding the password; challenge-response keeps the password itself off the wire even
/// inside TLS; PLAIN is one round trip; LOGIN is the legacy fallback. SCRAM is chosen only
/// when the credentials carry a nonce (and the `scram` feature is on).
const PASSWORD_MECHANISMS: [Mechanism<'static>; 4] = [
    Mechanism::ScramSha256,
    Mechanism::CramMd5,
    Mechanism::Plain,
    Mechanism::Login,
];
/// Bearer mechanisms, standard first.
const BEARER_MECHANISMS: [Mechanism<'static>; 2] = [Mechanism::OAuthBearer, Mechanism::XOAuth2];
/// The methods that send the password itself (inside TLS), in the order a fallback tries
/// them.
const PLAIN_PASSWORD: [LoginMethod; 3] = [
    LoginMethod::Sasl(Mechanism::Plain),
    LoginMethod::Sasl(Mechanism::Login),
    LoginMethod::UserPass,
];

impl<const TX: usize, const Q: usize> Session<TX, Q> {
    /// The strongest login method the server offers for these credentials: a SASL
    /// mechanism it lists in CAPA (SCRAM-SHA-256 when the credentials carry a nonce, then
    /// CRAM-MD5, then PLAIN, then LOGIN for a password;
    /// OAUTHBEARER, then XOAUTH2 for a token), then APOP when the greeting carried a valid
    /// timestamp, then USER/PASS. Issue CAPA first: without it only APOP and USER/PASS are
    /// known. `None` for a token when the server offers no bearer mechanism. Whether the
    /// method may run on this connection is still checked by the command itself.
    pub fn preferred_login(&self, creds: &Credentials<'_>) -> Option<LoginMethod> {
        let caps = self.capabilities();
        let offered = |list: &[Mechanism<'static>]| {
            list.iter()
                .copied()
                .find(|m| caps.sasl_mechanism(*m) && Mech::for_credentials(*m, creds).is_some())
        };
        match creds {
            Credentials::Bearer { .. } => offered(&BEARER_MECHANISMS).map(LoginMethod::Sasl),
            Credentials::Password { .. } => {
                if let Some(m) = offered(&PASSWORD_MECHANISMS) {
                    Some(LoginMethod::Sasl(m))
                } else if Timestamp::new(&self.timestamp).is_some() {
                    Some(LoginMethod::Apop)
                } else {
                    Some(LoginMethod::UserPass)
                }
            }
        }
    }
}

impl<const TX: usize, const Q: usize> Session<TX, Q> {
    /// The method to try after `refused` was refused with `refusal`, if one is worth a
    /// try. A method that proves the password without sending it (APOP, CRAM-MD5,
    /// SCRAM-SHA-256) needs the server to hold a secret in a form it may not have for this
    /// user: RFC 1939 section 7 notes that a timestamp in the greeting says the server
    /// implements APOP, not that every user can use it (GNU Mailutils refuses APOP with
    /// `[AUTH]` to users without an APOP secret). So after such a method is refused with
    /// `[AUTH]` or no code, the first offered method that sends the password (PLAIN, LOGIN,
    /// USER/PASS) is next, once, and only over TLS: without it, a forged refusal would
    /// draw out a password that the refused method kept off the wire. A refusal of a
    /// method that sent the password ends the login (trying the same password again only
    /// adds failed logins), and so do `[IN-USE]`, `[LOGIN-DELAY]` and `[SYS/...]`: the
    /// mailbox, not the method, is the matter.
    pub fn fallback_login(
        &self,
        creds: &Credentials<'_>,
        refused: LoginMethod,
        refusal: Refusal,
    ) -> Option<LoginMethod> {
        let method_matter = matches!(refusal.code, None | Some(RespCodeKind::Auth));
        if refused.sends_secret() || !method_matter || !self.is_tls() {
            return None;
        }
        let Credentials::Password { .. } = creds else {
            return None;
        };
        PLAIN_PASSWORD.into_iter().find(|m| self.offers(*m))
    }

    /// Whether the server offers `method`: a SASL mechanism listed in CAPA, APOP with a
    /// timestamp in the greeting, USER/PASS when CAPA lists USER (RFC 2449 section 6.3) or
    /// when there was no CAPA to say (RFC 1939).
    pub fn offers(&self, method: LoginMethod) -> bool {
        let caps = self.capabilities();
        match method {
            LoginMethod::Sasl(mech) => caps.sasl_mechanism(mech),
            LoginMethod::Apop => Timestamp::new(&self.timestamp).is_some(),
            LoginMethod::UserPass => caps.user() || !caps.known(),
        }
    }
}

impl LoginMethod {
    /// Whether the secret itself goes to the server (inside TLS, where there is TLS):
    /// USER/PASS, PLAIN, LOGIN, and the bearer mechanisms with their token.
    pub fn sends_secret(self) -> bool {
        match self {
            LoginMethod::UserPass => true,
            LoginMethod::Apop => false,
            LoginMethod::Sasl(m) => !matches!(m, Mechanism::CramMd5 | Mechanism::ScramSha256),
        }
    }

    /// Issues the first command of this login: USER (with PASS right behind it where the
    /// server pipelines), APOP, or AUTH. Then give every event
    /// to [`LoginMethod::on_event`] until the reply that ends the login.
    pub fn start<const TX: usize, const Q: usize>(
        self,
        session: &mut Session<TX, Q>,
        creds: &Credentials<'_>,
    ) -> Result<CommandId, UsageError> {
        match (self, creds) {
            (LoginMethod::UserPass, Credentials::Password { user, password, .. }) => {
                let id = session.user(user)?;
                if session.pass_may_follow() {
                    session.pass(password.expose())?;
                }
                Ok(id)
            }
            (LoginMethod::Apop, Credentials::Password { user, password, .. }) => {
                session.apop(user, password.expose())
            }
            (LoginMethod::Sasl(mechanism), _) => session.auth(mechanism, creds),
            // APOP and USER/PASS need a password, not a token.
            _ => Err(UsageError::UnsupportedMechanism),
        }
    }

    /// The next step of this login in reaction to `event`: PASS once USER was accepted
    /// (unless it went right behind the USER, pipelined),
    /// the answer to each SASL challenge. Nothing for other events. A refusal ends the
    /// login with nothing more sent (see [`Event::refusal`]).
    pub fn on_event<const TX: usize, const Q: usize>(
        self,
        event: &Event<'_>,
        session: &mut Session<TX, Q>,
        creds: &Credentials<'_>,
    ) -> Result<(), UsageError> {
        match (self, event, creds) {
            (
                LoginMethod::UserPass,
                Event::Reply {
                    command: CommandKind::User,
                    line,
                    ..
                },
                Credentials::Password { password, .. },
            ) if line.is_ok() && !session.is_queued(CommandKind::Pass) => {
                session.pass(password.expose()).map(|_| ())
            }
            (LoginMethod::Sasl(_), Event::SaslChallenge { .. }, _) => session.sasl_continue(creds),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for LoginMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoginMethod::UserPass => f.write_str("USER/PASS"),
            LoginMethod::Apop => f.write_str("APOP"),
            LoginMethod::Sasl(m) => write!(f, "AUTH {}", Escaped(m.name())),
        }
    }
}
