//! The switch table behind a shape: an open-addressing hash table from the tuple of a shape's
//! masked load values to a 32-bit value, stored as one flat `u32` array so that JIT-compiled
//! code could probe it directly. (The JIT keeps its own copy re-keyed by the packet's raw load
//! bits, `crate::jit::flat`, which `JitGraph` updates from this table's values.)
//!
//! Layout: `capacity` slots of `nwords + 1` words: the key words, then the value. Value 0 marks
//! an empty slot. Linear probing; removal shifts later entries back, so no tombstones pile up
//! over millions of insert/remove cycles.

/// The multiplier of the key hash (a 64-bit golden-ratio constant).
pub const HASH_MUL: u64 = 0x9E37_79B9_7F4A_7C15;

/// The hash of a key: words paired into 64-bit lanes (`w[2i] | w[2i+1] << 32`, a lone last word
/// alone), `h = (h ^ lane) * HASH_MUL` over the lanes, then `h ^ (h >> 32)`. Pairing halves the
/// chain of dependent multiplies. (The JIT probes its own copy of the table, keyed by raw
/// load bits: see `crate::jit::flat`.)
#[inline]
pub fn hash_words(words: &[u32]) -> u64 {
    let mut h: u64 = 0;
    for pair in words.chunks(2) {
        let lane = u64::from(pair[0]) | pair.get(1).map_or(0, |&w| u64::from(w) << 32);
        h = (h ^ lane).wrapping_mul(HASH_MUL);
    }
    h ^ (h >> 32)
}

#[derive(Clone, Debug)]
pub struct KeyTable {
    nwords: usize,
    slots: Vec<u32>,
    len: usize,
}

const MIN_CAPACITY: usize = 8;

impl KeyTable {
    pub fn new(nwords: usize) -> Self {
        KeyTable {
            nwords,
            slots: vec![0; MIN_CAPACITY * (nwords + 1)],
            len: 0,
        }
    }

    fn stride(&self) -> usize {
        self.nwords + 1
    }

    pub fn capacity(&self) -> usize {
        self.slots.len() / self.stride()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Index mask (`capacity - 1`) and the slot array, for generated code.
    pub fn raw(&self) -> (*const u32, u64) {
        (self.slots.as_ptr(), (self.capacity() - 1) as u64)
    }

    /// The slot where the search for `key` starts.
    pub fn home(&self, key: &[u32]) -> usize {
        hash_words(key) as usize & (self.capacity() - 1)
    }

    fn find(&self, key: &[u32]) -> Result<usize, usize> {
        let mask = self.capacity() - 1;
        let s = self.stride();
        let mut i = hash_words(key) as usize & mask;
        loop {
            let slot = &self.slots[i * s..(i + 1) * s];
            if slot[self.nwords] == 0 {
                return Err(i);
            }
            if &slot[..self.nwords] == key {
                return Ok(i);
            }
            i = (i + 1) & mask;
        }
    }

    /// The value stored under `key`, 0 when absent.
    #[inline]
    pub fn get(&self, key: &[u32]) -> u32 {
        match self.find(key) {
            Ok(i) => self.slots[i * self.stride() + self.nwords],
            Err(_) => 0,
        }
    }

    /// Stores `value` (non-zero) under `key`, replacing any previous value.
    pub fn set(&mut self, key: &[u32], value: u32) {
        debug_assert_eq!(key.len(), self.nwords);
        debug_assert_ne!(value, 0);
        if (self.len + 1) * 2 > self.capacity() {
            self.grow();
        }
        let s = self.stride();
        match self.find(key) {
            Ok(i) => self.slots[i * s + self.nwords] = value,
            Err(i) => {
                self.slots[i * s..i * s + self.nwords].copy_from_slice(key);
                self.slots[i * s + self.nwords] = value;
                self.len += 1;
            }
        }
    }

    /// Grows the table now so that `additional` more keys fit without growing again.
    pub fn reserve(&mut self, additional: usize) {
        while (self.len + additional) * 2 > self.capacity() {
            self.grow();
        }
    }

    /// Where `key` lives or would be inserted, with its value (0 when absent), after growing
    /// the table if one more key would pass the load factor. With [`KeyTable::set_at`], one
    /// probe per update instead of a `get` and a `set`.
    pub fn probe(&mut self, key: &[u32]) -> (usize, u32) {
        debug_assert_eq!(key.len(), self.nwords);
        if (self.len + 1) * 2 > self.capacity() {
            self.grow();
        }
        match self.find(key) {
            Ok(i) => (i, self.slots[i * self.stride() + self.nwords]),
            Err(i) => (i, 0),
        }
    }

    /// Stores `value` (non-zero) under `key` at slot `i`, which [`KeyTable::probe`] returned
    /// for this key with no change to the table since.
    pub fn set_at(&mut self, i: usize, key: &[u32], value: u32) {
        debug_assert_ne!(value, 0);
        let s = self.stride();
        if self.slots[i * s + self.nwords] == 0 {
            self.slots[i * s..i * s + self.nwords].copy_from_slice(key);
            self.len += 1;
        }
        self.slots[i * s + self.nwords] = value;
    }

    fn grow(&mut self) {
        let old = std::mem::take(&mut self.slots);
        let s = self.stride();
        let cap = (old.len() / s) * 2;
        self.slots = vec![0; cap * s];
        self.len = 0;
        for slot in old.chunks_exact(s) {
            if slot[self.nwords] != 0 {
                self.set(&slot[..self.nwords], slot[self.nwords]);
            }
        }
    }

    /// Removes `key` if present (backward-shift deletion).
    pub fn remove(&mut self, key: &[u32]) {
        let Ok(mut hole) = self.find(key) else {
            return;
        };
        let s = self.stride();
        let mask = self.capacity() - 1;
        self.slots[hole * s + self.nwords] = 0;
        self.len -= 1;
        let mut j = hole;
        loop {
            j = (j + 1) & mask;
            if self.slots[j * s + self.nwords] == 0 {
                break;
            }
            let home = hash_words(&self.slots[j * s..j * s + self.nwords]) as usize & mask;
            // Move the entry at j into the hole unless its home lies cyclically in (hole, j].
            let in_between = if hole <= j {
                home > hole && home <= j
            } else {
                home > hole || home <= j
            };
            if !in_between {
                self.slots.copy_within(j * s..(j + 1) * s, hole * s);
                self.slots[j * s + self.nwords] = 0;
                hole = j;
            }
        }
    }

    /// Every (key, value) pair, in slot order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u32], u32)> {
        let n = self.nwords;
        self.slots
            .chunks_exact(self.stride())
            .filter(move |s| s[n] != 0)
            .map(move |s| (&s[..n], s[n]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn behaves_like_a_hash_map_under_churn() {
        let mut t = KeyTable::new(2);
        let mut m = HashMap::new();
        let mut x: u64 = 1;
        for step in 0..20_000u32 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let key = [(x >> 40) as u32 % 64, (x >> 20) as u32 % 8];
            if x.is_multiple_of(3) {
                t.remove(&key);
                m.remove(&key);
            } else {
                t.set(&key, step + 1);
                m.insert(key, step + 1);
            }
            if step % 97 == 0 {
                for a in 0..64 {
                    for b in 0..8 {
                        assert_eq!(t.get(&[a, b]), m.get(&[a, b]).copied().unwrap_or(0));
                    }
                }
            }
        }
        assert_eq!(t.len(), m.len());
    }

    #[test]
    fn empty_key_tables_hold_one_entry() {
        let mut t = KeyTable::new(0);
        assert_eq!(t.get(&[]), 0);
        t.set(&[], 7);
        assert_eq!(t.get(&[]), 7);
        t.remove(&[]);
        assert_eq!(t.get(&[]), 0);
    }
}
