//! The bundled server with a generated sample mailbox, on a loopback port: what the demo
//! talks to, and what the CLI tests use as a peer. Needs nothing installed: the TLS
//! certificate (a private CA and a `localhost` certificate) is made on the spot.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;

use pop3_std::server::{Listener, MaildirStore, PasswdFile, Settings, Shutdown};

/// The demo account.
pub const DEMO_USER: &str = "demo";

/// A running bundled server; stopped (and its files removed) when dropped.
pub struct DemoServer {
    /// The plain port (STLS offered).
    pub port: u16,
    /// The implicit-TLS port.
    pub tls_port: u16,
    /// The CA certificate to trust (PEM file).
    pub ca_file: PathBuf,
    /// The demo account's password.
    pub password: String,
    /// The account's Maildir on the server side.
    pub maildir: PathBuf,
    /// The folder holding everything.
    pub dir: PathBuf,
    stop: Shutdown,
    thread: Option<JoinHandle<io::Result<()>>>,
}

/// A sample message: realistic headers, a body with the shapes POP3 must carry (lines
/// starting with dots, a lone dot), `size` octets of text.
pub fn sample_message(n: usize, size: usize) -> Vec<u8> {
    const SENDERS: [&str; 4] = [
        "Ada Lovelace <ada@example.org>",
        "Grace Hopper <grace@example.net>",
        "Alan Turing <alan@example.com>",
        "Edsger Dijkstra <edsger@example.org>",
    ];
    const SUBJECTS: [&str; 4] = [
        "Meeting notes",
        "Quarterly report",
        "Lunch on Friday?",
        "Re: the build",
    ];
    let mut m = format!(
        "From: {}\nTo: {DEMO_USER}@localhost\nSubject: {} #{n}\nMessage-ID: <{n}.demo@localhost>\n\
         Date: Tue, 1 Dec 2026 09:{:02}:00 +0000\n\n",
        SENDERS[n % SENDERS.len()],
        SUBJECTS[n % SUBJECTS.len()],
        n % 60
    )
    .into_bytes();
    m.extend_from_slice(
        b"Hello,\n\n.This line starts with a dot.\n.\nThe line above is a lone dot.\n\n",
    );
    let filler = b"All work and no play makes POP3 a dull protocol, but a sturdy one.\n";
    while m.len() < size {
        m.extend_from_slice(filler);
    }
    m
}

fn make_pki(dir: &Path) -> io::Result<(PathBuf, Arc<rustls::ServerConfig>)> {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let err = |e: rcgen::Error| io::Error::other(format!("certificate generation: {e}"));
    let ca_key = KeyPair::generate().map_err(err)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "pop3 demo CA");
    let ca_cert = ca_params.self_signed(&ca_key).map_err(err)?;
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().map_err(err)?;
    let params = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
        .map_err(err)?;
    let cert = params.signed_by(&key, &issuer).map_err(err)?;
    let ca_file = dir.join("ca.pem");
    fs::write(&ca_file, ca_cert.pem())?;
    fs::write(dir.join("server.pem"), cert.pem())?;
    fs::write(dir.join("server.key"), key.serialize_pem())?;
    let config = pop3_std::tls::server_config(&dir.join("server.pem"), &dir.join("server.key"))?;
    Ok((ca_file, config))
}

impl DemoServer {
    /// Starts the server in a new folder under the system's temporary directory, with
    /// `count` sample messages of about `size` octets each.
    pub fn start(count: usize, size: usize) -> io::Result<DemoServer> {
        let dir =
            std::env::temp_dir().join(format!("pop3-demo-{}-{}", std::process::id(), unique()));
        fs::create_dir_all(&dir)?;
        let (ca_file, tls) = make_pki(&dir)?;
        let maildir = dir.join("mail").join(DEMO_USER);
        for sub in ["new", "cur", "tmp"] {
            fs::create_dir_all(maildir.join(sub))?;
        }
        for n in 0..count {
            let name = format!("{}.M{n}P{}.demo", 1_764_000_000 + n, std::process::id());
            fs::write(maildir.join("new").join(name), sample_message(n + 1, size))?;
        }
        let password = format!("demo-{}", unique());
        let users = PasswdFile::parse(&format!("{DEMO_USER}:{{PLAIN}}{password}\n"))
            .map_err(io::Error::other)?;
        let mut settings = Settings::new("localhost");
        settings.greeting = "pop3 demo server ready".to_owned();
        let listener = Listener::bind(
            settings,
            Arc::new(MaildirStore::new(dir.join("mail"))),
            Arc::new(users),
        )
        .with_tls(tls)?
        .plain("127.0.0.1:0")?
        .implicit_tls("127.0.0.1:0")?;
        let addrs = listener.local_addrs();
        let stop = listener.shutdown_handle();
        let thread = std::thread::spawn(move || listener.run());
        Ok(DemoServer {
            port: addrs.first().map_or(0, |a| a.port()),
            tls_port: addrs.get(1).map_or(0, |a| a.port()),
            ca_file,
            password,
            maildir,
            dir,
            stop,
            thread: Some(thread),
        })
    }

    /// Messages in the server's Maildir now.
    pub fn stored(&self) -> usize {
        ["new", "cur"]
            .iter()
            .map(|s| fs::read_dir(self.maildir.join(s)).map_or(0, |d| d.count()))
            .sum()
    }
}

fn unique() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        self.stop.stop();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}
