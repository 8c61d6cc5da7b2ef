//! The attributes of a set by name, as a `BTreeMap` keeps them (sorted in
//! byte order, each name once), stored for what sets mostly are: small.
//!
//! A host's modules build thousands of sets of one to a few names; a
//! `BTreeMap` gives each a node of eleven slots (near a kilobyte here), a
//! sorted vector gives it just its entries. A set that grows past
//! [`SMALL_MAX`] names (`genAttrs` over every host, a `//` of large sets)
//! becomes a `BTreeMap`, so inserting stays logarithmic.

use std::collections::BTreeMap;
use std::collections::btree_map;

use super::AttrEntry;

/// Names up to which a set is a sorted vector.
const SMALL_MAX: usize = 32;

/// Attributes by name, sorted as Nix sorts them (byte order).
#[derive(Clone, Debug)]
pub struct AttrMap(Repr);

#[derive(Clone, Debug)]
enum Repr {
    /// Sorted by name, each name once.
    Small(Vec<(String, AttrEntry)>),
    Large(BTreeMap<String, AttrEntry>),
}

impl Default for AttrMap {
    fn default() -> Self {
        AttrMap::new()
    }
}

impl AttrMap {
    /// No attributes.
    pub fn new() -> Self {
        AttrMap(Repr::Small(Vec::new()))
    }

    /// The entry named `name`.
    pub fn get(&self, name: &str) -> Option<&AttrEntry> {
        match &self.0 {
            Repr::Small(items) => find(items, name).ok().map(|i| &items[i].1),
            Repr::Large(map) => map.get(name),
        }
    }

    /// Whether a name is defined.
    pub fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Sets `name` (replacing its entry, as `BTreeMap::insert` does); the
    /// entry replaced.
    pub fn insert(&mut self, name: String, entry: AttrEntry) -> Option<AttrEntry> {
        match &mut self.0 {
            Repr::Small(items) => {
                // Names mostly come in order: appending needs no search.
                if items
                    .last()
                    .is_none_or(|(last, _)| last.as_str() < name.as_str())
                {
                    items.push((name, entry));
                } else {
                    match find(items, &name) {
                        Ok(i) => return Some(std::mem::replace(&mut items[i].1, entry)),
                        Err(i) => items.insert(i, (name, entry)),
                    }
                }
                if items.len() > SMALL_MAX {
                    let map = std::mem::take(items).into_iter().collect();
                    self.0 = Repr::Large(map);
                }
                None
            }
            Repr::Large(map) => map.insert(name, entry),
        }
    }

    /// Sets `name` unless it is defined (`entry(name).or_insert_with(f)`).
    pub fn insert_if_absent(&mut self, name: String, f: impl FnOnce() -> AttrEntry) {
        if !self.contains_key(&name) {
            self.insert(name, f());
        }
    }

    /// Removes `name`; its entry.
    pub fn remove(&mut self, name: &str) -> Option<AttrEntry> {
        match &mut self.0 {
            Repr::Small(items) => find(items, name).ok().map(|i| items.remove(i).1),
            Repr::Large(map) => map.remove(name),
        }
    }

    /// How many names.
    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Small(items) => items.len(),
            Repr::Large(map) => map.len(),
        }
    }

    /// Whether the set has no names.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The names and entries, sorted by name.
    pub fn iter(&self) -> Iter<'_> {
        match &self.0 {
            Repr::Small(items) => Iter::Small(items.iter()),
            Repr::Large(map) => Iter::Large(map.iter()),
        }
    }

    /// The names, sorted.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &String> {
        self.iter().map(|(k, _)| k)
    }

    /// The entries, sorted by name.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &AttrEntry> {
        self.iter().map(|(_, e)| e)
    }
}

impl AttrMap {
    /// The map of entries already sorted by name, each name once (what a
    /// `BTreeMap` iterates): no sorting, no search.
    pub(crate) fn from_sorted(items: Vec<(String, AttrEntry)>) -> Self {
        debug_assert!(items.windows(2).all(|w| w[0].0 < w[1].0));
        if items.len() > SMALL_MAX {
            AttrMap(Repr::Large(items.into_iter().collect()))
        } else {
            AttrMap(Repr::Small(items))
        }
    }
}

/// The position of `name` in sorted `items`, or where it would go.
fn find(items: &[(String, AttrEntry)], name: &str) -> Result<usize, usize> {
    items.binary_search_by(|(k, _)| k.as_str().cmp(name))
}

/// Names given more than once keep the last entry, as in a `BTreeMap`
/// collected from the same names ([`AttrMap::insert`]).
impl FromIterator<(String, AttrEntry)> for AttrMap {
    fn from_iter<I: IntoIterator<Item = (String, AttrEntry)>>(iter: I) -> Self {
        let mut map = AttrMap::new();
        map.extend(iter);
        map
    }
}

impl From<BTreeMap<String, AttrEntry>> for AttrMap {
    fn from(map: BTreeMap<String, AttrEntry>) -> Self {
        if map.len() > SMALL_MAX {
            AttrMap(Repr::Large(map))
        } else {
            AttrMap(Repr::Small(map.into_iter().collect()))
        }
    }
}

impl Extend<(String, AttrEntry)> for AttrMap {
    fn extend<I: IntoIterator<Item = (String, AttrEntry)>>(&mut self, iter: I) {
        for (k, e) in iter {
            self.insert(k, e);
        }
    }
}

/// The names and entries of an [`AttrMap`], sorted by name.
pub enum Iter<'a> {
    #[doc(hidden)]
    Small(std::slice::Iter<'a, (String, AttrEntry)>),
    #[doc(hidden)]
    Large(btree_map::Iter<'a, String, AttrEntry>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a String, &'a AttrEntry);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Small(it) => it.next().map(|(k, e)| (k, e)),
            Iter::Large(it) => it.next(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            Iter::Small(it) => it.size_hint(),
            Iter::Large(it) => it.size_hint(),
        }
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Small(it) => it.next_back().map(|(k, e)| (k, e)),
            Iter::Large(it) => it.next_back(),
        }
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'a> IntoIterator for &'a AttrMap {
    type Item = (&'a String, &'a AttrEntry);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// The names and entries of an [`AttrMap`] taken, sorted by name.
pub enum IntoIter {
    #[doc(hidden)]
    Small(std::vec::IntoIter<(String, AttrEntry)>),
    #[doc(hidden)]
    Large(btree_map::IntoIter<String, AttrEntry>),
}

impl Iterator for IntoIter {
    type Item = (String, AttrEntry);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            IntoIter::Small(it) => it.next(),
            IntoIter::Large(it) => it.next(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            IntoIter::Small(it) => it.size_hint(),
            IntoIter::Large(it) => it.size_hint(),
        }
    }
}

impl IntoIterator for AttrMap {
    type Item = (String, AttrEntry);
    type IntoIter = IntoIter;

    fn into_iter(self) -> IntoIter {
        match self.0 {
            Repr::Small(items) => IntoIter::Small(items.into_iter()),
            Repr::Large(map) => IntoIter::Large(map.into_iter()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::ThunkId;

    fn entry(n: u32) -> AttrEntry {
        AttrEntry {
            value: ThunkId(n),
            location: None,
        }
    }

    fn thunks(map: &AttrMap) -> Vec<(String, u32)> {
        map.iter().map(|(k, e)| (k.clone(), e.value.0)).collect()
    }

    /// Whatever the order and size, the map holds what a `BTreeMap` given
    /// the same inserts holds, in the same order.
    #[test]
    fn behaves_as_a_btree_map() {
        for size in [0, 1, 5, SMALL_MAX, SMALL_MAX + 1, 200] {
            // Names out of order ("n-10" before "n-2"), some twice.
            let names: Vec<String> = (0..size)
                .map(|i| format!("n-{}", (i * 7) % (size.max(1))))
                .chain((0..size / 3).map(|i| format!("n-{i}")))
                .collect();
            let mut map = AttrMap::new();
            let mut reference = BTreeMap::new();
            for (i, name) in names.iter().enumerate() {
                let old = map.insert(name.clone(), entry(i as u32));
                let expected = reference.insert(name.clone(), entry(i as u32));
                assert_eq!(old.map(|e| e.value), expected.map(|e| e.value));
            }
            let expected: Vec<(String, u32)> = reference
                .iter()
                .map(|(k, e)| (k.clone(), e.value.0))
                .collect();
            assert_eq!(thunks(&map), expected, "inserted, size {size}");
            let collected: AttrMap = names
                .iter()
                .enumerate()
                .map(|(i, n)| (n.clone(), entry(i as u32)))
                .collect();
            assert_eq!(thunks(&collected), expected, "collected, size {size}");
            let converted = AttrMap::from(reference.clone());
            assert_eq!(thunks(&converted), expected, "converted, size {size}");
            assert_eq!(map.len(), reference.len());
            for name in &names {
                assert_eq!(
                    map.get(name).map(|e| e.value),
                    reference.get(name).map(|e| e.value)
                );
            }
            assert!(!map.contains_key("absent"));
            if let Some(first) = names.first() {
                assert_eq!(
                    map.remove(first).map(|e| e.value),
                    reference.remove(first).map(|e| e.value)
                );
                assert_eq!(map.len(), reference.len());
            }
            let owned: Vec<String> = map.into_iter().map(|(k, _)| k).collect();
            let expected: Vec<String> = reference.into_keys().collect();
            assert_eq!(owned, expected);
        }
    }

    #[test]
    fn insert_if_absent_keeps_the_first() {
        let mut map = AttrMap::new();
        map.insert_if_absent("a".to_string(), || entry(1));
        map.insert_if_absent("a".to_string(), || entry(2));
        assert_eq!(map.get("a").map(|e| e.value), Some(ThunkId(1)));
    }
}
