//! JSON: `fromJSON`.

use std::collections::BTreeMap;
use std::rc::Rc;

use strata_core::Location;

use super::super::{AttrEntry, Attrs, Evaluator, ThunkId, UnknownKind, Value};
use super::args::nth;
use super::{Prim, not_in_family};

impl Evaluator<'_> {
    pub(super) fn call_json(
        &mut self,
        prim: Prim,
        args: &[ThunkId],
        loc: &Option<Location>,
    ) -> Result<Value, Value> {
        let arg = |i: usize| nth(args, i);
        let name = prim.name();
        Ok(match prim {
            Prim::FromJson => {
                let s = self.string_arg(name, arg(0), loc)?;
                match serde_json::from_str::<serde_json::Value>(&s.text) {
                    Ok(j) => self.json_value(&j, &s.location.clone().or(loc.clone()), 0),
                    Err(_) => Value::unknown(
                        UnknownKind::Error,
                        "fromJSON: the text is not valid JSON",
                        loc.clone(),
                    ),
                }
            }
            _ => not_in_family(prim, loc),
        })
    }

    /// A JSON value as a Nix value; strings keep `location` (the file).
    fn json_value(
        &mut self,
        j: &serde_json::Value,
        location: &Option<Location>,
        depth: u32,
    ) -> Value {
        if depth > 128 {
            return self.limit("fromJSON nesting", location.clone());
        }
        match j {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(0.0)),
            },
            serde_json::Value::String(s) => Value::string(s.clone(), location.clone()),
            serde_json::Value::Array(items) => {
                let items = items
                    .iter()
                    .map(|i| {
                        let v = self.json_value(i, location, depth + 1);
                        self.done(v)
                    })
                    .collect();
                Value::List(Rc::new(items))
            }
            serde_json::Value::Object(map) => {
                let mut entries = BTreeMap::new();
                for (k, v) in map {
                    let v = self.json_value(v, location, depth + 1);
                    let value = self.done(v);
                    entries.insert(
                        k.clone(),
                        AttrEntry {
                            value,
                            location: location.clone(),
                        },
                    );
                }
                Value::Attrs(Rc::new(Attrs {
                    entries,
                    fallback: None,
                }))
            }
        }
    }
}
