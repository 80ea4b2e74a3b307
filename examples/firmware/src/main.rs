//! A mail checker on a NUCLEO-F429ZI: Ethernet (RMII, the board's LAN8742 PHY), an
//! address by DHCP, then every few minutes a POP3 session that counts the messages whose
//! unique-ids were not there before and logs their sender and subject through defmt.
//!
//! Set at build time: `MAIL_SERVER` (host name or IPv4 address), `MAIL_PORT` (110),
//! `MAIL_USER`, `MAIL_PASSWORD`, `MAIL_EVERY_MINUTES` (5). Without TLS on this board the
//! password must not travel in cleartext: the login takes the strongest method offered
//! (SCRAM-SHA-256 with a fresh nonce from the RNG, CRAM-MD5, APOP) and the client refuses
//! USER/PASS and PLAIN on a plain connection unless the server offers nothing else.
#![no_std]
#![no_main]

use defmt::{info, warn};
use embassy_executor::Spawner;
use embassy_net::{Stack, StackResources};
use embassy_stm32::eth::{Ethernet, GenericPhy, PacketQueue, Sma};
use embassy_stm32::peripherals::{ETH, ETH_SMA, RNG};
use embassy_stm32::rng::{self, Rng};
use embassy_stm32::time::Hertz;
use embassy_stm32::{Config, bind_interrupts, eth};
use embassy_time::{Duration, Timer};
use pop3_checker::{CheckError, Seen, asynch::check};
use pop3_embassy::{Buffers, Clock, Remote, connect};
use pop3_proto::client::{self, Client, Security, Transport};
use pop3_proto::sasl::Credentials;
use static_cell::StaticCell;
use {defmt_rtt as _, panic_probe as _};

const SERVER: &str = setting(option_env!("MAIL_SERVER"), "mail.example.net");
const PORT: &str = setting(option_env!("MAIL_PORT"), "110");
const USER: &str = setting(option_env!("MAIL_USER"), "alice");
const PASSWORD: &str = setting(option_env!("MAIL_PASSWORD"), "secret");
const EVERY_MINUTES: &str = setting(option_env!("MAIL_EVERY_MINUTES"), "5");

/// Unique-ids remembered between checks: a fixed-size set (about 70 octets each).
const REMEMBERED: usize = 64;

const fn setting(value: Option<&'static str>, default: &'static str) -> &'static str {
    match value {
        Some(v) => v,
        None => default,
    }
}

bind_interrupts!(struct Irqs {
    ETH => eth::InterruptHandler;
    HASH_RNG => rng::InterruptHandler<RNG>;
});

type Device = Ethernet<'static, ETH, GenericPhy<Sma<'static, ETH_SMA>>>;

#[embassy_executor::task]
async fn network(mut runner: embassy_net::Runner<'static, Device>) -> ! {
    runner.run().await
}

#[embassy_executor::main]
async fn main(spawner: Spawner) {
    let p = embassy_stm32::init(clocks());
    let mut rng = Rng::new(p.RNG, Irqs);
    let mut seed = [0u8; 8];
    let _ = rng.async_fill_bytes(&mut seed).await;

    static PACKETS: StaticCell<PacketQueue<4, 4>> = StaticCell::new();
    // The NUCLEO-F429ZI's RMII pins.
    let device = Ethernet::new(
        PACKETS.init(PacketQueue::new()),
        p.ETH,
        Irqs,
        p.PA1,
        p.PA7,
        p.PC4,
        p.PC5,
        p.PG13,
        p.PB13,
        p.PG11,
        [0x02, 0x00, 0x50, 0x4f, 0x50, 0x33],
        p.ETH_SMA,
        p.PA2,
        p.PC1,
    );
    static RESOURCES: StaticCell<StackResources<3>> = StaticCell::new();
    let config = embassy_net::Config::dhcpv4(Default::default());
    let (stack, runner) = embassy_net::new(
        device,
        config,
        RESOURCES.init(StackResources::new()),
        u64::from_le_bytes(seed),
    );
    match network(runner) {
        Ok(task) => spawner.spawn(task),
        Err(_) => {
            warn!("the network task did not start");
            return;
        }
    }
    stack.wait_config_up().await;
    info!("network up: {}", stack.config_v4().map(|c| c.address));

    let every = Duration::from_secs(60 * EVERY_MINUTES.parse::<u64>().unwrap_or(5));
    let port = PORT.parse::<u16>().unwrap_or(110);
    // The session's memory, taken once: socket buffers, the client, the remembered ids.
    static BUFFERS: StaticCell<Buffers<4096, 1024>> = StaticCell::new();
    static CLIENT: StaticCell<Client<1024, 512, 8>> = StaticCell::new();
    static SEEN: StaticCell<Seen<REMEMBERED>> = StaticCell::new();
    let buffers = BUFFERS.init(Buffers::new());
    let client = CLIENT.init(Client::new(
        client::Config::default(),
        Transport::Plain,
        Clock::instant(),
    ));
    let seen = SEEN.init(Seen::new());
    loop {
        let mut nonce = [0u8; 32];
        fresh_nonce(&mut rng, &mut nonce).await;
        let session = check_once(stack, port, &nonce, buffers, client, seen);
        info!(
            "session future: {=usize} octets",
            core::mem::size_of_val(&session)
        );
        match session.await {
            Ok(0) => info!("no new mail ({=usize} known)", seen.len()),
            Ok(n) => info!("{=usize} new message(s)", n),
            Err(why) => warn!("check failed: {=str}", why),
        }
        Timer::after(every).await;
    }
}

/// One POP3 session: connect, log in, UIDL, TOP for each new message, QUIT.
async fn check_once(
    stack: Stack<'static>,
    port: u16,
    nonce: &[u8],
    buffers: &mut Buffers<4096, 1024>,
    client: &mut Client<1024, 512, 8>,
    seen: &mut Seen<REMEMBERED>,
) -> Result<usize, &'static str> {
    let remote = Remote::Host { name: SERVER, port };
    let mut socket = connect(stack, buffers, remote, Duration::from_secs(15))
        .await
        .map_err(|_| "no connection")?;
    let config = client::Config::default().with_security(Security::AllowCleartext);
    *client = Client::new(config, Transport::Plain, Clock::instant());
    let creds = Credentials::password(USER.as_bytes(), PASSWORD.as_bytes()).with_nonce(nonce);
    let no_tls = async |_: &mut embassy_net::tcp::TcpSocket<'_>| {
        Err(embassy_net::tcp::Error::ConnectionReset)
    };
    let new = check(
        client,
        &mut socket,
        &mut Clock,
        &creds,
        no_tls,
        seen,
        |mail| {
            info!(
                "new mail #{=u32}: from {=[u8]:a} | subject {=[u8]:a}",
                mail.msg, mail.from, mail.subject
            );
        },
    )
    .await
    .map_err(|e| match e {
        CheckError::LoginRefused(_) => "the server refused the login",
        CheckError::Unavailable => "the server refused service in its greeting",
        CheckError::NoLoginMethod => "no login method fits these credentials",
        CheckError::Step(_) => "the session failed",
    })?;
    socket.close();
    Ok(new)
}

/// 16 random octets as 32 hex digits: a SCRAM nonce (printable, no comma).
async fn fresh_nonce(rng: &mut Rng<'static, RNG>, nonce: &mut [u8; 32]) {
    let mut random = [0u8; 16];
    let _ = rng.async_fill_bytes(&mut random).await;
    for (pair, byte) in nonce.chunks_exact_mut(2).zip(random) {
        pair[0] = b"0123456789abcdef"[usize::from(byte >> 4)];
        pair[1] = b"0123456789abcdef"[usize::from(byte & 15)];
    }
}

/// 180 MHz from the board's 8 MHz clock (the ST-LINK's MCO, bypass mode).
fn clocks() -> Config {
    use embassy_stm32::rcc::{
        AHBPrescaler, APBPrescaler, Hse, HseMode, Pll, PllMul, PllPDiv, PllPreDiv, PllSource,
        Sysclk,
    };
    let mut config = Config::default();
    config.rcc.hse = Some(Hse {
        freq: Hertz(8_000_000),
        mode: HseMode::Bypass,
    });
    config.rcc.pll_src = PllSource::HSE;
    config.rcc.pll = Some(Pll {
        prediv: PllPreDiv::DIV4,
        mul: PllMul::MUL180,
        divp: Some(PllPDiv::DIV2),
        divq: None,
        divr: None,
    });
    config.rcc.ahb_pre = AHBPrescaler::DIV1;
    config.rcc.apb1_pre = APBPrescaler::DIV4;
    config.rcc.apb2_pre = APBPrescaler::DIV2;
    config.rcc.sys = Sysclk::PLL1_P;
    config
}
