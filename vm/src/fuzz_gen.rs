//! Erlang modules made from fuzz input, for `fuzz_native`: every program terminates (each
//! function takes a depth counter first, and every call passes it on decreased), so the
//! interpreter and native code can both run it to the end and their outputs be compared.
//! The constructs are those native code translates: clause selection on integers, atoms,
//! lists and tuples, guards, arithmetic that overflows into bignums or raises `badarith`,
//! local and mutually recursive calls, list and tuple building, a few BIFs, `case`.

use std::fmt::Write;

struct G<'a> {
    data: &'a [u8],
    at: usize,
    vars: Vec<String>,
    fresh: usize,
    /// Functions (their arity after the depth counter).
    funs: Vec<usize>,
}

impl G<'_> {
    fn byte(&mut self) -> u8 {
        let b = self.data.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        b
    }

    fn pick(&mut self, n: usize) -> usize {
        self.byte() as usize % n.max(1)
    }

    fn int(&mut self) -> String {
        match self.pick(8) {
            0 => "576460752303423487".into(),
            1 => "-3".into(),
            2 => "4611686018427387904".into(),
            k => (k - 3).to_string(),
        }
    }

    fn pat(&mut self, depth: u32) -> String {
        let k = if depth == 0 {
            self.pick(5)
        } else {
            self.pick(8)
        };
        match k {
            0 => {
                self.fresh += 1;
                let v = format!("V{}", self.fresh);
                self.vars.push(v.clone());
                v
            }
            1 => "_".into(),
            2 => self.int(),
            3 => ["a", "b"][self.pick(2)].into(),
            4 => "[]".into(),
            5 | 6 => {
                let h = self.pat(depth - 1);
                let t = self.pat(depth - 1);
                format!("[{h} | {t}]")
            }
            _ => {
                let a = self.pat(depth - 1);
                let b = self.pat(depth - 1);
                format!("{{{a}, {b}}}")
            }
        }
    }

    fn var(&mut self) -> Option<String> {
        if self.vars.is_empty() {
            None
        } else {
            let i = self.pick(self.vars.len());
            Some(self.vars[i].clone())
        }
    }

    fn expr(&mut self, depth: u32) -> String {
        let k = if depth == 0 {
            self.pick(4)
        } else {
            self.pick(14)
        };
        match k {
            0 | 1 => self.var().unwrap_or_else(|| self.int()),
            2 => self.int(),
            3 => ["a", "[]", "{}"][self.pick(3)].into(),
            4..=6 => {
                let op = ["+", "-", "*", "band", "bor", "bxor", "div", "rem", "/"][self.pick(9)];
                let a = self.expr(depth - 1);
                let b = self.expr(depth - 1);
                format!("({a} {op} {b})")
            }
            7 => {
                let op = ["bsl", "bsr"][self.pick(2)];
                let a = self.expr(depth - 1);
                let n = ["0", "1", "3", "61", "63", "64", "-2"][self.pick(7)];
                format!("({a} {op} {n})")
            }
            8 => {
                let h = self.expr(depth - 1);
                let t = self.expr(depth - 1);
                format!("[{h} | {t}]")
            }
            9 => {
                let a = self.expr(depth - 1);
                let b = self.expr(depth - 1);
                format!("{{{a}, {b}}}")
            }
            10 | 11 => self.call(depth),
            12 => {
                let f = [
                    "abs",
                    "hd",
                    "tl",
                    "tuple_size",
                    "length",
                    "is_list",
                    "element(1, ",
                ][self.pick(7)];
                let a = self.expr(depth - 1);
                if f.ends_with(", ") {
                    format!("{f}{a})")
                } else {
                    format!("{f}({a})")
                }
            }
            _ => {
                let e = self.expr(depth - 1);
                let saved = self.vars.len();
                let p = self.pat(2);
                let a = self.expr(depth - 1);
                self.vars.truncate(saved);
                let b = self.expr(depth - 1);
                format!("case {e} of {p} -> {a}; _ -> {b} end")
            }
        }
    }

    fn call(&mut self, depth: u32) -> String {
        let f = self.pick(self.funs.len());
        let mut s = format!("f{f}(D - 1");
        for _ in 0..self.funs[f] {
            let a = self.expr(depth.saturating_sub(1));
            let _ = write!(s, ", {a}");
        }
        s.push(')');
        s
    }

    fn guard(&mut self) -> String {
        let Some(v) = self.var() else {
            return String::new();
        };
        match self.pick(5) {
            0 => format!(" when is_integer({v})"),
            1 => format!(" when {v} > {}", self.int()),
            2 => format!(" when {v} =:= {}", self.int()),
            3 => format!(" when is_atom({v}); is_tuple({v})"),
            _ => String::new(),
        }
    }
}

/// The source of module `fz` (`main/0` returns what each of a few calls returned or raised).
pub fn module(data: &[u8]) -> String {
    let mut g = G {
        data,
        at: 0,
        vars: Vec::new(),
        fresh: 0,
        funs: Vec::new(),
    };
    let n = 1 + g.pick(3);
    g.funs = (0..n).map(|_| 1 + g.pick(2)).collect();
    let mut s = String::from("-module(fz).\n-export([main/0]).\n");
    for f in 0..n {
        let arity = g.funs[f];
        let under = vec!["_"; arity].join(", ");
        let base = g.int();
        let _ = writeln!(s, "f{f}(0, {under}) -> {base};");
        for _ in 0..1 + g.pick(3) {
            g.vars.clear();
            g.vars.push("D".into());
            let pats: Vec<String> = (0..arity).map(|_| g.pat(2)).collect();
            let guard = g.guard();
            let body = g.expr(3);
            let _ = writeln!(s, "f{f}(D, {}){guard} -> {body};", pats.join(", "));
        }
        g.vars.clear();
        g.vars.push("D".into());
        let last = g.expr(2);
        let params: Vec<String> = (0..arity).map(|i| format!("_X{i}")).collect();
        let _ = writeln!(s, "f{f}(D, {}) -> {last}.", params.join(", "));
    }
    g.vars.clear();
    let mut calls = Vec::new();
    for _ in 0..1 + g.pick(4) {
        let f = g.pick(n);
        let depth = 1 + g.pick(4);
        let args: Vec<String> = (0..g.funs[f]).map(|_| g.expr(2)).collect();
        calls.push(format!(
            "try f{f}({depth}, {}) catch C:R -> {{C, R}} end",
            args.join(", ")
        ));
    }
    // `D` for the calls the arguments make.
    let _ = writeln!(s, "main() ->\n    D = 2,\n    [{}].", calls.join(",\n    "));
    s
}
