//! Attribute sets: listing, mapping, filtering, merging, paths into sets.

use std::collections::BTreeMap;
use std::rc::Rc;

use strata_core::Location;

use super::super::{AttrEntry, Attrs, Deferred, Evaluator, ThunkId, UnknownKind, Value};
use super::args::nth;
use super::{Prim, not_in_family};

impl Evaluator<'_> {
    pub(super) fn call_attrs(
        &mut self,
        prim: Prim,
        args: &[ThunkId],
        loc: &Option<Location>,
    ) -> Result<Value, Value> {
        let arg = |i: usize| nth(args, i);
        let name = prim.name();
        Ok(match prim {
            Prim::MapAttrs => {
                let f = self.force(arg(0));
                let set = self.attrs_arg(name, arg(1), loc)?;
                let mut entries = BTreeMap::new();
                for (k, e) in &set.entries {
                    self.tick();
                    let key = self.done(Value::string(k.clone(), e.location.clone()));
                    let value =
                        self.alloc(Deferred::Apply(f.clone(), vec![key, e.value], loc.clone()));
                    entries.insert(
                        k.clone(),
                        AttrEntry {
                            value,
                            location: e.location.clone(),
                        },
                    );
                }
                Value::Attrs(Rc::new(Attrs {
                    entries: entries.into(),
                    fallback: set.fallback.clone(),
                }))
            }
            Prim::AttrNames => {
                let set = self.attrs_arg(name, arg(0), loc)?;
                Self::complete(&set)?;
                let items = set
                    .entries
                    .iter()
                    .map(|(k, e)| self.done(Value::string(k.clone(), e.location.clone())))
                    .collect();
                Value::List(Rc::new(items))
            }
            Prim::AttrValues => {
                let set = self.attrs_arg(name, arg(0), loc)?;
                Self::complete(&set)?;
                Value::List(Rc::new(set.entries.values().map(|e| e.value).collect()))
            }
            Prim::ListToAttrs => self.list_to_attrs(name, arg(0), loc)?,
            Prim::HasAttr => {
                let key = self.string_arg(name, arg(0), loc)?;
                let set = self.attrs_arg(name, arg(1), loc)?;
                if set.entries.contains_key(&key.text) {
                    Value::Bool(true)
                } else {
                    Self::complete(&set)?;
                    Value::Bool(false)
                }
            }
            Prim::GetAttr => {
                let key = self.string_arg(name, arg(0), loc)?;
                let set = self.force(arg(1));
                self.select(set, &key.text, loc.clone())
            }
            Prim::RemoveAttrs => {
                let set = self.attrs_arg(name, arg(0), loc)?;
                let names = self.list_arg(name, arg(1), loc)?;
                let mut entries = set.entries.clone();
                for n in names.iter() {
                    let n = self.string_arg(name, *n, loc)?;
                    entries.remove(&n.text);
                }
                Value::Attrs(Rc::new(Attrs {
                    entries,
                    fallback: set.fallback.clone(),
                }))
            }
            Prim::CatAttrs => {
                let key = self.string_arg(name, arg(0), loc)?;
                let list = self.list_arg(name, arg(1), loc)?;
                let mut items = Vec::new();
                for x in list.iter() {
                    let set = self.attrs_arg(name, *x, loc)?;
                    if let Some(e) = set.get(&key.text) {
                        items.push(e.value);
                    }
                }
                Value::List(Rc::new(items))
            }
            Prim::IntersectAttrs => {
                let a = self.attrs_arg(name, arg(0), loc)?;
                let b = self.attrs_arg(name, arg(1), loc)?;
                Self::complete(&a)?;
                let entries = b
                    .entries
                    .iter()
                    .filter(|(k, _)| a.entries.contains_key(k))
                    .map(|(k, e)| (k.clone(), e.clone()))
                    .collect();
                Self::attrs_value(entries)
            }
            Prim::GenAttrs => {
                let names = self.list_arg(name, arg(0), loc)?;
                let f = self.force(arg(1));
                let mut entries = BTreeMap::new();
                for n in names.iter() {
                    let s = self.string_arg(name, *n, loc)?;
                    let value = self.alloc(Deferred::Apply(f.clone(), vec![*n], loc.clone()));
                    entries.entry(s.text.clone()).or_insert(AttrEntry {
                        value,
                        location: s.location.clone(),
                    });
                }
                Self::attrs_value(entries)
            }
            Prim::NameValuePair => self.make_attrs(vec![("name", arg(0)), ("value", arg(1))]),
            Prim::OptionalAttrs => {
                if self.bool_arg(name, arg(0), loc)? {
                    self.force(arg(1))
                } else {
                    Value::Attrs(Rc::new(Attrs::default()))
                }
            }
            Prim::FilterAttrs => {
                let f = self.force(arg(0));
                let set = self.attrs_arg(name, arg(1), loc)?;
                Self::complete(&set)?;
                let mut entries = BTreeMap::new();
                for (k, e) in &set.entries {
                    let key = self.done(Value::string(k.clone(), e.location.clone()));
                    if self.predicate(name, &f, &[key, e.value], loc)? {
                        entries.insert(k.clone(), e.clone());
                    }
                }
                Self::attrs_value(entries)
            }
            Prim::MapAttrsToList => {
                let f = self.force(arg(0));
                let set = self.attrs_arg(name, arg(1), loc)?;
                Self::complete(&set)?;
                let mut items = Vec::new();
                for (k, e) in &set.entries {
                    self.tick();
                    let key = self.done(Value::string(k.clone(), e.location.clone()));
                    items.push(self.alloc(Deferred::Apply(
                        f.clone(),
                        vec![key, e.value],
                        loc.clone(),
                    )));
                }
                Value::List(Rc::new(items))
            }
            Prim::MapAttrsPrime => {
                // mapAttrs' f set = listToAttrs (mapAttrsToList f set)
                let pairs = self.call_prim_inner(Prim::MapAttrsToList, &[arg(0), arg(1)], loc)?;
                let list = self.done(pairs);
                self.list_to_attrs(name, list, loc)?
            }
            Prim::RecursiveUpdate => {
                let a = self.force(arg(0));
                let b = self.force(arg(1));
                self.recursive_update(a, b, loc, 0)
            }
            Prim::AttrByPath | Prim::GetAttrFromPath => {
                let path = self.list_arg(name, arg(0), loc)?;
                let set_arg = if prim == Prim::AttrByPath {
                    arg(2)
                } else {
                    arg(1)
                };
                let mut current = self.force(set_arg);
                for key in path.iter() {
                    let key = self.string_arg(name, *key, loc)?;
                    let has = match &current {
                        Value::Attrs(a) => {
                            a.entries.contains_key(&key.text) || a.fallback.is_some()
                        }
                        Value::Unknown(u) => return Ok(Value::Unknown(Rc::clone(u))),
                        _ => false,
                    };
                    if !has {
                        if prim == Prim::AttrByPath {
                            return Ok(self.force(arg(1)));
                        }
                        return Err(Value::unknown(
                            UnknownKind::Error,
                            format!("getAttrFromPath: attribute `{}` missing", key.text),
                            loc.clone(),
                        ));
                    }
                    current = self.select(current, &key.text, loc.clone());
                }
                current
            }
            Prim::SetAttrByPath => {
                let path = self.list_arg(name, arg(0), loc)?;
                let mut value = arg(1);
                for key in path.iter().rev() {
                    let key = self.string_arg(name, *key, loc)?;
                    let mut entries = BTreeMap::new();
                    entries.insert(
                        key.text.clone(),
                        AttrEntry {
                            value,
                            location: key.location.clone(),
                        },
                    );
                    value = self.done(Self::attrs_value(entries));
                }
                self.force(value)
            }
            Prim::HasAttrByPath => {
                let path = self.list_arg(name, arg(0), loc)?;
                let mut current = self.force(arg(1));
                for key in path.iter() {
                    let key = self.string_arg(name, *key, loc)?;
                    current = match current {
                        Value::Attrs(a) => match a.get(&key.text) {
                            Some(e) => {
                                let t = e.value;
                                self.force(t)
                            }
                            None => match &a.fallback {
                                Some(f) => return Ok(Value::Unknown(Rc::clone(f))),
                                None => return Ok(Value::Bool(false)),
                            },
                        },
                        Value::Unknown(u) => return Ok(Value::Unknown(u)),
                        _ => return Ok(Value::Bool(false)),
                    };
                }
                Value::Bool(true)
            }
            Prim::ConcatMapAttrs => {
                let f = self.force(arg(0));
                let set = self.attrs_arg(name, arg(1), loc)?;
                Self::complete(&set)?;
                let mut entries = BTreeMap::new();
                for (k, e) in &set.entries {
                    if !self.tick() {
                        return Err(self.limit("concatMapAttrs", loc.clone()));
                    }
                    let key = self.done(Value::string(k.clone(), e.location.clone()));
                    let part = self.apply_all(f.clone(), &[key, e.value], loc.clone());
                    match part {
                        Value::Attrs(a) => {
                            Self::complete(&a)?;
                            for (pk, pe) in &a.entries {
                                entries.insert(pk.clone(), pe.clone());
                            }
                        }
                        other => {
                            return Err(self.type_error(
                                name,
                                "set-returning function",
                                &other,
                                loc.clone(),
                            ));
                        }
                    }
                }
                Self::attrs_value(entries)
            }
            Prim::MergeAttrs => {
                let a = self.force(arg(0));
                let b = self.force(arg(1));
                self.binary(rnix::ast::BinOpKind::Update, a, b, loc.clone())
            }
            Prim::AttrVals | Prim::GetAttrs => {
                let names = self.list_arg(name, arg(0), loc)?;
                let set = self.attrs_arg(name, arg(1), loc)?;
                let mut items = Vec::new();
                let mut entries = BTreeMap::new();
                for n in names.iter() {
                    let key = self.string_arg(name, *n, loc)?;
                    match set.get(&key.text) {
                        Some(e) => {
                            items.push(e.value);
                            entries.insert(key.text.clone(), e.clone());
                        }
                        None if prim == Prim::GetAttrs => {
                            // `getAttrs` is `genAttrs names (n: set.${n})`:
                            // a missing name fails only when its value is used.
                            let v =
                                self.select(Value::Attrs(Rc::clone(&set)), &key.text, loc.clone());
                            let value = self.done(v);
                            entries.insert(
                                key.text.clone(),
                                AttrEntry {
                                    value,
                                    location: key.location.clone(),
                                },
                            );
                        }
                        None => {
                            let v =
                                self.select(Value::Attrs(Rc::clone(&set)), &key.text, loc.clone());
                            return Err(v);
                        }
                    }
                }
                if prim == Prim::AttrVals {
                    Value::List(Rc::new(items))
                } else {
                    Self::attrs_value(entries)
                }
            }
            Prim::ZipAttrsWith | Prim::ZipAttrs => {
                let (f, sets) = if prim == Prim::ZipAttrs {
                    (None, arg(0))
                } else {
                    (Some(self.force(arg(0))), arg(1))
                };
                let sets = self.list_arg(name, sets, loc)?;
                let mut grouped: BTreeMap<String, (Vec<ThunkId>, Option<Location>)> =
                    BTreeMap::new();
                for s in sets.iter() {
                    let set = self.attrs_arg(name, *s, loc)?;
                    Self::complete(&set)?;
                    for (k, e) in &set.entries {
                        let slot = grouped
                            .entry(k.clone())
                            .or_insert_with(|| (Vec::new(), e.location.clone()));
                        slot.0.push(e.value);
                    }
                }
                let mut entries = BTreeMap::new();
                for (k, (values, location)) in grouped {
                    let list = self.done(Value::List(Rc::new(values)));
                    let value = match &f {
                        None => list,
                        Some(f) => {
                            let key = self.done(Value::string(k.clone(), location.clone()));
                            self.alloc(Deferred::Apply(f.clone(), vec![key, list], loc.clone()))
                        }
                    };
                    entries.insert(k, AttrEntry { value, location });
                }
                Self::attrs_value(entries)
            }
            Prim::FoldlAttrs => {
                let f = self.force(arg(0));
                let set = self.attrs_arg(name, arg(2), loc)?;
                Self::complete(&set)?;
                let mut acc = arg(1);
                for (k, e) in &set.entries {
                    let key = self.done(Value::string(k.clone(), e.location.clone()));
                    let step = self.apply_all(f.clone(), &[acc, key, e.value], loc.clone());
                    if let Value::Unknown(u) = &step
                        && u.kind == UnknownKind::Limit
                    {
                        return Ok(step);
                    }
                    acc = self.done(step);
                }
                self.force(acc)
            }
            Prim::MapAttrsRecursive => {
                let f = self.force(arg(0));
                let set = self.force(arg(1));
                self.map_attrs_recursive(&f, set, &mut Vec::new(), loc)?
            }
            Prim::FilterAttrsRecursive => {
                let f = self.force(arg(0));
                let set = self.force(arg(1));
                self.filter_attrs_recursive(&f, set, 0, loc)?
            }
            Prim::AttrsToList => {
                let set = self.attrs_arg(name, arg(0), loc)?;
                Self::complete(&set)?;
                let mut items = Vec::new();
                for (k, e) in &set.entries {
                    let key = self.done(Value::string(k.clone(), e.location.clone()));
                    let pair = self.make_attrs(vec![("name", key), ("value", e.value)]);
                    items.push(self.done(pair));
                }
                Value::List(Rc::new(items))
            }
            Prim::Collect => {
                let f = self.force(arg(0));
                let mut items = Vec::new();
                self.collect_into(&f, arg(1), &mut items, 0, loc)?;
                Value::List(Rc::new(items))
            }
            Prim::IsDerivation => match self.force(arg(0)) {
                Value::Attrs(a) => match a.get("type") {
                    Some(e) => {
                        let t = e.value;
                        match self.force(t) {
                            Value::String(s) => Value::Bool(s.text == "derivation"),
                            Value::Unknown(u) => Value::Unknown(u),
                            _ => Value::Bool(false),
                        }
                    }
                    None => match &a.fallback {
                        Some(f) => Value::Unknown(Rc::clone(f)),
                        None => Value::Bool(false),
                    },
                },
                Value::Unknown(u) => Value::Unknown(u),
                Value::Input(i) => Value::unknown(
                    UnknownKind::Opaque,
                    format!(
                        "whether `{}` is a derivation is not known statically",
                        i.display()
                    ),
                    loc.clone(),
                ),
                _ => Value::Bool(false),
            },
            _ => not_in_family(prim, loc),
        })
    }

    /// `builtins.listToAttrs`: the first definition of a name wins.
    fn list_to_attrs(
        &mut self,
        name: &str,
        list: ThunkId,
        loc: &Option<Location>,
    ) -> Result<Value, Value> {
        let list = self.list_arg(name, list, loc)?;
        let mut entries: BTreeMap<String, AttrEntry> = BTreeMap::new();
        let mut fallback = None;
        for item in list.iter() {
            if !self.tick() {
                break;
            }
            let pair = self.attrs_arg(name, *item, loc)?;
            let (Some(n), Some(v)) = (
                pair.get("name").map(|e| e.value),
                pair.get("value").map(|e| e.value),
            ) else {
                return Err(Value::unknown(
                    UnknownKind::Error,
                    format!("{name}: element without `name` or `value`"),
                    loc.clone(),
                ));
            };
            match self.force(n) {
                Value::String(s) => {
                    entries.entry(s.text.clone()).or_insert(AttrEntry {
                        value: v,
                        location: s.location.clone(),
                    });
                }
                Value::Unknown(u) => fallback = Some(u),
                other => {
                    return Err(self.type_error(name, "string name", &other, loc.clone()));
                }
            }
        }
        Ok(Value::Attrs(Rc::new(Attrs {
            entries: entries.into(),
            fallback,
        })))
    }

    fn recursive_update(
        &mut self,
        a: Value,
        b: Value,
        loc: &Option<Location>,
        depth: u32,
    ) -> Value {
        let (Value::Attrs(a), Value::Attrs(b)) = (&a, &b) else {
            return b;
        };
        if depth > 64 {
            return self.limit("recursiveUpdate nesting", loc.clone());
        }
        let mut entries = a.entries.clone();
        for (k, e) in &b.entries {
            let merged = match entries.get(k) {
                Some(old) => {
                    let (ov, nv) = (self.force(old.value), self.force(e.value));
                    if matches!((&ov, &nv), (Value::Attrs(_), Value::Attrs(_))) {
                        let m = self.recursive_update(ov, nv, loc, depth + 1);
                        AttrEntry {
                            value: self.done(m),
                            location: e.location.clone(),
                        }
                    } else {
                        e.clone()
                    }
                }
                None => e.clone(),
            };
            entries.insert(k.clone(), merged);
        }
        let fallback = b.fallback.clone().or(a.fallback.clone());
        Value::Attrs(Rc::new(Attrs { entries, fallback }))
    }

    /// `lib.mapAttrsRecursive`: `f path value` on every non-set leaf.
    fn map_attrs_recursive(
        &mut self,
        f: &Value,
        v: Value,
        path: &mut Vec<String>,
        loc: &Option<Location>,
    ) -> Result<Value, Value> {
        let set = match v {
            Value::Attrs(a) => a,
            Value::Unknown(u) => return Err(Value::Unknown(u)),
            other => return Err(self.type_error("mapAttrsRecursive", "set", &other, loc.clone())),
        };
        if path.len() > 64 || !self.tick() {
            return Err(self.limit("mapAttrsRecursive nesting", loc.clone()));
        }
        let mut entries = BTreeMap::new();
        for (k, e) in &set.entries {
            path.push(k.clone());
            let child = self.force(e.value);
            let value = if matches!(child, Value::Attrs(_)) {
                let mapped = self.map_attrs_recursive(f, child, path, loc)?;
                self.done(mapped)
            } else {
                let names = path
                    .iter()
                    .map(|p| self.done(Value::string(p.clone(), None)))
                    .collect();
                let names = self.done(Value::List(Rc::new(names)));
                self.alloc(Deferred::Apply(
                    f.clone(),
                    vec![names, e.value],
                    loc.clone(),
                ))
            };
            path.pop();
            entries.insert(
                k.clone(),
                AttrEntry {
                    value,
                    location: e.location.clone(),
                },
            );
        }
        Ok(Value::Attrs(Rc::new(Attrs {
            entries: entries.into(),
            fallback: set.fallback.clone(),
        })))
    }

    /// `lib.filterAttrsRecursive`: keeps `name = value` when `pred name value`,
    /// filtering kept sets in turn.
    fn filter_attrs_recursive(
        &mut self,
        f: &Value,
        v: Value,
        depth: u32,
        loc: &Option<Location>,
    ) -> Result<Value, Value> {
        let set = match v {
            Value::Attrs(a) => a,
            Value::Unknown(u) => return Err(Value::Unknown(u)),
            other => {
                return Err(self.type_error("filterAttrsRecursive", "set", &other, loc.clone()));
            }
        };
        Self::complete(&set)?;
        if depth > 64 || !self.tick() {
            return Err(self.limit("filterAttrsRecursive nesting", loc.clone()));
        }
        let mut entries = BTreeMap::new();
        for (k, e) in &set.entries {
            let key = self.done(Value::string(k.clone(), e.location.clone()));
            if !self.predicate("filterAttrsRecursive", f, &[key, e.value], loc)? {
                continue;
            }
            let child = self.force(e.value);
            let value = if matches!(child, Value::Attrs(_)) {
                let filtered = self.filter_attrs_recursive(f, child, depth + 1, loc)?;
                self.done(filtered)
            } else {
                e.value
            };
            entries.insert(
                k.clone(),
                AttrEntry {
                    value,
                    location: e.location.clone(),
                },
            );
        }
        Ok(Self::attrs_value(entries))
    }

    /// `lib.collect`: `[ v ]` if `pred v`, else the values collected from
    /// each attribute of a set, else `[]`.
    fn collect_into(
        &mut self,
        f: &Value,
        t: ThunkId,
        out: &mut Vec<ThunkId>,
        depth: u32,
        loc: &Option<Location>,
    ) -> Result<(), Value> {
        if depth > 64 || !self.tick() {
            return Err(self.limit("collect nesting", loc.clone()));
        }
        if self.predicate("collect", f, &[t], loc)? {
            out.push(t);
            return Ok(());
        }
        if let Value::Attrs(a) = self.force(t) {
            Self::complete(&a)?;
            for e in a.entries.values() {
                self.collect_into(f, e.value, out, depth + 1, loc)?;
            }
        }
        Ok(())
    }
}
