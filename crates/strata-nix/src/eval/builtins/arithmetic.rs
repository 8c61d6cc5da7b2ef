//! Arithmetic built-ins: `add`, `sub`, `mul`, `div`, `lessThan`, the same
//! operations as the operators.

use strata_core::Location;

use super::super::{Evaluator, ThunkId, Value};
use super::args::nth;
use super::{Prim, not_in_family};

impl Evaluator<'_> {
    pub(super) fn call_arithmetic(
        &mut self,
        prim: Prim,
        args: &[ThunkId],
        loc: &Option<Location>,
    ) -> Result<Value, Value> {
        let arg = |i: usize| nth(args, i);
        Ok(match prim {
            Prim::Add | Prim::Sub | Prim::Mul | Prim::Div | Prim::LessThan => {
                let a = self.force(arg(0));
                let b = self.force(arg(1));
                let kind = match prim {
                    Prim::Add => rnix::ast::BinOpKind::Add,
                    Prim::Sub => rnix::ast::BinOpKind::Sub,
                    Prim::Mul => rnix::ast::BinOpKind::Mul,
                    Prim::Div => rnix::ast::BinOpKind::Div,
                    _ => rnix::ast::BinOpKind::Less,
                };
                self.binary(kind, a, b, loc.clone())
            }
            _ => not_in_family(prim, loc),
        })
    }
}
