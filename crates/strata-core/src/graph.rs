//! The unified dependency graph of a repository: hosts, Nix files, flake inputs
//! and Kubernetes/Flux objects, with typed edges from dependent to dependency.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use rayon::prelude::*;
use serde::Serialize;

use crate::{Location, NodeId};

/// What an edge means. Every edge points from the dependent to what it needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EdgeKind {
    /// A Nix file or host to a Nix file it imports.
    Imports,
    /// Flux `dependsOn`.
    DependsOn,
    /// An object to its source (HelmRepository, OCIRepository, GitRepository…).
    Source,
    /// A Flux Kustomization to each object it applies.
    Contains,
    /// A k3s node to the server it joins.
    Joins,
    /// A cluster object to the host configuration it needs, or the reverse.
    Requires,
    /// A host or file to the flake input it uses.
    Uses,
    /// A manifest object to the Nix file that renders it (kubenix, nixidy,
    /// a module writing YAML into the tree).
    RenderedBy,
}

impl EdgeKind {
    /// The kebab-case name used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Imports => "imports",
            EdgeKind::DependsOn => "depends-on",
            EdgeKind::Source => "source",
            EdgeKind::Contains => "contains",
            EdgeKind::Joins => "joins",
            EdgeKind::Requires => "requires",
            EdgeKind::Uses => "uses",
            EdgeKind::RenderedBy => "rendered-by",
        }
    }
}

/// A node: its id (which says what it is), where it is declared, and facts.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// Stable id.
    pub id: NodeId,
    /// Where the node is declared.
    pub location: Option<Location>,
    /// Layer-specific facts (chart versions, the applying cluster…), sorted by key.
    pub attrs: Attrs,
}

/// A node's attributes, sorted by key.
///
/// A node has a handful of attributes with keys the code names: a sorted
/// list with borrowed keys holds them in one allocation, where a map
/// allocated a 600-byte tree node and a string per key (most of a graph
/// node's memory on a tree of 160,000 objects).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Attrs(Vec<(Cow<'static, str>, serde_json::Value)>);

impl Attrs {
    /// No attributes.
    pub fn new() -> Self {
        Self::default()
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<&serde_json::Value> {
        self.position(key).ok().map(|i| &self.0[i].1)
    }

    /// Sets `key`, returning the value it replaces.
    pub fn insert(
        &mut self,
        key: impl Into<Cow<'static, str>>,
        value: serde_json::Value,
    ) -> Option<serde_json::Value> {
        let key = key.into();
        match self.position(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    /// Every attribute, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &serde_json::Value)> {
        self.0.iter().map(|(k, v)| (k.as_ref(), v))
    }

    /// How many attributes there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn position(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_ref().cmp(key))
    }
}

impl Extend<(Cow<'static, str>, serde_json::Value)> for Attrs {
    fn extend<I: IntoIterator<Item = (Cow<'static, str>, serde_json::Value)>>(&mut self, iter: I) {
        for (key, value) in iter {
            self.insert(key, value);
        }
    }
}

impl IntoIterator for Attrs {
    type Item = (Cow<'static, str>, serde_json::Value);
    type IntoIter = std::vec::IntoIter<Self::Item>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl Serialize for Node {
    /// `id`, `kind`, `name`, `location`, `attrs`.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut node = serializer.serialize_struct("Node", 5)?;
        node.serialize_field("id", &self.id)?;
        node.serialize_field("kind", self.kind())?;
        node.serialize_field("name", self.name())?;
        node.serialize_field("location", &self.location)?;
        node.serialize_field("attrs", &self.attrs)?;
        node.end()
    }
}

impl Serialize for Attrs {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl Node {
    /// A node without attributes.
    pub fn new(id: NodeId, location: Option<Location>) -> Self {
        Node {
            id,
            location,
            attrs: Attrs::new(),
        }
    }

    /// `host`, `file`, `input`, or the Kubernetes kind as written (read off the id).
    pub fn kind(&self) -> &str {
        self.id.kind()
    }

    /// Host name, object name, input name, or file path (read off the id).
    pub fn name(&self) -> &str {
        self.id.name()
    }

    /// Adds an attribute.
    pub fn attr(
        mut self,
        key: impl Into<Cow<'static, str>>,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        self.attrs.insert(key, value.into());
        self
    }
}

/// One edge, with the place that declares it (the `dependsOn` entry, the import path).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Edge {
    /// The dependent.
    pub from: NodeId,
    /// What it needs.
    pub to: NodeId,
    /// Why.
    pub kind: EdgeKind,
    /// Where the dependency is written.
    pub location: Option<Location>,
    /// Why the dependent needs it, in words (cross-layer `requires` edges
    /// say which setting of the host the object needs, and why).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The unified graph.
///
/// **Invariant:** every edge's endpoints are nodes of the graph (edges to
/// unknown ids are dropped by [`Graph::add_edge`] and reported by the rules
/// that know why they are unknown); iteration is always sorted by id, so every
/// output built from it is deterministic.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    nodes: BTreeMap<NodeId, Node>,
    edges: BTreeMap<(NodeId, NodeId, EdgeKind), Option<Location>>,
    reasons: BTreeMap<(NodeId, NodeId, EdgeKind), String>,
}

impl Graph {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a node; a node already present keeps its location and gains the new attributes.
    pub fn add_node(&mut self, mut node: Node) {
        match self.nodes.get_mut(&node.id) {
            Some(existing) => absorb_node(existing, &mut node),
            None => {
                self.nodes.insert(node.id.clone(), node);
            }
        }
    }

    /// Adds many nodes, as [`Graph::add_node`] in their order would.
    ///
    /// Sorted on every thread and merged into the map in one pass, which
    /// also packs the map's tree nodes full: a tree of 160,000 objects
    /// spent a tenth of its run inserting them one by one.
    pub fn add_nodes(&mut self, mut nodes: Vec<Node>) {
        // Stable: nodes with one id keep their order, so merging a run
        // front to back is adding them one by one.
        nodes.par_sort_by(|a, b| a.id.cmp(&b.id));
        nodes.dedup_by(|later, first| {
            let same = later.id == first.id;
            if same {
                absorb_node(first, later);
            }
            same
        });
        nodes.retain_mut(|node| match self.nodes.get_mut(&node.id) {
            Some(existing) => {
                absorb_node(existing, node);
                false
            }
            None => true,
        });
        insert_sorted(
            &mut self.nodes,
            nodes.into_iter().map(|n| (n.id.clone(), n)),
        );
    }

    /// Adds many edges, as [`Graph::add_edge`] in their order would: an
    /// edge with a missing end or a `contains` self-loop is left out, and
    /// the first location given for an edge stays.
    pub fn add_edges(&mut self, edges: Vec<(NodeId, NodeId, EdgeKind, Option<Location>)>) {
        let mut edges = edges;
        // Stable, so the first of equal edges is kept, as `or_insert` does.
        edges.par_sort_by(|a, b| (&a.0, &a.1, a.2).cmp(&(&b.0, &b.1, b.2)));
        edges.dedup_by(|later, first| {
            (&later.0, &later.1, later.2) == (&first.0, &first.1, first.2)
        });
        edges.retain(|(from, to, kind, _)| {
            self.admits(from, to, *kind)
                && !self.edges.contains_key(&(from.clone(), to.clone(), *kind))
        });
        let entries = edges
            .into_iter()
            .map(|(from, to, kind, location)| ((from, to, kind), location));
        insert_sorted(&mut self.edges, entries);
    }

    /// Whether an edge may join these: both ends exist, and it is no
    /// self-loop of `contains`.
    fn admits(&self, from: &NodeId, to: &NodeId, kind: EdgeKind) -> bool {
        self.nodes.contains_key(from)
            && self.nodes.contains_key(to)
            && !(from == to && kind == EdgeKind::Contains)
    }

    /// Adds an edge between two existing nodes; returns false (and adds nothing)
    /// when either end is missing or the edge would be a self-loop of `contains`.
    pub fn add_edge(
        &mut self,
        from: &NodeId,
        to: &NodeId,
        kind: EdgeKind,
        location: Option<Location>,
    ) -> bool {
        if !self.admits(from, to, kind) {
            return false;
        }
        self.edges
            .entry((from.clone(), to.clone(), kind))
            .or_insert(location);
        true
    }

    /// [`Graph::add_edge`] with the reason the dependent needs its
    /// dependency; a second reason for the same edge is appended (`; `).
    pub fn add_edge_with_reason(
        &mut self,
        from: &NodeId,
        to: &NodeId,
        kind: EdgeKind,
        location: Option<Location>,
        reason: &str,
    ) -> bool {
        if !self.add_edge(from, to, kind, location) {
            return false;
        }
        let entry = self
            .reasons
            .entry((from.clone(), to.clone(), kind))
            .or_default();
        if !entry.split("; ").any(|r| r == reason) {
            if !entry.is_empty() {
                entry.push_str("; ");
            }
            entry.push_str(reason);
        }
        true
    }

    /// Why `from` needs `to` along an edge of `kind`, when said.
    pub fn edge_reason(&self, from: &NodeId, to: &NodeId, kind: EdgeKind) -> Option<&str> {
        self.reasons
            .get(&(from.clone(), to.clone(), kind))
            .map(String::as_str)
    }

    /// The node with this id.
    pub fn node(&self, id: &NodeId) -> Option<&Node> {
        self.nodes.get(id)
    }

    /// Mutable access to a node (to add attributes).
    pub fn node_mut(&mut self, id: &NodeId) -> Option<&mut Node> {
        self.nodes.get_mut(id)
    }

    /// Whether the node exists.
    pub fn contains(&self, id: &NodeId) -> bool {
        self.nodes.contains_key(id)
    }

    /// All nodes, sorted by id.
    pub fn nodes(&self) -> impl Iterator<Item = &Node> {
        self.nodes.values()
    }

    /// All edges, sorted by (from, to, kind).
    pub fn edges(&self) -> impl Iterator<Item = Edge> + '_ {
        self.edges.iter().map(|(key, location)| Edge {
            from: key.0.clone(),
            to: key.1.clone(),
            kind: key.2,
            location: location.clone(),
            reason: self.reasons.get(key).cloned(),
        })
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Number of edges.
    pub fn edge_count(&self) -> usize {
        self.edges.len()
    }

    /// Edges leaving `id` (what it depends on), sorted.
    pub fn outgoing<'a>(
        &'a self,
        id: &'a NodeId,
    ) -> impl Iterator<Item = (&'a NodeId, EdgeKind)> + 'a {
        self.edges
            .range((id.clone(), NodeId::from_raw(""), EdgeKind::Imports)..)
            .take_while(move |((from, _, _), _)| from == id)
            .map(|((_, to, kind), _)| (to, *kind))
    }

    /// Edges entering `id` (its dependents), sorted by dependent.
    pub fn incoming<'a>(
        &'a self,
        id: &'a NodeId,
    ) -> impl Iterator<Item = (&'a NodeId, EdgeKind)> + 'a {
        self.edges
            .keys()
            .filter(move |(_, to, _)| to == id)
            .map(|(from, _, kind)| (from, *kind))
    }

    /// Every node from which `start` can be reached along edges of the given
    /// kinds (its transitive dependents), `start` excluded, sorted.
    pub fn dependents_closure(
        &self,
        start: &BTreeSet<NodeId>,
        kinds: &[EdgeKind],
    ) -> BTreeSet<NodeId> {
        let mut reverse: BTreeMap<&NodeId, Vec<&NodeId>> = BTreeMap::new();
        for (from, to, kind) in self.edges.keys() {
            if kinds.contains(kind) {
                reverse.entry(to).or_default().push(from);
            }
        }
        let mut seen: BTreeSet<NodeId> = BTreeSet::new();
        let mut queue: VecDeque<&NodeId> = start.iter().collect();
        while let Some(n) = queue.pop_front() {
            for &dependent in reverse.get(n).into_iter().flatten() {
                if !start.contains(dependent) && seen.insert(dependent.clone()) {
                    queue.push_back(dependent);
                }
            }
        }
        seen
    }

    /// The cycles among edges of the given kinds: each strongly connected
    /// component of more than one node (or a node with a self-edge), members
    /// sorted by id, components sorted by their first member.
    pub fn cycles(&self, kinds: &[EdgeKind]) -> Vec<Vec<NodeId>> {
        let (graph, _) = self.to_petgraph(kinds);
        let mut cycles: Vec<Vec<NodeId>> = tarjan_scc(&graph)
            .into_iter()
            .filter(|scc| scc.len() > 1 || graph.contains_edge(scc[0], scc[0]))
            .map(|scc| {
                let mut members: Vec<NodeId> = scc.into_iter().map(|i| graph[i].clone()).collect();
                members.sort();
                members
            })
            .collect();
        cycles.sort();
        cycles
    }

    /// A petgraph view restricted to edges of the given kinds (all nodes kept),
    /// with the index of every node.
    pub fn to_petgraph(
        &self,
        kinds: &[EdgeKind],
    ) -> (DiGraph<NodeId, EdgeKind>, BTreeMap<NodeId, NodeIndex>) {
        let mut graph = DiGraph::with_capacity(self.nodes.len(), self.edges.len());
        let mut index = BTreeMap::new();
        for id in self.nodes.keys() {
            index.insert(id.clone(), graph.add_node(id.clone()));
        }
        for (from, to, kind) in self.edges.keys() {
            if kinds.contains(kind) {
                graph.add_edge(index[from], index[to], *kind);
            }
        }
        (graph, index)
    }
}

/// Inserts entries sorted by key, none of them in `map` yet: a few one by
/// one; many by building a map of them and merging the two, which takes
/// time in the size of both.
fn insert_sorted<K: Ord, V>(
    map: &mut BTreeMap<K, V>,
    entries: impl ExactSizeIterator<Item = (K, V)>,
) {
    if entries.len() * 8 < map.len() {
        map.extend(entries);
    } else {
        let mut fresh: BTreeMap<K, V> = entries.collect();
        map.append(&mut fresh);
    }
}

/// A node added again keeps its location and gains the new attributes
/// (taken from `node`, which is dropped after).
fn absorb_node(existing: &mut Node, node: &mut Node) {
    if existing.location.is_none() {
        existing.location = node.location.take();
    }
    existing.attrs.extend(std::mem::take(&mut node.attrs));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_stay_sorted_and_serialize_as_a_map_in_key_order() {
        let mut attrs = Attrs::new();
        assert_eq!(attrs.insert("namespace", "media".into()), None);
        assert_eq!(attrs.insert("apiVersion", "v1".into()), None);
        attrs.insert(String::from("file"), "a.yaml".into());
        assert_eq!(
            attrs.insert("namespace", "other".into()),
            Some("media".into())
        );
        let keys: Vec<&str> = attrs.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["apiVersion", "file", "namespace"]);
        assert_eq!(attrs.get("namespace"), Some(&"other".into()));
        assert_eq!(attrs.get("chart"), None);
        assert_eq!(
            serde_json::to_string(&attrs).unwrap(),
            r#"{"apiVersion":"v1","file":"a.yaml","namespace":"other"}"#
        );
        let mut more = Attrs::new();
        more.insert("chart", "podinfo".into());
        attrs.extend(more);
        assert_eq!(attrs.len(), 4);
        assert_eq!(attrs.iter().next().map(|(k, _)| k), Some("apiVersion"));
    }

    /// A node of a small id space, with an optional location and attribute,
    /// so the same id recurs with different data.
    fn bulk_node(id: u8, located: bool, attr: Option<u8>) -> Node {
        let id = NodeId::from_raw(format!("K/{}", id % 6));
        let location = located.then(|| Location::new(format!("f{attr:?}"), crate::Span::at(0)));
        let mut node = Node::new(id, location);
        if let Some(a) = attr {
            node = node.attr(if a % 2 == 0 { "a" } else { "b" }, a);
        }
        node
    }

    proptest::proptest! {
        /// Adding nodes and edges at once gives the graph adding them one
        /// by one gives: merged nodes, the first location of an edge (also
        /// of one already there), no edge to a missing node, no `contains`
        /// self-loop.
        #[test]
        fn adding_at_once_is_adding_one_by_one(
            before in proptest::collection::vec((0u8..9, proptest::bool::ANY, proptest::option::of(0u8..4)), 0..6),
            edges_before in proptest::collection::vec((0u8..8, 0u8..8, 0u8..3, proptest::bool::ANY), 0..8),
            nodes in proptest::collection::vec((0u8..9, proptest::bool::ANY, proptest::option::of(0u8..4)), 0..20),
            edges in proptest::collection::vec((0u8..8, 0u8..8, 0u8..3, proptest::bool::ANY), 0..30),
        ) {
            let kinds = [EdgeKind::Contains, EdgeKind::Source, EdgeKind::DependsOn];
            // Each input edge located apart (`e<from><to>#<n>`), so which of
            // equal edges is kept shows.
            let edge = |n: usize, (from, to, kind, located): (u8, u8, u8, bool)| {
                (
                    NodeId::from_raw(format!("K/{from}")),
                    NodeId::from_raw(format!("K/{to}")),
                    kinds[kind as usize],
                    located.then(|| Location::new(format!("e{from}{to}#{n}"), crate::Span::at(usize::from(kind)))),
                )
            };
            let mut one_by_one = Graph::new();
            let mut at_once = Graph::new();
            for (id, located, attr) in before {
                one_by_one.add_node(bulk_node(id, located, attr));
                at_once.add_node(bulk_node(id, located, attr));
            }
            for (n, &e) in edges_before.iter().enumerate() {
                let (from, to, kind, location) = edge(n, e);
                one_by_one.add_edge(&from, &to, kind, location.clone());
                at_once.add_edge(&from, &to, kind, location);
            }
            for &(id, located, attr) in &nodes {
                one_by_one.add_node(bulk_node(id, located, attr));
            }
            at_once.add_nodes(nodes.iter().map(|&(id, located, attr)| bulk_node(id, located, attr)).collect());
            let offset = edges_before.len();
            for (n, &e) in edges.iter().enumerate() {
                let (from, to, kind, location) = edge(offset + n, e);
                one_by_one.add_edge(&from, &to, kind, location);
            }
            at_once.add_edges(edges.iter().enumerate().map(|(n, &e)| edge(offset + n, e)).collect());
            proptest::prop_assert_eq!(at_once.nodes().collect::<Vec<_>>(), one_by_one.nodes().collect::<Vec<_>>());
            proptest::prop_assert_eq!(at_once.edges().collect::<Vec<_>>(), one_by_one.edges().collect::<Vec<_>>());
        }
    }

    fn graph(edges: &[(&str, &str)]) -> Graph {
        let mut g = Graph::new();
        for (a, b) in edges {
            for n in [a, b] {
                g.add_node(Node::new(NodeId::host(n), None));
            }
            assert!(g.add_edge(
                &NodeId::host(a),
                &NodeId::host(b),
                EdgeKind::DependsOn,
                None
            ));
        }
        g
    }

    #[test]
    fn edges_to_unknown_nodes_are_refused() {
        let mut g = graph(&[("a", "b")]);
        assert!(!g.add_edge(
            &NodeId::host("a"),
            &NodeId::host("zz"),
            EdgeKind::DependsOn,
            None
        ));
        assert_eq!(g.edge_count(), 1);
    }

    #[test]
    fn edge_reasons_accumulate_once_each() {
        let mut g = graph(&[]);
        for n in ["a", "b"] {
            g.add_node(Node::new(NodeId::host(n), None));
        }
        let (a, b) = (NodeId::host("a"), NodeId::host("b"));
        for reason in ["needs x", "needs y", "needs x"] {
            assert!(g.add_edge_with_reason(&a, &b, EdgeKind::Requires, None, reason));
        }
        assert_eq!(
            g.edge_reason(&a, &b, EdgeKind::Requires),
            Some("needs x; needs y")
        );
        let edge = g.edges().next().unwrap();
        assert_eq!(edge.reason.as_deref(), Some("needs x; needs y"));
    }

    #[test]
    fn finds_cycles_and_dependents() {
        let g = graph(&[("a", "b"), ("b", "c"), ("c", "a"), ("d", "a"), ("e", "e")]);
        let cycles = g.cycles(&[EdgeKind::DependsOn]);
        assert_eq!(cycles.len(), 2);
        assert_eq!(
            cycles[0],
            vec![NodeId::host("a"), NodeId::host("b"), NodeId::host("c")]
        );
        assert_eq!(cycles[1], vec![NodeId::host("e")]);
        let start = [NodeId::host("c")].into_iter().collect();
        let deps = g.dependents_closure(&start, &[EdgeKind::DependsOn]);
        assert_eq!(
            deps.into_iter()
                .map(|n| n.name().to_string())
                .collect::<Vec<_>>(),
            ["a", "b", "d"]
        );
        let out: Vec<_> = g
            .outgoing(&NodeId::host("d"))
            .map(|(t, _)| t.clone())
            .collect();
        assert_eq!(out, [NodeId::host("a")]);
    }
}
