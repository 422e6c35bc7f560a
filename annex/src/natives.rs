//! The Erlang module `pdu` as VM natives over a [`PduHost`], and the VM driver that sleeps in
//! the shim when every Erlang process waits.
//!
//! - `pdu:open(Filter) -> {ok, Handle} | {error, Reason}`: Filter a string or binary; Handle an
//!   integer; Reason the shim's (or the filter parser's) text as a binary.
//! - Matching frames arrive as `{pdu, Handle, Frame}`, `Frame` a binary over the shim's frame
//!   buffer itself: nothing is copied, and the buffer lives while any (sub-)binary of it does.
//! - `pdu:send(Handle, IoData) -> ok | {error, Reason}`: the iodata is gathered once, straight
//!   into a pool frame.
//! - `pdu:close(Handle) -> ok | {error, Reason}` (closing a closed handle is `ok`).
//! - `pdu:stats() -> #{...}`, `pdu:config() -> #{mac, ip, prefix_len, gw, mtu}`.
//! - The main process receives `peers_done` once every in-process peer of the simulated wire
//!   (a benchmark's pinger) has finished, so a benchmark program knows when to return.

use crate::host::{Delivery, PduError, PduHost, PduStats};
use kernel_shim::Frame;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;
use vm::embed::{Driver, DriverCtx, Exception, NativeCtx, Vm};
use vm::term::{MapKey, Term};

/// The host as natives and the driver share it: the VM runs on one thread, natives and the
/// driver's poll never overlap.
pub type SharedHost = Rc<RefCell<PduHost<u64>>>;

/// A shim frame as a VM binary's owner: the binary points into the frame's buffer.
struct FrameBuf(Frame);

impl AsRef<[u8]> for FrameBuf {
    fn as_ref(&self) -> &[u8] {
        self.0.data()
    }
}

/// A binary over `frame`, copying nothing.
pub fn frame_binary(frame: Frame) -> Term {
    Term::foreign_binary(Arc::new(FrameBuf(frame)))
}

fn reason(e: &PduError) -> Term {
    Term::tuple(vec![
        Term::atom("error"),
        Term::binary(e.to_string().into_bytes()),
    ])
}

fn handle_arg(t: &Term) -> Result<u64, Exception> {
    match t {
        Term::Int(h) if *h > 0 => Ok(*h as u64),
        _ => Err(Exception::badarg()),
    }
}

/// The filter text: a string (list of character codes) or a UTF-8 binary.
fn text_arg(t: &Term) -> Result<String, Exception> {
    if let Some(s) = t.as_string() {
        return Ok(s);
    }
    if let Term::Bin(b) = t {
        if let Some(s) = b.aligned() {
            return String::from_utf8(s.to_vec()).map_err(|_| Exception::badarg());
        }
    }
    Err(Exception::badarg())
}

/// Walks iodata (binaries, bytes 0..255, nested lists, a binary tail) in order, calling `f`
/// with each run of bytes. Depth-first with an explicit stack: a deeply nested iolist cannot
/// overflow the Rust stack. `Err` on anything that is not iodata.
fn walk_iodata(t: &Term, f: &mut dyn FnMut(&[u8])) -> Result<(), Exception> {
    let mut stack: Vec<&Term> = vec![t];
    let mut byte = [0u8; 1];
    while let Some(t) = stack.pop() {
        match t {
            Term::Nil => {}
            Term::Bin(b) if b.is_binary() => match b.aligned() {
                Some(s) => f(s),
                None => f(&b.to_bytes()),
            },
            Term::Cons(c) => {
                stack.push(&c.tail);
                match &c.head {
                    Term::Int(i) if (0..=255).contains(i) => {
                        byte[0] = *i as u8;
                        f(&byte);
                    }
                    h @ (Term::Cons(_) | Term::Nil | Term::Bin(_)) => stack.push(h),
                    _ => return Err(Exception::badarg()),
                }
            }
            _ => return Err(Exception::badarg()),
        }
    }
    Ok(())
}

fn map(pairs: Vec<(&str, Term)>) -> Term {
    let m: BTreeMap<MapKey, Term> = pairs
        .into_iter()
        .map(|(k, v)| (MapKey(Term::atom(k)), v))
        .collect();
    Term::map(m)
}

fn stats_term(s: &PduStats) -> Term {
    let n = |v: u64| Term::Int(v as i64);
    map(vec![
        ("rx_frames", n(s.rx_frames)),
        ("rx_bytes", n(s.rx_bytes)),
        ("rx_copied_bytes", n(s.rx_copied_bytes)),
        ("tx_frames", n(s.tx_frames)),
        ("tx_bytes", n(s.tx_bytes)),
        ("tx_copied_bytes", n(s.tx_copied_bytes)),
        ("dropped", n(s.dropped)),
        ("unclaimed", n(s.unclaimed)),
        ("refused", n(s.refused)),
        ("handles", n(s.handles)),
        ("owners", n(s.owners)),
    ])
}

fn ip_term(ip: Option<std::net::Ipv4Addr>) -> Term {
    match ip {
        Some(ip) => Term::tuple(ip.octets().iter().map(|&o| Term::Int(o as i64)).collect()),
        None => Term::atom("undefined"),
    }
}

/// Registers `pdu:open/1`, `send/2`, `close/1`, `stats/0`, `config/0` over `host`, and a driver
/// that polls it.
pub fn install(vm: &mut Vm, host: SharedHost) {
    let h = host.clone();
    vm.register_native(
        "pdu",
        "open",
        1,
        Box::new(move |ctx: &mut NativeCtx, args: &[Term]| {
            let filter = text_arg(&args[0])?;
            Ok(match h.borrow_mut().open(ctx.pid(), &filter) {
                Ok(handle) => Term::tuple(vec![Term::ok(), Term::Int(handle as i64)]),
                Err(e) => reason(&e),
            })
        }),
    );
    let h = host.clone();
    vm.register_native(
        "pdu",
        "send",
        2,
        Box::new(move |_ctx: &mut NativeCtx, args: &[Term]| {
            let handle = handle_arg(&args[0])?;
            let mut len = 0usize;
            walk_iodata(&args[1], &mut |s| len += s.len())?;
            let mut host = h.borrow_mut();
            let r = host.send_gather(handle, len, |buf| {
                let mut at = 0;
                // The same walk as above: it cannot fail the second time.
                let _ = walk_iodata(&args[1], &mut |s| {
                    buf[at..at + s.len()].copy_from_slice(s);
                    at += s.len();
                });
            });
            Ok(match r {
                Ok(()) => Term::ok(),
                Err(e) => reason(&e),
            })
        }),
    );
    let h = host.clone();
    vm.register_native(
        "pdu",
        "close",
        1,
        Box::new(move |ctx: &mut NativeCtx, args: &[Term]| {
            let handle = handle_arg(&args[0])?;
            Ok(match h.borrow_mut().close(ctx.pid(), handle) {
                Ok(()) | Err(PduError::NoSuchHandle(_)) => Term::ok(),
                Err(e) => reason(&e),
            })
        }),
    );
    let h = host.clone();
    vm.register_native(
        "pdu",
        "stats",
        0,
        Box::new(move |_ctx: &mut NativeCtx, _args: &[Term]| {
            // The host hands frames over without copying (rx_copied_bytes); vm_copied_bytes
            // lets a program check that its own matching copied nothing either.
            let Term::Map(m) = stats_term(&h.borrow().stats()) else {
                return Err(Exception::badarg());
            };
            let mut m = (*m).clone();
            m.insert(
                MapKey(Term::atom("vm_copied_bytes")),
                Term::Int(vm::term::bytes_copied() as i64),
            );
            Ok(Term::map(m))
        }),
    );
    let h = host.clone();
    vm.register_native(
        "pdu",
        "config",
        0,
        Box::new(move |_ctx: &mut NativeCtx, _args: &[Term]| {
            let host = h.borrow();
            let c = host.config();
            Ok(map(vec![
                ("mac", Term::binary(c.mac.to_vec())),
                ("ip", ip_term(c.ip)),
                ("prefix_len", Term::Int(c.prefix_len as i64)),
                ("gw", ip_term(c.gw)),
                ("mtu", Term::Int(c.mtu as i64)),
            ]))
        }),
    );
    vm.set_driver(Box::new(PduDriver {
        host,
        out: Vec::new(),
        told_done: false,
    }));
}

/// The scheduler's view of the host: poll delivers `{pdu, Handle, Frame}` messages; while any
/// handle is open the VM sleeps here rather than calling a wait a deadlock.
pub struct PduDriver {
    host: SharedHost,
    out: Vec<Delivery<u64>>,
    told_done: bool,
}

/// The main process's pid: it hears `peers_done` when every in-process peer (a benchmark's
/// pinger) has finished.
const MAIN_PID: u64 = 1;

impl Driver for PduDriver {
    fn poll(&mut self, ctx: &mut DriverCtx, timeout: Option<Duration>) {
        let r = self.host.borrow_mut().poll(timeout, &mut self.out);
        if let Err(e) = r {
            // A failing NIC must not spin the scheduler: report once per poll and wait out
            // the timeout as an idle poll would.
            eprintln!("exo: NIC poll failed: {e}");
            if let Some(t) = timeout {
                std::thread::sleep(t.min(Duration::from_millis(100)));
            }
        }
        for d in self.out.drain(..) {
            let msg = Term::tuple(vec![
                Term::atom("pdu"),
                Term::Int(d.handle as i64),
                frame_binary(d.frame),
            ]);
            ctx.send(d.owner, msg);
        }
        if !self.told_done && self.host.borrow().peers_done() {
            self.told_done = true;
            ctx.send(MAIN_PID, Term::atom("peers_done"));
        }
    }
    fn process_exited(&mut self, pid: u64) {
        if let Ok(mut h) = self.host.try_borrow_mut() {
            h.owner_exited(pid);
        }
    }
    fn active(&self) -> bool {
        self.host
            .try_borrow()
            .map(|h| h.has_listeners())
            .unwrap_or(true)
    }
}
