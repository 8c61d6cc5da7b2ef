//! Lists: construction, mapping, filtering, folding, searching.

use std::collections::BTreeMap;
use std::rc::Rc;

use strata_core::Location;

use super::super::{AttrEntry, Deferred, Evaluator, ThunkId, UnknownKind, Value};
use super::args::nth;
use super::{Prim, not_in_family};

/// The longest list `genList` / `range` build before giving up.
const MAX_LIST: i64 = 100_000;

impl Evaluator<'_> {
    pub(super) fn call_lists(
        &mut self,
        prim: Prim,
        args: &[ThunkId],
        loc: &Option<Location>,
    ) -> Result<Value, Value> {
        let arg = |i: usize| nth(args, i);
        let name = prim.name();
        Ok(match prim {
            Prim::GenList => {
                let f = self.force(arg(0));
                let n = self.int_arg(name, arg(1), loc)?;
                if !(0..=MAX_LIST).contains(&n) {
                    return Err(Value::unknown(
                        UnknownKind::Limit,
                        "genList: list length out of range",
                        loc.clone(),
                    ));
                }
                let mut items = Vec::new();
                for i in 0..n {
                    self.tick();
                    let it = self.done(Value::Int(i));
                    items.push(self.alloc(Deferred::Apply(f.clone(), vec![it], loc.clone())));
                }
                Value::List(Rc::new(items))
            }
            Prim::Map => {
                let f = self.force(arg(0));
                let list = self.list_arg(name, arg(1), loc)?;
                let items = list
                    .iter()
                    .map(|x| self.alloc(Deferred::Apply(f.clone(), vec![*x], loc.clone())))
                    .collect();
                Value::List(Rc::new(items))
            }
            Prim::Filter => {
                let f = self.force(arg(0));
                let list = self.list_arg(name, arg(1), loc)?;
                let mut items = Vec::new();
                for x in list.iter() {
                    if self.predicate(name, &f, &[*x], loc)? {
                        items.push(*x);
                    }
                }
                Value::List(Rc::new(items))
            }
            Prim::Any | Prim::All => {
                let f = self.force(arg(0));
                let list = self.list_arg(name, arg(1), loc)?;
                let wanted = prim == Prim::Any;
                let mut unknown = None;
                for x in list.iter() {
                    match self.apply(f.clone(), *x, loc.clone()) {
                        Value::Bool(b) if b == wanted => return Ok(Value::Bool(wanted)),
                        Value::Bool(_) => {}
                        Value::Unknown(u) => unknown = Some(u),
                        other => {
                            return Err(self.type_error(
                                name,
                                "bool-returning function",
                                &other,
                                loc.clone(),
                            ));
                        }
                    }
                }
                match unknown {
                    Some(u) => Value::Unknown(u),
                    None => Value::Bool(!wanted),
                }
            }
            Prim::Elem => {
                let x = self.force(arg(0));
                let list = self.list_arg(name, arg(1), loc)?;
                let mut unknown = false;
                for item in list.iter() {
                    let v = self.force(*item);
                    match self.equal(&x, &v) {
                        Some(true) => return Ok(Value::Bool(true)),
                        Some(false) => {}
                        None => unknown = true,
                    }
                }
                if unknown {
                    Value::unknown(
                        UnknownKind::Unsupported,
                        "elem: membership depends on unknown values",
                        loc.clone(),
                    )
                } else {
                    Value::Bool(false)
                }
            }
            Prim::ElemAt => {
                let list = self.list_arg(name, arg(0), loc)?;
                let n = self.int_arg(name, arg(1), loc)?;
                match usize::try_from(n).ok().and_then(|i| list.get(i)) {
                    Some(t) => self.force(*t),
                    None => Value::unknown(
                        UnknownKind::Error,
                        "elemAt: index out of bounds",
                        loc.clone(),
                    ),
                }
            }
            Prim::Length => Value::Int(self.list_arg(name, arg(0), loc)?.len() as i64),
            Prim::Head => match self.list_arg(name, arg(0), loc)?.first() {
                Some(t) => self.force(*t),
                None => Value::unknown(UnknownKind::Error, "head of an empty list", loc.clone()),
            },
            Prim::Tail => {
                let list = self.list_arg(name, arg(0), loc)?;
                if list.is_empty() {
                    Value::unknown(UnknownKind::Error, "tail of an empty list", loc.clone())
                } else {
                    Value::List(Rc::new(list[1..].to_vec()))
                }
            }
            Prim::ConcatLists => {
                let lists = self.list_arg(name, arg(0), loc)?;
                let mut items = Vec::new();
                for l in lists.iter() {
                    items.extend(self.list_arg(name, *l, loc)?.iter().copied());
                }
                Value::List(Rc::new(items))
            }
            Prim::ConcatMap => {
                let f = self.force(arg(0));
                let list = self.list_arg(name, arg(1), loc)?;
                let mut items = Vec::new();
                for x in list.iter() {
                    match self.apply(f.clone(), *x, loc.clone()) {
                        Value::List(l) => items.extend(l.iter().copied()),
                        other => {
                            return Err(self.type_error(
                                name,
                                "list-returning function",
                                &other,
                                loc.clone(),
                            ));
                        }
                    }
                }
                Value::List(Rc::new(items))
            }
            Prim::Foldl | Prim::FoldlLazy => {
                let op = self.force(arg(0));
                let list = self.list_arg(name, arg(2), loc)?;
                let mut acc = arg(1);
                for x in list.iter() {
                    let step = self.apply_all(op.clone(), &[acc, *x], loc.clone());
                    if let Value::Unknown(u) = &step
                        && u.kind == UnknownKind::Limit
                    {
                        return Ok(step);
                    }
                    acc = self.done(step);
                }
                self.force(acc)
            }
            Prim::Foldr | Prim::Fold => {
                let op = self.force(arg(0));
                let list = self.list_arg(name, arg(2), loc)?;
                let mut acc = arg(1);
                for x in list.iter().rev() {
                    let step = self.apply_all(op.clone(), &[*x, acc], loc.clone());
                    if let Value::Unknown(u) = &step
                        && u.kind == UnknownKind::Limit
                    {
                        return Ok(step);
                    }
                    acc = self.done(step);
                }
                self.force(acc)
            }
            Prim::Optional => {
                if self.bool_arg(name, arg(0), loc)? {
                    Value::List(Rc::new(vec![arg(1)]))
                } else {
                    Value::List(Rc::new(Vec::new()))
                }
            }
            Prim::Optionals => {
                if self.bool_arg(name, arg(0), loc)? {
                    self.force(arg(1))
                } else {
                    Value::List(Rc::new(Vec::new()))
                }
            }
            Prim::Flatten => {
                let mut items = Vec::new();
                self.flatten_into(arg(0), &mut items, 0);
                Value::List(Rc::new(items))
            }
            Prim::Unique => {
                let list = self.list_arg(name, arg(0), loc)?;
                let mut kept: Vec<(ThunkId, Value)> = Vec::new();
                for t in list.iter() {
                    let v = self.force(*t);
                    let mut seen = false;
                    for (_, k) in &kept {
                        match self.equal(k, &v) {
                            Some(true) => seen = true,
                            Some(false) => {}
                            None => {
                                return Err(Value::unknown(
                                    UnknownKind::Unsupported,
                                    "unique: comparison of unknown values",
                                    loc.clone(),
                                ));
                            }
                        }
                    }
                    if !seen {
                        kept.push((*t, v));
                    }
                }
                Value::List(Rc::new(kept.into_iter().map(|(t, _)| t).collect()))
            }
            Prim::Last => match self.list_arg(name, arg(0), loc)?.last() {
                Some(t) => self.force(*t),
                None => Value::unknown(UnknownKind::Error, "last of an empty list", loc.clone()),
            },
            Prim::Range => {
                let first = self.int_arg(name, arg(0), loc)?;
                let last = self.int_arg(name, arg(1), loc)?;
                if last.saturating_sub(first) > MAX_LIST {
                    return Err(Value::unknown(
                        UnknownKind::Limit,
                        "range: list length out of range",
                        loc.clone(),
                    ));
                }
                let items = (first..=last).map(|i| self.done(Value::Int(i))).collect();
                Value::List(Rc::new(items))
            }
            Prim::Singleton => Value::List(Rc::new(vec![arg(0)])),
            Prim::Concat => {
                let a = self.force(arg(0));
                let b = self.force(arg(1));
                self.binary(rnix::ast::BinOpKind::Concat, a, b, loc.clone())
            }
            Prim::ToList => match self.force(arg(0)) {
                v @ Value::List(_) => v,
                Value::Unknown(u) => Value::Unknown(u),
                _ => Value::List(Rc::new(vec![arg(0)])),
            },
            Prim::Take | Prim::Drop => {
                let n = self.int_arg(name, arg(0), loc)?;
                let list = self.list_arg(name, arg(1), loc)?;
                let n = usize::try_from(n.max(0)).unwrap_or(0).min(list.len());
                let items = if prim == Prim::Take {
                    list[..n].to_vec()
                } else {
                    list[n..].to_vec()
                };
                Value::List(Rc::new(items))
            }
            Prim::Sublist => {
                let start = self.int_arg(name, arg(0), loc)?;
                let count = self.int_arg(name, arg(1), loc)?;
                let list = self.list_arg(name, arg(2), loc)?;
                let start = usize::try_from(start.max(0)).unwrap_or(0).min(list.len());
                let count = usize::try_from(count.max(0)).unwrap_or(0);
                let end = start.saturating_add(count).min(list.len());
                Value::List(Rc::new(list[start..end].to_vec()))
            }
            Prim::Init => {
                let list = self.list_arg(name, arg(0), loc)?;
                if list.is_empty() {
                    Value::unknown(UnknownKind::Error, "init of an empty list", loc.clone())
                } else {
                    Value::List(Rc::new(list[..list.len() - 1].to_vec()))
                }
            }
            Prim::ReverseList => {
                let list = self.list_arg(name, arg(0), loc)?;
                Value::List(Rc::new(list.iter().rev().copied().collect()))
            }
            Prim::Sort => {
                let f = self.force(arg(0));
                let list = self.list_arg(name, arg(1), loc)?;
                let sorted = self.merge_sort(&f, &list, loc)?;
                Value::List(Rc::new(sorted))
            }
            Prim::Partition => {
                let f = self.force(arg(0));
                let list = self.list_arg(name, arg(1), loc)?;
                let (mut right, mut wrong) = (Vec::new(), Vec::new());
                for x in list.iter() {
                    if self.predicate(name, &f, &[*x], loc)? {
                        right.push(*x);
                    } else {
                        wrong.push(*x);
                    }
                }
                let right = self.done(Value::List(Rc::new(right)));
                let wrong = self.done(Value::List(Rc::new(wrong)));
                self.make_attrs(vec![("right", right), ("wrong", wrong)])
            }
            Prim::GroupBy => {
                let f = self.force(arg(0));
                let list = self.list_arg(name, arg(1), loc)?;
                let mut groups: BTreeMap<String, (Vec<ThunkId>, Option<Location>)> =
                    BTreeMap::new();
                for x in list.iter() {
                    let key = self.apply(f.clone(), *x, loc.clone());
                    let key = match key {
                        Value::String(s) => s,
                        other => {
                            return Err(self.type_error(name, "string key", &other, loc.clone()));
                        }
                    };
                    groups
                        .entry(key.text.clone())
                        .or_insert_with(|| (Vec::new(), key.location.clone()))
                        .0
                        .push(*x);
                }
                let mut entries = BTreeMap::new();
                for (k, (items, location)) in groups {
                    let value = self.done(Value::List(Rc::new(items)));
                    entries.insert(k, AttrEntry { value, location });
                }
                Self::attrs_value(entries)
            }
            Prim::ZipListsWith | Prim::ZipLists => {
                let (f, a, b) = if prim == Prim::ZipLists {
                    (None, arg(0), arg(1))
                } else {
                    (Some(self.force(arg(0))), arg(1), arg(2))
                };
                let a = self.list_arg(name, a, loc)?;
                let b = self.list_arg(name, b, loc)?;
                let mut items = Vec::new();
                for (x, y) in a.iter().zip(b.iter()) {
                    self.tick();
                    items.push(match &f {
                        Some(f) => {
                            self.alloc(Deferred::Apply(f.clone(), vec![*x, *y], loc.clone()))
                        }
                        None => {
                            let pair = self.make_attrs(vec![("fst", *x), ("snd", *y)]);
                            self.done(pair)
                        }
                    });
                }
                Value::List(Rc::new(items))
            }
            Prim::FindFirst | Prim::FindFirstIndex => {
                let f = self.force(arg(0));
                let list = self.list_arg(name, arg(2), loc)?;
                for (i, x) in list.iter().enumerate() {
                    if self.predicate(name, &f, &[*x], loc)? {
                        return Ok(if prim == Prim::FindFirst {
                            self.force(*x)
                        } else {
                            Value::Int(i as i64)
                        });
                    }
                }
                self.force(arg(1))
            }
            Prim::FindSingle => {
                let f = self.force(arg(0));
                let list = self.list_arg(name, arg(3), loc)?;
                let mut found = Vec::new();
                for x in list.iter() {
                    if self.predicate(name, &f, &[*x], loc)? {
                        found.push(*x);
                    }
                }
                match found.as_slice() {
                    [] => self.force(arg(1)),
                    [one] => self.force(*one),
                    _ => self.force(arg(2)),
                }
            }
            Prim::Imap0 | Prim::Imap1 => {
                let f = self.force(arg(0));
                let list = self.list_arg(name, arg(1), loc)?;
                let base = i64::from(prim == Prim::Imap1);
                let mut items = Vec::new();
                for (i, x) in list.iter().enumerate() {
                    let index = self.done(Value::Int(i as i64 + base));
                    items.push(self.alloc(Deferred::Apply(
                        f.clone(),
                        vec![index, *x],
                        loc.clone(),
                    )));
                }
                Value::List(Rc::new(items))
            }
            Prim::ForEach => {
                return self.call_prim_inner(Prim::Map, &[arg(1), arg(0)], loc);
            }
            Prim::Count => {
                let f = self.force(arg(0));
                let list = self.list_arg(name, arg(1), loc)?;
                let mut n = 0;
                for x in list.iter() {
                    if self.predicate(name, &f, &[*x], loc)? {
                        n += 1;
                    }
                }
                Value::Int(n)
            }
            Prim::Remove => {
                let x = self.force(arg(0));
                let list = self.list_arg(name, arg(1), loc)?;
                let mut items = Vec::new();
                for t in list.iter() {
                    let v = self.force(*t);
                    match self.equal(&x, &v) {
                        Some(true) => {}
                        Some(false) => items.push(*t),
                        None => return Err(self.unknown_membership(name, loc)),
                    }
                }
                Value::List(Rc::new(items))
            }
            Prim::SubtractLists | Prim::IntersectLists => {
                let e = self.list_arg(name, arg(0), loc)?;
                let list = self.list_arg(name, arg(1), loc)?;
                let wanted_in_e = prim == Prim::IntersectLists;
                let mut items = Vec::new();
                for t in list.iter() {
                    let v = self.force(*t);
                    let mut in_e = false;
                    for u in e.iter() {
                        let w = self.force(*u);
                        match self.equal(&v, &w) {
                            Some(true) => {
                                in_e = true;
                                break;
                            }
                            Some(false) => {}
                            None => return Err(self.unknown_membership(name, loc)),
                        }
                    }
                    if in_e == wanted_in_e {
                        items.push(*t);
                    }
                }
                Value::List(Rc::new(items))
            }
            Prim::Replicate => {
                let n = self.int_arg(name, arg(0), loc)?;
                if !(0..=MAX_LIST).contains(&n) {
                    return Err(Value::unknown(
                        UnknownKind::Limit,
                        "replicate: list length out of range",
                        loc.clone(),
                    ));
                }
                Value::List(Rc::new(vec![arg(1); n as usize]))
            }
            Prim::AllUnique => {
                let unique = self.call_prim_inner(Prim::Unique, &[arg(0)], loc)?;
                let list = self.list_arg(name, arg(0), loc)?;
                match unique {
                    Value::List(u) => Value::Bool(u.len() == list.len()),
                    other => other,
                }
            }
            Prim::GenericClosure => {
                let spec = self.attrs_arg(name, arg(0), loc)?;
                let (Some(start), Some(op)) = (
                    spec.get("startSet").map(|e| e.value),
                    spec.get("operator").map(|e| e.value),
                ) else {
                    return Err(Value::unknown(
                        UnknownKind::Error,
                        "genericClosure: `startSet` or `operator` missing",
                        loc.clone(),
                    ));
                };
                let op = self.force(op);
                let mut queue: std::collections::VecDeque<ThunkId> =
                    self.list_arg(name, start, loc)?.iter().copied().collect();
                let mut keys: Vec<Value> = Vec::new();
                let mut out = Vec::new();
                while let Some(item) = queue.pop_front() {
                    if !self.tick() || out.len() > MAX_LIST as usize {
                        return Err(self.limit("genericClosure", loc.clone()));
                    }
                    let set = self.attrs_arg(name, item, loc)?;
                    let Some(key) = set.get("key").map(|e| e.value) else {
                        return Err(Value::unknown(
                            UnknownKind::Error,
                            "genericClosure: an item without `key`",
                            loc.clone(),
                        ));
                    };
                    let key = self.force(key);
                    let mut seen = false;
                    for k in &keys {
                        match self.equal(k, &key) {
                            Some(true) => {
                                seen = true;
                                break;
                            }
                            Some(false) => {}
                            None => return Err(self.unknown_membership(name, loc)),
                        }
                    }
                    if seen {
                        continue;
                    }
                    keys.push(key);
                    out.push(item);
                    let next = self.apply(op.clone(), item, loc.clone());
                    match next {
                        Value::List(l) => queue.extend(l.iter().copied()),
                        other => {
                            return Err(self.type_error(
                                name,
                                "list-returning operator",
                                &other,
                                loc.clone(),
                            ));
                        }
                    }
                }
                Value::List(Rc::new(out))
            }
            Prim::Intersperse => {
                let list = self.list_arg(name, arg(1), loc)?;
                let mut items = Vec::new();
                for (i, x) in list.iter().enumerate() {
                    if i > 0 {
                        items.push(arg(0));
                    }
                    items.push(*x);
                }
                Value::List(Rc::new(items))
            }
            _ => not_in_family(prim, loc),
        })
    }

    fn flatten_into(&mut self, t: ThunkId, out: &mut Vec<ThunkId>, depth: u32) {
        if depth > 64 || !self.tick() {
            return;
        }
        match self.force(t) {
            Value::List(items) => {
                for item in items.iter() {
                    self.flatten_into(*item, out, depth + 1);
                }
            }
            _ => out.push(t),
        }
    }

    fn unknown_membership(&self, what: &str, loc: &Option<Location>) -> Value {
        Value::unknown(
            UnknownKind::Unsupported,
            format!("{what}: membership depends on unknown values"),
            loc.clone(),
        )
    }

    /// `builtins.sort`: a stable merge sort with a Nix `lessThan`.
    fn merge_sort(
        &mut self,
        less: &Value,
        items: &[ThunkId],
        loc: &Option<Location>,
    ) -> Result<Vec<ThunkId>, Value> {
        if items.len() <= 1 {
            return Ok(items.to_vec());
        }
        let (left, right) = items.split_at(items.len() / 2);
        let left = self.merge_sort(less, left, loc)?;
        let right = self.merge_sort(less, right, loc)?;
        let mut out = Vec::with_capacity(items.len());
        let (mut i, mut j) = (0, 0);
        while i < left.len() && j < right.len() {
            if !self.tick() {
                return Err(self.limit("sort", loc.clone()));
            }
            // Take from the right only when it is strictly less: stable.
            if self.predicate("sort", less, &[right[j], left[i]], loc)? {
                out.push(right[j]);
                j += 1;
            } else {
                out.push(left[i]);
                i += 1;
            }
        }
        out.extend_from_slice(&left[i..]);
        out.extend_from_slice(&right[j..]);
        Ok(out)
    }
}
