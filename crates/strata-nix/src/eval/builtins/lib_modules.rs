//! The module system's properties in `lib` (`mkIf`, `mkMerge`, `mkOverride`
//! and its priorities, `mkOrder`), encoded as nixpkgs encodes them
//! (`_type = "if"`, `"override"` …) so the module merge can discharge them.
//! Option declarations, `types` and `evalModules` belong to the module
//! system itself, not to this table.

use strata_core::Location;

use super::super::{Evaluator, ThunkId, Value};
use super::args::nth;
use super::{Prim, not_in_family};

/// Module-system priorities, as nixpkgs defines them.
const PRIORITY_MK_DEFAULT: i64 = 1000;
const PRIORITY_MK_FORCE: i64 = 50;
const PRIORITY_MK_OPTION_DEFAULT: i64 = 1500;
const PRIORITY_MK_IMAGE_MEDIA_OVERRIDE: i64 = 60;
const PRIORITY_MK_VM_OVERRIDE: i64 = 10;

impl Evaluator<'_> {
    pub(super) fn call_lib_modules(
        &mut self,
        prim: Prim,
        args: &[ThunkId],
        loc: &Option<Location>,
    ) -> Result<Value, Value> {
        let arg = |i: usize| nth(args, i);
        Ok(match prim {
            Prim::MkIf => {
                let ty = self.done(Value::string("if", None));
                self.make_attrs(vec![
                    ("_type", ty),
                    ("condition", arg(0)),
                    ("content", arg(1)),
                ])
            }
            Prim::MkMerge => {
                let ty = self.done(Value::string("merge", None));
                self.make_attrs(vec![("_type", ty), ("contents", arg(0))])
            }
            Prim::MkOverride => self.property("override", Some(arg(0)), arg(1)),
            Prim::MkDefault | Prim::MkForce | Prim::MkOptionDefault => {
                let p = match prim {
                    Prim::MkDefault => PRIORITY_MK_DEFAULT,
                    Prim::MkForce => PRIORITY_MK_FORCE,
                    _ => PRIORITY_MK_OPTION_DEFAULT,
                };
                let p = self.done(Value::Int(p));
                self.property("override", Some(p), arg(0))
            }
            Prim::MkOrder => self.property("order", Some(arg(0)), arg(1)),
            Prim::MkBefore | Prim::MkAfter => {
                let p = self.done(Value::Int(if prim == Prim::MkBefore { 500 } else { 1500 }));
                self.property("order", Some(p), arg(0))
            }
            Prim::MkImageMediaOverride | Prim::MkVmOverride => {
                let p = if prim == Prim::MkVmOverride {
                    PRIORITY_MK_VM_OVERRIDE
                } else {
                    PRIORITY_MK_IMAGE_MEDIA_OVERRIDE
                };
                let p = self.done(Value::Int(p));
                self.property("override", Some(p), arg(0))
            }
            _ => not_in_family(prim, loc),
        })
    }

    /// `{ _type = kind; priority = p; content = x; }`, nixpkgs' encoding of
    /// module-system properties, discharged by the module merge.
    fn property(&mut self, kind: &str, priority: Option<ThunkId>, content: ThunkId) -> Value {
        let ty = self.done(Value::string(kind, None));
        let mut pairs = vec![("_type", ty), ("content", content)];
        if let Some(p) = priority {
            pairs.push(("priority", p));
        }
        self.make_attrs(pairs)
    }
}
