//! What differs between two analyses, node by node: Flux and Kubernetes
//! objects as the cluster receives them, host facts and toplevel
//! derivations, the Nix files hosts import, and flake inputs.
//!
//! Objects are compared as `K8sObject::doc`, the document after kustomize,
//! the applying Kustomization's patches and `postBuild` substitution. A value
//! strata knows to be secret (a Secret's `data`/`stringData`, a SOPS file's
//! values, any span `Analysis::secrets` masks) is named by its field only.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use strata_check::Analysis;
use strata_core::{EdgeKind, Location, NodeId, Span};
use strata_flux::K8sObject;
use strata_flux::yaml::{Yaml, YamlValue};
use strata_nix::HostFacts;

use crate::diff::{Change, ChangeKind, FieldChange};

/// Host facts that say where and how a host is deployed, not what it runs:
/// a change to them matters even when the toplevel derivation is the same.
const DEPLOYMENT_FACTS: &[&str] = &[
    "target_host",
    "target_user",
    "target_port",
    "tags",
    "deploy_rs",
];

/// Host facts that describe how the configuration is written, not what it
/// is: file changes are reported per file instead.
const STRUCTURAL_FACTS: &[&str] = &["name", "sources", "imported_files", "opaque_modules"];

/// Every node that differs, sorted by id then cluster.
pub(crate) fn changes(
    from: &Analysis,
    to: &Analysis,
    unchanged_hosts: &BTreeSet<String>,
) -> Vec<Change> {
    let mut changes = Vec::new();
    object_changes(from, to, &mut changes);
    host_changes(from, to, unchanged_hosts, &mut changes);
    file_changes(from, to, &mut changes);
    input_changes(from, to, &mut changes);
    changes.sort_by(|a, b| (&a.id, &a.cluster).cmp(&(&b.id, &b.cluster)));
    changes
}

/// One segment of a field path.
#[derive(Clone, Debug)]
enum Segment {
    Key(String),
    Index(usize),
    /// The item of a list of named items (containers, env, ports) whose
    /// `name` is this: matched by name, so an insertion shifts nothing.
    Named(String),
}

/// A field that differs, before it is judged secret and rendered.
struct RawField {
    /// Where in the newer document (in the older one for a removal).
    path: Vec<Segment>,
    /// Where in the older document (list items may have moved).
    old_path: Vec<Segment>,
    from: Option<Value>,
    to: Option<Value>,
}

impl RawField {
    /// The field as shown, for facts that hold no secret (host facts, inputs).
    fn public(self) -> FieldChange {
        FieldChange {
            path: display_path(&self.path),
            from: self.from,
            to: self.to,
            secret: false,
        }
    }
}

/// The path as printed: dotted, indices as numbers, keys that hold a dot or
/// are empty quoted (`metadata.annotations["a.b/c"]`).
fn display_path(path: &[Segment]) -> String {
    let mut out = String::new();
    for segment in path {
        match segment {
            Segment::Key(key) if key.is_empty() || key.contains(['.', '[', ']', '"']) => {
                out.push_str(&format!("[{}]", Value::String(key.clone())));
            }
            Segment::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Index(i) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(&i.to_string());
            }
            Segment::Named(name) => {
                out.push_str(&format!("[name={}]", Value::String(name.clone())));
            }
        }
    }
    out
}

/// The dotted form `Yaml::path` and `K8sObject::file_of` read, named items
/// resolved to their index in `doc`.
fn dotted(doc: &Yaml, path: &[Segment]) -> String {
    let mut node = Some(doc);
    let mut parts = Vec::new();
    for segment in path {
        let part = match segment {
            Segment::Key(k) => k.clone(),
            Segment::Index(i) => i.to_string(),
            Segment::Named(name) => node
                .and_then(|n| named_index(n, name))
                .map_or_else(|| name.clone(), |i| i.to_string()),
        };
        node = node.and_then(|n| yaml_at(n, std::slice::from_ref(segment)));
        parts.push(part);
    }
    parts.join(".")
}

/// The index of the item named `name` in a YAML sequence.
fn named_index(node: &Yaml, name: &str) -> Option<usize> {
    node.as_seq()
        .iter()
        .position(|item| item.get("name").and_then(Yaml::as_str) == Some(name))
}

/// The names of a list whose every item is a map with a distinct string
/// `name`, in order; `None` for any other list.
fn item_names(items: &[Value]) -> Option<Vec<&str>> {
    let names: Vec<&str> = items
        .iter()
        .map(|item| item.get("name").and_then(Value::as_str))
        .collect::<Option<_>>()?;
    let distinct: BTreeSet<&str> = names.iter().copied().collect();
    (distinct.len() == names.len() && !names.is_empty()).then_some(names)
}

/// Every leaf-or-subtree difference of two JSON values, in document order
/// (the older revision's keys first, then keys only the newer one has).
fn diff_values(
    path: &mut Vec<Segment>,
    from: Option<&Value>,
    to: Option<&Value>,
    out: &mut Vec<RawField>,
) {
    let mut old_path = path.clone();
    diff_at(&mut old_path, path, from, to, out);
}

/// [`diff_values`] with the path in each document.
fn diff_at(
    old_path: &mut Vec<Segment>,
    new_path: &mut Vec<Segment>,
    from: Option<&Value>,
    to: Option<&Value>,
    out: &mut Vec<RawField>,
) {
    let mut descend = |old: Segment, new: Segment, a: Option<&Value>, b: Option<&Value>| {
        old_path.push(old);
        new_path.push(new);
        diff_at(old_path, new_path, a, b, out);
        old_path.pop();
        new_path.pop();
    };
    match (from, to) {
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            for (key, old) in a {
                let segment = Segment::Key(key.clone());
                descend(segment.clone(), segment, Some(old), b.get(key));
            }
            for (key, new) in b.iter().filter(|(k, _)| !a.contains_key(*k)) {
                let segment = Segment::Key(key.clone());
                descend(segment.clone(), segment, None, Some(new));
            }
        }
        (Some(Value::Array(a)), Some(Value::Array(b)))
            if item_names(a).is_some() && item_names(b).is_some() =>
        {
            let (old_names, new_names) = (
                item_names(a).unwrap_or_default(),
                item_names(b).unwrap_or_default(),
            );
            let find = |items: &'_ [Value], names: &[&str], name: &str| {
                names
                    .iter()
                    .position(|n| *n == name)
                    .and_then(|i| items.get(i))
                    .cloned()
            };
            let mut names: Vec<&str> = old_names.clone();
            names.extend(new_names.iter().filter(|n| !old_names.contains(n)));
            for name in names {
                let (old, new) = (find(a, &old_names, name), find(b, &new_names, name));
                let segment = Segment::Named(name.to_string());
                descend(segment.clone(), segment, old.as_ref(), new.as_ref());
            }
        }
        (Some(Value::Array(a)), Some(Value::Array(b))) => {
            // Items aligned as a text diff aligns lines: an insertion is one
            // added item, not every later item changed.
            let (old_items, new_items): (Vec<String>, Vec<String>) = (
                a.iter().map(Value::to_string).collect(),
                b.iter().map(Value::to_string).collect(),
            );
            for op in
                similar::capture_diff_slices(similar::Algorithm::Myers, &old_items, &new_items)
            {
                let (old_range, new_range) = (op.old_range(), op.new_range());
                let paired = old_range.len().min(new_range.len());
                if matches!(op.tag(), similar::DiffTag::Equal) {
                    continue;
                }
                for k in 0..paired {
                    let (i, j) = (old_range.start + k, new_range.start + k);
                    descend(Segment::Index(i), Segment::Index(j), a.get(i), b.get(j));
                }
                for i in old_range.clone().skip(paired) {
                    descend(Segment::Index(i), Segment::Index(i), a.get(i), None);
                }
                for j in new_range.clone().skip(paired) {
                    descend(Segment::Index(j), Segment::Index(j), None, b.get(j));
                }
            }
        }
        (a, b) if a == b => {}
        (a, b) => out.push(RawField {
            path: if b.is_some() {
                new_path.clone()
            } else {
                old_path.clone()
            },
            old_path: old_path.clone(),
            from: a.cloned(),
            to: b.cloned(),
        }),
    }
}

/// The node at `path` of a YAML document.
fn yaml_at<'a>(doc: &'a Yaml, path: &[Segment]) -> Option<&'a Yaml> {
    path.iter().try_fold(doc, |node, segment| match segment {
        Segment::Key(key) => node.get(key),
        Segment::Index(i) => match &node.value {
            YamlValue::Seq(items) => items.get(*i),
            _ => None,
        },
        Segment::Named(name) => named_index(node, name).and_then(|i| node.as_seq().get(i)),
    })
}

/// The spans `Analysis::secrets` masks, by file.
struct SecretSpans<'a>(BTreeMap<&'a str, Vec<Span>>);

impl<'a> SecretSpans<'a> {
    fn of(analysis: &'a Analysis) -> Self {
        let mut by_file: BTreeMap<&str, Vec<Span>> = BTreeMap::new();
        for location in analysis.secrets.iter().chain(&analysis.secret_values) {
            by_file
                .entry(location.file.as_str())
                .or_default()
                .push(location.span);
        }
        SecretSpans(by_file)
    }

    /// Whether a secret is written inside `location` (or overlaps it).
    fn touches(&self, location: &Location) -> bool {
        let span = location.span;
        self.0.get(location.file.as_str()).is_some_and(|spans| {
            spans.iter().any(|s| {
                s.start < span.end.max(span.start + 1) && span.start < s.end.max(s.start + 1)
            })
        })
    }
}

/// Whether a field of `object` holds a secret value.
fn is_secret_field(object: &K8sObject, path: &[Segment], secrets: &SecretSpans) -> bool {
    let top = match path.first() {
        Some(Segment::Key(key)) => key.as_str(),
        _ => "",
    };
    if object.kind == "Secret" && matches!(top, "data" | "stringData") {
        return true;
    }
    if object.sops_encrypted && top != "metadata" {
        return true;
    }
    let Some(node) = yaml_at(&object.doc, path) else {
        return false;
    };
    let dotted = dotted(&object.doc, path);
    let location = Location::new(object.file_of(&dotted), node.span);
    if secrets.touches(&location) {
        return true;
    }
    // A value written by a patch below the field lives in another file.
    object
        .patched
        .iter()
        .filter(|p| p.path.starts_with(&dotted))
        .any(|p| {
            yaml_at_dotted(&object.doc, &p.path)
                .is_some_and(|n| secrets.touches(&Location::new(p.file.clone(), n.span)))
        })
}

fn yaml_at_dotted<'a>(doc: &'a Yaml, dotted: &str) -> Option<&'a Yaml> {
    doc.path(dotted)
}

/// Whether two documents hold the same values, wherever they are written
/// (spans ignored): the cheap test before a field-by-field comparison.
fn same_value(a: &Yaml, b: &Yaml) -> bool {
    match (&a.value, &b.value) {
        (YamlValue::Seq(x), YamlValue::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_value(a, b))
        }
        (YamlValue::Map(x), YamlValue::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((ka, va), (kb, vb))| same_value(ka, kb) && same_value(va, vb))
        }
        (x, y) => x == y,
    }
}

/// The first object of each (cluster, id): an object applied twice is one
/// object in the cluster.
fn objects_by_key(analysis: &Analysis) -> BTreeMap<(NodeId, Option<String>), &K8sObject> {
    let mut map = BTreeMap::new();
    for object in &analysis.flux.objects {
        map.entry((object.id.clone(), object.cluster.clone()))
            .or_insert(object);
    }
    map
}

fn object_changes(from: &Analysis, to: &Analysis, out: &mut Vec<Change>) {
    let before = objects_by_key(from);
    let after = objects_by_key(to);
    let several_clusters = from.flux.clusters.len() > 1 || to.flux.clusters.len() > 1;
    let from_secrets = SecretSpans::of(from);
    let to_secrets = SecretSpans::of(to);
    let keys: BTreeSet<&(NodeId, Option<String>)> = before.keys().chain(after.keys()).collect();
    for key in keys {
        let (old, new) = (before.get(key), after.get(key));
        let (change, fields) = match (old, new) {
            (None, Some(_)) => (ChangeKind::Added, Vec::new()),
            (Some(_), None) => (ChangeKind::Removed, Vec::new()),
            (Some(old), Some(new)) => {
                if same_value(&old.doc, &new.doc) {
                    continue;
                }
                let mut raw = Vec::new();
                diff_values(
                    &mut Vec::new(),
                    Some(&old.doc.to_json()),
                    Some(&new.doc.to_json()),
                    &mut raw,
                );
                if raw.is_empty() {
                    continue;
                }
                let fields = raw
                    .into_iter()
                    .map(|field| {
                        let secret = is_secret_field(old, &field.old_path, &from_secrets)
                            || is_secret_field(new, &field.path, &to_secrets);
                        FieldChange {
                            path: display_path(&field.path),
                            from: field.from.filter(|_| !secret),
                            to: field.to.filter(|_| !secret),
                            secret,
                        }
                    })
                    .collect();
                (ChangeKind::Modified, fields)
            }
            (None, None) => continue,
        };
        let declared = new.or(old).map(|o| o.location.file.clone());
        out.push(Change {
            id: key.0.clone(),
            change,
            file: declared,
            cluster: key.1.clone().filter(|_| several_clusters),
            fields,
            hosts: Vec::new(),
        });
    }
}

/// A host's facts as plain values: `Fact`s reduced to their value (`null`
/// when unset, `{ "unknown": why }` when not computable), locations and the
/// structural facts left out.
fn host_values(host: &HostFacts) -> Value {
    fn plain(value: Value) -> Value {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(state)) = map.get("state") {
                    return match state.as_str() {
                        "known" => plain(map.get("value").cloned().unwrap_or(Value::Null)),
                        "unknown" => serde_json::json!({
                            "unknown": map.get("reason").cloned().unwrap_or(Value::Null)
                        }),
                        _ => Value::Null,
                    };
                }
                Value::Object(
                    map.into_iter()
                        .filter(|(k, _)| {
                            k != "location"
                                && !k.ends_with("_location")
                                && !k.ends_with("_locations")
                        })
                        .map(|(k, v)| (k, plain(v)))
                        .collect(),
                )
            }
            Value::Array(items) => Value::Array(items.into_iter().map(plain).collect()),
            other => other,
        }
    }
    let mut value = plain(serde_json::to_value(host).unwrap_or(Value::Null));
    if let Value::Object(map) = &mut value {
        for key in STRUCTURAL_FACTS {
            map.remove(*key);
        }
    }
    value
}

fn host_changes(
    from: &Analysis,
    to: &Analysis,
    unchanged_hosts: &BTreeSet<String>,
    out: &mut Vec<Change>,
) {
    let before: BTreeMap<&str, &HostFacts> = from
        .nix
        .hosts
        .iter()
        .map(|h| (h.name.as_str(), h))
        .collect();
    let after: BTreeMap<&str, &HostFacts> =
        to.nix.hosts.iter().map(|h| (h.name.as_str(), h)).collect();
    let names: BTreeSet<&str> = before.keys().chain(after.keys()).copied().collect();
    // What Nix says each host builds (typed, from the evaluation), looked
    // up once rather than searched for every host.
    fn toplevels(a: &Analysis) -> BTreeMap<&str, &str> {
        a.evaluation
            .iter()
            .flat_map(|e| &e.hosts)
            .filter_map(|h| Some((h.host.name.as_str(), h.facts.toplevel()?)))
            .collect()
    }
    let (drvs_before, drvs_after) = (toplevels(from), toplevels(to));
    let file_of = |h: &HostFacts| h.location.as_ref().map(|l| l.file.clone());
    for name in names {
        let id = NodeId::host(name);
        let (change, fields) = match (before.get(name), after.get(name)) {
            (None, Some(_)) => (ChangeKind::Added, Vec::new()),
            (Some(_), None) => (ChangeKind::Removed, Vec::new()),
            (Some(old), Some(new)) => {
                let mut raw = Vec::new();
                diff_values(
                    &mut Vec::new(),
                    Some(&host_values(old)),
                    Some(&host_values(new)),
                    &mut raw,
                );
                // Nix says the system is the same: only how it is deployed
                // can still differ.
                if unchanged_hosts.contains(name) {
                    raw.retain(|f| {
                        matches!(f.path.first(), Some(Segment::Key(k)) if DEPLOYMENT_FACTS.contains(&k.as_str()))
                    });
                } else {
                    let drv = |drvs: &BTreeMap<&str, &str>| {
                        drvs.get(name).map(|drv| Value::String(drv.to_string()))
                    };
                    let (old_drv, new_drv) = (drv(&drvs_before), drv(&drvs_after));
                    if old_drv.is_some() && new_drv.is_some() && old_drv != new_drv {
                        raw.push(RawField {
                            path: vec![Segment::Key("toplevel_drv".into())],
                            old_path: vec![Segment::Key("toplevel_drv".into())],
                            from: old_drv,
                            to: new_drv,
                        });
                    }
                }
                if raw.is_empty() {
                    continue;
                }
                let fields = raw.into_iter().map(RawField::public).collect();
                (ChangeKind::Modified, fields)
            }
            (None, None) => continue,
        };
        let file = after
            .get(name)
            .or(before.get(name))
            .and_then(|h| file_of(h));
        out.push(Change {
            id,
            change,
            file,
            cluster: None,
            fields,
            hosts: Vec::new(),
        });
    }
}

/// The files the Nix layer reads: every `.nix` file and whatever the
/// evaluator read for the hosts (`readFile`, JSON host lists).
fn nix_files(analysis: &Analysis) -> BTreeSet<&str> {
    analysis
        .nix
        .files
        .iter()
        .map(|f| f.path.as_str())
        .chain(analysis.nix.evaluated_files.iter().map(String::as_str))
        .chain(analysis.nix.lock.is_some().then_some("flake.lock"))
        .collect()
}

/// The hosts whose configuration reads `path`: along `imports` edges, and
/// the files each host's modules read.
fn hosts_reading(analysis: &Analysis, path: &str) -> BTreeSet<String> {
    let start = BTreeSet::from([NodeId::file(path)]);
    let reached = analysis
        .graph
        .dependents_closure(&start, &[EdgeKind::Imports]);
    let mut hosts: BTreeSet<String> = reached
        .iter()
        .filter(|id| id.kind() == "host")
        .map(|id| id.name().to_string())
        .collect();
    // A host whose modules the static reader could not follow (a
    // configuration built by a function rather than `imports`) is built
    // from the file that declares it and what that file imports.
    for host in &analysis.nix.hosts {
        let id = NodeId::host(&host.name);
        let follows_imports = !host.imported_files.is_empty()
            || analysis
                .graph
                .outgoing(&id)
                .any(|(_, kind)| kind == EdgeKind::Imports);
        let declared_in = host.location.as_ref().map(|l| l.file.as_str());
        if let Some(file) = declared_in.filter(|_| !follows_imports)
            && (file == path || reached.contains(&NodeId::file(file)))
        {
            hosts.insert(host.name.clone());
        }
    }
    hosts.extend(
        analysis
            .nix
            .hosts
            .iter()
            .filter(|h| h.imported_files.iter().any(|f| f == path))
            .map(|h| h.name.clone()),
    );
    hosts
}

fn file_changes(from: &Analysis, to: &Analysis, out: &mut Vec<Change>) {
    let (before, after) = (nix_files(from), nix_files(to));
    let text = |a: &Analysis, path: &str| a.sources.get(path).map(|f| f.text().to_string());
    for path in before.union(&after) {
        let change = match (before.contains(path), after.contains(path)) {
            (false, true) => ChangeKind::Added,
            (true, false) => ChangeKind::Removed,
            _ if text(from, path) != text(to, path) => ChangeKind::Modified,
            _ => continue,
        };
        let mut hosts = hosts_reading(from, path);
        hosts.extend(hosts_reading(to, path));
        out.push(Change {
            id: NodeId::file(path),
            change,
            file: Some(path.to_string()),
            cluster: None,
            fields: Vec::new(),
            hosts: hosts.into_iter().collect(),
        });
    }
}

fn input_changes(from: &Analysis, to: &Analysis, out: &mut Vec<Change>) {
    let inputs = |a: &Analysis| -> BTreeMap<NodeId, Value> {
        a.nix
            .inputs
            .iter()
            .map(|input| {
                let id = NodeId::input(&input.name);
                // The typed input, without where it is written.
                let attrs = match serde_json::to_value(input) {
                    Ok(Value::Object(map)) => Value::Object(
                        map.into_iter()
                            .filter(|(k, _)| k != "location" && k != "name")
                            .collect(),
                    ),
                    _ => Value::Null,
                };
                (id, attrs)
            })
            .collect()
    };
    let (before, after) = (inputs(from), inputs(to));
    let ids: BTreeSet<&NodeId> = before.keys().chain(after.keys()).collect();
    for id in ids {
        let (change, fields) = match (before.get(id), after.get(id)) {
            (None, Some(_)) => (ChangeKind::Added, Vec::new()),
            (Some(_), None) => (ChangeKind::Removed, Vec::new()),
            (Some(old), Some(new)) if old != new => {
                let mut raw = Vec::new();
                diff_values(&mut Vec::new(), Some(old), Some(new), &mut raw);
                let fields = raw.into_iter().map(RawField::public).collect();
                (ChangeKind::Modified, fields)
            }
            _ => continue,
        };
        out.push(Change {
            id: id.clone(),
            change,
            file: Some("flake.nix".into()),
            cluster: None,
            fields,
            hosts: Vec::new(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_quote_keys_holding_dots() {
        let path = [
            Segment::Key("metadata".into()),
            Segment::Key("annotations".into()),
            Segment::Key("kustomize.toolkit.fluxcd.io/ssa".into()),
        ];
        assert_eq!(
            display_path(&path),
            r#"metadata.annotations["kustomize.toolkit.fluxcd.io/ssa"]"#
        );
        let path = [
            Segment::Key("spec".into()),
            Segment::Index(0),
            Segment::Key("x".into()),
        ];
        assert_eq!(display_path(&path), "spec.0.x");
    }

    #[test]
    fn an_inserted_item_is_one_change() {
        let a = serde_json::json!({"flags": ["--a", "--b", "--c"]});
        let b = serde_json::json!({"flags": ["--a", "--x", "--b", "--c"]});
        let mut out = Vec::new();
        diff_values(&mut Vec::new(), Some(&a), Some(&b), &mut out);
        let shown: Vec<(String, Option<Value>, Option<Value>)> = out
            .into_iter()
            .map(|f| (display_path(&f.path), f.from, f.to))
            .collect();
        assert_eq!(shown, [("flags.1".to_string(), None, Some("--x".into()))]);
    }

    #[test]
    fn named_items_are_matched_by_name() {
        let a =
            serde_json::json!({"env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]});
        let b = serde_json::json!({"env": [{"name": "Z", "value": "0"}, {"name": "A", "value": "1"}, {"name": "B", "value": "3"}]});
        let mut out = Vec::new();
        diff_values(&mut Vec::new(), Some(&a), Some(&b), &mut out);
        let shown: Vec<(String, Option<Value>, Option<Value>)> = out
            .into_iter()
            .map(|f| (display_path(&f.path), f.from, f.to))
            .collect();
        assert_eq!(
            shown,
            [
                (
                    r#"env[name="B"].value"#.to_string(),
                    Some("2".into()),
                    Some("3".into())
                ),
                (
                    r#"env[name="Z"]"#.to_string(),
                    None,
                    Some(serde_json::json!({"name": "Z", "value": "0"}))
                ),
            ]
        );
    }

    #[test]
    fn values_differ_at_leaves_in_document_order() {
        let a = serde_json::json!({"spec": {"a": 1, "b": [1, 2], "c": "x"}});
        let b = serde_json::json!({"spec": {"a": 2, "b": [1], "d": true, "c": "x"}});
        let mut out = Vec::new();
        diff_values(&mut Vec::new(), Some(&a), Some(&b), &mut out);
        let shown: Vec<(String, Option<Value>, Option<Value>)> = out
            .into_iter()
            .map(|f| (display_path(&f.path), f.from, f.to))
            .collect();
        assert_eq!(
            shown,
            [
                ("spec.a".to_string(), Some(1.into()), Some(2.into())),
                ("spec.b.1".to_string(), Some(2.into()), None),
                ("spec.d".to_string(), None, Some(true.into())),
            ]
        );
    }
}
