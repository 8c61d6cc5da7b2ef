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
                let mut text = String::new();
                self.json_of_value(v, &mut text, 0, loc)?;
                Value::string(text, loc.clone())
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
                    entries: entries.into(),
                    fallback: None,
                }))
            }
        }
    }

    /// `builtins.toJSON`'s text, written as Nix writes it: keys sorted,
    /// floats as C++ prints them (`%g`); sets with `__toString` or
    /// `outPath` print as that string; paths would be copied to the store
    /// (unknown).
    fn json_of_value(
        &mut self,
        v: Value,
        out: &mut String,
        depth: u32,
        loc: &Option<Location>,
    ) -> Result<(), Value> {
        if depth > 128 || !self.tick() {
            return Err(self.limit("toJSON nesting", loc.clone()));
        }
        let quote = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string());
        match v {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if b { "true" } else { "false" }),
            Value::Int(i) => out.push_str(&i.to_string()),
            Value::Float(f) => out.push_str(&format_float_g(f)),
            Value::String(s) => out.push_str(&quote(&s.text)),
            Value::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let v = self.force(*item);
                    self.json_of_value(v, out, depth + 1, loc)?;
                }
                out.push(']');
            }
            Value::Attrs(a) => {
                if a.entries.contains_key("__toString") || a.entries.contains_key("outPath") {
                    let text = self
                        .coerce_to_string(Value::Attrs(a), false, loc.clone())
                        .map_err(Value::Unknown)?;
                    out.push_str(&quote(&text));
                    return Ok(());
                }
                Self::complete(&a)?;
                out.push('{');
                for (i, (k, e)) in a.entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&quote(k));
                    out.push(':');
                    let v = self.force(e.value);
                    self.json_of_value(v, out, depth + 1, loc)?;
                }
                out.push('}');
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
        }
        Ok(())
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

/// A float as C++'s `ostream << double` prints it (`printf("%g")`: six
/// significant digits, trailing zeros dropped, an exponent of two digits
/// or more outside 1e-5 ..= 1e6), which is how Nix writes floats in JSON.
pub(super) fn format_float_g(f: f64) -> String {
    if f.is_nan() {
        return "nan".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    // Round to six significant digits first: the exponent is the rounded one.
    let sci = format!("{f:.5e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let trim = |s: String| {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    if !(-4..6).contains(&exp) {
        let m = trim(mantissa.to_string());
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{m}e{sign}{:02}", exp.abs())
    } else {
        let decimals = usize::try_from(5 - exp).unwrap_or(0);
        trim(format!("{f:.decimals$}"))
    }
}

#[cfg(test)]
mod tests {
    use super::format_float_g;

    #[test]
    fn floats_print_as_cpp_does() {
        // `builtins.toJSON [ 0.1234567 1.0e20 123456789.5 (-2.5) 1.0e-7 100.0 0.1 ]`
        // in Nix 2.8 is "[0.123457,1e+20,1.23457e+08,-2.5,1e-07,100,0.1]".
        let got: Vec<String> = [0.1234567, 1.0e20, 123456789.5, -2.5, 1.0e-7, 100.0, 0.1]
            .into_iter()
            .map(format_float_g)
            .collect();
        assert_eq!(
            got,
            [
                "0.123457",
                "1e+20",
                "1.23457e+08",
                "-2.5",
                "1e-07",
                "100",
                "0.1"
            ]
        );
        assert_eq!(format_float_g(999999.5), "1e+06");
        assert_eq!(format_float_g(0.0001), "0.0001");
    }
}
