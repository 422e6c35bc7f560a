//! `dpf compile`: each stage of the pipeline for a rule file, as text (and the merged graph
//! as Graphviz DOT).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::process::ExitCode;

use clap::ValueEnum;

use super::ruleset::RuleSet;
use super::{parse_link, CliError, Outcome};
use crate::lang::ast::Expr;
use crate::{Graph, JitGraph, LinkType};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Stage {
    /// The parsed syntax tree of each rule.
    Ast,
    /// Each rule lowered to the filter IR.
    Ir,
    /// The merged decision graph of all rules.
    Graph,
    /// The Cranelift IR of the compiled graph.
    Clif,
    /// The native code of the compiled graph.
    Asm,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Rule file: `name: expression` per line.
    #[arg(value_name = "RULES")]
    pub rules: PathBuf,
    #[arg(long, value_enum, default_value_t = Stage::Ir)]
    pub emit: Stage,
    /// Also write the merged graph as Graphviz DOT to FILE (and FILE.svg when `dot` exists).
    #[arg(long, value_name = "FILE")]
    pub dot: Option<PathBuf>,
    /// Link type the rules are compiled for (number or name).
    #[arg(long, value_name = "LINK", default_value = "1", value_parser = parse_link)]
    pub link: LinkType,
}

pub fn run(a: Args) -> Outcome {
    let rules = RuleSet::load(&a.rules)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let io = |e: std::io::Error| CliError(format!("writing the output: {e}"));
    match a.emit {
        Stage::Ast => {
            for r in &rules.rules {
                // Errors are reported with the rule file's line and caret by compile_all.
                match crate::lang::parse(&r.expr) {
                    Ok(ast) => {
                        writeln!(out, "{}:", r.name).map_err(io)?;
                        write_ast(&mut out, &ast, 1).map_err(io)?;
                    }
                    Err(_) => {
                        rules.compile_all(a.link)?;
                    }
                }
            }
        }
        Stage::Ir => {
            let preds = rules.compile_all(a.link)?;
            for (r, p) in rules.rules.iter().zip(&preds) {
                writeln!(out, "{}: {p}", r.name).map_err(io)?;
            }
        }
        Stage::Graph => {
            let g = Graph::from_rules(rules.compile_all(a.link)?);
            out.write_all(g.dump().as_bytes()).map_err(io)?
        }
        Stage::Clif | Stage::Asm => {
            let jit = JitGraph::from_rules(rules.compile_all(a.link)?)
                .map_err(|e| CliError(format!("the JIT cannot compile these rules: {}", e.0)))?;
            if a.emit == Stage::Clif {
                out.write_all(jit.clif_text().as_bytes()).map_err(io)?;
            } else {
                let asm = jit.disasm().ok_or_else(|| {
                    CliError("this build's code generator gives no disassembly".into())
                })?;
                out.write_all(asm.as_bytes()).map_err(io)?;
            }
        }
    }
    if let Some(dot) = &a.dot {
        let graph = Graph::from_rules(rules.compile_all(a.link)?);
        std::fs::write(dot, graph.to_dot())
            .map_err(|e| CliError(format!("{}: cannot write: {e}", dot.display())))?;
        write_svg(dot)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The syntax tree, one node per line, indented two spaces per level of `and`/`or`/`not`,
/// each primitive on one line. Linear in the tree's size: the derived `{:#?}` re-indents every
/// inner line once per enclosing level, which took minutes on a rule nested 1,000 deep (the
/// parser's limit, which also bounds this recursion).
fn write_ast(out: &mut impl Write, e: &Expr, depth: usize) -> std::io::Result<()> {
    let pad = "  ".repeat(depth);
    let (name, kids): (&str, Vec<&Expr>) = match e {
        Expr::And(v) => ("and", v.iter().collect()),
        Expr::Or(v) => ("or", v.iter().collect()),
        Expr::Not(x) => ("not", vec![&**x]),
        leaf => return writeln!(out, "{pad}{leaf:?}"),
    };
    writeln!(out, "{pad}{name}")?;
    for k in kids {
        write_ast(out, k, depth + 1)?;
    }
    Ok(())
}

/// `FILE.svg` next to the DOT file when Graphviz's `dot` is installed; nothing otherwise.
fn write_svg(dot: &Path) -> Result<(), CliError> {
    let mut svg = dot.as_os_str().to_owned();
    svg.push(".svg");
    let status = Command::new("dot")
        .arg("-Tsvg")
        .arg(dot)
        .arg("-o")
        .arg(&svg)
        .status();
    match status {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(CliError(format!("dot -Tsvg {} failed: {s}", dot.display()))),
        // Graphviz not installed: the DOT file is the result.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(CliError(format!("cannot run dot: {e}"))),
    }
}
