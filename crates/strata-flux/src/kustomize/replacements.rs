//! kustomize's `replacements`: copy one field of a source object into
//! fields of target objects, after every other transformer of the
//! kustomization.
//!
//! Objects are selected by any name they had during the build (kustomize
//! matches every id of a resource). Field paths are `.`-separated, with
//! `[key=value]` selecting list items, a number selecting an index and
//! `*` every item. `options.delimiter`/`index` take (or replace) one part
//! of a delimited string; `options.create` creates a missing target field.
//!
//! kustomize rejects a source that matches no object or several, and a
//! target field that does not exist (without `create`); those are returned
//! as problems for the caller to report.

use std::sync::Arc;

use strata_core::Span;

use crate::patch::{PatchedValue, Selector};
use crate::yaml::{Yaml, YamlValue};

use super::field_spec::{group_version, string};
use super::{BuiltObject, effective_namespace};

/// One replacement: where the value comes from and where it goes.
pub(crate) struct Replacement {
    source: IdSelector,
    source_path: String,
    source_options: FieldOptions,
    targets: Vec<Target>,
    /// Span of the replacement's entry, for findings.
    pub(crate) span: Span,
}

#[derive(Default)]
struct IdSelector {
    group: Option<String>,
    version: Option<String>,
    kind: Option<String>,
    name: Option<String>,
    namespace: Option<String>,
}

#[derive(Default)]
struct FieldOptions {
    delimiter: Option<String>,
    index: i64,
    create: bool,
}

struct Target {
    select: IdSelector,
    /// The label and annotation selectors of `select`.
    select_metadata: Selector,
    reject: Vec<(IdSelector, Selector)>,
    field_paths: Vec<String>,
    options: FieldOptions,
}

const DEFAULT_FIELD_PATH: &str = "metadata.name";

impl IdSelector {
    fn from_yaml(node: Option<&Yaml>) -> IdSelector {
        let text = |key: &str| {
            node.and_then(|n| n.get(key))
                .and_then(Yaml::scalar_text)
                .map(|t| t.into_owned())
                .filter(|t| !t.is_empty())
        };
        IdSelector {
            group: text("group"),
            version: text("version"),
            kind: text("kind"),
            name: text("name"),
            namespace: text("namespace"),
        }
    }

    fn is_empty(&self) -> bool {
        self.group.is_none()
            && self.version.is_none()
            && self.kind.is_none()
            && self.name.is_none()
            && self.namespace.is_none()
    }

    /// Whether any id of `object` (current or previous) is selected.
    fn selects(&self, object: &BuiltObject) -> bool {
        let (group, version) = group_version(&object.api_version);
        if self.group.as_deref().is_some_and(|g| g != group)
            || self.version.as_deref().is_some_and(|v| v != version)
            || self.kind.as_deref().is_some_and(|k| k != object.kind)
        {
            return false;
        }
        std::iter::once((object.name.as_str(), object.namespace.as_deref()))
            .chain(
                object
                    .previous_ids
                    .iter()
                    .map(|(n, ns)| (n.as_str(), ns.as_deref())),
            )
            .any(|(name, namespace)| {
                self.name.as_deref().is_none_or(|n| n == name)
                    && self
                        .namespace
                        .as_deref()
                        .is_none_or(|ns| ns == effective_namespace(namespace))
            })
    }
}

impl FieldOptions {
    fn from_yaml(node: Option<&Yaml>) -> FieldOptions {
        FieldOptions {
            delimiter: node
                .and_then(|n| n.get("delimiter"))
                .and_then(Yaml::scalar_text)
                .map(|t| t.into_owned())
                .filter(|d| !d.is_empty()),
            index: node
                .and_then(|n| n.get("index"))
                .and_then(Yaml::as_i64)
                .unwrap_or(0),
            create: node.and_then(|n| n.get("create")).and_then(Yaml::as_bool) == Some(true),
        }
    }
}

impl Replacement {
    /// Reads one replacement (`source` and `targets`); `None` for an entry
    /// that has neither.
    pub(crate) fn from_yaml(entry: &Yaml) -> Option<Replacement> {
        let source = entry.get("source")?;
        let targets = entry
            .get("targets")
            .map(Yaml::as_seq)
            .unwrap_or_default()
            .iter()
            .map(|target| {
                let select = target.get("select");
                let field_paths: Vec<String> = target
                    .get("fieldPaths")
                    .map(Yaml::as_seq)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(Yaml::scalar_text)
                    .map(|t| t.into_owned())
                    .collect();
                Target {
                    select: IdSelector::from_yaml(select),
                    select_metadata: metadata_selector(select),
                    reject: target
                        .get("reject")
                        .map(Yaml::as_seq)
                        .unwrap_or_default()
                        .iter()
                        .map(|r| (IdSelector::from_yaml(Some(r)), metadata_selector(Some(r))))
                        .collect(),
                    field_paths: if field_paths.is_empty() {
                        vec![DEFAULT_FIELD_PATH.to_string()]
                    } else {
                        field_paths
                    },
                    options: FieldOptions::from_yaml(target.get("options")),
                }
            })
            .collect();
        Some(Replacement {
            source: IdSelector::from_yaml(Some(source)),
            source_path: source
                .get("fieldPath")
                .and_then(Yaml::scalar_text)
                .map_or_else(|| DEFAULT_FIELD_PATH.to_string(), |t| t.into_owned()),
            source_options: FieldOptions::from_yaml(source.get("options")),
            targets,
            span: entry.span,
        })
    }

    /// Applies the replacement to `objects`; the error says what kustomize
    /// rejects.
    pub(crate) fn apply(&self, objects: &mut [BuiltObject]) -> Result<(), String> {
        let sources: Vec<usize> = (0..objects.len())
            .filter(|&i| self.source.selects(&objects[i]))
            .collect();
        let source = match sources.as_slice() {
            [one] => &objects[*one],
            [] => return Err("the replacement's source selects no object of the build".into()),
            _ => {
                return Err(format!(
                    "the replacement's source selects {} objects; kustomize needs exactly one",
                    sources.len()
                ));
            }
        };
        let segments = split_field_path(&self.source_path);
        if source.kind == "Secret"
            && matches!(segments.first(), Some(Segment::Field(f)) if f == "data" || f == "stringData")
        {
            // strata never keeps a Secret's values: the replaced value is
            // unknown, which is no reason to report anything.
            return Ok(());
        }
        let mut value = lookup(&source.doc, &segments)
            .filter(|v| !v.is_null())
            .cloned()
            .ok_or_else(|| {
                format!(
                    "the replacement's source `{}/{}` has no field `{}`",
                    source.kind, source.name, self.source_path
                )
            })?;
        let source_file = source
            .file_of(&self.source_path.replace(['[', ']'], ""))
            .to_string();
        if let Some(delimiter) = &self.source_options.delimiter {
            let text = value
                .scalar_text()
                .ok_or("`options.delimiter` needs a scalar source value")?
                .into_owned();
            let parts: Vec<&str> = text.split(delimiter.as_str()).collect();
            let part = usize::try_from(self.source_options.index)
                .ok()
                .and_then(|i| parts.get(i))
                .ok_or_else(|| {
                    format!(
                        "`options.index` {} is out of bounds for `{text}`",
                        self.source_options.index
                    )
                })?;
            value = string(part, value.span);
        }
        for target in &self.targets {
            for object in objects.iter_mut() {
                if !target.selects(object) {
                    continue;
                }
                for field_path in &target.field_paths {
                    let segments = split_field_path(field_path);
                    let mut found = 0;
                    let BuiltObject { doc, patched, .. } = object;
                    let mut trail = Vec::new();
                    let create = target.options.create;
                    set_at(
                        Arc::make_mut(doc),
                        &segments,
                        create,
                        &mut trail,
                        &mut |node, trail| {
                            found += 1;
                            write(node, &value, &target.options);
                            let path = trail.join(".");
                            patched.retain(|p| p.path != path);
                            patched.push(PatchedValue {
                                path,
                                file: source_file.clone(),
                            });
                        },
                    );
                    if found == 0 {
                        return Err(format!(
                            "the replacement's target `{}/{}` has no field `{field_path}` (set `options.create: true` to create it)",
                            object.kind, object.name
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

impl Target {
    fn selects(&self, object: &BuiltObject) -> bool {
        let metadata_matches = |selector: &Selector| {
            selector.matches(
                &object.api_version,
                &object.kind,
                &object.name,
                object.namespace.as_deref(),
                &object.doc,
            )
        };
        if !metadata_matches(&self.select_metadata) {
            return false;
        }
        for (ids, metadata) in &self.reject {
            let has_metadata =
                metadata.label_selector.is_some() || metadata.annotation_selector.is_some();
            if has_metadata && metadata_matches(metadata) {
                return false;
            }
            if !ids.is_empty() && ids.selects(object) {
                return false;
            }
        }
        self.select.selects(object)
    }
}

fn metadata_selector(node: Option<&Yaml>) -> Selector {
    let text = |key: &str| {
        node.and_then(|n| n.get(key))
            .and_then(Yaml::scalar_text)
            .map(|t| t.into_owned())
            .filter(|t| !t.is_empty())
    };
    Selector {
        label_selector: text("labelSelector"),
        annotation_selector: text("annotationSelector"),
        ..Selector::default()
    }
}

/// One step of a replacement field path.
#[derive(Debug, PartialEq)]
enum Segment {
    Field(String),
    Index(usize),
    /// `[key=value]`: the list items whose `key` is `value` (`[=value]`:
    /// scalar items equal to `value`).
    Match(String, String),
    Every,
}

/// Splits at `.` outside brackets (kustomize's "smarter" splitter).
fn split_field_path(path: &str) -> Vec<Segment> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    for c in path.chars() {
        match c {
            '[' => {
                depth += 1;
                current.push(c);
            }
            ']' => {
                depth = depth.saturating_sub(1);
                current.push(c);
            }
            '.' if depth == 0 => parts.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    parts.push(current);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .map(|part| {
            if part == "*" {
                Segment::Every
            } else if let Ok(index) = part.parse::<usize>() {
                Segment::Index(index)
            } else if let Some(inner) = part.strip_prefix('[').and_then(|p| p.strip_suffix(']')) {
                match inner.split_once('=') {
                    Some((key, value)) => Segment::Match(key.to_string(), value.to_string()),
                    // `[key]`: a key with dots in it.
                    None => Segment::Field(inner.to_string()),
                }
            } else {
                Segment::Field(part)
            }
        })
        .collect()
}

fn item_matches(item: &Yaml, key: &str, value: &str) -> bool {
    let node = if key.is_empty() {
        Some(item)
    } else {
        item.get(key)
    };
    node.and_then(Yaml::scalar_text).is_some_and(|t| t == value)
}

/// The node at `segments` (the first match of a list selector).
fn lookup<'a>(node: &'a Yaml, segments: &[Segment]) -> Option<&'a Yaml> {
    let Some((first, rest)) = segments.split_first() else {
        return Some(node);
    };
    let next = match first {
        Segment::Field(name) => node.get(name)?,
        Segment::Index(index) => node.as_seq().get(*index)?,
        Segment::Match(key, value) => node
            .as_seq()
            .iter()
            .find(|item| item_matches(item, key, value))?,
        Segment::Every => return node.as_seq().iter().find_map(|i| lookup(i, rest)),
    };
    lookup(next, rest)
}

/// Calls `set` on every node at `segments`, creating missing fields and
/// list items when `create` is set.
fn set_at(
    node: &mut Yaml,
    segments: &[Segment],
    create: bool,
    trail: &mut Vec<String>,
    set: &mut dyn FnMut(&mut Yaml, &[String]),
) {
    let Some((first, rest)) = segments.split_first() else {
        set(node, trail);
        return;
    };
    let span = node.span;
    let empty_for = |rest: &[Segment]| match rest.first() {
        Some(Segment::Field(_)) => YamlValue::Map(Vec::new()),
        Some(_) => YamlValue::Seq(Vec::new()),
        None => YamlValue::Null,
    };
    if create && node.is_null() {
        node.value = match first {
            Segment::Field(_) => YamlValue::Map(Vec::new()),
            _ => YamlValue::Seq(Vec::new()),
        };
    }
    match (first, &mut node.value) {
        (Segment::Field(name), YamlValue::Map(entries)) => {
            let index = match entries
                .iter()
                .position(|(k, _)| k.scalar_text().is_some_and(|t| t == *name))
            {
                Some(index) => index,
                None if create => {
                    entries.push((
                        string(name, span),
                        Yaml {
                            value: empty_for(rest),
                            span,
                        },
                    ));
                    entries.len() - 1
                }
                None => return,
            };
            trail.push(name.clone());
            set_at(&mut entries[index].1, rest, create, trail, set);
            trail.pop();
        }
        (Segment::Index(index), YamlValue::Seq(items)) => {
            if *index == items.len() && create {
                items.push(Yaml {
                    value: empty_for(rest),
                    span,
                });
            }
            if let Some(item) = items.get_mut(*index) {
                trail.push(index.to_string());
                set_at(item, rest, create, trail, set);
                trail.pop();
            }
        }
        (Segment::Match(key, value), YamlValue::Seq(items)) => {
            let mut any = false;
            for (index, item) in items.iter_mut().enumerate() {
                if item_matches(item, key, value) {
                    any = true;
                    trail.push(index.to_string());
                    set_at(item, rest, create, trail, set);
                    trail.pop();
                }
            }
            if !any && create {
                let item = if key.is_empty() {
                    string(value, span)
                } else {
                    Yaml {
                        value: YamlValue::Map(vec![(string(key, span), string(value, span))]),
                        span,
                    }
                };
                items.push(item);
                let index = items.len() - 1;
                trail.push(index.to_string());
                set_at(&mut items[index], rest, create, trail, set);
                trail.pop();
            }
        }
        (Segment::Every, YamlValue::Seq(items)) => {
            for (index, item) in items.iter_mut().enumerate() {
                trail.push(index.to_string());
                set_at(item, rest, create, trail, set);
                trail.pop();
            }
        }
        _ => {}
    }
}

/// Writes `value` into target field `node` as kustomize does: a scalar
/// target keeps its type where the new text allows it, anything else is
/// replaced by the value.
fn write(node: &mut Yaml, value: &Yaml, options: &FieldOptions) {
    let mut value = value.clone();
    if let Some(delimiter) = &options.delimiter {
        let Some(current) = node.scalar_text().map(|t| t.into_owned()) else {
            return;
        };
        let Some(new) = value.scalar_text().map(|t| t.into_owned()) else {
            return;
        };
        let mut parts: Vec<String> = current
            .split(delimiter.as_str())
            .map(str::to_string)
            .collect();
        match usize::try_from(options.index) {
            Err(_) => parts.insert(0, new),
            Ok(index) if index >= parts.len() => parts.push(new),
            Ok(index) => parts[index] = new,
        }
        value = string(&parts.join(delimiter), value.span);
    }
    let text = value.scalar_text().map(|t| t.into_owned());
    node.value = match (&node.value, text) {
        (YamlValue::String(_), Some(text)) => YamlValue::String(text),
        (YamlValue::Int(_), Some(text)) => {
            text.parse().map_or(YamlValue::String(text), YamlValue::Int)
        }
        (YamlValue::Bool(_), Some(text)) => text
            .parse()
            .map_or(YamlValue::String(text), YamlValue::Bool),
        (YamlValue::Float(_), Some(text)) => text
            .parse()
            .map_or(YamlValue::String(text), YamlValue::Float),
        _ => value.value,
    };
    node.span = value.span;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths_split_outside_brackets() {
        assert_eq!(
            split_field_path("spec.template.spec.containers.[name=app.main].image"),
            vec![
                Segment::Field("spec".into()),
                Segment::Field("template".into()),
                Segment::Field("spec".into()),
                Segment::Field("containers".into()),
                Segment::Match("name".into(), "app.main".into()),
                Segment::Field("image".into()),
            ]
        );
        assert_eq!(
            split_field_path("metadata.annotations.[example.com/x]"),
            vec![
                Segment::Field("metadata".into()),
                Segment::Field("annotations".into()),
                Segment::Field("example.com/x".into()),
            ]
        );
        assert_eq!(split_field_path("spec.rules.0.host").len(), 4);
    }
}
