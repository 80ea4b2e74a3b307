//! A private CA and a certificate for `localhost` signed by it, made with the openssl tool.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The files of a test PKI.
pub(crate) struct Pki {
    /// The CA certificate: what clients trust.
    pub(crate) ca: PathBuf,
    /// The server's certificate (for `localhost` and 127.0.0.1).
    pub(crate) cert: PathBuf,
    /// The server's private key.
    pub(crate) key: PathBuf,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The usual one-liner for a self-signed certificate: `NAME.key` and `NAME.pem` in `dir`
/// (openssl marks it CA:TRUE).
fn req_x509(dir: &Path, name: &str, subject: &str, extra: &[&str]) {
    let (key, pem) = (format!("{name}.key"), format!("{name}.pem"));
    let mut args = vec![
        "req", "-x509", "-nodes", "-days", "3", "-keyout", &key, "-out", &pem, "-subj", subject,
    ];
    if !extra.contains(&"-newkey") {
        args.extend_from_slice(&["-newkey", "rsa:2048"]);
    }
    args.extend_from_slice(extra);
    openssl(dir, &args);
}

impl Pki {
    /// Makes a CA and a server certificate in `dir`, with RSA keys.
    pub(crate) fn create(dir: &Path) -> Pki {
        Pki::create_with(dir, &["-newkey", "rsa:2048"])
    }

    /// The same with ECDSA P-256 keys (what embedded-tls checks), and the CA also in DER
    /// as `ca.der`.
    pub(crate) fn create_ec(dir: &Path) -> Pki {
        let pki = Pki::create_with(
            dir,
            &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"],
        );
        openssl(
            dir,
            &["x509", "-in", "ca.pem", "-outform", "der", "-out", "ca.der"],
        );
        pki
    }

    fn create_with(dir: &Path, newkey: &[&str]) -> Pki {
        req_x509(dir, "ca", "/CN=pop3 test CA", newkey);
        openssl(
            dir,
            &[
                &["req"][..],
                newkey,
                &[
                    "-nodes",
                    "-keyout",
                    "server.key",
                    "-out",
                    "server.csr",
                    "-subj",
                    "/CN=localhost",
                ],
            ]
            .concat(),
        );
        std::fs::write(
            dir.join("ext.cnf"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
        )
        .expect("write extensions");
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "3",
                "-out",
                "server.pem",
                "-extfile",
                "ext.cnf",
            ],
        );
        Pki {
            ca: dir.join("ca.pem"),
            cert: dir.join("server.pem"),
            key: dir.join("server.key"),
        }
    }

    /// A self-signed server certificate for `localhost` only (no IP address), made with
    /// the usual one-liner: `openssl req -x509`, which marks it as a CA. The certificate is
    /// its own "CA".
    pub(crate) fn self_signed(dir: &Path) -> Pki {
        req_x509(
            dir,
            "server",
            "/CN=localhost",
            &["-addext", "subjectAltName=DNS:localhost"],
        );
        Pki {
            ca: dir.join("server.pem"),
            cert: dir.join("server.pem"),
            key: dir.join("server.key"),
        }
    }
}
