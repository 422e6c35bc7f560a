//! `dpf bench`: in one run, on the same in-memory trace, ns/packet for the JIT, the graph
//! interpreter, libpcap with the N programs tried in order (what N BPF sockets cost) and a
//! hand-written Rust demux (fixed offsets and a `HashMap` on the 4-tuple); then compile times,
//! same-shape insert/remove latency and resident memory over many insert/remove cycles.
//!
//! Machines are noisy: every figure is the best of `--reps` rounds, each round running every
//! rule count and backend once, so the ratios printed are between backends and rule counts
//! measured side by side in this one process.

use std::collections::HashMap;
use std::hint::black_box;
use std::process::ExitCode;
use std::time::Duration;

use crate::demux::{for_each_prefetched, Demux};
use crate::gen::{self, Flow, Rng};

use crate::ir::{Packet, Pred};
use crate::jit::JitGraph;
use crate::LinkType;

/// Measure the JIT against the graph interpreter, libpcap and a hand-written demux.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Rule counts to measure, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,10,100,1000,10000")]
    pub flows: Vec<usize>,
    /// Packets in the synthetic trace.
    #[arg(long, default_value_t = 20000, value_parser = positive)]
    pub packets: usize,
    /// Rounds: each runs every rule count and backend once (two passes over the trace, the
    /// first warming the caches), side by side; the best of the rounds is kept.
    #[arg(long, default_value_t = 15, value_parser = positive)]
    pub reps: usize,
    /// Generator seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Skip libpcap (its in-order run costs seconds at 10,000 rules).
    #[arg(long)]
    pub no_libpcap: bool,
    /// Skip compile times, insert/remove latency and the memory churn test.
    #[arg(long)]
    pub no_extras: bool,
    /// Lay the trace out in one buffer, each packet behind a 16-byte record header as in a
    /// capture file, instead of one heap allocation per packet.
    #[arg(long)]
    pub contiguous: bool,
    /// Prefetch the packet this many places ahead, in every backend's loop alike (0: off),
    /// as a receive loop does with the packets it already holds (`dpf replay` and `split`
    /// prefetch a mapped capture's next records). Off, every backend's time includes a
    /// cache miss on each packet of the ~8 MB trace, whatever the demux does.
    #[arg(long, default_value_t = 8)]
    pub prefetch: usize,
    /// Insert/remove cycles for the resident-memory test.
    #[arg(long, default_value_t = 1_000_000)]
    pub churn: usize,
}

/// A count of at least one: a trace without packets or a benchmark without runs measures
/// nothing (and divided by zero).
fn positive(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

/// The demux a programmer writes by hand for 4-tuple rules: fixed Ethernet/IPv4 offsets, the
/// IPv4 header length honoured, fragments skipped, then a std `HashMap` lookup.
pub struct HandDemux {
    map: HashMap<(u32, u32, u16, u16), usize>,
}

impl HandDemux {
    pub fn new(flows: &[Flow]) -> HandDemux {
        let mut map = HashMap::new();
        for (i, f) in flows.iter().enumerate() {
            map.entry((
                u32::from_be_bytes(f.client),
                u32::from_be_bytes(gen::SERVER),
                f.sport,
                f.dport,
            ))
            .or_insert(i);
        }
        HandDemux { map }
    }

    #[inline]
    pub fn first_match(&self, d: &[u8]) -> Option<usize> {
        if d.len() < 34 || d[12] != 0x08 || d[13] != 0x00 || d[23] != 6 {
            return None;
        }
        if u16::from_be_bytes([d[20], d[21]]) & 0x1fff != 0 {
            return None;
        }
        let l4 = 14 + 4 * usize::from(d[14] & 0x0f);
        if d.len() < l4 + 4 {
            return None;
        }
        let src = u32::from_be_bytes([d[26], d[27], d[28], d[29]]);
        let dst = u32::from_be_bytes([d[30], d[31], d[32], d[33]]);
        let sp = u16::from_be_bytes([d[l4], d[l4 + 1]]);
        let dp = u16::from_be_bytes([d[l4 + 2], d[l4 + 3]]);
        self.map.get(&(src, dst, sp, dp)).copied()
    }
}

/// `println!` that reports a closed standard output (`dpf bench | head`) as the command's
/// error instead of panicking.
macro_rules! say {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($t)*)
            .map_err(|e| format!("writing the output: {e}"))?
    }};
}

/// How the per-packet loops see the trace: the packets, and how far ahead to prefetch.
#[derive(Clone, Copy)]
struct Trace<'a> {
    packets: &'a [&'a [u8]],
    ahead: usize,
}

/// One rule count's trace and demuxes.
struct Case<'a> {
    n: usize,
    packets: Vec<&'a [u8]>,
    source: &'static str,
    jit: JitGraph,
    hand: HandDemux,
    #[cfg(feature = "libpcap")]
    progs: Option<Vec<pcap::BpfProgram>>,
}

/// Per backend (JIT, graph interpreter, hand-written, libpcap), the best time so far and the
/// checksum of the answers.
#[derive(Clone, Copy)]
struct Best {
    time: [f64; 4],
    sums: [Option<u64>; 4],
}

impl Best {
    fn record(&mut self, backend: usize, t: f64, sum: u64) {
        self.time[backend] = self.time[backend].min(t);
        self.sums[backend] = Some(sum);
    }
}

/// Best-of-`reps` nanoseconds per packet of `f` over the trace, and a checksum of its answers.
/// Every backend runs in this same loop, prefetching included.
fn time_per_packet(
    trace: Trace,
    reps: usize,
    mut f: impl FnMut(&[u8]) -> Option<usize>,
) -> (f64, u64) {
    let packets = trace.packets;
    let mut best = f64::MAX;
    let mut sum = 0u64;
    for _ in 0..reps.max(1) {
        let t = CpuClock::now();
        let mut s = 0u64;
        for_each_prefetched(packets, trace.ahead, |p| {
            s = s.wrapping_add(f(black_box(p)).map_or(0, |r| r as u64 + 1));
        });
        let ns = t.elapsed().as_nanos() as f64 / packets.len().max(1) as f64;
        best = best.min(ns);
        sum = s;
    }
    (best, sum)
}

/// The rules for `flows`: parsed from the rule text when the parser is available, otherwise
/// built directly (shaped like libpcap's code, see `gen::flow_pred`). Returns the source used.
fn flow_rules(flows: &[Flow]) -> (Vec<Pred>, &'static str) {
    let text = gen::rules_text(flows);
    let mut compiler = crate::rulecache::RuleCompiler::new(LinkType::ETHERNET);
    let parsed: Result<Vec<Pred>, _> = text
        .lines()
        .map(|l| compiler.compile(l.split_once(": ").map_or(l, |x| x.1)))
        .collect();
    match parsed {
        Ok(p) => (p, "parsed"),
        Err(_) => (
            flows.iter().map(gen::flow_pred).collect(),
            "built directly (no parser yet)",
        ),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// A stopwatch on this thread's CPU time: on a shared machine wall time mostly measures the
/// other tenants; CPU time (still inflated by their cache traffic) is what the code costs.
#[derive(Clone, Copy)]
pub struct CpuClock(Duration);

impl CpuClock {
    pub fn now() -> CpuClock {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: clock_gettime writes one timespec; CLOCK_THREAD_CPUTIME_ID exists on Linux.
        unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
        CpuClock(Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
    }
    pub fn elapsed(&self) -> Duration {
        CpuClock::now().0.saturating_sub(self.0)
    }
}

/// Resident set size in bytes, from /proc/self/statm (0 where unavailable).
pub fn rss_bytes() -> u64 {
    let page = 4096;
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * page)
}

#[cfg(feature = "libpcap")]
fn libpcap_programs(flows: &[Flow]) -> Option<Vec<pcap::BpfProgram>> {
    let dead = pcap::Capture::dead(pcap::Linktype(1)).ok()?;
    gen::rules_text(flows)
        .lines()
        .map(|l| {
            dead.compile(l.split_once(": ").map_or(l, |x| x.1), true)
                .ok()
        })
        .collect()
}

pub fn run(a: Args) -> super::Outcome {
    run_inner(a).map_err(super::CliError)
}

fn run_inner(a: Args) -> Result<ExitCode, String> {
    say!(
        "dpf bench: {} packets, best of {} rounds, seed {}; all times are thread CPU time",
        a.packets,
        a.reps,
        a.seed
    );
    say!(
        "trace {}, every backend {}",
        if a.contiguous {
            "contiguous as in a capture file"
        } else {
            "one allocation per packet"
        },
        match a.prefetch {
            0 => "without prefetching".to_string(),
            k => format!("prefetching {k} packets ahead"),
        }
    );
    say!(
        "{:>6} {:>9} {:>9} {:>9} {:>9}  {:>10} {:>11} {:>11}  rules",
        "N",
        "jit",
        "graph",
        "hand",
        "libpcap",
        "jit/hand",
        "libpcap/jit",
        "jit/jit(1)"
    );
    // Every N's trace, rules and compiled demuxes are built first; then each round runs every
    // N and every backend once, side by side, and each figure is the best of its rounds. A
    // slow spell of the machine (this VM has them: the same loop reads 12 ns in one second and
    // 21 in the next) then costs every row a round, instead of landing on one row's block of
    // runs and skewing the ratios between rows.
    let mut data = Vec::with_capacity(a.flows.len());
    for &n in &a.flows {
        let mut rng = Rng::new(a.seed);
        let flows = gen::flows(n, &mut rng);
        let owned = gen::packets(&flows, a.packets, &mut rng);
        let contiguous = a.contiguous.then(|| gen::Contiguous::new(&owned));
        data.push((n, flows, owned, contiguous));
    }
    let mut cases = Vec::with_capacity(data.len());
    for (n, flows, owned, contiguous) in &data {
        let packets: Vec<&[u8]> = match contiguous {
            Some(c) => c.packets(),
            None => owned.iter().map(|p| &p[..]).collect(),
        };
        let (rules, source) = flow_rules(flows);
        let jit = JitGraph::new(&rules).map_err(|e| e.to_string())?;
        let hand = HandDemux::new(flows);
        #[cfg(feature = "libpcap")]
        let progs = if a.no_libpcap {
            None
        } else {
            Some(libpcap_programs(flows).ok_or("libpcap failed to compile a rule")?)
        };
        cases.push(Case {
            n: *n,
            packets,
            source,
            jit,
            hand,
            #[cfg(feature = "libpcap")]
            progs,
        });
    }
    let mut best = vec![
        Best {
            time: [f64::MAX; 4],
            sums: [None; 4],
        };
        cases.len()
    ];
    for round in 0..a.reps {
        for (c, b) in cases.iter().zip(&mut best) {
            let trace = Trace {
                packets: &c.packets,
                ahead: a.prefetch,
            };
            // Two passes each, the first warming the caches for the second (the best is kept).
            let (jit, graph, hand) = (&c.jit, c.jit.graph(), &c.hand);
            let runs = [
                time_per_packet(trace, 2, |p| {
                    jit.first_match(&Packet::new(p, p.len() as u32))
                }),
                time_per_packet(trace, 2, |p| {
                    graph.first_match(&Packet::new(p, p.len() as u32))
                }),
                time_per_packet(trace, 2, |p| hand.first_match(p)),
            ];
            for (i, (t, s)) in runs.into_iter().enumerate() {
                b.record(i, t, s);
            }
            // libpcap tries the N programs in order: at 1,000 rules and more one pass costs
            // seconds, so those run once, after the rounds.
            #[cfg(feature = "libpcap")]
            if let Some(progs) = &c.progs {
                if c.n < 1000 || round + 1 == a.reps {
                    let (t, s) =
                        time_per_packet(trace, 1, |p| progs.iter().position(|g| g.filter(p)));
                    b.record(3, t, s);
                }
            }
            #[cfg(not(feature = "libpcap"))]
            let _ = round;
        }
    }
    let mut jit_at_1 = None;
    for (c, b) in cases.iter().zip(&best) {
        let [t_jit, t_graph, t_hand, t_pcap] = b.time;
        let n = c.n;
        let s_jit = b.sums[0];
        for (name, s) in [
            ("graph", b.sums[1]),
            ("hand", b.sums[2]),
            ("libpcap", b.sums[3]),
        ] {
            if s.is_some_and(|s| Some(s) != s_jit) {
                return Err(format!(
                    "N={n}: {name} disagrees with the JIT (checksums {s:?} vs {s_jit:?})"
                ));
            }
        }
        let t_pcap = (t_pcap < f64::MAX).then_some(t_pcap);
        let j1 = *jit_at_1.get_or_insert(t_jit);
        say!(
            "{:>6} {:>9.1} {:>9.1} {:>9.1} {:>9}  {:>10.2} {:>11} {:>11.2}  {}",
            n,
            t_jit,
            t_graph,
            t_hand,
            t_pcap.map_or("-".into(), |t| format!("{t:.1}")),
            t_jit / t_hand,
            t_pcap.map_or("-".into(), |t| {
                let r = t / t_jit;
                if r < 10.0 {
                    format!("{r:.2}x")
                } else {
                    format!("{r:.0}x")
                }
            }),
            t_jit / j1,
            c.source,
        );
    }
    say!("(ns/packet; first match; jit/hand <= 1 and jit/jit(1) <= 1.5 are the targets)");
    if !a.no_extras {
        // A 10,000-host expression is a very deep tree; the parser and the graph walk parts of
        // it recursively, so give that work a deep stack rather than the main thread's 8 MiB.
        let churn = a.churn;
        // Compiling 100,000 rules takes a third of a second: five tries find its best.
        let reps = a.reps.min(5);
        let seed = a.seed;
        std::thread::Builder::new()
            .stack_size(1 << 30)
            .spawn(move || extras(seed, churn, reps))
            .map_err(|e| e.to_string())?
            .join()
            .map_err(|_| "the compile/insert measurements panicked".to_string())??;
    }
    Ok(ExitCode::SUCCESS)
}

fn extras(seed: u64, churn: usize, reps: usize) -> Result<(), String> {
    // Compile times: one 10,000-host rule; 10,000 and 100,000 4-tuple rules.
    let hosts: Vec<[u8; 4]> = (0..10_000u32)
        .map(|i| (0x0a00_0000 + 7 * i + 1).to_be_bytes())
        .collect();
    let text: Vec<String> = hosts
        .iter()
        .map(|h| format!("host {}.{}.{}.{}", h[0], h[1], h[2], h[3]))
        .collect();
    let text = text.join(" or ");
    // Best of `reps` (at least 2, so that every size also runs on a heap already grown to it,
    // which mimalloc keeps until the compile measurements are done).
    let warm = crate::alloc::keep_freed_memory();
    let mut best: Option<(Duration, Duration, usize)> = None;
    for _ in 0..reps.max(2) {
        let t = CpuClock::now();
        let rule = crate::compile(&text, LinkType::ETHERNET).map_err(|e| e.to_string())?;
        let t_parse = t.elapsed();
        let t = CpuClock::now();
        let jit = JitGraph::from_rules(vec![rule]).map_err(|e| e.to_string())?;
        let t_hosts = t.elapsed();
        if best.is_none_or(|(a, b, _)| t_parse + t_hosts < a + b) {
            best = Some((t_parse, t_hosts, jit.graph().shapes().len()));
        }
    }
    let (t_parse, t_hosts, nodes) = best.expect("at least one run");
    say!(
        "compile `host A or host B ...` (10,000 hosts) from text: {:.1} ms = text->IR {:.1} ms + graph+JIT {:.1} ms ({nodes} switch nodes)",
        ms(t_parse + t_hosts),
        ms(t_parse),
        ms(t_hosts),
    );
    let mut rng = Rng::new(seed);
    let flows = gen::flows(110_000, &mut rng);
    let sizes = [10_000, 100_000];
    let texts: Vec<String> = sizes
        .iter()
        .map(|&n| gen::rules_text(&flows[..n]))
        .collect();
    // Rounds, each compiling both sizes (in alternating order), so that the ratio compares
    // runs minutes apart no more than the packet rounds do: the machine's slow spells move
    // both sizes alike. Best of the rounds per size.
    let mut best: [Option<(Duration, Duration, usize, usize)>; 2] = [None, None];
    for round in 0..reps.max(2) {
        for k in 0..2 {
            let i = if round % 2 == 0 { k } else { 1 - k };
            // End to end from the text of a rule file: split it into rules, compile each
            // (the front end), merge and generate code (graph + JIT).
            let t = CpuClock::now();
            let sources = crate::rules::parse_rule_file(&texts[i]).map_err(|e| e.to_string())?;
            let mut compiler = crate::rulecache::RuleCompiler::new(LinkType::ETHERNET);
            let rules = sources
                .iter()
                .map(|r| compiler.compile(&r.expr))
                .collect::<Result<Vec<Pred>, _>>()
                .map_err(|e| e.to_string())?;
            let t_front = t.elapsed();
            let t = CpuClock::now();
            let jit = JitGraph::from_rules(rules).map_err(|e| e.to_string())?;
            let t_back = t.elapsed();
            if best[i].is_none_or(|(a, b, _, _)| t_front + t_back < a + b) {
                best[i] = Some((t_front, t_back, compiler.hits(), jit.graph().shapes().len()));
            }
        }
    }
    drop(warm);
    let mut t10k = None;
    for (n, b) in sizes.iter().zip(best) {
        let (t_front, t_back, hits, nodes) = b.expect("at least one round");
        let total = t_front + t_back;
        let base = *t10k.get_or_insert(total);
        say!(
            "compile {n} 4-tuple rules from text: {:.1} ms ({:.2}x the 10,000 time) = text->IR {:.1} ms ({} from templates) + graph+JIT {:.1} ms ({} switch nodes)",
            ms(total),
            total.as_secs_f64() / base.as_secs_f64(),
            ms(t_front),
            hits,
            ms(t_back),
            nodes,
        );
    }

    // Same-shape insert + remove on a 10,000-rule graph.
    let (rules, _) = flow_rules(&flows[..10_000]);
    let mut jit = JitGraph::new(&rules).map_err(|e| e.to_string())?;
    let (extra, _) = flow_rules(&flows[100_000..100_100]);
    let mut samples = Vec::with_capacity(10_000);
    for i in 0..10_000 {
        // The predicate is the parser's output; cloning it is not part of the insertion.
        let p = extra[i % extra.len()].clone();
        let t = CpuClock::now();
        jit.insert_owned(10_000, p).map_err(|e| e.to_string())?;
        let old = jit.remove(10_000);
        samples.push(t.elapsed());
        drop(old);
    }
    samples.sort();
    say!(
        "insert+remove of a same-shape rule in a 10,000-rule graph: median {:.2} us, p99 {:.2} us, recompiles {}",
        samples[samples.len() / 2].as_secs_f64() * 1e6,
        samples[samples.len() * 99 / 100].as_secs_f64() * 1e6,
        jit.recompiles()
    );
    let before = rss_bytes();
    let t = CpuClock::now();
    for i in 0..churn {
        jit.insert(10_000, &extra[i % extra.len()])
            .map_err(|e| e.to_string())?;
        jit.remove(10_000);
    }
    let after = rss_bytes();
    say!(
        "{} insert/remove cycles in {:.2} s: RSS before {:.1} MiB, after {:.1} MiB ({:+} KiB), recompiles {}",
        churn,
        t.elapsed().as_secs_f64(),
        before as f64 / 1048576.0,
        after as f64 / 1048576.0,
        (after as i64 - before as i64) / 1024,
        jit.recompiles()
    );
    Ok(())
}
