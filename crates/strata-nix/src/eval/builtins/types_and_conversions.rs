//! Types and conversions: the `is*` tests, `typeOf`, `toString`.

use std::collections::BTreeMap;
use std::rc::Rc;

use rnix::ast;
use strata_core::Location;

use super::super::{AttrEntry, Closure, Evaluator, ThunkId, UnknownKind, Value};
use super::args::nth;
use super::{Prim, not_in_family};
use crate::syntax::ident_name;

impl Evaluator<'_> {
    pub(super) fn call_types_and_conversions(
        &mut self,
        prim: Prim,
        args: &[ThunkId],
        loc: &Option<Location>,
    ) -> Result<Value, Value> {
        let arg = |i: usize| nth(args, i);
        Ok(match prim {
            Prim::ToString => {
                let v = self.force(arg(0));
                let location = match &v {
                    Value::String(s) => s.location.clone(),
                    _ => loc.clone(),
                };
                match self.coerce_to_string(v, true, loc.clone()) {
                    Ok(s) => Value::string(s, location),
                    Err(u) => Value::Unknown(u),
                }
            }
            Prim::IsAttrs => self.is(arg(0), |v| matches!(v, Value::Attrs(_))),
            Prim::IsList => self.is(arg(0), |v| matches!(v, Value::List(_))),
            Prim::IsString => self.is(arg(0), |v| matches!(v, Value::String(_))),
            Prim::IsFunction => self.is(arg(0), |v| matches!(v, Value::Lambda(_) | Value::Prim(_))),
            Prim::IsBool => self.is(arg(0), |v| matches!(v, Value::Bool(_))),
            Prim::IsInt => self.is(arg(0), |v| matches!(v, Value::Int(_))),
            Prim::IsFloat => self.is(arg(0), |v| matches!(v, Value::Float(_))),
            Prim::IsNull => self.is(arg(0), |v| matches!(v, Value::Null)),
            Prim::IsPath => self.is(arg(0), |v| matches!(v, Value::Path(_))),
            Prim::TypeOf => match self.force(arg(0)) {
                Value::Unknown(u) => Value::Unknown(u),
                v @ (Value::Input(_)
                | Value::NixosSystem(_)
                | Value::Hive(_)
                | Value::Activation(_)) => Value::unknown(
                    UnknownKind::Opaque,
                    format!("the type of a {} is not known statically", v.type_name()),
                    loc.clone(),
                ),
                v => Value::string(v.type_name(), None),
            },
            Prim::BoolToString => {
                let b = self.bool_arg(prim.name(), arg(0), loc)?;
                Value::string(if b { "true" } else { "false" }, loc.clone())
            }
            Prim::FunctionArgs => match self.force(arg(0)) {
                Value::Lambda(c) => self.formals(&c),
                Value::Prim(_) => Self::attrs_value(BTreeMap::new()),
                other => return Err(self.type_error(prim.name(), "function", &other, loc.clone())),
            },
            Prim::IsStringLike => match self.force(arg(0)) {
                Value::String(_) | Value::Path(_) => Value::Bool(true),
                Value::Attrs(a) => {
                    if a.entries.contains_key("outPath") || a.entries.contains_key("__toString") {
                        Value::Bool(true)
                    } else {
                        match &a.fallback {
                            Some(f) => Value::Unknown(Rc::clone(f)),
                            None => Value::Bool(false),
                        }
                    }
                }
                Value::Unknown(u) => Value::Unknown(u),
                Value::Input(i) => Value::unknown(
                    UnknownKind::Opaque,
                    format!(
                        "whether `{}` is string-like is not known statically",
                        i.display()
                    ),
                    loc.clone(),
                ),
                _ => Value::Bool(false),
            },
            _ => not_in_family(prim, loc),
        })
    }

    fn is(&mut self, t: ThunkId, test: impl Fn(&Value) -> bool) -> Value {
        match self.force(t) {
            Value::Unknown(u) => Value::Unknown(u),
            v @ (Value::Input(_)
            | Value::NixosSystem(_)
            | Value::Hive(_)
            | Value::Activation(_)) => Value::unknown(
                UnknownKind::Opaque,
                format!("the type of a {} is not known statically", v.type_name()),
                None,
            ),
            v => Value::Bool(test(&v)),
        }
    }

    /// `builtins.functionArgs`: each formal of a `{ a, b ? 1 }:` function,
    /// mapped to whether it has a default; `{}` for `x:`.
    fn formals(&mut self, c: &Closure) -> Value {
        let mut entries = BTreeMap::new();
        if let Some(ast::Param::Pattern(pattern)) = &c.param {
            for entry in pattern.pat_entries() {
                let Some(name) = entry.ident().and_then(|i| ident_name(&i)) else {
                    continue;
                };
                let value = self.done(Value::Bool(entry.default().is_some()));
                entries.insert(
                    name,
                    AttrEntry {
                        value,
                        location: c.location.clone(),
                    },
                );
            }
        }
        Self::attrs_value(entries)
    }
}
