//! Wake-up predicates through the shim: woken by ring traffic or by a word the environment
//! writes, re-armed by parameter, never reported twice for one arming.

use dpf::ir::Rel;
use kernel_shim::wake::{word, Operand, WPred};
use kernel_shim::{Limits, Shim};

#[test]
fn user_word_and_ring_wake_and_rearm() {
    let mut shim = Shim::new(Limits::default()).unwrap();
    let a = shim.create_env("a", vec![]).unwrap();
    let b = shim.create_env("b", vec![]).unwrap();
    let on_word = shim
        .prepare(
            a,
            &WPred::cmp(Operand::Word(word::USER), Rel::Ge, Operand::Param(0)),
        )
        .unwrap();
    let on_ring = shim.prepare(b, &WPred::ring_advanced(0)).unwrap();
    shim.arm(a, &on_word, [5, 0, 0, 0]).unwrap();
    shim.arm(b, &on_ring, [0; 4]).unwrap();
    let mut ready = Vec::new();
    shim.collect_ready(&mut ready);
    assert!(ready.is_empty());

    shim.write_word(a, word::USER, 4).unwrap();
    shim.collect_ready(&mut ready);
    assert!(ready.is_empty(), "4 < 5");
    shim.write_word(a, word::USER, 5).unwrap();
    let f = shim.pool().alloc_copy(&[0u8; 60], 0).unwrap();
    shim.post(b, f).unwrap();
    shim.collect_ready(&mut ready);
    ready.sort();
    assert_eq!(ready, vec![a, b]);

    // Disarmed once reported: nothing more until re-armed.
    ready.clear();
    shim.write_word(a, word::USER, 9).unwrap();
    shim.collect_ready(&mut ready);
    assert!(ready.is_empty());
    // Re-armed with a higher threshold: the same compiled code, a new parameter.
    shim.arm(a, &on_word, [10, 0, 0, 0]).unwrap();
    shim.collect_ready(&mut ready);
    assert!(ready.is_empty());
    shim.arm(a, &on_word, [9, 0, 0, 0]).unwrap();
    shim.collect_ready(&mut ready);
    assert_eq!(ready, vec![a]);
    assert_eq!(
        shim.stats().predicates_compiled,
        2,
        "one per shape, never per wait"
    );
    assert_eq!(shim.counters(a).unwrap().wakeups, 2);
}

#[test]
fn writing_outside_ones_window_is_refused() {
    let mut shim = Shim::new(Limits::default()).unwrap();
    let a = shim.create_env("a", vec![]).unwrap();
    let w = shim.limits().window_words;
    assert!(shim.write_word(a, w, 1).is_err());
}
