//! A virtual machine for a subset of Erlang: real Erlang source (lexer, preprocessor with
//! macros, records and includes, parser) compiled to slot-resolved clauses, lowered to a
//! register bytecode with compiled clause selection (`lower.rs`, `bytecode.rs`) and run by
//! one interpreter loop per process (`exec.rs`), with processes, selective receive, timers,
//! links, the full bit syntax and off-heap shared binaries. Observable behaviour (printed
//! output, exceptions) is OTP's.
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
pub mod bytecode;
pub mod code;
pub mod compile;
pub mod dispatch;
pub mod embed;
pub mod error;
mod exec;
pub mod fmt;
pub mod fuzz_gen;
pub mod interp;
pub mod jit;
pub mod lexer;
pub mod lower;
pub mod parser;
pub mod preproc;
pub mod runtime;
pub mod stack;
pub mod term;

mod stdlib {
    include!(concat!(env!("OUT_DIR"), "/stdlib.rs"));
}

use error::{CompileError, SourceMap};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use term::Term;

pub use embed::{Driver, DriverCtx, Exception, NativeCtx, NativeFn, Vm};

pub struct RunOutput {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub exit_code: i32,
}

/// The register bytecode of a module's functions, as text: for each function (or only those
/// named `only`, as `name` or `name/arity`) a header `name/arity (N registers):`, then one
/// instruction per line (`pc: name operands`; the instructions are documented in docs/vm.md).
///
/// ```
/// let src = "-module(m).\n-export([f/1]).\nf(0) -> zero; f(N) -> N - 1.\n";
/// let text = vm::bytecode_listing(std::path::Path::new("m.erl"), src, Some("f/1")).unwrap();
/// assert!(text.starts_with("f/1 ("));
/// assert!(text.contains("is_int r0, 0 else"));
/// ```
pub fn bytecode_listing(path: &Path, src: &str, only: Option<&str>) -> Result<String, String> {
    let m = compile_source(path, src)?;
    let mut out = String::new();
    for f in &m.funs {
        let full = format!("{}/{}", f.name.name(), f.arity);
        if let Some(o) = only {
            if o != full && o != f.name.name() {
                continue;
            }
        }
        out.push_str(&format!("{full} ({} registers):\n", f.code.frame));
        out.push_str(&f.code.listing());
    }
    if out.is_empty() {
        return Err(format!(
            "{}: no function {}",
            path.display(),
            only.unwrap_or("")
        ));
    }
    Ok(out)
}

/// Compiles one module's source text. Errors are rendered as `file:line:col: message`, the
/// source line and a caret.
pub fn compile_source(path: &Path, src: &str) -> Result<code::Module, String> {
    // Nesting depth is bounded only by the source's length (a list literal is a chain of
    // conses), and dropping the syntax tree recurses as deep as it nests: run the front end on
    // a stack sized to the source, reserved up front and committed only as it is used.
    let stack = (16 << 20) + src.len().saturating_mul(256);
    stacker::grow(stack, || {
        let mut sources = SourceMap::default();
        let r = compile_with(&mut sources, path, src);
        r.map_err(|e| sources.render(&e))
    })
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

/// Fuzz entry point for native code: runs a terminating module made from `data`
/// (`fuzz_gen::module`) on the interpreter alone and again with every function compiled to
/// native code at its first call (`jit`); `Err` with both outputs when they differ. Runs on
/// the calling thread and leaves its threshold as it found it (`jit::reset_threshold`).
pub fn fuzz_native(data: &[u8]) -> Result<(), String> {
    let src = fuzz_gen::module(data);
    let run = |threshold: Option<u32>| {
        jit::set_threshold(threshold);
        let mut vm = embed::Vm::new();
        let out = match vm.load_source("fz.erl", &src) {
            Ok(()) => {
                let o = vm.run("fz", "main", true);
                format!(
                    "{} (exit {})",
                    String::from_utf8_lossy(&o.stdout),
                    o.exit_code
                )
            }
            Err(e) => format!("compile error: {e}"),
        };
        jit::reset_threshold();
        out
    };
    let interpreted = run(None);
    let native = run(Some(1));
    if interpreted == native {
        Ok(())
    } else {
        Err(format!(
            "{src}\ninterpreter: {interpreted}\nnative code: {native}"
        ))
    }
}

/// The bundled library compiled, and its compilation errors. Compiled modules hold terms
/// (literals, funs), and terms count references without atomics, so they cannot be shared
/// between threads: each thread that makes a VM compiles the library once and its later VMs
/// share that copy.
pub(crate) fn stdlib_modules() -> Rc<(Vec<Rc<code::Module>>, String)> {
    thread_local! {
        static S: Rc<(Vec<Rc<code::Module>>, String)> = Rc::new(compile_stdlib());
    }
    S.with(Rc::clone)
}

fn compile_stdlib() -> (Vec<Rc<code::Module>>, String) {
    let mut mods = Vec::new();
    let mut errs = String::new();
    for (name, src) in stdlib::STDLIB {
        if !name.ends_with(".erl") {
            continue;
        }
        match compile_source(Path::new(&format!("vm/lib/{name}")), src) {
            Ok(m) => mods.push(Rc::new(m)),
            Err(e) => errs.push_str(&e),
        }
    }
    (mods, errs)
}

/// Formats a value as `io:format("~p~n", [V])` does, using the bundled `io_lib` when it is
/// present, otherwise the native single-line printer.
pub(crate) fn format_result(p: &mut interp::Proc, v: &Term) -> Vec<u8> {
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

/// Every native BIF as (module, function, arity), sorted: for tests that call them all.
pub fn native_bifs() -> Vec<(&'static str, &'static str, usize)> {
    let mut v: Vec<_> = bifs::table().keys().copied().collect();
    v.sort_unstable();
    v
}

/// Compiles `files` (plus the bundled stdlib), calls `module:function()` in a fresh process,
/// runs until every process has finished. With `print_result`, appends the returned value
/// formatted as `io:format("~p~n", [V])` would. exit_code 0 on return; 1 on a compile error
/// or an uncaught exception (reported on stderr the way OTP reports it).
pub fn run_files(files: &[PathBuf], module: &str, function: &str, print_result: bool) -> RunOutput {
    embed::Vm::new().run_files(files, module, function, print_result)
}
