//! placeholder
use strata_core::Location;

use super::super::{Evaluator, ThunkId, Value};
use super::{Prim, not_in_family};

impl Evaluator<'_> {
    pub(super) fn call_packages(
        &mut self,
        prim: Prim,
        _args: &[ThunkId],
        loc: &Option<Location>,
    ) -> Result<Value, Value> {
        Ok(not_in_family(prim, loc))
    }
}
