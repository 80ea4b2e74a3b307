//! Commands over many messages, pipelined as a sliding window where the server offers
//! PIPELINING (RFC 2449 section 6.6): a new command goes out as each reply ends, so the
//! pipe stays full instead of draining after every batch. Without PIPELINING (or with it
//! turned off) the core sends one command at a time, and the same code is lock-step.

use std::collections::VecDeque;
use std::io;

use pop3_proto::client::{CommandId, CommandKind, Event, UsageError};
use pop3_proto::codec::Status;

use super::{Client, Error, Fetched, QUEUE, Refusal, Session};

/// Commands kept in flight: enough to cover the round trip on any link (48 RETRs of small
/// messages are several round trips' worth), with room left in the core's queue.
const WINDOW: usize = QUEUE - 16;

/// What LIST and UIDL give together: sizes, and unique-ids unless the server has no UIDL.
pub type Listing = (Vec<(u32, u64)>, Option<Vec<(u32, String)>>);

impl Client {
    /// Issues `count` commands with `issue(session, i)`, at most [`WINDOW`] in flight,
    /// each next one as an earlier one completes; gives every event to `on` with the index
    /// of the command it belongs to. After a failure nothing more is issued, and the
    /// replies in flight are read to the end. With `then_quit`, QUIT goes right behind the
    /// last command (saving its round trip), and the session's end is returned: whether
    /// the server entered UPDATE.
    fn windowed(
        &mut self,
        count: usize,
        then_quit: bool,
        mut issue: impl FnMut(&mut Session, usize) -> Result<CommandId, UsageError>,
        mut on: impl FnMut(Event<'_>, usize) -> Result<(), Error>,
    ) -> Result<Option<bool>, Error> {
        let mut outstanding: VecDeque<(CommandId, usize)> = VecDeque::with_capacity(WINDOW);
        let mut next = 0;
        let mut stopped = false;
        let mut quit_sent = false;
        let mut closed = None;
        let mut top_up = |session: &mut Session,
                          outstanding: &mut VecDeque<(CommandId, usize)>,
                          next: &mut usize,
                          stopped: &mut bool,
                          quit_sent: &mut bool|
         -> Result<(), Error> {
            while !*stopped && *next < count && outstanding.len() < WINDOW {
                match issue(session, *next) {
                    Ok(id) => outstanding.push_back((id, *next)),
                    Err(e) => {
                        *stopped = true;
                        return Err(e.into());
                    }
                }
                *next += 1;
            }
            if then_quit && !*stopped && *next == count && !*quit_sent {
                *quit_sent = true;
                session.quit()?;
            }
            Ok(())
        };
        top_up(
            &mut self.core,
            &mut outstanding,
            &mut next,
            &mut stopped,
            &mut quit_sent,
        )?;
        self.run_all(|event, session| {
            if let Event::Closed { update } = event {
                closed = Some(update);
            }
            let index = event
                .id()
                .and_then(|id| outstanding.iter().find(|(i, _)| *i == id))
                .map(|&(_, i)| i);
            let outcome = match index {
                Some(i) => on(event, i),
                None => Ok(()),
            };
            // What the core no longer has in flight has completed (replies come in order).
            while outstanding.len() > session.in_flight() {
                outstanding.pop_front();
            }
            if outcome.is_err() {
                stopped = true;
                return outcome;
            }
            top_up(
                session,
                &mut outstanding,
                &mut next,
                &mut stopped,
                &mut quit_sent,
            )
        })?;
        Ok(closed)
    }

    /// RETR of many messages, pipelined when the server offers PIPELINING (RFC 2449
    /// section 6.6), one at a time otherwise; each piece goes to `sink` in order. A message
    /// the server refuses is [`Fetched::Refused`], and the others go on; an error of the
    /// sink stops at once (the connection is then mid-reply: end it).
    pub fn fetch(
        &mut self,
        msgs: &[u32],
        sink: impl FnMut(Fetched<'_>) -> io::Result<()>,
    ) -> Result<(), Error> {
        self.retr_all(msgs, false, sink).map(|_| ())
    }

    /// [`Client::fetch`], then QUIT, sent right behind the last RETR: for a caller that
    /// deletes nothing, the session ends a round trip sooner. Returns whether the server
    /// entered UPDATE. A failed fetch may leave the QUIT sent: harmless, nothing was
    /// marked for deletion.
    pub fn fetch_then_quit(
        mut self,
        msgs: &[u32],
        sink: impl FnMut(Fetched<'_>) -> io::Result<()>,
    ) -> Result<bool, Error> {
        let closed = self.retr_all(msgs, true, sink)?;
        Ok(closed.unwrap_or(false))
    }

    fn retr_all(
        &mut self,
        msgs: &[u32],
        then_quit: bool,
        mut sink: impl FnMut(Fetched<'_>) -> io::Result<()>,
    ) -> Result<Option<bool>, Error> {
        self.windowed(
            msgs.len(),
            then_quit,
            |session, i| session.retr(msgs[i]),
            |event, i| {
                let msg = msgs[i];
                let piece = match event {
                    Event::Body { data, .. } => Fetched::Data { msg, data },
                    Event::End { .. } => Fetched::End { msg },
                    Event::Reply { command, line, .. } if line.status == Status::Err => {
                        Fetched::Refused {
                            msg,
                            refusal: Refusal::new(command, &line),
                        }
                    }
                    _ => return Ok(()),
                };
                sink(piece).map_err(Error::Sink)
            },
        )
    }

    /// DELE of many messages, pipelined like [`Client::fetch`]. The first refusal is the
    /// error (the server removes nothing before QUIT, so a caller that gives up on a
    /// refusal can still end the session without UPDATE by dropping it).
    pub fn dele_all(&mut self, msgs: &[u32]) -> Result<(), Error> {
        self.windowed(
            msgs.len(),
            false,
            |session, i| session.dele(msgs[i]),
            |event, _| match event {
                Event::Reply { command, line, .. } if line.status == Status::Err => {
                    Err(Error::Refused(Refusal::new(command, &line)))
                }
                _ => Ok(()),
            },
        )
        .map(|_| ())
    }

    /// DELE of many messages and QUIT right behind the last, pipelined: the messages the
    /// server accepted are removed at the UPDATE that QUIT starts, a refused one stays.
    /// Returns whether the server entered UPDATE, and the refusals by message.
    pub fn dele_all_then_quit(
        mut self,
        msgs: &[u32],
    ) -> Result<(bool, Vec<(u32, Refusal)>), Error> {
        let mut refused = Vec::new();
        let closed = self.windowed(
            msgs.len(),
            true,
            |session, i| session.dele(msgs[i]),
            |event, i| {
                if let Event::Reply { command, line, .. } = event
                    && line.status == Status::Err
                {
                    refused.push((msgs[i], Refusal::new(command, &line)));
                }
                Ok(())
            },
        )?;
        Ok((closed.unwrap_or(false), refused))
    }

    /// LIST and UIDL together (pipelined where the server allows): every message's size,
    /// and its unique-id, or `None` for a server that refuses UIDL. A listing that cannot
    /// be read whole is an error, never taken for an empty one.
    pub fn listing(&mut self) -> Result<Listing, Error> {
        let mut sizes = Vec::new();
        let mut uids = Some(Vec::new());
        let mut issued = [CommandKind::List, CommandKind::Uidl].into_iter();
        self.windowed(
            2,
            false,
            |session, _| match issued.next() {
                Some(CommandKind::List) => session.list(None),
                _ => session.uidl(None),
            },
            |event, _| {
                match event {
                    Event::ScanListing { listing, .. } => sizes.push((listing.msg, listing.size)),
                    Event::UidListing { listing, .. } => {
                        if let Some(uids) = uids.as_mut() {
                            uids.push((
                                listing.msg,
                                String::from_utf8_lossy(listing.uid).into_owned(),
                            ));
                        }
                    }
                    Event::Reply { command, line, .. } if line.status == Status::Err => {
                        if command != CommandKind::Uidl {
                            return Err(Error::Refused(Refusal::new(command, &line)));
                        }
                        uids = None;
                    }
                    _ => {}
                }
                Ok(())
            },
        )?;
        Ok((sizes, uids))
    }
}
