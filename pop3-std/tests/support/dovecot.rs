//! A private Dovecot POP3 server on loopback ports: its own configuration, passwd-file
//! users with plaintext passwords (so APOP and CRAM-MD5 work), Maildir storage, and a
//! certificate from a private CA for STLS and port 995.

use std::fs;
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::mail::Mail;
use super::pki::Pki;
use super::{free_port, require};

/// The user every test logs in as, and the password.
pub(crate) const USER: &str = "mrose";
/// The password.
pub(crate) const PASSWORD: &str = "tanstaaf";

const BINARY: &str = "/usr/sbin/dovecot";

/// A running Dovecot; stopped when dropped.
pub(crate) struct Dovecot {
    child: Child,
    /// Plain POP3 (STLS offered).
    pub(crate) port: u16,
    /// Implicit TLS.
    pub(crate) tls_port: u16,
    /// The CA that signed the server's certificate.
    pub(crate) ca: PathBuf,
    /// The user's Maildir.
    pub(crate) maildir: PathBuf,
    dir: PathBuf,
}

/// A directory that every user can enter (Dovecot's processes run unprivileged).
fn open_dir(path: &Path) {
    fs::create_dir_all(path).expect("create directory");
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).expect("chmod");
}

fn chown_nobody(path: &Path) {
    let status = Command::new("chown")
        .args(["-R", "nobody:nogroup"])
        .arg(path)
        .status();
    assert!(
        status.is_ok_and(|s| s.success()),
        "chown {}",
        path.display()
    );
}

impl Dovecot {
    /// Starts Dovecot with `mail` in the user's Maildir (in order: message n is `mail[n-1]`).
    /// `None` when Dovecot is not installed and CI does not require it.
    pub(crate) fn start(name: &str, mail: &[Mail]) -> Option<Dovecot> {
        Self::start_with(name, mail, Pki::create)
    }

    /// [`Dovecot::start`] with the certificate `pki` makes in the server's directory.
    pub(crate) fn start_with(
        name: &str,
        mail: &[Mail],
        pki: impl FnOnce(&Path) -> Pki,
    ) -> Option<Dovecot> {
        if !require(
            "Dovecot (Debian package dovecot-pop3d)",
            Path::new(BINARY).exists(),
        ) {
            return None;
        }
        // Dovecot's master hands its login socket to its own users, and the test's mail to
        // `nobody:nogroup`: both need root, and Debian's group `nogroup`.
        if !require(
            "root, for Dovecot (its master changes the owner of its login socket)",
            super::is_root(),
        ) || !require(
            "the group nogroup, which the Dovecot tests give their mail to",
            fs::read_to_string("/etc/group")
                .is_ok_and(|g| g.lines().any(|l| l.starts_with("nogroup:"))),
        ) {
            return None;
        }
        let dir = std::env::temp_dir().join(format!("pop3-dovecot-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        open_dir(&dir);
        let pki = pki(&dir);
        let maildir = dir.join("mail").join(USER);
        for sub in ["new", "cur", "tmp"] {
            open_dir(&maildir.join(sub));
        }
        // Delivery times one second apart keep Dovecot's order the order given.
        for (i, m) in mail.iter().enumerate() {
            let file = maildir
                .join("cur")
                .join(format!("{}.M{i}P1.pop3test:2,S", 1_700_000_000 + i));
            fs::write(&file, &m.stored).expect("write message");
        }
        chown_nobody(&dir.join("mail"));
        let (port, tls_port) = (free_port(), free_port());
        fs::write(
            dir.join("passwd"),
            format!("{USER}:{{PLAIN}}{PASSWORD}::::::\n"),
        )
        .expect("write passwd");
        let d = dir.display();
        let listen = super::listen_address();
        let config = format!(
            r#"protocols = pop3
listen = {listen}
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
ssl = yes
ssl_cert = <{d}/server.pem
ssl_key = <{d}/server.key
disable_plaintext_auth = no
auth_mechanisms = plain login cram-md5 scram-sha-256 apop
login_greeting = Dovecot ready.
mail_location = maildir:{d}/mail/%u
pop3_uidl_format = %08Xu%08Xv
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/passwd
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={d}/mail/%u
}}
service pop3-login {{
  inet_listener pop3 {{
    port = {port}
  }}
  inet_listener pop3s {{
    port = {tls_port}
    ssl = yes
  }}
}}
"#
        );
        fs::write(dir.join("dovecot.conf"), config).expect("write config");
        let child = Command::new(BINARY)
            .arg("-F")
            .arg("-c")
            .arg(dir.join("dovecot.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start dovecot");
        let dovecot = Dovecot {
            child,
            port,
            tls_port,
            ca: pki.ca,
            maildir,
            dir,
        };
        dovecot.wait_ready();
        Some(dovecot)
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            let up = |p| TcpStream::connect(("127.0.0.1", p)).is_ok();
            if up(self.port) && up(self.tls_port) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("Dovecot did not start; its log:\n{}", self.log());
    }

    /// Dovecot's log, for failure messages.
    pub(crate) fn log(&self) -> String {
        fs::read_to_string(self.dir.join("dovecot.log")).unwrap_or_default()
    }

    /// How many messages the Maildir holds now (any sub-folder).
    pub(crate) fn stored(&self) -> usize {
        ["new", "cur"]
            .iter()
            .map(|s| fs::read_dir(self.maildir.join(s)).map_or(0, |d| d.count()))
            .sum()
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.dir);
    }
}
