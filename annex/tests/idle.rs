//! An `exo run` server whose processes all wait (the stack on the simulated wire, nothing
//! arriving) sleeps in the shim's poll instead of spinning: it uses almost no CPU.

mod common;

use common::*;
use std::time::Duration;

#[test]
fn an_idle_stack_sleeps_in_the_shim() {
    let files = stack_files(&[]);
    let mut exo = Exo::start(
        &files,
        &[
            "--call",
            "serve:main",
            "--nic",
            "sim",
            "--ip",
            "192.0.2.1/24",
        ],
    );
    assert!(
        exo.wait_line("serve: ready", Duration::from_secs(30))
            .is_some(),
        "{:?}",
        exo.seen
    );
    // Let start-up work (compiling the modules) settle, then measure 3 s of idleness.
    std::thread::sleep(Duration::from_millis(500));
    let before = exo.cpu_secs();
    std::thread::sleep(Duration::from_secs(3));
    let used = exo.cpu_secs() - before;
    assert!(
        used < 0.15,
        "an idle server used {used:.3} s of CPU in 3 s (5% of a core allowed)"
    );
}
