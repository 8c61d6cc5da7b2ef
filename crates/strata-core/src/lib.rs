//! The vocabulary every strata crate shares: repository files and their text
//! ([`SourceFile`], [`SourceDb`], [`RepoTree`]), byte [`Span`]s and [`Location`]s,
//! [`Diagnostic`]s with stable [`Code`]s, stable [`NodeId`]s, and the unified
//! dependency [`Graph`].
//!
//! Nothing here knows Nix, YAML, git or a terminal: the layer crates
//! (`strata-nix`, `strata-flux`) produce these values, `strata-check` assembles
//! them, `strata-plan` orders them and `strata-cli` renders them.

mod codes;
mod diagnostic;
mod graph;
mod id;
mod path;
mod path_patterns;
mod repo;
mod source;

pub use codes::{Code, Layer};
pub use diagnostic::{Diagnostic, Related, Severity};
pub use graph::{Edge, EdgeKind, Graph, Node};
pub use id::NodeId;
pub use path::{join_relative, parent_dir};
pub use path_patterns::PathPatterns;
pub use repo::{MAX_FILE_BYTES, Refusal, RepoTree};
pub use source::{LineCol, Location, SourceDb, SourceFile, Span};
