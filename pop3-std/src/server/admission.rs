//! Who gets a slot. A server full of connections that never log in must still let a real
//! user in: when the limit is reached, the oldest session that has not logged in makes
//! room (as Dovecot does), a logged-in session is never the one to go, and one address may
//! hold only so many unauthenticated sessions.

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// One session, as admission control sees it.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) id: u64,
    pub(crate) ip: IpAddr,
    logged_in: AtomicBool,
    evicted: AtomicBool,
}

impl Entry {
    /// The session logged in: it is never evicted from now on.
    pub(crate) fn logged_in(&self) {
        self.logged_in.store(true, Ordering::SeqCst);
    }

    /// True once the session was asked to make room; it ends at its next pause.
    pub(crate) fn is_evicted(&self) -> bool {
        self.evicted.load(Ordering::SeqCst)
    }

    fn is_waiting(&self) -> bool {
        !self.logged_in.load(Ordering::SeqCst) && !self.is_evicted()
    }
}

/// Why a connection was not admitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refused {
    /// Every slot holds a logged-in session.
    Full,
    /// This address holds as many unauthenticated sessions as it may.
    PerAddress,
}

/// What admitting a connection did.
#[derive(Debug)]
pub(crate) struct Admitted {
    pub(crate) entry: Arc<Entry>,
    /// The session asked to make room for it, if one was.
    pub(crate) evicted: Option<Arc<Entry>>,
}

/// The sessions running, oldest first.
#[derive(Debug, Default)]
pub(crate) struct Admission {
    sessions: Mutex<Vec<Arc<Entry>>>,
}

impl Admission {
    /// Admits a connection from `ip` as session `id` under `limit` sessions, at most
    /// `per_address` of them unauthenticated from one address.
    pub(crate) fn admit(
        &self,
        id: u64,
        ip: IpAddr,
        limit: usize,
        per_address: usize,
    ) -> Result<Admitted, Refused> {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        let waiting_here = sessions
            .iter()
            .filter(|e| e.ip == ip && e.is_waiting())
            .count();
        if waiting_here >= per_address {
            return Err(Refused::PerAddress);
        }
        let live = sessions.iter().filter(|e| !e.is_evicted()).count();
        let evicted = if live >= limit {
            let oldest = sessions
                .iter()
                .find(|e| e.is_waiting())
                .ok_or(Refused::Full)?;
            oldest.evicted.store(true, Ordering::SeqCst);
            Some(Arc::clone(oldest))
        } else {
            None
        };
        let entry = Arc::new(Entry {
            id,
            ip,
            logged_in: AtomicBool::new(false),
            evicted: AtomicBool::new(false),
        });
        sessions.push(Arc::clone(&entry));
        Ok(Admitted { entry, evicted })
    }

    /// Sessions admitted and not yet ended (those asked to make room included, until they
    /// have gone).
    pub(crate) fn len(&self) -> usize {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }

    /// Session `id` ended.
    pub(crate) fn leave(&self, id: u64) {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        sessions.retain(|e| e.id != id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2));

    #[test]
    fn when_full_the_oldest_unauthenticated_session_makes_room_never_a_logged_in_one() {
        let a = Admission::default();
        let first = a.admit(1, A, 3, 10).unwrap().entry;
        first.logged_in();
        let second = a.admit(2, A, 3, 10).unwrap().entry;
        a.admit(3, B, 3, 10).unwrap();
        let fourth = a.admit(4, B, 3, 10).unwrap();
        assert_eq!(
            fourth.evicted.map(|e| e.id),
            Some(2),
            "the oldest not logged in"
        );
        assert!(second.is_evicted() && !first.is_evicted());
        let fifth = a.admit(5, B, 3, 10).unwrap();
        assert_eq!(fifth.evicted.map(|e| e.id), Some(3));
        fifth.entry.logged_in();
        // Now 1 and 5 are logged in, 4 is waiting: 4 goes, then nobody can.
        assert_eq!(a.admit(6, A, 3, 10).unwrap().evicted.map(|e| e.id), Some(4));
        let all_in = Admission::default();
        for id in 0..2 {
            all_in.admit(id, A, 2, 10).unwrap().entry.logged_in();
        }
        assert_eq!(all_in.admit(9, B, 2, 10).unwrap_err(), Refused::Full);
    }

    #[test]
    fn one_address_holds_only_so_many_unauthenticated_sessions() {
        let a = Admission::default();
        let one = a.admit(1, A, 100, 2).unwrap().entry;
        a.admit(2, A, 100, 2).unwrap();
        assert_eq!(a.admit(3, A, 100, 2).unwrap_err(), Refused::PerAddress);
        assert!(
            a.admit(4, B, 100, 2).is_ok(),
            "other addresses are not affected"
        );
        one.logged_in();
        assert!(
            a.admit(5, A, 100, 2).is_ok(),
            "a logged-in session does not count"
        );
        a.leave(2);
        assert!(a.admit(6, A, 100, 2).is_ok());
    }
}
