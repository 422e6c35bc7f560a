//! The embedding API (`vm::Vm`): natives called from Erlang, a driver delivering messages and
//! hosting the VM's idle sleep, foreign binaries shared without copies, streamed output.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::Write;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use vm::term::Term;
use vm::{Driver, DriverCtx, Exception, Vm};

fn vm_with(src: &str) -> Vm {
    let mut vm = Vm::new();
    vm.load_source("t.erl", src).expect("compiles");
    vm
}

fn stdout(o: &vm::RunOutput) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn native_is_called_with_its_arguments_and_overrides_erlang() {
    let mut vm = vm_with(
        "-module(t).\n-export([main/0]).\n\
         main() -> {host:add(2, 40), other:f(), catch host:add(a, 1)}.\n",
    );
    vm.load_source(
        "other.erl",
        "-module(other).\n-export([f/0]).\nf() -> erlang_version.\n",
    )
    .unwrap();
    let calls = Rc::new(RefCell::new(Vec::new()));
    let c2 = calls.clone();
    vm.register_native(
        "host",
        "add",
        2,
        Box::new(move |ctx, args| {
            c2.borrow_mut().push(ctx.pid());
            match (&args[0], &args[1]) {
                (Term::Int(a), Term::Int(b)) => Ok(Term::Int(a + b)),
                _ => Err(Exception::badarg()),
            }
        }),
    );
    vm.register_native("other", "f", 0, Box::new(|_, _| Ok(Term::atom("native"))));
    let out = vm.run("t", "main", true);
    assert_eq!(out.exit_code, 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        stdout(&out),
        "{42,native,{'EXIT',{badarg,[{host,add,[a,1],[]},{t,main,0,[]}]}}}\n"
    );
    // Both calls came from the main process.
    assert_eq!(*calls.borrow(), vec![1, 1]);
}

#[test]
fn native_sends_to_the_caller_and_raises_error_tuples() {
    let mut vm = vm_with(
        "-module(t).\n-export([main/0]).\n\
         main() -> ok = host:notify(hello), R = receive {note, X} -> X after 1000 -> none end,\n\
         {R, catch host:fail()}.\n",
    );
    vm.register_native(
        "host",
        "notify",
        1,
        Box::new(|ctx, args| {
            let me = ctx.pid();
            ctx.send(me, Term::tuple(vec![Term::atom("note"), args[0].clone()]));
            Ok(Term::atom("ok"))
        }),
    );
    vm.register_native(
        "host",
        "fail",
        0,
        Box::new(|_, _| {
            Err(Exception::throw(Term::tuple(vec![
                Term::atom("error"),
                Term::binary(b"refused".to_vec()),
            ])))
        }),
    );
    let out = vm.run("t", "main", true);
    assert_eq!(stdout(&out), "{hello,{error,<<\"refused\">>}}\n");
}

/// A driver scripted by the test: messages to deliver at given times, a log of every poll's
/// timeout, and a sleep inside poll as a NIC's epoll would.
#[derive(Default)]
struct Script {
    subscriber: Option<u64>,
    pending: VecDeque<(Duration, Term)>,
    polls: Vec<Option<Duration>>,
    exited: Vec<u64>,
}

struct TestDriver(Rc<RefCell<Script>>);

impl Driver for TestDriver {
    fn poll(&mut self, ctx: &mut DriverCtx, timeout: Option<Duration>) {
        let mut s = self.0.borrow_mut();
        s.polls.push(timeout);
        let now = ctx.now();
        let due = s.pending.front().map(|(t, _)| *t);
        let wait = match (due, timeout) {
            (Some(d), Some(t)) => d.saturating_sub(now).min(t),
            (Some(d), None) => d.saturating_sub(now),
            (None, Some(t)) => t,
            // Nothing will ever arrive: the VM must not ask us to wait forever then.
            (None, None) => panic!("poll(None) with nothing pending"),
        };
        std::thread::sleep(wait);
        let now = ctx.now();
        while let (Some(pid), Some((t, _))) = (s.subscriber, s.pending.front()) {
            if *t > now {
                break;
            }
            let (_, msg) = s.pending.pop_front().unwrap();
            ctx.send(pid, msg);
        }
    }
    fn process_exited(&mut self, pid: u64) {
        self.0.borrow_mut().exited.push(pid);
    }
    fn active(&self) -> bool {
        let s = self.0.borrow();
        s.subscriber.is_some() && !s.pending.is_empty()
    }
}

fn scripted(vm: &mut Vm, pending: Vec<(u64, Term)>) -> Rc<RefCell<Script>> {
    let script = Rc::new(RefCell::new(Script {
        pending: pending
            .into_iter()
            .map(|(ms, t)| (Duration::from_millis(ms), t))
            .collect(),
        ..Default::default()
    }));
    let s2 = script.clone();
    vm.register_native(
        "drv",
        "subscribe",
        0,
        Box::new(move |ctx, _| {
            s2.borrow_mut().subscriber = Some(ctx.pid());
            Ok(Term::atom("ok"))
        }),
    );
    vm.set_driver(Box::new(TestDriver(script.clone())));
    script
}

#[test]
fn driver_delivers_to_a_process_waiting_without_timeout() {
    // The subscriber waits with no `after` and no timer: only the driver can wake it, so this
    // is not a deadlock while the driver is active.
    let mut vm = vm_with(
        "-module(t).\n-export([main/0]).\n\
         main() -> Self = self(), P = spawn(fun() -> drv:subscribe(), Self ! ready, loop(Self, []) end),\n\
         receive ready -> ok end, receive {got, L} -> {P =/= self(), L} end.\n\
         loop(To, Acc) when length(Acc) =:= 3 -> To ! {got, lists:reverse(Acc)};\n\
         loop(To, Acc) -> receive {frame, N} -> loop(To, [N | Acc]) end.\n",
    );
    let frame = |n| Term::tuple(vec![Term::atom("frame"), Term::Int(n)]);
    let script = scripted(
        &mut vm,
        vec![(30, frame(1)), (60, frame(2)), (90, frame(3))],
    );
    let out = vm.run("t", "main", true);
    assert_eq!(out.exit_code, 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout(&out), "{true,[1,2,3]}\n");
    let s = script.borrow();
    // Idle waits happened inside poll with no timeout (no Erlang timer existed).
    assert!(s.polls.contains(&None), "polls: {:?}", s.polls);
    // Not spinning: a handful of polls for three deliveries, not thousands.
    assert!(s.polls.len() < 50, "{} polls", s.polls.len());
    // The subscriber (pid 2) exited and the driver heard of it.
    assert!(s.exited.contains(&2), "exited: {:?}", s.exited);
}

#[test]
fn idle_vm_sleeps_in_the_driver_with_the_timer_timeout() {
    let mut vm = vm_with(
        "-module(t).\n-export([main/0]).\n\
         main() -> drv:subscribe(), receive X -> X after 200 -> timeout end.\n",
    );
    // The driver holds a message due long after the receive times out.
    let script = scripted(&mut vm, vec![(10_000, Term::atom("late"))]);
    let t = Instant::now();
    let out = vm.run("t", "main", true);
    let took = t.elapsed();
    assert_eq!(stdout(&out), "timeout\n");
    assert!(took >= Duration::from_millis(200), "{took:?}");
    let s = script.borrow();
    // The scheduler handed the driver the time to the timer (<= 200 ms and most of it), and
    // slept there rather than spinning.
    let longest = s.polls.iter().flatten().max().copied().unwrap_or_default();
    assert!(
        longest > Duration::from_millis(150) && longest <= Duration::from_millis(200),
        "polls: {:?}",
        s.polls
    );
    assert!(s.polls.len() < 20, "{} polls: spinning", s.polls.len());
}

#[test]
fn waiting_on_an_inactive_driver_is_a_deadlock() {
    let mut vm = vm_with(
        "-module(t).\n-export([main/0]).\nmain() -> drv:subscribe(), receive X -> X end.\n",
    );
    let _script = scripted(&mut vm, vec![]);
    let out = vm.run("t", "main", true);
    assert_eq!(out.exit_code, 1);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("deadlock"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// An embedder-owned buffer that records when it is freed.
struct Frame {
    bytes: Vec<u8>,
    freed: Arc<AtomicBool>,
}
impl AsRef<[u8]> for Frame {
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}
impl Drop for Frame {
    fn drop(&mut self) {
        self.freed.store(true, Ordering::SeqCst);
    }
}

#[test]
fn foreign_binary_is_kept_alive_and_never_copied() {
    let mut vm = vm_with(
        "-module(t).\n-export([main/0]).\n\
         main() -> C0 = host:copied(), F = host:frame(),\n\
         <<_:14/binary, Ip:20/binary, Payload/binary>> = F,\n\
         Self = self(), P = spawn(fun() -> receive {B, From} -> From ! {size, byte_size(B), binary:at(B, 0)} end end),\n\
         P ! {Payload, Self}, R = receive {size, N, First} -> {N, First} end,\n\
         <<V:4, _:4, _/binary>> = Ip,\n\
         {R, V, host:copied() - C0}.\n",
    );
    let freed = Arc::new(AtomicBool::new(false));
    let f2 = freed.clone();
    vm.register_native(
        "host",
        "frame",
        0,
        Box::new(move |_, _| {
            let mut bytes = vec![0u8; 1514];
            bytes[14] = 0x45;
            bytes[34] = 0xab;
            // Only the term holds the buffer once this native returns.
            Ok(Term::foreign_binary(Arc::new(Frame {
                bytes,
                freed: f2.clone(),
            })))
        }),
    );
    vm.register_native(
        "host",
        "copied",
        0,
        Box::new(|_, _| Ok(Term::Int(vm::term::bytes_copied() as i64))),
    );
    let out = vm.run("t", "main", true);
    assert_eq!(out.exit_code, 0, "{}", String::from_utf8_lossy(&out.stderr));
    // 1514 - 34 payload bytes, first byte 0xab, IP version 4, zero bytes copied.
    assert_eq!(stdout(&out), "{{1480,171},4,0}\n");
    drop(vm);
    assert!(
        freed.load(Ordering::SeqCst),
        "the frame outlived every term"
    );
}

/// A writer that timestamps each write.
type WriteLog = Rc<RefCell<Vec<(Instant, Vec<u8>)>>>;
struct Stamped(WriteLog);
impl Write for Stamped {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().push((Instant::now(), b.to_vec()));
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn output_streams_while_the_program_runs() {
    let mut vm = vm_with(
        "-module(t).\n-export([main/0]).\n\
         main() -> io:format(\"first~n\"), timer:sleep(150), io:format(\"second~n\"), 1 / 0.\n",
    );
    let out_log = Rc::new(RefCell::new(Vec::new()));
    let err_log = Rc::new(RefCell::new(Vec::new()));
    vm.stream_output(
        Box::new(Stamped(out_log.clone())),
        Box::new(Stamped(err_log.clone())),
    );
    let out = vm.run("t", "main", false);
    assert_eq!(out.exit_code, 1);
    assert!(out.stdout.is_empty(), "output went to the sink");
    let log = out_log.borrow();
    let first = log.iter().find(|(_, b)| b == b"first\n").expect("first");
    let second = log.iter().find(|(_, b)| b == b"second\n").expect("second");
    // Written as printed: 150 ms apart, not both at the end.
    assert!(second.0.duration_since(first.0) >= Duration::from_millis(140));
    let err: Vec<u8> = err_log
        .borrow()
        .iter()
        .flat_map(|(_, b)| b.clone())
        .collect();
    assert!(String::from_utf8_lossy(&err).contains("exception error: badarith"));
}

#[test]
fn a_vm_runs_again_with_its_modules_and_natives() {
    let mut vm = vm_with(
        "-module(t).\n-export([main/0, again/0]).\n\
         main() -> spawn(fun() -> receive never -> ok end end), host:tick().\n\
         again() -> {self(), host:tick()}.\n",
    );
    let n = Rc::new(RefCell::new(0));
    let n2 = n.clone();
    vm.register_native(
        "host",
        "tick",
        0,
        Box::new(move |_, _| {
            *n2.borrow_mut() += 1;
            Ok(Term::Int(*n2.borrow()))
        }),
    );
    assert_eq!(stdout(&vm.run("t", "main", true)), "1\n");
    // A fresh process table (the main process is <0.81.0> again); the native kept its state.
    assert_eq!(stdout(&vm.run("t", "again", true)), "{<0.81.0>,2}\n");
}
