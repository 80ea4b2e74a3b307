//! `pop3 demo`: the bundled server on a loopback port with a sample mailbox, and this CLI
//! against it: capabilities, STLS, login, list, a peek with TOP, a fetch with progress,
//! and a summary. Works offline with nothing installed.

use std::time::Duration;

use pop3_examples::demo::{DEMO_USER, DemoServer};
use pop3_std::client::{Connect, Tls};
use pop3_std::tls::Trust;
use serde_json::json;

use crate::fetch::{FetchArgs, fetch};
use crate::show;
use pop3_examples::exit::Failure;

const MESSAGES: usize = 60;
const SIZE: usize = 48 * 1024;

pub(crate) fn run(json: bool, keep_fetched: bool) -> Result<(), Failure> {
    let say = |line: String| {
        if !json {
            println!("{line}");
        }
    };
    let server = DemoServer::start(MESSAGES, SIZE)
        .map_err(|e| Failure::Local(format!("starting the demo server: {e}")))?;
    say(format!(
        "Started the bundled pop3-std server on localhost:{} with {MESSAGES} sample messages.",
        server.port
    ));
    let mut c = Connect::new("localhost")
        .port(server.port)
        .tls(Tls::StartTls)
        .trust(Trust::CaFile(server.ca_file.clone()))
        .timeout(Duration::from_secs(30))
        .connect()?;
    say(format!(
        "Connected; greeting: {:?}. Upgraded to TLS with STLS: {}.",
        c.greeting(),
        c.is_tls()
    ));
    let caps = c.capabilities();
    let names: Vec<&str> = [
        (caps.top(), "TOP"),
        (caps.uidl(), "UIDL"),
        (caps.user(), "USER"),
        (caps.pipelining(), "PIPELINING"),
        (caps.resp_codes(), "RESP-CODES"),
        (caps.auth_resp_code(), "AUTH-RESP-CODE"),
        (caps.sasl(), "SASL"),
    ]
    .into_iter()
    .filter_map(|(on, name)| on.then_some(name))
    .collect();
    say(format!("Capabilities after TLS: {}", names.join(" ")));
    c.login(DEMO_USER, &server.password)?;
    say(format!("Logged in as {DEMO_USER:?}."));
    let list = c.list()?;
    let total: u64 = list.iter().map(|(_, s)| s).sum();
    say(format!(
        "The maildrop holds {} messages, {total} octets.",
        list.len()
    ));
    let head = c.top(1, 0)?;
    let head = String::from_utf8_lossy(&head);
    let from = head
        .lines()
        .find(|l| l.starts_with("From:"))
        .unwrap_or("From: ?");
    let subject = head
        .lines()
        .find(|l| l.starts_with("Subject:"))
        .unwrap_or("Subject: ?");
    say(format!(
        "Peek at message 1 with TOP 1 0: {} | {}",
        show::text(from),
        show::text(subject)
    ));
    // The server's side is removed with the server; the fetched mail too, unless kept.
    let local = std::env::temp_dir().join(format!("pop3-demo-fetched-{}", std::process::id()));
    let args = FetchArgs {
        maildir: Some(local.clone()),
        keep: true,
        max_size: Some(u64::MAX),
        ..FetchArgs::default()
    };
    say(format!(
        "Fetching every message into the Maildir {} ...",
        local.display()
    ));
    let done = args.open().and_then(|dest| fetch(c, &args, dest, !json));
    let fetched_to = if keep_fetched {
        format!("kept in {}", local.display())
    } else {
        let _ = std::fs::remove_dir_all(&local);
        format!(
            "removed {} (keep it with `pop3 demo --keep-fetched`)",
            local.display()
        )
    };
    let done = done?;
    if done.fetched != list.len() || done.octets != total {
        return Err(Failure::Protocol(format!(
            "fetched {} messages ({} octets) of {} ({total} octets)",
            done.fetched,
            done.octets,
            list.len()
        )));
    }
    let mib = done.octets as f64 / (1024.0 * 1024.0);
    let rate = if done.seconds > 0.0 {
        mib / done.seconds
    } else {
        0.0
    };
    if json {
        println!(
            "{}",
            show::json(
                &json!({"messages": done.fetched, "octets": done.octets, "seconds": done.seconds,
                   "mib_per_second": rate, "left_on_server": server.stored(),
                   "maildir": local, "kept": keep_fetched})
            )
        );
    } else {
        println!(
            "Fetched {} messages, {:.2} MiB in {:.3} s ({rate:.1} MiB/s); all {} still on the server (--keep).",
            done.fetched,
            mib,
            done.seconds,
            server.stored()
        );
        println!("The fetched Maildir: {fetched_to}.");
        println!(
            "Next: point the same tool at your own server, e.g. `pop3 --server pop3s://you@mail.example.com fetch --maildir ~/Mail`."
        );
    }
    Ok(())
}
