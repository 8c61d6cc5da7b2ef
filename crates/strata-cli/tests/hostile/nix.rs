//! Nix that does not parse, imports nothing, or has the wrong shape.

#[allow(unused_imports)]
use crate::{Base, Case};

pub const CASES: &[Case] = &[];
