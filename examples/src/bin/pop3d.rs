//! `pop3d`: the pop3-std server as a program. Maildirs under a root, users from a
//! passwd-file, plain (STLS) and implicit-TLS listeners; logs to standard error
//! (`RUST_LOG=debug` for more); Ctrl-C or SIGTERM stops it cleanly.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};
use pop3_std::server::{Listener, MaildirStore, PasswdFile, ScramSecret, Settings};

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
  pop3d --maildir-root /var/mail --passwd /etc/pop3/passwd \\
        --listen 0.0.0.0:110 --listen-tls 0.0.0.0:995 --cert cert.pem --key key.pem
  echo \"alice:$(pop3d hash-password < password.txt)\" >> /etc/pop3/passwd"
)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// Plain POP3 address (STLS offered when a certificate is given); repeatable.
    #[arg(long, default_value = "127.0.0.1:1110")]
    listen: Vec<String>,
    /// Implicit-TLS address (port 995 style); repeatable; needs --cert and --key.
    #[arg(long)]
    listen_tls: Vec<String>,
    /// Certificate chain (PEM).
    #[arg(long, requires = "key")]
    cert: Option<PathBuf>,
    /// Private key (PEM).
    #[arg(long, requires = "cert")]
    key: Option<PathBuf>,
    /// Root of the Maildirs: ROOT/USER/{new,cur,tmp}.
    #[arg(long, required = true)]
    maildir_root: Option<PathBuf>,
    /// passwd-file with user:{SCHEME}secret lines (Dovecot's format; schemes below).
    #[arg(long, required = true)]
    passwd: Option<PathBuf>,
    /// Host name in the APOP timestamp.
    #[arg(long, default_value = "localhost")]
    hostname: String,
    /// Sessions served at once (default: as many as the open-file limit allows; a larger
    /// number is capped at that, and the log says so).
    #[arg(long)]
    max_connections: Option<usize>,
    /// Unauthenticated sessions one address may hold at once.
    #[arg(long, default_value_t = 16)]
    max_unauthenticated_per_address: usize,
    /// Seconds a session may take to log in, whatever it sends.
    #[arg(long, default_value_t = 180)]
    login_timeout_secs: u64,
    /// Allow USER, PLAIN and LOGIN without TLS.
    #[arg(long)]
    allow_cleartext: bool,
    /// Milliseconds a failed login waits before its -ERR.
    #[arg(long, default_value_t = 2000)]
    login_delay_ms: u64,
    /// Idle seconds before a session closes without UPDATE (at least 600).
    #[arg(long, default_value_t = 600)]
    autologout_secs: u64,
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
    // Both are required by the parser unless a subcommand is given.
    let (Some(maildir_root), Some(passwd)) = (&args.maildir_root, &args.passwd) else {
        return Err("--maildir-root and --passwd are needed".into());
    };
    let users = PasswdFile::load(passwd)
        .map_err(|e| format!("the passwd file (--passwd) cannot be used: {e}"))?;
    let mut settings = Settings::new(args.hostname);
    if let Some(n) = args.max_connections {
        settings.max_connections = n;
    }
    settings.max_unauthenticated_per_address = args.max_unauthenticated_per_address;
    settings.login_timeout = Duration::from_secs(args.login_timeout_secs);
    settings.allow_cleartext = args.allow_cleartext;
    settings.login_failure_delay = Duration::from_millis(args.login_delay_ms);
    settings.autologout = Duration::from_secs(args.autologout_secs.max(600));
    let mut listener = Listener::bind(
        settings,
        Arc::new(MaildirStore::new(maildir_root)),
        Arc::new(users),
    );
    if let (Some(cert), Some(key)) = (&args.cert, &args.key) {
        let tls = pop3_std::tls::server_config(cert, key).map_err(|e| e.to_string())?;
        listener = listener.with_tls(tls).map_err(|e| e.to_string())?;
    } else if !args.listen_tls.is_empty() {
        return Err("--listen-tls needs --cert and --key".into());
    }
    for addr in &args.listen {
        listener = listener
            .plain(addr.as_str())
            .map_err(|e| format!("--listen {addr}: {e}"))?;
    }
    for addr in &args.listen_tls {
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
