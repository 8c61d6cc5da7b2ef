//! Evaluation control: `throw`, `abort`, `trace`, `seq`, `deepSeq`, and the
//! trivial combinators `id` and `const`.

use strata_core::Location;

use std::rc::Rc;

use super::super::{Deferred, Evaluator, ThunkId, Unknown, UnknownKind, Value};
use super::args::nth;
use super::{Prim, not_in_family};

impl Evaluator<'_> {
    pub(super) fn call_control(
        &mut self,
        prim: Prim,
        args: &[ThunkId],
        loc: &Option<Location>,
    ) -> Result<Value, Value> {
        let arg = |i: usize| nth(args, i);
        let name = prim.name();
        Ok(match prim {
            Prim::Throw | Prim::Abort => {
                // The message is not repeated: it may interpolate anything.
                Value::unknown(
                    UnknownKind::Error,
                    format!("evaluation calls `{name}`"),
                    loc.clone(),
                )
            }
            Prim::Trace | Prim::TraceVerbose => self.force(arg(1)),
            Prim::Break => self.force(arg(0)),
            // `seq a b` fails when forcing `a` fails; `deepSeq` looks inside.
            Prim::Seq | Prim::DeepSeq => {
                let depth = if prim == Prim::DeepSeq { 64 } else { 0 };
                if let Some(u) = self.first_error(arg(0), depth) {
                    return Ok(Value::Unknown(u));
                }
                self.force(arg(1))
            }
            Prim::Id => self.force(arg(0)),
            Prim::Const => self.force(arg(0)),
            Prim::TryEval => match self.force(arg(0)) {
                Value::Unknown(u) if u.kind == UnknownKind::Error && is_catchable(&u.reason) => {
                    let f = self.done(Value::Bool(false));
                    let f2 = self.done(Value::Bool(false));
                    self.make_attrs(vec![("success", f), ("value", f2)])
                }
                Value::Unknown(u) => Value::Unknown(u),
                _ => {
                    let t = self.done(Value::Bool(true));
                    self.make_attrs(vec![("success", t), ("value", arg(0))])
                }
            },
            // Flakes evaluate purely: the environment is not visible.
            Prim::GetEnv => {
                self.string_arg(name, arg(0), loc)?;
                Value::string("", loc.clone())
            }
            Prim::Pipe => {
                let fs = self.list_arg(name, arg(1), loc)?;
                let mut acc = arg(0);
                for f in fs.iter() {
                    let f = self.force(*f);
                    acc = self.alloc(Deferred::Apply(f, vec![acc], loc.clone()));
                }
                self.force(acc)
            }
            Prim::Flip => {
                let f = self.force(arg(0));
                self.apply_all(f, &[arg(2), arg(1)], loc.clone())
            }
            Prim::MapNullable => match self.force(arg(1)) {
                Value::Null => Value::Null,
                Value::Unknown(u) => Value::Unknown(u),
                _ => {
                    let f = self.force(arg(0));
                    self.apply(f, arg(1), loc.clone())
                }
            },
            Prim::Fix => {
                // `fix f = let x = f x; in x`: the thunk is its own argument.
                let f = self.force(arg(0));
                let x = self.alloc(Deferred::NotReady("`lib.fix` is being set up".into()));
                self.set_pending(x, Deferred::Apply(f, vec![x], loc.clone()));
                self.force(x)
            }
            Prim::Warn | Prim::AddErrorContext => self.force(arg(1)),
            Prim::WarnIf => {
                self.bool_arg(name, arg(0), loc)?;
                self.force(arg(2))
            }
            Prim::ThrowIf | Prim::ThrowIfNot => {
                let cond = self.bool_arg(name, arg(0), loc)?;
                if cond == (prim == Prim::ThrowIf) {
                    Value::unknown(
                        UnknownKind::Error,
                        format!("evaluation calls `throw` (lib.{name})"),
                        loc.clone(),
                    )
                } else {
                    self.force(arg(2))
                }
            }
            Prim::AssertMsg => {
                if self.bool_arg(name, arg(0), loc)? {
                    Value::Bool(true)
                } else {
                    Value::unknown(
                        UnknownKind::Error,
                        "evaluation calls `throw` (lib.assertMsg)",
                        loc.clone(),
                    )
                }
            }
            _ => not_in_family(prim, loc),
        })
    }
}

impl Evaluator<'_> {
    /// The first error (what real Nix would fail on) met forcing `t` to
    /// `depth` levels of lists and sets; unknowns of other kinds are not
    /// errors (Nix would compute them).
    fn first_error(&mut self, t: ThunkId, depth: u32) -> Option<Rc<Unknown>> {
        if !self.tick() {
            return None;
        }
        match self.force(t) {
            Value::Unknown(u) if u.kind == UnknownKind::Error => Some(u),
            Value::List(items) if depth > 0 => {
                items.iter().find_map(|i| self.first_error(*i, depth - 1))
            }
            Value::Attrs(a) if depth > 0 => a
                .entries
                .values()
                .find_map(|e| self.first_error(e.value, depth - 1)),
            _ => None,
        }
    }
}

/// Whether an error is one `tryEval` catches: `throw` and failed `assert`
/// (not `abort`, and not a missing attribute or a type error).
fn is_catchable(reason: &str) -> bool {
    reason.starts_with("evaluation calls `throw`") || reason == "assertion failed"
}
