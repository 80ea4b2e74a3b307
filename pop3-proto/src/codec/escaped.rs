//! Peer text made safe to show a person: a server's `-ERR` text, a greeting or a line that
//! did not parse may hold terminal escapes, NUL, invalid UTF-8 or bidirectional overrides,
//! which a terminal or a log viewer would obey instead of showing.

use core::fmt;

/// Shows octets from the peer with everything that is not printable text escaped: control
/// characters (C0, DEL, C1) as `\xNN` or `\u{NN}`, octets that are not UTF-8 as `\xNN`,
/// and the Unicode controls that reorder or hide text (bidirectional overrides and
/// isolates, zero-width marks) as `\u{NNNN}`. Printable text, UTF-8 included, is shown as
/// it is. A backslash is shown as `\\`, so the escapes cannot be forged.
///
/// ```
/// use pop3_proto::codec::Escaped;
/// let shown = format!("{}", Escaped(b"\x1b[31mred\x00 caf\xc3\xa9 \xff\\"));
/// assert_eq!(shown, r"\x1b[31mred\x00 café \xff\\");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Escaped<'a>(pub &'a [u8]);

impl Escaped<'_> {
    /// Whether `c` is shown escaped: a control character, or one of the invisible
    /// characters that change how the text around them is shown. For other escapers (JSON
    /// output, say) that must agree with this one.
    pub fn escapes(c: char) -> bool {
        c.is_control()
            || matches!(
                c,
                '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}'
            )
    }
}

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for chunk in self.0.utf8_chunks() {
            for c in chunk.valid().chars() {
                match c {
                    '\\' => f.write_str("\\\\")?,
                    c if u32::from(c) < 0x80 && c.is_control() => {
                        write!(f, "\\x{:02x}", u32::from(c))?;
                    }
                    c if Escaped::escapes(c) => write!(f, "\\u{{{:x}}}", u32::from(c))?,
                    c => write!(f, "{c}")?,
                }
            }
            for b in chunk.invalid() {
                write!(f, "\\x{b:02x}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Escaped;
    use core::fmt::Write;
    use heapless::String;

    fn shown(input: &[u8]) -> String<128> {
        let mut s = String::new();
        write!(s, "{}", Escaped(input)).unwrap();
        s
    }

    #[test]
    fn printable_text_passes_and_everything_else_is_escaped() {
        assert_eq!(shown(b"+OK ready, mrose"), "+OK ready, mrose");
        assert_eq!(shown(b"a\tb\r\nc\x7f"), "a\\x09b\\x0d\\x0ac\\x7f");
        assert_eq!(shown("\u{9b}31m".as_bytes()), "\\u{9b}31m");
        assert_eq!(
            shown("abc\u{202e}gpj.exe".as_bytes()),
            "abc\\u{202e}gpj.exe"
        );
        assert_eq!(shown(b"\xc3(\xa9"), "\\xc3(\\xa9");
        assert_eq!(shown("日本".as_bytes()), "日本");
        assert_eq!(
            shown(b"\\x1b"),
            "\\\\x1b",
            "a literal escape is not an escape"
        );
    }
}
