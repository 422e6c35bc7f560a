//! `dpf compile --emit ast`: the syntax tree one node per line, `and`/`or`/`not` indented by
//! level, and linear in the tree's size even for a rule near the parser's nesting limit.

mod e2e_common;
use e2e_common::*;

#[test]
fn the_syntax_tree_is_printed_one_node_a_line_by_level() {
    let dir = scratch("cli_compile_ast");
    let rules = dir.join("rules.txt");
    std::fs::write(&rules, "r1: tcp port 80 and (host 1.2.3.4 or not udp)\n").unwrap();
    let o = dpf(&["compile", rules.to_str().unwrap(), "--emit", "ast"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = String::from_utf8(o.stdout).unwrap();
    let shape: Vec<String> = text
        .lines()
        .map(|l| {
            let indent = l.len() - l.trim_start().len();
            let word = l.trim_start().split([' ', '(']).next().unwrap_or("");
            format!("{indent}:{word}")
        })
        .collect();
    assert_eq!(
        shape,
        [
            "0:r1:",
            "2:and",
            "4:Qualified",
            "4:or",
            "6:Qualified",
            "6:not",
            "8:Proto"
        ],
        "{text}"
    );
    assert!(text.contains("Num(80)") && text.contains("\"1.2.3.4\"") && text.contains("Udp"));
}

#[test]
fn a_rule_nested_900_deep_prints_every_level() {
    let dir = scratch("cli_compile_ast_deep");
    let rules = dir.join("rules.txt");
    // 400 parentheses around 500 `not`s around `tcp`: 900 levels (the limit is 1,000). The
    // derived pretty `Debug` took minutes on such a rule; this prints it at once.
    let expr = format!(
        "{}{}tcp{}",
        "(".repeat(400),
        "not ".repeat(500),
        ")".repeat(400)
    );
    std::fs::write(&rules, format!("deep: {expr}\n")).unwrap();
    let o = dpf(&["compile", rules.to_str().unwrap(), "--emit", "ast"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = String::from_utf8(o.stdout).unwrap();
    let nots = text.lines().filter(|l| l.trim() == "not").count();
    assert_eq!(nots, 500);
    let last = text.lines().last().unwrap();
    assert_eq!(last.len() - last.trim_start().len(), 2 * 501, "{last}");
}
