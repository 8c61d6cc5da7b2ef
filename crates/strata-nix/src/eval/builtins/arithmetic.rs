//! Arithmetic built-ins: `add`, `sub`, `mul`, `div`, `lessThan`, the same
//! operations as the operators.

use strata_core::Location;

use super::super::{Evaluator, ThunkId, UnknownKind, Value};
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
            Prim::Min | Prim::Max => {
                // nixpkgs: `min = x: y: if x < y then x else y;`,
                // `max = x: y: if x > y then x else y;`.
                let a = self.force(arg(0));
                let b = self.force(arg(1));
                let (lhs, rhs) = if prim == Prim::Min {
                    (a.clone(), b.clone())
                } else {
                    (b.clone(), a.clone())
                };
                match self.binary(rnix::ast::BinOpKind::Less, lhs, rhs, loc.clone()) {
                    Value::Bool(true) => a,
                    Value::Bool(false) => b,
                    other => return Err(other),
                }
            }
            Prim::Mod => {
                // nixpkgs: `mod = base: int: base - (int * (builtins.div base int))`.
                let a = self.int_arg(prim.name(), arg(0), loc)?;
                let b = self.int_arg(prim.name(), arg(1), loc)?;
                match a
                    .checked_div(b)
                    .and_then(|q| b.checked_mul(q))
                    .and_then(|m| a.checked_sub(m))
                {
                    Some(r) => Value::Int(r),
                    None => {
                        Value::unknown(UnknownKind::Error, "mod: division by zero", loc.clone())
                    }
                }
            }
            Prim::BitAnd | Prim::BitOr | Prim::BitXor => {
                let a = self.int_arg(prim.name(), arg(0), loc)?;
                let b = self.int_arg(prim.name(), arg(1), loc)?;
                Value::Int(match prim {
                    Prim::BitAnd => a & b,
                    Prim::BitOr => a | b,
                    _ => a ^ b,
                })
            }
            Prim::BitNot => Value::Int(!self.int_arg(prim.name(), arg(0), loc)?),
            Prim::And | Prim::Or | Prim::Xor => {
                let a = self.bool_arg(prim.name(), arg(0), loc)?;
                if prim == Prim::And && !a {
                    return Ok(Value::Bool(false));
                }
                if prim == Prim::Or && a {
                    return Ok(Value::Bool(true));
                }
                let b = self.bool_arg(prim.name(), arg(1), loc)?;
                Value::Bool(if prim == Prim::Xor { a != b } else { b })
            }
            Prim::Ceil | Prim::Floor => match self.force(arg(0)) {
                Value::Int(i) => Value::Int(i),
                Value::Float(f) => {
                    let r = if prim == Prim::Ceil {
                        f.ceil()
                    } else {
                        f.floor()
                    };
                    if r.is_finite() && r.abs() < 9.0e18 {
                        Value::Int(r as i64)
                    } else {
                        Value::unknown(UnknownKind::Error, "integer overflow", loc.clone())
                    }
                }
                other => return Err(self.type_error(prim.name(), "number", &other, loc.clone())),
            },
            _ => not_in_family(prim, loc),
        })
    }
}
