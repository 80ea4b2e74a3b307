//! Which way to log in: the strongest method that both the server and the credentials allow.

use super::{CommandId, CommandKind, Event, Session, UsageError};
use crate::codec::{Mechanism, Timestamp};
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

impl LoginMethod {
    /// Issues the first command of this login: USER, APOP, or AUTH. Then give every event
    /// to [`LoginMethod::on_event`] until the reply that ends the login.
    pub fn start<const TX: usize, const Q: usize>(
        self,
        session: &mut Session<TX, Q>,
        creds: &Credentials<'_>,
    ) -> Result<CommandId, UsageError> {
        match (self, creds) {
            (LoginMethod::UserPass, Credentials::Password { user, .. }) => session.user(user),
            (LoginMethod::Apop, Credentials::Password { user, password, .. }) => {
                session.apop(user, password.expose())
            }
            (LoginMethod::Sasl(mechanism), _) => session.auth(mechanism, creds),
            // APOP and USER/PASS need a password, not a token.
            _ => Err(UsageError::UnsupportedMechanism),
        }
    }

    /// The next step of this login in reaction to `event`: PASS once USER was accepted,
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
            ) if line.is_ok() => session.pass(password.expose()).map(|_| ()),
            (LoginMethod::Sasl(_), Event::SaslChallenge { .. }, _) => session.sasl_continue(creds),
            _ => Ok(()),
        }
    }
}
