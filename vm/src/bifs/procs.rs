//! Process BIFs: spawning, links and monitors, exit signals, registration, timers, time.

use super::{atom_arg, int_arg, list_arg, Table};
use crate::atom::{self, Atom};
use crate::interp::{badarg, error, raise, Ctl, Proc, Res};
use crate::term::Term;

fn spawn_fun(p: &mut Proc, f: Term, link: bool, monitor: bool) -> Res {
    match &f {
        Term::Fun(fun) if fun.arity == 0 => {}
        _ => return Err(badarg()),
    }
    let rt = p.rt.clone();
    let pid = rt.new_pid();
    let me = p.pid;
    let mref = if monitor { Some(rt.make_ref()) } else { None };
    rt.with_sched(|s| {
        if link {
            if let Some(e) = s.procs.get_mut(&pid) {
                e.links.push(me);
            }
            if let Some(e) = s.procs.get_mut(&me) {
                e.links.push(pid);
            }
        }
        if let Some(r) = mref {
            if let Some(e) = s.procs.get_mut(&pid) {
                e.monitored_by.push((r, me));
            }
        }
    });
    rt.start_process(pid, Box::new(move |np: &mut Proc| np.call_fun(&f, vec![])));
    Ok(match mref {
        Some(r) => Term::tuple(vec![Term::Pid(pid), Term::Ref(r)]),
        None => Term::Pid(pid),
    })
}

fn mfa_fun(a: &[Term]) -> Result<Term, Ctl> {
    let m = atom_arg(&a[0])?;
    let f = atom_arg(&a[1])?;
    let args = list_arg(&a[2])?;
    // A closure over the call: an external fun applied to the argument list via erlang:apply/3.
    let ext = Term::Fun(std::rc::Rc::new(crate::term::Fun {
        kind: crate::term::FunKind::External {
            module: atom::ERLANG,
            function: Atom::intern("apply"),
        },
        arity: 3,
    }));
    Ok(Term::tuple(vec![
        ext,
        Term::Atom(m),
        Term::Atom(f),
        Term::list(args),
    ]))
}

fn spawn_mfa(p: &mut Proc, a: &[Term], link: bool, monitor: bool) -> Res {
    let call = mfa_fun(a)?;
    let rt = p.rt.clone();
    let pid = rt.new_pid();
    let me = p.pid;
    let mref = if monitor { Some(rt.make_ref()) } else { None };
    rt.with_sched(|s| {
        if link {
            if let Some(e) = s.procs.get_mut(&pid) {
                e.links.push(me);
            }
            if let Some(e) = s.procs.get_mut(&me) {
                e.links.push(pid);
            }
        }
        if let Some(r) = mref {
            if let Some(e) = s.procs.get_mut(&pid) {
                e.monitored_by.push((r, me));
            }
        }
    });
    rt.start_process(
        pid,
        Box::new(move |np: &mut Proc| {
            let Term::Tuple(t) = &call else {
                return Err(badarg());
            };
            let (Term::Atom(m), Term::Atom(f)) = (&t[1], &t[2]) else {
                return Err(badarg());
            };
            let args = t[3].list_to_vec().unwrap_or_default();
            np.call_mfa_sync(*m, *f, args)
        }),
    );
    Ok(match mref {
        Some(r) => Term::tuple(vec![Term::Pid(pid), Term::Ref(r)]),
        None => Term::Pid(pid),
    })
}

fn pid_arg(t: &Term) -> Result<u64, Ctl> {
    match t {
        Term::Pid(p) => Ok(*p),
        _ => Err(badarg()),
    }
}

fn time_unit_per_sec(t: &Term) -> Result<u64, Ctl> {
    match t {
        Term::Atom(a) => match a.name() {
            "second" | "seconds" => Ok(1),
            "millisecond" | "milli_seconds" => Ok(1000),
            "microsecond" | "micro_seconds" => Ok(1_000_000),
            "nanosecond" | "nano_seconds" | "native" | "perf_counter" => Ok(1_000_000_000),
            _ => Err(badarg()),
        },
        Term::Int(n) if *n > 0 => Ok(*n as u64),
        _ => Err(badarg()),
    }
}

fn add_timer(p: &mut Proc, a: &[Term], wrap: bool) -> Res {
    let ms = int_arg(&a[0])?;
    if ms < 0 {
        return Err(badarg());
    }
    match &a[1] {
        Term::Pid(_) | Term::Atom(_) => {}
        _ => return Err(badarg()),
    }
    let r = p.rt.make_ref();
    let msg = if wrap {
        Term::tuple(vec![Term::atom("timeout"), Term::Ref(r), a[2].clone()])
    } else {
        a[2].clone()
    };
    let when = p.rt.now_ms() + ms as u64;
    let dest = a[1].clone();
    p.rt.with_sched(|s| {
        s.timers.insert((when, r), (dest, msg));
    });
    Ok(Term::Ref(r))
}

fn find_timer(p: &mut Proc, t: &Term, remove: bool) -> Res {
    let Term::Ref(r) = t else {
        return Err(badarg());
    };
    let now = p.rt.now_ms();
    let found = p.rt.with_sched(|s| {
        let key = s.timers.keys().find(|k| k.1 == *r).copied();
        key.map(|k| {
            if remove {
                s.timers.remove(&k);
            }
            k.0
        })
    });
    Ok(match found {
        Some(when) => Term::Int(when.saturating_sub(now) as i64),
        None => Term::bool(false),
    })
}

pub fn sleep(p: &mut Proc, ms: u64) -> Res {
    let deadline = p.rt.now_ms() + ms;
    loop {
        p.rt.clone().drain_inbox(p);
        if p.rt.now_ms() >= deadline {
            return Ok(Term::ok());
        }
        if !p.rt.clone().wait_for_message(p, Some(deadline)) {
            return Ok(Term::ok());
        }
        if let Some(r) = p.rt.take_kill(p.pid) {
            p.dying = true;
            return Err(raise(atom::EXIT, r));
        }
    }
}

pub fn register(t: &mut Table) {
    t.insert(("erlang", "self", 0), |p, _| Ok(Term::Pid(p.pid)));
    t.insert(("erlang", "spawn", 1), |p, a| {
        spawn_fun(p, a[0].clone(), false, false)
    });
    t.insert(("erlang", "spawn_link", 1), |p, a| {
        spawn_fun(p, a[0].clone(), true, false)
    });
    t.insert(("erlang", "spawn_monitor", 1), |p, a| {
        spawn_fun(p, a[0].clone(), false, true)
    });
    t.insert(("erlang", "spawn", 3), |p, a| spawn_mfa(p, a, false, false));
    t.insert(("erlang", "spawn_link", 3), |p, a| {
        spawn_mfa(p, a, true, false)
    });
    t.insert(("erlang", "spawn_monitor", 3), |p, a| {
        spawn_mfa(p, a, false, true)
    });
    t.insert(("erlang", "send", 2), |p, a| {
        p.send(&a[0], a[1].clone())?;
        Ok(a[1].clone())
    });
    t.insert(("erlang", "send", 3), |p, a| {
        p.send(&a[0], a[1].clone())?;
        Ok(Term::ok())
    });
    t.insert(("erlang", "link", 1), |p, a| {
        let other = pid_arg(&a[0])?;
        let me = p.pid;
        if other == me || p.rt.with_sched(|s| s.link(me, other)) {
            return Ok(Term::bool(true));
        }
        // A trapping caller gets the link's exit signal instead of an exception.
        if p.trap_exit {
            let msg = Term::tuple(vec![
                Term::Atom(atom::EXIT_TAG),
                Term::Pid(other),
                Term::atom("noproc"),
            ]);
            p.mailbox.push_back(msg);
            return Ok(Term::bool(true));
        }
        Err(error(Term::atom("noproc")))
    });
    t.insert(("erlang", "unlink", 1), |p, a| {
        let other = pid_arg(&a[0])?;
        let me = p.pid;
        p.rt.with_sched(|s| s.unlink(me, other));
        Ok(Term::bool(true))
    });
    t.insert(("erlang", "monitor", 2), |p, a| {
        if !a[0].is_atom(Atom::intern("process")) {
            return Err(badarg());
        }
        // A monitor by name (`Name` or `{Name, Node}`) reports `{Name, Node}` as its object.
        let node = Term::Atom(super::nonode());
        let (target, name) = match &a[1] {
            Term::Pid(x) => (Some(*x), None),
            Term::Atom(n) => (p.rt.whereis(*n), Some(*n)),
            Term::Tuple(t) if t.len() == 2 && t[1].is_atom(super::nonode()) => match &t[0] {
                Term::Atom(n) => (p.rt.whereis(*n), Some(*n)),
                _ => return Err(badarg()),
            },
            _ => return Err(badarg()),
        };
        let r = p.rt.make_ref();
        let me = p.pid;
        let alive = target.map(|t| p.rt.is_alive(t)).unwrap_or(false);
        if alive {
            let t = target.unwrap_or(0);
            p.rt.with_sched(|s| {
                if let Some(e) = s.procs.get_mut(&t) {
                    e.monitored_by.push((r, me));
                }
                if let Some(n) = name {
                    s.monitor_names.insert(r, n);
                }
            });
        } else {
            let object = match name {
                Some(n) => Term::tuple(vec![Term::Atom(n), node]),
                None => a[1].clone(),
            };
            let msg = Term::tuple(vec![
                Term::atom("DOWN"),
                Term::Ref(r),
                Term::atom("process"),
                object,
                Term::atom("noproc"),
            ]);
            p.mailbox.push_back(msg);
        }
        Ok(Term::Ref(r))
    });
    fn demonitor(p: &mut Proc, a: &[Term]) -> Res {
        let Term::Ref(r) = &a[0] else {
            return Err(badarg());
        };
        let (mut flush, mut info) = (false, false);
        if let Some(o) = a.get(1) {
            for x in o.list_to_vec().ok_or_else(badarg)? {
                match &x {
                    Term::Atom(f) if f.name() == "flush" => flush = true,
                    Term::Atom(f) if f.name() == "info" => info = true,
                    _ => return Err(badarg()),
                }
            }
        }
        let me = p.pid;
        let found = p.rt.with_sched(|s| {
            let mut found = false;
            for e in s.procs.values_mut() {
                let before = e.monitored_by.len();
                e.monitored_by.retain(|(mr, w)| !(mr == r && *w == me));
                found |= e.monitored_by.len() != before;
            }
            s.monitor_names.remove(r);
            found
        });
        if flush {
            p.rt.clone().drain_inbox(p);
            p.mailbox.retain(|m| !matches!(m, Term::Tuple(t) if t.len() == 5 && t[0].is_atom(Atom::intern("DOWN")) && matches!(&t[1], Term::Ref(x) if x == r)));
        }
        // With `info`: whether the monitor was still active (OTP's demonitor/2).
        Ok(Term::bool(!info || found))
    }
    t.insert(("erlang", "demonitor", 1), demonitor);
    t.insert(("erlang", "demonitor", 2), demonitor);
    t.insert(("erlang", "process_flag", 2), |p, a| {
        let flag = atom_arg(&a[0])?;
        match flag.name() {
            "trap_exit" => {
                let on = a[1].is_true();
                if !on && !a[1].is_atom(atom::FALSE) {
                    return Err(badarg());
                }
                let me = p.pid;
                let old = p.rt.with_sched(|s| {
                    s.procs
                        .get_mut(&me)
                        .map(|e| std::mem::replace(&mut e.trap_exit, on))
                        .unwrap_or(false)
                });
                p.trap_exit = on;
                Ok(Term::bool(old))
            }
            "priority" | "min_heap_size" | "sensitive" | "message_queue_data" => {
                Ok(Term::atom("normal"))
            }
            _ => Err(badarg()),
        }
    });
    t.insert(("erlang", "register", 2), |p, a| {
        let name = atom_arg(&a[0])?;
        let pid = pid_arg(&a[1])?;
        if name.name() == "undefined" || !p.rt.is_alive(pid) {
            return Err(badarg());
        }
        let ok = p.rt.with_sched(|s| {
            if s.registered.contains_key(&name) || s.registered.values().any(|v| *v == pid) {
                false
            } else {
                s.registered.insert(name, pid);
                true
            }
        });
        if ok {
            Ok(Term::bool(true))
        } else {
            Err(badarg())
        }
    });
    t.insert(("erlang", "unregister", 1), |p, a| {
        let name = atom_arg(&a[0])?;
        let ok = p.rt.with_sched(|s| s.registered.remove(&name).is_some());
        if ok {
            Ok(Term::bool(true))
        } else {
            Err(badarg())
        }
    });
    t.insert(("erlang", "whereis", 1), |p, a| {
        let name = atom_arg(&a[0])?;
        Ok(p.rt
            .whereis(name)
            .map(Term::Pid)
            .unwrap_or(Term::Atom(atom::UNDEFINED)))
    });
    t.insert(("erlang", "registered", 0), |p, _| {
        let names =
            p.rt.with_sched(|s| s.registered.keys().copied().collect::<Vec<_>>());
        Ok(Term::list(names.into_iter().map(Term::Atom).collect()))
    });
    t.insert(("erlang", "is_process_alive", 1), |p, a| {
        let pid = pid_arg(&a[0])?;
        Ok(Term::bool(pid == p.pid || p.rt.is_alive(pid)))
    });
    t.insert(("erlang", "exit", 2), |p, a| {
        let to = pid_arg(&a[0])?;
        if to == p.pid {
            // A signal to oneself: trapped unless it is kill.
            let is_kill = a[1].is_atom(Atom::intern("kill"));
            if p.trap_exit && !is_kill {
                p.mailbox.push_back(Term::tuple(vec![
                    Term::Atom(atom::EXIT_TAG),
                    Term::Pid(p.pid),
                    a[1].clone(),
                ]));
                return Ok(Term::bool(true));
            }
            if a[1].is_atom(atom::NORMAL) {
                return Ok(Term::bool(true));
            }
            p.dying = true;
            return Err(raise(
                atom::EXIT,
                if is_kill {
                    Term::atom("killed")
                } else {
                    a[1].clone()
                },
            ));
        }
        p.rt.send_exit(p.pid, to, a[1].clone());
        Ok(Term::bool(true))
    });
    t.insert(("erlang", "send_after", 3), |p, a| add_timer(p, a, false));
    t.insert(("erlang", "start_timer", 3), |p, a| add_timer(p, a, true));
    t.insert(("erlang", "send_after", 4), |p, a| add_timer(p, a, false));
    t.insert(("erlang", "start_timer", 4), |p, a| add_timer(p, a, true));
    t.insert(("erlang", "cancel_timer", 1), |p, a| {
        find_timer(p, &a[0], true)
    });
    t.insert(("erlang", "cancel_timer", 2), |p, a| {
        find_timer(p, &a[0], true)
    });
    t.insert(("erlang", "read_timer", 1), |p, a| {
        find_timer(p, &a[0], false)
    });
    t.insert(("erlang", "monotonic_time", 0), |p, _| {
        Ok(Term::Int(p.rt.now_us() as i64 * 1000))
    });
    t.insert(("erlang", "monotonic_time", 1), |p, a| {
        let per = time_unit_per_sec(&a[0])?;
        Ok(Term::Int(
            (p.rt.now_us() as u128 * per as u128 / 1_000_000) as i64,
        ))
    });
    fn sys_ns() -> u128 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    }
    t.insert(("erlang", "system_time", 0), |_, _| {
        Ok(Term::Int(sys_ns() as i64))
    });
    t.insert(("erlang", "system_time", 1), |_, a| {
        let per = time_unit_per_sec(&a[0])?;
        Ok(Term::Int((sys_ns() * per as u128 / 1_000_000_000) as i64))
    });
    t.insert(("os", "system_time", 0), |_, _| {
        Ok(Term::Int(sys_ns() as i64))
    });
    t.insert(("os", "system_time", 1), |_, a| {
        let per = time_unit_per_sec(&a[0])?;
        Ok(Term::Int((sys_ns() * per as u128 / 1_000_000_000) as i64))
    });
    t.insert(("erlang", "timestamp", 0), |_, _| {
        let us = sys_ns() / 1000;
        Ok(Term::tuple(vec![
            Term::Int((us / 1_000_000_000_000) as i64),
            Term::Int(((us / 1_000_000) % 1_000_000) as i64),
            Term::Int((us % 1_000_000) as i64),
        ]))
    });
    t.insert(("os", "timestamp", 0), |_, _| {
        let us = sys_ns() / 1000;
        Ok(Term::tuple(vec![
            Term::Int((us / 1_000_000_000_000) as i64),
            Term::Int(((us / 1_000_000) % 1_000_000) as i64),
            Term::Int((us % 1_000_000) as i64),
        ]))
    });
    // Calendar time, as OTP's date/0, time/0, localtime/0 and universaltime/0 give it: broken
    // down by the C library (the local zone from TZ / /etc/localtime, as the emulator does).
    fn calendar(local: bool) -> (Term, Term) {
        let secs = (sys_ns() / 1_000_000_000) as libc::time_t;
        // `date()` and `time()` are called in loops (Estone's `bif_dispatch`); breaking the
        // time down costs ~600 instructions, so the last second's result is kept per thread.
        thread_local! {
            static LAST: std::cell::RefCell<[Option<(libc::time_t, Term, Term)>; 2]> =
                const { std::cell::RefCell::new([None, None]) };
        }
        let slot = usize::from(local);
        if let Some(hit) = LAST.with(|l| match &l.borrow()[slot] {
            Some((s, d, t)) if *s == secs => Some((d.clone(), t.clone())),
            _ => None,
        }) {
            return hit;
        }
        let r = calendar_at(secs, local);
        LAST.with(|l| l.borrow_mut()[slot] = Some((secs, r.0.clone(), r.1.clone())));
        r
    }
    fn calendar_at(secs: libc::time_t, local: bool) -> (Term, Term) {
        // SAFETY: `tm` is plain data that localtime_r/gmtime_r fill from `secs`; both are
        // thread-safe and read nothing else we own.
        let mut tm: libc::tm = unsafe { std::mem::zeroed() };
        unsafe {
            if local {
                libc::localtime_r(&secs, &mut tm);
            } else {
                libc::gmtime_r(&secs, &mut tm);
            }
        }
        let i = |v: libc::c_int| Term::Int(i64::from(v));
        (
            Term::tuple(vec![i(tm.tm_year + 1900), i(tm.tm_mon + 1), i(tm.tm_mday)]),
            Term::tuple(vec![i(tm.tm_hour), i(tm.tm_min), i(tm.tm_sec)]),
        )
    }
    t.insert(("erlang", "date", 0), |_, _| Ok(calendar(true).0));
    t.insert(("erlang", "time", 0), |_, _| Ok(calendar(true).1));
    t.insert(("erlang", "localtime", 0), |_, _| {
        let (d, t) = calendar(true);
        Ok(Term::tuple(vec![d, t]))
    });
    t.insert(("erlang", "universaltime", 0), |_, _| {
        let (d, t) = calendar(false);
        Ok(Term::tuple(vec![d, t]))
    });
    t.insert(("erlang", "convert_time_unit", 3), |_, a| {
        let v = int_arg(&a[0])? as i128;
        let from = time_unit_per_sec(&a[1])? as i128;
        let to = time_unit_per_sec(&a[2])? as i128;
        // OTP floors the conversion.
        let num = v * to;
        let r = if num >= 0 {
            num / from
        } else {
            -((-num + from - 1) / from)
        };
        Ok(Term::Int(r as i64))
    });
    t.insert(("erlang", "unique_integer", 0), |p, _| {
        Ok(Term::Int(p.rt.make_ref() as i64))
    });
    t.insert(("erlang", "unique_integer", 1), |p, _| {
        Ok(Term::Int(p.rt.make_ref() as i64))
    });
    t.insert(("erlang", "yield", 0), |p, _| {
        p.rt.clone().maybe_yield(p);
        Ok(Term::bool(true))
    });
    t.insert(("timer", "sleep", 1), |p, a| match &a[0] {
        Term::Int(ms) if *ms >= 0 => sleep(p, *ms as u64),
        Term::Atom(atom::INFINITY) => sleep(p, u64::MAX / 4),
        _ => Err(error(Term::atom("function_clause"))),
    });
    t.insert(("timer", "tc", 1), |p, a| {
        let t0 = p.rt.now_us();
        let v = p.call_fun(&a[0], vec![])?;
        Ok(Term::tuple(vec![Term::Int((p.rt.now_us() - t0) as i64), v]))
    });
    t.insert(("timer", "tc", 2), |p, a| {
        let args = list_arg(&a[1])?;
        let t0 = p.rt.now_us();
        let v = p.call_fun(&a[0], args)?;
        Ok(Term::tuple(vec![Term::Int((p.rt.now_us() - t0) as i64), v]))
    });
    t.insert(("timer", "tc", 3), |p, a| {
        let m = atom_arg(&a[0])?;
        let f = atom_arg(&a[1])?;
        let args = list_arg(&a[2])?;
        let t0 = p.rt.now_us();
        let v = p.call_mfa_sync(m, f, args)?;
        Ok(Term::tuple(vec![Term::Int((p.rt.now_us() - t0) as i64), v]))
    });
    t.insert(("erlang", "process_info", 2), |p, a| {
        let pid = pid_arg(&a[0])?;
        match &a[1] {
            // The list form: every {Item, Value} pair, or undefined for a dead process.
            Term::Nil | Term::Cons(_) => {
                let items = a[1].list_to_vec().ok_or_else(badarg)?;
                let mut out = Vec::with_capacity(items.len());
                for it in &items {
                    match process_info_item(p, pid, it)? {
                        Some(v) => out.push(Term::tuple(vec![it.clone(), v])),
                        None => return Ok(Term::Atom(atom::UNDEFINED)),
                    }
                }
                if pid != p.pid && !p.rt.is_alive(pid) {
                    return Ok(Term::Atom(atom::UNDEFINED));
                }
                Ok(Term::list(out))
            }
            item => match process_info_item(p, pid, item)? {
                // A process without a registered name answers [] to that single item.
                Some(Term::Nil) if item.is_atom(Atom::intern("registered_name")) => Ok(Term::Nil),
                Some(v) => Ok(Term::tuple(vec![item.clone(), v])),
                None => Ok(Term::Atom(atom::UNDEFINED)),
            },
        }
    });
    t.insert(("erlang", "group_leader", 0), |_, _| Ok(Term::Pid(0)));
}

/// Item names `process_info/2` knows (others are badarg, as in OTP).
const PROCESS_INFO_ITEMS: &[&str] = &[
    "message_queue_len",
    "messages",
    "dictionary",
    "trap_exit",
    "status",
    "reductions",
    "links",
    "registered_name",
    "heap_size",
    "total_heap_size",
    "stack_size",
    "memory",
    "current_function",
    "initial_call",
    "group_leader",
    "priority",
    "monitors",
    "monitored_by",
];

/// One `process_info/2` item of process `pid`: `Ok(None)` when the process is dead, badarg for
/// an unknown item.
fn process_info_item(p: &mut Proc, pid: u64, item_t: &Term) -> Result<Option<Term>, Ctl> {
    let item = atom_arg(item_t)?;
    if !PROCESS_INFO_ITEMS.contains(&item.name()) {
        return Err(badarg());
    }
    if pid != p.pid {
        if !p.rt.is_alive(pid) {
            return Ok(None);
        }
        let v = p.rt.with_sched(|s| {
            let e = s.procs.get(&pid)?;
            Some(match item.name() {
                "links" => Term::list(e.links.iter().map(|l| Term::Pid(*l)).collect()),
                "trap_exit" => Term::bool(e.trap_exit),
                "status" => Term::atom("waiting"),
                "registered_name" => match s.registered.iter().find(|(_, v)| **v == pid) {
                    Some((k, _)) => Term::Atom(*k),
                    None => Term::Nil,
                },
                _ => Term::Atom(atom::UNDEFINED),
            })
        });
        return Ok(v);
    }
    p.rt.clone().drain_inbox(p);
    let me = p.pid;
    let v = match item.name() {
        "message_queue_len" => Term::Int(p.mailbox.len() as i64),
        "messages" => Term::list(p.mailbox.iter().cloned().collect()),
        "dictionary" => Term::list(
            p.dict
                .iter()
                .map(|(k, v)| Term::tuple(vec![k.clone(), v.clone()]))
                .collect(),
        ),
        "trap_exit" => Term::bool(p.trap_exit),
        "status" => Term::atom("running"),
        "reductions" => Term::Int(p.reductions as i64),
        "links" => {
            let l = p.rt.with_sched(|s| {
                s.procs
                    .get(&me)
                    .map(|e| e.links.clone())
                    .unwrap_or_default()
            });
            Term::list(l.into_iter().map(Term::Pid).collect())
        }
        "registered_name" => {
            let n = p.rt.with_sched(|s| {
                s.registered
                    .iter()
                    .find(|(_, v)| **v == me)
                    .map(|(k, _)| *k)
            });
            match n {
                Some(n) => Term::Atom(n),
                None => Term::Nil,
            }
        }
        "heap_size" | "total_heap_size" | "stack_size" | "memory" => {
            Term::Int(p.regs.len() as i64 + 233)
        }
        _ => Term::Atom(atom::UNDEFINED),
    };
    Ok(Some(v))
}
