//! Many sessions at once on the std server: `cargo bench -p pop3-std --bench server`. (Its
//! throughput against Dovecot is measured with the other whole programs: `cargo bench -p
//! pop3-examples --bench contenders`.)
//!
//! Many users log in at once (1000, then 5000), each LISTs and RETRs all of its mail
//!    and holds its session until every other one is in; the sessions held without error,
//!    the failures, the time until all were in and the memory per session are reported.
//!    The server runs with its default limits. The clients run on one thread
//!    (`sessions`), so the server's threads are the only ones that grow with the count.

#[path = "server/sessions.rs"]
mod sessions;
#[path = "../tests/support/mod.rs"]
mod support;

use support::mail;
use support::ours::Ours;

const SESSIONS: [usize; 2] = [1000, 5000];

/// Open files this process needs for `n` sessions: both ends of each live here.
fn files_for(n: usize) -> u64 {
    n as u64 * (pop3_std::server::FILES_PER_SESSION + 1) + pop3_std::server::FILES_BESIDES_SESSIONS
}

/// Raises the hard open-file limit too, where this process may (as root): the server's own
/// cap follows the limit in force, and both ends of every session need files here.
#[cfg(unix)]
fn allow_open_files(needed: u64) {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.maximum.is_some_and(|hard| hard < needed) {
        let _ = setrlimit(
            Resource::Nofile,
            Rlimit {
                current: limit.current,
                maximum: Some(needed),
            },
        );
    }
    match pop3_std::server::raise_open_files(needed) {
        Ok(Some(limit)) if limit < needed => {
            eprintln!("open-file limit {limit} is below the {needed} this run needs")
        }
        Ok(_) => {}
        Err(e) => eprintln!("cannot raise the open-file limit to {needed}: {e}"),
    }
}

fn concurrent_sessions(n: usize) -> sessions::Outcome {
    let mail = mail::bulk(5, 4 * 1024);
    // Default limits: the connection limit is what the open-file limit allows.
    let s = Ours::start_with_users(&format!("concurrent-{n}"), &mail, n, |st| {
        st.allow_cleartext = true;
    });
    let users: Vec<(String, String)> = (0..n)
        .map(|i| (format!("user{i}"), format!("pw{i}")))
        .collect();
    sessions::run(s.port, &users)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    #[cfg(unix)]
    allow_open_files(files_for(SESSIONS[SESSIONS.len() - 1]) * 2);
    println!(
        "concurrent sessions (each: login, LIST, RETR all, then open until all were in, then \
         QUIT; clients driven from one thread; default server limits):"
    );
    // The sessions the server admits under the open-file limit in force (its own cap).
    #[cfg(unix)]
    let fit = rustix::process::getrlimit(rustix::process::Resource::Nofile)
        .current
        .map_or(usize::MAX, |soft| {
            usize::try_from(
                soft.saturating_sub(pop3_std::server::FILES_BESIDES_SESSIONS)
                    / pop3_std::server::FILES_PER_SESSION,
            )
            .unwrap_or(usize::MAX)
        });
    #[cfg(not(unix))]
    let fit = usize::MAX;
    println!("  the open-file limit here lets the server admit {fit} sessions");
    let mut all_held = true;
    for n in SESSIONS {
        let outcome = concurrent_sessions(n);
        for failure in outcome.failures.iter().take(10) {
            eprintln!("session failed: {failure}");
        }
        let (before, held_at) = outcome.rss_kib;
        let per_session = held_at.saturating_sub(before) as f64 / n as f64;
        println!(
            "  {n:>5}: {} held, {} failed; all in after {:.2} s; resident memory {} -> {} MiB, \
             {per_session:.0} KiB per session (both ends)",
            outcome.held,
            outcome.failures.len(),
            outcome.until_all_in.as_secs_f64(),
            before / 1024,
            held_at / 1024,
        );
        // Past what fits, the oldest sessions not yet logged in make room (and see the
        // server's unsolicited -ERR as a protocol error): exactly the excess fails.
        all_held &= outcome.held == n.min(fit) && outcome.failures.len() == n - n.min(fit);
    }
    assert!(
        all_held,
        "every session that fits held and quit cleanly, and only the excess failed"
    );
}
