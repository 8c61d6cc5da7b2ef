//! The module-system part of `lib` (`mkOption`, `mkEnableOption`, `types`,
//! `evalModules`) laid over the built-in `lib`: [`Evaluator::full_lib`] is
//! what module code and flakes see as `lib`.
//!
//! The options and types are Nix code (`module_lib.nix`), evaluated in a
//! file of its own whose locations are hidden: a fact never points into it.

use std::rc::Rc;
use std::sync::Arc;

use strata_core::SourceFile;

use super::{AttrEntry, Attrs, Evaluator, Prim, PrimApp, Unknown, UnknownKind, Value};
use crate::files::ParsedFile;

/// The path the module-system `lib` is evaluated under (never a repository
/// path: `<` cannot start one).
pub(crate) const MODULE_LIB_PATH: &str = "<strata>/module-lib.nix";

const MODULE_LIB_SOURCE: &str = include_str!("module_lib.nix");

/// `lib` namespaces that are the whole `lib` here (as in `eval/builtins.rs`),
/// re-pointed at the full `lib` so `lib.options.mkOption` works too.
const NAMESPACES: &[&str] = &[
    "attrsets",
    "strings",
    "lists",
    "trivial",
    "modules",
    "options",
    "fixedPoints",
];

impl Evaluator<'_> {
    /// `lib` as module code sees it: the built-in functions plus the module
    /// system. Built once per evaluator.
    pub(crate) fn full_lib(&mut self) -> Value {
        if let Some(t) = self.full_lib_attrs {
            return self.force(t);
        }
        let t = self.alloc(super::Deferred::NotReady(
            "`lib` is being built".to_string(),
        ));
        self.full_lib_attrs = Some(t);
        let base = self.lib();
        let mut lib = match &base {
            Value::Attrs(a) => (**a).clone(),
            _ => Attrs::default(),
        };
        let overlay = {
            let parsed = ParsedFile::parse(Arc::new(SourceFile::new(
                MODULE_LIB_PATH,
                MODULE_LIB_SOURCE.to_string(),
            )));
            let f = self.virtual_file(MODULE_LIB_PATH, &parsed);
            let f = self.force(f);
            self.apply(f, t, None)
        };
        if let Value::Attrs(overlay) = overlay {
            for (k, e) in &overlay.entries {
                // The built-in `lib` wins where it has a name: it is the
                // maintained implementation.
                lib.entries.insert_if_absent(k.clone(), || e.clone());
            }
        }
        // Types beyond the common ones are still types: their shape is just
        // not modelled (a value of one merges as a plain value).
        if let Some(types) = lib.entries.get("types").map(|e| e.value)
            && let Value::Attrs(ta) = self.force(types)
        {
            let mut ta = (*ta).clone();
            ta.fallback = Some(Rc::new(Unknown {
                kind: UnknownKind::Unsupported,
                reason: "this option type is not modelled statically".to_string(),
                location: None,
            }));
            let v = self.done(Value::Attrs(Rc::new(ta)));
            lib.entries.insert(
                "types".to_string(),
                AttrEntry {
                    value: v,
                    location: None,
                },
            );
        }
        // `lib.evalModules { modules; specialArgs; }` is kept like a
        // `nixosSystem` call: its `config` is the merge of its modules.
        lib.entries.insert_if_absent("evalModules".to_string(), || {
            let v = self.done(Value::Prim(Rc::new(PrimApp {
                prim: Prim::NixosSystem,
                args: Vec::new(),
            })));
            AttrEntry {
                value: v,
                location: None,
            }
        });
        for ns in NAMESPACES {
            lib.entries.insert(
                ns.to_string(),
                AttrEntry {
                    value: t,
                    location: None,
                },
            );
        }
        let v = Value::Attrs(Rc::new(lib));
        self.set_done(t, v.clone());
        v
    }
}
