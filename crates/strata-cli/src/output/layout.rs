//! Where every node and edge of the graph is drawn: a layered (Graphviz
//! `dot`-style) layout computed in Rust by `layout-rs`, shared by
//! `graph --format svg` and the HTML report. No Graphviz is needed.
//!
//! layout-rs places the nodes and routes the edges, then "renders" through a
//! backend; the backend here only records coordinates (node and edge indices
//! travel in the elements' `properties`), and the callers draw the SVG they
//! want from them.

use std::collections::BTreeMap;

use layout::core::base::Orientation;
use layout::core::format::{ClipHandle, RenderBackend};
use layout::core::geometry::{Point, Position};
use layout::core::style::StyleAttr;
use layout::std_shapes::shapes::{Arrow, Element, ShapeKind};
use layout::topo::layout::VisualGraph;
use strata_core::{EdgeKind, Graph, NodeId};

/// Width of one character of the 12 px monospace labels, in SVG units.
pub const CHAR_WIDTH: f64 = 7.3;
/// Height of one node box.
const NODE_HEIGHT: f64 = 26.0;
/// Horizontal padding inside a node box, both sides together.
const NODE_PADDING: f64 = 18.0;
/// Graphs up to this many nodes get layout-rs's crossing reduction.
const OPTIMIZE_UP_TO: usize = 400;
/// Room layout-rs keeps around each node box.
const HALO: f64 = 20.0;
/// Room kept around the drawing.
const MARGIN: f64 = 20.0;

/// One node as drawn: its box (top-left corner and size).
pub struct PlacedNode {
    /// The node's id.
    pub id: NodeId,
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Box width.
    pub width: f64,
    /// Box height.
    pub height: f64,
}

/// One edge as drawn.
pub struct PlacedEdge {
    /// The dependent.
    pub from: NodeId,
    /// What it depends on.
    pub to: NodeId,
    /// The edge kind.
    pub kind: EdgeKind,
    /// SVG path data (cubic Bézier segments).
    pub path: String,
    /// Whether the arrow head sits at the path's start (layout-rs reverses
    /// the edges of a cycle to lay it out, and says so).
    pub head_at_start: bool,
}

impl PlacedEdge {
    /// An edge that links the two layers: `requires`, or any edge between a
    /// host/file/input node and a cluster object.
    pub fn crosses_layers(&self) -> bool {
        self.kind == EdgeKind::Requires || layer(&self.from) != layer(&self.to)
    }
}

/// The whole drawing, in SVG user units with the origin at the top left.
pub struct Layout {
    /// Every node of the graph, sorted by id.
    pub nodes: Vec<PlacedNode>,
    /// Every edge, in the graph's order.
    pub edges: Vec<PlacedEdge>,
    /// Width of the drawing.
    pub width: f64,
    /// Height of the drawing.
    pub height: f64,
}

/// The layer a node belongs to: `nix` (hosts, Nix files, flake inputs) or
/// `flux` (every cluster object).
pub fn layer(id: &NodeId) -> &'static str {
    match id.kind() {
        "host" | "file" | "input" => "nix",
        _ => "flux",
    }
}

/// Lays the graph out left to right: dependents on the left, what they
/// depend on to their right.
pub fn compute(graph: &Graph) -> Layout {
    let ids: Vec<NodeId> = graph.nodes().map(|n| n.id.clone()).collect();
    let edges: Vec<(NodeId, NodeId, EdgeKind)> =
        graph.edges().map(|e| (e.from, e.to, e.kind)).collect();
    // The crossing-reduction passes are what make the picture readable,
    // and what grows fastest with size: a 600-node graph takes a minute.
    // Beyond the bound the ranks are kept and the passes skipped (a bound on
    // size, not on time, keeps the output deterministic).
    let optimize = ids.len() <= OPTIMIZE_UP_TO;
    let mut recorder = quietly(|| place(&ids, &edges, optimize))
        .or_else(|| optimize.then(|| quietly(|| place(&ids, &edges, false)))?)
        .unwrap_or_else(|| two_columns(&ids, &edges));

    // layout-rs may place things at negative coordinates: shift everything
    // so the drawing starts at (MARGIN, MARGIN).
    let (mut min_x, mut min_y, mut max_x, mut max_y) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    let mut grow = |x: f64, y: f64| {
        min_x = min_x.min(x);
        min_y = min_y.min(y);
        max_x = max_x.max(x);
        max_y = max_y.max(y);
    };
    for (x, y, w, h) in recorder.nodes.values() {
        grow(*x, *y);
        grow(x + w, y + h);
    }
    for (points, _) in recorder.edges.values() {
        for (x, y) in points {
            grow(*x, *y);
        }
    }
    let dx = MARGIN - min_x;
    let dy = MARGIN - min_y;

    let nodes = ids
        .iter()
        .enumerate()
        .map(|(index, id)| {
            let (x, y, width, height) = recorder.nodes.get(&index).copied().unwrap_or((
                0.0,
                0.0,
                label_width(id.as_str()),
                NODE_HEIGHT,
            ));
            PlacedNode {
                id: id.clone(),
                x: x + dx,
                y: y + dy,
                width,
                height,
            }
        })
        .collect();
    let edges = edges
        .into_iter()
        .enumerate()
        .map(|(index, (from, to, kind))| {
            let (points, head_at_start) = recorder
                .edges
                .remove(&index)
                .unwrap_or_else(|| (Vec::new(), false));
            PlacedEdge {
                from,
                to,
                kind,
                path: path_data(&points, dx, dy),
                head_at_start,
            }
        })
        .collect();
    Layout {
        nodes,
        edges,
        width: max_x - min_x + 2.0 * MARGIN,
        height: max_y - min_y + 2.0 * MARGIN,
    }
}

/// Runs layout-rs on the graph and records where it put everything.
fn place(ids: &[NodeId], edges: &[(NodeId, NodeId, EdgeKind)], optimize: bool) -> Recorder {
    let mut graph = VisualGraph::new(Orientation::LeftToRight);
    let mut handles = BTreeMap::new();
    for (index, id) in ids.iter().enumerate() {
        let size = Point::new(label_width(id.as_str()), NODE_HEIGHT);
        let mut element = Element::create_with_properties(
            ShapeKind::new_box(""),
            StyleAttr::simple(),
            Orientation::LeftToRight,
            size,
            format!("n{index}"),
        );
        // layout-rs keeps 60 units around every box; a third of that keeps
        // big graphs compact and still leaves room for the edges.
        element.pos = Position::new(Point::zero(), size, Point::zero(), Point::splat(HALO));
        handles.insert(id.clone(), graph.add_node(element));
    }
    for (index, (from, to, _)) in edges.iter().enumerate() {
        if let (Some(from), Some(to)) = (handles.get(from), handles.get(to)) {
            graph.add_edge(
                Arrow::simple_with_properties("", format!("e{index}")),
                *from,
                *to,
            );
        }
    }
    let mut recorder = Recorder::default();
    if !ids.is_empty() {
        graph.do_it(false, !optimize, false, &mut recorder);
    }
    recorder
}

/// Runs `f`, turning a panic into `None` without printing it: layout-rs
/// asserts its invariants, and a picture is not worth a crash.
fn quietly<T>(f: impl FnOnce() -> T) -> Option<T> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok();
    std::panic::set_hook(previous);
    result
}

/// The last resort when layout-rs fails: the Nix layer in one column, the
/// Flux layer in the next, straight edges.
fn two_columns(ids: &[NodeId], edges: &[(NodeId, NodeId, EdgeKind)]) -> Recorder {
    let mut recorder = Recorder::default();
    let nix_width = ids
        .iter()
        .filter(|id| layer(id) == "nix")
        .map(|id| label_width(id.as_str()))
        .fold(0.0, f64::max);
    let mut rows = BTreeMap::new();
    let mut centres = BTreeMap::new();
    for (index, id) in ids.iter().enumerate() {
        let column = layer(id);
        let row = rows.entry(column).or_insert(0usize);
        let x = if column == "nix" {
            0.0
        } else {
            nix_width + 200.0
        };
        let y = *row as f64 * (NODE_HEIGHT + HALO);
        *row += 1;
        let width = label_width(id.as_str());
        recorder.nodes.insert(index, (x, y, width, NODE_HEIGHT));
        centres.insert(id, (x + width / 2.0, y + NODE_HEIGHT / 2.0));
    }
    for (index, (from, to, _)) in edges.iter().enumerate() {
        if let (Some(a), Some(b)) = (centres.get(from), centres.get(to)) {
            recorder.edges.insert(index, (vec![*a, *b], false));
        }
    }
    recorder
}

/// Width of a node box labelled `text`.
fn label_width(text: &str) -> f64 {
    text.chars().count() as f64 * CHAR_WIDTH + NODE_PADDING
}

/// `M x y C … S …` as layout-rs's own SVG backend writes its arrows: the
/// first pair is the exit vector, every later pair an entry vector.
fn path_data(points: &[(f64, f64)], dx: f64, dy: f64) -> String {
    let p = |i: usize| {
        let (x, y) = points[i];
        format!("{:.1} {:.1}", x + dx, y + dy)
    };
    match points.len() {
        0 | 1 => String::new(),
        2 | 3 => format!("M {} L {}", p(0), p(points.len() - 1)),
        n => {
            let mut d = format!("M {} C {}, {}, {}", p(0), p(1), p(2), p(3));
            let mut i = 4;
            while i + 1 < n {
                d.push_str(&format!(" S {}, {}", p(i), p(i + 1)));
                i += 2;
            }
            d
        }
    }
}

/// A render backend that keeps coordinates instead of drawing.
#[derive(Default)]
struct Recorder {
    /// Node index → (x, y, width, height).
    nodes: BTreeMap<usize, (f64, f64, f64, f64)>,
    /// Edge index → (flattened path points, arrow head at the start).
    edges: BTreeMap<usize, (Vec<(f64, f64)>, bool)>,
}

/// The index in a `n12` / `e3` property.
fn index_of(properties: Option<String>, prefix: char) -> Option<usize> {
    properties?.strip_prefix(prefix)?.parse().ok()
}

impl RenderBackend for Recorder {
    fn draw_rect(
        &mut self,
        xy: Point,
        size: Point,
        _look: &StyleAttr,
        properties: Option<String>,
        _clip: Option<ClipHandle>,
    ) {
        if let Some(index) = index_of(properties, 'n') {
            self.nodes.insert(index, (xy.x, xy.y, size.x, size.y));
        }
    }

    fn draw_line(
        &mut self,
        _start: Point,
        _stop: Point,
        _look: &StyleAttr,
        _properties: Option<String>,
    ) {
    }

    fn draw_circle(
        &mut self,
        _xy: Point,
        _size: Point,
        _look: &StyleAttr,
        _properties: Option<String>,
    ) {
    }

    fn draw_text(&mut self, _xy: Point, _text: &str, _look: &StyleAttr) {}

    fn draw_arrow(
        &mut self,
        path: &[(Point, Point)],
        _dashed: bool,
        head: (bool, bool),
        _look: &StyleAttr,
        properties: Option<String>,
        _text: &str,
    ) {
        if let Some(index) = index_of(properties, 'e') {
            let points = path
                .iter()
                .flat_map(|(a, b)| [(a.x, a.y), (b.x, b.y)])
                .collect();
            self.edges.insert(index, (points, head.0 && !head.1));
        }
    }

    fn create_clip(&mut self, _xy: Point, _size: Point, _rounded_px: usize) -> ClipHandle {
        0
    }
}
