//! `dpf check`: is this filter expression valid? Silent with exit 0 when it is; otherwise the
//! error with a caret under the offending span, exit 1.

use std::process::ExitCode;

use super::{join_expr, parse_link, Outcome};
use crate::{compile, LinkType};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Link type the expression is compiled for (number or name).
    #[arg(long, value_name = "LINK", default_value = "1", value_parser = parse_link)]
    pub link: LinkType,
    /// Check each argument as an expression of its own instead of joining them with spaces.
    #[arg(long)]
    pub each: bool,
    /// The filter expression; several words are joined with spaces, as tcpdump does.
    #[arg(value_name = "EXPR", required = true, allow_hyphen_values = true)]
    pub expr: Vec<String>,
}

pub fn run(a: Args) -> Outcome {
    // Several arguments may be one expression in words (`dpf check tcp port 80`, tcpdump's
    // habit) or several expressions (`dpf check 'tcp' 'udp port 53'`): valid either way.
    if !a.each && a.expr.len() > 1 && a.expr.iter().all(|e| compile(e, a.link).is_ok()) {
        return Ok(ExitCode::SUCCESS);
    }
    let exprs = if a.each {
        a.expr.clone()
    } else {
        vec![join_expr(&a.expr)]
    };
    let mut ok = true;
    for e in &exprs {
        if let Err(err) = compile(e, a.link) {
            eprintln!("{}", err.render(e));
            ok = false;
        }
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
