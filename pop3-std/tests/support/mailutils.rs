//! A private GNU Mailutils pop3d on a loopback port: its own configuration, an mbox spool
//! for one system user (Mailutils authenticates against the system's accounts), STLS
//! with a certificate from a private CA. It always offers APOP (a timestamp in the
//! greeting) and refuses it with `[AUTH]` to users without an APOP secret.

use std::fs;
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::pki::Pki;
use super::{free_port, require};

/// The system user the tests log in as, created when missing, and its password.
pub(crate) const USER: &str = "pop3mu";
/// The password, set on every start.
pub(crate) const PASSWORD: &str = "mu-secret-1";

const BINARY: &str = "/usr/sbin/pop3d";

/// A running Mailutils pop3d; stopped when dropped.
pub(crate) struct Mailutils {
    child: Child,
    /// Plain POP3 with STLS.
    pub(crate) port: u16,
    /// The CA that signed the server's certificate.
    pub(crate) ca: PathBuf,
    dir: PathBuf,
}

fn is_mailutils() -> bool {
    Command::new(BINARY)
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("GNU Mailutils"))
}

fn run(what: &str, command: &mut Command) {
    let status = command.status().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(status.success(), "{what}: {status}");
}

/// The system account, made once; its password set every time.
fn ensure_user() {
    let exists = Command::new("id")
        .arg(USER)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !exists {
        run(
            "useradd",
            Command::new("useradd").args([
                "-M",
                "-d",
                "/nonexistent",
                "-s",
                "/usr/sbin/nologin",
                USER,
            ]),
        );
    }
    let mut chpasswd = Command::new("chpasswd")
        .stdin(Stdio::piped())
        .spawn()
        .expect("run chpasswd");
    use std::io::Write;
    chpasswd
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{USER}:{PASSWORD}\n").as_bytes())
        .expect("write to chpasswd");
    assert!(chpasswd.wait().is_ok_and(|s| s.success()), "chpasswd");
}

impl Mailutils {
    /// Starts pop3d with `mbox` (an mbox file's text) as the user's mailbox. `None` when
    /// Mailutils is not installed and CI does not require it.
    pub(crate) fn start(name: &str, mbox: &str) -> Option<Mailutils> {
        if !require(
            "GNU Mailutils pop3d (Debian package mailutils-pop3d)",
            is_mailutils(),
        ) {
            return None;
        }
        ensure_user();
        let dir =
            std::env::temp_dir().join(format!("pop3-mailutils-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("spool")).expect("create the spool");
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).expect("chmod");
        fs::set_permissions(dir.join("spool"), fs::Permissions::from_mode(0o1777)).expect("chmod");
        let pki = Pki::create(&dir);
        let spool = dir.join("spool").join(USER);
        fs::write(&spool, mbox).expect("write the mailbox");
        run("chown", Command::new("chown").arg(USER).arg(&spool));
        fs::set_permissions(&spool, fs::Permissions::from_mode(0o600)).expect("chmod");
        let port = free_port();
        let d = dir.display();
        let config = format!(
            r#"mailbox {{ mail-spool "{d}/spool"; }};
gsasl {{ enable false; }};
logging {{ syslog false; }};
pidfile "{d}/pop3d.pid";
server 127.0.0.1:{port} {{
  tls-mode ondemand;
  tls {{ ssl-certificate-file "{cert}"; ssl-key-file "{key}"; }};
}};
"#,
            cert = pki.cert.display(),
            key = pki.key.display(),
        );
        fs::write(dir.join("pop3d.conf"), config).expect("write the configuration");
        let log = fs::File::create(dir.join("pop3d.log")).expect("create the log");
        let child = Command::new(BINARY)
            .arg(format!(
                "--config-file={}",
                dir.join("pop3d.conf").display()
            ))
            .args(["--foreground", "--daemon"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start pop3d");
        let server = Mailutils {
            child,
            port,
            ca: pki.ca,
            dir,
        };
        server.wait_ready();
        Some(server)
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("pop3d did not start; its log:\n{}", self.log());
    }

    /// pop3d's log, for failure messages.
    pub(crate) fn log(&self) -> String {
        fs::read_to_string(self.dir.join("pop3d.log")).unwrap_or_default()
    }

    /// The directory everything lives in.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Mailutils {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.dir);
    }
}
