//! The driver on a real embassy-net stack: over a TAP device in a network namespace that
//! the test creates (addresses inside it only; deleted afterwards), embassy-net at
//! 192.168.69.2 fetches every message of a mailbox from our server and from a private
//! Dovecot at 192.168.69.100, byte for byte, through `connect`, `establish`, `login_auto`
//! and `retr` with `Clock` deadlines; then serves the same mailbox itself (`accept`,
//! `serve`) to our std client on the kernel's side.
//!
//! Creating the namespace needs root. The test then runs itself again inside it (the
//! ignored test below), where the servers listen on every address of the namespace.

#[path = "../../pop3-std/tests/support/mod.rs"]
mod support;

use std::future::Future;
use std::pin::pin;
use std::process::Command;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Instant;

use embassy_futures::select::{Either, select};
use embassy_net::{Ipv4Address, Ipv4Cidr, StackResources, StaticConfigV4};
use embassy_net_tuntap::TunTapDevice;
use embassy_time::Duration;
use pop3_embassy::{Buffers, Clock, Remote, connect, drive, establish, login_auto, retr};
use pop3_proto::client::{self, Client, Event, LoginMethod, Security, Transport};
use pop3_proto::sasl::Credentials;
use pop3_proto::server;
use support::dovecot::{Dovecot, PASSWORD, USER};
use support::mail::{self, served};
use support::ours::Ours;

const SERVER: [u8; 4] = [192, 168, 69, 100];
const DEVICE: [u8; 4] = [192, 168, 69, 2];
const TAP: &str = "tap0";

/// A network namespace with `tap0` at 192.168.69.100/24; deleted when dropped.
struct Namespace(String);

impl Namespace {
    fn create() -> Namespace {
        let ns = Namespace(format!("pop3tap{}", std::process::id()));
        let server = format!("{}/24", std::net::Ipv4Addr::from(SERVER));
        ip(&["netns", "add", &ns.0]);
        for args in [
            &["link", "set", "lo", "up"][..],
            &["tuntap", "add", "name", TAP, "mode", "tap"],
            &["link", "set", TAP, "up"],
            &["addr", "add", &server, "dev", TAP],
        ] {
            ip(&[&["netns", "exec", &ns.0, "ip"][..], args].concat());
        }
        ns
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("run ip");
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn embassy_net_over_tap_fetches_from_our_server_and_dovecot_and_serves_our_client() {
    if !support::require(
        "root (for a network namespace and a TAP device)",
        support::is_root(),
    ) {
        return;
    }
    let ns = Namespace::create();
    let out = Command::new("ip")
        .args(["netns", "exec", &ns.0])
        .arg(std::env::current_exe().expect("the test binary"))
        .args([
            "--ignored",
            "--exact",
            "inside_the_namespace",
            "--nocapture",
        ])
        .env("POP3_TEST_LISTEN", "0.0.0.0")
        .output()
        .expect("run the test inside the namespace");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "inside the namespace:\n{stdout}\n{stderr}"
    );
    for server in ["ours", "dovecot", "embassy"] {
        assert!(
            stdout.contains(&format!("TAP summary: server={server} ")),
            "{server} was fetched from:\n{stdout}"
        );
    }
}

/// Run by the test above inside the namespace.
#[test]
#[ignore = "run by the TAP test inside its network namespace"]
fn inside_the_namespace() {
    let mail = mail::mailbox_with(256 * 1024, 4000);
    let ours = Ours::start("tap", &mail, |_| {});
    let dovecot = Dovecot::start("tap", &mail).expect("Dovecot is installed");

    let device = TunTapDevice::new(TAP).expect("open tap0");
    let config = embassy_net::Config::ipv4_static(StaticConfigV4 {
        address: Ipv4Cidr::new(Ipv4Address::from(DEVICE), 24),
        gateway: None,
        dns_servers: Default::default(),
    });
    let resources: &'static mut StackResources<4> = Box::leak(Box::new(StackResources::new()));
    let (stack, mut runner) = embassy_net::new(device, config, resources, 0x5eed_1939);

    let sessions = async {
        stack.wait_config_up().await;
        serve_one(stack, &mail).await;
        // By address, and by name (a literal, which the resolver takes as it is: there is
        // no DNS server in the namespace).
        let server_name = std::net::Ipv4Addr::from(SERVER).to_string();
        for (name, remote) in [
            (
                "ours",
                Remote::Ip((Ipv4Address::from(SERVER), ours.port).into()),
            ),
            (
                "dovecot",
                Remote::Host {
                    name: &server_name,
                    port: dovecot.port,
                },
            ),
        ] {
            let started = Instant::now();
            let (method, got) = fetch_all(stack, remote).await;
            assert_eq!(got.len(), mail.len(), "{name}: every message");
            for (i, (m, body)) in mail.iter().zip(&got).enumerate() {
                assert!(
                    *body == served(&m.stored),
                    "{name}: message {} byte for byte",
                    i + 1
                );
            }
            let octets: usize = got.iter().map(Vec::len).sum();
            println!(
                "TAP summary: server={name} login={method:?} messages={} octets={octets} ms={}",
                got.len(),
                started.elapsed().as_millis()
            );
        }
    };
    match block_on(select(runner.run(), sessions)) {
        Either::First(never) => match never {},
        Either::Second(()) => {}
    }
}

/// The mailbox served from the embassy side on port 110, to our std client connecting
/// from the kernel's side of the TAP device; its RETRs checked byte for byte.
async fn serve_one(stack: embassy_net::Stack<'_>, mail: &[support::mail::Mail]) {
    let started = Instant::now();
    let expected = mail.to_vec();
    let client = std::thread::spawn(move || {
        let mut c = pop3_std::client::Connect::new(std::net::Ipv4Addr::from(DEVICE).to_string())
            .port(110)
            .tls(pop3_std::client::Tls::None)
            .allow_cleartext_auth(true)
            .connect()
            .expect("connect to the embassy side");
        c.login(USER, PASSWORD).expect("login");
        support::check_all(&mut c, &expected);
        c.quit().expect("QUIT")
    });
    let mut buffers: Buffers<4096, 8192> = Buffers::new();
    let mut socket = pop3_embassy::accept(stack, &mut buffers, 110)
        .await
        .expect("accept on the embassy side");
    let config =
        server::Config::named(b"embassy POP3 ready", b"tap.test").with_cleartext_passwords(true);
    let mut s: server::Server<'_> =
        server::Server::new(config, b"tap.1", Transport::Plain, Clock::instant());
    // Leaked: the bodies are read as `&'static [u8]`, which is an async reader.
    let mut drop = Memory(mail.iter().map(|m| &*m.stored.clone().leak()).collect());
    let no_tls = async |_: &mut embassy_net::tcp::TcpSocket<'_>| {
        Err(embassy_net::tcp::Error::ConnectionReset)
    };
    let mut body = [0u8; 1024];
    let ended = pop3_embassy::serve(
        &mut s,
        &mut socket,
        &mut Clock,
        &mut drop,
        no_tls,
        std::future::pending(),
        &mut body,
    )
    .await
    .expect("the session on the embassy side");
    socket.close();
    let _ = socket.flush().await;
    assert!(client.join().expect("the std client"), "QUIT after UPDATE");
    println!(
        "TAP summary: server=embassy client=pop3-std ended={ended:?} messages={} ms={}",
        mail.len(),
        started.elapsed().as_millis()
    );
}

/// The mailbox, in memory, for the embassy-side server.
struct Memory(Vec<&'static [u8]>);

impl pop3_proto::io::Maildrop for Memory {
    type Body = &'static [u8];

    fn login(&mut self, auth: &server::AuthRequest<'_>) -> Result<u32, server::Failure> {
        if auth.user() == USER.as_bytes() && auth.matches_secret(PASSWORD.as_bytes()) {
            Ok(self.0.len() as u32)
        } else {
            Err(server::Failure::Auth)
        }
    }

    fn size(&mut self, msg: u32) -> Result<u64, server::Failure> {
        Ok(served(self.0[msg as usize - 1]).len() as u64)
    }

    fn uid(&mut self, msg: u32) -> Result<&[u8], server::Failure> {
        Ok(["m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9"][msg as usize - 1].as_bytes())
    }

    fn open(&mut self, msg: u32) -> Result<Self::Body, server::Failure> {
        Ok(self.0[msg as usize - 1])
    }

    fn update(&mut self, _: server::Marked<'_>) -> Result<(), server::Failure> {
        Ok(())
    }
}

/// One session: connect over the stack, log in with the strongest method, RETR every
/// message, QUIT.
async fn fetch_all(
    stack: embassy_net::Stack<'_>,
    remote: Remote<'_>,
) -> (LoginMethod, Vec<Vec<u8>>) {
    let mut buffers: Buffers<8192, 1024> = Buffers::new();
    let mut socket = connect(stack, &mut buffers, remote, Duration::from_secs(10))
        .await
        .expect("connect over the TAP device");
    let mut clock = Clock;
    // No TLS on the TAP link; challenge-response methods keep the password off the wire.
    let config = client::Config::default().with_security(Security::AllowCleartext);
    let mut c: Client = Client::new(config, Transport::Plain, Clock::instant());
    let no_tls = async |_: &mut embassy_net::tcp::TcpSocket<'_>| {
        Err(embassy_net::tcp::Error::ConnectionReset)
    };
    assert!(
        establish(&mut c, &mut socket, &mut clock, no_tls, |_| {})
            .await
            .expect("greeting and CAPA")
    );
    let nonce = format!("tap{}", std::process::id());
    let creds =
        Credentials::password(USER.as_bytes(), PASSWORD.as_bytes()).with_nonce(nonce.as_bytes());
    let method = login_auto(&mut c, &mut socket, &mut clock, &creds, |_| {})
        .await
        .expect("login");
    c.stat().expect("STAT");
    let mut count = 0;
    drive(&mut c, &mut socket, &mut clock, |event, _| {
        if let Event::Stat { stat, .. } = event {
            count = stat.count;
        }
        std::ops::ControlFlow::Continue(())
    })
    .await
    .expect("STAT answered");
    let mut got = Vec::new();
    for msg in 1..=count {
        let mut body = Vec::new();
        retr(&mut c, &mut socket, &mut clock, msg, &mut body)
            .await
            .expect("RETR");
        got.push(body);
    }
    c.quit().expect("QUIT");
    drive(&mut c, &mut socket, &mut clock, |_, _| {
        std::ops::ControlFlow::Continue(())
    })
    .await
    .expect("QUIT answered");
    assert!(c.is_closed());
    (method, got)
}

/// Polls `f` on this thread, parking between wake-ups (embassy-time's std driver and the
/// TAP device's reader wake it).
fn block_on<F: Future>(f: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut f = pin!(f);
    loop {
        if let Poll::Ready(out) = f.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::park();
    }
}
