//! The JIT's own copy of a hashed switch table, laid out for the generated code's probe.
//!
//! The graph's [`KeyTable`](crate::graph::table::KeyTable) keys are the shape's field values,
//! one `u32` word per load: what the interpreter and the rule bookkeeping need, but for the
//! code it means cutting every field out of its machine load, byte-swapping, and hashing seven
//! words for a 4-tuple rule. Here the key is instead the *raw* bits of the packet's machine
//! loads (little-endian, as `mov` reads them) under the mask of the fields that vary between
//! keys, concatenated into 64-bit lanes ([`KeyPlan`]). Words every key shares are compared as
//! immediates before the probe and are not part of the key. A flow table (ethertype, protocol,
//! fragment test and server address shared) thus has a single 8-byte key: source address and
//! both ports, taken from two loads with one mask and one shift, hashed with one multiply.
//!
//! Layout ([`FlatTable`]): a power-of-two array of buckets of [`BUCKET_SLOTS`] (2) slots of
//! `lanes + 1` `u64`s (the key lanes, then the value in the low half of the last word; a
//! one-lane bucket is 32 bytes, aligned, so never split across cache lines). The bucket is the
//! top bits of `sum(lane[i] * lane_mul(i))` (multiplicative hashing); the code reads the
//! table's address and that shift from the context array at every call, so growth needs no
//! new code. The code compares both slots of the bucket and selects the matching value
//! without a branch: the only data-dependent branch left is "look further", taken when the key
//! is absent and keys were stored past this bucket (a full bucket sends new keys to the next
//! one; each bucket counts how many keys went past it, so removal needs no tombstones and
//! memory stays flat over millions of insert/remove cycles). Load factor at most 1/2.

use super::codegen::{Field, Group};

/// Most lanes a key can have (one per machine load of a shape at worst).
pub const MAX_LANES: usize = crate::graph::MAX_KEY_WORDS;

/// The multiplier of lane `i` in the hash: distinct odd 64-bit constants (golden ratio first).
pub fn lane_mul(i: usize) -> u64 {
    // splitmix64's finaliser over the lane number gives well-mixed, distinct constants.
    let mut z = 0x9E37_79B9_7F4A_7C15u64.wrapping_mul(i as u64 + 1);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) | 1
}

/// The hash of a packed key; the slot is its top `log2(capacity)` bits. The generated code
/// computes exactly this; keep the two in step.
#[inline]
pub fn hash_lanes(lanes: &[u64]) -> u64 {
    lanes.iter().enumerate().fold(0u64, |h, (i, &l)| {
        h.wrapping_add(l.wrapping_mul(lane_mul(i)))
    })
}

/// Where one machine load's varying bits go in the packed key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LanePart {
    /// The machine load (index into the shape's groups).
    pub group: usize,
    /// The mask of the varying fields' bits in the raw little-endian load.
    pub mask: u64,
    /// Right shift dropping the mask's low zero bytes, then left shift into the lane.
    pub down: u32,
    pub lane: usize,
    pub up: u32,
}

/// How a shape's key is tested and packed: per machine load, the bits every key shares
/// (compared as immediates) and the parts of the varying bits in the lanes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPlan {
    /// Per machine load, (mask, value) of the shared fields in the raw load; mask 0: none.
    pub fixed: Vec<(u64, u64)>,
    pub parts: Vec<LanePart>,
    pub lanes: usize,
    /// Per field, the value every key has (the graph's [`fixed_words`](super::codegen::fixed_words)).
    fixed_words: Vec<Option<u32>>,
    /// Per field, its mask in its group's raw load.
    field_masks: Vec<u64>,
}

impl KeyPlan {
    /// Plans the key of a shape whose machine loads are `groups`, its fields `fields`, and
    /// `fixed` the field values every key shares.
    pub fn new(groups: &[Group], fields: &[Field], fixed: &[Option<u32>]) -> KeyPlan {
        let field_masks: Vec<u64> = fields.iter().map(|f| f.raw_mask(groups)).collect();
        let mut varying = vec![0u64; groups.len()];
        let mut fixed_mask = vec![0u64; groups.len()];
        for ((f, m), w) in fields.iter().zip(&field_masks).zip(fixed) {
            if w.is_some() {
                fixed_mask[f.group] |= m;
            } else {
                varying[f.group] |= m;
            }
        }
        // Bits of a shared field that a varying field also covers are compared through the
        // key anyway; leaving them in the fixed test too is harmless.
        let fixed_vals: Vec<u64> = {
            let mut v = vec![0u64; groups.len()];
            for ((f, m), w) in fields.iter().zip(&field_masks).zip(fixed) {
                if let Some(k) = w {
                    v[f.group] |= f.raw_value(groups, *k) & m;
                }
            }
            v
        };
        let mut parts = Vec::new();
        let (mut lane, mut used) = (0usize, 0u32);
        for (g, &m) in varying.iter().enumerate() {
            if m == 0 {
                continue;
            }
            let lo = m.trailing_zeros() / 8;
            let hi = (63 - m.leading_zeros()) / 8;
            let bytes = hi - lo + 1;
            if used + bytes > 8 {
                lane += 1;
                used = 0;
            }
            parts.push(LanePart {
                group: g,
                mask: m,
                down: 8 * lo,
                lane,
                up: 8 * used,
            });
            used += bytes;
        }
        let lanes = if parts.is_empty() { 0 } else { lane + 1 };
        KeyPlan {
            fixed: fixed_mask.into_iter().zip(fixed_vals).collect(),
            parts,
            lanes,
            fixed_words: fixed.to_vec(),
            field_masks,
        }
    }

    /// Packs a graph key (one masked value per field) into `out[..self.lanes]`. `None` when no
    /// packet can show the key to this code: a constant outside its field, overlapping fields
    /// that disagree, or a word that differs from the shared one compiled in.
    pub fn pack(
        &self,
        groups: &[Group],
        fields: &[Field],
        key: &[u32],
        out: &mut [u64; MAX_LANES],
    ) -> Option<()> {
        let mut raw = [(0u64, 0u64); MAX_LANES];
        for (((f, &m), &k), w) in fields
            .iter()
            .zip(&self.field_masks)
            .zip(key)
            .zip(&self.fixed_words)
        {
            if w.is_some_and(|w| w != k) || u64::from(k) & !f.value_mask() != 0 {
                return None;
            }
            let v = f.raw_value(groups, k);
            let (gm, gv) = &mut raw[f.group];
            if (*gv ^ v) & *gm & m != 0 {
                return None;
            }
            *gm |= m;
            *gv |= v;
        }
        out[..self.lanes].fill(0);
        for p in &self.parts {
            out[p.lane] |= ((raw[p.group].1 & p.mask) >> p.down) << p.up;
        }
        Some(())
    }
}

/// Slots per bucket: with one lane a bucket is half a cache line, and the code compares both
/// slots without branching.
pub const BUCKET_SLOTS: usize = 2;

/// The value the code finds for a key absent from a bucket past which other keys were
/// stored: look at the next bucket. (No table value is `u32::MAX`: rule numbers stay below
/// `2^31 - 1`.)
pub const LOOK_FURTHER: u32 = u32::MAX;

/// The probed table: see the module documentation.
#[derive(Clone, Debug)]
pub struct FlatTable {
    lanes: usize,
    words: Vec<u64>,
    /// Index in `words` of bucket 0, chosen so that buckets start on a 32-byte boundary.
    base: usize,
    /// Per bucket, how many keys stored past it started their search at or before it. A
    /// bucket with a non-zero count answers [`LOOK_FURTHER`] for a key it lacks.
    counts: Vec<u32>,
    /// log2 of the number of buckets.
    bits: u32,
    len: usize,
}

const MIN_BITS: u32 = 1;

/// Below this many keys [`FlatTable::insert_all`] inserts in the given order: a small table
/// stays in the cache anyway.
const SORTED_INSERT_MIN: usize = 4096;

/// Buckets, as a power of two, for `n` keys at a load of at most 1/2.
fn bits_for(n: usize) -> u32 {
    let mut bits = MIN_BITS;
    while (n + 1) * 2 > BUCKET_SLOTS << bits {
        bits += 1;
    }
    bits
}

impl FlatTable {
    pub fn new(lanes: usize) -> FlatTable {
        FlatTable::with_capacity(lanes, 0)
    }

    /// An empty table sized for `n` keys without growing.
    pub fn with_capacity(lanes: usize, n: usize) -> FlatTable {
        let mut t = FlatTable {
            lanes,
            words: Vec::new(),
            base: 0,
            counts: Vec::new(),
            bits: bits_for(n),
            len: 0,
        };
        t.alloc();
        t
    }

    fn alloc(&mut self) {
        // Spare words let bucket 0 start on a 32-byte boundary (so a one-lane bucket never
        // straddles two cache lines); the vector is never resized afterwards.
        self.words = vec![0; (self.bucket_words() << self.bits) + 4];
        let addr = self.words.as_ptr() as usize;
        self.base = (addr.next_multiple_of(32) - addr) / 8;
        self.counts = vec![0; 1 << self.bits];
    }

    fn slot_words(&self) -> usize {
        self.lanes + 1
    }

    /// Words per bucket: [`BUCKET_SLOTS`] slots of the key lanes and a value word. The value
    /// word holds the value in its low half (an empty slot holds the bucket's miss value);
    /// slot 0's high half is the bucket's miss value: 0, or [`LOOK_FURTHER`] while its count
    /// is not zero.
    pub fn bucket_words(&self) -> usize {
        BUCKET_SLOTS * self.slot_words()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The first bucket and the right shift that turns a hash into a bucket index, for the
    /// code.
    pub fn raw(&self) -> (*const u64, u64) {
        (self.words[self.base..].as_ptr(), u64::from(64 - self.bits))
    }

    fn home(&self, key: &[u64]) -> usize {
        (hash_lanes(key) >> (64 - self.bits)) as usize
    }

    fn next(&self, b: usize) -> usize {
        (b + 1) & ((1 << self.bits) - 1)
    }

    fn slot(&self, b: usize, i: usize) -> usize {
        self.base + b * self.bucket_words() + i * self.slot_words()
    }

    fn value(&self, b: usize, i: usize) -> u32 {
        self.words[self.slot(b, i) + self.lanes] as u32
    }

    fn occupied(&self, b: usize, i: usize) -> bool {
        let v = self.value(b, i);
        v != 0 && v != LOOK_FURTHER
    }

    fn miss(&self, b: usize) -> u32 {
        if self.counts[b] == 0 {
            0
        } else {
            LOOK_FURTHER
        }
    }

    fn put_value(&mut self, b: usize, i: usize, v: u32) {
        let at = self.slot(b, i) + self.lanes;
        let w = &mut self.words[at];
        *w = (*w & !0xffff_ffff) | u64::from(v);
    }

    /// Changes bucket `b`'s count; its miss value (header and empty slots) follows.
    fn add_count(&mut self, b: usize, d: i32) {
        let before = self.miss(b);
        self.counts[b] = self.counts[b].wrapping_add_signed(d);
        let m = self.miss(b);
        if m != before {
            let at = self.slot(b, 0) + self.lanes;
            self.words[at] = (self.words[at] & 0xffff_ffff) | (u64::from(m) << 32);
            for i in 0..BUCKET_SLOTS {
                if !self.occupied(b, i) {
                    self.put_value(b, i, m);
                }
            }
        }
    }

    fn find(&self, key: &[u64]) -> Option<(usize, usize)> {
        let mut b = self.home(key);
        for _ in 0..1usize << self.bits {
            for i in 0..BUCKET_SLOTS {
                let s = self.slot(b, i);
                if self.occupied(b, i) && &self.words[s..s + self.lanes] == key {
                    return Some((b, i));
                }
            }
            if self.counts[b] == 0 {
                return None;
            }
            b = self.next(b);
        }
        None
    }

    /// The value under `key`, 0 when absent.
    pub fn get(&self, key: &[u64]) -> u32 {
        self.find(key).map_or(0, |(b, i)| self.value(b, i))
    }

    /// Stores `value` under `key`; value 0 removes the key.
    pub fn set(&mut self, key: &[u64], value: u32) {
        debug_assert_eq!(key.len(), self.lanes);
        debug_assert_ne!(value, LOOK_FURTHER);
        if value == 0 {
            return self.remove(key);
        }
        if let Some((b, i)) = self.find(key) {
            return self.put_value(b, i, value);
        }
        self.insert_new(key, value);
    }

    /// Stores `value` (neither 0 nor [`LOOK_FURTHER`]) under `key`, which the caller knows is
    /// absent (building a table from distinct keys skips the lookup).
    pub fn insert_new(&mut self, key: &[u64], value: u32) {
        debug_assert!(value != 0 && value != LOOK_FURTHER);
        debug_assert!(self.find(key).is_none());
        if (self.len + 1) * 2 > BUCKET_SLOTS << self.bits {
            self.grow();
        }
        let mut b = self.home(key);
        loop {
            // Occupied slots come first in a bucket.
            if let Some(i) = (0..BUCKET_SLOTS).find(|&i| !self.occupied(b, i)) {
                let s = self.slot(b, i);
                self.words[s..s + self.lanes].copy_from_slice(key);
                self.put_value(b, i, value);
                self.len += 1;
                return;
            }
            self.add_count(b, 1);
            b = self.next(b);
        }
    }

    /// Stores distinct keys absent from the table (`keys`: `lanes` words each) with their
    /// `values`, in the order of their home buckets. A table of many keys then is written front
    /// to back: inserted in the given order, each key is a cache miss once the table outgrows
    /// the cache (100,000 4-tuple rules: ~120 ns a key, 60 times the 10,000-key time per key).
    pub fn insert_all(&mut self, keys: &[u64], values: &[u32]) {
        debug_assert_eq!(keys.len(), values.len() * self.lanes);
        let n = values.len();
        let bits = bits_for(self.len + n);
        if bits > self.bits {
            self.rehash(bits);
        }
        // (A shape whose fields are all fixed has keys of no lanes.)
        let lanes = self.lanes;
        let key = |i: usize| &keys[i * lanes..(i + 1) * lanes];
        if n < SORTED_INSERT_MIN {
            for (i, &v) in values.iter().enumerate() {
                self.insert_new(key(i), v);
            }
            return;
        }
        // A counting sort of the keys by home bucket.
        let homes: Vec<u32> = (0..n).map(|i| self.home(key(i)) as u32).collect();
        let mut next = vec![0u32; (1 << self.bits) + 1];
        for &h in &homes {
            next[h as usize + 1] += 1;
        }
        for b in 1..next.len() {
            next[b] += next[b - 1];
        }
        let mut order = vec![0u32; n];
        for (i, &h) in homes.iter().enumerate() {
            order[next[h as usize] as usize] = i as u32;
            next[h as usize] += 1;
        }
        for &i in &order {
            let i = i as usize;
            self.insert_new(key(i), values[i]);
        }
    }

    fn grow(&mut self) {
        self.rehash(bits_for(self.len + 1).max(self.bits + 1));
    }

    /// Moves every key into a table of `2^bits` buckets.
    fn rehash(&mut self, bits: u32) {
        let old = std::mem::take(&mut self.words);
        let (base, sw, lanes) = (self.base, self.slot_words(), self.lanes);
        self.bits = bits;
        self.len = 0;
        self.alloc();
        for slot in old[base..].chunks_exact(sw) {
            let v = slot[lanes] as u32;
            if v != 0 && v != LOOK_FURTHER {
                self.insert_new(&slot[..lanes], v);
            }
        }
    }

    /// Removes `key` if present; the buckets its insertion passed over count one key fewer.
    pub fn remove(&mut self, key: &[u64]) {
        let Some((at, i)) = self.find(key) else {
            return;
        };
        // Keep the bucket's occupied slots first: its last one fills the hole. (The code's
        // compare chain relies on it: an empty slot never precedes an occupied one.)
        let last = (0..BUCKET_SLOTS)
            .rev()
            .find(|&j| self.occupied(at, j))
            .expect("the key's own slot is occupied");
        let (s, l) = (self.slot(at, i), self.slot(at, last));
        let lanes = self.lanes;
        self.words.copy_within(l..l + lanes, s);
        let v = self.value(at, last);
        self.put_value(at, i, v);
        self.words[l..l + lanes].fill(0);
        let m = self.miss(at);
        self.put_value(at, last, m);
        self.len -= 1;
        let mut b = self.home(key);
        while b != at {
            self.add_count(b, -1);
            b = self.next(b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn behaves_like_a_hash_map_under_churn() {
        for lanes in [0usize, 1, 2] {
            let mut t = FlatTable::new(lanes);
            let mut m = HashMap::new();
            let mut x: u64 = 7;
            for step in 0..20_000u32 {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let key: Vec<u64> = (0..lanes as u64).map(|i| (x >> (40 + i)) % 97).collect();
                if x.is_multiple_of(3) {
                    t.remove(&key);
                    m.remove(&key);
                } else {
                    t.set(&key, step + 1);
                    m.insert(key, step + 1);
                }
                if step % 211 == 0 {
                    for a in 0..97u64 {
                        let k: Vec<u64> = (0..lanes as u64).map(|i| (a + i) % 97).collect();
                        assert_eq!(t.get(&k), m.get(&k).copied().unwrap_or(0));
                    }
                }
                assert_eq!(t.len(), m.len());
            }
        }
    }

    #[test]
    fn capacity_keeps_the_load_factor_at_most_half() {
        let mut t = FlatTable::with_capacity(1, 10_000);
        let before = t.raw().0;
        assert_eq!(
            before as usize % 32,
            0,
            "a bucket never straddles two cache lines"
        );
        for k in 0..10_000u64 {
            t.set(&[k * 0x1_0001], 1);
        }
        assert_eq!(t.raw().0, before, "presized table grew");
        // 16,384 buckets of 2 slots: 10,000 keys at a load of 0.31.
        assert_eq!(t.raw().1, 64 - 14);
        t.set(&[u64::MAX], 2);
        assert_eq!(t.get(&[u64::MAX]), 2);
        assert_eq!(t.get(&[0x1_0001 * 9_999]), 1);
        assert_eq!(t.get(&[5]), 0);
    }

    #[test]
    fn insert_all_files_what_one_by_one_insertion_files() {
        // Below and above the sorted path's threshold, into an empty table and one that must
        // grow; keys of 0, 1 and 3 lanes.
        for (lanes, before, n) in [(0, 0, 1), (1, 0, 100), (2, 50, 5_000), (3, 7, 20_000)] {
            let key = |i: u64| -> Vec<u64> {
                (0..lanes as u64)
                    .map(|l| (i.wrapping_mul(0x9E37_79B9) ^ l) & 0xffff_ffff)
                    .collect()
            };
            let n = if lanes == 0 { 1 } else { n };
            let mut bulk = FlatTable::new(lanes);
            let mut single = FlatTable::new(lanes);
            for i in 0..before {
                bulk.insert_new(&key(i), i as u32 + 1);
                single.insert_new(&key(i), i as u32 + 1);
            }
            let keys: Vec<u64> = (before..before + n).flat_map(key).collect();
            let values: Vec<u32> = (before..before + n).map(|i| i as u32 + 1).collect();
            bulk.insert_all(&keys, &values);
            for (i, &v) in values.iter().enumerate() {
                single.insert_new(&keys[i * lanes..(i + 1) * lanes], v);
            }
            assert_eq!(bulk.len(), single.len());
            for i in 0..before + n + 100 {
                assert_eq!(
                    bulk.get(&key(i)),
                    single.get(&key(i)),
                    "key {i}, {lanes} lanes"
                );
                let want = if i < before + n { i as u32 + 1 } else { 0 };
                if lanes > 0 || i == 0 {
                    assert_eq!(bulk.get(&key(i)), want, "key {i}, {lanes} lanes");
                }
            }
        }
    }

    #[test]
    fn lane_multipliers_are_odd_and_distinct() {
        let m: Vec<u64> = (0..MAX_LANES).map(lane_mul).collect();
        for (i, a) in m.iter().enumerate() {
            assert_eq!(a & 1, 1);
            assert!(m[i + 1..].iter().all(|b| b != a));
        }
    }
}
