//! The vocabulary every strata crate shares: repository files and their text
//! ([`SourceFile`], [`SourceDb`], [`RepoTree`]), byte [`Span`]s and [`Location`]s,
//! [`Diagnostic`]s with stable [`Code`]s, stable [`NodeId`]s, and the unified
//! dependency [`Graph`].
//!
//! Nothing here knows Nix, YAML, git or a terminal: the layer crates
//! (`strata-nix`, `strata-flux`) produce these values, `strata-check` assembles
//! them, `strata-plan` orders them and `strata-cli` renders them.
//!
//! ```
//! use strata_core::{EdgeKind, Graph, Location, Node, NodeId, SourceFile, Span};
//!
//! // A file and a location in it, resolved to a line and column.
//! let file = SourceFile::new("hosts/nas.nix", "{ ... }:\n{\n  networking.hostName = \"nas\";\n}\n");
//! let offset = file.text().find("\"nas\"").unwrap();
//! assert_eq!(file.line_col(offset).line, 3);
//!
//! // A host that imports the file: two nodes and an edge from the dependent
//! // to what it needs.
//! let mut graph = Graph::new();
//! let host = NodeId::host("nas");
//! let module = NodeId::file("hosts/nas.nix");
//! graph.add_node(Node::new(host.clone(), None));
//! graph.add_node(Node::new(module.clone(), Some(Location::new("hosts/nas.nix", Span::at(0)))));
//! graph.add_edge(&host, &module, EdgeKind::Imports, None);
//! assert_eq!(host.as_str(), "host/nas");
//! let needs: Vec<_> = graph.outgoing(&host).map(|(to, kind)| (to.as_str(), kind.as_str())).collect();
//! assert_eq!(needs, [("file/hosts/nas.nix", "imports")]);
//! ```

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
pub use graph::{Attrs, Edge, EdgeKind, Graph, Node};
pub use id::NodeId;
pub use path::{is_below, join_relative, parent_dir};
pub use path_patterns::PathPatterns;
pub use repo::{MAX_FILE_BYTES, Refusal, RepoTree};
pub use source::{LineCol, Location, SourceDb, SourceFile, Span};
