//! # pop3-std
//!
//! The std drivers of the POP3 stack. This crate will hold:
//!
//! - a blocking client over `std::net::TcpStream`, with implicit TLS (RFC 8314) and STLS
//!   (RFC 2595) through rustls;
//! - a POP3 server over Maildir, with a passwd-file authenticator.
//!
//! Both only move bytes and time between sockets and the state machines of
//! [`pop3_proto`]; every protocol rule lives there. Today the crate offers what the codec
//! alone makes possible: [`read_greeting`], which reads and parses a server greeting from
//! any [`std::io::Read`].

use std::io::{self, Read};

use pop3_proto::codec::{Frame, Framer, Greeting, Strictness};

/// Reads one greeting line from `reader` into `buf` and parses it. Returns the greeting
/// borrowed from `buf`; octets read after the greeting line are not kept.
pub fn read_greeting<'b>(reader: &mut impl Read, buf: &'b mut [u8]) -> io::Result<Greeting<'b>> {
    let mut framer = Framer::for_responses(Strictness::Lenient);
    let mut filled = 0;
    let end = loop {
        let decoded = framer.decode(buf.get(..filled).unwrap_or_default());
        match decoded.frame {
            Some(Frame::Line(line)) => break line.len(),
            Some(Frame::Error(e)) => return Err(io::Error::new(io::ErrorKind::InvalidData, e)),
            _ => {}
        }
        let Some(space) = buf.get_mut(filled..).filter(|s| !s.is_empty()) else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "greeting too long",
            ));
        };
        match reader.read(space)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => filled += n,
        }
    };
    let line = buf.get(..end).unwrap_or_default();
    Greeting::parse(line, Strictness::Lenient)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_greeting_split_across_reads() {
        struct OneByte<'a>(&'a [u8]);
        impl Read for OneByte<'_> {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                let Some((&b, rest)) = self.0.split_first() else {
                    return Ok(0);
                };
                out[0] = b;
                self.0 = rest;
                Ok(1)
            }
        }
        let mut r = OneByte(b"+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n");
        let mut buf = [0; 512];
        let g = read_greeting(&mut r, &mut buf).unwrap();
        assert!(g.is_ok());
        assert_eq!(
            g.timestamp.unwrap().as_bytes(),
            b"<1896.697170952@dbc.mtview.ca.us>"
        );
    }

    #[test]
    fn eof_before_the_line_end_is_an_error() {
        let mut r: &[u8] = b"+OK no line end";
        let mut buf = [0; 512];
        let e = read_greeting(&mut r, &mut buf).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
    }
}
