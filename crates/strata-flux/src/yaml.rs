//! YAML documents as an owned tree with byte spans.
//!
//! Parsing drives `saphyr-parser`'s event stream directly and builds [`Yaml`]
//! nodes as the events arrive, so no other crate ever sees a saphyr type, and
//! a syntax error in the third document of a file still leaves the first two
//! usable.
//!
//! Span conventions (checked by the tests below):
//! - a plain scalar's span covers exactly its text;
//! - a quoted scalar's span covers the quotes too (`"1.2.3"` is 7 bytes);
//! - a block scalar's (`|`, `>`) span starts at its first content character
//!   (not at the indicator, which saphyr does not report) and ends after its
//!   last content character (trailing line breaks are not included);
//! - a block mapping or sequence starts at its first key or `-`; a flow
//!   collection starts at its `{` or `[` and ends after the closing bracket;
//! - a map entry's key and value have separate spans: [`Yaml::get`] returns the
//!   value, whose span never includes the key.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use saphyr::{Scalar, ScalarStyle, Tag};
use saphyr_parser::{Event, Parser, ScanError};
use strata_core::{Code, Diagnostic, Location, SourceFile, Span};

/// Collections nested deeper than this stop the parse with a YAML001: no
/// Kubernetes manifest comes close, and the limit keeps every later recursive
/// walk (drop, clone, [`Yaml::to_json`]) far from the thread's stack limit.
pub const MAX_DEPTH: usize = 256;

/// Alias expansions may produce at most this many nodes per file, so a
/// "billion laughs" document cannot exhaust memory.
const ALIAS_NODE_BUDGET: usize = 100_000;

/// One YAML node and where its value sits in the file.
#[derive(Clone, Debug, PartialEq)]
pub struct Yaml {
    /// The value.
    pub value: YamlValue,
    /// The bytes of the value itself (for a map entry: the value, not the key).
    pub span: Span,
}

/// A YAML value, typed per the YAML 1.2 core schema: plain scalars become
/// booleans, integers, floats or null when they look like one, quoted and
/// block scalars are always strings.
#[derive(Clone, Debug, PartialEq)]
pub enum YamlValue {
    /// `null`, `~`, an empty value, an empty document, or an alias whose
    /// anchor is unknown.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer that fits in `i64`.
    Int(i64),
    /// A floating-point number (including `.inf` and `.nan`).
    Float(f64),
    /// Any other scalar.
    String(String),
    /// A sequence.
    Seq(Vec<Yaml>),
    /// A mapping, entries in file order (duplicate keys are kept; the first wins
    /// for [`Yaml::get`], and parsing reports them as YAML001).
    Map(Vec<(Yaml, Yaml)>),
}

impl Yaml {
    /// A null node at `span`.
    pub fn null(span: Span) -> Self {
        Yaml {
            value: YamlValue::Null,
            span,
        }
    }

    /// The value of mapping key `key` (a string key, or a plain scalar key
    /// written the same way, such as `80`), or `None` if this is not a
    /// mapping or has no such key.
    pub fn get(&self, key: &str) -> Option<&Yaml> {
        self.entries()
            .iter()
            .find(|(k, _)| k.key_matches(key))
            .map(|(_, v)| v)
    }

    /// Follows a dotted path of mapping keys and sequence indices:
    /// `spec.chart.spec.version`, `spec.dependsOn.0.name`.
    pub fn path(&self, dotted: &str) -> Option<&Yaml> {
        dotted
            .split('.')
            .try_fold(self, |node, segment| match &node.value {
                YamlValue::Seq(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => node.get(segment),
            })
    }

    /// The string, if this is a string scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            YamlValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, if this is `true` or `false`.
    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            YamlValue::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The integer, if this is an integer scalar.
    pub fn as_i64(&self) -> Option<i64> {
        match self.value {
            YamlValue::Int(i) => Some(i),
            _ => None,
        }
    }

    /// Whether this is null (including an empty value).
    pub fn is_null(&self) -> bool {
        matches!(self.value, YamlValue::Null)
    }

    /// Whether this is a mapping.
    pub fn is_map(&self) -> bool {
        matches!(self.value, YamlValue::Map(_))
    }

    /// The items of a sequence; empty if this is not a sequence.
    pub fn as_seq(&self) -> &[Yaml] {
        match &self.value {
            YamlValue::Seq(items) => items,
            _ => &[],
        }
    }

    /// The entries of a mapping; empty if this is not a mapping.
    pub fn entries(&self) -> &[(Yaml, Yaml)] {
        match &self.value {
            YamlValue::Map(entries) => entries,
            _ => &[],
        }
    }

    /// A scalar as the text a Kubernetes controller would read: strings as
    /// they are, numbers and booleans as written in canonical form. `None` for
    /// null and collections.
    ///
    /// Floats lose their written form (`1.10` reads as `1.1`); when the exact
    /// characters matter use [`Yaml::source_text`].
    pub fn scalar_text(&self) -> Option<Cow<'_, str>> {
        match &self.value {
            YamlValue::String(s) => Some(Cow::Borrowed(s)),
            YamlValue::Bool(b) => Some(Cow::Owned(b.to_string())),
            YamlValue::Int(i) => Some(Cow::Owned(i.to_string())),
            YamlValue::Float(f) => Some(Cow::Owned(f.to_string())),
            YamlValue::Null | YamlValue::Seq(_) | YamlValue::Map(_) => None,
        }
    }

    /// The characters of this node as written in `file` (the file it was
    /// parsed from), quotes included for quoted scalars.
    pub fn source_text<'a>(&self, file: &'a SourceFile) -> &'a str {
        file.text()
            .get(self.span.start..self.span.end)
            .unwrap_or("")
    }

    /// The node as JSON. Mapping keys that are not strings are rendered as
    /// their scalar text (or their JSON text, for collection keys); floats
    /// JSON cannot hold (`.nan`, `.inf`) become strings.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.value {
            YamlValue::Null => Value::Null,
            YamlValue::Bool(b) => Value::Bool(*b),
            YamlValue::Int(i) => Value::from(*i),
            YamlValue::Float(f) => serde_json::Number::from_f64(*f)
                .map_or_else(|| Value::String(f.to_string()), Value::Number),
            YamlValue::String(s) => Value::String(s.clone()),
            YamlValue::Seq(items) => Value::Array(items.iter().map(Yaml::to_json).collect()),
            YamlValue::Map(entries) => {
                let mut object = serde_json::Map::new();
                for (key, value) in entries {
                    let key = match key.scalar_text() {
                        Some(text) => text.into_owned(),
                        None => key.to_json().to_string(),
                    };
                    // First occurrence wins, as for `get`.
                    object.entry(key).or_insert_with(|| value.to_json());
                }
                Value::Object(object)
            }
        }
    }

    fn key_matches(&self, key: &str) -> bool {
        match &self.value {
            YamlValue::String(s) => s == key,
            YamlValue::Int(_) | YamlValue::Bool(_) | YamlValue::Float(_) => {
                self.scalar_text().is_some_and(|t| t == key)
            }
            _ => false,
        }
    }
}

/// Runs `edit` on a document that may be shared (by the parsed file and
/// other builds), copying it only when `edit` changes it: a transform that
/// may find nothing to change (an `images:` list naming no image of the
/// object, a name reference to an object that was not renamed) leaves the
/// document shared. A document held only here is edited in place.
pub(crate) fn edit_shared<R>(doc: &mut Arc<Yaml>, edit: impl FnOnce(&mut Yaml) -> R) -> R {
    if let Some(own) = Arc::get_mut(doc) {
        return edit(own);
    }
    let mut copy = Yaml::clone(doc);
    let result = edit(&mut copy);
    if copy != **doc {
        *doc = Arc::new(copy);
    }
    result
}

/// Parses every document of a YAML stream.
///
/// Never fails: a syntax error yields a YAML001 diagnostic at the exact
/// position the parser stopped, and the documents completed before the error
/// are still returned. An empty document (`---` followed by nothing) is
/// returned as a null node so document indices match the file.
pub fn parse_documents(file: &SourceFile) -> (Vec<Yaml>, Vec<Diagnostic>) {
    // YAML 1.2 allows a tab as the separator after a mapping's `:`
    // (`key:<TAB>value`), and so does the Go parser kustomize and Flux use;
    // saphyr refuses it. Where saphyr stops at such a tab, the tab can only be
    // a separator, so it becomes a space (same byte length: every span
    // stays true) and the file is parsed again.
    let mut text = Cow::Borrowed(file.text());
    let mut retries = 0;
    loop {
        let (docs, diagnostics, tab_separator) = parse_text(file, &text);
        match tab_separator {
            Some(separator) if retries < TAB_SEPARATOR_RETRIES => {
                let spaces = " ".repeat(separator.len());
                text.to_mut().replace_range(separator, &spaces);
                retries += 1;
            }
            _ => return (docs, diagnostics),
        }
    }
}

/// How many `key:<TAB>value` separators one file may have before the next
/// is reported as saphyr reports it (each costs one more parse).
const TAB_SEPARATOR_RETRIES: usize = 256;

/// Parses `text` (the file's text, or a copy with tab separators replaced
/// by spaces) and returns, with the documents and diagnostics, the bytes
/// of a tab separator after `:` that saphyr refused.
fn parse_text(
    file: &SourceFile,
    text: &str,
) -> (Vec<Yaml>, Vec<Diagnostic>, Option<std::ops::Range<usize>>) {
    let mut builder = Builder::new(file);
    let mut parser = Parser::new_from_str(text);
    let mut tab_separator = None;
    // The saphyr parser is a state machine over a heap stack and is not
    // expected to panic; this is a last line of defence so that one strange
    // file cannot take the whole analysis down.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        while let Some(next) = parser.next_event() {
            match next {
                Ok((event, span)) => {
                    builder.on_event(event, span);
                    if builder.stopped {
                        break;
                    }
                }
                Err(error) => {
                    if error.info() == "':' must be followed by a valid YAML whitespace" {
                        tab_separator = tab_separator_before(text, builder.byte(*error.marker()));
                    }
                    builder.syntax_error(&error);
                    break;
                }
            }
        }
    }));
    if outcome.is_err() {
        builder.diagnostics.push(
            Diagnostic::new(
                Code::YamlSyntax,
                "the YAML parser failed on this file; it was not analysed",
            )
            .at(Location::new(file.path(), Span::at(0)))
            .help("check the file with a YAML linter such as `yamllint`"),
        );
    }
    (builder.docs, builder.diagnostics, tab_separator)
}

/// The blanks (at least one tab) between a `:` and `offset`, where saphyr
/// stops after refusing a tab separator.
fn tab_separator_before(text: &str, offset: usize) -> Option<std::ops::Range<usize>> {
    let before = text.get(..offset)?;
    let blanks = before.len() - before.trim_end_matches([' ', '\t']).len();
    let start = offset - blanks;
    let separator = start..offset;
    (before[..start].ends_with(':') && text[separator.clone()].contains('\t')).then_some(separator)
}

/// An open collection while its events arrive. Its items (entries) wait
/// at the end of the builder's `items` (`entries`) from index `first`, and
/// move into a vector of exactly their number when it closes: the tree is
/// kept for the whole run, and vectors grown by doubling would leave both
/// spare capacity and freed blocks behind.
enum Frame {
    Seq {
        start: usize,
        anchor: usize,
        first: usize,
        height: usize,
        nodes: usize,
    },
    Map {
        start: usize,
        anchor: usize,
        first: usize,
        key: Option<Yaml>,
        /// The scalar keys seen so far, once the mapping has
        /// [`KEY_SET_THRESHOLD`] entries, so the duplicate check stays
        /// linear in the size of the mapping (a generated ConfigMap can hold
        /// hundreds of thousands of keys); smaller mappings compare keys
        /// one by one.
        scalar_keys: Option<HashSet<ScalarKey>>,
        height: usize,
        nodes: usize,
    },
}

/// The number of entries from which a mapping's duplicate-key check uses a
/// hash set instead of comparing each new key with the ones before.
const KEY_SET_THRESHOLD: usize = 16;

/// A scalar mapping key, hashable, equal exactly when the two
/// [`YamlValue`]s are equal (so comparing the values one by one finds the
/// same duplicates). Collection keys (rare) are compared one by one.
#[derive(PartialEq, Eq, Hash)]
enum ScalarKey {
    Null,
    Bool(bool),
    Int(i64),
    /// The bits of a float; `0.0` and `-0.0` are one key, NaN is never a
    /// duplicate (as with `==`).
    Float(u64),
    String(String),
}

impl ScalarKey {
    fn of(value: &YamlValue) -> Option<ScalarKey> {
        match value {
            YamlValue::Null => Some(ScalarKey::Null),
            YamlValue::Bool(b) => Some(ScalarKey::Bool(*b)),
            YamlValue::Int(i) => Some(ScalarKey::Int(*i)),
            YamlValue::Float(f) if f.is_nan() => None,
            YamlValue::Float(f) => Some(ScalarKey::Float(if *f == 0.0 { 0 } else { f.to_bits() })),
            YamlValue::String(s) => Some(ScalarKey::String(s.clone())),
            YamlValue::Seq(_) | YamlValue::Map(_) => None,
        }
    }
}

/// A finished node with the facts the alias budget and depth limit need.
struct Built {
    node: Yaml,
    /// Levels of nesting below and including this node (0 for a scalar).
    height: usize,
    /// Number of nodes in the subtree.
    nodes: usize,
}

struct Builder<'f> {
    file: &'f SourceFile,
    docs: Vec<Yaml>,
    root: Option<Yaml>,
    stack: Vec<Frame>,
    /// The items of the open sequences, innermost last (see [`Frame`]).
    items: Vec<Yaml>,
    /// The entries of the open mappings, innermost last.
    entries: Vec<(Yaml, Yaml)>,
    anchors: HashMap<usize, (Yaml, usize, usize)>,
    alias_budget: usize,
    diagnostics: Vec<Diagnostic>,
    /// Set once the builder refuses further input (depth or alias budget).
    stopped: bool,
}

impl<'f> Builder<'f> {
    fn new(file: &'f SourceFile) -> Self {
        Builder {
            file,
            docs: Vec::new(),
            root: None,
            stack: Vec::new(),
            items: Vec::new(),
            entries: Vec::new(),
            anchors: HashMap::new(),
            alias_budget: ALIAS_NODE_BUDGET,
            diagnostics: Vec::new(),
            stopped: false,
        }
    }

    fn byte(&self, marker: saphyr_parser::Marker) -> usize {
        self.file.char_to_byte(marker.index())
    }

    fn span(&self, span: saphyr_parser::Span) -> Span {
        Span::new(self.byte(span.start), self.byte(span.end))
    }

    fn on_event(&mut self, event: Event<'_>, span: saphyr_parser::Span) {
        match event {
            Event::DocumentStart(_) => {
                self.root = None;
                self.clear_open();
                // Anchors are scoped to their document.
                self.anchors.clear();
            }
            Event::DocumentEnd => {
                let root = self
                    .root
                    .take()
                    .unwrap_or_else(|| Yaml::null(self.span(span)));
                self.docs.push(root);
                self.clear_open();
            }
            Event::SequenceStart(anchor, _) => {
                let start = self.byte(span.start);
                if self.too_deep(start) {
                    return;
                }
                self.stack.push(Frame::Seq {
                    start,
                    anchor,
                    first: self.items.len(),
                    height: 0,
                    nodes: 0,
                });
            }
            Event::MappingStart(anchor, _) => {
                let start = self.byte(span.start);
                if self.too_deep(start) {
                    return;
                }
                self.stack.push(Frame::Map {
                    start,
                    anchor,
                    first: self.entries.len(),
                    key: None,
                    scalar_keys: None,
                    height: 0,
                    nodes: 0,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let end = self.byte(span.end);
                match self.stack.pop() {
                    Some(Frame::Seq {
                        start,
                        anchor,
                        first,
                        height,
                        nodes,
                    }) => {
                        let items = self.items.drain(first..).collect();
                        let node = Yaml {
                            value: YamlValue::Seq(items),
                            span: Span::new(start, end.max(start)),
                        };
                        self.insert(
                            Built {
                                node,
                                height: height + 1,
                                nodes: nodes + 1,
                            },
                            anchor,
                        );
                    }
                    Some(Frame::Map {
                        start,
                        anchor,
                        first,
                        key,
                        height,
                        nodes,
                        ..
                    }) => {
                        // A key without a value cannot reach here from a
                        // well-formed event stream; keep it as `key: null`.
                        if let Some(key) = key {
                            let at = Span::at(key.span.end);
                            self.entries.push((key, Yaml::null(at)));
                        }
                        let entries = self.entries.drain(first..).collect();
                        let node = Yaml {
                            value: YamlValue::Map(entries),
                            span: Span::new(start, end.max(start)),
                        };
                        self.insert(
                            Built {
                                node,
                                height: height + 1,
                                nodes: nodes + 1,
                            },
                            anchor,
                        );
                    }
                    None => {}
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                let mut at = self.span(span);
                if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
                    // saphyr ends a block scalar after the blank lines that
                    // follow it; a finding should end on its last character.
                    let written = self.file.text().get(at.start..at.end).unwrap_or("");
                    at.end = at.start + written.trim_end().len();
                }
                let node = Yaml {
                    value: scalar_value(text, style, tag.as_ref()),
                    span: at,
                };
                self.insert(
                    Built {
                        node,
                        height: 0,
                        nodes: 1,
                    },
                    anchor,
                );
            }
            Event::Alias(id) => {
                let at = self.span(span);
                let built = match self.anchors.get(&id) {
                    Some((node, height, nodes)) => {
                        if *nodes > self.alias_budget {
                            self.stop(at, "aliases expand to too many nodes (possible \"billion laughs\" document)");
                            return;
                        }
                        if self.stack.len() + height > MAX_DEPTH {
                            self.stop(
                                at,
                                &format!("aliases nest collections deeper than {MAX_DEPTH} levels"),
                            );
                            return;
                        }
                        self.alias_budget -= nodes;
                        // The alias stands where it is written, so its span is
                        // the `*name` token, not the anchor's.
                        Built {
                            node: Yaml {
                                value: node.value.clone(),
                                span: at,
                            },
                            height: *height,
                            nodes: *nodes,
                        }
                    }
                    None => Built {
                        node: Yaml::null(at),
                        height: 0,
                        nodes: 1,
                    },
                };
                self.insert(built, 0);
            }
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
    }

    fn too_deep(&mut self, start: usize) -> bool {
        if self.stack.len() >= MAX_DEPTH {
            self.stop(
                Span::at(start),
                &format!("collections nest deeper than {MAX_DEPTH} levels"),
            );
            return true;
        }
        false
    }

    fn stop(&mut self, span: Span, message: &str) {
        self.diagnostics.push(
            Diagnostic::new(
                Code::YamlSyntax,
                format!("YAML not analysed past this point: {message}"),
            )
            .at(Location::new(self.file.path(), span))
            .help("simplify the document; no Kubernetes manifest needs this"),
        );
        self.clear_open();
        self.root = None;
        self.stopped = true;
    }

    /// Forgets the open collections (a document ends, or the input is refused).
    fn clear_open(&mut self) {
        self.stack.clear();
        self.items.clear();
        self.entries.clear();
    }

    fn insert(&mut self, built: Built, anchor: usize) {
        // Anchor ids start at 1; 0 means "no anchor".
        if anchor > 0 {
            self.anchors
                .insert(anchor, (built.node.clone(), built.height, built.nodes));
        }
        let Built {
            node,
            height: child_height,
            nodes: child_nodes,
        } = built;
        let duplicate = match self.stack.last_mut() {
            None => {
                self.root = Some(node);
                None
            }
            Some(Frame::Seq { height, nodes, .. }) => {
                self.items.push(node);
                *height = (*height).max(child_height);
                *nodes += child_nodes;
                None
            }
            Some(Frame::Map {
                first,
                key,
                scalar_keys,
                height,
                nodes,
                ..
            }) => {
                *height = (*height).max(child_height);
                *nodes += child_nodes;
                match key.take() {
                    None => {
                        *key = Some(node);
                        None
                    }
                    Some(k) => {
                        let before = &self.entries[*first..];
                        if scalar_keys.is_none() && before.len() >= KEY_SET_THRESHOLD {
                            *scalar_keys = Some(
                                before
                                    .iter()
                                    .filter_map(|(existing, _)| ScalarKey::of(&existing.value))
                                    .collect(),
                            );
                        }
                        let duplicate = match (&k.value, scalar_keys.as_mut()) {
                            (YamlValue::Float(f), _) if f.is_nan() => false,
                            (value @ (YamlValue::Seq(_) | YamlValue::Map(_)), _)
                            | (value, None) => {
                                before.iter().any(|(existing, _)| existing.value == *value)
                            }
                            (value, Some(scalar_keys)) => ScalarKey::of(value)
                                .is_some_and(|scalar| !scalar_keys.insert(scalar)),
                        };
                        let reported =
                            duplicate.then(|| (k.scalar_text().map(Cow::into_owned), k.span));
                        self.entries.push((k, node));
                        reported
                    }
                }
            }
        };
        if let Some((name, span)) = duplicate {
            let name = name.unwrap_or_else(|| "(complex key)".to_string());
            // kustomize and Flux (go-yaml v3) reject duplicate keys, so this
            // is as fatal for the cluster as any other syntax error.
            self.diagnostics.push(
                Diagnostic::new(
                    Code::YamlSyntax,
                    format!("duplicate key `{name}` in mapping"),
                )
                .at(Location::new(self.file.path(), span))
                .help("remove one of the two entries; kustomize and Flux reject duplicate keys"),
            );
        }
    }

    fn syntax_error(&mut self, error: &ScanError) {
        let offset = self.byte(*error.marker());
        self.diagnostics.push(
            Diagnostic::new(
                Code::YamlSyntax,
                format!("YAML syntax error: {}", error.info()),
            )
            .at(Location::new(self.file.path(), Span::at(offset)))
            .help("fix the syntax; the documents after this point in the file were not analysed"),
        );
    }
}

/// Types a scalar the way saphyr does (YAML 1.2 core schema; quoted and block
/// scalars are strings; `!!str`, `!!int`… tags force a type). A tag whose
/// value cannot be read as that type keeps the text as a string.
fn scalar_value(text: Cow<'_, str>, style: ScalarStyle, tag: Option<&Cow<'_, Tag>>) -> YamlValue {
    // Only a tag can make the typing fail (`!!int abc`).
    let fallback = tag.map(|_| exact_string(&text));
    match Scalar::parse_from_cow_and_metadata(text, style, tag) {
        Some(Scalar::Null) => YamlValue::Null,
        Some(Scalar::Boolean(b)) => YamlValue::Bool(b),
        Some(Scalar::Integer(i)) => YamlValue::Int(i),
        Some(Scalar::FloatingPoint(f)) => YamlValue::Float(f.into_inner()),
        Some(Scalar::String(s)) => YamlValue::String(exact_string(&s)),
        None => YamlValue::String(fallback.unwrap_or_default()),
    }
}

/// An owned copy of a scalar's text holding no spare capacity: the
/// scanner's buffers are many times larger than the text, and the tree
/// keeps every string for the whole run.
fn exact_string(text: &str) -> String {
    text.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use strata_core::LineCol;

    fn parse(text: &str) -> (SourceFile, Vec<Yaml>, Vec<Diagnostic>) {
        let file = SourceFile::new("t.yaml", text);
        let (docs, diags) = parse_documents(&file);
        (file, docs, diags)
    }

    fn lc(file: &SourceFile, offset: usize) -> (usize, usize) {
        let LineCol { line, column } = file.line_col(offset);
        (line, column)
    }

    #[test]
    fn scalars_follow_the_core_schema() {
        let (_, docs, diags) = parse(
            "a: true\nb: 12\nc: 1.5\nd: ~\ne: null\nf: \"12\"\ng: '1.5'\nh: yes\ni: 0x1f\nj:\nk: on\nl: |\n  text\n",
        );
        assert!(diags.is_empty(), "{diags:?}");
        let d = &docs[0];
        assert_eq!(d.get("a").unwrap().value, YamlValue::Bool(true));
        assert_eq!(d.get("b").unwrap().value, YamlValue::Int(12));
        assert_eq!(d.get("c").unwrap().value, YamlValue::Float(1.5));
        assert!(d.get("d").unwrap().is_null());
        assert!(d.get("e").unwrap().is_null());
        assert_eq!(d.get("f").unwrap().as_str(), Some("12"));
        assert_eq!(d.get("g").unwrap().as_str(), Some("1.5"));
        // YAML 1.2: `yes` and `on` are strings, not booleans.
        assert_eq!(d.get("h").unwrap().as_str(), Some("yes"));
        assert_eq!(d.get("k").unwrap().as_str(), Some("on"));
        assert_eq!(d.get("i").unwrap().as_i64(), Some(31));
        assert!(d.get("j").unwrap().is_null());
        assert_eq!(d.get("l").unwrap().as_str(), Some("text\n"));
    }

    #[test]
    fn value_spans_are_exact_after_multibyte_text() {
        let text = "# Jellyfin — médiathèque 🎬\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: jellyfin # ünïcode\nspec:\n  chart:\n    spec:\n      chart: jellyfin\n      version: 1.2.3\n";
        let (file, docs, diags) = parse(text);
        assert!(diags.is_empty());
        let version = docs[0].path("spec.chart.spec.version").unwrap();
        assert_eq!(version.as_str(), Some("1.2.3"));
        assert_eq!(&text[version.span.start..version.span.end], "1.2.3");
        assert_eq!(lc(&file, version.span.start), (10, 16));
        assert_eq!(lc(&file, version.span.end), (10, 21));
        let name = docs[0].path("metadata.name").unwrap();
        assert_eq!(&text[name.span.start..name.span.end], "jellyfin");
        assert_eq!(lc(&file, name.span.start), (5, 9));
    }

    #[test]
    fn quoted_scalar_spans_include_the_quotes() {
        let text = "é: \"1.2.3\"\nb: 'x y'\n";
        let (_, docs, _) = parse(text);
        let a = docs[0].get("é").unwrap();
        assert_eq!(&text[a.span.start..a.span.end], "\"1.2.3\"");
        assert_eq!(a.as_str(), Some("1.2.3"));
        let b = docs[0].get("b").unwrap();
        assert_eq!(&text[b.span.start..b.span.end], "'x y'");
    }

    #[test]
    fn block_scalar_span_covers_its_content_lines() {
        let text = "data:\n  script: |\n    echo ü\n    exit 0\n\nnext: >-\n  folded\n";
        let (file, docs, _) = parse(text);
        let script = docs[0].path("data.script").unwrap();
        assert_eq!(script.as_str(), Some("echo ü\nexit 0\n"));
        assert_eq!(
            &text[script.span.start..script.span.end],
            "echo ü\n    exit 0"
        );
        assert_eq!(lc(&file, script.span.start), (3, 5));
        assert_eq!(lc(&file, script.span.end), (4, 11));
        let next = docs[0].get("next").unwrap();
        assert_eq!(&text[next.span.start..next.span.end], "folded");
    }

    #[test]
    fn multi_document_streams_keep_every_document() {
        let (file, docs, diags) = parse("---\na: 1\n---\n---\n- x\n- y\n...\n");
        assert!(diags.is_empty());
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[0].get("a").unwrap().as_i64(), Some(1));
        assert!(docs[1].is_null());
        assert_eq!(docs[2].as_seq().len(), 2);
        assert_eq!(lc(&file, docs[2].as_seq()[1].span.start), (6, 3));
    }

    #[test]
    fn syntax_error_points_at_the_error_and_keeps_earlier_documents() {
        let text = "a: 1\n---\nkey: [unclosed\nother: 2\n";
        let (file, docs, diags) = parse(text);
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].get("a").unwrap().as_i64(), Some(1));
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, Code::YamlSyntax);
        let at = diags[0].location.as_ref().unwrap().span.start;
        // The flow sequence is never closed; saphyr notices at the `:` of
        // `other:` on line 4, where a flow entry cannot hold a block mapping.
        assert_eq!(lc(&file, at), (4, 6), "{}", diags[0].message);
    }

    #[test]
    fn a_tab_after_a_colon_separates_like_a_space() {
        // `kubectl kustomize` reads these; the values are unchanged and
        // spans still point into the original text.
        let text = "a:\tplain\nb:\t-x\nc:\t\"q\"\nd:\t5\ne: |\n  k:\tv\n";
        let (file, docs, diags) = parse(text);
        assert!(diags.is_empty(), "{diags:?}");
        let doc = &docs[0];
        assert_eq!(doc.get("a").unwrap().as_str(), Some("plain"));
        assert_eq!(doc.get("b").unwrap().as_str(), Some("-x"));
        assert_eq!(doc.get("c").unwrap().as_str(), Some("q"));
        assert_eq!(doc.get("d").unwrap().as_i64(), Some(5));
        assert_eq!(doc.get("e").unwrap().as_str(), Some("k:\tv\n"));
        assert_eq!(lc(&file, doc.get("d").unwrap().span.start), (4, 4));
    }

    #[test]
    fn a_tab_after_a_colon_before_a_block_entry_is_still_an_error() {
        // `key:<TAB>- x` is a block sequence where none may start, for the Go
        // parser kustomize uses too.
        let (_, _, diags) = parse("a:\t- x\n");
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].code, Code::YamlSyntax);
    }

    #[test]
    fn tab_indentation_error_position_counts_characters() {
        let text = "ü: 1\nb:\n\t- x\n";
        let (file, _, diags) = parse(text);
        assert_eq!(diags.len(), 1, "{diags:?}");
        let at = diags[0].location.as_ref().unwrap().span.start;
        assert_eq!(lc(&file, at).0, 3);
    }

    #[test]
    fn duplicate_keys_compare_typed_values() {
        // `1` (an int) and `"1"` (a string) are two keys; `1` and `0x1` are
        // the same int, `-0.0` and `0.0` the same float; NaN equals nothing.
        let (_, _, diags) = parse("1: a\n\"1\": b\n.nan: c\n.nan: d\n0.0: e\n");
        assert!(diags.is_empty(), "{diags:?}");
        let (file, _, diags) = parse("1: a\n0x1: b\n-0.0: c\n0.0: d\ne: e\n\"e\": f\n");
        let lines: Vec<usize> = diags
            .iter()
            .map(|d| file.line_col(d.location.as_ref().unwrap().span.start).line)
            .collect();
        assert_eq!(lines, vec![2, 4, 6]);
    }

    #[test]
    fn duplicate_keys_in_large_mappings_are_found_the_same_way() {
        // Past `KEY_SET_THRESHOLD` entries the check uses a set of keys.
        let mut text: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
        text.push_str("k3: again\n1: a\n0x1: b\n.nan: c\n.nan: d\n-0.0: e\n0.0: f\n");
        let (file, docs, diags) = parse(&text);
        assert_eq!(docs[0].get("k3").unwrap().as_i64(), Some(3));
        let lines: Vec<usize> = diags
            .iter()
            .map(|d| file.line_col(d.location.as_ref().unwrap().span.start).line)
            .collect();
        assert_eq!(lines, vec![41, 43, 47]);
    }

    #[test]
    fn duplicate_keys_are_reported_and_the_first_wins() {
        let (file, docs, diags) = parse("a: 1\nb: 2\na: 3\n");
        assert_eq!(docs[0].get("a").unwrap().as_i64(), Some(1));
        assert_eq!(diags.len(), 1);
        assert_eq!(
            lc(&file, diags[0].location.as_ref().unwrap().span.start),
            (3, 1)
        );
    }

    #[test]
    fn anchors_resolve_and_unknown_aliases_are_null() {
        let (_, docs, diags) = parse("base: &b {x: 1}\ncopy: *b\n");
        assert!(diags.is_empty());
        assert_eq!(docs[0].path("copy.x").unwrap().as_i64(), Some(1));
        let (_, _, diags) = parse("copy: *nope\n");
        // saphyr-parser rejects an undefined alias as a syntax error.
        assert!(diags.iter().all(|d| d.code == Code::YamlSyntax));
    }

    #[test]
    fn alias_bombs_stop_with_a_diagnostic() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
        }
        let (_, _, diags) = parse(&text);
        assert!(diags.iter().any(|d| d.code == Code::YamlSyntax));
    }

    #[test]
    fn deep_nesting_stops_with_a_diagnostic() {
        let text = "[".repeat(100_000);
        let (_, docs, diags) = parse(&text);
        assert!(docs.is_empty());
        assert!(!diags.is_empty());
    }

    #[test]
    fn path_reads_sequence_indices_and_to_json_renders() {
        let (_, docs, _) =
            parse("spec:\n  dependsOn:\n    - name: a\n    - name: b\n  n: .nan\n  80: port\n");
        assert_eq!(
            docs[0].path("spec.dependsOn.1.name").unwrap().as_str(),
            Some("b")
        );
        assert_eq!(docs[0].path("spec.80").unwrap().as_str(), Some("port"));
        let json = docs[0].to_json();
        assert_eq!(json["spec"]["dependsOn"][0]["name"], "a");
        assert_eq!(json["spec"]["n"], "NaN");
    }

    proptest::proptest! {
        #[test]
        fn parse_documents_never_panics(text in "\\PC{0,200}") {
            let file = SourceFile::new("p.yaml", text.clone());
            let (docs, diags) = parse_documents(&file);
            for d in &diags {
                let span = d.location.as_ref().unwrap().span;
                proptest::prop_assert!(span.end <= text.len() && text.is_char_boundary(span.start));
            }
            for doc in &docs {
                proptest::prop_assert!(doc.span.end <= text.len());
                let _ = doc.to_json();
            }
        }

        #[test]
        fn parse_documents_never_panics_on_yamlish_input(
            text in "([a-zé:\\-\\[\\]{}&*!|>\"'#,?%@` \t\n]|---|\\.\\.\\.){0,120}"
        ) {
            let file = SourceFile::new("p.yaml", text);
            let _ = parse_documents(&file);
        }
    }
}
