//! `exo bench ping`: ICMP echo round trips over the simulated wire, the same pinger against
//! several responders, side by side: the Erlang code on the VM (over `pdu`), smoltcp, and a
//! Rust reflector that only turns frames around (the pinger's and the wire's own cost).
//!
//! Everything runs on this thread: the pinger is a peer polled by whoever drives the wire, so
//! CPU time per ping (the thread's CPU clock) covers pinger, wire and responder; the
//! reflector's figure is the part that is not the responder's.

use crate::config::{NetConfig, DEFAULT_MAC};
use crate::host::{PduHost, Peer, SharedPeer};
use crate::natives;
use crate::peer::{Pinger, Reflector, SmolPeer};
use kernel_shim::nic::sim::{Clock, SimEnd, SimWire, WireConfig};
use std::cell::RefCell;
use std::net::Ipv4Addr;
use std::rc::Rc;
use std::time::{Duration, Instant};

const RESPONDER_IP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const PINGER_IP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 2);
const PINGER_MAC: [u8; 6] = [0x02, 0x65, 0x78, 0x6f, 0x00, 0x02];

/// The bundled minimal Erlang responder.
pub const PING_RESPONDER: &str = include_str!("../erl/ping_responder.erl");
/// Starts the protocol stack (loaded from `protocols/erl`) as the responder.
pub const PING_STACK: &str = include_str!("../erl/ping_stack.erl");

/// The protocol stack's modules in `dir` (`*.erl`, not its tests), as (path, source).
pub fn stack_sources(dir: &std::path::Path) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let rd = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for e in rd.flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "erl") {
            let src = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
            out.push((p.display().to_string(), src));
        }
    }
    out.sort();
    if out.is_empty() {
        return Err(format!("{}: no .erl files", dir.display()));
    }
    Ok(out)
}

/// One run's outcome. `wall` and `cpu` span the first reply to the last, so they cover
/// `replies - 1` round trips and leave out the start (ARP, a request sent before the
/// responder listened).
#[derive(Clone, Debug)]
pub struct PingRun {
    pub responder: String,
    pub sent: u64,
    pub replies: u64,
    pub bad: u64,
    pub wall: Duration,
    pub cpu: Duration,
}

impl PingRun {
    fn from_pinger(responder: String, p: &Pinger) -> PingRun {
        let (wall, cpu) = match (p.first_reply, p.last_reply) {
            (Some((w0, c0)), Some((w1, c1))) => (w1 - w0, c1 - c0),
            _ => (Duration::ZERO, Duration::ZERO),
        };
        PingRun {
            responder,
            sent: p.sent,
            replies: p.replies,
            bad: p.bad_replies,
            wall,
            cpu,
        }
    }
    fn measured(&self) -> u64 {
        self.replies.saturating_sub(1).max(1)
    }
    pub fn rate(&self) -> f64 {
        self.measured() as f64 / self.wall.as_secs_f64().max(1e-9)
    }
    pub fn cpu_per_ping(&self) -> Duration {
        self.cpu / self.measured() as u32
    }
}

/// CPU time this thread has used.
pub fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: plain syscall writing into `ts`.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn pinger(end: SimEnd, count: u64, window: u64, payload: usize) -> Pinger {
    let mut p = Pinger::new(
        end,
        PINGER_MAC,
        PINGER_IP,
        DEFAULT_MAC,
        RESPONDER_IP,
        count,
        payload,
    );
    p.window = window;
    // A request that reaches the VM before its responder has opened its filter is unclaimed;
    // it is sent again rather than waited for forever (the run's `sent` shows any retry).
    p.retry_after = Some(Duration::from_millis(200));
    p
}

fn wire() -> (SimEnd, SimEnd) {
    SimWire::pair(WireConfig::default(), Clock::real())
}

/// Which Rust responder answers.
#[derive(Clone, Copy, Debug)]
pub enum RustResponder {
    Smoltcp,
    Reflector,
}

/// Pings a Rust responder; both ends polled in turn on this thread, bounded by `limit`.
pub fn ping_rust(
    which: RustResponder,
    count: u64,
    window: u64,
    payload: usize,
    limit: Duration,
) -> PingRun {
    let (a, b) = wire();
    let mut p = pinger(a, count, window, payload);
    let mut r: Box<dyn Peer> = match which {
        RustResponder::Smoltcp => Box::new(SmolPeer::new(b, DEFAULT_MAC, RESPONDER_IP, 24, 7)),
        RustResponder::Reflector => Box::new(Reflector::new(b)),
    };
    let t0 = Instant::now();
    while !p.done() && t0.elapsed() < limit {
        p.poll();
        r.poll();
    }
    PingRun::from_pinger(format!("{which:?}").to_lowercase(), &p)
}

/// Pings Erlang code on the VM: `modules` (name, source) are loaded and `module:main()` runs;
/// it must return when it receives `peers_done`. The pinger is a peer of the VM's `pdu` host.
pub fn ping_erlang(
    label: &str,
    modules: &[(&str, &str)],
    module: &str,
    count: u64,
    window: u64,
    payload: usize,
) -> Result<PingRun, String> {
    let (a, b) = wire();
    let p = Rc::new(RefCell::new(pinger(a, count, window, payload)));
    let cfg = NetConfig {
        ip: Some(RESPONDER_IP),
        prefix_len: 24,
        ..NetConfig::default()
    };
    let mut host: PduHost<u64> =
        PduHost::new(Some(Box::new(b)), cfg).map_err(|e| format!("shim: {e}"))?;
    host.add_peer(Box::new(SharedPeer(p.clone())));
    let mut vm = vm::embed::Vm::new();
    natives::install(&mut vm, Rc::new(RefCell::new(host)));
    for (name, src) in modules {
        vm.load_source(name, src)?;
    }
    let out = vm.run(module, "main", false);
    if out.exit_code != 0 {
        return Err(format!(
            "{label}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let run = PingRun::from_pinger(label.to_string(), &p.borrow());
    Ok(run)
}

/// Runs every responder `rounds` times, interleaved, and keeps each one's fastest run (by CPU
/// per ping). With `stack`, the protocol stack's modules, the stack is one of them.
pub fn compare(
    count: u64,
    window: u64,
    payload: usize,
    rounds: u32,
    stack: Option<&[(String, String)]>,
) -> Result<Vec<PingRun>, String> {
    let mut best: Vec<Option<PingRun>> = vec![None, None, None, None];
    let limit = Duration::from_secs(60);
    for _ in 0..rounds.max(1) {
        let stack_run = match stack {
            Some(mods) => {
                let mut all: Vec<(&str, &str)> =
                    mods.iter().map(|(p, s)| (p.as_str(), s.as_str())).collect();
                all.push(("ping_stack.erl", PING_STACK));
                Some(ping_erlang(
                    "erlang netstack (protocols/)",
                    &all,
                    "ping_stack",
                    count,
                    window,
                    payload,
                )?)
            }
            None => None,
        };
        let runs = [
            stack_run,
            Some(ping_erlang(
                "erlang ping_responder (pdu)",
                &[("ping_responder.erl", PING_RESPONDER)],
                "ping_responder",
                count,
                window,
                payload,
            )?),
            Some(ping_rust(
                RustResponder::Smoltcp,
                count,
                window,
                payload,
                limit,
            )),
            Some(ping_rust(
                RustResponder::Reflector,
                count,
                window,
                payload,
                limit,
            )),
        ];
        for (slot, r) in best.iter_mut().zip(runs) {
            let Some(r) = r else { continue };
            if slot
                .as_ref()
                .is_none_or(|b| r.cpu_per_ping() < b.cpu_per_ping())
            {
                *slot = Some(r);
            }
        }
    }
    Ok(best.into_iter().flatten().collect())
}

/// The side-by-side table `exo bench ping` prints.
pub fn report(runs: &[PingRun], window: u64, payload: usize) -> String {
    let mut s = format!(
        "ICMP echo over the simulated wire, {payload}-byte payload, {window} outstanding\n\
         {:<30} {:>8} {:>8} {:>12} {:>14} {:>10}\n",
        "responder", "sent", "replies", "pings/s", "CPU/ping (us)", "vs smoltcp"
    );
    let smol = runs
        .iter()
        .find(|r| r.responder == "smoltcp")
        .map(|r| r.cpu_per_ping().as_secs_f64());
    for r in runs {
        let cpu = r.cpu_per_ping().as_secs_f64();
        let ratio = smol.map_or("-".to_string(), |s| format!("{:.2}x", cpu / s));
        s += &format!(
            "{:<30} {:>8} {:>8} {:>12.0} {:>14.2} {:>10}{}\n",
            r.responder,
            r.sent,
            r.replies,
            r.rate(),
            cpu * 1e6,
            ratio,
            if r.bad > 0 {
                format!("  ({} bad replies)", r.bad)
            } else {
                String::new()
            }
        );
    }
    s
}
