//! The sets that hold the built-ins: the global scope, `builtins`, `lib` and
//! its namespaces, each built once per evaluator from the table in
//! [`super`].

use std::collections::BTreeMap;
use std::rc::Rc;

use super::super::{AttrEntry, Attrs, Evaluator, PrimApp, Unknown, UnknownKind, Value};
use super::{Place, Prim};

/// `lib` sub-namespaces that nixpkgs also exposes flat: each is the whole
/// `lib` here, a superset of the real namespace.
const LIB_NAMESPACES: &[&str] = &[
    "attrsets",
    "strings",
    "lists",
    "trivial",
    "modules",
    "options",
    "fixedPoints",
];

impl Evaluator<'_> {
    pub(super) fn prim_value(prim: Prim) -> Value {
        Value::Prim(Rc::new(PrimApp {
            prim,
            args: Vec::new(),
        }))
    }

    /// A global name (`true`, `builtins`, `import`, `map`, …).
    pub(crate) fn global(&mut self, name: &str) -> Option<Value> {
        match name {
            "true" => return Some(Value::Bool(true)),
            "false" => return Some(Value::Bool(false)),
            "null" => return Some(Value::Null),
            "builtins" => return Some(self.builtins()),
            "derivation" | "fetchTarball" | "fetchGit" | "fetchurl" | "fetchTree"
            | "scopedImport" => {
                return Some(Value::unknown(
                    UnknownKind::Opaque,
                    format!(
                        "`{name}` builds or fetches outside the repository; not evaluated statically"
                    ),
                    None,
                ));
            }
            _ => {}
        }
        Prim::ALL
            .iter()
            .find(|p| p.name() == name && p.places().contains(&Place::Global))
            .map(|p| Self::prim_value(*p))
    }

    /// A set of the built-ins visible at `place`, plus `extra` values; a name
    /// it lacks selects to an unknown saying `fallback`.
    fn attrs_of_prims(&mut self, place: Place, extra: Vec<(&str, Value)>, fallback: &str) -> Value {
        let mut entries = BTreeMap::new();
        for prim in Prim::ALL.iter().filter(|p| p.places().contains(&place)) {
            let t = self.done(Self::prim_value(*prim));
            entries.insert(
                prim.name().to_string(),
                AttrEntry {
                    value: t,
                    location: None,
                },
            );
        }
        for (name, v) in extra {
            let t = self.done(v);
            entries.insert(
                name.to_string(),
                AttrEntry {
                    value: t,
                    location: None,
                },
            );
        }
        let fallback = Some(Rc::new(Unknown {
            kind: UnknownKind::Unsupported,
            reason: fallback.to_string(),
            location: None,
        }));
        Value::Attrs(Rc::new(Attrs { entries, fallback }))
    }

    /// The `builtins` set.
    pub(crate) fn builtins(&mut self) -> Value {
        if let Some(t) = self.builtins_attrs {
            return self.force(t);
        }
        let extra = vec![
            ("true", Value::Bool(true)),
            ("false", Value::Bool(false)),
            ("null", Value::Null),
            (
                "currentSystem",
                Value::unknown(
                    UnknownKind::Opaque,
                    "`builtins.currentSystem` depends on the machine evaluating",
                    None,
                ),
            ),
        ];
        let v = self.attrs_of_prims(
            Place::Builtins,
            extra,
            "this builtin is not supported by the static evaluator",
        );
        let t = self.done(v.clone());
        self.builtins_attrs = Some(t);
        v
    }

    /// The `lib` a module receives (and `<input>.lib`): module-system
    /// functions plus re-exported built-ins; anything else is unknown.
    pub fn lib(&mut self) -> Value {
        if let Some(t) = self.lib_attrs {
            return self.force(t);
        }
        // The namespaces point back at `lib` itself: allocate its thunk
        // first so they can refer to it.
        let t = self.alloc(super::super::Deferred::NotReady(
            "`lib` is being built".to_string(),
        ));
        self.lib_attrs = Some(t);
        let v = self.attrs_of_prims(
            Place::Lib,
            Vec::new(),
            "this `lib` function is not implemented by the static evaluator",
        );
        let v = match v {
            Value::Attrs(a) => {
                let mut a = (*a).clone();
                for ns in LIB_NAMESPACES {
                    a.entries.insert(
                        ns.to_string(),
                        AttrEntry {
                            value: t,
                            location: None,
                        },
                    );
                }
                Value::Attrs(Rc::new(a))
            }
            other => other,
        };
        self.set_done(t, v.clone());
        v
    }
}
