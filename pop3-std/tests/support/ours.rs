//! Our own server, in this process on loopback ports, over a Maildir of generated mail.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use pop3_std::server::{Listener, MaildirStore, PasswdFile, Settings, Shutdown};
use pop3_std::tls;

use super::dovecot::{PASSWORD, USER};
use super::mail::Mail;
use super::pki::Pki;

/// A running server; stopped when dropped.
pub(crate) struct Ours {
    pub(crate) port: u16,
    pub(crate) tls_port: u16,
    pub(crate) ca: PathBuf,
    pub(crate) maildir: PathBuf,
    pub(crate) root: PathBuf,
    stop: Shutdown,
    thread: Option<JoinHandle<()>>,
}

impl Ours {
    /// Starts a server with `mail` for the test user; `tweak` adjusts the settings.
    pub(crate) fn start(name: &str, mail: &[Mail], tweak: impl FnOnce(&mut Settings)) -> Ours {
        Ours::start_with_users(name, mail, 0, tweak)
    }

    /// As [`Ours::start`], plus `extra` users `user<i>` (password `pw<i>`), each with a
    /// copy of `mail`.
    /// [`Ours::start`] with the test user's password stored hashed (`{SHA256}`), so that
    /// APOP and CRAM-MD5 cannot work.
    pub(crate) fn start_hashed(
        name: &str,
        mail: &[Mail],
        tweak: impl FnOnce(&mut Settings),
    ) -> Ours {
        // base64 of the SHA-256 of PASSWORD (`printf tanstaaf | openssl dgst -sha256 -binary
        // | base64`), as Dovecot's passwd-file scheme stores it.
        assert_eq!(PASSWORD, "tanstaaf", "the hash below is of this password");
        let secret = "{SHA256}2OZJiX4f3IEocTIetqYiu1a2GovhuIBYRxZR+uXBLKo=";
        Ours::start_full(name, mail, 0, secret, tweak)
    }

    /// [`Ours::start`] with the test user's secret stored as SCRAM-SHA-256 keys, which
    /// only SCRAM-SHA-256 and the mechanisms that send the password can use.
    pub(crate) fn start_scram(
        name: &str,
        mail: &[Mail],
        tweak: impl FnOnce(&mut Settings),
    ) -> Ours {
        // Printed by `doveadm pw -s SCRAM-SHA-256 -p tanstaaf` (Dovecot 2.3).
        assert_eq!(PASSWORD, "tanstaaf", "the keys below are of this password");
        let secret = "{SCRAM-SHA-256}4096,2ukNhLDOtvinDsiaRERXZw==,\
            dCcSIg+JIz9joQRoMQD4Avqfbd/XIkMWmcYNu5dll4M=,\
            Em3V0sIyVA7r2Y3/dsWmIRcfN5ZtkqIGV42YKqpaF6Q=";
        Ours::start_full(name, mail, 0, secret, tweak)
    }

    pub(crate) fn start_with_users(
        name: &str,
        mail: &[Mail],
        extra: usize,
        tweak: impl FnOnce(&mut Settings),
    ) -> Ours {
        Ours::start_full(name, mail, extra, &format!("{{PLAIN}}{PASSWORD}"), tweak)
    }

    /// [`Ours::start`] with the certificates `pki` makes in the server's directory.
    pub(crate) fn start_with_pki(
        name: &str,
        mail: &[Mail],
        pki: impl FnOnce(&Path) -> Pki,
        tweak: impl FnOnce(&mut Settings),
    ) -> Ours {
        let secret = format!("{{PLAIN}}{PASSWORD}");
        Ours::start_full_with(name, mail, 0, &secret, pki, tweak)
    }

    fn start_full(
        name: &str,
        mail: &[Mail],
        extra: usize,
        secret: &str,
        tweak: impl FnOnce(&mut Settings),
    ) -> Ours {
        Ours::start_full_with(name, mail, extra, secret, Pki::create, tweak)
    }

    fn start_full_with(
        name: &str,
        mail: &[Mail],
        extra: usize,
        secret: &str,
        pki: impl FnOnce(&Path) -> Pki,
        tweak: impl FnOnce(&mut Settings),
    ) -> Ours {
        let root = std::env::temp_dir().join(format!("pop3-ours-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(&root).expect("create test root");
        let pki = pki(&root);
        let maildir = root.join("mail").join(USER);
        let mut passwd = format!("{USER}:{secret}\n");
        let names = std::iter::once(USER.to_owned()).chain((0..extra).map(|i| format!("user{i}")));
        for (n, user) in names.enumerate() {
            let dir = root.join("mail").join(&user);
            for sub in ["new", "cur", "tmp"] {
                fs::create_dir_all(dir.join(sub)).expect("create maildir");
            }
            for (i, m) in mail.iter().enumerate() {
                let file = dir
                    .join("new")
                    .join(format!("{}.M{i}P1.pop3test", 1_700_000_000 + i));
                fs::write(&file, &m.stored).expect("write message");
            }
            if n > 0 {
                passwd.push_str(&format!("{user}:{{PLAIN}}pw{}\n", n - 1));
            }
        }
        let users = PasswdFile::parse(&passwd).expect("passwd");
        let mut settings = Settings::new("pop3.test");
        settings.login_failure_delay = Duration::from_millis(100);
        tweak(&mut settings);
        let tls = tls::server_config(&pki.cert, &pki.key).expect("server TLS");
        let listener = Listener::bind(
            settings,
            Arc::new(MaildirStore::new(root.join("mail"))),
            Arc::new(users),
        )
        .with_tls(tls)
        .and_then(|l| l.plain(format!("{}:0", super::listen_address())))
        .and_then(|l| l.implicit_tls(format!("{}:0", super::listen_address())))
        .expect("listen");
        let addrs = listener.local_addrs();
        let stop = listener.shutdown_handle();
        let thread = std::thread::spawn(move || listener.run().expect("server runs"));
        Ours {
            port: addrs[0].port(),
            tls_port: addrs[1].port(),
            ca: pki.ca,
            maildir,
            root,
            stop,
            thread: Some(thread),
        }
    }

    /// Messages in the Maildir now.
    pub(crate) fn stored(&self) -> usize {
        ["new", "cur"]
            .iter()
            .map(|s| fs::read_dir(self.maildir.join(s)).map_or(0, |d| d.count()))
            .sum()
    }

    /// Sessions running now.
    pub(crate) fn active(&self) -> usize {
        self.stop.active()
    }
}

impl Ours {
    /// Stops the server and waits for every session to end; the Maildir stays.
    pub(crate) fn shutdown(&mut self) {
        self.stop.stop();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Ours {
    fn drop(&mut self) {
        self.shutdown();
        let _ = fs::remove_dir_all(&self.root);
    }
}
