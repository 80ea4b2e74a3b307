//! Status lines (`+OK` / `-ERR`, RFC 1939 section 3) and their response codes (RFC 2449
//! section 8, RFC 3206, RFC 6856 section 2).

use super::Strictness;
use super::error::{EncodeError, Field, ParseError, ParseErrorKind};
use super::framer::RESPONSE_LINE_LIMIT;
use super::lex::is_text_byte;
use super::out::Out;

/// The status indicator of a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Status {
    /// `+OK`
    Ok,
    /// `-ERR`
    Err,
}

impl Status {
    /// The indicator as sent.
    pub const fn as_bytes(self) -> &'static [u8] {
        match self {
            Status::Ok => b"+OK",
            Status::Err => b"-ERR",
        }
    }
}

/// What a response code means, by its first level (and the second, for `SYS`).
/// Unknown hierarchical detail is ignored, as RFC 2449 section 8 requires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum RespCodeKind {
    /// `[IN-USE]`: authenticated, but the maildrop is locked (RFC 2449 section 8.1.2).
    InUse,
    /// `[LOGIN-DELAY]`: logged in too soon after the last login (RFC 2449 section 8.1.1).
    LoginDelay,
    /// `[SYS/TEMP]`: a transient system failure; retry later (RFC 3206 section 4).
    SysTemp,
    /// `[SYS/PERM]`: a permanent system failure; ask an administrator (RFC 3206 section 4).
    SysPerm,
    /// `[SYS/...]` with a detail this crate does not know.
    Sys,
    /// `[AUTH]`: the credentials were at fault (RFC 3206 section 5).
    Auth,
    /// `[UTF8]`: the message needs UTF-8 mode (RFC 6856 section 2.1).
    Utf8,
    /// Any other code; see [`RespCode::raw`].
    Unknown,
}

/// A response code: the text between `[` and `]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RespCode<'a> {
    raw: &'a [u8],
}

/// rchar of RFC 2449 section 9: VCHAR and 8-bit octets except `/` and `]`.
const fn is_rchar(b: u8) -> bool {
    matches!(b, 0x21..=0x2e | 0x30..=0x5c | 0x5e..=0xff)
}

impl<'a> RespCode<'a> {
    /// Checks `raw` (without brackets) against `resp-level *("/" resp-level)`.
    pub fn new(raw: &'a [u8]) -> Option<Self> {
        let well_formed = raw
            .split(|&b| b == b'/')
            .all(|level| !level.is_empty() && level.iter().all(|&b| is_rchar(b)));
        well_formed.then_some(RespCode { raw })
    }

    /// `[IN-USE]`.
    pub const IN_USE: RespCode<'static> = RespCode { raw: b"IN-USE" };
    /// `[LOGIN-DELAY]`.
    pub const LOGIN_DELAY: RespCode<'static> = RespCode {
        raw: b"LOGIN-DELAY",
    };
    /// `[SYS/TEMP]`.
    pub const SYS_TEMP: RespCode<'static> = RespCode { raw: b"SYS/TEMP" };
    /// `[SYS/PERM]`.
    pub const SYS_PERM: RespCode<'static> = RespCode { raw: b"SYS/PERM" };
    /// `[AUTH]`.
    pub const AUTH: RespCode<'static> = RespCode { raw: b"AUTH" };
    /// `[UTF8]`.
    pub const UTF8: RespCode<'static> = RespCode { raw: b"UTF8" };

    /// The code as sent, without brackets.
    pub const fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// What the code means.
    pub fn kind(&self) -> RespCodeKind {
        let mut levels = self.raw.split(|&b| b == b'/');
        let first = levels.next().unwrap_or_default();
        let is = |name: &[u8]| first.eq_ignore_ascii_case(name);
        if is(b"IN-USE") {
            RespCodeKind::InUse
        } else if is(b"LOGIN-DELAY") {
            RespCodeKind::LoginDelay
        } else if is(b"AUTH") {
            RespCodeKind::Auth
        } else if is(b"UTF8") {
            RespCodeKind::Utf8
        } else if is(b"SYS") {
            match levels.next() {
                Some(l) if l.eq_ignore_ascii_case(b"TEMP") => RespCodeKind::SysTemp,
                Some(l) if l.eq_ignore_ascii_case(b"PERM") => RespCodeKind::SysPerm,
                _ => RespCodeKind::Sys,
            }
        } else {
            RespCodeKind::Unknown
        }
    }
}

/// A single-line response, or the first line of a multi-line one:
/// `status [SP [resp-code] [SP] text]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct StatusLine<'a> {
    /// `+OK` or `-ERR`.
    pub status: Status,
    /// The response code, if the text starts with a well-formed one.
    pub code: Option<RespCode<'a>>,
    /// The rest of the line: free text, or the fields of a STAT / `LIST n` / `UIDL n`
    /// reply. Octets as sent; not required to be UTF-8.
    pub text: &'a [u8],
}

impl<'a> StatusLine<'a> {
    /// `+OK` with `text`.
    pub const fn ok(text: &'a [u8]) -> Self {
        StatusLine {
            status: Status::Ok,
            code: None,
            text,
        }
    }

    /// `-ERR` with `text`.
    pub const fn err(text: &'a [u8]) -> Self {
        StatusLine {
            status: Status::Err,
            code: None,
            text,
        }
    }

    /// The same line with a response code.
    pub const fn with_code(self, code: RespCode<'a>) -> Self {
        StatusLine {
            code: Some(code),
            ..self
        }
    }

    /// True for `+OK`.
    pub const fn is_ok(&self) -> bool {
        matches!(self.status, Status::Ok)
    }

    /// Parses one line (without CRLF). Strict reading wants `+OK` / `-ERR` in upper case,
    /// as RFC 1939 section 3 requires of servers; lenient reading takes any case.
    pub fn parse(line: &'a [u8], strictness: Strictness) -> Result<Self, ParseError> {
        let (status, rest) = split_status(line, strictness)?;
        let offset = line.len() - rest.len();
        let rest = match rest.split_first() {
            None => rest,
            Some((b' ', text)) => text,
            Some(_) => {
                return Err(ParseError {
                    kind: ParseErrorKind::ExpectedSpace,
                    offset,
                });
            }
        };
        let (code, text) = split_code(rest);
        Ok(StatusLine { status, code, text })
    }

    /// Encodes the line with CRLF into `buf`; returns the octets written. The line may not
    /// exceed [`RESPONSE_LINE_LIMIT`]; a text without a code may not start with `[`, which
    /// would read back as a code.
    pub fn encode(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let mut out = Out::new(buf);
        self.encode_into(&mut out)?;
        out.finish_line(RESPONSE_LINE_LIMIT)
    }

    pub(crate) fn encode_into(&self, out: &mut Out<'_>) -> Result<(), EncodeError> {
        out.put(self.status.as_bytes());
        if let Some(code) = self.code {
            out.put(b" [");
            out.checked(code.raw, Field::ResponseCode, is_rchar_or_slash)?;
            out.put(b"]");
        }
        if self.code.is_none() && self.text.first() == Some(&b'[') {
            // It would read back as a response code the sender never meant to give.
            return Err(EncodeError::ForbiddenByte {
                byte: b'[',
                field: Field::Text,
            });
        }
        if !self.text.is_empty() {
            out.put(b" ");
            out.checked(self.text, Field::Text, is_text_byte)?;
        }
        Ok(())
    }
}

const fn is_rchar_or_slash(b: u8) -> bool {
    is_rchar(b) || b == b'/'
}

/// Splits the status indicator off a line.
pub(crate) fn split_status(
    line: &[u8],
    strictness: Strictness,
) -> Result<(Status, &[u8]), ParseError> {
    if line.is_empty() {
        return Err(ParseError {
            kind: ParseErrorKind::Empty,
            offset: 0,
        });
    }
    let lenient = strictness == Strictness::Lenient;
    for status in [Status::Ok, Status::Err] {
        let word = status.as_bytes();
        if let Some(head) = line.get(..word.len())
            && (head == word || (lenient && head.eq_ignore_ascii_case(word)))
        {
            return Ok((status, line.get(word.len()..).unwrap_or_default()));
        }
    }
    Err(ParseError {
        kind: ParseErrorKind::NotStatus,
        offset: 0,
    })
}

/// Splits a leading `[code]` (and one space after it) off a status text. A text that starts
/// with `[` but holds no well-formed code is all text.
pub(crate) fn split_code(text: &[u8]) -> (Option<RespCode<'_>>, &[u8]) {
    let Some(inner) = text.strip_prefix(b"[") else {
        return (None, text);
    };
    let Some(close) = inner.iter().position(|&b| b == b']') else {
        return (None, text);
    };
    let (raw, after) = inner.split_at(close);
    match RespCode::new(raw) {
        Some(code) => {
            let after = after.get(1..).unwrap_or_default();
            (Some(code), after.strip_prefix(b" ").unwrap_or(after))
        }
        None => (None, text),
    }
}
