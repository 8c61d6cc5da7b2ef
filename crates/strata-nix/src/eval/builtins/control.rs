//! Evaluation control: `throw`, `abort`, `trace`, `seq`, `deepSeq`, and the
//! trivial combinators `id` and `const`.

use strata_core::Location;

use super::super::{Evaluator, ThunkId, UnknownKind, Value};
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
            Prim::Trace | Prim::Seq | Prim::DeepSeq => self.force(arg(1)),
            Prim::Id => self.force(arg(0)),
            Prim::Const => self.force(arg(0)),
            _ => not_in_family(prim, loc),
        })
    }
}
