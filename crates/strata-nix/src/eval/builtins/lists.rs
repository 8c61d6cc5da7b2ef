//! Lists: construction, mapping, filtering, folding, searching.

use std::rc::Rc;

use strata_core::Location;

use super::super::{Deferred, Evaluator, ThunkId, UnknownKind, Value};
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
            Prim::Foldr => {
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
}
