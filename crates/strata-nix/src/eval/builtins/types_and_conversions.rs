//! Types and conversions: the `is*` tests, `typeOf`, `toString`.

use strata_core::Location;

use super::super::{Evaluator, ThunkId, UnknownKind, Value};
use super::args::nth;
use super::{Prim, not_in_family};

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
}
