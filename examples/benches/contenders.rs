//! Whole programs against each other, interleaved round by round (one warm-up round, then
//! `ROUNDS`), medians, ranges and per-round ratios to a baseline measured in the same
//! round: `cargo bench -p pop3-examples --bench contenders` (`-- --quick` for one short
//! round, as CI runs it to check that it works; its numbers mean nothing).
//!
//! 1. Delivery from a private Dovecot (200 messages of 100 KiB and one of 50 MiB) into a
//!    Maildir on tmpfs and on the real disk, and into an mbox on the disk: our CLI, mpop
//!    (the baseline), curl (a file per message, not fsynced) and poplib (the same).
//! 2. Pipelining through a proxy adding 10 ms each way (200 messages of 2 KiB): our CLI,
//!    our CLI with `--no-pipelining` (the lock-step baseline), mpop, poplib, and a raw
//!    reader that sends every RETR at once (the floor).
//! 3. Servers: curl from our server and from Dovecot (the baseline); our client library
//!    from both, against the loopback TCP rate for the same octets (the floor).
//! 4. Peak resident memory of each client retrieving the 50 MiB message.
//!
//! `-- delivery`, `-- pipelining`, `-- servers` or `-- memory` runs only those sections.

// wait4 is the one way to read a child's peak memory; nothing else here is unsafe.
#![allow(unsafe_code)]

#[path = "../../pop3-std/tests/support/mod.rs"]
mod support;

#[path = "contenders/proxy.rs"]
mod proxy;
#[path = "contenders/stats.rs"]
mod stats;

use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use pop3_std::client::{Connect, Fetched, Tls};
use proxy::DelayProxy;
use stats::{Contender, compare};
use support::dovecot::{Dovecot, PASSWORD, USER};
use support::mail::{self, Mail, served};
use support::ours::Ours;

const ROUNDS: usize = 5;

/// The benches' own files, removed at the end.
struct Scratch(PathBuf, std::cell::Cell<usize>);

impl Scratch {
    fn new(base: &Path, name: &str) -> Scratch {
        let dir = base.join(format!("pop3-bench-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("scratch directory");
        Scratch(dir, std::cell::Cell::new(0))
    }

    /// A new, empty directory for one run.
    fn fresh(&self, name: &str) -> PathBuf {
        self.1.set(self.1.get() + 1);
        let dir = self.0.join(format!("{name}-{}", self.1.get()));
        fs::create_dir_all(&dir).expect("run directory");
        dir
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn octets_of(mail: &[Mail]) -> u64 {
    mail.iter().map(|m| served(&m.stored).len() as u64).sum()
}

/// Octets of the files under `dir`, so that every run is checked to have stored it all.
fn stored(dir: &Path) -> u64 {
    let mut total = 0;
    for e in fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        total += if p.is_dir() {
            stored(&p)
        } else {
            fs::metadata(&p).map_or(0, |m| m.len())
        };
    }
    total
}

fn run(cmd: &mut Command) {
    let out = cmd
        .stdout(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Our CLI logged in to `port` over plain TCP (USER/PASS, as every contender logs in).
fn pop3(port: u16) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pop3"));
    c.args([
        "--host",
        "127.0.0.1",
        "--port",
        &port.to_string(),
        "--user",
        USER,
    ])
    .args([
        "--insecure-plaintext",
        "--auth",
        "USER",
        "--password-env",
        "PW",
    ])
    .env("PW", PASSWORD)
    .env("XDG_CONFIG_HOME", "/nonexistent");
    c
}

fn mpop(port: u16, delivery: &str, uidls: &Path) -> Command {
    let mut c = Command::new("mpop");
    c.args([
        "-C",
        "/dev/null",
        "--host=127.0.0.1",
        "--tls=off",
        "--auth=user",
    ])
    .args(["--keep=on", "--only-new=off"])
    .arg(format!("--port={port}"))
    .arg(format!("--user={USER}"))
    .arg(format!("--passwordeval=echo {PASSWORD}"))
    .arg(format!("--delivery={delivery}"))
    .arg(format!("--uidls-file={}", uidls.display()));
    c
}

fn curl(port: u16, range: &str, out: &str) -> Command {
    let mut c = Command::new("curl");
    c.args(["-s", "--fail", "--create-dirs", "-o", out])
        .arg(format!("pop3://{USER}:{PASSWORD}@127.0.0.1:{port}/{range}"));
    c
}

fn poplib(port: u16, out: &str) -> Command {
    let mut c = Command::new("python3");
    c.arg(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/benches/contenders/poplib_fetch.py"
    ))
    .args(["127.0.0.1", &port.to_string(), USER, PASSWORD, out]);
    c
}

/// Our client library: every message from `port` into nothing; the octets.
fn library(port: u16, count: u32) -> u64 {
    let mut c = Connect::new("127.0.0.1")
        .tls(Tls::None)
        .port(port)
        .allow_cleartext_auth(true)
        .connect()
        .expect("connect");
    c.login(USER, PASSWORD).expect("login");
    let msgs: Vec<u32> = (1..=count).collect();
    let mut octets = 0u64;
    c.fetch(&msgs, |piece| {
        if let Fetched::Data { data, .. } = piece {
            octets += data.len() as u64;
        }
        Ok(())
    })
    .expect("fetch");
    c.quit().expect("quit");
    octets
}

/// The floor for pipelining: log in, send every RETR at once, read until `count`
/// replies have ended; the octets read.
fn raw_pipelined(port: u16, count: u32) -> u64 {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_nodelay(true).expect("nodelay");
    let mut buf = vec![0u8; 256 * 1024];
    let mut line = |s: &mut TcpStream, cmd: &str| {
        if !cmd.is_empty() {
            s.write_all(cmd.as_bytes()).expect("write");
        }
        let n = s.read(&mut buf).expect("read");
        assert!(buf[..n].starts_with(b"+OK"), "{cmd}");
    };
    line(&mut s, "");
    line(&mut s, &format!("USER {USER}\r\n"));
    line(&mut s, &format!("PASS {PASSWORD}\r\n"));
    let all: String = (1..=count).map(|n| format!("RETR {n}\r\n")).collect();
    s.write_all(all.as_bytes()).expect("write");
    let end = memchr::memmem::Finder::new(b"\r\n.\r\n");
    let (mut ended, mut octets, mut tail) = (0u32, 0u64, Vec::<u8>::new());
    while ended < count {
        let n = s.read(&mut buf).expect("read");
        assert!(n > 0, "closed after {ended} replies");
        octets += n as u64;
        tail.extend_from_slice(&buf[..n]);
        ended += end.find_iter(&tail).count() as u32;
        let keep = tail.len().min(4);
        tail.drain(..tail.len() - keep);
    }
    let _ = s.write_all(b"QUIT\r\n");
    octets
}

/// The loopback TCP rate: `octets` through a socket pair, written and read in 64 KiB.
fn loopback(octets: u64) -> u64 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("address").port();
    let writer = std::thread::spawn(move || {
        let (mut s, _) = l.accept().expect("accept");
        let chunk = vec![b'x'; 64 * 1024];
        let mut left = octets;
        while left > 0 {
            let n = left.min(chunk.len() as u64) as usize;
            s.write_all(&chunk[..n]).expect("write");
            left -= n as u64;
        }
    });
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let mut buf = vec![0u8; 64 * 1024];
    let mut got = 0u64;
    loop {
        match s.read(&mut buf).expect("read") {
            0 => break,
            n => got += n as u64,
        }
    }
    writer.join().expect("writer");
    got
}

/// The CPU time (user and system) of the children this process has waited for so far.
fn children_cpu() -> Duration {
    // SAFETY: an all-zero rusage is a valid value for getrusage to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: RUSAGE_CHILDREN and a valid pointer to a rusage.
    let r = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    assert_eq!(r, 0, "getrusage: {}", std::io::Error::last_os_error());
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// Peak resident memory (KiB) of `cmd`. A child's peak counts the memory of the process
/// it was forked from (Linux keeps the high-water mark across exec), so the command is
/// started from a fresh, small copy of this program ([`measure_child`]), not from here.
fn peak_rss(cmd: &Command) -> u64 {
    let out = Command::new(std::env::current_exe().expect("own path"))
        .arg("--peak-rss")
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .envs(cmd.get_envs().filter_map(|(k, v)| v.map(|v| (k, v))))
        .output()
        .expect("run the measuring child");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("peak RSS")
}

/// `--peak-rss PROGRAM ARGS...`: runs it, and prints its peak resident memory (KiB) from
/// `wait4`.
#[allow(clippy::zombie_processes)] // wait4 reaps it: std's wait would find nothing left
fn measure_child(program: &str, args: &[String]) {
    let child = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our child, not yet reaped (std reaps only in wait, never called).
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(reaped, pid, "wait4: {}", std::io::Error::last_os_error());
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{program} failed: status {status}"
    );
    println!("{}", usage.ru_maxrss);
}

fn delivery(rounds: usize, d: &Dovecot, mail: &[Mail]) {
    let total = octets_of(mail);
    let count = mail.len();
    for (place, base) in [
        ("tmpfs", Path::new("/dev/shm")),
        ("disk (ext4)", Path::new("/var/tmp")),
    ] {
        let s = Scratch::new(base, "deliver");
        let fresh = |name: &str| s.fresh(name);
        let mut contenders = vec![
            Contender::new("pop3 fetch --keep --maildir", || {
                let dir = fresh("ours");
                run(pop3(d.port)
                    .args(["fetch", "--keep", "--maildir"])
                    .arg(dir.join("md")));
                stored(&dir.join("md/new"))
            }),
            Contender::new("mpop (maildir)", || {
                let dir = fresh("mpop");
                for sub in ["new", "cur", "tmp"] {
                    fs::create_dir_all(dir.join("md").join(sub)).expect("maildir");
                }
                run(&mut mpop(
                    d.port,
                    &format!("maildir,{}", dir.join("md").display()),
                    &dir.join("uidls"),
                ));
                // mpop stores LF line ends: count them back as served.
                stored(&dir.join("md/new")) + served_extra(mail)
            }),
            Contender::new("curl -o (file each, no fsync)", || {
                let dir = fresh("curl");
                run(&mut curl(
                    d.port,
                    &format!("[1-{count}]"),
                    &format!("{}/#1.eml", dir.display()),
                ));
                stored(&dir)
            }),
            Contender::new("poplib (file each, no fsync)", || {
                let dir = fresh("poplib");
                run(&mut poplib(d.port, &dir.to_string_lossy()));
                stored(&dir) + served_extra(mail)
            }),
        ];
        compare(
            &format!("Delivery from Dovecot into a Maildir on {place}"),
            rounds,
            total,
            "mpop (maildir)",
            &mut contenders,
        );
    }
    let s = Scratch::new(Path::new("/var/tmp"), "mbox");
    let fresh = |name: &str| s.fresh(name);
    // An mbox holds LF line ends, a separator and quoting: checked by size, roughly.
    let stored_lf = total - served_extra(mail);
    let mut contenders = vec![
        Contender::new("pop3 fetch --keep --mbox", || {
            let dir = fresh("ours");
            run(pop3(d.port)
                .args(["fetch", "--keep", "--mbox"])
                .arg(dir.join("mbox")));
            stored(&dir) + served_extra(mail)
        }),
        Contender::new("mpop (mbox)", || {
            let dir = fresh("mpop");
            run(&mut mpop(
                d.port,
                &format!("mbox,{}", dir.join("mbox").display()),
                &dir.join("uidls"),
            ));
            stored(&dir) + served_extra(mail)
        }),
    ];
    compare(
        "Delivery from Dovecot into an mbox on disk (ext4)",
        rounds,
        stored_lf,
        "mpop (mbox)",
        &mut contenders,
    );
}

/// The CRs POP3 adds to LF-only stored mail (what a reader that stores LF drops again).
fn served_extra(mail: &[Mail]) -> u64 {
    mail.iter()
        .map(|m| (served(&m.stored).len() - m.stored.len()) as u64)
        .sum()
}

fn pipelining(rounds: usize, d: &Dovecot, mail: &[Mail]) {
    let proxy = DelayProxy::start(d.port, Duration::from_millis(10));
    let port = proxy.port;
    let total = octets_of(mail);
    let count = mail.len() as u32;
    let s = Scratch::new(Path::new("/dev/shm"), "pipelining");
    let fresh = |name: &str| s.fresh(name);
    let ours = |lock_step: bool| {
        let dir = fresh("ours");
        let mut c = pop3(port);
        if lock_step {
            c.arg("--no-pipelining");
        }
        run(c.args(["fetch", "--keep", "--maildir"]).arg(dir.join("md")));
        stored(&dir.join("md/new"))
    };
    let mut contenders = vec![
        Contender::new("pop3 --no-pipelining (lock-step)", || ours(true)),
        Contender::new("pop3 (sliding window)", || ours(false)),
        Contender::new("mpop", || {
            let dir = fresh("mpop");
            for sub in ["new", "cur", "tmp"] {
                fs::create_dir_all(dir.join("md").join(sub)).expect("maildir");
            }
            run(&mut mpop(
                port,
                &format!("maildir,{}", dir.join("md").display()),
                &dir.join("uidls"),
            ));
            stored(&dir.join("md/new")) + served_extra(mail)
        }),
        Contender::new("poplib (lock-step)", || {
            let dir = fresh("poplib");
            run(&mut poplib(port, &dir.to_string_lossy()));
            stored(&dir) + served_extra(mail)
        }),
        Contender::new("raw reader, every RETR at once", || {
            raw_pipelined(port, count)
        }),
    ];
    compare(
        &format!("{count} messages of 2 KiB from Dovecot through a proxy adding 10 ms each way"),
        rounds,
        total,
        "pop3 --no-pipelining (lock-step)",
        &mut contenders,
    );
}

fn servers(rounds: usize, d: &Dovecot, o: &Ours, mail: &[Mail]) {
    let total = octets_of(mail);
    let count = mail.len();
    // curl's own CPU time per run, by server: what no server can take off its wall time.
    let cpu: [std::cell::RefCell<Vec<f64>>; 2] = Default::default();
    let curl_all = |port: u16, cpu: &std::cell::RefCell<Vec<f64>>| {
        let before = children_cpu();
        run(&mut curl(port, &format!("[1-{count}]"), "/dev/null"));
        cpu.borrow_mut()
            .push((children_cpu() - before).as_secs_f64() * 1e3);
        total
    };
    let mut contenders = vec![
        Contender::new("curl from Dovecot", || curl_all(d.port, &cpu[0])),
        Contender::new("curl from our server", || curl_all(o.port, &cpu[1])),
    ];
    compare(
        "Servers: curl downloads the mailbox (one session, into nothing)",
        rounds,
        total,
        "curl from Dovecot",
        &mut contenders,
    );
    for (name, cpu) in ["from Dovecot", "from our server"].iter().zip(&cpu) {
        // The warm-up round is the first.
        let (m, lo, hi) = stats::median(cpu.borrow().iter().skip(1).copied().collect());
        println!("  curl's own CPU time (user + system), {name}: {m:.1} [{lo:.1} - {hi:.1}] ms");
    }
    let mut contenders = vec![
        Contender::new("loopback TCP, same octets", || loopback(total)),
        Contender::new("our client from our server", || {
            library(o.port, count as u32)
        }),
        Contender::new("our client from Dovecot", || library(d.port, count as u32)),
    ];
    compare(
        "Our client library (one session, into nothing) against the loopback TCP rate",
        rounds,
        total,
        "loopback TCP, same octets",
        &mut contenders,
    );
}

fn memory(d: &Dovecot, size: u64) {
    let s = Scratch::new(Path::new("/var/tmp"), "memory");
    let file = |name: &str| s.0.join(name).to_string_lossy().into_owned();
    let md = s.0.join("mpop-md");
    for sub in ["new", "cur", "tmp"] {
        fs::create_dir_all(md.join(sub)).expect("maildir");
    }
    let mut ours = pop3(d.port);
    ours.args(["retr", "1", "-o", &file("ours.eml")]);
    let mut login_only = pop3(d.port);
    login_only.arg("list");
    let rows = [
        ("pop3 list (login only)", login_only),
        ("pop3 retr -o", ours),
        ("curl -o", curl(d.port, "1", &file("curl.eml"))),
        ("poplib", poplib(d.port, &s.0.to_string_lossy())),
        (
            "mpop (maildir)",
            mpop(
                d.port,
                &format!("maildir,{}", md.display()),
                &s.0.join("uidls"),
            ),
        ),
    ];
    println!(
        "\nPeak resident memory retrieving one message of {:.1} MiB (KiB)",
        size as f64 / (1024.0 * 1024.0)
    );
    for (name, cmd) in rows {
        println!("  {name:<34} {:>10}", peak_rss(&cmd));
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).is_some_and(|a| a == "--peak-rss") {
        measure_child(&args[2], &args[3..]);
        return;
    }
    let quick = std::env::args().any(|a| a == "--quick");
    let (rounds, bulk, big) = if quick {
        (1, 20, 2 << 20)
    } else {
        (ROUNDS, 200, 50 << 20)
    };
    for tool in ["mpop", "curl", "python3"] {
        assert!(
            support::installed(tool),
            "{tool} is needed (.ci/setup installs it)"
        );
    }
    let mut mail = mail::bulk(bulk, 100 * 1024);
    let large = mail::mailbox(big).pop().expect("a large message");
    mail.push(large.clone());
    let small = mail::bulk(200, 2 * 1024);
    let (Some(d), Some(d_small), Some(d_big)) = (
        Dovecot::start("bench-bulk", &mail),
        Dovecot::start("bench-small", &small),
        Dovecot::start("bench-big", std::slice::from_ref(&large)),
    ) else {
        panic!("Dovecot is needed (.ci/setup installs it; the benches run as root)");
    };
    let o = Ours::start("bench", &mail, |_| {});
    println!(
        "mailbox: {} messages, {:.1} MiB",
        mail.len(),
        octets_of(&mail) as f64 / (1024.0 * 1024.0)
    );
    let sections = ["delivery", "pipelining", "servers", "memory"];
    let chosen: Vec<String> = std::env::args()
        .filter(|a| sections.contains(&a.as_str()))
        .collect();
    let wanted = |s: &str| chosen.is_empty() || chosen.iter().any(|c| c == s);
    if wanted("delivery") {
        delivery(rounds, &d, &mail);
    }
    if wanted("pipelining") {
        pipelining(rounds, &d_small, &small);
    }
    if wanted("servers") {
        servers(rounds, &d, &o, &mail);
    }
    if wanted("memory") {
        memory(&d_big, octets_of(std::slice::from_ref(&large)));
    }
}
