//! The incremental framer: splits the POP3 byte stream into lines, listing lines and body
//! chunks, under a line-length limit, without ever scanning an octet twice.
//!
//! The framer owns no buffer. The caller keeps the octets it has not consumed yet and offers
//! them again, with more appended, on the next call; the framer remembers how far it has
//! already looked. The caller's buffer must hold at least [`Framer::line_limit`] octets, or a
//! line of legal length can never be completed.

use super::Strictness;
use super::unstuff::{Unstuffed, Unstuffer};

/// RFC 2449 section 4: the first line of a response, and a CAPA line, is at most 512 octets
/// including the CRLF.
pub const RESPONSE_LINE_LIMIT: usize = 512;

/// RFC 2449 section 4: a command is at most 255 octets including the CRLF.
pub const COMMAND_LINE_LIMIT: usize = 255;

/// The smallest limit a framer accepts: room for `.` CRLF.
const MIN_LINE_LIMIT: usize = 3;

/// What the framer expects next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Mode {
    /// Single lines: a status line, a greeting, a command, a SASL line.
    Line,
    /// A multi-line response read line by line (CAPA, LIST, UIDL, LANG): each line is
    /// unstuffed and bounded; the `.` line ends it.
    Listing,
    /// A multi-line response streamed as chunks (RETR, TOP): unstuffed, unbounded lines.
    Body,
}

/// A framing fault. The faulty line has been consumed whole, so the octet after it is the
/// start of the next line: the stream stays in step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum FrameError {
    /// The line, terminator included, was longer than the limit.
    LineTooLong {
        /// The limit in force.
        limit: usize,
        /// Octets the line had, terminator included (saturating).
        length: usize,
    },
    /// The line ended in LF without CR, and the framer is strict.
    BareLineFeed,
}

impl core::fmt::Display for FrameError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::LineTooLong { limit, length } => {
                write!(f, "line of {length} octets exceeds the limit of {limit}")
            }
            Self::BareLineFeed => f.write_str("line ends in LF without CR"),
        }
    }
}

impl core::error::Error for FrameError {}

/// One unit of the stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Frame<'a> {
    /// A complete line without its line end (in [`Mode::Listing`], also without the
    /// stuffed dot).
    Line(&'a [u8]),
    /// Body octets of a [`Mode::Body`] response, unstuffed, line ends as sent.
    Chunk(&'a [u8]),
    /// The end of a multi-line response; the framer is back in [`Mode::Line`].
    End,
    /// A faulty line, consumed whole.
    Error(FrameError),
}

/// The result of one [`Framer::decode`] call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Decoded<'a> {
    /// Octets of the input used up; drop them before the next call.
    pub consumed: usize,
    /// What they held; `None` means more input is needed.
    pub frame: Option<Frame<'a>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
enum State {
    /// Reading a line; the first `scanned` unconsumed octets hold no LF.
    Line { scanned: usize },
    /// Discarding the rest of an overlong line of which `length` octets were seen.
    Skip { length: usize },
    /// Streaming a body.
    Body(Unstuffer),
}

/// The incremental framer. See the module documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Framer {
    limit: usize,
    strictness: Strictness,
    mode: Mode,
    state: State,
    /// The last line ended in CRLF (not a bare LF read leniently): only then can the next
    /// line be the `.` that ends a multi-line response (CRLF `.` CRLF, RFC 1939 section 3).
    crlf: bool,
}

impl Framer {
    /// A framer in [`Mode::Line`] with the given line limit (CRLF included).
    pub const fn new(line_limit: usize, strictness: Strictness) -> Self {
        let limit = if line_limit < MIN_LINE_LIMIT {
            MIN_LINE_LIMIT
        } else {
            line_limit
        };
        Framer {
            limit,
            strictness,
            mode: Mode::Line,
            state: State::Line { scanned: 0 },
            crlf: true,
        }
    }

    /// A framer for the client side: responses, limit [`RESPONSE_LINE_LIMIT`].
    pub const fn for_responses(strictness: Strictness) -> Self {
        Self::new(RESPONSE_LINE_LIMIT, strictness)
    }

    /// A framer for the server side: commands, limit [`COMMAND_LINE_LIMIT`].
    pub const fn for_commands(strictness: Strictness) -> Self {
        Self::new(COMMAND_LINE_LIMIT, strictness)
    }

    /// True while a line longer than the limit is being discarded and its end has not come:
    /// the peer is still sending it. A server need not wait for that end (see
    /// `server::Server`): a line past the limit is never a command.
    pub const fn discarding(&self) -> bool {
        matches!(self.state, State::Skip { .. })
    }

    /// The line limit in force, CRLF included.
    pub const fn line_limit(&self) -> usize {
        self.limit
    }

    /// Changes the line limit, for instance for SASL lines that carry large tokens. It
    /// applies from the next line on.
    pub fn set_line_limit(&mut self, line_limit: usize) {
        self.limit = line_limit.max(MIN_LINE_LIMIT);
    }

    /// How line ends are read.
    pub const fn strictness(&self) -> Strictness {
        self.strictness
    }

    /// What the framer expects next.
    pub const fn mode(&self) -> Mode {
        self.mode
    }

    /// Sets what comes next, from the first unconsumed octet, which must start a line
    /// (call it right after the frame that ended the previous line). A line being skipped
    /// for its length is forgotten.
    pub fn set_mode(&mut self, mode: Mode) {
        self.mode = mode;
        self.state = match mode {
            Mode::Line | Mode::Listing => State::Line { scanned: 0 },
            Mode::Body => State::Body(Unstuffer::after(self.strictness, self.crlf)),
        };
    }

    /// Back to [`Mode::Line`], forgetting any partial line.
    pub fn reset(&mut self) {
        self.set_mode(Mode::Line);
    }

    /// Frames the start of `input`, the octets not consumed so far followed by new ones.
    pub fn decode<'a>(&mut self, input: &'a [u8]) -> Decoded<'a> {
        match self.state {
            State::Line { scanned } => self.line(input, scanned),
            State::Skip { length } => self.skip(input, 0, length),
            State::Body(mut unstuffer) => {
                let (consumed, found) = unstuffer.decode(input);
                self.state = State::Body(unstuffer);
                let frame = found.map(|u| match u {
                    Unstuffed::Chunk(c) => Frame::Chunk(c),
                    Unstuffed::End => {
                        self.reset();
                        Frame::End
                    }
                });
                Decoded { consumed, frame }
            }
        }
    }

    fn line<'a>(&mut self, input: &'a [u8], scanned: usize) -> Decoded<'a> {
        let window = input.get(..self.limit).unwrap_or(input);
        let from = scanned.min(window.len());
        let unseen = window.get(from..).unwrap_or_default();
        let Some(lf) = super::scan::lf(unseen).map(|off| from + off) else {
            if input.len() >= self.limit {
                return self.skip(input, window.len(), 0);
            }
            self.state = State::Line {
                scanned: window.len(),
            };
            return Decoded {
                consumed: 0,
                frame: None,
            };
        };
        self.state = State::Line { scanned: 0 };
        let body = input.get(..lf).unwrap_or_default();
        let after_crlf = self.crlf;
        let frame = match body.strip_suffix(b"\r") {
            Some(content) => {
                self.crlf = true;
                self.line_frame(content, after_crlf)
            }
            None if self.strictness == Strictness::Lenient => {
                self.crlf = false;
                self.line_frame(body, false)
            }
            None => Frame::Error(FrameError::BareLineFeed),
        };
        Decoded {
            consumed: lf + 1,
            frame: Some(frame),
        }
    }

    /// A complete line; `may_end`: it is the `.` CRLF of a CRLF `.` CRLF, the only octets
    /// that end a listing (a lone `.` after a bare LF, or before one, is a bad line).
    fn line_frame<'a>(&mut self, content: &'a [u8], may_end: bool) -> Frame<'a> {
        if self.mode != Mode::Listing {
            return Frame::Line(content);
        }
        match content.split_first() {
            Some((b'.', [])) if may_end => {
                self.reset();
                Frame::End
            }
            Some((b'.', [])) => Frame::Line(content),
            Some((b'.', unstuffed)) => Frame::Line(unstuffed),
            _ => Frame::Line(content),
        }
    }

    /// Discards up to and including the next LF at or after `from`; `length` octets of the
    /// line were discarded before this input.
    fn skip<'a>(&mut self, input: &'a [u8], from: usize, length: usize) -> Decoded<'a> {
        let unseen = input.get(from..).unwrap_or_default();
        match super::scan::lf(unseen) {
            Some(off) => {
                let consumed = from + off + 1;
                self.state = State::Line { scanned: 0 };
                // Whether the overlong line ended in CRLF, where its CR is still in view.
                self.crlf = consumed >= 2 && input.get(consumed - 2) == Some(&b'\r');
                let length = length.saturating_add(consumed);
                let error = FrameError::LineTooLong {
                    limit: self.limit,
                    length,
                };
                Decoded {
                    consumed,
                    frame: Some(Frame::Error(error)),
                }
            }
            None => {
                self.state = State::Skip {
                    length: length.saturating_add(input.len()),
                };
                Decoded {
                    consumed: input.len(),
                    frame: None,
                }
            }
        }
    }
}
