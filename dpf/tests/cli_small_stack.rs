//! The `dpf` command needs no big stack: with its main thread limited to 2 MiB (`ulimit -s
//! 2048`), `check`, `compile` (`ir` and `graph` of the biggest rules, `clif` of the nested ones;
//! not `ast`, whose pretty-printed form of a rule nested 1,000 deep takes minutes to indent),
//! `replay` and `split` handle a 100,000-host rule, a 10,000-operand `and`
//! (opaque, so the interpreter evaluates all of it per packet: 100,000 would make the debug build
//! crawl; `deep_rules.rs` compiles that size), and rules nested at the parser's limit, and print
//! exactly what they print with an 8 MiB stack.

mod e2e_common;
use e2e_common::*;
use std::process::{Command, Output};

/// `dpf ARGS` with the main thread's stack limited to `kib` KiB.
fn dpf_with_stack(kib: u32, args: &[&str]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -s {kib} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_dpf"))
        .args(args)
        .output()
        .expect("run dpf under sh")
}

fn nested_rules() -> String {
    let mut switches = String::from("tcp");
    for i in 0..999 {
        switches.push_str(if i % 2 == 0 {
            " and port "
        } else {
            " or port "
        });
        switches.push_str(&i.to_string());
    }
    format!(
        "parens: {}tcp port 80{}\nnots: {}tcp port 80\nswitches: {switches}\n",
        "(".repeat(999),
        ")".repeat(999),
        "not ".repeat(1000),
    )
}

fn big_rules() -> String {
    let hosts = (0..100_000u32)
        .map(|i| format!("host 10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255))
        .collect::<Vec<_>>()
        .join(" or ");
    let prims = ["tcp", "not port 7", "len > 20", "not host 192.0.2.77", "ip"];
    let chain = (0..10_000)
        .map(|i| prims[i % prims.len()])
        .collect::<Vec<_>>()
        .join(" and ");
    format!("hosts: {hosts}\nchain: {chain}\n{}", nested_rules())
}

#[test]
fn the_command_handles_the_largest_rules_with_a_2_mib_main_stack() {
    let d = scratch("cli_small_stack");
    let big = d.join("big.rules");
    let nested = d.join("nested.rules");
    std::fs::write(&big, big_rules()).unwrap();
    std::fs::write(&nested, nested_rules()).unwrap();
    let trace = d.join("trace.pcap");
    let flows = d.join("flows.rules");
    gen_trace(&trace, &flows, 50, 2000);
    let (big, nested, trace) = (
        big.to_str().unwrap(),
        nested.to_str().unwrap(),
        trace.to_str().unwrap(),
    );
    let out = d.join("split");
    let nest_expr = format!("{}tcp port 80{}", "(".repeat(999), ")".repeat(999));
    let runs: Vec<Vec<&str>> = vec![
        vec!["check", &nest_expr],
        vec!["compile", "--emit", "ir", big],
        vec!["compile", "--emit", "graph", big],
        vec!["compile", "--emit", "clif", nested],
        vec!["replay", "-r", trace, "--rules", big, "--all-matches"],
        vec![
            "split",
            "-r",
            trace,
            "--rules",
            big,
            "-o",
            out.to_str().unwrap(),
        ],
    ];
    for args in runs {
        let small = dpf_with_stack(2048, &args);
        let what = format!("dpf {}", args[..args.len().min(3)].join(" "));
        let err = String::from_utf8_lossy(&small.stderr);
        assert_eq!(small.status.code(), Some(0), "{what} on 2 MiB: {err}");
        let usual = dpf_with_stack(8192, &args);
        assert_eq!(usual.status.code(), Some(0), "{what} on 8 MiB");
        // Throughput figures differ run to run; everything else is the same.
        let strip = |o: &Output| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .filter(|l| !l.contains("packets/s") && !l.contains(" ms"))
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        assert_eq!(strip(&small), strip(&usual), "{what}");
    }
}
