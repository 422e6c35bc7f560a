//! `exo`: the toolkit's runtime command. `exo run FILE.erl... [--call MOD:FUN] [--print]`
//! compiles the files with the bundled Erlang library, calls `MOD:FUN()` (default: the first
//! module's `main/0`) and exits 0, or 1 on a compile error or an uncaught exception.
//! `exo compile FILE.erl --emit bytecode [--function NAME/ARITY]` prints the VM's bytecode.
//! Network options (`--nic`, `--ip`, `--gw`, `--mac`, the simulated wire's faults) are checked
//! first; a bad one exits 2 with a message naming it.

use clap::{Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;

// The VM allocates and frees a block for every cons cell, tuple and boxed term; mimalloc's
// thread-local free lists do that in a fraction of glibc malloc's instructions
// (docs/bench-estone.md). Only the binary chooses the allocator: the libraries do not.
#[global_allocator]
static GLOBAL: dpf::alloc::MiAlloc = dpf::alloc::MiAlloc;

#[derive(Parser)]
#[command(name = "exo", about = "Run Erlang protocol code on the embedded VM")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Compile Erlang files and call a function.
    Run {
        /// Erlang source files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// MOD:FUN to call (default: the first module's main/0).
        #[arg(long)]
        call: Option<String>,
        /// Print the returned value as io:format("~p~n", [V]) would.
        #[arg(long)]
        print: bool,
        #[command(flatten)]
        net: Box<annex::config::NetArgs>,
    },
    /// Compile an Erlang file and print what the VM runs (`--emit bytecode`).
    Compile {
        /// Erlang source file.
        file: PathBuf,
        /// What to print: `bytecode` (the register bytecode of each function).
        #[arg(long, default_value = "bytecode")]
        emit: String,
        /// Only this function (`name` or `name/arity`).
        #[arg(long)]
        function: Option<String>,
    },
    /// Benchmarks.
    Bench {
        #[command(subcommand)]
        which: BenchCmd,
    },
}

#[derive(Subcommand)]
enum BenchCmd {
    /// ICMP echo rate and CPU per ping over the simulated wire: Erlang on the VM vs smoltcp.
    Ping {
        /// Pings per run.
        #[arg(long, default_value_t = 20000)]
        count: u64,
        /// Requests outstanding at once.
        #[arg(long, default_value_t = 1)]
        window: u64,
        /// ICMP payload bytes.
        #[arg(long, default_value_t = 56)]
        payload: usize,
        /// Interleaved rounds; each responder's fastest is kept.
        #[arg(long, default_value_t = 3)]
        rounds: u32,
        /// The protocol stack's Erlang modules (its row is left out if the folder is absent).
        #[arg(long, default_value = "protocols/erl")]
        stack_dir: PathBuf,
    },
    /// Estone (`exo bench estone`).
    #[command(flatten)]
    Estone(annex::estone::BenchCmd),
}

/// The module name a file declares: its `-module(...)` attribute, else the file stem.
fn module_of(path: &std::path::Path) -> String {
    if let Ok(src) = std::fs::read_to_string(path) {
        for line in src.lines() {
            let l = line.trim_start();
            if let Some(rest) = l.strip_prefix("-module(") {
                if let Some(end) = rest.find(')') {
                    return rest[..end].trim().trim_matches('\'').to_string();
                }
            }
        }
    }
    path.file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("main")
        .to_string()
}

fn main() {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Run {
            files,
            call,
            print,
            net,
        } => {
            let setup = match net.resolve() {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("exo: {e}");
                    std::process::exit(2);
                }
            };
            let (m, f) = match &call {
                Some(c) => match c.split_once(':') {
                    Some((m, f)) if !m.is_empty() && !f.is_empty() => {
                        (m.to_string(), f.to_string())
                    }
                    _ => {
                        eprintln!("exo: --call expects MOD:FUN, got {c:?}");
                        std::process::exit(2);
                    }
                },
                None => (module_of(&files[0]), "main".to_string()),
            };
            let out = match annex::run::run_files(&files, &m, &f, print, &setup, true) {
                Ok(o) => o,
                Err(e) => {
                    eprintln!("exo: {e}");
                    std::process::exit(2);
                }
            };
            let _ = std::io::stdout().write_all(&out.stdout);
            let _ = std::io::stderr().write_all(&out.stderr);
            let _ = std::io::stdout().flush();
            std::process::exit(out.exit_code);
        }
        Cmd::Compile {
            file,
            emit,
            function,
        } => {
            if emit != "bytecode" {
                eprintln!("exo compile: --emit takes `bytecode`, got {emit:?}");
                std::process::exit(2);
            }
            let src = match std::fs::read_to_string(&file) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("exo compile: {}: {e}", file.display());
                    std::process::exit(2);
                }
            };
            match vm::bytecode_listing(&file, &src, function.as_deref()) {
                Ok(text) => print_or_exit("exo compile", &text),
                Err(e) => {
                    eprintln!("{e}");
                    std::process::exit(1);
                }
            }
        }
        Cmd::Bench {
            which: BenchCmd::Estone(b),
        } => std::process::exit(annex::estone::main(b)),
        Cmd::Bench {
            which:
                BenchCmd::Ping {
                    count,
                    window,
                    payload,
                    rounds,
                    stack_dir,
                },
        } => {
            if count == 0 || window == 0 || payload > 1400 {
                eprintln!(
                    "exo bench ping: --count and --window must be > 0, --payload at most 1400"
                );
                std::process::exit(2);
            }
            let stack = match annex::bench::stack_sources(&stack_dir) {
                Ok(s) => Some(s),
                Err(e) => {
                    eprintln!("exo bench ping: no stack row ({e})");
                    None
                }
            };
            match annex::bench::compare(count, window, payload, rounds, stack.as_deref()) {
                Ok(runs) => print_or_exit(
                    "exo bench ping",
                    &annex::bench::report(&runs, window, payload),
                ),
                Err(e) => {
                    eprintln!("exo bench ping: {e}");
                    std::process::exit(1);
                }
            }
        }
    }
}

/// Writes `text` to standard output; a closed or failing output (`exo compile M.erl | head`)
/// is reported and exits 1 instead of panicking as `print!` would.
fn print_or_exit(what: &str, text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        eprintln!("{what}: writing the output: {e}");
        std::process::exit(1);
    }
}
