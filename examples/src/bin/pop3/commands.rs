//! The commands that read a mailbox: list, uidl, top, retr (fetch has its own file).

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

use pop3_examples::local::PartialFile;
use pop3_std::client::Client;
use serde_json::json;

use crate::{interrupt, show};
use pop3_examples::exit::Failure;

fn local(e: io::Error) -> Failure {
    Failure::Local(e.to_string())
}

/// Prints a line of text or a JSON value.
pub(crate) fn emit(
    json: bool,
    text: impl FnOnce() -> String,
    value: impl FnOnce() -> serde_json::Value,
) {
    if json {
        println!("{}", show::json(&value()));
    } else {
        println!("{}", text());
    }
}

/// LIST.
pub(crate) fn list(c: &mut Client, json: bool) -> Result<(), Failure> {
    let list = c.list()?;
    let total: u64 = list.iter().map(|(_, s)| s).sum();
    emit(
        json,
        || {
            let mut out: String = list
                .iter()
                .map(|(m, s)| format!("{m:>6} {s:>10}\n"))
                .collect();
            out.push_str(&format!("{} messages, {total} octets", list.len()));
            out
        },
        || json!({ "messages": list.iter().map(|(m, s)| json!({"msg": m, "size": s})).collect::<Vec<_>>(), "octets": total }),
    );
    Ok(())
}

/// UIDL.
pub(crate) fn uidl(c: &mut Client, json: bool) -> Result<(), Failure> {
    let uids = c.uidl()?;
    emit(
        json,
        || {
            uids.iter()
                .map(|(m, u)| format!("{m:>6} {u}"))
                .collect::<Vec<_>>()
                .join("\n")
        },
        || json!({ "messages": uids.iter().map(|(m, u)| json!({"msg": m, "uid": u})).collect::<Vec<_>>() }),
    );
    Ok(())
}

/// TOP: the header and the first lines of the body, to standard output.
pub(crate) fn top(c: &mut Client, msg: u32, lines: u32, json: bool) -> Result<(), Failure> {
    let head = c.top(msg, lines)?;
    if json {
        println!(
            "{}",
            show::json(
                &json!({"msg": msg, "lines": lines, "text": String::from_utf8_lossy(&head)})
            )
        );
    } else {
        to_stdout(&head)?;
    }
    Ok(())
}

/// A message to standard output: escaped for a terminal, as served for a pipe or a file.
fn to_stdout(data: &[u8]) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    if out.is_terminal() {
        show::message(&mut out, data).map_err(local)
    } else {
        out.write_all(data).map_err(local)
    }
}

/// RETR into a file or to standard output, streamed.
pub(crate) fn retr(
    c: &mut Client,
    msg: u32,
    output: Option<&PathBuf>,
    json: bool,
) -> Result<(), Failure> {
    let written = match output {
        Some(path) => {
            // Under a temporary name until whole: a failed or stopped download leaves
            // nothing, and never a partial file under the name asked for.
            let partial = PartialFile::create(path).map_err(local)?;
            interrupt::guard(partial.undo());
            let mut file = io::BufWriter::new(partial);
            let n = c.retr(msg, &mut file);
            interrupt::settle(|| -> Result<u64, Failure> {
                let n = n?;
                let partial = file.into_inner().map_err(|e| local(e.into_error()))?;
                partial
                    .finish()
                    .map_err(|e| Failure::Local(format!("{}: {e}", path.display())))?;
                Ok(n)
            })?
        }
        None if json => {
            let mut buf = Vec::new();
            c.retr(msg, &mut buf)?;
            println!(
                "{}",
                show::json(
                    &json!({"msg": msg, "octets": buf.len(), "text": String::from_utf8_lossy(&buf)})
                )
            );
            return Ok(());
        }
        None if io::stdout().is_terminal() => {
            let mut buf = Vec::new();
            let n = c.retr(msg, &mut buf)?;
            to_stdout(&buf)?;
            n
        }
        None => c.retr(msg, &mut io::stdout().lock())?,
    };
    if let Some(path) = output {
        emit(
            json,
            || format!("message {msg}: {written} octets to {}", path.display()),
            || json!({"msg": msg, "octets": written, "file": path}),
        );
    }
    Ok(())
}
