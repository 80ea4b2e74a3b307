//! The lines of a SASL exchange (RFC 5034 section 4): the server's continuation
//! `+ [base64]` and the client's answer, base64 or `*` to cancel.

use super::error::{EncodeError, Field, ParseError, ParseErrorKind};
use super::framer::RESPONSE_LINE_LIMIT;
use super::out::Out;
use crate::secret::Secret;

/// A base64 alphabet octet (RFC 4648 section 4), padding included.
const fn is_base64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')
}

/// A server challenge: `+ base64`, `+ ` or a bare `+` (all three are sent by real servers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Continuation<'a> {
    /// The base64 challenge, possibly empty; decoding is the SASL mechanism's business.
    pub data: &'a [u8],
}

impl<'a> Continuation<'a> {
    /// Parses a continuation line (without CRLF): `+`, then nothing or a space and base64.
    /// Spaces around the data are tolerated; `+OK` is not a continuation.
    pub fn parse(line: &'a [u8]) -> Result<Self, ParseError> {
        let rest = match line.strip_prefix(b"+") {
            Some(rest) if rest.is_empty() || rest.starts_with(b" ") => rest,
            _ => {
                return Err(ParseError {
                    kind: ParseErrorKind::NotContinuation,
                    offset: 0,
                });
            }
        };
        let data = rest.trim_ascii();
        if let Some(bad) = data.iter().position(|&b| !is_base64(b)) {
            let lead = rest.len() - rest.trim_ascii_start().len();
            let offset = 1 + lead + bad;
            return Err(ParseError {
                kind: ParseErrorKind::Syntax,
                offset,
            });
        }
        Ok(Continuation { data })
    }

    /// Encodes `+ data` CRLF (`+ ` CRLF when empty, the ABNF's `"+" SP [base64]`). The line
    /// limit is the response limit unless the data needs more; base64 is checked.
    pub fn encode(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let mut out = Out::new(buf);
        out.put(b"+ ");
        out.checked(self.data, Field::SaslData, is_base64)?;
        out.finish_line(RESPONSE_LINE_LIMIT.max(self.data.len() + 4))
    }
}

/// A client line inside a SASL exchange.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum SaslResponse<'a> {
    /// Base64 data, possibly empty (an empty line answers an empty-response challenge).
    Data(Secret<&'a [u8]>),
    /// `*`: the client cancels the exchange.
    Cancel,
}

impl<'a> SaslResponse<'a> {
    /// Parses a client SASL line (without CRLF).
    pub fn parse(line: &'a [u8]) -> Result<Self, ParseError> {
        let data = line.trim_ascii_end();
        if data == b"*" {
            return Ok(SaslResponse::Cancel);
        }
        if let Some(offset) = data.iter().position(|&b| !is_base64(b)) {
            return Err(ParseError {
                kind: ParseErrorKind::Syntax,
                offset,
            });
        }
        Ok(SaslResponse::Data(Secret::new(data)))
    }

    /// Encodes the line with CRLF. Its length is bounded by `buf` only: SASL answers such as
    /// OAuth tokens exceed the command limit, and the server must accept them.
    pub fn encode(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let mut out = Out::new(buf);
        match self {
            SaslResponse::Cancel => out.put(b"*"),
            SaslResponse::Data(data) => out.checked(data.expose(), Field::SaslData, is_base64)?,
        }
        out.put(b"\r\n");
        out.finish()
    }
}
