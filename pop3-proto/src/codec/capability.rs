//! Capabilities, one per line of a CAPA reply (RFC 2449 sections 5 and 6, RFC 3206
//! section 6, RFC 5034 section 3, RFC 6856 sections 2 and 3, RFC 2595 section 4).

use nom::Parser;
use nom::branch::alt;
use nom::bytes::complete::tag_no_case;
use nom::combinator::{map, opt, rest, value};

use super::error::{EncodeError, Field, ParseError, ParseErrorKind};
use super::framer::RESPONSE_LINE_LIMIT;
use super::lex::{
    PResult, fail, is_text_byte, is_vchar, named, number_u32, opt_spaces, spaces, whole_line,
};
use super::mechanism::Mechanisms;
use super::out::Out;

/// The retention policy of the EXPIRE capability.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Expire {
    /// Mail is kept at least this many days; 0 means it may not be left on the server.
    Days(u32),
    /// Mail is never removed by the server.
    Never,
}

/// One capability.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Capability<'a> {
    /// `TOP`: the TOP command.
    Top,
    /// `USER`: USER/PASS login.
    User,
    /// `SASL mech...`: the AUTH command with these mechanisms.
    Sasl(Mechanisms<'a>),
    /// `RESP-CODES`: response codes in brackets.
    RespCodes,
    /// `LOGIN-DELAY n [USER]`: seconds between logins; `per_user` when it varies by user.
    LoginDelay {
        /// Minimum seconds between logins.
        seconds: u32,
        /// The `USER` argument: the value depends on the user.
        per_user: bool,
    },
    /// `PIPELINING`: commands may be sent without waiting for replies.
    Pipelining,
    /// `EXPIRE n|NEVER [USER]`: how long mail is kept.
    Expire {
        /// The policy.
        policy: Expire,
        /// The `USER` argument: the value depends on the user.
        per_user: bool,
    },
    /// `UIDL`: the UIDL command.
    Uidl,
    /// `IMPLEMENTATION text`: for people, never for client behaviour.
    Implementation(&'a [u8]),
    /// `STLS`: TLS upgrade (RFC 2595).
    Stls,
    /// `UTF8 [USER]`: the UTF8 command; `user` when UTF-8 credentials are accepted.
    Utf8 {
        /// The `USER` argument.
        user: bool,
    },
    /// `LANG`: the LANG command.
    Lang,
    /// `AUTH-RESP-CODE`: credential failures carry `[AUTH]`.
    AuthRespCode,
    /// Any other tag (including private `X-` ones), kept as sent.
    Other {
        /// The tag.
        tag: &'a [u8],
        /// Everything after the first space, possibly empty.
        params: &'a [u8],
    },
}

/// cchar of RFC 2449 section 9: VCHAR except `.` (so a tag never looks like a terminator),
/// and 8-bit octets.
const fn is_cchar(b: u8) -> bool {
    matches!(b, 0x21..=0x2d | 0x2f..=0xff)
}

fn per_user(input: &[u8]) -> PResult<'_, bool> {
    let (i, user) = opt((spaces, tag_no_case(&b"USER"[..]))).parse(input)?;
    Ok((i, user.is_some()))
}

/// The parameters of a known tag, after the tag; `bare` for tags that take none.
fn params<'a>(tag: &'a [u8], input: &'a [u8]) -> PResult<'a, Capability<'a>> {
    let is = |name: &[u8]| tag.eq_ignore_ascii_case(name);
    let bare =
        |cap: Capability<'a>| move |i: &'a [u8]| -> PResult<'a, Capability<'a>> { Ok((i, cap)) };
    let after_space = |i: &'a [u8]| -> &'a [u8] { i.strip_prefix(b" ").unwrap_or(i) };
    let number_arg = named(ParseErrorKind::BadCapabilityParameter, (spaces, number_u32));
    if is(b"TOP") {
        bare(Capability::Top)(input)
    } else if is(b"USER") {
        bare(Capability::User)(input)
    } else if is(b"SASL") {
        Ok((
            &[][..],
            Capability::Sasl(Mechanisms::new(after_space(input))),
        ))
    } else if is(b"RESP-CODES") {
        bare(Capability::RespCodes)(input)
    } else if is(b"LOGIN-DELAY") {
        map((number_arg, per_user), |((_, seconds), per_user)| {
            Capability::LoginDelay { seconds, per_user }
        })
        .parse(input)
    } else if is(b"PIPELINING") {
        bare(Capability::Pipelining)(input)
    } else if is(b"EXPIRE") {
        let policy = alt((
            map(number_u32, Expire::Days),
            value(Expire::Never, tag_no_case(&b"NEVER"[..])),
        ));
        map(
            (
                named(ParseErrorKind::BadCapabilityParameter, (spaces, policy)),
                per_user,
            ),
            |((_, policy), per_user)| Capability::Expire { policy, per_user },
        )
        .parse(input)
    } else if is(b"UIDL") {
        bare(Capability::Uidl)(input)
    } else if is(b"IMPLEMENTATION") {
        map(rest, |text| Capability::Implementation(after_space(text))).parse(input)
    } else if is(b"STLS") {
        bare(Capability::Stls)(input)
    } else if is(b"UTF8") {
        map(per_user, |user| Capability::Utf8 { user }).parse(input)
    } else if is(b"LANG") {
        bare(Capability::Lang)(input)
    } else if is(b"AUTH-RESP-CODE") {
        bare(Capability::AuthRespCode)(input)
    } else {
        Ok((
            &[][..],
            Capability::Other {
                tag,
                params: after_space(input),
            },
        ))
    }
}

impl<'a> Capability<'a> {
    /// Parses one line of a CAPA reply (unstuffed, without CRLF). Tags compare
    /// case-insensitively; trailing spaces are tolerated; a known tag with parameters of
    /// the wrong shape is an error naming the parameter.
    pub fn parse(line: &'a [u8]) -> Result<Self, ParseError> {
        whole_line(line, |input: &'a [u8]| {
            let n = input.iter().take_while(|&&b| b != b' ').count();
            let (tag, after) = input.split_at(n);
            if tag.is_empty() || !tag.iter().all(|&b| is_cchar(b)) {
                return fail(input, ParseErrorKind::BadCapabilityTag);
            }
            let (i, cap) = params(tag, after)?;
            let (i, _) = opt_spaces(i)?;
            Ok((i, cap))
        })
    }

    /// The tag as this crate sends it.
    pub fn tag(&self) -> &'a [u8] {
        match self {
            Capability::Top => b"TOP",
            Capability::User => b"USER",
            Capability::Sasl(_) => b"SASL",
            Capability::RespCodes => b"RESP-CODES",
            Capability::LoginDelay { .. } => b"LOGIN-DELAY",
            Capability::Pipelining => b"PIPELINING",
            Capability::Expire { .. } => b"EXPIRE",
            Capability::Uidl => b"UIDL",
            Capability::Implementation(_) => b"IMPLEMENTATION",
            Capability::Stls => b"STLS",
            Capability::Utf8 { .. } => b"UTF8",
            Capability::Lang => b"LANG",
            Capability::AuthRespCode => b"AUTH-RESP-CODE",
            Capability::Other { tag, .. } => tag,
        }
    }

    /// Encodes the capability line with CRLF.
    pub fn encode(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let mut out = Out::new(buf);
        out.non_empty(self.tag(), Field::Capability, is_cchar)?;
        let user = |out: &mut Out<'_>, per_user: bool| {
            if per_user {
                out.put(b" USER");
            }
        };
        match *self {
            Capability::Sasl(mechs) => {
                out.put(b" ");
                out.checked(mechs.raw(), Field::Capability, |b| is_vchar(b) || b == b' ')?;
            }
            Capability::LoginDelay { seconds, per_user } => {
                out.put(b" ");
                out.number(seconds.into());
                user(&mut out, per_user);
            }
            Capability::Expire { policy, per_user } => {
                out.put(b" ");
                match policy {
                    Expire::Days(days) => out.number(days.into()),
                    Expire::Never => out.put(b"NEVER"),
                }
                user(&mut out, per_user);
            }
            Capability::Utf8 { user: per_user } => user(&mut out, per_user),
            Capability::Implementation(text) | Capability::Other { params: text, .. }
                if !text.is_empty() =>
            {
                out.put(b" ");
                out.checked(text, Field::Capability, is_text_byte)?;
            }
            _ => {}
        }
        out.finish_line(RESPONSE_LINE_LIMIT)
    }
}
