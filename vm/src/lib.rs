//! An interpreter for a subset of Erlang: real Erlang source (lexer, preprocessor with
//! macros, records and includes, parser) compiled to slot-resolved clauses and run by an
//! interpreter with processes, selective receive, timers, links, the full bit syntax and
//! off-heap shared binaries. Observable behaviour (printed output, exceptions) is OTP's.
//!
//! ```
//! let dir = std::env::temp_dir().join("vm_doc_example");
//! std::fs::create_dir_all(&dir).unwrap();
//! let f = dir.join("hello.erl");
//! std::fs::write(&f, "-module(hello).\n-export([main/0]).\nmain() -> io:put_chars(\"hi\\n\"), 6 * 7.\n").unwrap();
//! let out = vm::run_files(&[f], "hello", "main", true);
//! assert_eq!(out.exit_code, 0);
//! assert_eq!(String::from_utf8(out.stdout).unwrap(), "hi\n42\n");
//! ```

pub mod arith;
pub mod ast;
pub mod atom;
pub mod bifs;
pub mod bitsyntax;
pub mod code;
pub mod compile;
pub mod error;
pub mod fmt;
pub mod interp;
pub mod lexer;
pub mod parser;
pub mod preproc;
pub mod runtime;
pub mod term;

mod stdlib {
    include!(concat!(env!("OUT_DIR"), "/stdlib.rs"));
}

use error::{CompileError, SourceMap};
use runtime::Runtime;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use term::Term;

pub struct RunOutput {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub exit_code: i32,
}

/// Compiles one module's source text. Errors are rendered as `file:line:col: message`, the
/// source line and a caret.
pub fn compile_source(path: &Path, src: &str) -> Result<code::Module, String> {
    let mut sources = SourceMap::default();
    let r = compile_with(&mut sources, path, src);
    r.map_err(|e| sources.render(&e))
}

fn compile_with(
    sources: &mut SourceMap,
    path: &Path,
    src: &str,
) -> Result<code::Module, CompileError> {
    let forms = {
        let mut pp = preproc::Preproc::new(sources);
        pp.file(path, src.to_string())?
    };
    let mut parsed = Vec::new();
    for f in forms {
        parsed.push(parser::parse_form(&f)?);
    }
    compile::compile_module(parsed, &path.display().to_string())
}

/// Runs the lexer, preprocessor, parser and compiler on arbitrary bytes (the fuzz target's
/// entry point). Never panics; returns whether compilation succeeded.
pub fn fuzz_compile(data: &[u8]) -> bool {
    let src = String::from_utf8_lossy(data);
    compile_source(Path::new("fuzz.erl"), &src).is_ok()
}

fn stdlib_modules() -> &'static (Vec<Arc<code::Module>>, String) {
    static S: OnceLock<(Vec<Arc<code::Module>>, String)> = OnceLock::new();
    S.get_or_init(|| {
        let mut mods = Vec::new();
        let mut errs = String::new();
        for (name, src) in stdlib::STDLIB {
            if !name.ends_with(".erl") {
                continue;
            }
            match compile_source(Path::new(&format!("vm/lib/{name}")), src) {
                Ok(m) => mods.push(Arc::new(m)),
                Err(e) => errs.push_str(&e),
            }
        }
        (mods, errs)
    })
}

/// Formats a value as `io:format("~p~n", [V])` does, using the bundled `io_lib` when it is
/// present, otherwise the native single-line printer.
fn format_result(p: &mut interp::Proc, v: &Term) -> Vec<u8> {
    let io_lib = atom::Atom::intern("io_lib");
    if p.rt.module(io_lib).is_some() {
        let args = vec![Term::string("~p~n"), Term::list(vec![v.clone()])];
        if let Ok(chars) = p.call_mfa_sync(io_lib, atom::Atom::intern("format"), args) {
            if let Some(b) = bifs::chardata(&chars) {
                return b;
            }
        }
    }
    (fmt::print_term(v) + "\n").into_bytes()
}

/// OTP's shell-style report of an uncaught exception.
pub fn format_exception(p: &interp::Proc, e: &interp::Exc) -> String {
    let class = match e.class.name() {
        "error" => "error",
        "exit" => "exit",
        _ => "throw",
    };
    let mut s = format!("** exception {}: {}\n", class, fmt::print_term(&e.reason));
    if let Some((m, f, args)) = &e.args {
        s.push_str(&format!(
            "     in function  {}:{}/{}\n",
            fmt::quote_atom(m.name()),
            fmt::quote_atom(f.name()),
            args.len()
        ));
        s.push_str(&format!(
            "        called as {}:{}({})\n",
            fmt::quote_atom(m.name()),
            fmt::quote_atom(f.name()),
            args.iter()
                .map(fmt::print_term)
                .collect::<Vec<_>>()
                .join(",")
        ));
    } else if let Some((m, f, a, _)) = e.frames.first() {
        s.push_str(&format!(
            "     in function  {}:{}/{}\n",
            fmt::quote_atom(m.name()),
            fmt::quote_atom(f.name()),
            a
        ));
    }
    let _ = p;
    s
}

/// Compiles `files` (plus the bundled stdlib), calls `module:function()` in a fresh process,
/// runs until every process has finished. With `print_result`, appends the returned value
/// formatted as `io:format("~p~n", [V])` would. exit_code 0 on return; 1 on a compile error
/// or an uncaught exception (reported on stderr the way OTP reports it).
pub fn run_files(files: &[PathBuf], module: &str, function: &str, print_result: bool) -> RunOutput {
    let rt = Runtime::new();
    let mut stderr = Vec::new();
    let (std_mods, std_errs) = stdlib_modules();
    stderr.extend_from_slice(std_errs.as_bytes());
    for m in std_mods {
        rt.add_module_arc(m.clone());
    }
    for f in files {
        let src = match std::fs::read_to_string(f) {
            Ok(s) => s,
            Err(e) => {
                stderr
                    .extend_from_slice(format!("{}: cannot read: {}\n", f.display(), e).as_bytes());
                return RunOutput {
                    stdout: Vec::new(),
                    stderr,
                    exit_code: 1,
                };
            }
        };
        match compile_source(f, &src) {
            Ok(m) => rt.add_module(m),
            Err(e) => {
                stderr.extend_from_slice(e.as_bytes());
                return RunOutput {
                    stdout: Vec::new(),
                    stderr,
                    exit_code: 1,
                };
            }
        }
    }
    let result: Arc<Mutex<Option<Result<(), String>>>> = Arc::new(Mutex::new(None));
    let slot = result.clone();
    let (m, f) = (atom::Atom::intern(module), atom::Atom::intern(function));
    let pid = rt.new_pid();
    rt.start_process(
        pid,
        Box::new(move |p: &mut interp::Proc| {
            let r = p.call_mfa_sync(m, f, vec![]);
            let outcome = match &r {
                Ok(v) => {
                    if print_result {
                        let b = format_result(p, v);
                        p.rt.write_out(&b);
                    }
                    Ok(())
                }
                Err(interp::Ctl::Exc(e)) => Err(format_exception(p, e)),
                Err(interp::Ctl::Tail(_)) => Ok(()),
            };
            *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(outcome);
            r
        }),
    );
    rt.wait_all();
    let stdout = std::mem::take(&mut *rt.out.lock().unwrap_or_else(|e| e.into_inner()));
    stderr.extend_from_slice(&rt.err.lock().unwrap_or_else(|e| e.into_inner()));
    let outcome = result.lock().unwrap_or_else(|e| e.into_inner()).take();
    let exit_code = match outcome {
        Some(Ok(())) => 0,
        Some(Err(msg)) => {
            stderr.extend_from_slice(msg.as_bytes());
            1
        }
        None => {
            stderr.extend_from_slice(b"** the main process never finished (deadlock)\n");
            1
        }
    };
    RunOutput {
        stdout,
        stderr,
        exit_code,
    }
}
