//! Generated mail with every shape that trips POP3 implementations, and what a server
//! serves for each: lines starting with dots, a lone `.` line, long lines, 8-bit octets,
//! an empty body, a message without a final line end, and one large message.

/// A stored message: its file contents (LF line ends, as Maildir keeps them).
#[derive(Clone)]
pub(crate) struct Mail {
    /// A name for failure messages.
    pub(crate) name: String,
    /// The file contents.
    pub(crate) stored: Vec<u8>,
}

fn header(n: usize, subject: &str) -> String {
    format!(
        "Return-Path: <sender@example.org>\nFrom: Sender <sender@example.org>\n\
         To: mrose@example.org\nSubject: {subject}\nMessage-ID: <{n}@pop3.test>\n\
         Date: Tue, 1 Dec 2026 10:00:00 +0000\n\n"
    )
}

/// The test mailbox; `big` is the size of the large message in octets (0 for none).
pub(crate) fn mailbox(big: usize) -> Vec<Mail> {
    mailbox_with(big, 20_000)
}

/// The test mailbox with the long line `long_line` octets long.
pub(crate) fn mailbox_with(big: usize, long_line: usize) -> Vec<Mail> {
    let mut out = Vec::new();
    let mut add = |name: &str, body: Vec<u8>| {
        let n = out.len() + 1;
        let mut stored = header(n, name).into_bytes();
        stored.extend(body);
        out.push(Mail {
            name: name.to_owned(),
            stored,
        });
    };
    add(
        "dots",
        b".starts with a dot\n..two dots\n...\n. space\nend\n".to_vec(),
    );
    add("lone dot", b"before\n.\nafter\n".to_vec());
    add(
        "long line",
        [vec![b'x'; long_line], b"\nshort\n".to_vec()].concat(),
    );
    add(
        "8-bit",
        b"caf\xc3\xa9 \xff\xfe\x80 na\xefve\n\xe9t\xe9\n".to_vec(),
    );
    add("empty body", Vec::new());
    add("terminator lookalike", b"line\n.\n\n.\nx.\n".to_vec());
    if big > 0 {
        let line = b"0123456789 the quick brown fox jumps over the lazy dog .. 0123456789\n";
        let mut body = Vec::with_capacity(big + line.len());
        let mut i = 0usize;
        while body.len() < big {
            if i.is_multiple_of(1000) {
                body.extend_from_slice(b".dot at the start of a line\n");
            }
            body.extend_from_slice(line);
            i += 1;
        }
        add("large", body);
    }
    out
}

/// `n` messages of about `size` octets each, for throughput runs.
pub(crate) fn bulk(n: usize, size: usize) -> Vec<Mail> {
    (1..=n)
        .map(|i| {
            let mut stored = header(i, &format!("bulk {i}")).into_bytes();
            let line =
                b"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod.\n";
            while stored.len() < size {
                stored.extend_from_slice(line);
            }
            Mail {
                name: format!("bulk {i}"),
                stored,
            }
        })
        .collect()
}

/// A message as POP3 serves it: LF becomes CRLF, and a final line end is added.
pub(crate) fn served(stored: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(stored.len() + stored.len() / 32 + 2);
    let mut prev = 0u8;
    for &b in stored {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        prev = b;
    }
    if !out.is_empty() && !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}
