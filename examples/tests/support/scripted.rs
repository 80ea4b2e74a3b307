//! A scripted POP3 server on a loopback port, for the CLI against servers that misbehave:
//! it greets, then answers each command line with what `answer` returns for it, and
//! records every line it received. It answers only what it received, one line at a time,
//! unless a reply itself carries more.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// What the server does in answer to a line.
pub(crate) enum Answer {
    /// Writes these octets.
    Send(Vec<u8>),
    /// Writes these octets one at a time, pausing this long before each.
    Drip(Vec<u8>, Duration),
    /// Writes these octets and closes the connection.
    Hangup(Vec<u8>),
}

/// `text` as an answer.
pub(crate) fn send(text: impl AsRef<[u8]>) -> Answer {
    Answer::Send(text.as_ref().to_vec())
}

/// A running scripted server; it serves any number of connections in turn.
pub(crate) struct Scripted {
    pub(crate) port: u16,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Scripted {
    /// Starts a server that sends `greeting` on each connection, then `answer(line)` to
    /// each command line (without its CRLF).
    pub(crate) fn start(
        greeting: Answer,
        answer: impl Fn(&str) -> Answer + Send + Sync + 'static,
    ) -> Scripted {
        let listener = TcpListener::bind("127.0.0.1:0").expect("listen");
        let port = listener.local_addr().expect("address").port();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&lines);
        let greeting = Arc::new(greeting);
        let answer = Arc::new(answer);
        thread::spawn(move || {
            for tcp in listener.incoming().flatten() {
                let (seen, greeting, answer) = (
                    Arc::clone(&seen),
                    Arc::clone(&greeting),
                    Arc::clone(&answer),
                );
                thread::spawn(move || {
                    let _ = session(tcp, &greeting, &*answer, &seen);
                });
            }
        });
        Scripted { port, lines }
    }

    /// Every command line received so far, in order.
    pub(crate) fn lines(&self) -> Vec<String> {
        self.lines.lock().expect("lock").clone()
    }
}

/// Carries out `answer`; false when the connection is to end.
fn act(tcp: &mut TcpStream, answer: &Answer) -> std::io::Result<bool> {
    match answer {
        Answer::Send(bytes) => tcp.write_all(bytes)?,
        Answer::Drip(bytes, pause) => {
            for b in bytes {
                thread::sleep(*pause);
                tcp.write_all(&[*b])?;
            }
        }
        Answer::Hangup(bytes) => {
            tcp.write_all(bytes)?;
            return Ok(false);
        }
    }
    Ok(true)
}

fn session(
    mut tcp: TcpStream,
    greeting: &Answer,
    answer: &(dyn Fn(&str) -> Answer + Send + Sync),
    seen: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(tcp.try_clone()?);
    if !act(&mut tcp, greeting)? {
        return Ok(());
    }
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let line = line.trim_end_matches(['\r', '\n']).to_owned();
        seen.lock().expect("lock").push(line.clone());
        if !act(&mut tcp, &answer(&line))? {
            return Ok(());
        }
    }
}
