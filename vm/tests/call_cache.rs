//! Remote call sites cache what `M:F/N` resolved to (`bytecode::CallCache`). A cached target
//! must not outlive what it was resolved from: a module loaded again, a native registered
//! after the site was first run, another VM on the same thread.

use vm::term::Term;
use vm::Vm;

/// Calls `other:f/0` statically, dynamically and through `apply/3`, each site several times.
const CALLER: &str = "-module(t).\n-export([main/0]).\n\
    main() -> M = id(other), F = id(f), \
    [{other:f(), M:F(), apply(M, F, [])} || _ <- [1, 2, 3]].\n\
    id(X) -> X.\n";

fn other(v: &str) -> String {
    format!("-module(other).\n-export([f/0]).\nf() -> {v}.\n")
}

fn stdout(o: &vm::RunOutput) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn vm_with_other(v: &str) -> Vm {
    let mut vm = Vm::new();
    vm.load_source("t.erl", CALLER).expect("compiles");
    vm.load_source("other.erl", &other(v)).expect("compiles");
    vm
}

#[test]
fn a_module_loaded_again_is_called_in_its_new_version() {
    let mut vm = vm_with_other("one");
    let o = vm.run("t", "main", true);
    assert_eq!(stdout(&o), "[{one,one,one},{one,one,one},{one,one,one}]\n");
    vm.load_source("other.erl", &other("two"))
        .expect("compiles");
    let o = vm.run("t", "main", true);
    assert_eq!(stdout(&o), "[{two,two,two},{two,two,two},{two,two,two}]\n");
}

#[test]
fn a_native_registered_after_a_run_wins_at_sites_that_cached_the_erlang_function() {
    let mut vm = vm_with_other("erlang_code");
    let o = vm.run("t", "main", true);
    assert!(stdout(&o).starts_with("[{erlang_code,erlang_code,erlang_code}"));
    vm.register_native("other", "f", 0, Box::new(|_, _| Ok(Term::atom("native"))));
    let o = vm.run("t", "main", true);
    assert_eq!(
        stdout(&o),
        "[{native,native,native},{native,native,native},{native,native,native}]\n"
    );
}

#[test]
fn two_vms_on_one_thread_each_call_their_own_module() {
    let mut a = vm_with_other("in_a");
    let mut b = vm_with_other("in_b");
    for _ in 0..3 {
        assert!(stdout(&a.run("t", "main", true)).starts_with("[{in_a,in_a,in_a}"));
        assert!(stdout(&b.run("t", "main", true)).starts_with("[{in_b,in_b,in_b}"));
    }
}

#[test]
fn a_module_loaded_while_the_caller_runs_again_in_a_loop_is_seen() {
    // The same site first finds no module (undef), then the module once it is loaded.
    let mut vm = Vm::new();
    vm.load_source("t.erl", CALLER).expect("compiles");
    let o = vm.run("t", "main", true);
    assert_ne!(o.exit_code, 0, "other:f/0 does not exist yet");
    vm.load_source("other.erl", &other("late"))
        .expect("compiles");
    let o = vm.run("t", "main", true);
    assert_eq!(o.exit_code, 0);
    assert!(stdout(&o).starts_with("[{late,late,late}"));
}
