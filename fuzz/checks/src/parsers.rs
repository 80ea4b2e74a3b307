//! Every line parser on arbitrary octets: no panic; what parses and can be encoded parses
//! back to the same value.

use pop3_proto::codec::{
    Capability, Command, Continuation, Greeting, SaslResponse, ScanListing, Stat, StatusLine,
    Strictness, UidListing,
};

pub fn check(line: &[u8]) {
    let mut buf = [0u8; 4096];
    for strictness in [Strictness::Strict, Strictness::Lenient] {
        if let Ok(s) = StatusLine::parse(line, strictness)
            && let Ok(n) = s.encode(&mut buf)
        {
            assert_eq!(StatusLine::parse(&buf[..n - 2], Strictness::Strict), Ok(s));
        }
        let _ = Greeting::parse(line, strictness);
    }
    if let Ok(cmd) = Command::parse(line)
        && let Ok(n) = cmd.encode(&mut buf)
    {
        assert_eq!(Command::parse(&buf[..n - 2]), Ok(cmd), "{line:?}");
    }
    if let Ok(cap) = Capability::parse(line)
        && let Ok(n) = cap.encode(&mut buf)
    {
        assert_eq!(Capability::parse(&buf[..n - 2]), Ok(cap));
    }
    if let Ok(stat) = Stat::parse(line) {
        let n = stat.encode(&mut buf).expect("a STAT reply always encodes");
        let back = StatusLine::parse(&buf[..n - 2], Strictness::Strict).expect("status");
        assert_eq!(Stat::parse(back.text), Ok(stat));
    }
    if let Ok(scan) = ScanListing::parse(line) {
        let n = scan
            .encode(&mut buf)
            .expect("a scan listing always encodes");
        assert_eq!(ScanListing::parse(&buf[..n - 2]), Ok(scan));
    }
    if let Ok(uid) = UidListing::parse(line) {
        let n = uid
            .encode(&mut buf)
            .expect("a parsed unique-id listing encodes");
        assert_eq!(UidListing::parse(&buf[..n - 2]), Ok(uid));
    }
    if let Ok(c) = Continuation::parse(line) {
        let n = c.encode(&mut buf).expect("a parsed continuation encodes");
        assert_eq!(Continuation::parse(&buf[..n - 2]), Ok(c));
    }
    if let Ok(r) = SaslResponse::parse(line) {
        let n = r.encode(&mut buf).expect("a parsed SASL line encodes");
        assert_eq!(SaslResponse::parse(&buf[..n - 2]), Ok(r));
    }
}
