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
                    entries,
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
                    .filter(|(k, _)| a.entries.contains_key(*k))
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
        Ok(Value::Attrs(Rc::new(Attrs { entries, fallback })))
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
}
