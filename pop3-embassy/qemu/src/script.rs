//! A scripted POP3 server on the chip: each command the client sends must be the one the
//! script expects next, and its reply is then released, handed out a few octets at a time
//! (1, 3, 7, 13, ... octets per read), so that lines and the dot-stuffing are split across
//! reads at many places.

use heapless::{Deque, Vec};

/// One step: the command line expected (CRLF included) and the server's reply.
pub type Step = (&'static [u8], &'static [u8]);

/// What went wrong on the scripted side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mismatch {
    /// The client sent something other than the command expected at this step.
    Unexpected { step: usize },
    /// The client sent more commands than the script has.
    PastTheEnd,
    /// A command line longer than any the script holds.
    Overlong,
}

impl core::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Mismatch::Unexpected { step } => write!(f, "unexpected command at step {step}"),
            Mismatch::PastTheEnd => f.write_str("a command after the script's end"),
            Mismatch::Overlong => f.write_str("an overlong command line"),
        }
    }
}

impl core::error::Error for Mismatch {}

impl embedded_io_async::Error for Mismatch {
    fn kind(&self) -> embedded_io_async::ErrorKind {
        embedded_io_async::ErrorKind::InvalidData
    }
}

/// The server end of the in-memory link.
pub struct Scripted {
    steps: &'static [Step],
    next: usize,
    line: Vec<u8, 128>,
    /// Replies released and not yet read, in order.
    replies: Deque<&'static [u8], 16>,
    /// How far the front reply has been read.
    at: usize,
    reads: usize,
    /// Octets the client sent.
    pub sent: usize,
}

const CHUNKS: [usize; 6] = [1, 3, 7, 13, 2, 64];

impl Scripted {
    /// A server that has sent `greeting` and will answer `steps` in order.
    pub fn new(greeting: &'static [u8], steps: &'static [Step]) -> Self {
        let mut replies = Deque::new();
        let _ = replies.push_back(greeting);
        Scripted {
            steps,
            next: 0,
            line: Vec::new(),
            replies,
            at: 0,
            reads: 0,
            sent: 0,
        }
    }

    /// Every step of the script was taken.
    pub fn finished(&self) -> bool {
        self.next == self.steps.len() && self.replies.is_empty()
    }
}

impl embedded_io_async::ErrorType for Scripted {
    type Error = Mismatch;
}

impl embedded_io_async::Read for Scripted {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Mismatch> {
        let Some(&front) = self.replies.front() else {
            // Nothing released: the client waits for a reply to a command it has not sent.
            // A real server would be silent too; the session's deadline ends it.
            return core::future::pending().await;
        };
        let chunk = CHUNKS[self.reads % CHUNKS.len()];
        self.reads += 1;
        let rest = &front[self.at..];
        let n = rest.len().min(buf.len()).min(chunk);
        buf[..n].copy_from_slice(&rest[..n]);
        self.at += n;
        if self.at == front.len() {
            self.replies.pop_front();
            self.at = 0;
        }
        Ok(n)
    }
}

impl embedded_io_async::Write for Scripted {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Mismatch> {
        for &b in buf {
            self.line.push(b).map_err(|_| Mismatch::Overlong)?;
            if b != b'\n' {
                continue;
            }
            let (expected, reply) = *self.steps.get(self.next).ok_or(Mismatch::PastTheEnd)?;
            if self.line.as_slice() != expected {
                return Err(Mismatch::Unexpected { step: self.next });
            }
            self.line.clear();
            self.next += 1;
            self.replies
                .push_back(reply)
                .map_err(|_| Mismatch::Overlong)?;
        }
        self.sent += buf.len();
        Ok(buf.len())
    }

    async fn flush(&mut self) -> Result<(), Mismatch> {
        Ok(())
    }
}
