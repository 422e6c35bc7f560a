//! The `pdu` module as Erlang code sees it, on the VM, over the simulated wire whose far end is
//! a smoltcp host (what `exo run --nic sim` sets up): ARP and ping built and parsed in Erlang,
//! frames delivered as binaries over the shim's buffers (zero copies counted), ownership
//! between processes, and the VM sleeping in the shim rather than calling a wait a deadlock.

use annex::config::NetArgs;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn erl(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/erl")
        .join(name)
}

fn sim_setup() -> annex::config::NetSetup {
    NetArgs {
        nic: Some("sim".into()),
        ip: Some("192.0.2.1/24".into()),
        ..Default::default()
    }
    .resolve()
    .unwrap()
}

#[test]
fn erlang_pings_smoltcp_and_the_receive_path_copies_nothing() {
    let out = annex::run::run_files(
        &[erl("pdu_probe.erl")],
        "pdu_probe",
        "main",
        false,
        &sim_setup(),
        false,
    )
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.exit_code,
        0,
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Five echo replies with our payload, each received and matched with 0 bytes copied by
    // the VM; the ARP reply likewise; the host copied nothing on receive; 1 ARP + 5 pings
    // each way; another process's "udp" refused with a reason naming its rule.
    assert_eq!(
        stdout.trim(),
        "{[{true,0},{true,0},{true,0},{true,0},{true,0}],{arp_match_copied,0},\
         #{rx_copied_bytes => 0,rx_frames => 6,tx_frames => 6},{refused,true}}"
    );
}

#[test]
fn a_process_waiting_on_pdu_sleeps_in_the_shim_instead_of_deadlocking() {
    // The process waits for a frame that never comes, with no Erlang timer: the VM must sleep
    // in the driver (the handle is open), not report a deadlock. A second process ends the
    // wait after 300 ms with a message; the main process then returns.
    let src = r#"
-module(sleeper).
-export([main/0]).
main() ->
    {ok, _} = pdu:open("udp and port 9"),
    Self = self(),
    spawn(fun() -> timer:sleep(300), Self ! done end),
    receive done -> ok end,
    io:format("woke~n").
"#;
    let dir = std::env::temp_dir().join(format!("annex-sleeper-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("sleeper.erl");
    std::fs::write(&f, src).unwrap();
    let t = Instant::now();
    let out = annex::run::run_files(&[f], "sleeper", "main", false, &sim_setup(), false).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "woke\n");
    assert_eq!(out.exit_code, 0);
    assert!(t.elapsed() >= Duration::from_millis(300));
}

#[test]
fn bad_arguments_raise_badarg_and_refusals_are_error_tuples() {
    let src = r#"
-module(badargs).
-export([main/0]).
main() ->
    R1 = (catch pdu:open(42)),
    R2 = (catch pdu:send(-1, <<>>)),
    {ok, H} = pdu:open("arp"),
    R3 = (catch pdu:send(H, [<<1>>, 300])),
    {error, R4} = pdu:send(H, binary:copy(<<0>>, 1519)),
    {error, R5} = pdu:send(987654, <<0:480>>),
    io:format("~w~n~s~n~s~n", [[element(1, element(2, R1)), element(1, element(2, R2)),
                               element(1, element(2, R3))], R4, R5]).
"#;
    let dir = std::env::temp_dir().join(format!("annex-badargs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("badargs.erl");
    std::fs::write(&f, src).unwrap();
    let out = annex::run::run_files(&[f], "badargs", "main", false, &sim_setup(), false).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "[badarg,badarg,badarg]\nframe of 1519 bytes exceeds the largest, 1518 bytes\n\
         handle 987654 is not open",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
