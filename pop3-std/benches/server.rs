//! Whole-program runs of the std server: `cargo bench -p pop3-std --bench server`.
//!
//! 1. curl downloads the same mailbox (200 messages of 100 KiB and one of 50 MiB) from our
//!    server and from Dovecot, one session each, median of three; Dovecot is the baseline.
//! 2. Many users log in at once, each LISTs and RETRs all of its mail and holds its session
//!    until every other one is in; the count of sessions held without error is reported.
//!    The clients run on one thread (`sessions`), so the server's threads are the only
//!    ones that grow with the count.

#[path = "server/sessions.rs"]
mod sessions;
#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

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

fn concurrent_sessions() -> sessions::Outcome {
    // This process holds both ends of every session.
    let needed = SESSIONS as u64 * (pop3_std::server::FILES_PER_SESSION + 1)
        + pop3_std::server::FILES_BESIDES_SESSIONS;
    match pop3_std::server::raise_open_files(needed) {
        Ok(Some(limit)) if limit < needed => {
            eprintln!("open-file limit {limit} is below the {needed} this run needs")
        }
        Ok(_) => {}
        Err(e) => eprintln!("cannot raise the open-file limit to {needed}: {e}"),
    }
    let mail = mail::bulk(5, 4 * 1024);
    let s = Ours::start_with_users("concurrent", &mail, SESSIONS, |st| {
        st.allow_cleartext = true;
        st.max_connections = SESSIONS + 10;
    });
    let users: Vec<(String, String)> = (0..SESSIONS)
        .map(|i| (format!("user{i}"), format!("pw{i}")))
        .collect();
    sessions::run(s.port, &users)
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
    let outcome = concurrent_sessions();
    for failure in &outcome.failures {
        eprintln!("session failed: {failure}");
    }
    println!(
        "concurrent sessions held without error: {} of {SESSIONS} (each: login, LIST, RETR all, \
         then open until all were in, then QUIT; clients driven from one thread)",
        outcome.held
    );
    assert_eq!(
        outcome.held, SESSIONS,
        "every session held and quit cleanly"
    );
}
