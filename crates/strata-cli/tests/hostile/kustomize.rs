//! kustomize inputs `kubectl kustomize` refuses: FLUX005 at the refused entry.

#[allow(unused_imports)]
use crate::{Base, Case};

pub const CASES: &[Case] = &[];
