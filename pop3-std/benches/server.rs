//! Whole-program runs of the std server: `cargo bench -p pop3-std --bench server`.
//!
//! 1. curl downloads the same mailbox (200 messages of 100 KiB and one of 50 MiB) from our
//!    server and from Dovecot, one session each, median of three; Dovecot is the baseline.
//! 2. Many users log in at once, each LISTs and RETRs all of its mail and holds its session
//!    until every other one is in; the count of sessions held without error is reported.

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use pop3_std::client::{Connect, Tls};
use support::curl_fetch_all;
use support::dovecot::Dovecot;
use support::mail;
use support::ours::Ours;

const RUNS: usize = 3;
const SESSIONS: usize = 500;

fn median_time(mut f: impl FnMut()) -> Duration {
    f();
    let mut runs: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    runs.sort();
    runs[RUNS / 2]
}

fn concurrent_sessions() -> usize {
    let mail = mail::bulk(5, 4 * 1024);
    let s = Ours::start_with_users("concurrent", &mail, SESSIONS, |st| {
        st.allow_cleartext = true;
        st.max_connections = SESSIONS + 10;
    });
    let port = s.port;
    let barrier = Arc::new(Barrier::new(SESSIONS));
    let threads: Vec<_> = (0..SESSIONS)
        .map(|i| {
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                let session = || -> Result<(), pop3_std::client::Error> {
                    let mut c = Connect::new("127.0.0.1")
                        .tls(Tls::None)
                        .port(port)
                        .allow_cleartext_auth(true)
                        .timeout(Duration::from_secs(60))
                        .connect()?;
                    c.login(&format!("user{i}"), &format!("pw{i}"))?;
                    for (msg, size) in c.list()? {
                        let got = c.retr(msg, &mut std::io::sink())?;
                        assert_eq!(got, size);
                    }
                    Ok(())
                };
                let r = session();
                barrier.wait();
                r.is_ok()
            })
        })
        .collect();
    threads
        .into_iter()
        .filter_map(|t| t.join().ok())
        .filter(|ok| *ok)
        .count()
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let mut mailbox = mail::bulk(200, 100 * 1024);
    mailbox.extend(mail::mailbox(50 * 1024 * 1024).pop());
    let count = mailbox.len();
    let mib: f64 = mailbox
        .iter()
        .map(|m| mail::served(&m.stored).len() as f64)
        .sum::<f64>()
        / 1048576.0;
    let Some(dovecot) = Dovecot::start("server-bench", &mailbox) else {
        return;
    };
    let ours = Ours::start("server-bench", &mailbox, |st| st.allow_cleartext = true);
    let t_ours = median_time(|| curl_fetch_all(ours.port, count));
    let t_dovecot = median_time(|| curl_fetch_all(dovecot.port, count));
    println!("curl downloads {count} messages, {mib:.1} MiB, one session, median of {RUNS}:");
    println!(
        "  from pop3-std server: {:>8.1} ms  {:>7.1} MiB/s",
        t_ours.as_secs_f64() * 1e3,
        mib / t_ours.as_secs_f64()
    );
    println!(
        "  from Dovecot:         {:>8.1} ms  {:>7.1} MiB/s",
        t_dovecot.as_secs_f64() * 1e3,
        mib / t_dovecot.as_secs_f64()
    );
    println!(
        "  ratio (Dovecot time / ours): {:.2}",
        t_dovecot.as_secs_f64() / t_ours.as_secs_f64()
    );
    drop(ours);
    drop(dovecot);
    let held = concurrent_sessions();
    println!(
        "concurrent sessions held without error: {held} of {SESSIONS} (each: login, LIST, RETR all)"
    );
    assert_eq!(held, SESSIONS, "every session completed");
}
