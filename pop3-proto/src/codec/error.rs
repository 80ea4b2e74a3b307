//! Errors of the codec: a line that does not parse, a value that cannot be encoded.

use core::fmt;

/// What was wrong with a line handed to one of the parsers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The line is empty.
    Empty,
    /// The line does not start with `+OK` or `-ERR`.
    NotStatus,
    /// A `+OK` was required here but the line is `-ERR`.
    NotOk,
    /// A decimal number was expected.
    ExpectedNumber,
    /// The number does not fit the type that holds it.
    NumberTooLarge,
    /// Message numbers start at 1 (RFC 1939 section 5).
    ZeroMessageNumber,
    /// A single space was expected between fields.
    ExpectedSpace,
    /// Fields of a command are separated by a single space (RFC 1939 section 3), not two.
    ExtraSpace,
    /// A unique-id must be 1 to 70 octets in 0x21-0x7E (RFC 1939 section 7).
    BadUniqueId,
    /// Bytes follow what the line should end with.
    TrailingData,
    /// A SASL continuation must start with `+` (RFC 5034 section 4).
    NotContinuation,
    /// A capability tag must be 1*cchar (RFC 2449 section 9).
    BadCapabilityTag,
    /// A known capability has parameters of the wrong shape.
    BadCapabilityParameter,
    /// The command keyword is not a POP3 command known to this crate.
    UnknownCommand,
    /// The command lacks an argument it requires.
    MissingArgument,
    /// The command has more arguments than it takes.
    ExtraArgument,
    /// An argument holds a byte that is not allowed there (NUL, a control, a space).
    BadArgumentByte,
    /// An APOP digest must be 32 hexadecimal digits (RFC 1939 section 7).
    BadDigest,
    /// A language tag or `*` was expected (RFC 6856 section 3).
    BadLanguageTag,
    /// The line does not have the shape the parser expects.
    Syntax,
}

impl ParseErrorKind {
    /// A short English sentence naming the problem.
    pub const fn reason(self) -> &'static str {
        match self {
            Self::Empty => "empty line",
            Self::NotStatus => "expected +OK or -ERR",
            Self::NotOk => "expected +OK",
            Self::ExpectedNumber => "expected a decimal number",
            Self::NumberTooLarge => "number too large",
            Self::ZeroMessageNumber => "message numbers start at 1",
            Self::ExpectedSpace => "expected a space",
            Self::ExtraSpace => "arguments are separated by a single space",
            Self::BadUniqueId => "unique-id must be 1-70 octets in 0x21-0x7E",
            Self::TrailingData => "unexpected data after the end",
            Self::NotContinuation => "expected a '+' continuation line",
            Self::BadCapabilityTag => "malformed capability tag",
            Self::BadCapabilityParameter => "malformed capability parameter",
            Self::UnknownCommand => "unknown command",
            Self::MissingArgument => "missing argument",
            Self::ExtraArgument => "too many arguments",
            Self::BadArgumentByte => "argument contains a forbidden byte",
            Self::BadDigest => "APOP digest must be 32 hex digits",
            Self::BadLanguageTag => "expected a language tag or '*'",
            Self::Syntax => "syntax error",
        }
    }
}

/// A line that did not parse: what was wrong, and at which octet of the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ParseError {
    /// What was wrong.
    pub kind: ParseErrorKind,
    /// Offset in the line of the first octet that could not be accepted.
    pub offset: usize,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at octet {}", self.kind.reason(), self.offset)
    }
}

impl core::error::Error for ParseError {}

/// Which part of an encoded line a rejected byte was found in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Field {
    /// A command argument.
    Argument,
    /// Free text of a response line.
    Text,
    /// A response code.
    ResponseCode,
    /// A capability tag or parameter.
    Capability,
    /// A unique-id.
    UniqueId,
    /// The APOP timestamp of a greeting.
    Timestamp,
    /// Base64 data of a SASL line.
    SaslData,
}

/// Why a value could not be encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum EncodeError {
    /// The output buffer is too small; `needed` octets would have been written.
    BufferTooSmall {
        /// Octets the whole line needs.
        needed: usize,
    },
    /// The line would exceed the protocol's limit (CRLF included).
    LineTooLong {
        /// Octets the line would have.
        length: usize,
        /// The limit in force.
        limit: usize,
    },
    /// A byte that would break the framing or the syntax (CR, LF, NUL, a control, a space
    /// where a single token is required).
    ForbiddenByte {
        /// The offending byte.
        byte: u8,
        /// Where it was found.
        field: Field,
    },
    /// A field that must not be empty is empty.
    Empty {
        /// Which field.
        field: Field,
    },
    /// A number that the protocol does not allow here (message number 0).
    ZeroMessageNumber,
    /// An APOP digest that is not 32 hex digits (RFC 1939 section 7): the server could
    /// not read it back.
    BadDigest,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BufferTooSmall { needed } => {
                write!(f, "output buffer too small: {needed} octets needed")
            }
            Self::LineTooLong { length, limit } => {
                write!(f, "line of {length} octets exceeds the limit of {limit}")
            }
            Self::ForbiddenByte { byte, field } => {
                write!(f, "byte 0x{byte:02x} is not allowed in the {field:?} field")
            }
            Self::Empty { field } => write!(f, "the {field:?} field must not be empty"),
            Self::ZeroMessageNumber => f.write_str("message numbers start at 1"),
            Self::BadDigest => f.write_str("an APOP digest is 32 hex digits"),
        }
    }
}

impl core::error::Error for EncodeError {}
