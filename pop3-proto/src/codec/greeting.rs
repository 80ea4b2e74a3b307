//! The server greeting and its APOP timestamp (RFC 1939 section 7, RFC 2449 section 9).

use super::Strictness;
use super::error::{EncodeError, Field, ParseError};
use super::framer::RESPONSE_LINE_LIMIT;
use super::lex::is_vchar;
use super::out::Out;
use super::status::{RespCode, Status, StatusLine};

/// An APOP timestamp with the shape of an RFC 822 msg-id: `<local@domain>`, visible ASCII
/// only, one `@` with something on each side. APOP over any other challenge is refused,
/// since arbitrary challenges let a man in the middle recover the password (CVE-2007-1558).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Timestamp<'a> {
    raw: &'a [u8],
}

impl<'a> Timestamp<'a> {
    /// Checks `raw` (angle brackets included) for msg-id shape.
    pub fn new(raw: &'a [u8]) -> Option<Self> {
        let inner = raw.strip_prefix(b"<")?.strip_suffix(b">")?;
        let visible = inner.iter().all(|&b| is_vchar(b) && b != b'<' && b != b'>');
        let mut halves = inner.split(|&b| b == b'@');
        let local = halves.next()?;
        let domain = halves.next()?;
        let shaped = halves.next().is_none() && !local.is_empty() && !domain.is_empty();
        (visible && shaped).then_some(Timestamp { raw })
    }

    /// The timestamp with its angle brackets, as the APOP digest covers it.
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.raw
    }
}

impl core::fmt::Debug for Timestamp<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Timestamp(\"{}\")", self.raw.escape_ascii())
    }
}

/// The greeting: a status line whose text may carry an APOP timestamp.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Greeting<'a> {
    /// The status line. A `-ERR` greeting refuses service.
    pub line: StatusLine<'a>,
    /// The first `<...>` of the text, if it has msg-id shape.
    pub timestamp: Option<Timestamp<'a>>,
}

impl<'a> Greeting<'a> {
    /// Parses a greeting line (without CRLF).
    pub fn parse(line: &'a [u8], strictness: Strictness) -> Result<Self, ParseError> {
        let line = StatusLine::parse(line, strictness)?;
        Ok(Greeting {
            line,
            timestamp: find_timestamp(line.text),
        })
    }

    /// A `+OK` greeting: `text`, then the timestamp if any.
    pub const fn ok(text: &'a [u8], timestamp: Option<Timestamp<'a>>) -> Self {
        Greeting {
            line: StatusLine::ok(text),
            timestamp,
        }
    }

    /// The same greeting with a response code.
    pub const fn with_code(self, code: RespCode<'a>) -> Self {
        Greeting {
            line: self.line.with_code(code),
            timestamp: self.timestamp,
        }
    }

    /// Encodes `status [SP [code]] [SP text] [SP timestamp]` CRLF. A timestamp already
    /// inside the text is not repeated.
    pub fn encode(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let mut out = Out::new(buf);
        self.line.encode_into(&mut out)?;
        if let Some(ts) = self
            .timestamp
            .filter(|&ts| find_timestamp(self.line.text) != Some(ts))
        {
            out.put(b" ");
            out.checked(ts.raw, Field::Timestamp, is_vchar)?;
        }
        out.finish_line(RESPONSE_LINE_LIMIT)
    }

    /// True for a `+OK` greeting.
    pub const fn is_ok(&self) -> bool {
        matches!(self.line.status, Status::Ok)
    }
}

fn find_timestamp(text: &[u8]) -> Option<Timestamp<'_>> {
    let open = text.iter().position(|&b| b == b'<')?;
    let from_open = text.get(open..)?;
    let close = from_open.iter().position(|&b| b == b'>')?;
    Timestamp::new(from_open.get(..=close)?)
}
