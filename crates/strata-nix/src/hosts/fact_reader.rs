//! The one fact reader: walks a configuration path ([`get`]) and turns what
//! is there into a [`Fact`] of any type that knows how to come from a Nix
//! value ([`FromNix`]): unset when no module defines it, known when the
//! value has the type, unknown (with the reason) otherwise.

use std::rc::Rc;

use strata_core::{Code, Diagnostic, Location, NodeId};

use crate::eval::{Evaluator, UnknownKind, Value};
use crate::facts::{Fact, PortRange};

/// The result of walking a configuration path.
pub(super) enum Got {
    /// No module defines it.
    Missing,
    /// The value and the location of its definition (the attribute name).
    Val(Value, Option<Location>),
}

pub(super) fn get(ev: &mut Evaluator<'_>, root: &Value, path: &[&str]) -> Got {
    let mut current = root.clone();
    let mut location = None;
    for key in path {
        match current {
            Value::Attrs(a) => match a.get(key) {
                Some(e) => {
                    location = e.location.clone();
                    let t = e.value;
                    current = ev.force(t);
                }
                // A set only partly known (an unknown definition of it) may
                // define the name: unknown, not unset.
                None => match &a.fallback {
                    Some(f) if f.kind != UnknownKind::Undefined => {
                        return Got::Val(Value::Unknown(Rc::clone(f)), location);
                    }
                    _ => return Got::Missing,
                },
            },
            Value::Unknown(u) if u.kind == UnknownKind::Undefined => return Got::Missing,
            Value::Unknown(_) => return Got::Val(current, location),
            other => {
                let reason = format!("`{key}` selected from a {}", other.type_name());
                return Got::Val(
                    Value::unknown(UnknownKind::Error, reason, location.clone()),
                    location,
                );
            }
        }
    }
    match current {
        Value::Unknown(u) if u.kind == UnknownKind::Undefined => Got::Missing,
        v => Got::Val(v, location),
    }
}

/// A fact type read from a Nix value.
pub(super) trait FromNix: Sized {
    /// What the value must be, named in the reason when it is not.
    const EXPECTED: &'static str;

    /// The value, or the part of it that is not of the type (with what was
    /// expected there).
    fn from_nix(ev: &mut Evaluator<'_>, v: &Value) -> Result<Self, (Value, &'static str)>;

    /// Where the value itself was written, when it knows (a string literal).
    fn written_at(_v: &Value) -> Option<Location> {
        None
    }
}

impl FromNix for String {
    const EXPECTED: &'static str = "string";

    fn from_nix(_: &mut Evaluator<'_>, v: &Value) -> Result<Self, (Value, &'static str)> {
        match v {
            Value::String(s) => Ok(s.text.clone()),
            other => Err((other.clone(), Self::EXPECTED)),
        }
    }

    fn written_at(v: &Value) -> Option<Location> {
        match v {
            Value::String(s) => s.location.clone(),
            _ => None,
        }
    }
}

impl FromNix for bool {
    const EXPECTED: &'static str = "bool";

    fn from_nix(_: &mut Evaluator<'_>, v: &Value) -> Result<Self, (Value, &'static str)> {
        match v {
            Value::Bool(b) => Ok(*b),
            other => Err((other.clone(), Self::EXPECTED)),
        }
    }
}

impl FromNix for i64 {
    const EXPECTED: &'static str = "int";

    fn from_nix(_: &mut Evaluator<'_>, v: &Value) -> Result<Self, (Value, &'static str)> {
        match v {
            Value::Int(i) => Ok(*i),
            other => Err((other.clone(), Self::EXPECTED)),
        }
    }
}

impl FromNix for PortRange {
    const EXPECTED: &'static str = "port range";

    fn from_nix(ev: &mut Evaluator<'_>, v: &Value) -> Result<Self, (Value, &'static str)> {
        let mut end = |key: &str| match get(ev, v, &[key]) {
            Got::Val(Value::Int(i), _) => Ok(i),
            Got::Val(other, _) => Err((other, "int")),
            Got::Missing => Err((
                Value::unknown(
                    UnknownKind::Error,
                    "a port range without `from` or `to`",
                    None,
                ),
                "int",
            )),
        };
        Ok(PortRange {
            from: end("from")?,
            to: end("to")?,
        })
    }
}

/// A value as it is (a list's items, read further by the caller).
impl FromNix for Value {
    const EXPECTED: &'static str = "value";

    fn from_nix(_: &mut Evaluator<'_>, v: &Value) -> Result<Self, (Value, &'static str)> {
        Ok(v.clone())
    }
}

impl<T: FromNix> FromNix for Vec<T> {
    const EXPECTED: &'static str = "list";

    fn from_nix(ev: &mut Evaluator<'_>, v: &Value) -> Result<Self, (Value, &'static str)> {
        let Value::List(items) = v else {
            return Err((v.clone(), Self::EXPECTED));
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items.iter() {
            let item = ev.force(*item);
            out.push(T::from_nix(ev, &item)?);
        }
        Ok(out)
    }
}

/// The fact a walked path gives; `null` is unset (the option's default).
pub(super) fn fact<T: FromNix>(ev: &mut Evaluator<'_>, got: Got) -> Fact<T> {
    match got {
        Got::Missing | Got::Val(Value::Null, _) => Fact::Unset,
        Got::Val(v, def) => match T::from_nix(ev, &v) {
            Ok(value) => Fact::Known {
                value,
                location: T::written_at(&v).or(def),
            },
            Err((bad, expected)) => unknown_fact(&bad, def, expected),
        },
    }
}

/// The fact at `path` under `root`.
pub(super) fn fact_at<T: FromNix>(ev: &mut Evaluator<'_>, root: &Value, path: &[&str]) -> Fact<T> {
    let got = get(ev, root, path);
    fact(ev, got)
}

/// The fact at `path` of a host's `config`, with a NIX013 finding when real
/// Nix would fail to read it: evaluating the value fails (`throw`, `abort`,
/// division by zero, a missing attribute), or it has the wrong type.
pub(super) fn config_fact_at<T: FromNix>(
    ev: &mut Evaluator<'_>,
    config: &Value,
    path: &[&str],
    host: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Fact<T> {
    let got = get(ev, config, path);
    let read = match &got {
        Got::Val(v, def) => Some((v.clone(), def.clone())),
        Got::Missing => None,
    };
    let fact = fact::<T>(ev, got);
    if let (Fact::Unknown { .. }, Some((value, def))) = (&fact, read) {
        let problem = match T::from_nix(ev, &value) {
            Err((Value::Unknown(u), _)) if u.kind == UnknownKind::Error => Some((
                format!("reading it fails: {}", u.reason),
                u.location.clone().or(def),
            )),
            Err((bad, expected)) if is_nix_value(&bad) => Some((
                format!("it is {}, not a {expected}", with_article(bad.type_name())),
                def,
            )),
            _ => None,
        };
        if let Some((why, location)) = problem {
            let mut d = Diagnostic::new(
                Code::NixValueMalformed,
                format!("`{}` of host `{host}`: {why}", path.join(".")),
            )
            .on(NodeId::host(host))
            .help("real Nix fails to evaluate this host here too: fix the value, or guard it");
            if let Some(l) = location {
                d = d.at(l);
            }
            if !diagnostics.contains(&d) {
                diagnostics.push(d);
            }
        }
    }
    fact
}

/// "an int", "a string": a Nix type name for a message.
pub(crate) fn with_article(type_name: &str) -> String {
    let article = if type_name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {type_name}")
}

/// Whether a value is one of Nix's own types (not the evaluator's stand-ins
/// for what it cannot see, such as a flake input's contents).
fn is_nix_value(v: &Value) -> bool {
    matches!(
        v,
        Value::Null
            | Value::Bool(_)
            | Value::Int(_)
            | Value::Float(_)
            | Value::String(_)
            | Value::Path(_)
            | Value::List(_)
            | Value::Attrs(_)
            | Value::Lambda(_)
    )
}

/// A path option: repository-relative for a repository path, else the text.
pub(super) fn path_fact(ev: &mut Evaluator<'_>, v: &Value, def: Option<Location>) -> Fact<String> {
    match v {
        Value::Path(p) => Fact::Known {
            value: p.path.clone(),
            location: p.location.clone().or(def),
        },
        other => fact(ev, Got::Val(other.clone(), def)),
    }
}

/// Why a value is not a fact: its own reason when unknown, else the type
/// it has instead of the expected one.
pub(super) fn unknown_fact<T>(v: &Value, def: Option<Location>, expected: &str) -> Fact<T> {
    match v {
        Value::Unknown(u) => Fact::Unknown {
            reason: u.reason.clone(),
            location: u.location.clone().or(def),
        },
        other => Fact::Unknown {
            reason: format!("expected a {expected}, found a {}", other.type_name()),
            location: def,
        },
    }
}
