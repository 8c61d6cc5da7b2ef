//! YAML that does not parse, or parses to something that is not an object.

#[allow(unused_imports)]
use crate::{Base, Case};

pub const CASES: &[Case] = &[];
