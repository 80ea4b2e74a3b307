//! Lexical pieces shared by the line parsers: the nom error type, numbers, spaces and the
//! character classes of RFC 1939 / RFC 2449.

use nom::{IResult, Parser};

use super::error::{ParseError, ParseErrorKind};

/// nom's error for our parsers: where it failed and why.
#[derive(Debug)]
pub(crate) struct Fail<'a> {
    rest: &'a [u8],
    kind: ParseErrorKind,
}

impl<'a> nom::error::ParseError<&'a [u8]> for Fail<'a> {
    fn from_error_kind(input: &'a [u8], _: nom::error::ErrorKind) -> Self {
        Fail {
            rest: input,
            kind: ParseErrorKind::Syntax,
        }
    }

    fn append(_: &'a [u8], _: nom::error::ErrorKind, other: Self) -> Self {
        other
    }
}

pub(crate) type PResult<'a, T> = IResult<&'a [u8], T, Fail<'a>>;

/// Fails at `input` with `kind`.
pub(crate) fn fail<T>(input: &[u8], kind: ParseErrorKind) -> PResult<'_, T> {
    Err(nom::Err::Error(Fail { rest: input, kind }))
}

/// Runs `parser`, naming any failure inside it `kind` (at the octet where it failed).
pub(crate) fn named<'a, O>(
    kind: ParseErrorKind,
    mut parser: impl Parser<&'a [u8], Output = O, Error = Fail<'a>>,
) -> impl FnMut(&'a [u8]) -> PResult<'a, O> {
    move |input| {
        parser
            .parse(input)
            .map_err(|e| e.map(|f| Fail { rest: f.rest, kind }))
    }
}

/// Runs `parser` over a whole line: every octet must be consumed.
pub(crate) fn whole_line<'a, O>(
    line: &'a [u8],
    mut parser: impl Parser<&'a [u8], Output = O, Error = Fail<'a>>,
) -> Result<O, ParseError> {
    let at = |rest: &[u8]| line.len().saturating_sub(rest.len());
    match parser.parse(line) {
        Ok(([], value)) => Ok(value),
        Ok((rest, _)) => Err(ParseError {
            kind: ParseErrorKind::TrailingData,
            offset: at(rest),
        }),
        Err(nom::Err::Error(f) | nom::Err::Failure(f)) => Err(ParseError {
            kind: f.kind,
            offset: at(f.rest),
        }),
        Err(nom::Err::Incomplete(_)) => Err(ParseError {
            kind: ParseErrorKind::Syntax,
            offset: line.len(),
        }),
    }
}

/// One or more spaces; a lenient reading of RFC 1939's single SP.
pub(crate) fn spaces(input: &[u8]) -> PResult<'_, ()> {
    let n = input.iter().take_while(|&&b| b == b' ').count();
    if n == 0 {
        return fail(input, ParseErrorKind::ExpectedSpace);
    }
    Ok((input.get(n..).unwrap_or_default(), ()))
}

/// Zero or more spaces (tolerated at the end of a line).
pub(crate) fn opt_spaces(input: &[u8]) -> PResult<'_, ()> {
    let n = input.iter().take_while(|&&b| b == b' ').count();
    Ok((input.get(n..).unwrap_or_default(), ()))
}

/// A run of octets that are not spaces (at least one).
pub(crate) fn token(input: &[u8]) -> PResult<'_, &[u8]> {
    let n = input.iter().take_while(|&&b| b != b' ').count();
    if n == 0 {
        return fail(input, ParseErrorKind::MissingArgument);
    }
    let (word, rest) = input.split_at(n);
    Ok((rest, word))
}

/// A decimal number that fits in a `u64`.
pub(crate) fn number_u64(input: &[u8]) -> PResult<'_, u64> {
    let n = input.iter().take_while(|b| b.is_ascii_digit()).count();
    if n == 0 {
        return fail(input, ParseErrorKind::ExpectedNumber);
    }
    let (digits, rest) = input.split_at(n);
    let mut value: u64 = 0;
    for &d in digits {
        value = match value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(d - b'0')))
        {
            Some(v) => v,
            None => return fail(input, ParseErrorKind::NumberTooLarge),
        };
    }
    Ok((rest, value))
}

/// A decimal number that fits in a `u32`.
pub(crate) fn number_u32(input: &[u8]) -> PResult<'_, u32> {
    let (rest, value) = number_u64(input)?;
    match u32::try_from(value) {
        Ok(v) => Ok((rest, v)),
        Err(_) => fail(input, ParseErrorKind::NumberTooLarge),
    }
}

/// A message number: a decimal `u32` of at least 1 (RFC 1939 section 5).
pub(crate) fn msg_number(input: &[u8]) -> PResult<'_, u32> {
    let (rest, value) = number_u32(input)?;
    if value == 0 {
        return fail(input, ParseErrorKind::ZeroMessageNumber);
    }
    Ok((rest, value))
}

/// VCHAR of RFC 5234: a visible ASCII character.
pub(crate) const fn is_vchar(b: u8) -> bool {
    matches!(b, 0x21..=0x7e)
}

/// A byte that may appear in an argument: anything visible, and 8-bit octets for UTF-8
/// arguments (RFC 6856), but no control, no space and no DEL.
pub(crate) const fn is_arg_byte(b: u8) -> bool {
    is_vchar(b) || b >= 0x80
}

/// A byte that may appear in free text (status text, passwords): anything but the
/// octets that would break the line (CR, LF) or that no POP3 dialogue carries (NUL).
pub(crate) const fn is_text_byte(b: u8) -> bool {
    !matches!(b, b'\r' | b'\n' | 0)
}

/// Formats `value` in decimal into `buf`, returning the digits.
pub(crate) fn decimal(value: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    let mut v = value;
    loop {
        i -= 1;
        if let Some(slot) = buf.get_mut(i) {
            *slot = b'0' + (v % 10) as u8;
        }
        v /= 10;
        if v == 0 || i == 0 {
            break;
        }
    }
    buf.get(i..).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_formats_extremes() {
        let mut b = [0; 20];
        assert_eq!(decimal(0, &mut b), b"0");
        assert_eq!(decimal(u64::MAX, &mut b), b"18446744073709551615");
        assert_eq!(decimal(1939, &mut b), b"1939");
    }

    #[test]
    fn numbers_reject_overflow() {
        assert!(number_u64(b"18446744073709551615").is_ok());
        assert!(number_u64(b"18446744073709551616").is_err());
        assert!(number_u32(b"4294967296").is_err());
        assert!(msg_number(b"0").is_err());
    }
}
