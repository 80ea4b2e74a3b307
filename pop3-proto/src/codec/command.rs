//! Commands (RFC 1939 sections 4-7, RFC 2449 section 5, RFC 2595 section 4, RFC 5034
//! section 4, RFC 6856 sections 2-3): the typed form, its parser (server side) and its
//! encoder (client side).

use nom::Parser;

use super::error::{EncodeError, Field, ParseError, ParseErrorKind};
use super::framer::COMMAND_LINE_LIMIT;
use super::lex::{
    PResult, fail, is_arg_byte, is_text_byte, msg_number, number_u32, opt_spaces, spaces, token,
    whole_line,
};
use super::mechanism::Mechanism;
use super::out::Out;
use super::rules::CommandKind;
use crate::secret::Secret;

/// A command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Command<'a> {
    /// `USER name`. The name is the rest of the line.
    User(&'a [u8]),
    /// `PASS password`. The password is the rest of the line, spaces included (RFC 1939
    /// section 7).
    Pass(Secret<&'a [u8]>),
    /// `APOP name digest`, the digest 32 hex digits.
    Apop {
        /// The mailbox name.
        name: &'a [u8],
        /// MD5 of timestamp and secret, lower-case hex.
        digest: Secret<&'a [u8]>,
    },
    /// `STAT`
    Stat,
    /// `LIST [msg]`
    List(Option<u32>),
    /// `RETR msg`
    Retr(u32),
    /// `DELE msg`
    Dele(u32),
    /// `NOOP`
    Noop,
    /// `RSET`
    Rset,
    /// `QUIT`
    Quit,
    /// `TOP msg lines`
    Top {
        /// Message number.
        msg: u32,
        /// Body lines wanted after the header.
        lines: u32,
    },
    /// `UIDL [msg]`
    Uidl(Option<u32>),
    /// `CAPA`
    Capa,
    /// `STLS`
    Stls,
    /// `AUTH mechanism [initial-response]`. An empty initial response is sent as `=`
    /// (RFC 5034 section 4) and read back as `Some(b"")`.
    Auth {
        /// The SASL mechanism.
        mechanism: Mechanism<'a>,
        /// Base64 initial response, if any.
        initial_response: Option<Secret<&'a [u8]>>,
    },
    /// `UTF8`
    Utf8,
    /// `LANG [tag]`: without an argument, lists the languages; with one (a language tag
    /// or a range such as `*`), selects one.
    Lang(Option<&'a [u8]>),
}

impl<'a> Command<'a> {
    /// The keyword, upper case.
    pub fn keyword(&self) -> &'static [u8] {
        self.kind().keyword().as_bytes()
    }

    /// Which command this is, without its arguments.
    pub const fn kind(&self) -> CommandKind {
        match self {
            Command::User(_) => CommandKind::User,
            Command::Pass(_) => CommandKind::Pass,
            Command::Apop { .. } => CommandKind::Apop,
            Command::Stat => CommandKind::Stat,
            Command::List(_) => CommandKind::List,
            Command::Retr(_) => CommandKind::Retr,
            Command::Dele(_) => CommandKind::Dele,
            Command::Noop => CommandKind::Noop,
            Command::Rset => CommandKind::Rset,
            Command::Quit => CommandKind::Quit,
            Command::Top { .. } => CommandKind::Top,
            Command::Uidl(_) => CommandKind::Uidl,
            Command::Capa => CommandKind::Capa,
            Command::Stls => CommandKind::Stls,
            Command::Auth { .. } => CommandKind::Auth,
            Command::Utf8 => CommandKind::Utf8,
            Command::Lang(_) => CommandKind::Lang,
        }
    }

    /// True when the reply is multi-line (RFC 1939, RFC 2449, RFC 6856): the client must
    /// know this, for replies do not say it. See [`CommandKind::multiline_reply`].
    pub const fn has_multiline_reply(&self) -> bool {
        let with_argument = matches!(
            self,
            Command::List(Some(_)) | Command::Uidl(Some(_)) | Command::Lang(Some(_))
        );
        self.kind().multiline_reply(with_argument).is_some()
    }

    /// Parses a command line (without CRLF). Keywords are case-insensitive; several spaces
    /// between arguments and spaces at the end are tolerated, except in USER and PASS, whose
    /// argument is the rest of the line after one space.
    pub fn parse(line: &'a [u8]) -> Result<Self, ParseError> {
        whole_line(line, command)
    }

    /// Encodes the command with CRLF into `buf`, within [`COMMAND_LINE_LIMIT`].
    pub fn encode(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        self.encode_within(buf, COMMAND_LINE_LIMIT)
    }

    /// Encodes the command within a given line limit (CRLF included), for servers that
    /// accept less (47 octets, RFC 1939 era) or announce more.
    pub fn encode_within(&self, buf: &mut [u8], limit: usize) -> Result<usize, EncodeError> {
        let mut out = Out::new(buf);
        out.put(self.keyword());
        let arg = |out: &mut Out<'_>, bytes: &[u8]| {
            out.put(b" ");
            out.non_empty(bytes, Field::Argument, is_arg_byte)
        };
        let num = |out: &mut Out<'_>, n: u32| {
            if n == 0 {
                return Err(EncodeError::ZeroMessageNumber);
            }
            out.put(b" ");
            out.number(n.into());
            Ok(())
        };
        match *self {
            Command::User(name) => {
                out.put(b" ");
                out.non_empty(name, Field::Argument, is_text_byte)?;
            }
            Command::Pass(password) => {
                out.put(b" ");
                out.non_empty(password.expose(), Field::Argument, is_text_byte)?;
            }
            Command::Apop { name, digest } => {
                let d = digest.expose();
                arg(&mut out, name)?;
                arg(&mut out, d)?;
                if d.len() != 32 || !d.iter().all(u8::is_ascii_hexdigit) {
                    return Err(EncodeError::BadDigest);
                }
            }
            Command::List(Some(n))
            | Command::Uidl(Some(n))
            | Command::Retr(n)
            | Command::Dele(n) => {
                num(&mut out, n)?;
            }
            Command::Top { msg, lines } => {
                num(&mut out, msg)?;
                out.put(b" ");
                out.number(lines.into());
            }
            Command::Auth {
                mechanism,
                initial_response,
            } => {
                arg(&mut out, mechanism.name())?;
                if let Some(ir) = initial_response {
                    match ir.expose() {
                        [] => out.put(b" ="),
                        data => arg(&mut out, data)?,
                    }
                }
            }
            Command::Lang(Some(tag)) => arg(&mut out, tag)?,
            Command::Stat
            | Command::List(None)
            | Command::Uidl(None)
            | Command::Noop
            | Command::Rset
            | Command::Quit
            | Command::Capa
            | Command::Stls
            | Command::Utf8
            | Command::Lang(None) => {}
        }
        out.finish_line(limit)
    }
}

/// An argument: 1* octets that are visible or 8-bit.
fn arg(input: &[u8]) -> PResult<'_, &[u8]> {
    let (rest, word) = token(input)?;
    if !word.iter().all(|&b| is_arg_byte(b)) {
        return fail(input, ParseErrorKind::BadArgumentByte);
    }
    Ok((rest, word))
}

/// One space, then `parser`; nothing at all is a missing argument. RFC 1939 section 3:
/// keywords and arguments are separated by a single space, so a second one is refused
/// (a line that two readers could split differently is not taken).
fn then<'a, O>(
    mut parser: impl FnMut(&'a [u8]) -> PResult<'a, O>,
) -> impl FnMut(&'a [u8]) -> PResult<'a, O> {
    move |input| {
        if input.iter().all(|&b| b == b' ') {
            return fail(input, ParseErrorKind::MissingArgument);
        }
        if input.starts_with(b"  ") {
            return fail(input, ParseErrorKind::ExtraSpace);
        }
        let (i, _) = spaces(input)?;
        parser(i)
    }
}

/// Spaces and an argument.
fn then_arg(input: &[u8]) -> PResult<'_, &[u8]> {
    then(arg)(input)
}

/// Spaces and a message number.
fn then_msg(input: &[u8]) -> PResult<'_, u32> {
    then(msg_number)(input)
}

/// An optional last argument: nothing (or spaces), or spaces and `parser`.
fn maybe<'a, O>(
    parser: impl FnMut(&'a [u8]) -> PResult<'a, O>,
) -> impl FnMut(&'a [u8]) -> PResult<'a, Option<O>> {
    let mut then_parser = then(parser);
    move |input| {
        if input.iter().all(|&b| b == b' ') {
            return Ok((input, None));
        }
        let (i, value) = then_parser(input)?;
        Ok((i, Some(value)))
    }
}

/// The rest of the line after exactly one space: the argument of USER and PASS.
fn rest_of_line(input: &[u8]) -> PResult<'_, &[u8]> {
    let Some(text) = input.strip_prefix(b" ").filter(|t| !t.is_empty()) else {
        return fail(input, ParseErrorKind::MissingArgument);
    };
    if !text.iter().all(|&b| is_text_byte(b)) {
        return fail(text, ParseErrorKind::BadArgumentByte);
    }
    Ok((&[], text))
}

/// An APOP digest: 32 hex digits.
fn hex_digest(input: &[u8]) -> PResult<'_, &[u8]> {
    let (rest, d) = arg(input)?;
    if d.len() != 32 || !d.iter().all(u8::is_ascii_hexdigit) {
        return fail(input, ParseErrorKind::BadDigest);
    }
    Ok((rest, d))
}

fn command(input: &[u8]) -> PResult<'_, Command<'_>> {
    let n = input.iter().take_while(|&&b| b != b' ').count();
    let (word, args) = input.split_at(n);
    let Some(kind) = CommandKind::ALL
        .into_iter()
        .find(|k| k.keyword().as_bytes().eq_ignore_ascii_case(word))
    else {
        return fail(input, ParseErrorKind::UnknownCommand);
    };
    let no_args = |c: Command<'static>| move |i| -> PResult<'_, Command<'_>> { Ok((i, c)) };
    let (i, cmd) = match kind {
        CommandKind::User => rest_of_line.map(Command::User).parse(args)?,
        CommandKind::Pass => rest_of_line
            .map(|p| Command::Pass(Secret::new(p)))
            .parse(args)?,
        CommandKind::Apop => (then_arg, then(hex_digest))
            .map(|(name, d)| Command::Apop {
                name,
                digest: Secret::new(d),
            })
            .parse(args)?,
        CommandKind::Stat => no_args(Command::Stat)(args)?,
        CommandKind::List => maybe(msg_number).map(Command::List).parse(args)?,
        CommandKind::Retr => then_msg.map(Command::Retr).parse(args)?,
        CommandKind::Dele => then_msg.map(Command::Dele).parse(args)?,
        CommandKind::Noop => no_args(Command::Noop)(args)?,
        CommandKind::Rset => no_args(Command::Rset)(args)?,
        CommandKind::Quit => no_args(Command::Quit)(args)?,
        CommandKind::Top => (then_msg, then(number_u32))
            .map(|(msg, lines)| Command::Top { msg, lines })
            .parse(args)?,
        CommandKind::Uidl => maybe(msg_number).map(Command::Uidl).parse(args)?,
        CommandKind::Capa => no_args(Command::Capa)(args)?,
        CommandKind::Stls => no_args(Command::Stls)(args)?,
        CommandKind::Auth => (then_arg, maybe(arg))
            .map(|(mech, ir)| Command::Auth {
                mechanism: Mechanism::from_name(mech),
                initial_response: ir.map(|r| Secret::new(if r == b"=" { &[][..] } else { r })),
            })
            .parse(args)?,
        CommandKind::Utf8 => no_args(Command::Utf8)(args)?,
        CommandKind::Lang => maybe(arg).map(Command::Lang).parse(args)?,
    };
    let (i, _) = opt_spaces(i)?;
    if !i.is_empty() && !matches!(cmd, Command::User(_) | Command::Pass(_)) {
        return fail(i, ParseErrorKind::ExtraArgument);
    }
    Ok((i, cmd))
}
