//! Streaming decoder of a multi-line body (RFC 1939 section 3): removes the byte-stuffed
//! leading dot and finds the `CRLF . CRLF` terminator, whatever way the input is split.
//!
//! The data it hands out borrows from the input; nothing is copied and nothing is kept but
//! four states, so a body of any size and with lines of any length passes through a buffer
//! of any size.

use super::Strictness;

/// Where the decoder stands between two inputs. `hard` says that the line began after
/// CRLF (or at the start of the body): only there can `.` CRLF end the body, for the
/// terminator is the five octets CRLF `.` CRLF (RFC 1939 section 3). After a bare LF, which
/// lenient reading takes as a line end, a lone `.` line is data: a server, or a message it
/// passes through, must not be able to end a message early and have the rest read as the
/// next reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
enum At {
    /// At the first octet of a line.
    LineStart { hard: bool },
    /// Inside a line; `cr` says whether the last octet seen was CR.
    Mid { cr: bool },
    /// After a dot that started a line.
    Dot { hard: bool },
    /// After a dot and CR that started a line.
    DotCr { hard: bool },
}

/// What the unstuffer found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Unstuffed<'a> {
    /// Body octets, unstuffed, CRLF line ends included as sent.
    Chunk(&'a [u8]),
    /// The terminating `.` line was consumed; the body is complete.
    End,
}

/// The streaming body decoder. See the module documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Unstuffer {
    at: At,
    strictness: Strictness,
}

impl Unstuffer {
    /// A decoder positioned at the start of the body (just after the `+OK` line).
    pub const fn new(strictness: Strictness) -> Self {
        Unstuffer::after(strictness, true)
    }

    /// A decoder at the start of a body whose `+OK` line ended in CRLF (`crlf`) or, read
    /// leniently, in a bare LF: then a `.` line at once is data, not the end.
    pub(crate) const fn after(strictness: Strictness, crlf: bool) -> Self {
        Unstuffer {
            at: At::LineStart { hard: crlf },
            strictness,
        }
    }

    /// Decodes from `input`: returns how many octets were consumed and what they held.
    ///
    /// `None` means every octet offered was used up (some octets, such as a stuffed dot,
    /// produce no output) and more input is needed. After [`Unstuffed::End`] the decoder is
    /// ready for another body; octets after the terminator are not consumed.
    pub fn decode<'a>(&mut self, input: &'a [u8]) -> (usize, Option<Unstuffed<'a>>) {
        let mut pos = 0;
        loop {
            let Some(&b) = input.get(pos) else {
                return (pos, None);
            };
            match self.at {
                At::LineStart { hard } if b == b'.' => {
                    pos += 1;
                    self.at = At::Dot { hard };
                }
                At::LineStart { .. } => return self.run(input, pos, false),
                At::Dot { hard } => match b {
                    b'\r' => {
                        pos += 1;
                        self.at = At::DotCr { hard };
                    }
                    // The dot was stuffing (or, if unstuffed by a broken server, dropped as
                    // RFC 1939 says the client does). `.` and a bare LF never end the body.
                    _ => return self.run(input, pos, false),
                },
                At::DotCr { hard: true } if b == b'\n' => {
                    self.at = At::LineStart { hard: true };
                    return (pos + 1, Some(Unstuffed::End));
                }
                At::DotCr { hard: false } if b == b'\n' => {
                    // `.` CRLF after a bare LF: a line holding one dot, as data.
                    self.at = At::LineStart { hard: true };
                    return (pos + 1, Some(Unstuffed::Chunk(b".\r\n")));
                }
                At::DotCr { .. } => {
                    // ".\r" then something else: the CR is data, consumed on an earlier call.
                    self.at = At::Mid { cr: true };
                    return (pos, Some(Unstuffed::Chunk(b"\r")));
                }
                At::Mid { cr } => return self.run(input, pos, cr),
            }
        }
    }

    /// Passes on data from `start` (inside a line) as far as it can go without deciding
    /// about a dot: up to the end of the input or the start of a line that begins with one.
    /// Only lines that start with a dot need a decision, so the search is for them alone
    /// (`CRLF .`, or leniently `LF .`), a block at a time.
    fn run<'a>(
        &mut self,
        input: &'a [u8],
        start: usize,
        cr: bool,
    ) -> (usize, Option<Unstuffed<'a>>) {
        let lenient = self.strictness == Strictness::Lenient;
        let data = input.get(start..).unwrap_or_default();
        // The octet before `lf` is CR (the one before the data is `cr`).
        let cr_before = |lf: usize| match lf.checked_sub(1) {
            Some(p) => data.get(p) == Some(&b'\r'),
            None => cr,
        };
        let dot_line = if cr && data.starts_with(b"\n.") {
            // The CR ended the previous input.
            Some(0)
        } else {
            // Strictly, only an LF after CR ends a line.
            let mut from = 0;
            loop {
                match super::scan::dot_line(data.get(from..).unwrap_or_default()) {
                    Some(p) if lenient || cr_before(from + p) => break Some(from + p),
                    Some(p) => from += p + 1,
                    None => break None,
                }
            }
        };
        let (i, at) = match dot_line {
            Some(lf) => (
                lf + 1,
                At::LineStart {
                    hard: cr_before(lf),
                },
            ),
            None => match data.len().checked_sub(1) {
                // A line end as the last octet: what follows decides.
                Some(lf) if data.get(lf) == Some(&b'\n') => {
                    let hard = cr_before(lf);
                    let at = if lenient || hard {
                        At::LineStart { hard }
                    } else {
                        At::Mid { cr: false }
                    };
                    (data.len(), at)
                }
                Some(last) => (
                    data.len(),
                    At::Mid {
                        cr: data.get(last) == Some(&b'\r'),
                    },
                ),
                None => (0, At::Mid { cr }),
            },
        };
        self.at = at;
        if i == 0 {
            return (start, None);
        }
        (start + i, data.get(..i).map(Unstuffed::Chunk))
    }

    /// True when no octet of a line is pending (the decoder stands at a line start).
    pub const fn at_line_start(&self) -> bool {
        matches!(self.at, At::LineStart { .. })
    }
}
