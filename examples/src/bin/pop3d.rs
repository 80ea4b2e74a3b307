//! `pop3d`: the pop3-std server as a program. Maildirs under a root, users from a
//! passwd-file, plain (STLS) and implicit-TLS listeners; logs to standard error
//! (`RUST_LOG=debug` for more); Ctrl-C or SIGTERM stops it cleanly.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use pop3_std::server::{Listener, MaildirStore, PasswdFile, Settings};

/// A POP3 server over Maildir.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
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
    #[arg(long)]
    maildir_root: PathBuf,
    /// passwd-file with user:{SCHEME}password lines (Dovecot's format).
    #[arg(long)]
    passwd: PathBuf,
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

fn run(args: Args) -> Result<(), String> {
    let users = PasswdFile::load(&args.passwd).map_err(|e| e.to_string())?;
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
        Arc::new(MaildirStore::new(&args.maildir_root)),
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
