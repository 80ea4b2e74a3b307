//! Arbitrary commands and responses (the core's own `Arbitrary`, feature `arbitrary`):
//! what encodes parses back equal; what would not read back is refused by the encoder.

use arbitrary::{Arbitrary, Unstructured};
use pop3_proto::codec::{
    Capability, Command, EncodeError, ScanListing, Stat, StatusLine, Strictness, UidListing,
};

/// One value of each kind the codec both encodes and parses.
#[derive(Debug, Arbitrary)]
pub enum Value<'a> {
    Command(Command<'a>),
    Status(StatusLine<'a>),
    Scan(ScanListing),
    Uid(UidListing<'a>),
    Stat(Stat),
    Capability(Capability<'a>),
}

fn refused(e: EncodeError) -> bool {
    matches!(
        e,
        EncodeError::ForbiddenByte { .. }
            | EncodeError::Empty { .. }
            | EncodeError::LineTooLong { .. }
            | EncodeError::ZeroMessageNumber
            | EncodeError::BadDigest
    )
}

fn command(cmd: Command<'_>, buf: &mut [u8]) {
    if let Command::Auth {
        initial_response: Some(ir),
        ..
    } = cmd
        && ir.expose() == b"="
    {
        // "=" is how an empty initial response is written: it reads back as empty.
        return;
    }
    match cmd.encode(buf) {
        Ok(n) => assert_eq!(Command::parse(&buf[..n - 2]), Ok(cmd)),
        Err(e) => assert!(refused(e), "{cmd:?}: {e}"),
    }
}

fn capability(cap: Capability<'_>, buf: &mut [u8]) {
    let Ok(n) = cap.encode(buf) else { return };
    let back = Capability::parse(&buf[..n - 2]);
    match cap {
        // A private tag reads back; one that spells a known tag is read as that
        // capability, whose parameters may then not fit.
        Capability::Other { tag, .. } => {
            let known = !matches!(Capability::parse(tag), Ok(Capability::Other { .. }));
            assert!(known || back.is_ok(), "{cap:?}");
        }
        // Mechanism lists and texts may carry spaces at their ends that the parser trims;
        // the tag survives.
        Capability::Sasl(_) | Capability::Implementation(_) => {
            assert_eq!(back.map(|c| c.tag()), Ok(cap.tag()))
        }
        _ => assert_eq!(back, Ok(cap)),
    }
}

pub fn check(data: &[u8]) {
    let Ok(value) = Value::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let mut buf = [0u8; 1024];
    match value {
        Value::Command(cmd) => command(cmd, &mut buf),
        Value::Status(line) => {
            if let Ok(n) = line.encode(&mut buf) {
                assert_eq!(
                    StatusLine::parse(&buf[..n - 2], Strictness::Strict),
                    Ok(line)
                );
            }
        }
        Value::Scan(scan) => {
            if let Ok(n) = scan.encode_reply(&mut buf) {
                let line = StatusLine::parse(&buf[..n - 2], Strictness::Strict).expect("status");
                assert_eq!(ScanListing::parse(line.text), Ok(scan));
            }
            if let Ok(n) = scan.encode(&mut buf) {
                assert_eq!(ScanListing::parse(&buf[..n - 2]), Ok(scan));
            }
        }
        Value::Uid(listing) => {
            if let Ok(n) = listing.encode(&mut buf) {
                assert_eq!(UidListing::parse(&buf[..n - 2]), Ok(listing));
            }
        }
        Value::Stat(stat) => {
            let n = stat.encode(&mut buf).expect("a STAT reply always encodes");
            let line = StatusLine::parse(&buf[..n - 2], Strictness::Strict).expect("status");
            assert_eq!(Stat::parse(line.text), Ok(stat));
        }
        Value::Capability(cap) => capability(cap, &mut buf),
    }
}
