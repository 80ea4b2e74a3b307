//! Whole-program throughput against a real Dovecot, with curl measured in the same run as
//! the baseline: `cargo bench -p pop3-std --bench dovecot`.
//!
//! The mailbox is 200 messages of 100 KiB and one of 50 MiB. Each client downloads all of
//! it over one plain-TCP session into a sink, three times; the median is reported. Then a
//! child process RETRs the 50 MiB message into a file and reports its peak resident memory
//! next to that of a child that only connects and logs in.

#[path = "../tests/support/mod.rs"]
mod support;

use std::io;
use std::process::Command;
use std::time::{Duration, Instant};

use pop3_std::client::{Client, Connect, Fetched, Tls};
use support::curl_fetch_all;
use support::dovecot::{Dovecot, PASSWORD, USER};
use support::mail;

const RUNS: usize = 3;

fn connect(port: u16) -> Client {
    let mut c = Connect::new("127.0.0.1")
        .tls(Tls::None)
        .port(port)
        .allow_cleartext_auth(true)
        .connect()
        .expect("connect");
    c.login(USER, PASSWORD).expect("login");
    c
}

fn ours(port: u16, count: u32) -> u64 {
    let mut c = connect(port);
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

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn time(mut f: impl FnMut()) -> Duration {
    let runs = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    median(runs)
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The child: log in, RETR `msg` into `file` (or nothing when `msg` is 0), print peak RSS.
fn child(port: u16, msg: u32, file: &str) {
    let mut c = connect(port);
    if msg > 0 {
        let mut out = io::BufWriter::new(std::fs::File::create(file).expect("create file"));
        c.retr(msg, &mut out).expect("retr");
    }
    c.quit().expect("quit");
    println!("{}", peak_rss_kib());
}

fn child_rss(port: u16, msg: u32, file: &str) -> u64 {
    let out = Command::new(std::env::current_exe().expect("own path"))
        .args(["--child", &port.to_string(), &msg.to_string(), file])
        .output()
        .expect("run child");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("peak RSS")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        let port = args[i + 1].parse().expect("port");
        let msg = args[i + 2].parse().expect("message");
        child(port, msg, &args[i + 3]);
        return;
    }
    let mut mailbox = mail::bulk(200, 100 * 1024);
    mailbox.extend(mail::mailbox(50 * 1024 * 1024).pop());
    let Some(d) = Dovecot::start("bench", &mailbox) else {
        return;
    };
    let count = mailbox.len() as u32;
    let total: u64 = mailbox
        .iter()
        .map(|m| mail::served(&m.stored).len() as u64)
        .sum();
    let mib = total as f64 / (1024.0 * 1024.0);

    assert_eq!(ours(d.port, count), total, "every octet arrived");
    curl_fetch_all(d.port, count as usize);
    let t_ours = time(|| {
        ours(d.port, count);
    });
    let t_curl = time(|| curl_fetch_all(d.port, count as usize));
    let rate = |t: Duration| mib / t.as_secs_f64();
    println!(
        "mailbox: {count} messages, {mib:.1} MiB, from Dovecot over loopback, median of {RUNS}"
    );
    println!(
        "pop3-std: {:>8.1} ms  {:>7.1} MiB/s",
        t_ours.as_secs_f64() * 1e3,
        rate(t_ours)
    );
    println!(
        "curl:     {:>8.1} ms  {:>7.1} MiB/s",
        t_curl.as_secs_f64() * 1e3,
        rate(t_curl)
    );
    println!(
        "ratio (curl time / pop3-std time): {:.2}",
        t_curl.as_secs_f64() / t_ours.as_secs_f64()
    );

    let file = std::env::temp_dir().join(format!("pop3-bench-{}.eml", std::process::id()));
    let file = file.to_string_lossy().into_owned();
    let idle = child_rss(d.port, 0, &file);
    let retr = child_rss(d.port, count, &file);
    let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
    let _ = std::fs::remove_file(&file);
    println!(
        "peak RSS: login only {idle} KiB; RETR of {:.1} MiB to a file {retr} KiB (+{} KiB)",
        size as f64 / (1024.0 * 1024.0),
        retr.saturating_sub(idle)
    );
}
