//! Random clause selection, run on OTP 25 and on our VM: functions of several clauses whose
//! heads mix literals, variables (repeated ones test equality), lists, tuples, binaries, maps
//! and aliases, with guards on what the head bound, and `case` expressions of the same kind,
//! called with values of every type. Which clause wins, what it bound, and `function_clause`
//! / `case_clause` when none does must be OTP's. The engine's clause selection (the jumps on
//! sub-terms, switches on literals) is what this exercises; the seed is fixed and
//! `RANDOM_CLAUSES_SEED=N` explores another batch.

mod differential;
use differential::{Module, Rng};

const MODULES: usize = 4;
const FUNCTIONS: usize = 40;
const CALLS: usize = 8;
const SEED: u64 = 0xc1a5_e5e1;

/// Argument values; most double as pattern literals.
const VALUES: &[&str] = &[
    "0",
    "1",
    "2",
    "-1",
    "255",
    "256",
    "1152921504606846976",
    "1.0",
    "a",
    "b",
    "[]",
    "[1]",
    "[1, 2]",
    "[a | b]",
    "[1, 2, 3]",
    "{}",
    "{a}",
    "{a, 1}",
    "{1, 2, 3}",
    "<<>>",
    "<<1>>",
    "<<1, 2>>",
    "\"ab\"",
    "#{}",
    "#{a => 1}",
    "#{a => 2, b => 3}",
];

/// Literals a pattern may hold (floats and maps aside: `1.0` matches only 1.0).
const LITERALS: &[&str] = &[
    "0", "1", "2", "-1", "255", "1.0", "a", "b", "[]", "[1]", "{}", "{a}", "<<>>", "<<1>>",
    "\"ab\"",
];

struct Gen {
    rng: Rng,
    /// Variables the clause being made has bound so far.
    bound: Vec<String>,
    next: usize,
}

impl Gen {
    fn fresh(&mut self) -> String {
        self.next += 1;
        let v = format!("V{}", self.next);
        self.bound.push(v.clone());
        v
    }

    fn pat(&mut self, d: u32) -> String {
        if d == 0 || self.rng.below(10) < 3 {
            return match self.rng.below(4) {
                0 => "_".to_string(),
                1 if !self.bound.is_empty() => {
                    // A variable bound earlier in the head: the two must be equal.
                    self.bound[self.rng.below(self.bound.len())].clone()
                }
                1 | 2 => self.fresh(),
                _ => self.rng.pick(LITERALS).to_string(),
            };
        }
        let e = d - 1;
        match self.rng.below(8) {
            0 => format!("[{} | {}]", self.pat(e), self.pat(e)),
            1 => format!("[{}, {}]", self.pat(e), self.pat(e)),
            2 => format!("{{{}, {}}}", self.pat(e), self.pat(e)),
            3 => format!("{{{}}}", self.pat(e)),
            4 => {
                let (a, r) = (self.fresh(), self.fresh());
                format!("<<{a}:8, {r}/binary>>")
            }
            5 => format!("#{{a := {}}}", self.pat(e)),
            6 => {
                let p = self.pat(e);
                let v = self.fresh();
                format!("({v} = {p})")
            }
            _ => self.rng.pick(LITERALS).to_string(),
        }
    }

    fn guard(&mut self) -> String {
        if self.bound.is_empty() || self.rng.below(10) < 5 {
            return String::new();
        }
        let v = self.bound[self.rng.below(self.bound.len())].clone();
        let t = match self.rng.below(8) {
            0 => format!("is_integer({v})"),
            1 => format!("{v} > 1"),
            2 => format!("is_atom({v})"),
            3 => format!("tuple_size({v}) == 1"),
            4 => format!("length({v}) > 1"),
            5 => format!("{v} =:= 1"),
            6 => format!("is_binary({v}), byte_size({v}) > 0"),
            _ => format!("{v} == 1.0; is_list({v})"),
        };
        format!(" when {t}")
    }

    /// A clause: its head patterns, and the guard and body after them (the body names the
    /// clause and what it bound).
    fn clause(&mut self, arity: usize, k: usize) -> (Vec<String>, String) {
        self.bound.clear();
        let pats: Vec<String> = (0..arity).map(|_| self.pat(2)).collect();
        let guard = self.guard();
        let mut vars = self.bound.clone();
        vars.sort();
        vars.dedup();
        (pats, format!("{guard} -> {{{k}, [{}]}}", vars.join(", ")))
    }
}

fn modules(seed: u64) -> Vec<Module> {
    let mut g = Gen {
        rng: Rng::new(seed),
        bound: Vec::new(),
        next: 0,
    };
    (0..MODULES)
        .map(|m| {
            let name = format!("rc_{m}");
            let mut src = String::new();
            let mut calls = Vec::new();
            for f in 0..FUNCTIONS {
                let arity = 1 + g.rng.below(2);
                let n = 2 + g.rng.below(5);
                if f % 4 == 3 {
                    // A case over the argument (or a tuple of both).
                    let clauses: Vec<String> = (0..n)
                        .map(|k| {
                            let (pats, rest) = g.clause(arity, k);
                            match &pats[..] {
                                [p] => format!("{p}{rest}"),
                                ps => format!("{{{}}}{rest}", ps.join(", ")),
                            }
                        })
                        .collect();
                    let args: Vec<String> = (0..arity).map(|i| format!("A{i}")).collect();
                    let subject = match arity {
                        1 => args[0].clone(),
                        _ => format!("{{{}}}", args.join(", ")),
                    };
                    src.push_str(&format!(
                        "f{f}({}) -> case {subject} of {} end.\n",
                        args.join(", "),
                        clauses.join("; ")
                    ));
                } else {
                    let clauses: Vec<String> = (0..n)
                        .map(|k| {
                            let (pats, rest) = g.clause(arity, k);
                            format!("f{f}({}){rest}", pats.join(", "))
                        })
                        .collect();
                    src.push_str(&format!("{}.\n", clauses.join(";\n")));
                }
                for _ in 0..CALLS {
                    let args: Vec<&str> = (0..arity).map(|_| g.rng.pick(VALUES)).collect();
                    calls.push(format!("f{f}({})", args.join(", ")));
                }
            }
            Module::new(name, &src, &calls, CALLS)
        })
        .collect()
}

#[test]
fn random_clause_selection_agrees_with_otp() {
    differential::check(
        "random_clauses",
        "RANDOM_CLAUSES_SEED",
        SEED,
        modules,
        str::to_string,
        true,
    );
}
