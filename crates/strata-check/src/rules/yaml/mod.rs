//! Rules about YAML files as text.

pub mod yaml_not_an_object;
pub mod yaml_syntax_error;
