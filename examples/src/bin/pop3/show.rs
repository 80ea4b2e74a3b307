//! What the CLI prints, made safe: text from a server (an `-ERR` text, a header, a whole
//! message) can hold terminal escapes, NUL, invalid UTF-8 or bidirectional overrides. They
//! are escaped wherever they could reach a terminal: in JSON as `\uXXXX` (the same string
//! to a JSON reader), in text with the core's `Escaped`; messages sent to a pipe or a file
//! stay byte for byte as served.

use std::io::{self, Write};

use pop3_proto::codec::Escaped;

/// `value` as one line of JSON with every character that [`Escaped`] would escape written
/// as a `\uXXXX` escape. Such characters can only be inside strings (the serializer writes
/// no control characters of its own and escapes C0 itself), and all are in the BMP.
pub(crate) fn json(value: &serde_json::Value) -> String {
    let raw = value.to_string();
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if Escaped::escapes(c) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// Server text for a line of output.
pub(crate) fn text(s: &str) -> String {
    Escaped(s.as_bytes()).to_string()
}

/// A message (or its head) for a person at a terminal: line by line, the line ends as the
/// terminal's, tabs kept, everything else unprintable escaped.
pub(crate) fn message(out: &mut impl Write, data: &[u8]) -> io::Result<()> {
    for line in data.split_inclusive(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        for (i, part) in line.split(|&b| b == b'\t').enumerate() {
            if i > 0 {
                out.write_all(b"\t")?;
            }
            write!(out, "{}", Escaped(part))?;
        }
        out.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes_what_a_terminal_would_obey_and_keeps_the_string() {
        let v = serde_json::json!({"message": "-ERR \u{1b}[31mred\u{9b}2J \u{202e}txt.exe café"});
        let line = json(&v);
        assert!(
            line.is_ascii() || !line.chars().any(Escaped::escapes),
            "{line}"
        );
        assert!(
            line.contains("\\u001b[31mred\\u009b2J \\u202etxt.exe café"),
            "{line}"
        );
        assert_eq!(serde_json::from_str::<serde_json::Value>(&line).unwrap(), v);
    }

    #[test]
    fn a_message_for_the_terminal_keeps_lines_and_tabs_and_escapes_the_rest() {
        let mut out = Vec::new();
        message(&mut out, b"Subject: \x1b]0;owned\x07\r\nA\tB\r\n\xff\r\n").unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "Subject: \\x1b]0;owned\\x07\nA\tB\n\\xff\n"
        );
    }
}
