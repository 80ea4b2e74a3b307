//! Which server and which account: a URL (`pop3s://user@host:port`, `pop3://...`) or
//! `--host/--port/--user`, TLS by default, and the secret from a file, an environment
//! variable or a prompt (never from the command line, where other users can read it).

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use pop3_proto::client::LoginMethod;
use pop3_proto::codec::Mechanism;
use pop3_proto::sasl::Credentials;
use pop3_std::client::{Client, Connect, Tls};
use pop3_std::tls::{Fingerprint, Trust};
use serde::Deserialize;

use pop3_examples::exit::Failure;

/// The help heading of the options that choose the server and account.
pub(crate) const HEADING: &str = "Server and account (for every command)";

/// How to reach the mailbox: from the command line, or an account of the config file
/// (where the keys are these options' long names).
#[derive(Args, Debug, Clone, Default, Deserialize)]
#[command(next_help_heading = HEADING)]
#[serde(rename_all = "kebab-case", default)]
pub(crate) struct Account {
    /// Server URL: pop3s://user@host:port (TLS from the start) or pop3://user@host:port
    /// (STLS, required unless --insecure-plaintext).
    #[arg(long, short = 's', global = true)]
    pub(crate) server: Option<String>,
    /// Server host (instead of --server).
    #[arg(long, global = true, conflicts_with = "server")]
    pub(crate) host: Option<String>,
    /// Server port (default: 995 for pop3s, 110 for pop3).
    #[arg(long, global = true)]
    pub(crate) port: Option<u16>,
    /// User name.
    #[arg(long, short = 'u', global = true)]
    pub(crate) user: Option<String>,
    /// With --host: use STLS on port 110 instead of TLS on port 995.
    #[arg(long, global = true)]
    pub(crate) starttls: bool,
    /// Allow a login without TLS (only for servers that have none).
    #[arg(long, global = true)]
    pub(crate) insecure_plaintext: bool,
    /// Trust the certificates in this PEM file instead of the bundled web roots: a private
    /// CA, or the server's own (self-signed) certificate. The host name is still checked.
    #[arg(long, global = true)]
    pub(crate) ca_file: Option<PathBuf>,
    /// Trust only the server certificate with this SHA-256 fingerprint (sha256:AB:CD:...,
    /// as `openssl x509 -fingerprint -sha256` prints it, and as a failed first contact
    /// shows it), whatever its issuer, names or dates.
    #[arg(long, global = true, conflicts_with = "ca_file")]
    #[serde(deserialize_with = "parsed")]
    pub(crate) fingerprint: Option<Fingerprint>,
    /// Read the password from this file (its first line).
    #[arg(long, global = true)]
    pub(crate) password_file: Option<PathBuf>,
    /// Read the password from this environment variable.
    #[arg(long, global = true, value_name = "VAR")]
    pub(crate) password_env: Option<String>,
    /// Run this command (by sh -c) and take the first line it prints as the password, e.g.
    /// "pass show mail/alice" or "secret-tool lookup mail alice".
    #[arg(long, global = true, value_name = "COMMAND")]
    pub(crate) password_command: Option<String>,
    /// Log in with an OAuth 2.0 access token (XOAUTH2/OAUTHBEARER) read from this file.
    #[arg(long, global = true)]
    pub(crate) oauth_token_file: Option<PathBuf>,
    /// Log in with an OAuth 2.0 access token read from this environment variable.
    #[arg(long, global = true, value_name = "VAR")]
    pub(crate) oauth_token_env: Option<String>,
    /// Log in with an OAuth 2.0 access token printed by this command (by sh -c; its first
    /// line), run before each login so that it can refresh the token.
    #[arg(long, global = true, value_name = "COMMAND")]
    pub(crate) oauth_token_command: Option<String>,
    /// How to log in: auto (the strongest the server offers, falling back from APOP,
    /// CRAM-MD5 or SCRAM-SHA-256 to a method that sends the password, over TLS only), or
    /// exactly one of USER, APOP, PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-256, XOAUTH2,
    /// OAUTHBEARER (an error if the server does not offer it; no fallback). Default: auto.
    #[arg(long, global = true, value_parser = parse_auth, value_name = "METHOD")]
    #[serde(deserialize_with = "parsed_auth")]
    pub(crate) auth: Option<Auth>,
    /// Seconds the server may stay silent while a reply is due (default 60).
    #[arg(long, global = true, value_name = "SECONDS")]
    pub(crate) timeout: Option<u64>,
    /// Seconds a whole reply may take, however steadily it comes (default 600; raise it for
    /// very large messages on slow links).
    #[arg(long, global = true, value_name = "SECONDS")]
    pub(crate) deadline: Option<u64>,
    /// Send one command at a time even where the server offers PIPELINING (for a server
    /// that announces it and breaks it).
    #[arg(long, global = true)]
    pub(crate) no_pipelining: bool,
    /// A password asked for once (by a daemon), used for every later login.
    #[arg(skip)]
    #[serde(skip)]
    prompted: Option<String>,
}

/// A string option of the config file, read as its command-line flag reads it.
fn parsed<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let s = String::deserialize(d)?;
    s.parse().map(Some).map_err(serde::de::Error::custom)
}

/// `auth` in the config file.
fn parsed_auth<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Auth>, D::Error> {
    let s = String::deserialize(d)?;
    parse_auth(&s).map(Some).map_err(serde::de::Error::custom)
}

/// A URL's user part, percent-decoded (`alice%40example.org` is `alice@example.org`).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `--auth`: automatic, or one method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Auth {
    Auto,
    Exactly(LoginMethod),
}

fn parse_auth(s: &str) -> Result<Auth, String> {
    let method = match s.to_ascii_uppercase().as_str() {
        "AUTO" => return Ok(Auth::Auto),
        "USER" => LoginMethod::UserPass,
        "APOP" => LoginMethod::Apop,
        "PLAIN" => LoginMethod::Sasl(Mechanism::Plain),
        "LOGIN" => LoginMethod::Sasl(Mechanism::Login),
        "CRAM-MD5" => LoginMethod::Sasl(Mechanism::CramMd5),
        "SCRAM-SHA-256" => LoginMethod::Sasl(Mechanism::ScramSha256),
        "XOAUTH2" => LoginMethod::Sasl(Mechanism::XOAuth2),
        "OAUTHBEARER" => LoginMethod::Sasl(Mechanism::OAuthBearer),
        _ => {
            return Err(format!(
                "{s:?}: use auto, USER, APOP, PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-256, XOAUTH2 or OAUTHBEARER"
            ));
        }
    };
    Ok(Auth::Exactly(method))
}

/// The first line `command` (run by `sh -c`) prints; its standard error is the user's.
fn run_for_secret(option: &str, command: &str) -> Result<String, Failure> {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| Failure::Usage(format!("{option} {command:?}: {e}")))?;
    if !out.status.success() {
        return Err(Failure::Usage(format!(
            "{option} {command:?} {}: no secret",
            out.status
        )));
    }
    let text = String::from_utf8(out.stdout)
        .map_err(|_| Failure::Usage(format!("{option} {command:?} printed no UTF-8 text")))?;
    match text.lines().next() {
        Some(line) if !line.is_empty() => Ok(line.to_owned()),
        _ => Err(Failure::Usage(format!(
            "{option} {command:?} printed nothing"
        ))),
    }
}

/// The secret to log in with.
enum Secret {
    Password(String),
    Token(String),
}

impl Account {
    /// True when a server was named at all.
    pub(crate) fn given(&self) -> bool {
        self.server.is_some() || self.host.is_some()
    }

    /// True when a source of the secret was named.
    fn has_secret(&self) -> bool {
        self.password_file.is_some()
            || self.password_env.is_some()
            || self.password_command.is_some()
            || self.oauth_token_file.is_some()
            || self.oauth_token_env.is_some()
            || self.oauth_token_command.is_some()
    }

    /// These options, with `file`'s where these give none. The server and the secret go
    /// as a whole: a server or a secret source named here replaces all of the file's.
    pub(crate) fn or(self, file: Account) -> Account {
        let (server, host) = if self.given() {
            (self.server.clone(), self.host.clone())
        } else {
            (file.server.clone(), file.host.clone())
        };
        let secret = if self.has_secret() {
            self.clone()
        } else {
            file.clone()
        };
        Account {
            server,
            host,
            port: self.port.or(file.port),
            user: self.user.or(file.user),
            starttls: self.starttls || file.starttls,
            insecure_plaintext: self.insecure_plaintext || file.insecure_plaintext,
            ca_file: self.ca_file.or(file.ca_file),
            fingerprint: self.fingerprint.or(file.fingerprint),
            password_file: secret.password_file,
            password_env: secret.password_env,
            password_command: secret.password_command,
            oauth_token_file: secret.oauth_token_file,
            oauth_token_env: secret.oauth_token_env,
            oauth_token_command: secret.oauth_token_command,
            auth: self.auth.or(file.auth),
            timeout: self.timeout.or(file.timeout),
            deadline: self.deadline.or(file.deadline),
            no_pipelining: self.no_pipelining || file.no_pipelining,
            prompted: None,
        }
    }

    /// The paths of the config file's account, relative to its folder (`~/` is the home
    /// folder).
    pub(crate) fn resolve_paths(&mut self, base: &std::path::Path) {
        for p in [
            &mut self.ca_file,
            &mut self.password_file,
            &mut self.oauth_token_file,
        ]
        .into_iter()
        .flatten()
        {
            *p = crate::config::resolve(base, p);
        }
    }

    /// Asks for the password now, when it would be asked for at each login: a daemon asks
    /// once.
    pub(crate) fn prompt_once(&mut self) -> Result<(), Failure> {
        if self.has_secret() || self.prompted.is_some() {
            return Ok(());
        }
        let (host, _, user, _) = self.target()?;
        let user = user.unwrap_or_default();
        if let Secret::Password(p) = self.secret(&user, &host)? {
            self.prompted = Some(p);
        }
        Ok(())
    }

    fn target(&self) -> Result<(String, Option<u16>, Option<String>, Tls), Failure> {
        let implicit = if self.starttls {
            Tls::StartTls
        } else {
            Tls::Implicit
        };
        let plain = if self.insecure_plaintext {
            Tls::None
        } else {
            Tls::StartTls
        };
        if let Some(s) = &self.server {
            let expected =
                "expected pop3s://user@host[:port] (TLS) or pop3://user@host[:port] (STLS)";
            let url = url::Url::parse(s).map_err(|e| match e {
                url::ParseError::RelativeUrlWithoutBase => {
                    Failure::Usage(format!("--server {s:?}: no scheme; {expected}"))
                }
                e => Failure::Usage(format!("--server {s:?}: {e}; {expected}")),
            })?;
            if url.password().is_some() {
                // A password on the command line is readable by every user of the machine.
                return Err(Failure::Usage(
                    "--server: a password in the URL is refused (other users can read command \
                     lines); drop it and use --password-file, --password-env or the prompt"
                        .into(),
                ));
            }
            let tls = match url.scheme() {
                "pop3s" => Tls::Implicit,
                "pop3" => plain,
                other => {
                    return Err(Failure::Usage(format!(
                        "--server {s:?}: scheme {other:?}: use pop3s:// or pop3://"
                    )));
                }
            };
            let host = url
                .host_str()
                .ok_or_else(|| Failure::Usage(format!("--server {s:?}: no host")))?;
            let user = Some(url.username())
                .filter(|u| !u.is_empty())
                .map(percent_decode);
            let user = self.user.clone().or(user);
            return Ok((
                host.trim_matches(['[', ']']).to_owned(),
                self.port.or(url.port()),
                user,
                tls,
            ));
        }
        let host = self.host.clone().ok_or_else(|| {
            Failure::Usage(
                "no server given: use --server pop3s://user@host or --host HOST --user USER".into(),
            )
        })?;
        let tls = if self.insecure_plaintext {
            Tls::None
        } else {
            implicit
        };
        Ok((host, self.port, self.user.clone(), tls))
    }

    fn secret(&self, user: &str, host: &str) -> Result<Secret, Failure> {
        let read = |p: &PathBuf| {
            std::fs::read_to_string(p)
                .map(|s| s.lines().next().unwrap_or_default().to_owned())
                .map_err(|e| Failure::Usage(format!("{}: {e}", p.display())))
        };
        let env = |v: &String| {
            std::env::var(v)
                .map_err(|_| Failure::Usage(format!("environment variable {v} is not set")))
        };
        if let Some(p) = &self.oauth_token_file {
            return read(p).map(Secret::Token);
        }
        if let Some(v) = &self.oauth_token_env {
            return env(v).map(Secret::Token);
        }
        if let Some(c) = &self.oauth_token_command {
            return run_for_secret("--oauth-token-command", c).map(Secret::Token);
        }
        if let Some(p) = &self.password_file {
            return read(p).map(Secret::Password);
        }
        if let Some(v) = &self.password_env {
            return env(v).map(Secret::Password);
        }
        if let Some(c) = &self.password_command {
            return run_for_secret("--password-command", c).map(Secret::Password);
        }
        if let Some(p) = &self.prompted {
            return Ok(Secret::Password(p.clone()));
        }
        rpassword::prompt_password(format!("Password for {user}@{host}: "))
            .map(Secret::Password)
            .map_err(|_| {
                Failure::Usage(
                    "no password: give --password-file, --password-env, an OAuth token option, \
                     or run from a terminal to be asked"
                        .into(),
                )
            })
    }

    /// Connects and logs in.
    pub(crate) fn login(&self) -> Result<Client, Failure> {
        let (host, port, user, tls) = self.target()?;
        let user = user.ok_or_else(|| {
            Failure::Usage("no user: put it in the URL (pop3s://user@host) or use --user".into())
        })?;
        let secret = self.secret(&user, &host)?;
        let mut connect = Connect::new(host)
            .tls(tls)
            .allow_cleartext_auth(tls == Tls::None)
            .timeout(Duration::from_secs(self.timeout.unwrap_or(60)))
            .deadline(Duration::from_secs(self.deadline.unwrap_or(600)))
            .pipelining(!self.no_pipelining);
        if let Some(p) = port {
            connect = connect.port(p);
        }
        if let Some(ca) = &self.ca_file {
            connect = connect.trust(Trust::CaFile(ca.clone()));
        }
        if let Some(pin) = self.fingerprint {
            connect = connect.trust(Trust::Fingerprint(pin));
        }
        let mut client = connect.connect()?;
        let creds = match &secret {
            Secret::Password(p) => Credentials::password(user.as_bytes(), p.as_bytes()),
            Secret::Token(t) => Credentials::bearer(user.as_bytes(), t.as_bytes()),
        };
        let login = match self.auth.unwrap_or(Auth::Auto) {
            Auth::Auto => client.login_with(&creds).map(|_| ()),
            Auth::Exactly(method) => client.login_by(method, &creds),
        };
        if let Err(e) = login {
            // Still in AUTHORIZATION: say goodbye properly (nothing can change on the
            // server); the refusal is what matters, whatever QUIT brings.
            if client.state() == pop3_proto::client::State::Authorization {
                let _ = client.quit();
            }
            return Err(e.into());
        }
        Ok(client)
    }
}
