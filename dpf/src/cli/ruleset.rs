//! Rules as the commands use them: read from a rule file, compiled per link type on first
//! need (a pcapng file may mix link types), and handed to the best available demux.

use std::mem::ManuallyDrop;
use std::path::{Path, PathBuf};

use super::CliError;
use crate::ir::Pred;
use crate::rulecache::RuleCompiler;
use crate::rules::{parse_rule_file, RuleSource};
use crate::{Demux, FilterError, Graph, JitGraph, Linear, LinkType};

/// The best demultiplexer available for these rules (priority = order): the merged graph
/// compiled by the JIT; the graph's interpreter if the JIT cannot take it; the linear
/// reference only for an empty rule set.
pub fn build_demux(rules: Vec<Pred>) -> Box<dyn Demux> {
    if rules.is_empty() {
        return Box::new(Linear::new(rules));
    }
    // The graph takes the rules over (no copy); the JIT hands it back if it cannot compile it.
    match JitGraph::try_from_graph(Graph::from_rules(rules)) {
        Ok(j) => Box::new(j),
        Err(failed) => {
            let (e, graph) = *failed;
            eprintln!(
                "dpf: warning: JIT unavailable ({}), interpreting the graph",
                e.0
            );
            Box::new(graph)
        }
    }
}

/// A rule file's rules and their compiled demuxes, one per link type met so far.
pub struct RuleSet {
    pub path: PathBuf,
    pub rules: Vec<RuleSource>,
    text: String,
    /// Never dropped: a command's rule set lives until the process exits, and freeing
    /// 100,000 compiled rules (every predicate node, one by one) took ~40 ms for nothing.
    demuxes: ManuallyDrop<Vec<(LinkType, Box<dyn Demux>)>>,
    last: usize,
}

impl RuleSet {
    /// Reads and splits a rule file; errors name the file and line.
    pub fn load(path: &Path) -> Result<RuleSet, CliError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError(format!("{}: cannot read rule file: {e}", path.display())))?;
        let rules = parse_rule_file(&text)
            .map_err(|e| CliError(format!("{}:{}: {}", path.display(), e.line, e.msg)))?;
        if rules.is_empty() {
            return Err(CliError(format!(
                "{}: no rules in the file",
                path.display()
            )));
        }
        Ok(RuleSet {
            path: path.to_path_buf(),
            rules,
            text,
            demuxes: ManuallyDrop::new(Vec::new()),
            last: 0,
        })
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.rules.iter().map(|r| r.name.as_str())
    }

    /// Every rule compiled for `link`, or the first rule that does not compile, rendered with
    /// the rule file's name, the line and a caret under the offending span.
    ///
    /// A rule that can match no packet of this link type (`ip` on a raw IPv6 capture) is an
    /// error for libpcap, which compiles one expression; in a rule file it is only a rule that
    /// never matches here, so it becomes `false` with a warning and the other rules still run.
    ///
    /// Compiling costs a fraction of a millisecond per rule, which for thousands of rules is
    /// more than a pass over a large trace: big rule sets compile on every core.
    pub fn compile_all(&self, link: LinkType) -> Result<Vec<Pred>, CliError> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
        // Same-shape rules compile in about a microsecond each (see `rulecache`): threads pay
        // off only for very large files.
        if self.rules.len() < 20_000 || threads < 2 {
            return compile_range(&self.path, &self.text, &self.rules, link);
        }
        let chunk = self.rules.len().div_ceil(threads);
        let (path, text) = (&self.path, &self.text);
        let parts: Vec<Result<Vec<Pred>, CliError>> = std::thread::scope(|s| {
            let handles: Vec<_> = self
                .rules
                .chunks(chunk)
                .map(|c| s.spawn(move || compile_range(path, text, c, link)))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(CliError("rule compilation panicked".into())))
                })
                .collect()
        });
        let mut out = Vec::with_capacity(self.rules.len());
        for p in parts {
            out.extend(p?);
        }
        Ok(out)
    }

    fn rule_error(&self, r: &RuleSource, link: Option<LinkType>, e: &FilterError) -> CliError {
        rule_error(&self.path, &self.text, r, link, e)
    }

    /// Reports a bad rule before any output exists: compiles for the link types already
    /// known (a pcap header's), or at least parses every rule (a pcapng file declares its
    /// link types later).
    pub fn precheck(&mut self, known: &[crate::capture::Interface]) -> Result<(), CliError> {
        match known.first() {
            Some(i) => self.demux_for(i.link).map(|_| ()),
            None => self
                .rules
                .iter()
                .try_for_each(|r| match crate::lang::parse(&r.expr) {
                    Ok(_) => Ok(()),
                    Err(e) => Err(self.rule_error(r, None, &e)),
                }),
        }
    }

    /// The demux for packets of `link`, compiling the rules for it on first use.
    pub fn demux_for(&mut self, link: LinkType) -> Result<&dyn Demux, CliError> {
        if self.demuxes.get(self.last).map(|d| d.0) != Some(link) {
            match self.demuxes.iter().position(|d| d.0 == link) {
                Some(i) => self.last = i,
                None => {
                    let preds = self.compile_all(link)?;
                    self.demuxes.push((link, build_demux(preds)));
                    self.last = self.demuxes.len() - 1;
                }
            }
        }
        Ok(&*self.demuxes[self.last].1)
    }
}

fn compile_range(
    path: &Path,
    text: &str,
    rules: &[RuleSource],
    link: LinkType,
) -> Result<Vec<Pred>, CliError> {
    // Rules of one shape (addresses and ports aside) are compiled once and filled in after.
    let mut compiler = RuleCompiler::new(link);
    rules
        .iter()
        .map(|r| match compiler.compile(&r.expr) {
            Ok(p) => Ok(p),
            Err(e) if e.rejects_all_packets() => {
                eprintln!(
                    "dpf: warning: {}:{}: rule `{}` matches no packet of link type {}, {}",
                    path.display(),
                    r.line,
                    r.name,
                    link.0,
                    link.name()
                );
                Ok(Pred::False)
            }
            Err(e) => Err(rule_error(path, text, r, Some(link), &e)),
        })
        .collect()
}

fn rule_error(
    path: &Path,
    text: &str,
    r: &RuleSource,
    link: Option<LinkType>,
    e: &FilterError,
) -> CliError {
    let line = text.lines().nth(r.line - 1).unwrap_or(&r.expr);
    let for_link = link
        .map(|l| format!(" (link type {}, {})", l.0, l.name()))
        .unwrap_or_default();
    let shifted = FilterError::new(
        format!(
            "{}:{}: rule `{}`{for_link}: {}",
            path.display(),
            r.line,
            r.name,
            e.msg
        ),
        r.expr_col + e.span.start..r.expr_col + e.span.end,
    );
    CliError(
        shifted
            .render(line)
            .trim_start_matches("error: ")
            .to_string(),
    )
}
