use serde_json::json;

use super::Listed;
use crate::commands::emit;

/// What a fetch did.
pub(crate) struct Fetch {
    pub(crate) fetched: usize,
    pub(crate) octets: u64,
    pub(crate) deleted: usize,
    pub(crate) skipped: usize,
    pub(crate) seconds: f64,
    /// Messages the server refused to send, with what it said.
    pub(crate) refused: Vec<(u32, String)>,
    /// Messages the MDA declined (left on the server), with why.
    pub(crate) declined: Vec<(u32, String)>,
    /// Messages stored here whose DELE the server refused (so they stay there too), with
    /// what it said.
    pub(crate) undeleted: Vec<(u32, String)>,
    /// Messages left on the server for their size, with it.
    pub(crate) too_large: Vec<Listed>,
    /// With --keep: messages fetched that have no unique-id, so the next run fetches them
    /// again.
    pub(crate) no_uid: Vec<u32>,
}

impl Fetch {
    /// True when some messages were left on the server unfetched.
    pub(crate) fn partial(&self) -> bool {
        !self.refused.is_empty()
            || !self.declined.is_empty()
            || !self.undeleted.is_empty()
            || !self.too_large.is_empty()
    }

    /// Prints the summary, and what was left out, as text or JSON; named by its account
    /// when there are several.
    pub(crate) fn report(&self, json: bool, account: Option<&str>) {
        let who = account.map(|a| format!("{a}: ")).unwrap_or_default();
        for (msg, why) in &self.refused {
            if !json {
                eprintln!("pop3: {who}message {msg} not fetched: {why}");
            }
        }
        for (msg, why) in &self.declined {
            if !json {
                eprintln!("pop3: {who}message {msg} left on the server: {why}");
            }
        }
        for (msg, why) in &self.undeleted {
            if !json {
                eprintln!("pop3: {who}message {msg} fetched, but not deleted on the server: {why}");
            }
        }
        for (msg, size) in &self.too_large {
            if !json {
                eprintln!("pop3: {who}message {msg} not fetched: {size} octets is over --max-size");
            }
        }
        if !self.no_uid.is_empty() && !json {
            eprintln!(
                "pop3: {who}messages {:?} have no unique-id: fetched, but --keep cannot remember them, so the next run fetches them again",
                self.no_uid
            );
        }
        emit(
            json,
            || {
                let mut line = format!(
                    "{who}fetched {} messages ({} octets) in {:.2} s; {} deleted on the server; {} skipped as fetched before",
                    self.fetched, self.octets, self.seconds, self.deleted, self.skipped
                );
                if self.partial() {
                    line.push_str(&format!(
                        "; {} left on the server (see above)",
                        self.refused.len()
                            + self.declined.len()
                            + self.undeleted.len()
                            + self.too_large.len()
                    ));
                }
                line
            },
            || {
                let mut v = json!({"fetched": self.fetched, "octets": self.octets, "deleted": self.deleted,
                       "skipped": self.skipped, "seconds": self.seconds, "partial": self.partial(),
                       "refused": self.refused.iter().map(|(m, why)| json!({"msg": m, "reason": why})).collect::<Vec<_>>(),
                       "declined": self.declined.iter().map(|(m, why)| json!({"msg": m, "reason": why})).collect::<Vec<_>>(),
                       "undeleted": self.undeleted.iter().map(|(m, why)| json!({"msg": m, "reason": why})).collect::<Vec<_>>(),
                       "too_large": self.too_large.iter().map(|(m, s)| json!({"msg": m, "size": s})).collect::<Vec<_>>(),
                       "no_uid": self.no_uid});
                if let Some(a) = account {
                    v["account"] = json!(a);
                }
                v
            },
        );
    }
}
