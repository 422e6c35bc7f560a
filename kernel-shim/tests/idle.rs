//! An idle run loop sleeps in the OS: over 10 seconds it uses under 1% of a core, and still
//! wakes at the waiting environment's deadline.

use kernel_shim::nic::sim::{Clock, SimWire, WireConfig};
use kernel_shim::wake::{word, WPred};
use kernel_shim::{Limits, Shim};
use std::time::{Duration, Instant};

fn thread_cpu() -> Duration {
    // SAFETY: getrusage fills the struct; RUSAGE_THREAD measures only this test's thread.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut ru) }, 0);
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

#[test]
fn idle_loop_uses_under_one_percent_cpu_and_wakes_at_the_deadline() {
    let mut shim = Shim::new(Limits::default()).unwrap();
    // A NIC with nothing on it (a real-time wire nobody sends on).
    let (a, _b) = SimWire::pair(WireConfig::default(), Clock::real());
    shim.add_nic(Box::new(a)).unwrap();
    let env = shim.create_env("sleeper", vec![]).unwrap();
    let p = shim
        .prepare(
            env,
            &WPred::or(WPred::ring_advanced(0), WPred::deadline_passed()),
        )
        .unwrap();
    let deadline = shim.now_ns() + Duration::from_millis(9_500).as_nanos() as u64;
    shim.write_word(env, word::DEADLINE, deadline).unwrap();
    shim.arm(env, &p, [0; 4]).unwrap();

    let cpu0 = thread_cpu();
    let t0 = Instant::now();
    let mut woke_at = None;
    let mut polls = 0;
    let mut ready = Vec::new();
    while t0.elapsed() < Duration::from_secs(10) && polls < 10_000 {
        let left = Duration::from_secs(10).saturating_sub(t0.elapsed());
        ready.clear();
        shim.poll(Some(left), &mut ready).unwrap();
        polls += 1;
        if ready.contains(&env) && woke_at.is_none() {
            woke_at = Some(t0.elapsed());
        }
    }
    let cpu = thread_cpu() - cpu0;
    let wall = t0.elapsed();
    assert!(wall >= Duration::from_secs(10));
    assert!(
        cpu < wall / 100,
        "idle loop used {cpu:?} of CPU over {wall:?} ({polls} polls)"
    );
    let woke = woke_at.expect("the deadline woke the environment");
    assert!(
        woke >= Duration::from_millis(9_500) && woke < Duration::from_millis(9_700),
        "woke at {woke:?}"
    );
    assert!(polls < 50, "the loop slept rather than spun: {polls} polls");
}
