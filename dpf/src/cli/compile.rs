//! `dpf compile`: each stage of the pipeline for a rule file, as text (and the merged graph
//! as Graphviz DOT).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::ValueEnum;

use super::ruleset::RuleSet;
use super::{parse_link, CliError, Outcome};
use crate::LinkType;

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
    match a.emit {
        Stage::Ast => {
            for r in &rules.rules {
                // Errors are reported with the rule file's line and caret by compile_all.
                match crate::lang::parse(&r.expr) {
                    Ok(ast) => println!("{}: {ast:#?}", r.name),
                    Err(_) => {
                        rules.compile_all(a.link)?;
                    }
                }
            }
        }
        Stage::Ir => {
            let preds = rules.compile_all(a.link)?;
            for (r, p) in rules.rules.iter().zip(&preds) {
                println!("{}: {p}", r.name);
            }
        }
        Stage::Graph | Stage::Clif | Stage::Asm => {
            rules.compile_all(a.link)?;
            return Err(CliError(
                format!(
                "--emit {:?} needs the merged decision graph, which this build does not have yet",
                a.emit
            )
                .to_lowercase(),
            ));
        }
    }
    if a.dot.is_some() {
        return Err(CliError(
            "--dot needs the merged decision graph, which this build does not have yet".into(),
        ));
    }
    Ok(ExitCode::SUCCESS)
}
