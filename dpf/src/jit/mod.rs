//! The Cranelift JIT: a [`Graph`] compiled to one native function.
//!
//! The code performs each switch node's loads and table probe (see [`codegen`]); the tables it
//! probes ([`flat::FlatTable`], the graph's tables re-keyed by the raw bits of the packet's
//! machine loads) are Rust data that the code reads through a context array refreshed after
//! every change. So a rule whose shapes already exist is inserted or
//! removed without recompiling; a rule that brings a new shape recompiles the function (the old
//! code memory is freed). Entries that need more than a table hit (residual literals, exact
//! confirmation) are resolved by the graph's own Rust code, on the few packets that reach them.
//!
//! ```
//! use dpf::ir::{Packet, Pred, Rel};
//! use dpf::{Demux, JitGraph};
//! let rules = vec![
//!     Pred::atom(12, 2, u32::MAX, Rel::Eq, 0x0806),
//!     Pred::atom(12, 2, u32::MAX, Rel::Eq, 0x0800),
//! ];
//! let jit = JitGraph::new(&rules).unwrap();
//! let mut frame = [0u8; 60];
//! frame[12] = 0x08;
//! assert_eq!(jit.first_match(&Packet::new(&frame, 60)), Some(1));
//! ```

pub mod codegen;
pub mod flat;

use std::fmt;

use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::Context;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{Linkage, Module};

pub use codegen::Specialize;

use crate::demux::Demux;
use crate::graph::{Graph, GraphError, InsertOutcome, RuleKeys, Shape, DIRECT};
use crate::ir::{Packet, Pred};

/// What the generated code reads for each switch node: its flat table's slots and the right
/// shift that turns a hash into a slot index (null and 0 for a node compiled inline).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ShapeCtx {
    pub table: *const u64,
    pub shift: u64,
}

/// Where a change to the graph touched its tables.
enum Changed {
    /// The keys of this (just inserted) rule.
    Rule(usize),
    /// The keys a removed rule was filed under.
    Removed(RuleKeys),
}

/// A hashed switch node's probed table, with the key layout its code was generated for.
struct FlatShape {
    groups: Vec<codegen::Group>,
    fields: Vec<codegen::Field>,
    plan: flat::KeyPlan,
    table: flat::FlatTable,
}

impl FlatShape {
    /// The flat table of `shape` as code specialised by `spec` probes it; `None` for a node
    /// compiled inline.
    fn build(shape: &Shape, spec: Specialize, fixed: &[Option<u32>]) -> Option<FlatShape> {
        if codegen::inline_entries(shape, spec).is_some() {
            return None;
        }
        let (groups, fields) = codegen::plan_hashed(&shape.loads, fixed);
        let plan = flat::KeyPlan::new(&groups, &fields, fixed);
        let n = shape.table.len();
        let mut table = flat::FlatTable::with_capacity(plan.lanes, n);
        let mut lanes = [0u64; flat::MAX_LANES];
        let mut keys = Vec::with_capacity(n * plan.lanes);
        let mut values = Vec::with_capacity(n);
        for (key, v) in shape.table.iter() {
            // Distinct graph keys pack to distinct lanes (the packing keeps every bit a
            // field compares), so each is new here.
            if plan.pack(&groups, &fields, key, &mut lanes).is_some() {
                keys.extend_from_slice(&lanes[..plan.lanes]);
                values.push(v);
            }
        }
        table.insert_all(&keys, &values);
        Some(FlatShape {
            table,
            groups,
            fields,
            plan,
        })
    }

    /// Mirrors the graph table's `value` under `key` (0: absent).
    fn set(&mut self, key: &[u32], value: u32) {
        let mut lanes = [0u64; flat::MAX_LANES];
        // A key no packet can show this code (a constant outside its field) is not filed;
        // one that breaks a shared word never gets here (the code is regenerated first).
        if self
            .plan
            .pack(&self.groups, &self.fields, key, &mut lanes)
            .is_some()
        {
            self.table.set(&lanes[..self.plan.lanes], value);
        }
    }
}

type GraphFn = unsafe extern "C" fn(*const ShapeCtx, *const u8, u64, *mut u32) -> u64;

/// A failure of code generation (Cranelift could not set up or compile the function).
#[derive(Clone, Debug)]
pub struct JitError(pub String);

impl fmt::Display for JitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JIT: {}", self.0)
    }
}

impl std::error::Error for JitError {}

impl From<GraphError> for JitError {
    fn from(e: GraphError) -> Self {
        JitError(e.to_string())
    }
}

struct Compiled {
    module: Option<JITModule>,
    func: GraphFn,
    /// The CLIF text and the machine code listing, when asked for (see `compile_with`).
    listings: (String, Option<String>),
    shapes: usize,
    /// How the function encodes its result.
    ret: codegen::Ret,
    /// Per shape, the entries compiled into the code (see [`codegen::inline_entries`]).
    inlined: Vec<Option<codegen::InlineEntries>>,
    /// Per shape, the key words its hashed code takes as shared constants.
    fixed: Vec<Vec<Option<u32>>>,
    /// Per shape, the table its hashed code probes (`None`: compiled inline).
    flats: Vec<Option<FlatShape>>,
}

impl Drop for Compiled {
    fn drop(&mut self) {
        if let Some(m) = self.module.take() {
            // SAFETY: `func` points into this module and dies with this struct; nothing else
            // holds a pointer into its code.
            unsafe { m.free_memory() };
        }
    }
}

/// A merged graph with its native code. Implements [`Demux`].
pub struct JitGraph {
    spec: Specialize,
    graph: Graph,
    ctx: Vec<ShapeCtx>,
    code: Compiled,
    recompiles: usize,
    /// The code could not be regenerated after a removal: answer with the graph interpreter.
    fallback: bool,
}

/// Most shapes a call keeps its scratch on the stack for.
const STACK_SHAPES: usize = 64;

impl JitGraph {
    /// Merges and compiles `rules` (numbered from 0 in priority order).
    pub fn new(rules: &[Pred]) -> Result<JitGraph, JitError> {
        JitGraph::from_graph(Graph::new(rules))
    }

    /// Merges and compiles `rules`, taking ownership (no copy of the predicates).
    pub fn from_rules(rules: Vec<Pred>) -> Result<JitGraph, JitError> {
        JitGraph::from_graph(Graph::from_rules(rules))
    }

    /// Compiles an already merged graph, small tables and shared key words folded into the
    /// code ([`Specialize::Constants`]).
    pub fn from_graph(graph: Graph) -> Result<JitGraph, JitError> {
        JitGraph::with_specialize(graph, Specialize::Constants)
    }

    /// Merges and compiles `rules` for a graph that changes by same-shape inserts and
    /// removals: those never regenerate code ([`Specialize::Tables`]).
    pub fn for_updates(rules: Vec<Pred>) -> Result<JitGraph, JitError> {
        JitGraph::with_specialize(Graph::from_rules(rules), Specialize::Tables)
    }

    /// Compiles an already merged graph with the given specialisation.
    pub fn with_specialize(graph: Graph, spec: Specialize) -> Result<JitGraph, JitError> {
        JitGraph::try_with_specialize(graph, spec).map_err(|b| b.0)
    }

    /// [`JitGraph::from_graph`], handing the graph back when code generation fails (so that
    /// a caller can interpret it instead, without having merged a copy of the rules).
    pub fn try_from_graph(graph: Graph) -> Result<JitGraph, Box<(JitError, Graph)>> {
        JitGraph::try_with_specialize(graph, Specialize::Constants)
    }

    fn try_with_specialize(
        graph: Graph,
        spec: Specialize,
    ) -> Result<JitGraph, Box<(JitError, Graph)>> {
        let code = match compile(&graph, spec) {
            Ok(c) => c,
            Err(e) => return Err(Box::new((e, graph))),
        };
        let mut j = JitGraph {
            spec,
            graph,
            ctx: Vec::new(),
            code,
            recompiles: 0,
            fallback: false,
        };
        j.refresh();
        Ok(j)
    }

    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// How many times the code was regenerated since construction (new shapes only).
    pub fn recompiles(&self) -> usize {
        self.recompiles
    }

    /// The Cranelift IR of the graph function. Listings are made on request, by generating
    /// the same function again: every compile making them cost ~10% of a small rule set's
    /// code generation, for text nobody read.
    pub fn clif_text(&self) -> String {
        self.listings().0
    }

    /// Cranelift's listing of the machine code (its VCode form, register-allocated).
    pub fn disasm(&self) -> Option<String> {
        self.listings().1
    }

    fn listings(&self) -> (String, Option<String>) {
        match compile_with(&self.graph, self.spec, true) {
            Ok(mut c) => std::mem::take(&mut c.listings),
            // The graph compiled once already; say so rather than panic if it no longer does.
            Err(e) => (format!("; {e}"), None),
        }
    }

    fn refresh(&mut self) {
        self.ctx.clear();
        self.ctx.extend(self.code.flats.iter().map(|f| match f {
            Some(f) => {
                let (table, shift) = f.table.raw();
                ShapeCtx { table, shift }
            }
            None => ShapeCtx {
                table: std::ptr::null(),
                shift: 0,
            },
        }));
    }

    /// Inserts rule `id` (see [`Graph::insert`]); recompiles only when a new shape appeared.
    pub fn insert(&mut self, id: usize, p: &Pred) -> Result<InsertOutcome, JitError> {
        self.insert_owned(id, p.clone())
    }

    /// [`JitGraph::insert`], taking ownership of the predicate.
    pub fn insert_owned(&mut self, id: usize, p: Pred) -> Result<InsertOutcome, JitError> {
        let o = self.graph.insert_owned(id, p)?;
        let touched = self.graph.rule_shapes(id);
        // A new key that differs from a word the hashed code takes as shared: regenerate.
        let shapes = self.graph.shapes().len();
        let breaks_fixed = shapes == self.code.shapes
            && self.graph.rule_keys(id).iter().any(|(s, key)| {
                self.code.inlined[*s].is_none()
                    && self.code.fixed[*s]
                        .iter()
                        .zip(key)
                        .any(|(f, k)| f.is_some_and(|f| f != *k))
            });
        self.update(&touched, breaks_fixed, Changed::Rule(id))?;
        Ok(o)
    }

    /// Brings the code in step with the graph after a change to the tables of `touched`
    /// shapes at `keys`: regenerated when a shape is new or a table compiled into the code
    /// changed, otherwise the flat tables copy the graph's values at those keys.
    fn update(&mut self, touched: &[usize], stale: bool, keys: Changed) -> Result<(), JitError> {
        let shapes = self.graph.shapes();
        let stale = stale
            || shapes.len() != self.code.shapes
            || touched
                .iter()
                .any(|&s| codegen::inline_entries(&shapes[s], self.spec) != self.code.inlined[s]);
        if stale {
            self.code = compile(&self.graph, self.spec)?;
            self.recompiles += 1;
        } else {
            let keys = match &keys {
                Changed::Rule(id) => self.graph.rule_keys(*id),
                Changed::Removed(k) => k,
            };
            for (s, key) in keys {
                if let Some(f) = &mut self.code.flats[*s] {
                    f.set(key, shapes[*s].table.get(key));
                }
            }
        }
        self.refresh();
        Ok(())
    }

    /// Appends a rule with the lowest priority; returns its number.
    pub fn push(&mut self, p: &Pred) -> Result<usize, JitError> {
        let id = self.graph.rule_slots();
        self.insert(id, p)?;
        Ok(id)
    }

    /// Removes rule `id`. Recompiles only when the rule was in a table of at most
    /// [`codegen::INLINE_KEYS`] keys, which the code holds as immediates. If code generation
    /// then fails, the graph is interpreted (see [`JitGraph::is_interpreted`]).
    pub fn remove(&mut self, id: usize) -> Option<Pred> {
        let touched = self.graph.rule_shapes(id);
        let (p, keys) = self.graph.remove_keyed(id)?;
        // Removing keys never breaks a shared word: the remaining keys still share it.
        if self
            .update(&touched, false, Changed::Removed(keys))
            .is_err()
        {
            self.fallback = true;
        }
        Some(p)
    }

    /// Does this graph run on the interpreter because regenerating its code failed?
    pub fn is_interpreted(&self) -> bool {
        self.fallback
    }

    #[inline]
    fn run(&self, p: &Packet, out: &mut [u32]) -> u64 {
        debug_assert!(out.len() >= self.ctx.len());
        // SAFETY: the code reads only `ctx` (one entry per shape it was compiled for, which
        // `refresh` keeps in step with the live tables), `out` (as long), and `data` within the
        // `caplen` bytes it checks first.
        unsafe {
            (self.code.func)(
                self.ctx.as_ptr(),
                p.data.as_ptr(),
                p.data.len() as u64,
                out.as_mut_ptr(),
            )
        }
    }

    /// The smallest accepting rule among `best` and the lists the code reported in `out`.
    #[cold]
    #[inline(never)]
    fn resolve_lists(&self, p: &Packet, out: &[u32], mut best: u32) -> Option<usize> {
        for &v in out {
            if v != 0 && v & DIRECT == 0 {
                best = self.graph.resolve_first(v, p, best);
            }
        }
        (best != u32::MAX).then_some(best as usize)
    }

    #[inline(never)]
    fn first_match_slow(&self, p: &Packet) -> Option<usize> {
        if self.fallback {
            return self.graph.first_match(p);
        }
        self.with_scratch(|out| {
            let r = self.run(p, out);
            self.decode(p, out, r)
        })
    }

    /// The first match from the function's result `r` (and `out`, for lists).
    #[inline]
    fn decode(&self, p: &Packet, out: &[u32], r: u64) -> Option<usize> {
        if self.code.ret == codegen::Ret::Raw {
            // One hashed node: `r` is its table value ^ DIRECT (and `out` was not written).
            let x = r as u32;
            if x > DIRECT {
                return self.resolve_lists(p, &[x ^ DIRECT], u32::MAX);
            }
            return (x < DIRECT).then_some(x as usize);
        }
        if r >> 32 == 0 {
            let best = r as u32;
            return (best != u32::MAX).then_some(best as usize);
        }
        self.resolve_lists(p, out, r as u32)
    }

    /// Runs `f` with an `out` array of one word per shape. The code writes every word before
    /// it returns (except with [`codegen::Ret::Raw`], where the one word is the result), so
    /// small stack arrays need no more than their (cheap) initialisation.
    #[inline]
    fn with_scratch<R>(&self, f: impl FnOnce(&mut [u32]) -> R) -> R {
        let n = self.ctx.len();
        if n <= 4 {
            let mut buf = [0u32; 4];
            f(&mut buf[..n])
        } else if n <= STACK_SHAPES {
            let mut buf = [0u32; STACK_SHAPES];
            f(&mut buf[..n])
        } else {
            let mut buf = vec![0u32; n];
            f(&mut buf)
        }
    }
}

impl Demux for JitGraph {
    #[inline]
    fn first_match(&self, p: &Packet) -> Option<usize> {
        // The common case in a lean frame: few switch nodes, scratch in four words, and no
        // list to resolve; everything else out of line.
        let n = self.ctx.len();
        if n <= 4 && !self.fallback {
            let mut buf = [0u32; 4];
            let r = self.run(p, &mut buf[..n]);
            return self.decode(p, &buf[..n], r);
        }
        self.first_match_slow(p)
    }

    fn all_matches(&self, p: &Packet, res: &mut Vec<usize>) {
        if self.fallback {
            return self.graph.all_matches(p, res);
        }
        res.clear();
        self.with_scratch(|out| {
            let r = self.run(p, out);
            if self.code.ret == codegen::Ret::Raw {
                // One hashed node, whose value is the result (see `decode`).
                out[0] = r as u32 ^ DIRECT;
            }
            for &v in out.iter() {
                if v != 0 {
                    self.graph.resolve_all(v, p, res);
                }
            }
        });
        res.sort_unstable();
        res.dedup();
    }
}

fn compile(graph: &Graph, spec: Specialize) -> Result<Compiled, JitError> {
    compile_with(graph, spec, false)
}

/// Generates the graph function; with `listings`, also its CLIF text and machine listing.
fn compile_with(graph: &Graph, spec: Specialize, listings: bool) -> Result<Compiled, JitError> {
    let err = |e: &dyn fmt::Display| JitError(e.to_string());
    let mut flags = settings::builder();
    flags.set("opt_level", "speed").map_err(|e| err(&e))?;
    flags
        .set("use_colocated_libcalls", "false")
        .map_err(|e| err(&e))?;
    flags.set("is_pic", "false").map_err(|e| err(&e))?;
    // Cranelift checks its IR before compiling it: kept where the tests run (debug builds),
    // skipped in release builds, where it was ~5% of compiling a small rule set.
    let verify = if cfg!(debug_assertions) {
        "true"
    } else {
        "false"
    };
    flags.set("enable_verifier", verify).map_err(|e| err(&e))?;
    let isa = cranelift_native::builder()
        .map_err(|e| err(&e))?
        .finish(settings::Flags::new(flags))
        .map_err(|e| err(&e))?;
    let mut module = JITModule::new(JITBuilder::with_isa(
        isa,
        cranelift_module::default_libcall_names(),
    ));
    let ptr = module.target_config().pointer_type();
    let sig = codegen::signature(ptr, module.target_config().default_call_conv);
    let id = module
        .declare_function("dpf_graph", Linkage::Export, &sig)
        .map_err(|e| err(&e))?;
    let mut ctx: Context = module.make_context();
    ctx.func.signature = sig;
    ctx.set_disasm(listings);
    let fixed: Vec<Vec<Option<u32>>> = graph
        .shapes()
        .iter()
        .map(|s| codegen::fixed_words(s, spec))
        .collect();
    let mut fctx = FunctionBuilderContext::new();
    let ret;
    {
        let mut b = FunctionBuilder::new(&mut ctx.func, &mut fctx);
        ret = codegen::translate(&mut b, graph.shapes(), spec, &fixed);
        b.finalize(module.target_config());
    }
    let clif = if listings {
        ctx.func.display().to_string()
    } else {
        String::new()
    };
    module
        .define_function(id, &mut ctx)
        .map_err(|e| JitError(format!("{e:?}")))?;
    let disasm = ctx.compiled_code().and_then(|c| c.vcode.clone());
    module.finalize_definitions().map_err(|e| err(&e))?;
    let code = module.get_finalized_function(id);
    // SAFETY: the function was generated with exactly `GraphFn`'s signature.
    let func = unsafe { std::mem::transmute::<*const u8, GraphFn>(code) };
    Ok(Compiled {
        module: Some(module),
        func,
        listings: (clif, disasm),
        ret,
        shapes: graph.shapes().len(),
        inlined: graph
            .shapes()
            .iter()
            .map(|s| codegen::inline_entries(s, spec))
            .collect(),
        flats: graph
            .shapes()
            .iter()
            .zip(&fixed)
            .map(|(s, f)| FlatShape::build(s, spec, f))
            .collect(),
        fixed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::{self, Rng};

    /// Code built for updates takes no table constants: growing a table from one key past
    /// the inline limit, a rule for another server (breaking a shared word) and removing
    /// everything again never regenerate code, and answers equal the interpreter's.
    #[test]
    fn graphs_built_for_updates_never_recompile_same_shape_changes() {
        let mut rng = Rng::new(9);
        let flows = gen::flows(12, &mut rng);
        let packets = gen::packets(&flows, 400, &mut rng);
        let mut preds: Vec<Pred> = gen::rules_text(&flows)
            .lines()
            .map(|l| crate::compile(l.split_once(": ").unwrap().1, crate::LinkType::ETHERNET))
            .collect::<Result<_, _>>()
            .unwrap();
        preds.push(
            crate::compile(
                "tcp and src host 198.51.100.7 and src port 999 and dst host 203.0.113.9 and dst port 80",
                crate::LinkType::ETHERNET,
            )
            .unwrap(),
        );
        let mut jit = JitGraph::for_updates(preds[..1].to_vec()).unwrap();
        let agree = |j: &JitGraph| {
            for p in &packets {
                let pk = Packet::new(p, p.len() as u32);
                assert_eq!(j.first_match(&pk), j.graph().first_match(&pk));
            }
        };
        for (i, p) in preds.iter().enumerate().skip(1) {
            jit.insert(i, p).unwrap();
            agree(&jit);
        }
        assert!(packets
            .iter()
            .any(|p| jit.first_match(&Packet::new(p, p.len() as u32)).is_some()));
        for i in (1..preds.len()).rev() {
            jit.remove(i).unwrap();
            agree(&jit);
        }
        assert_eq!(jit.recompiles(), 0);
    }

    /// Small tables live in the code: changing one regenerates it; past
    /// [`codegen::INLINE_KEYS`] keys the table is probed and same-shape inserts and removals
    /// stop recompiling. Answers equal the interpreter's throughout.
    #[test]
    fn inlined_tables_recompile_on_change_and_hashed_ones_do_not() {
        let mut rng = Rng::new(5);
        let flows = gen::flows(12, &mut rng);
        let packets = gen::packets(&flows, 400, &mut rng);
        let preds: Vec<Pred> = gen::rules_text(&flows)
            .lines()
            .map(|l| crate::compile(l.split_once(": ").unwrap().1, crate::LinkType::ETHERNET))
            .collect::<Result<_, _>>()
            .unwrap();
        let mut jit = JitGraph::new(&preds[..1]).unwrap();
        let agree = |j: &JitGraph| {
            for p in &packets {
                let pk = Packet::new(p, p.len() as u32);
                assert_eq!(j.first_match(&pk), j.graph().first_match(&pk));
            }
        };
        agree(&jit);
        for (i, p) in preds.iter().enumerate().skip(1) {
            let before = jit.recompiles();
            jit.insert(i, p).unwrap();
            let inlined = i < codegen::INLINE_KEYS;
            assert_eq!(
                jit.recompiles() - before,
                usize::from(inlined) + usize::from(i == codegen::INLINE_KEYS),
                "insert {i}"
            );
            agree(&jit);
        }
        let before = jit.recompiles();
        jit.remove(11).unwrap();
        jit.insert(11, &preds[11]).unwrap();
        assert_eq!(
            jit.recompiles(),
            before,
            "hashed table changed without recompiling"
        );
        agree(&jit);
        // Every flow rule so far shares its server address, which the hashed code takes as a
        // constant; a rule for another server makes it regenerate.
        let before = jit.recompiles();
        let other = crate::compile(
            "tcp and src host 198.51.100.7 and src port 999 and dst host 203.0.113.9 and dst port 80",
            crate::LinkType::ETHERNET,
        )
        .unwrap();
        jit.insert(12, &other).unwrap();
        assert_eq!(jit.recompiles(), before + 1, "a shared word changed");
        let mut frame = packets
            .iter()
            .find(|p| jit.first_match(&Packet::new(p, p.len() as u32)) == Some(3))
            .expect("a packet of flow 3")
            .clone();
        agree(&jit);
        frame[26..30].copy_from_slice(&[198, 51, 100, 7]);
        frame[30..34].copy_from_slice(&[203, 0, 113, 9]);
        let l4 = 14 + 4 * usize::from(frame[14] & 0x0f);
        frame[l4..l4 + 4].copy_from_slice(&[0x03, 0xe7, 0, 80]);
        let pk = Packet::new(&frame, frame.len() as u32);
        assert_eq!(jit.first_match(&pk), Some(12));
        assert_eq!(jit.graph().first_match(&pk), Some(12));
        jit.remove(12).unwrap();
        for i in (1..12).rev() {
            jit.remove(i).unwrap();
            agree(&jit);
        }
        assert!(!jit.is_interpreted());
        // A one-rule graph's code has no table probe: it compares with immediates.
        assert!(!jit.clif_text().contains("imul"), "{}", jit.clif_text());
    }
}
