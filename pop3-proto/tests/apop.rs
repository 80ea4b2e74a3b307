//! The APOP digest of RFC 1939 section 7.

use pop3_proto::apop::ApopDigest;
use pop3_proto::codec::{Command, Greeting, Strictness, Timestamp};

#[test]
fn rfc1939_section_7_example_digest() {
    let g = Greeting::parse(
        b"+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>",
        Strictness::Strict,
    )
    .unwrap();
    let digest = ApopDigest::compute(g.timestamp.unwrap(), b"tanstaaf");
    assert_eq!(
        *digest.as_secret().expose(),
        b"c4c9334bac560ecc979e58001b3e22fb"
    );
    // And it is what the example's client sends.
    let mut buf = [0u8; 64];
    let n = Command::Apop {
        name: b"mrose",
        digest: digest.as_secret(),
    }
    .encode(&mut buf)
    .unwrap();
    assert_eq!(
        &buf[..n],
        b"APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n"
    );
}

#[test]
fn verification_ignores_hex_case_and_rejects_anything_else() {
    let ts = Timestamp::new(b"<1896.697170952@dbc.mtview.ca.us>").unwrap();
    let digest = ApopDigest::compute(ts, b"tanstaaf");
    assert!(digest.matches(b"c4c9334bac560ecc979e58001b3e22fb"));
    assert!(digest.matches(b"C4C9334BAC560ECC979E58001B3E22FB"));
    assert!(!digest.matches(b"c4c9334bac560ecc979e58001b3e22fc"));
    assert!(!digest.matches(b"c4c9334bac560ecc979e58001b3e22f"));
    assert!(!digest.matches(b""));
    assert!(!ApopDigest::compute(ts, b"wrong").matches(b"c4c9334bac560ecc979e58001b3e22fb"));
}

#[test]
fn digest_does_not_reach_debug_output() {
    let ts = Timestamp::new(b"<1.2@h>").unwrap();
    let digest = ApopDigest::compute(ts, b"s");
    let shown = format!("{digest:?} {:?}", digest.as_secret());
    assert_eq!(shown, "ApopDigest(..) Secret(..)");
}
