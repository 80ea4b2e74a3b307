//! The core's async loops over tokio, as a tokio user plugs them in with
//! `embedded_io_adapters::tokio_1::FromTokio`: the async client fetches every message from
//! the private Dovecot and from our server, and the async server serves our blocking client
//! and Python's poplib; every message is compared byte for byte with what was stored.

mod support;

use std::ops::ControlFlow;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use embedded_io_adapters::tokio_1::FromTokio;
use pop3_proto::client::{self, Client, Event, Security};
use pop3_proto::io::{self, Drive, Ended, asynch};
use pop3_proto::server::{self, AuthRequest, Failure, Marked, Server};
use pop3_proto::{Instant, Transport};
use support::dovecot::{Dovecot, PASSWORD, USER};
use support::mail::{self, Mail, served};
use support::ours::Ours;
use support::require;
use tokio::net::{TcpListener, TcpStream};

/// tokio's clock, on the session's scale: milliseconds since the loop's start.
struct TokioTimer(tokio::time::Instant);

impl asynch::Timer for TokioTimer {
    fn now(&mut self) -> Instant {
        Instant::from_millis(u64::try_from(self.0.elapsed().as_millis()).unwrap_or(u64::MAX))
    }

    fn sleep_until(&mut self, at: Instant) -> impl std::future::Future<Output = ()> {
        tokio::time::sleep_until(self.0 + Duration::from_millis(at.as_millis()))
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Logs in over plain TCP with cleartext allowed (a private loopback peer), then LIST and
/// RETR of every message with the commands issued from the event handler; returns each
/// message's octets by number.
async fn fetch_all(port: u16) -> Vec<(u32, u64, Vec<u8>)> {
    let tcp = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    tcp.set_nodelay(true).expect("nodelay");
    let mut io = FromTokio::new(tcp);
    let mut timer = TokioTimer(tokio::time::Instant::now());
    let config = client::Config::default().with_security(Security::AllowCleartext);
    let mut c: Box<Client<8192, 1024, 32>> = Box::new(Client::new(
        config,
        Transport::Plain,
        Instant::from_millis(0),
    ));
    let no_tls = async |_: &mut FromTokio<TcpStream>| -> Result<(), std::io::Error> {
        unreachable!("plain test peer: no STLS")
    };
    assert!(
        asynch::establish(&mut c, &mut io, &mut timer, no_tls, |_| {})
            .await
            .expect("greeting")
    );
    let creds = pop3_proto::sasl::Credentials::password(USER.as_bytes(), PASSWORD.as_bytes());
    let method = c.preferred_login(&creds).expect("a login method");
    asynch::login(&mut c, &mut io, &mut timer, method, &creds, |_| {})
        .await
        .expect("login");
    let list = c.list(None).expect("LIST");
    let mut got: Vec<(u32, u64, Vec<u8>)> = Vec::new();
    let mut current = 0usize;
    let r = asynch::drive(&mut c, &mut io, &mut timer, |event, session| {
        match event {
            // Each listing line issues its RETR at once: no break, issue, call again.
            Event::ScanListing { listing, .. } => {
                got.push((listing.msg, listing.size, Vec::new()));
                session.retr(listing.msg).expect("RETR queued");
            }
            Event::Body { data, .. } => got[current].2.extend_from_slice(data),
            // The end of a message (the end of LIST itself says nothing here).
            Event::End { id } if id != list => current += 1,
            _ => {}
        }
        ControlFlow::Continue(())
    })
    .await
    .expect("LIST and RETR");
    assert_eq!(r, Drive::Idle);
    c.quit().expect("QUIT");
    let r = asynch::drive(
        &mut c,
        &mut io,
        &mut timer,
        |_, _| ControlFlow::Continue(()),
    )
    .await
    .expect("QUIT answered");
    assert_eq!(r, Drive::Closed);
    got
}

fn check(got: &[(u32, u64, Vec<u8>)], mail: &[Mail]) {
    assert_eq!(got.len(), mail.len());
    for ((msg, size, body), m) in got.iter().zip(mail) {
        let expected = served(&m.stored);
        assert_eq!(*size, expected.len() as u64, "LIST size of {}", m.name);
        assert!(*body == expected, "RETR {msg} ({}) differs", m.name);
    }
}

#[test]
fn async_client_over_tokio_fetches_everything_from_dovecot() {
    let mail = mail::mailbox(512 * 1024);
    let Some(dovecot) = Dovecot::start("tokio", &mail) else {
        return;
    };
    let got = runtime().block_on(fetch_all(dovecot.port));
    check(&got, &mail);
}

#[test]
fn async_client_over_tokio_fetches_everything_from_our_server() {
    let mail = mail::mailbox(512 * 1024);
    let ours = Ours::start("tokio-client", &mail, |s| s.allow_cleartext = true);
    let got = runtime().block_on(fetch_all(ours.port));
    check(&got, &mail);
}

/// A maildrop in memory for the async server.
struct Memory {
    mail: Vec<(String, Vec<u8>)>,
    removed: Option<Vec<u32>>,
}

/// A message body for the async loop.
struct Body(std::io::Cursor<Vec<u8>>);

impl embedded_io_async::ErrorType for Body {
    type Error = std::io::Error;
}

impl embedded_io_async::Read for Body {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, std::io::Error> {
        std::io::Read::read(&mut self.0, buf)
    }
}

impl io::Maildrop for Memory {
    type Body = Body;

    fn login(&mut self, auth: &AuthRequest<'_>) -> Result<u32, Failure> {
        if auth.user() == USER.as_bytes() && auth.matches_secret(PASSWORD.as_bytes()) {
            Ok(self.mail.len() as u32)
        } else {
            Err(Failure::Auth)
        }
    }
    fn size(&mut self, msg: u32) -> Result<u64, Failure> {
        Ok(served(&self.mail[msg as usize - 1].1).len() as u64)
    }
    fn uid(&mut self, msg: u32) -> Result<&[u8], Failure> {
        Ok(self.mail[msg as usize - 1].0.as_bytes())
    }
    fn open(&mut self, msg: u32) -> Result<Body, Failure> {
        Ok(Body(std::io::Cursor::new(
            self.mail[msg as usize - 1].1.clone(),
        )))
    }
    fn update(&mut self, marked: Marked<'_>) -> Result<(), Failure> {
        self.removed = Some(marked.iter().collect());
        Ok(())
    }
}

/// Serves `sessions` connections one after the other with the async server loop; returns
/// how each ended and what UPDATE removed.
async fn serve_async(
    listener: TcpListener,
    mail: &[Mail],
    sessions: usize,
) -> Vec<(Ended, Option<Vec<u32>>)> {
    let mut out = Vec::new();
    for n in 0..sessions {
        let (tcp, _) = listener.accept().await.expect("accept");
        let mut io = FromTokio::new(tcp);
        let mut timer = TokioTimer(tokio::time::Instant::now());
        let mut drop = Memory {
            mail: mail
                .iter()
                .enumerate()
                .map(|(i, m)| (format!("uid-{i}"), m.stored.clone()))
                .collect(),
            removed: None,
        };
        let config = server::Config::named(b"tokio ready", b"tokio.test")
            .with_cleartext_passwords(true)
            .with_shared_secrets(true);
        let token = format!("{}.{n}", std::process::id());
        let mut server: Box<Server<'_, 1024, 8192, 8>> = Box::new(Server::new(
            config,
            token.as_bytes(),
            Transport::Plain,
            Instant::from_millis(0),
        ));
        let mut body = [0u8; 4096];
        let ended = asynch::serve(
            &mut server,
            &mut io,
            &mut timer,
            &mut drop,
            async |_: &mut FromTokio<TcpStream>| Err(std::io::Error::other("no TLS here")),
            std::future::pending(),
            &mut body,
        )
        .await
        .expect("the session ends cleanly");
        out.push((ended, drop.removed));
    }
    out
}

#[test]
fn async_server_over_tokio_serves_our_client_and_poplib() {
    let python = Command::new("sh")
        .args(["-c", "command -v python3"])
        .output();
    if !require("python3", python.is_ok_and(|o| o.status.success())) {
        return;
    }
    let mail = mail::mailbox(512 * 1024);
    let rt = runtime();
    let listener = rt
        .block_on(TcpListener::bind("127.0.0.1:0"))
        .expect("listen");
    let port = listener.local_addr().expect("address").port();
    let outdir = std::env::temp_dir().join(format!("pop3-tokio-poplib-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&outdir);
    std::fs::create_dir_all(&outdir).expect("scratch dir");
    // poplib's script builds a TLS context up front, even for plain POP3.
    let ca = support::pki::Pki::create(&outdir).ca;
    let clients = {
        let outdir = outdir.join("poplib");
        std::fs::create_dir_all(&outdir).expect("poplib's folder");
        let ca = ca.to_string_lossy().into_owned();
        let mail: Vec<Vec<u8>> = mail.iter().map(|m| m.stored.clone()).collect();
        std::thread::spawn(move || {
            // Our blocking client first: every message, then DELE 2 and QUIT.
            let mut c = pop3_std::client::Connect::new("127.0.0.1")
                .tls(pop3_std::client::Tls::None)
                .port(port)
                .allow_cleartext_auth(true)
                .connect()
                .expect("connect to the async server");
            c.login(USER, PASSWORD).expect("login");
            let list = c.list().expect("LIST");
            assert_eq!(list.len(), mail.len());
            for ((msg, size), stored) in list.iter().zip(&mail) {
                let mut got = Vec::new();
                c.retr(*msg, &mut got).expect("RETR");
                assert_eq!(got, served(stored), "message {msg} from the async server");
                assert_eq!(*size, got.len() as u64);
            }
            c.dele(2).expect("DELE");
            assert!(c.quit().expect("QUIT"), "UPDATE ran");
            // Then poplib, plain USER/PASS and every command.
            let script =
                Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/poplib_session.py");
            let out = Command::new("python3")
                .arg(script)
                .args(["plain", "127.0.0.1", &port.to_string(), &ca, USER, PASSWORD])
                .arg(&outdir)
                .arg("no")
                .output()
                .expect("run poplib");
            assert!(
                out.status.success(),
                "poplib: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).into_owned()
        })
    };
    // Bounded: a client that fails never leaves the server waiting for ever.
    let sessions = rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(120), serve_async(listener, &mail, 2)).await
    });
    let ended = sessions.expect("both sessions served within two minutes");
    let poplib = clients.join().expect("the clients finished");
    assert_eq!(ended[0], (Ended::Closed { update: true }, Some(vec![2])));
    assert_eq!(ended[1], (Ended::Closed { update: true }, Some(vec![])));
    assert!(
        poplib.contains(&format!("\"count\": {}", mail.len())),
        "{poplib}"
    );
    for (i, m) in mail.iter().enumerate() {
        let got = std::fs::read(outdir.join("poplib").join((i + 1).to_string()))
            .expect("poplib wrote the message");
        // poplib drops the last line's missing CRLF distinction: it always adds CRLF.
        let mut expected = served(&m.stored);
        if !expected.ends_with(b"\r\n") {
            expected.extend_from_slice(b"\r\n");
        }
        assert!(got == expected, "poplib's copy of {} differs", m.name);
    }
    let _ = std::fs::remove_dir_all(&outdir);
}
