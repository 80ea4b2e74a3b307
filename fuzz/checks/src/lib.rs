//! The properties the fuzz targets check, one module per target. Each `check` panics when a
//! property fails; the fuzzers call them on generated input, and `tests/replay.rs` calls
//! them on the committed corpora and regression inputs under plain `cargo test`.

pub mod client_session;
pub mod framer;
pub mod pair;
pub mod parsers;
pub mod reference;
pub mod roundtrip;
pub mod server_session;
pub mod stuffing;

/// A target's property: panics when it fails on the input.
pub type Check = fn(&[u8]);

/// The fuzz targets, by name (the folder names under `corpus/` and `regressions/`).
pub const TARGETS: [(&str, Check); 7] = [
    ("framer", framer::check),
    ("parsers", parsers::check),
    ("roundtrip", roundtrip::check),
    ("stuffing", stuffing::check),
    ("client_session", client_session::check),
    ("server_session", server_session::check),
    ("pair", pair::check),
];
