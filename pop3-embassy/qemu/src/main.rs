//! A whole POP3 session on an emulated Cortex-M3, checked on the chip: greeting, CAPA,
//! USER/PASS, STAT, LIST, UIDL, TOP, RETR of a dot-stuffed message split across reads,
//! DELE, QUIT. The log and the verdict go out through defmt over semihosting; QEMU exits 0
//! only when every check passed.
#![no_std]
#![no_main]

mod clock;
mod script;

use core::ops::ControlFlow;

use cortex_m_rt::{ExceptionFrame, entry, exception};
use cortex_m_semihosting::debug;
use defmt::{error, info};
use defmt_semihosting as _;
use embassy_executor::Executor;
use embassy_time::{Duration, with_timeout};
use heapless::Vec;
use pop3_embassy::{Clock, drive, establish, login, retr};
use pop3_proto::client::{self, Client, Event, LoginMethod, Security, Transport};
use pop3_proto::sasl::Credentials;
use script::{Scripted, Step};
use static_cell::StaticCell;

const GREETING: &[u8] = b"+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n";

/// The message as stored; the server sends it dot-stuffed.
const MESSAGE: &[u8] = b"Subject: dots\r\n\r\n.leading dot\r\n..\r\n.\r\nend\r\n";

const SCRIPT: &[Step] = &[
    (
        b"CAPA\r\n",
        b"+OK Capability list follows\r\nUSER\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\n.\r\n",
    ),
    (b"USER alice\r\n", b"+OK send PASS\r\n"),
    (
        b"PASS secret\r\n",
        b"+OK alice's maildrop has 2 messages\r\n",
    ),
    (b"STAT\r\n", b"+OK 2 520\r\n"),
    (b"LIST\r\n", b"+OK 2 messages\r\n1 48\r\n2 472\r\n.\r\n"),
    (
        b"UIDL\r\n",
        b"+OK\r\n1 whqtswO00WBw418f9t5JxYwZ\r\n2 QhdPYR:00WBw1Ph7x7\r\n.\r\n",
    ),
    (b"TOP 1 0\r\n", b"+OK\r\nSubject: dots\r\n\r\n.\r\n"),
    (
        b"RETR 1\r\n",
        b"+OK 48 octets\r\nSubject: dots\r\n\r\n..leading dot\r\n...\r\n..\r\nend\r\n.\r\n",
    ),
    (b"DELE 1\r\n", b"+OK message 1 deleted\r\n"),
    (
        b"QUIT\r\n",
        b"+OK dewey POP3 server signing off (1 message left)\r\n",
    ),
];

// Log lines carry the chip's uptime.
defmt::timestamp!("{=u64:ms}", embassy_time::Instant::now().as_millis());

/// What the session saw, checked against the script.
#[derive(Default)]
struct Seen {
    stat: Option<(u32, u64)>,
    sizes: Vec<u64, 4>,
    uids: Vec<Vec<u8, 70>, 4>,
    top: Vec<u8, 64>,
    capabilities: usize,
}

#[entry]
fn main() -> ! {
    let Some(peripherals) = cortex_m::Peripherals::take() else {
        fail("no peripherals")
    };
    clock::start(peripherals.SYST);
    static EXECUTOR: StaticCell<Executor> = StaticCell::new();
    let executor = EXECUTOR.init(Executor::new());
    executor.run(|spawner| spawner.spawn(run().expect("one task")))
}

#[embassy_executor::task]
async fn run() {
    let session = session();
    let future_size = core::mem::size_of_val(&session);
    match with_timeout(Duration::from_secs(30), session).await {
        Ok(Ok(octets)) => {
            info!(
                "QEMU session: ok (greeting, CAPA, USER/PASS, STAT, LIST, UIDL, TOP, RETR of {=usize} octets, DELE, QUIT)",
                octets
            );
            info!(
                "sizes: Client {=usize} octets, session future {=usize} octets",
                core::mem::size_of::<Client>(),
                future_size
            );
            debug::exit(debug::EXIT_SUCCESS);
        }
        Ok(Err(why)) => fail(why),
        Err(_) => fail("the session did not end within 30 s"),
    }
}

async fn session() -> Result<usize, &'static str> {
    // The clock the deadlines use must run.
    let before = embassy_time::Instant::now();
    embassy_time::Timer::after_millis(20).await;
    check(
        before.elapsed() >= Duration::from_millis(20),
        "embassy-time runs",
    )?;
    let mut io = Scripted::new(GREETING, SCRIPT);
    let mut clock = Clock;
    let config = client::Config::default().with_security(Security::AllowCleartext);
    let mut c: Client = Client::new(config, Transport::Plain, Clock::instant());
    let no_tls = async |_: &mut Scripted| Err(script::Mismatch::PastTheEnd);
    let mut seen = Seen::default();
    let ready = establish(&mut c, &mut io, &mut clock, no_tls, |event| {
        if let Event::Capability { .. } = event {
            seen.capabilities += 1;
        }
    })
    .await
    .map_err(|_| "greeting or CAPA failed")?;
    check(ready && seen.capabilities == 5, "CAPA: five capabilities")?;
    info!(
        "greeting and CAPA: {=usize} capabilities",
        seen.capabilities
    );
    let creds = Credentials::password(b"alice", b"secret");
    login(
        &mut c,
        &mut io,
        &mut clock,
        LoginMethod::UserPass,
        &creds,
        |_| {},
    )
    .await
    .map_err(|_| "USER/PASS refused")?;
    info!("logged in with {}", LoginMethod::UserPass);

    // Pipelined: the server advertised PIPELINING.
    let ids = (c.stat(), c.list(None), c.uidl(None), c.top(1, 0));
    check(
        ids.0.is_ok() && ids.1.is_ok() && ids.2.is_ok() && ids.3.is_ok(),
        "queue the commands",
    )?;
    let mut pending = 4;
    drive(&mut c, &mut io, &mut clock, |event, _| {
        match event {
            Event::Stat { stat, .. } => {
                seen.stat = Some((stat.count, stat.size));
                pending -= 1;
            }
            Event::ScanListing { listing, .. } => drop(seen.sizes.push(listing.size)),
            Event::UidListing { listing, .. } => drop(
                seen.uids
                    .push(Vec::from_slice(listing.uid).unwrap_or_default()),
            ),
            Event::Body { data, .. } => drop(seen.top.extend_from_slice(data)),
            Event::End { .. } => pending -= 1,
            _ => {}
        }
        if pending == 0 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .await
    .map_err(|_| "STAT, LIST, UIDL, TOP failed")?;
    check(seen.stat == Some((2, 520)), "STAT: 2 messages, 520 octets")?;
    check(seen.sizes.as_slice() == [48, 472], "LIST: both sizes")?;
    check(
        seen.uids.len() == 2
            && seen.uids[0].as_slice() == b"whqtswO00WBw418f9t5JxYwZ"
            && seen.uids[1].as_slice() == b"QhdPYR:00WBw1Ph7x7",
        "UIDL: both unique-ids",
    )?;
    check(
        seen.top.as_slice() == b"Subject: dots\r\n\r\n",
        "TOP 1 0: the header",
    )?;
    info!(
        "STAT {=u32} messages, LIST {=[?]}, UIDL {=usize} ids, TOP 1 0: {=usize} octets",
        seen.stat.map_or(0, |s| s.0),
        seen.sizes.as_slice(),
        seen.uids.len(),
        seen.top.len()
    );

    let mut message = [0u8; 128];
    let mut sink: &mut [u8] = &mut message;
    let octets = retr(&mut c, &mut io, &mut clock, 1, &mut sink)
        .await
        .map_err(|_| "RETR failed")?;
    let octets = usize::try_from(octets).map_err(|_| "RETR size")?;
    check(
        message.get(..octets) == Some(MESSAGE),
        "RETR 1: unstuffed, byte for byte",
    )?;
    info!(
        "RETR 1: {=usize} octets, unstuffed: {=[u8]:a}",
        octets,
        &message[..octets]
    );

    c.dele(1).map_err(|_| "DELE")?;
    c.quit().map_err(|_| "QUIT")?;
    let mut update = None;
    drive(&mut c, &mut io, &mut clock, |event, _| {
        if let Event::Closed { update: u } = event {
            update = Some(u);
        }
        ControlFlow::Continue(())
    })
    .await
    .map_err(|_| "DELE or QUIT failed")?;
    check(
        c.is_closed() && update == Some(true),
        "QUIT: closed after UPDATE",
    )?;
    info!("DELE 1, QUIT: closed after UPDATE");
    check(io.finished(), "every step of the script taken")?;
    Ok(octets)
}

fn check(ok: bool, what: &'static str) -> Result<(), &'static str> {
    if ok { Ok(()) } else { Err(what) }
}

fn fail(why: &str) -> ! {
    error!("QEMU session: FAILED: {=str}", why);
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}

#[exception]
unsafe fn HardFault(frame: &ExceptionFrame) -> ! {
    error!("HardFault at pc {=u32:#x}", frame.pc());
    fail("HardFault")
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    error!("panic: {}", defmt::Display2Format(info));
    fail("panic")
}
