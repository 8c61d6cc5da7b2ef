//! Library calls of flake inputs that the host readers look into:
//! nixpkgs' `nixosSystem`, Colmena's `makeHive`, flake-utils' `eachSystem`.

use std::collections::BTreeMap;
use std::rc::Rc;

use strata_core::Location;

use super::super::{AttrEntry, Attrs, Evaluator, SystemCall, ThunkId, Value};
use super::args::nth;
use super::{Prim, not_in_family};

/// flake-utils' `defaultSystems`.
const DEFAULT_SYSTEMS: &[&str] = &[
    "aarch64-darwin",
    "aarch64-linux",
    "x86_64-darwin",
    "x86_64-linux",
];

impl Evaluator<'_> {
    pub(super) fn call_flake_helpers(
        &mut self,
        prim: Prim,
        args: &[ThunkId],
        loc: &Option<Location>,
    ) -> Result<Value, Value> {
        let arg = |i: usize| nth(args, i);
        let name = prim.name();
        Ok(match prim {
            Prim::NixosSystem => Value::NixosSystem(Rc::new(SystemCall {
                args: arg(0),
                location: loc.clone(),
            })),
            Prim::MakeHive => Value::Hive(Rc::new(SystemCall {
                args: arg(0),
                location: loc.clone(),
            })),
            Prim::EachSystem | Prim::EachDefaultSystem => {
                let (systems, f) = if prim == Prim::EachDefaultSystem {
                    let items = DEFAULT_SYSTEMS
                        .iter()
                        .map(|s| self.done(Value::string(*s, None)))
                        .collect();
                    (Rc::new(items), arg(0))
                } else {
                    (self.list_arg(name, arg(0), loc)?, arg(1))
                };
                let f = self.force(f);
                self.each_system(&systems, f, loc)?
            }
            _ => not_in_family(prim, loc),
        })
    }

    /// flake-utils' `eachSystem`: `{ <attr>.<system> = (f system).<attr>; }`.
    fn each_system(
        &mut self,
        systems: &[ThunkId],
        f: Value,
        loc: &Option<Location>,
    ) -> Result<Value, Value> {
        let mut out: BTreeMap<String, BTreeMap<String, AttrEntry>> = BTreeMap::new();
        let mut locations: BTreeMap<String, Option<Location>> = BTreeMap::new();
        for system in systems {
            let sys = self.string_arg("eachSystem", *system, loc)?;
            let result = self.apply(f.clone(), *system, loc.clone());
            let result = match result {
                Value::Attrs(a) => a,
                Value::Unknown(u) => return Err(Value::Unknown(u)),
                other => return Err(self.type_error("eachSystem", "set", &other, loc.clone())),
            };
            for (attr, e) in &result.entries {
                locations.entry(attr.clone()).or_insert(e.location.clone());
                out.entry(attr.clone()).or_default().insert(
                    sys.text.clone(),
                    AttrEntry {
                        value: e.value,
                        location: sys.location.clone().or(e.location.clone()),
                    },
                );
            }
        }
        let mut entries = BTreeMap::new();
        for (attr, per_system) in out {
            let value = self.done(Value::Attrs(Rc::new(Attrs {
                entries: per_system.into(),
                fallback: None,
            })));
            let location = locations.remove(&attr).flatten();
            entries.insert(attr, AttrEntry { value, location });
        }
        Ok(Value::Attrs(Rc::new(Attrs {
            entries: entries.into(),
            fallback: None,
        })))
    }
}
