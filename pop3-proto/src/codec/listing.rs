//! The fields of STAT, LIST and UIDL replies (RFC 1939 sections 5 and 7): the drop listing,
//! scan listings and unique-id listings, single-line or one per line of a multi-line reply.

use nom::Parser;
use nom::combinator::opt;

use super::error::{EncodeError, Field, ParseError, ParseErrorKind};
use super::framer::RESPONSE_LINE_LIMIT;
use super::lex::{
    PResult, fail, msg_number, number_u32, number_u64, opt_spaces, spaces, whole_line,
};
use super::out::Out;

/// The longest unique-id RFC 1939 section 7 allows.
pub const MAX_UID_LEN: usize = 70;

/// The drop listing of a STAT reply: `count SP size`, the text after `+OK `.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Stat {
    /// Messages in the maildrop, not counting those marked deleted.
    pub count: u32,
    /// Their total size in octets.
    pub size: u64,
}

impl Stat {
    /// Parses the text of a `+OK` STAT reply. Text after the size is tolerated.
    pub fn parse(text: &[u8]) -> Result<Self, ParseError> {
        whole_line(text, |i| {
            let (i, (count, _, size, _)) = (number_u32, spaces, number_u64, trailer).parse(i)?;
            Ok((i, Stat { count, size }))
        })
    }

    /// Encodes the whole reply, `+OK count size` CRLF.
    pub fn encode(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let mut out = Out::new(buf);
        out.put(b"+OK ");
        out.number(self.count.into());
        out.put(b" ");
        out.number(self.size);
        out.finish_line(RESPONSE_LINE_LIMIT)
    }
}

/// A scan listing, `msg SP size`: a line of a LIST reply, or the text of a `LIST n` reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ScanListing {
    /// The message number (from 1).
    pub msg: u32,
    /// Its size in octets, as RFC 1939 counts it (CRLF line ends, no stuffing).
    pub size: u64,
}

impl ScanListing {
    /// Parses a scan listing. Text after the size is tolerated: RFC 1939 section 5
    /// discourages it but does not forbid it.
    pub fn parse(line: &[u8]) -> Result<Self, ParseError> {
        whole_line(line, |i| {
            let (i, (_, msg, _, size, _)) =
                (opt_spaces, msg_number, spaces, number_u64, trailer).parse(i)?;
            Ok((i, ScanListing { msg, size }))
        })
    }

    /// Encodes `msg size` CRLF, a line of a multi-line LIST reply.
    pub fn encode(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        listing_line(buf, false, |out| self.encode_into(out))
    }

    /// Encodes `+OK msg size` CRLF, the reply to `LIST msg`.
    pub fn encode_reply(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        listing_line(buf, true, |out| self.encode_into(out))
    }

    fn encode_into(&self, out: &mut Out<'_>) -> Result<(), EncodeError> {
        if self.msg == 0 {
            return Err(EncodeError::ZeroMessageNumber);
        }
        out.number(self.msg.into());
        out.put(b" ");
        out.number(self.size);
        Ok(())
    }
}

/// A unique-id listing, `msg SP unique-id`: a line of a UIDL reply, or the text of a
/// `UIDL n` reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct UidListing<'a> {
    /// The message number (from 1).
    pub msg: u32,
    /// Its unique-id: 1 to 70 octets in 0x21-0x7E, stable across sessions.
    pub uid: &'a [u8],
}

impl<'a> UidListing<'a> {
    /// Parses a unique-id listing. Several spaces between the fields, and spaces after the
    /// unique-id, are tolerated (servers send them); anything else after it is an error.
    pub fn parse(line: &'a [u8]) -> Result<Self, ParseError> {
        whole_line(line, |i| {
            let (i, (_, msg, _, uid, _)) =
                (opt_spaces, msg_number, spaces, unique_id, opt_spaces).parse(i)?;
            Ok((i, UidListing { msg, uid }))
        })
    }

    /// Encodes `msg uid` CRLF, a line of a multi-line UIDL reply.
    pub fn encode(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        listing_line(buf, false, |out| self.encode_into(out))
    }

    /// Encodes `+OK msg uid` CRLF, the reply to `UIDL msg`.
    pub fn encode_reply(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        listing_line(buf, true, |out| self.encode_into(out))
    }

    fn encode_into(&self, out: &mut Out<'_>) -> Result<(), EncodeError> {
        if self.msg == 0 {
            return Err(EncodeError::ZeroMessageNumber);
        }
        if !is_unique_id(self.uid) {
            let byte = self
                .uid
                .iter()
                .copied()
                .find(|&b| !is_uid_char(b))
                .unwrap_or(b' ');
            return match self.uid.len() {
                0 => Err(EncodeError::Empty {
                    field: Field::UniqueId,
                }),
                n if n > MAX_UID_LEN => Err(EncodeError::LineTooLong {
                    length: n,
                    limit: MAX_UID_LEN,
                }),
                _ => Err(EncodeError::ForbiddenByte {
                    byte,
                    field: Field::UniqueId,
                }),
            };
        }
        out.number(self.msg.into());
        out.put(b" ");
        out.put(self.uid);
        Ok(())
    }
}

/// A listing line, or with `reply` the `+OK` reply that carries one.
fn listing_line(
    buf: &mut [u8],
    reply: bool,
    fields: impl FnOnce(&mut Out<'_>) -> Result<(), EncodeError>,
) -> Result<usize, EncodeError> {
    let mut out = Out::new(buf);
    if reply {
        out.put(b"+OK ");
    }
    fields(&mut out)?;
    out.finish_line(RESPONSE_LINE_LIMIT)
}

const fn is_uid_char(b: u8) -> bool {
    matches!(b, 0x21..=0x7e)
}

/// True when `uid` is 1 to 70 octets in 0x21-0x7E (RFC 1939 section 7).
pub fn is_unique_id(uid: &[u8]) -> bool {
    (1..=MAX_UID_LEN).contains(&uid.len()) && uid.iter().all(|&b| is_uid_char(b))
}

fn unique_id(input: &[u8]) -> PResult<'_, &[u8]> {
    let n = input.iter().take_while(|&&b| b != b' ').count();
    let (uid, rest) = input.split_at(n);
    if !is_unique_id(uid) {
        return fail(input, ParseErrorKind::BadUniqueId);
    }
    Ok((rest, uid))
}

/// Tolerated text after a number: nothing, or a space and anything.
fn trailer(input: &[u8]) -> PResult<'_, ()> {
    let (rest, _) = opt((spaces, nom::combinator::rest)).parse(input)?;
    Ok((rest, ()))
}
