//! The `exo run` command line: network options reach the program through `pdu:config()`, and
//! bad ones stop it before any Erlang runs, with a message naming the option.

use std::process::Command;

fn exo(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_exo"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn program(name: &str, body: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("annex-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join(format!("{name}.erl"));
    std::fs::write(
        &f,
        format!("-module({name}).\n-export([main/0]).\nmain() ->\n{body}\n"),
    )
    .unwrap();
    f
}

#[test]
fn addresses_reach_the_program_through_pdu_config() {
    let f = program(
        "cfg",
        "    #{mac := Mac, ip := Ip, prefix_len := L, gw := Gw, mtu := Mtu} = pdu:config(),\n    io:format(\"~w ~w ~w ~w ~w~n\", [Mac, Ip, L, Gw, Mtu]).",
    );
    let (code, out, err) = exo(&[
        "run",
        f.to_str().unwrap(),
        "--nic",
        "sim",
        "--ip",
        "192.0.2.1/24",
        "--gw",
        "192.0.2.254",
        "--mac",
        "02:aa:bb:cc:dd:ee",
        "--mtu",
        "1400",
        "--loss",
        "0.1",
        "--seed",
        "3",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "<<2,170,187,204,221,238>> {192,0,2,1} 24 {192,0,2,254} 1400\n"
    );
    // Without options: the default MAC, no address.
    let (code, out, err) = exo(&["run", f.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "<<2,101,120,111,0,1>> undefined 0 undefined 1500\n");
    let _ = std::fs::remove_dir_all(f.parent().unwrap());
}

#[test]
fn bad_network_options_exit_2_naming_the_option() {
    let f = program("never", "    io:format(\"ran~n\").");
    let p = f.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["--nic", "eth0"], "--nic \"eth0\": expected tap:NAME"),
        (&["--ip", "192.0.2.1"], "expected ADDR/LEN"),
        (&["--mac", "01:00:5e:00:00:01"], "multicast"),
        (
            &["--nic", "tap:x", "--loss", "0.5"],
            "--loss only applies to --nic sim",
        ),
        (&["--nic", "sim"], "--nic sim: needs --ip"),
        (
            &["--nic", "pcap:/nonexistent/x.pcap"],
            "--nic pcap:/nonexistent/x.pcap: /nonexistent/x.pcap",
        ),
    ];
    for (args, want) in cases {
        let mut all = vec!["run", p];
        all.extend_from_slice(args);
        let (code, out, err) = exo(&all);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?} ran the program: {out}");
        assert!(err.contains(want), "{args:?}: {err:?} lacks {want:?}");
    }
    let _ = std::fs::remove_dir_all(f.parent().unwrap());
}

#[test]
fn exo_run_on_the_simulated_wire_pings_the_smoltcp_peer() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../protocols/erl");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "erl"))
        .map(|p| p.display().to_string())
        .collect();
    files.sort();
    let mut args: Vec<&str> = vec!["run"];
    args.extend(files.iter().map(|s| s.as_str()));
    // The far end of --nic sim is smoltcp at the first other host of the network (.2).
    args.extend([
        "--call",
        "serve:ping_gw",
        "--nic",
        "sim",
        "--ip",
        "192.0.2.1/24",
        "--gw",
        "192.0.2.2",
    ]);
    let (code, out, err) = exo(&args);
    assert_eq!(code, 0, "{err}");
    assert!(out.ends_with("serve: ping 20/20\n"), "{out}{err}");
}

#[test]
fn a_closed_standard_output_is_an_error_not_a_panic() {
    // `exo compile M.erl --emit bytecode | head`, once head has exited: every write to the
    // pipe fails with EPIPE.
    let f = program("closed_out", "ok.");
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_exo"))
        .args(["compile", f.to_str().unwrap(), "--emit", "bytecode"])
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("exo compile: writing the output"), "{err}");
    let _ = std::fs::remove_dir_all(f.parent().unwrap());
}
