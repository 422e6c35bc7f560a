//! The translator: one native function for a whole graph, one block sequence per switch node.
//!
//! For each shape the function
//! 1. checks, once, that every load of the shape lies inside the captured bytes (the constant
//!    end for absolute loads; `4 * (pkt[at] & 0xf) + end` for IPv4-header-relative ones). When
//!    the check fails, no term of this shape can be the reason a rule matches (see
//!    [`crate::graph::dnf`]), so skipping the node *is* the exact per-load semantics;
//! 2. performs the loads, adjacent ones coalesced into one 2-, 4- or 8-byte big-endian load whose
//!    fields are cut out with shifts and masks folded into constants (for a hashed shape, the
//!    loads of shared and of varying fields are planned apart and each is emitted where it is
//!    first used: see [`plan_hashed`]);
//! 3. compares the fields every key of the shape's table shares with immediates, packs the
//!    varying bits of the raw loads into 64-bit lanes, hashes them with one multiply per lane
//!    and probes the shape's [flat table](super::flat) (one bucket of two slots, both
//!    compared without a branch), whose address and size it reads from the context array at
//!    every call (so table updates and growth need no recompilation);
//! 4. stores the table value in `out[shape]` and folds direct hits into the minimum rule
//!    number, without branching on the result.
//!
//! A shape with at most [`INLINE_KEYS`] keys skips step 3: its words are compared with the keys
//! as immediates, the values folded in as constants.
//!
//! Signature: `extern "C" fn(ctx: *const ShapeCtx, data: *const u8, caplen: u64, out: *mut u32)
//! -> u64`, returning the smallest directly named rule (or `u32::MAX`) in the low half and, in
//! bit 32, whether any shape hit a list that Rust must resolve.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, AbiParam, InstBuilder, MemFlagsData, Signature, Value};
use cranelift_frontend::{FunctionBuilder, Variable};

use super::flat::{lane_mul, KeyPlan, BUCKET_SLOTS, LOOK_FURTHER};
use crate::graph::{Shape, DIRECT};
use crate::ir::{Base, Load};

/// One run of adjacent loads from the same base, read with a single machine load.
pub struct Group {
    base: Base,
    /// Offset (relative to the base) of the machine load, and its width in bytes.
    off: u32,
    width: u8,
}

/// Where a shape's key word comes from: a group, a byte offset inside it, and the field size.
pub struct Field {
    pub group: usize,
    rel: u32,
    size: u8,
    mask: u32,
}

impl Field {
    /// The bits a key word of this field can have (its size and mask).
    pub fn value_mask(&self) -> u64 {
        size_mask(self.size) & u64::from(self.mask)
    }

    fn shift(&self, groups: &[Group]) -> u32 {
        8 * (u32::from(groups[self.group].width) - self.rel - u32::from(self.size))
    }

    /// The field's bits in its group's raw (little-endian) machine load.
    pub fn raw_mask(&self, groups: &[Group]) -> u64 {
        let g = &groups[self.group];
        swap_width(self.value_mask() << self.shift(groups), g.width)
    }

    /// Key word `k` of this field as it appears in the raw machine load.
    pub fn raw_value(&self, groups: &[Group], k: u32) -> u64 {
        let g = &groups[self.group];
        swap_width(u64::from(k) << self.shift(groups), g.width)
    }
}

/// Plans the machine loads of a shape: sorted by base and offset, runs spanning at most 8 bytes
/// share one load. A load is never widened past the run's end (the bounds check covers exactly
/// the shape's loads); it may start a little before the run when the offset allows.
pub fn plan(loads: &[(Load, u32)]) -> (Vec<Group>, Vec<Field>) {
    let mut order: Vec<usize> = (0..loads.len()).collect();
    order.sort_by_key(|&i| (loads[i].0.base, loads[i].0.off, loads[i].0.size));
    let mut groups: Vec<Group> = Vec::new();
    let mut fields: Vec<Option<Field>> = (0..loads.len()).map(|_| None).collect();
    let mut i = 0;
    while i < order.len() {
        let first = loads[order[i]].0;
        let start = first.off;
        let mut end = u64::from(first.off) + u64::from(first.size);
        let mut j = i + 1;
        while j < order.len() {
            let l = loads[order[j]].0;
            let e = u64::from(l.off) + u64::from(l.size);
            if l.base != first.base || e.max(end) - u64::from(start) > 8 {
                break;
            }
            end = end.max(e);
            j += 1;
        }
        let span = (end - u64::from(start)) as u32;
        let width = span.next_power_of_two();
        // Start early rather than read past the run's end.
        let (off, members) = if width == span {
            (start, j)
        } else if end >= u64::from(width) {
            ((end - u64::from(width)) as u32, j)
        } else {
            // Cannot widen: give the first load a group of its own.
            (start, i + 1)
        };
        let (off, width, members) = if members == i + 1 && width != span {
            (first.off, first.size as u32, i + 1)
        } else {
            (off, width, members)
        };
        let g = groups.len();
        groups.push(Group {
            base: first.base,
            off,
            width: width as u8,
        });
        for &k in &order[i..members] {
            let (l, m) = loads[k];
            fields[k] = Some(Field {
                group: g,
                rel: l.off - off,
                size: l.size,
                mask: m,
            });
        }
        i = members;
    }
    (
        groups,
        fields
            .into_iter()
            .map(|f| f.expect("every load planned"))
            .collect(),
    )
}

/// [`plan`] for a hashed shape: the loads of fields every key shares (`fixed`) and those of the
/// varying fields are planned apart, so that no machine load mixes the two. The shared ones
/// are then compared as they are loaded, the whole load against one immediate where it holds
/// nothing else (a flow table's server address: one `cmp` with a memory operand), and the
/// varying ones go into the key without a mask (its source address: one 4-byte load, not
/// the 8-byte address pair masked).
pub fn plan_hashed(loads: &[(Load, u32)], fixed: &[Option<u32>]) -> (Vec<Group>, Vec<Field>) {
    let mut groups: Vec<Group> = Vec::new();
    let mut fields: Vec<Option<Field>> = (0..loads.len()).map(|_| None).collect();
    for shared in [true, false] {
        let idx: Vec<usize> = (0..loads.len())
            .filter(|&i| fixed.get(i).is_some_and(Option::is_some) == shared)
            .collect();
        if idx.is_empty() {
            continue;
        }
        let sub: Vec<(Load, u32)> = idx.iter().map(|&i| loads[i]).collect();
        let (g, f) = plan(&sub);
        let first = groups.len();
        groups.extend(g);
        for (&i, mut field) in idx.iter().zip(f) {
            field.group += first;
            fields[i] = Some(field);
        }
    }
    (
        groups,
        fields
            .into_iter()
            .map(|f| f.expect("every load planned"))
            .collect(),
    )
}

/// Emits group `g`'s machine load, zero-extended to `ty` (I32 for loads of at most 4 bytes,
/// so that masks and compared values are 32-bit immediates; otherwise I64).
fn load_group(
    b: &mut FunctionBuilder,
    g: &Group,
    ty: types::Type,
    data: Value,
    bases: &[(u32, Value)],
) -> Value {
    let flags = MemFlagsData::new().with_notrap();
    let addr = match g.base {
        Base::Abs => data,
        Base::IpHdrLen { at } => {
            let x = bases
                .iter()
                .find(|(a, _)| *a == at)
                .expect("base checked")
                .1;
            b.ins().iadd(data, x)
        }
    };
    let off = g.off as i32;
    match g.width {
        1 => b.ins().uload8(ty, flags, addr, off),
        2 => b.ins().uload16(ty, flags, addr, off),
        4 if ty == types::I32 => b.ins().load(types::I32, flags, addr, off),
        4 => b.ins().uload32(flags, addr, off),
        _ => b.ins().load(types::I64, flags, addr, off),
    }
}

/// Tables with at most this many keys are compiled into the code as compares with immediates
/// (a one-rule graph is then straight-line compare-and-branch code); changing such a table
/// regenerates the function. Larger tables are probed through the context array and change
/// without recompiling.
pub const INLINE_KEYS: usize = 4;

/// How much of the graph's tables the code takes as constants.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Specialize {
    /// Small tables as inline compares, words every key shares as immediates: fastest for a
    /// rule set compiled once (the CLI, benchmarks); a same-shape insert or removal that
    /// changes those constants regenerates the code.
    Constants,
    /// Every table read through the context array: same-shape inserts and removals are table
    /// updates and never regenerate code (an owner installing filters one by one, as the
    /// kernel shim does).
    Tables,
}

/// Keys and table values compiled into the code for one shape.
pub type InlineEntries = Vec<(Vec<u32>, u32)>;

/// The (key, value) pairs a shape's code compares inline, in slot order; `None` when the
/// shape's table is probed as a hash table instead (always, for code built for updates: see
/// [`Specialize`]).
pub fn inline_entries(shape: &Shape, spec: Specialize) -> Option<InlineEntries> {
    (spec == Specialize::Constants && shape.table.len() <= INLINE_KEYS)
        .then(|| shape.table.iter().map(|(k, v)| (k.to_vec(), v)).collect())
}

fn size_mask(size: u8) -> u64 {
    match size {
        1 => 0xff,
        2 => 0xffff,
        _ => 0xffff_ffff,
    }
}

fn width_mask(width: u8) -> u64 {
    if width >= 8 {
        u64::MAX
    } else {
        (1u64 << (8 * width)) - 1
    }
}

/// Reverses the low `width` bytes of `x`: a big-endian field layout as the machine's
/// little-endian load sees it.
fn swap_width(x: u64, width: u8) -> u64 {
    x.swap_bytes() >> (64 - 8 * u32::from(width))
}

/// For one key of a shape: per machine load, the (mask, value) the raw little-endian load must
/// show, every field of the key folded in. `None` when no packet can carry the key (a
/// constant with bits outside its field's mask, or two overlapping fields that disagree).
fn group_tests(groups: &[Group], fields: &[Field], key: &[u32]) -> Option<Vec<(u64, u64)>> {
    let mut be: Vec<(u64, u64)> = vec![(0, 0); groups.len()];
    for (f, &k) in fields.iter().zip(key) {
        let m = size_mask(f.size) & u64::from(f.mask);
        if u64::from(k) & !m != 0 {
            return None;
        }
        let g = &groups[f.group];
        let shift = 8 * (u32::from(g.width) - f.rel - u32::from(f.size));
        let (gm, gk) = &mut be[f.group];
        let (fm, fk) = (m << shift, u64::from(k) << shift);
        if (*gk ^ fk) & *gm & fm != 0 {
            return None;
        }
        *gm |= fm;
        *gk |= fk;
    }
    Some(
        be.into_iter()
            .zip(groups)
            .map(|((m, k), g)| (swap_width(m, g.width), swap_width(k, g.width)))
            .collect(),
    )
}

/// Per key word of a hashed shape: the value every key in its table has, if they all agree
/// (and the table is not empty). The code compares such words with immediates before hashing;
/// a key that disagrees makes the code stale (see `JitGraph`). None at all for code built for
/// updates.
pub fn fixed_words(shape: &Shape, spec: Specialize) -> Vec<Option<u32>> {
    let n = shape.loads.len();
    if spec == Specialize::Tables {
        return vec![None; n];
    }
    let mut it = shape.table.iter();
    let Some((first, _)) = it.next() else {
        return vec![None; n];
    };
    let mut fixed: Vec<Option<u32>> = first.iter().map(|&k| Some(k)).collect();
    for (key, _) in it {
        for (f, &k) in fixed.iter_mut().zip(key) {
            if *f != Some(k) {
                *f = None;
            }
        }
        if fixed.iter().all(Option::is_none) {
            break;
        }
    }
    fixed
}

/// The native signature of a graph function.
pub fn signature(ptr: types::Type, call_conv: cranelift_codegen::isa::CallConv) -> Signature {
    let mut sig = Signature::new(call_conv);
    sig.params.push(AbiParam::new(ptr)); // ctx
    sig.params.push(AbiParam::new(ptr)); // data
    sig.params.push(AbiParam::new(types::I64)); // caplen
    sig.params.push(AbiParam::new(ptr)); // out
    sig.returns.push(AbiParam::new(types::I64));
    sig
}

/// Emits the body of the graph function for `shapes` into `b` (whose signature is
/// [`signature`]); `fixed` is [`fixed_words`] of each shape.
///
/// Returns the encoding of the function's result: [`Ret::Raw`] for a graph of one hashed
/// node, whose code returns that node's table value `v` as `v ^ DIRECT` (below `DIRECT`: that
/// rule, directly; `DIRECT`: no match; above: a list for Rust to resolve) and does not write
/// `out`, saving the fold and the store;
/// [`Ret::Folded`] otherwise (the minimum direct rule or `u32::MAX`, and the list flag in bit
/// 32).
pub fn translate(
    b: &mut FunctionBuilder,
    shapes: &[Shape],
    spec: Specialize,
    fixed: &[Vec<Option<u32>>],
) -> Ret {
    let raw_ret = shapes.len() == 1 && inline_entries(&shapes[0], spec).is_none();
    let flags = MemFlagsData::new().with_notrap();
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let params = b.block_params(entry).to_vec();
    let (ctx, data, caplen, out) = (params[0], params[1], params[2], params[3]);
    let best: Variable = b.declare_var(types::I64);
    let listed: Variable = b.declare_var(types::I64);
    let init = b.ins().iconst(types::I64, i64::from(u32::MAX));
    b.def_var(best, init);
    let zero = b.ins().iconst(types::I64, 0);
    b.def_var(listed, zero);

    for (si, shape) in shapes.iter().enumerate() {
        let next = b.create_block();
        let miss = b.create_block();
        let out_at = (si * 4) as i32;

        // 1. One bounds check for the whole shape.
        let mut cur_ok;
        {
            let abs = b.ins().iconst(types::I64, shape.bounds.abs_end as i64);
            cur_ok = b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, caplen, abs);
        }
        let check_ind = b.create_block();
        b.ins().brif(cur_ok, check_ind, &[], miss, &[]);
        b.switch_to_block(check_ind);
        b.seal_block(check_ind);
        let mut bases: Vec<(u32, Value)> = Vec::new();
        for &(at, end) in &shape.bounds.ind {
            let byte = b.ins().uload8(types::I64, flags, data, at as i32);
            let nib = b.ins().band_imm_u(byte, 0x0f);
            let x = b.ins().ishl_imm_u(nib, 2);
            let need = b.ins().iadd_imm_u(x, end as i64);
            cur_ok = b.ins().icmp(IntCC::UnsignedLessThanOrEqual, need, caplen);
            let cont = b.create_block();
            b.ins().brif(cur_ok, cont, &[], miss, &[]);
            b.switch_to_block(cont);
            b.seal_block(cont);
            bases.push((at, x));
        }

        // 2. Coalesced loads, as the machine reads them (little-endian, zero-extended). A
        // shape compared inline loads everything up front; a hashed one loads each group where
        // it is first used (see `plan_hashed`), so that Cranelift can fold a load into its
        // compare and packets that fail a shared field skip the key's loads.
        let inline = inline_entries(shape, spec);
        let (groups, fields) = if inline.is_some() {
            plan(&shape.loads)
        } else {
            plan_hashed(&shape.loads, &fixed[si])
        };
        let raw: Vec<Value> = if inline.is_some() {
            groups
                .iter()
                .map(|g| load_group(b, g, types::I64, data, &bases))
                .collect()
        } else {
            Vec::new()
        };

        // 3a. Few keys: per key and per machine load, one masked compare of the raw value
        // with the key's fields folded into a byte-swapped immediate; no table, no hash, no
        // byte swapping. Branches rather than selects: most packets leave at the first
        // differing load (an all-select version measured 1.3x slower on the benchmark's mix).
        if let Some(entries) = inline {
            for (key, value) in entries {
                let Some(tests) = group_tests(&groups, &fields, &key) else {
                    // A key no packet can have (a constant outside its mask).
                    continue;
                };
                let next_entry = b.create_block();
                for (g, (m, k)) in tests.iter().enumerate() {
                    let full = width_mask(groups[g].width);
                    let v = if *m == full {
                        raw[g]
                    } else {
                        b.ins().band_imm_u(raw[g], *m as i64)
                    };
                    let eq = b.ins().icmp_imm_u(IntCC::Equal, v, *k as i64);
                    let cont = b.create_block();
                    b.ins().brif(eq, cont, &[], next_entry, &[]);
                    b.switch_to_block(cont);
                    b.seal_block(cont);
                }
                let v = b.ins().iconst(types::I32, i64::from(value));
                b.ins().store(flags, v, out, out_at);
                if value & DIRECT != 0 {
                    let rule = b.ins().iconst(types::I64, i64::from(value & !DIRECT));
                    let cur = b.use_var(best);
                    let m = b.ins().umin(cur, rule);
                    b.def_var(best, m);
                } else {
                    let one = b.ins().iconst(types::I64, 1);
                    b.def_var(listed, one);
                }
                b.ins().jump(next, &[]);
                b.switch_to_block(next_entry);
                b.seal_block(next_entry);
            }
            b.ins().jump(miss, &[]);
            b.switch_to_block(miss);
            b.seal_block(miss);
            let z = b.ins().iconst(types::I32, 0);
            b.ins().store(flags, z, out, out_at);
            b.ins().jump(next, &[]);
            b.switch_to_block(next);
            b.seal_block(next);
            continue;
        }

        // 3b. Fields every key of the table shares (the protocol tests and the server address
        // of a flow table) are compared here with immediates on the raw loads, so unrelated
        // packets leave before any hashing; they are not part of the probed key.
        let kp = KeyPlan::new(&groups, &fields, &fixed[si]);
        for (g, &(m, k)) in kp.fixed.iter().enumerate() {
            if m == 0 {
                continue;
            }
            let grp = &groups[g];
            let ty = if grp.width <= 4 {
                types::I32
            } else {
                types::I64
            };
            let v = load_group(b, grp, ty, data, &bases);
            let v = if m == width_mask(grp.width) {
                v
            } else {
                b.ins().band_imm_u(v, m as i64)
            };
            let eq = b.ins().icmp_imm_u(IntCC::Equal, v, k as i64);
            let cont = b.create_block();
            b.ins().brif(eq, cont, &[], miss, &[]);
            b.switch_to_block(cont);
            b.seal_block(cont);
        }

        // 3c. The varying bits of the raw loads, packed into 64-bit lanes (see `flat.rs`):
        // no byte swap, no field cut out on its own.
        let mut lanes: Vec<Option<Value>> = vec![None; kp.lanes];
        let mut raw: Vec<Option<Value>> = vec![None; groups.len()];
        for p in &kp.parts {
            let r = match raw[p.group] {
                Some(r) => r,
                None => {
                    let r = load_group(b, &groups[p.group], types::I64, data, &bases);
                    raw[p.group] = Some(r);
                    r
                }
            };
            let mut v = if p.mask == width_mask(groups[p.group].width) {
                r
            } else {
                b.ins().band_imm_u(r, p.mask as i64)
            };
            if p.down > 0 {
                v = b.ins().ushr_imm_u(v, i64::from(p.down));
            }
            if p.up > 0 {
                v = b.ins().ishl_imm_u(v, i64::from(p.up));
            }
            lanes[p.lane] = Some(match lanes[p.lane] {
                Some(x) => b.ins().bor(x, v),
                None => v,
            });
        }
        let lanes: Vec<Value> = lanes
            .into_iter()
            .map(|l| l.expect("every lane has a part"))
            .collect();

        // 3d. Hash (independent multiplies, one per lane) and probe the flat table.
        let mut h: Option<Value> = None;
        for (i, &l) in lanes.iter().enumerate() {
            let t = b.ins().imul_imm_u(l, lane_mul(i) as i64);
            h = Some(match h {
                Some(h) => b.ins().iadd(h, t),
                None => t,
            });
        }
        let h = match h {
            Some(h) => h,
            None => b.ins().iconst(types::I64, 0),
        };
        let ctx_off = (si * 16) as i32;
        let table = b.ins().load(types::I64, flags, ctx, ctx_off);
        let shift = b.ins().load(types::I64, flags, ctx, ctx_off + 8);
        let idx0 = b.ins().ushr(h, shift);
        let probe = b.create_block();
        let idx = b.append_block_param(probe, types::I64);
        b.ins().jump(probe, &[idx0.into()]);
        b.switch_to_block(probe);
        // One bucket (a cache line for one lane), every slot compared without a branch: the
        // matching slot's value, or 0.
        let slot_bytes = 8 * (kp.lanes as i64 + 1);
        let stride = slot_bytes * BUCKET_SLOTS as i64;
        let off = if (stride as u64).is_power_of_two() {
            b.ins().ishl_imm_u(idx, i64::from(stride.trailing_zeros()))
        } else {
            b.ins().imul_imm_u(idx, stride)
        };
        let bucket = b.ins().iadd(table, off);
        let step = b.create_block();
        let done = b.create_block();
        let found = b.append_block_param(done, types::I32);
        let header = b
            .ins()
            .load(types::I32, flags, bucket, 8 * kp.lanes as i32 + 4);
        let slot_eq = |b: &mut FunctionBuilder, i: i64| {
            let at = (i * slot_bytes) as i32;
            let v = b
                .ins()
                .load(types::I32, flags, bucket, at + 8 * kp.lanes as i32);
            let eq = if let [lane] = lanes[..] {
                // One lane: compare it directly.
                let k = b.ins().load(types::I64, flags, bucket, at);
                b.ins().icmp(IntCC::Equal, k, lane)
            } else {
                // Several: the differences or'ed together, one test (none: every key matches).
                let mut diff = b.ins().iconst(types::I64, 0);
                for (l, &lane) in lanes.iter().enumerate() {
                    let k = b.ins().load(types::I64, flags, bucket, at + 8 * l as i32);
                    let d = b.ins().bxor(k, lane);
                    diff = b.ins().bor(diff, d);
                }
                b.ins().icmp_imm_u(IntCC::Equal, diff, 0)
            };
            (v, eq)
        };
        // Occupied slots come first in a bucket, so walking it backwards the real key, if
        // present, is the last to match; an empty slot (matching only an all-zero key) holds
        // the bucket's miss value, as its header does.
        let mut value = header;
        for i in (0..BUCKET_SLOTS as i64).rev() {
            let (v, eq) = slot_eq(b, i);
            value = b.ins().select(eq, v, value);
        }
        // Not here, and keys that started at or before this bucket were stored past it:
        // look at the next bucket (rare at a load of at most 1/2).
        let go_on = b
            .ins()
            .icmp_imm_u(IntCC::Equal, value, i64::from(LOOK_FURTHER));
        b.ins().brif(go_on, step, &[], done, &[value.into()]);
        b.switch_to_block(step);
        b.seal_block(step);
        let all = b.ins().iconst(types::I64, -1);
        let mask = b.ins().ushr(all, shift);
        let n = b.ins().iadd_imm_u(idx, 1);
        let n = b.ins().band(n, mask);
        b.ins().jump(probe, &[n.into()]);
        b.seal_block(probe);

        // 4. Record the result without branching on it: a direct hit lowers the best rule,
        // a list sets the flag for Rust, a miss (0) does neither.
        b.switch_to_block(done);
        b.seal_block(done);
        let value = found;
        if raw_ret {
            // The value itself is the result; `out` is left alone (Rust recovers the value
            // from the result when it needs it).
            let x = b.ins().bxor_imm_u(value, i64::from(DIRECT));
            let x = b.ins().uextend(types::I64, x);
            b.ins().return_(&[x]);
            b.switch_to_block(miss);
            b.seal_block(miss);
            let none = b.ins().iconst(types::I64, i64::from(DIRECT));
            b.ins().return_(&[none]);
            b.switch_to_block(next);
            b.seal_block(next);
            // Unreachable: both ways out of the node returned.
            b.ins()
                .trap(cranelift_codegen::ir::TrapCode::unwrap_user(1));
            return Ret::Raw;
        }
        b.ins().store(flags, value, out, out_at);
        // Direct (top bit set): the rule, else u32::MAX: `(v ^ DIRECT) | !(v >>s 31)`.
        let sign = b.ins().sshr_imm_u(value, 31);
        let not_direct = b.ins().bnot(sign);
        let rule = b.ins().bxor_imm_u(value, i64::from(DIRECT));
        let cand = b.ins().bor(rule, not_direct);
        let cand = b.ins().uextend(types::I64, cand);
        // A list: 1 <= v < DIRECT.
        let less = b.ins().iadd_imm_u(value, -1);
        let list = b
            .ins()
            .icmp_imm_u(IntCC::UnsignedLessThan, less, i64::from(DIRECT - 1));
        let list = b.ins().uextend(types::I64, list);
        if si == 0 {
            // Nothing before this node: the variables still hold their initial values.
            b.def_var(best, cand);
            b.def_var(listed, list);
        } else {
            let cur = b.use_var(best);
            let m = b.ins().umin(cur, cand);
            b.def_var(best, m);
            let cur = b.use_var(listed);
            let l = b.ins().bor(cur, list);
            b.def_var(listed, l);
        }
        b.ins().jump(next, &[]);

        b.switch_to_block(miss);
        b.seal_block(miss);
        let z = b.ins().iconst(types::I32, 0);
        b.ins().store(flags, z, out, out_at);
        b.ins().jump(next, &[]);

        b.switch_to_block(next);
        b.seal_block(next);
    }
    let best_v = b.use_var(best);
    let listed_v = b.use_var(listed);
    let flag = b.ins().ishl_imm_u(listed_v, 32);
    let ret = b.ins().bor(best_v, flag);
    b.ins().return_(&[ret]);
    Ret::Folded
}

/// How a graph function encodes its result (see [`translate`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Ret {
    Folded,
    Raw,
}
