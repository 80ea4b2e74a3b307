//! `pop3d`: the pop3-std server as a program. Maildirs under a root, users from a
//! passwd-file, plain (STLS) and implicit-TLS listeners; logs to standard error
//! (`RUST_LOG=debug` for more); Ctrl-C or SIGTERM stops it cleanly.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};
use pop3_std::server::{Listener, MaildirStore, PasswdFile, ScramSecret, Settings};
use serde::Deserialize;

/// pop3d: a POP3 server over Maildirs, with users from a Dovecot-format passwd-file; STLS
/// and implicit TLS, SASL (SCRAM-SHA-256, CRAM-MD5, PLAIN, LOGIN), APOP.
#[derive(Parser, Debug)]
#[command(
    name = "pop3d",
    version,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_help = "\
The passwd-file holds one user per line, user:{SCHEME}secret (the fields after the second
colon are ignored), as Dovecot's does. Schemes: {PLAIN} (every login method, APOP and
CRAM-MD5 included), {SCRAM-SHA-256} (SCRAM-SHA-256, and the methods that send the password:
USER/PASS, PLAIN, LOGIN), {SHA256}, {SSHA256}, {SHA512}, {SSHA512} (the methods that send the
password only). Make a {SCRAM-SHA-256} entry with `pop3d hash-password` (the password on
standard input) or `doveadm pw -s SCRAM-SHA-256`.

Examples:
  pop3d --config /etc/pop3/pop3d.toml
  pop3d --maildir-root /var/mail --passwd /etc/pop3/passwd \\
        --listen 0.0.0.0:110 --listen-tls 0.0.0.0:995 --cert cert.pem --key key.pem
  echo \"alice:$(pop3d hash-password < password.txt)\" >> /etc/pop3/passwd"
)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// Read the options from this TOML file too (keys: the long option names, such as
    /// maildir-root = "/var/mail" or listen = ["0.0.0.0:110"]); options given here
    /// override the file's.
    #[arg(long, short = 'c', value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(flatten)]
    options: Options,
}

/// The server's options, from the command line or the config file.
#[derive(clap::Args, Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", default, deny_unknown_fields)]
struct Options {
    /// Plain POP3 address (STLS offered when a certificate is given); repeatable
    /// (default 127.0.0.1:1110).
    #[arg(long)]
    listen: Vec<String>,
    /// Implicit-TLS address (port 995 style); repeatable; needs --cert and --key.
    #[arg(long)]
    listen_tls: Vec<String>,
    /// Certificate chain (PEM).
    #[arg(long)]
    cert: Option<PathBuf>,
    /// Private key (PEM).
    #[arg(long)]
    key: Option<PathBuf>,
    /// Root of the Maildirs: ROOT/USER/{new,cur,tmp} (needed).
    #[arg(long)]
    maildir_root: Option<PathBuf>,
    /// passwd-file with user:{SCHEME}secret lines (Dovecot's format; schemes below;
    /// needed).
    #[arg(long)]
    passwd: Option<PathBuf>,
    /// Host name in the APOP timestamp (default localhost).
    #[arg(long)]
    hostname: Option<String>,
    /// Sessions served at once (default: as many as the open-file limit allows; a larger
    /// number is capped at that, and the log says so).
    #[arg(long)]
    max_connections: Option<usize>,
    /// Unauthenticated sessions one address may hold at once (default 16).
    #[arg(long)]
    max_unauthenticated_per_address: Option<usize>,
    /// Seconds a session may take to log in, whatever it sends (default 180).
    #[arg(long)]
    login_timeout_secs: Option<u64>,
    /// Allow USER, PLAIN and LOGIN without TLS.
    #[arg(long)]
    allow_cleartext: bool,
    /// Milliseconds a failed login waits before its -ERR (default 2000).
    #[arg(long)]
    login_delay_ms: Option<u64>,
    /// Idle seconds before a session closes without UPDATE (at least 600, the default).
    #[arg(long)]
    autologout_secs: Option<u64>,
}

impl Options {
    /// These options, with `file`'s where these give none.
    fn or(self, file: Options) -> Options {
        let many =
            |here: Vec<String>, there: Vec<String>| if here.is_empty() { there } else { here };
        Options {
            listen: many(self.listen, file.listen),
            listen_tls: many(self.listen_tls, file.listen_tls),
            cert: self.cert.or(file.cert),
            key: self.key.or(file.key),
            maildir_root: self.maildir_root.or(file.maildir_root),
            passwd: self.passwd.or(file.passwd),
            hostname: self.hostname.or(file.hostname),
            max_connections: self.max_connections.or(file.max_connections),
            max_unauthenticated_per_address: self
                .max_unauthenticated_per_address
                .or(file.max_unauthenticated_per_address),
            login_timeout_secs: self.login_timeout_secs.or(file.login_timeout_secs),
            allow_cleartext: self.allow_cleartext || file.allow_cleartext,
            login_delay_ms: self.login_delay_ms.or(file.login_delay_ms),
            autologout_secs: self.autologout_secs.or(file.autologout_secs),
        }
    }

    /// Reads the config file; its relative paths are relative to its folder.
    fn load(path: &Path) -> Result<Options, String> {
        let bad = |why: String| format!("config file {}: {why}", path.display());
        let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        let mut file: Options = toml::from_str(&text).map_err(|e| bad(e.to_string()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        for p in [
            &mut file.cert,
            &mut file.key,
            &mut file.maildir_root,
            &mut file.passwd,
        ]
        .into_iter()
        .flatten()
        {
            *p = base.join(&*p);
        }
        Ok(file)
    }
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Read a password from standard input (its first line) and print its
    /// {SCRAM-SHA-256} passwd-file entry, with a fresh random salt.
    HashPassword,
}

fn hash_password() -> Result<(), String> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| format!("reading the password from standard input: {e}"))?;
    let password = line.trim_end_matches(['\r', '\n']);
    if password.is_empty() {
        return Err("no password on standard input".into());
    }
    let secret = ScramSecret::generate(password.as_bytes())
        .ok_or("the system has no randomness for a salt")?;
    println!("{}", secret.to_passwd_value());
    Ok(())
}

fn run(args: Args) -> Result<(), String> {
    if let Some(Command::HashPassword) = args.command {
        return hash_password();
    }
    let file = match &args.config {
        Some(path) => Options::load(path)?,
        None => Options::default(),
    };
    let o = args.options.or(file);
    let needed = |what: &str| format!("--{what} is needed (or {what} in the config file)");
    let maildir_root = o
        .maildir_root
        .as_ref()
        .ok_or_else(|| needed("maildir-root"))?;
    let passwd = o.passwd.as_ref().ok_or_else(|| needed("passwd"))?;
    let users = PasswdFile::load(passwd)
        .map_err(|e| format!("the passwd file (--passwd) cannot be used: {e}"))?;
    let mut settings = Settings::new(o.hostname.clone().unwrap_or_else(|| "localhost".into()));
    if let Some(n) = o.max_connections {
        settings.max_connections = n;
    }
    settings.max_unauthenticated_per_address = o.max_unauthenticated_per_address.unwrap_or(16);
    settings.login_timeout = Duration::from_secs(o.login_timeout_secs.unwrap_or(180));
    settings.allow_cleartext = o.allow_cleartext;
    settings.login_failure_delay = Duration::from_millis(o.login_delay_ms.unwrap_or(2000));
    settings.autologout = Duration::from_secs(o.autologout_secs.unwrap_or(600).max(600));
    let mut listener = Listener::bind(
        settings,
        Arc::new(MaildirStore::new(maildir_root)),
        Arc::new(users),
    );
    match (&o.cert, &o.key) {
        (Some(cert), Some(key)) => {
            let tls = pop3_std::tls::server_config(cert, key).map_err(|e| e.to_string())?;
            listener = listener.with_tls(tls).map_err(|e| e.to_string())?;
        }
        (None, None) if o.listen_tls.is_empty() => {}
        (None, None) => return Err("--listen-tls needs --cert and --key".into()),
        _ => return Err("--cert and --key go together".into()),
    }
    let listen = if o.listen.is_empty() && o.listen_tls.is_empty() {
        vec!["127.0.0.1:1110".to_owned()]
    } else {
        o.listen.clone()
    };
    for addr in &listen {
        listener = listener
            .plain(addr.as_str())
            .map_err(|e| format!("--listen {addr}: {e}"))?;
    }
    for addr in &o.listen_tls {
        listener = listener
            .implicit_tls(addr.as_str())
            .map_err(|e| format!("--listen-tls {addr}: {e}"))?;
    }
    let stop = listener.shutdown_handle();
    ctrlc::set_handler(move || stop.stop()).map_err(|e| format!("signal handler: {e}"))?;
    for addr in listener.local_addrs() {
        // Scripts (and tests) read the bound addresses from here, port 0 included.
        println!("listening on {addr}");
    }
    listener.run().map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pop3d: {e}");
            ExitCode::from(1)
        }
    }
}
