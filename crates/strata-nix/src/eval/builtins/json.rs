//! Data formats: `fromJSON`, `toJSON`, `fromTOML`, `importJSON`, `importTOML`.

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
            Prim::ToJson => {
                let v = self.force(arg(0));
                let j = self.json_of_value(v, 0, loc)?;
                match serde_json::to_string(&j) {
                    Ok(text) => Value::string(text, loc.clone()),
                    Err(_) => Value::unknown(
                        UnknownKind::Error,
                        "toJSON: the value has no JSON form",
                        loc.clone(),
                    ),
                }
            }
            Prim::ImportJson | Prim::ImportToml => {
                let text = self.call_prim_inner(Prim::ReadFile, &[arg(0)], loc)?;
                let text = self.done(text);
                let parse = if prim == Prim::ImportJson {
                    Prim::FromJson
                } else {
                    Prim::FromToml
                };
                return self.call_prim_inner(parse, &[text], loc);
            }
            Prim::FromToml => {
                let s = self.string_arg(name, arg(0), loc)?;
                match s.text.parse::<toml::Table>() {
                    Ok(table) => {
                        let location = s.location.clone().or(loc.clone());
                        self.toml_value(&toml::Value::Table(table), &location, 0)
                    }
                    Err(_) => Value::unknown(
                        UnknownKind::Error,
                        "fromTOML: the text is not valid TOML",
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

    /// `builtins.toJSON`'s value: sets with `__toString` or `outPath` print
    /// as that string; paths would be copied to the store (unknown).
    fn json_of_value(
        &mut self,
        v: Value,
        depth: u32,
        loc: &Option<Location>,
    ) -> Result<serde_json::Value, Value> {
        if depth > 128 || !self.tick() {
            return Err(self.limit("toJSON nesting", loc.clone()));
        }
        Ok(match v {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(b),
            Value::Int(i) => serde_json::Value::from(i),
            Value::Float(f) => serde_json::Number::from_f64(f)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::String(s) => serde_json::Value::String(s.text.clone()),
            Value::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items.iter() {
                    let v = self.force(*item);
                    out.push(self.json_of_value(v, depth + 1, loc)?);
                }
                serde_json::Value::Array(out)
            }
            Value::Attrs(a) => {
                if a.entries.contains_key("__toString") || a.entries.contains_key("outPath") {
                    let text = self
                        .coerce_to_string(Value::Attrs(a), false, loc.clone())
                        .map_err(Value::Unknown)?;
                    return Ok(serde_json::Value::String(text));
                }
                Self::complete(&a)?;
                let mut out = serde_json::Map::new();
                for (k, e) in &a.entries {
                    let v = self.force(e.value);
                    out.insert(k.clone(), self.json_of_value(v, depth + 1, loc)?);
                }
                serde_json::Value::Object(out)
            }
            Value::Path(_) => {
                return Err(Value::unknown(
                    UnknownKind::Opaque,
                    "toJSON of a path copies it to the Nix store; its store path is not known statically",
                    loc.clone(),
                ));
            }
            Value::Unknown(u) => return Err(Value::Unknown(u)),
            other @ (Value::Input(_)
            | Value::NixosSystem(_)
            | Value::Hive(_)
            | Value::Activation(_)) => {
                return Err(Value::unknown(
                    UnknownKind::Opaque,
                    format!("toJSON of a {} is not known statically", other.type_name()),
                    loc.clone(),
                ));
            }
            Value::Lambda(_) | Value::Prim(_) => {
                return Err(Value::unknown(
                    UnknownKind::Error,
                    "toJSON: cannot convert a function to JSON",
                    loc.clone(),
                ));
            }
        })
    }

    /// A TOML value as a Nix value; strings keep `location` (the file).
    fn toml_value(&mut self, t: &toml::Value, location: &Option<Location>, depth: u32) -> Value {
        if depth > 128 {
            return self.limit("fromTOML nesting", location.clone());
        }
        match t {
            toml::Value::String(s) => Value::string(s.clone(), location.clone()),
            toml::Value::Integer(i) => Value::Int(*i),
            toml::Value::Float(f) => Value::Float(*f),
            toml::Value::Boolean(b) => Value::Bool(*b),
            // Nix rejects timestamps unless an experimental feature is on.
            toml::Value::Datetime(_) => Value::unknown(
                UnknownKind::Error,
                "fromTOML: timestamps are not supported by Nix",
                location.clone(),
            ),
            toml::Value::Array(items) => {
                let items = items
                    .iter()
                    .map(|i| {
                        let v = self.toml_value(i, location, depth + 1);
                        self.done(v)
                    })
                    .collect();
                Value::List(Rc::new(items))
            }
            toml::Value::Table(map) => {
                let mut entries = BTreeMap::new();
                for (k, v) in map {
                    let v = self.toml_value(v, location, depth + 1);
                    let value = self.done(v);
                    entries.insert(
                        k.clone(),
                        AttrEntry {
                            value,
                            location: location.clone(),
                        },
                    );
                }
                Self::attrs_value(entries)
            }
        }
    }
}
