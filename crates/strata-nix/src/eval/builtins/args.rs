//! Reading a built-in's arguments: forcing them to the type it needs, or
//! returning early with the unknown or the type error.

use std::collections::BTreeMap;
use std::rc::Rc;

use strata_core::Location;

use super::super::{AttrEntry, Attrs, Evaluator, NixString, ThunkId, UnknownKind, Value};

impl Evaluator<'_> {
    pub(super) fn list_arg(
        &mut self,
        what: &str,
        t: ThunkId,
        loc: &Option<Location>,
    ) -> Result<Rc<Vec<ThunkId>>, Value> {
        match self.force(t) {
            Value::List(l) => Ok(l),
            other => Err(self.type_error(what, "list", &other, loc.clone())),
        }
    }

    pub(super) fn attrs_arg(
        &mut self,
        what: &str,
        t: ThunkId,
        loc: &Option<Location>,
    ) -> Result<Rc<Attrs>, Value> {
        match self.force(t) {
            Value::Attrs(a) => Ok(a),
            other => Err(self.type_error(what, "set", &other, loc.clone())),
        }
    }

    pub(super) fn string_arg(
        &mut self,
        what: &str,
        t: ThunkId,
        loc: &Option<Location>,
    ) -> Result<Rc<NixString>, Value> {
        match self.force(t) {
            Value::String(s) => Ok(s),
            // Nix coerces a path here by copying it to the store.
            Value::Path(_) => Err(Value::unknown(
                UnknownKind::Opaque,
                format!("{what}: a path used as a string is its store path, not known statically"),
                loc.clone(),
            )),
            other => Err(self.type_error(what, "string", &other, loc.clone())),
        }
    }

    pub(super) fn bool_arg(
        &mut self,
        what: &str,
        t: ThunkId,
        loc: &Option<Location>,
    ) -> Result<bool, Value> {
        match self.force(t) {
            Value::Bool(b) => Ok(b),
            other => Err(self.type_error(what, "bool", &other, loc.clone())),
        }
    }

    pub(super) fn int_arg(
        &mut self,
        what: &str,
        t: ThunkId,
        loc: &Option<Location>,
    ) -> Result<i64, Value> {
        match self.force(t) {
            Value::Int(i) => Ok(i),
            other => Err(self.type_error(what, "int", &other, loc.clone())),
        }
    }

    /// A function's boolean answer, or the early return (unknown, type error).
    pub(super) fn predicate(
        &mut self,
        what: &str,
        f: &Value,
        args: &[ThunkId],
        loc: &Option<Location>,
    ) -> Result<bool, Value> {
        match self.apply_all(f.clone(), args, loc.clone()) {
            Value::Bool(b) => Ok(b),
            other => Err(self.type_error(what, "bool-returning function", &other, loc.clone())),
        }
    }

    /// Unknown when the attribute set is only partly known and the result
    /// depends on all of its names.
    pub(super) fn complete(a: &Attrs) -> Result<(), Value> {
        match &a.fallback {
            Some(f) => Err(Value::Unknown(Rc::clone(f))),
            None => Ok(()),
        }
    }

    /// A set of already-evaluated thunks, without locations.
    pub(super) fn make_attrs(&mut self, pairs: Vec<(&str, ThunkId)>) -> Value {
        let entries = pairs
            .into_iter()
            .map(|(k, value)| {
                (
                    k.to_string(),
                    AttrEntry {
                        value,
                        location: None,
                    },
                )
            })
            .collect();
        Value::Attrs(Rc::new(Attrs {
            entries,
            fallback: None,
        }))
    }

    /// A list of already-evaluated values.
    pub(super) fn make_list(&mut self, values: Vec<Value>) -> Value {
        let items = values.into_iter().map(|v| self.done(v)).collect();
        Value::List(Rc::new(items))
    }

    /// A complete set from its entries.
    pub(super) fn attrs_value(entries: BTreeMap<String, AttrEntry>) -> Value {
        Value::Attrs(Rc::new(Attrs {
            entries: entries.into(),
            fallback: None,
        }))
    }
}

/// The `i`th argument; a dangling id (forcing it gives an unknown) if the
/// table's arity and the code disagree, never a panic.
pub(super) fn nth(args: &[ThunkId], i: usize) -> ThunkId {
    args.get(i).copied().unwrap_or(ThunkId(u32::MAX))
}
