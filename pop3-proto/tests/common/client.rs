//! A test driver for the client: the drive loop of the crate docs, recording what the
//! client sent and every event as an owned value, with a hook that reacts to events the way
//! an application does.

use pop3_proto::Instant;
use pop3_proto::client::{self, Client, CommandKind, Error, Event, LineError, Security, Transport};

pub type TestClient = Client<1024, 1024, 64>;

/// An event with its data copied out. Consecutive body chunks of one command are merged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ev {
    Greeting {
        ok: bool,
        timestamp: Option<Vec<u8>>,
    },
    Reply {
        id: u32,
        command: CommandKind,
        ok: bool,
        code: Option<Vec<u8>>,
        text: Vec<u8>,
    },
    Stat {
        id: u32,
        count: u32,
        size: u64,
    },
    Scan {
        id: u32,
        msg: u32,
        size: u64,
    },
    Uid {
        id: u32,
        msg: u32,
        uid: Vec<u8>,
    },
    Capability {
        id: u32,
        tag: Vec<u8>,
    },
    Language {
        id: u32,
        tag: Vec<u8>,
        description: Vec<u8>,
    },
    Body {
        id: u32,
        data: Vec<u8>,
    },
    End {
        id: u32,
    },
    Challenge {
        id: u32,
        data: Vec<u8>,
    },
    TlsReady {
        id: u32,
    },
    BadLine {
        id: u32,
        line: Vec<u8>,
        error: LineError,
    },
    Closed {
        update: bool,
    },
    Fatal(Error),
}

impl Ev {
    /// The same event with its command id zeroed, to compare sessions whose ids differ.
    pub fn without_id(&self) -> Ev {
        let mut e = self.clone();
        match &mut e {
            Ev::Reply { id, .. }
            | Ev::Stat { id, .. }
            | Ev::Scan { id, .. }
            | Ev::Uid { id, .. }
            | Ev::Capability { id, .. }
            | Ev::Language { id, .. }
            | Ev::Body { id, .. }
            | Ev::End { id }
            | Ev::Challenge { id, .. }
            | Ev::TlsReady { id }
            | Ev::BadLine { id, .. } => *id = 0,
            Ev::Greeting { .. } | Ev::Closed { .. } | Ev::Fatal(_) => {}
        }
        e
    }
}

pub fn own(e: Event<'_>) -> Ev {
    match e {
        Event::Greeting(g) => Ev::Greeting {
            ok: g.is_ok(),
            timestamp: g.timestamp.map(|t| t.as_bytes().to_vec()),
        },
        Event::Reply { id, command, line } => Ev::Reply {
            id: id.get(),
            command,
            ok: line.is_ok(),
            code: line.code.map(|c| c.raw().to_vec()),
            text: line.text.to_vec(),
        },
        Event::Stat { id, stat } => Ev::Stat {
            id: id.get(),
            count: stat.count,
            size: stat.size,
        },
        Event::ScanListing { id, listing } => Ev::Scan {
            id: id.get(),
            msg: listing.msg,
            size: listing.size,
        },
        Event::UidListing { id, listing } => Ev::Uid {
            id: id.get(),
            msg: listing.msg,
            uid: listing.uid.to_vec(),
        },
        Event::Capability { id, capability } => Ev::Capability {
            id: id.get(),
            tag: capability.tag().to_vec(),
        },
        Event::Language {
            id,
            tag,
            description,
        } => Ev::Language {
            id: id.get(),
            tag: tag.to_vec(),
            description: description.to_vec(),
        },
        Event::Body { id, data } => Ev::Body {
            id: id.get(),
            data: data.to_vec(),
        },
        Event::End { id } => Ev::End { id: id.get() },
        Event::SaslChallenge { id, data } => Ev::Challenge {
            id: id.get(),
            data: data.to_vec(),
        },
        Event::TlsReady { id } => Ev::TlsReady { id: id.get() },
        Event::BadLine {
            id, line, error, ..
        } => Ev::BadLine {
            id: id.get(),
            line: line.to_vec(),
            error,
        },
        Event::Closed { update } => Ev::Closed { update },
    }
}

pub type React<'r> = Box<dyn FnMut(&mut TestClient, &Ev) + 'r>;

pub struct Run<'r> {
    pub client: TestClient,
    pub sent: Vec<u8>,
    pub events: Vec<Ev>,
    pub now: u64,
    react: React<'r>,
}

/// A session that asks for CAPA after the greeting and does nothing else, fed `server`.
pub fn capa_session(server: &[u8]) -> Run<'static> {
    let mut run = Run::new(
        cleartext(),
        Transport::Plain,
        Box::new(|c: &mut TestClient, e: &Ev| {
            if let Ev::Greeting { .. } = e {
                c.capa().unwrap();
            }
        }),
    );
    run.feed(server, usize::MAX);
    run
}

/// Cleartext allowed: these sessions run over memory.
pub fn cleartext() -> client::Config {
    client::Config::default().with_security(Security::AllowCleartext)
}

impl<'r> Run<'r> {
    pub fn new(config: client::Config, transport: Transport, react: React<'r>) -> Self {
        Run {
            client: Client::new(config, transport, Instant::from_millis(0)),
            sent: Vec::new(),
            events: Vec::new(),
            now: 0,
            react,
        }
    }

    /// Sends what is pending and takes every event, reacting to each, until quiet.
    pub fn pump(&mut self) {
        loop {
            let out = self.client.poll_transmit().to_vec();
            self.client.transmitted(out.len());
            self.sent.extend_from_slice(&out);
            let polled = self.client.poll_event().map(|e| e.map(own));
            let event = match polled {
                Ok(Some(e)) => e,
                // Reading replies may release commands: loop until both are quiet.
                Ok(None) if out.is_empty() && self.client.poll_transmit().is_empty() => return,
                Ok(None) => continue,
                Err(e) => {
                    if self.events.last() != Some(&Ev::Fatal(e)) {
                        self.events.push(Ev::Fatal(e));
                    }
                    return;
                }
            };
            (self.react)(&mut self.client, &event);
            match (self.events.last_mut(), event) {
                (
                    Some(Ev::Body { id, data }),
                    Ev::Body {
                        id: id2,
                        data: more,
                    },
                ) if *id == id2 => data.extend_from_slice(&more),
                (_, event) => self.events.push(event),
            }
        }
    }

    /// Hands over the server's bytes `chunk` octets at a time, pumping after each, as a
    /// server that answers each command only once it arrived: no piece goes past the end
    /// of a line, so the commands that a reply's last line prompts go out (the pump sends
    /// them) before the next reply starts to arrive. (Octets that arrive before the command
    /// they answer was sent are refused: [`Run::arrive`] delivers a forged stream as is.)
    pub fn feed(&mut self, server: &[u8], chunk: usize) {
        self.pump();
        for piece in server.chunks(chunk.max(1)) {
            for line in piece.split_inclusive(|&b| b == b'\n') {
                self.arrive(line);
            }
        }
    }

    /// Hands over `piece` at once (in turns when the receive buffer is full), pumping
    /// after each turn: octets that the server sent without waiting for a command.
    pub fn arrive(&mut self, piece: &[u8]) {
        let mut rest = piece;
        while !rest.is_empty() {
            self.now += 1;
            let n = self
                .client
                .handle_input(Instant::from_millis(self.now), rest);
            rest = &rest[n..];
            self.pump();
            if n == 0 && self.client.error().is_some() {
                return;
            }
        }
    }

    pub fn eof(&mut self) {
        self.client.handle_eof(Instant::from_millis(self.now));
        self.pump();
    }

    pub fn sent_lines(&self) -> Vec<String> {
        self.sent
            .split_inclusive(|&b| b == b'\n')
            .map(|l| String::from_utf8_lossy(l).trim_end().to_string())
            .collect()
    }
}
