//! kustomize patches as Flux runs them: strategic merge patches and JSON 6902
//! patches, chosen by a `target` selector (or, for a strategic merge patch
//! without one, by the patch's own kind and name).
//!
//! Patches apply to the [`Yaml`] documents strata reads, and every value a
//! patch writes keeps the span it has in the patch's own file; the object
//! records the path of each such value with that file ([`PatchedValue`]), so
//! a finding about a patched-in `sourceRef` points at the patch, not at the
//! object that never wrote it.
//!
//! Strategic merge is modelled without the OpenAPI schema kustomize uses:
//! lists of well-known built-in fields (`containers`, `env`, `volumes`, …)
//! merge by their merge key; every other list is replaced, which is what
//! kustomize does for custom resources such as Flux objects. `$patch: delete`
//! and `$patch: replace` are honoured; other directives are ignored.

use strata_core::Span;

use crate::yaml::{Yaml, YamlValue};

/// A value of an object's document that a patch (or an `images:` override)
/// wrote: the value sits in `file`, not in the object's own file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PatchedValue {
    /// Dotted path of the value in the document (`spec.sourceRef`,
    /// `spec.template.spec.containers.0.image`); everything below it comes
    /// from `file` too.
    pub path: String,
    /// Repository-relative path of the file holding the value.
    pub file: String,
}

/// Which objects a patch applies to (kustomize's `target` selector). Every
/// set field must match; `name` and `namespace` are anchored regular
/// expressions, as in kustomize.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selector {
    /// API group (`""` for the core group).
    pub group: Option<String>,
    /// API version without the group (`v1`).
    pub version: Option<String>,
    /// Kind, exact.
    pub kind: Option<String>,
    /// Name regex.
    pub name: Option<String>,
    /// Namespace regex.
    pub namespace: Option<String>,
    /// Label selector (`a=b,c!=d,e,!f,g in (x,y)`).
    pub label_selector: Option<String>,
    /// Annotation selector, same syntax.
    pub annotation_selector: Option<String>,
}

impl Selector {
    /// Reads a `target:` mapping.
    pub fn from_yaml(target: &Yaml) -> Selector {
        let field = |key: &str| {
            target
                .get(key)
                .and_then(Yaml::scalar_text)
                .map(|t| t.into_owned())
        };
        Selector {
            group: field("group"),
            version: field("version"),
            kind: field("kind"),
            name: field("name"),
            namespace: field("namespace"),
            label_selector: field("labelSelector"),
            annotation_selector: field("annotationSelector"),
        }
    }

    /// Whether an object (its document and current identity) is selected.
    pub fn matches(
        &self,
        api_version: &str,
        kind: &str,
        name: &str,
        namespace: Option<&str>,
        doc: &Yaml,
    ) -> bool {
        let (group, version) = match api_version.rsplit_once('/') {
            Some((group, version)) => (group, version),
            None => ("", api_version),
        };
        let exact = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
        exact(&self.group, group)
            && exact(&self.version, version)
            && exact(&self.kind, kind)
            && self
                .name
                .as_deref()
                .is_none_or(|pattern| regex_matches(pattern, name))
            && self
                .namespace
                .as_deref()
                .is_none_or(|pattern| regex_matches(pattern, namespace.unwrap_or("")))
            && self
                .label_selector
                .as_deref()
                .is_none_or(|s| selector_matches(s, doc.path("metadata.labels")))
            && self
                .annotation_selector
                .as_deref()
                .is_none_or(|s| selector_matches(s, doc.path("metadata.annotations")))
    }
}

/// One patch, parsed.
#[derive(Clone, Debug)]
pub enum Patch {
    /// A strategic merge patch document.
    StrategicMerge(Yaml),
    /// A JSON 6902 operation list.
    Json6902(Vec<Yaml>),
}

impl Patch {
    /// A patch document: a sequence is a JSON 6902 operation list, a mapping
    /// a strategic merge patch; anything else is not a patch.
    pub fn from_document(document: &Yaml) -> Option<Patch> {
        match &document.value {
            YamlValue::Seq(items) => Some(Patch::Json6902(items.clone())),
            YamlValue::Map(_) => Some(Patch::StrategicMerge(document.clone())),
            _ => None,
        }
    }

    /// What kustomize rejects in this patch before applying it: a JSON 6902
    /// operation that is not a mapping, has an unknown `op`, or lacks the
    /// `path`, `value` or `from` its op needs. Each with the span to point at.
    pub fn problems(&self) -> Vec<(Span, String)> {
        let Patch::Json6902(operations) = self else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for operation in operations {
            if !operation.is_map() {
                out.push((
                    operation.span,
                    "a JSON 6902 operation must be a mapping with `op` and `path`".to_string(),
                ));
                continue;
            }
            let op_node = operation.get("op");
            let op = op_node.and_then(Yaml::as_str).unwrap_or("");
            let at = op_node.map_or(operation.span, |o| o.span);
            let needs: &[&str] = match op {
                "add" | "replace" | "test" => &["path", "value"],
                "remove" => &["path"],
                "move" | "copy" => &["path", "from"],
                "" => {
                    out.push((at, "this JSON 6902 operation has no `op`".to_string()));
                    continue;
                }
                other => {
                    out.push((
                        at,
                        format!(
                            "`{other}` is not a JSON 6902 operation (add, remove, replace, move, copy, test)"
                        ),
                    ));
                    continue;
                }
            };
            for field in needs {
                match operation.get(field) {
                    None => out.push((at, format!("this `{op}` operation has no `{field}`"))),
                    Some(value)
                        if *field != "value"
                            && value.as_str().is_none_or(|p| pointer(p).is_none()) =>
                    {
                        out.push((
                            value.span,
                            format!("`{field}` must be a JSON pointer such as `/spec/replicas`"),
                        ));
                    }
                    Some(_) => {}
                }
            }
        }
        out
    }

    /// The selector a strategic merge patch without `target` implies: its
    /// own kind, name and (when written) namespace.
    pub fn implied_selector(&self) -> Option<Selector> {
        let Patch::StrategicMerge(doc) = self else {
            return None;
        };
        let text = |path: &str| {
            doc.path(path)
                .and_then(Yaml::scalar_text)
                .map(|t| t.into_owned())
        };
        let name = text("metadata.name")?;
        Some(Selector {
            kind: text("kind"),
            name: Some(regex_escape(&name)),
            namespace: text("metadata.namespace").map(|ns| regex_escape(&ns)),
            ..Selector::default()
        })
    }

    /// Applies the patch to `doc`; values it writes are recorded in
    /// `patched` as coming from `file`. Returns `false` when the patch
    /// deletes the object (`$patch: delete`).
    pub fn apply(&self, doc: &mut Yaml, file: &str, patched: &mut Vec<PatchedValue>) -> bool {
        self.apply_reporting(doc, file, patched, &mut Vec::new())
    }

    /// [`Patch::apply`], adding to `problems` each JSON 6902 operation
    /// kustomize refuses on this document (a `replace`, `remove`, `move` or
    /// `copy` of a path that does not exist, an `add` under a missing
    /// parent), with the span of its `path`.
    pub fn apply_reporting(
        &self,
        doc: &mut Yaml,
        file: &str,
        patched: &mut Vec<PatchedValue>,
        problems: &mut Vec<(Span, String)>,
    ) -> bool {
        match self {
            Patch::StrategicMerge(patch) => {
                if patch.get("$patch").and_then(Yaml::as_str) == Some("delete") {
                    return false;
                }
                // The patch's own identity names its target (kustomize
                // copies the target's into it): it never renames the object.
                let mut body = patch.clone();
                if let YamlValue::Map(entries) = &mut body.value {
                    entries.retain(|(k, _)| !matches!(k.as_str(), Some("apiVersion" | "kind")));
                    for (key, value) in entries.iter_mut() {
                        if key.as_str() == Some("metadata")
                            && let YamlValue::Map(metadata) = &mut value.value
                        {
                            metadata
                                .retain(|(k, _)| !matches!(k.as_str(), Some("name" | "namespace")));
                        }
                    }
                }
                let mut path = Vec::new();
                merge(doc, &body, &mut path, file, patched);
                true
            }
            Patch::Json6902(operations) => {
                for operation in operations {
                    if let Err(problem) = json6902(doc, operation, file, patched) {
                        let span = operation.get("path").map_or(operation.span, |p| p.span);
                        problems.push((span, problem));
                    }
                }
                true
            }
        }
    }
}

/// Lists merged item by item in a strategic merge, and their merge key.
/// Everything else (custom resources included) is replaced as a whole.
fn merge_key(field: &str) -> Option<&'static str> {
    match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets"
        | "hostAliases" => Some(match field {
            "hostAliases" => "ip",
            _ => "name",
        }),
        "volumeMounts" | "volumeDevices" => Some("mountPath"),
        "ports" => Some("containerPort"),
        _ => None,
    }
}

fn record(patched: &mut Vec<PatchedValue>, path: &[String], file: &str) {
    let path = path.join(".");
    let below = |p: &str| {
        p.strip_prefix(path.as_str())
            .is_some_and(|r| r.starts_with('.'))
    };
    patched.retain(|p| !(p.path == path || below(&p.path)));
    patched.push(PatchedValue {
        path,
        file: file.to_string(),
    });
}

fn merge(
    target: &mut Yaml,
    patch: &Yaml,
    path: &mut Vec<String>,
    file: &str,
    patched: &mut Vec<PatchedValue>,
) {
    let replace_whole = patch.get("$patch").and_then(Yaml::as_str) == Some("replace");
    if !target.is_map() || !patch.is_map() || replace_whole {
        *target = strip_directives(patch);
        record(patched, path, file);
        return;
    }
    for (key, value) in patch.entries() {
        let Some(key_text) = key.scalar_text().map(|k| k.into_owned()) else {
            continue;
        };
        if key_text.starts_with('$') {
            continue;
        }
        let YamlValue::Map(entries) = &mut target.value else {
            return;
        };
        let existing = entries
            .iter()
            .position(|(k, _)| k.scalar_text().as_deref() == Some(key_text.as_str()));
        path.push(key_text.clone());
        match (existing, &value.value) {
            // A null value deletes the field in a strategic merge.
            (Some(index), YamlValue::Null) => {
                entries.remove(index);
            }
            (None, YamlValue::Null) => {}
            (Some(index), YamlValue::Map(_)) if entries[index].1.is_map() => {
                merge(&mut entries[index].1, value, path, file, patched);
            }
            (Some(index), YamlValue::Seq(items)) => {
                let keyed = merge_key(&key_text).filter(|merge_key| {
                    items.iter().all(|item| item.get(merge_key).is_some())
                        && entries[index]
                            .1
                            .as_seq()
                            .iter()
                            .all(|item| item.get(merge_key).is_some())
                        && matches!(entries[index].1.value, YamlValue::Seq(_))
                });
                match keyed {
                    Some(merge_key) => {
                        merge_list(&mut entries[index].1, items, merge_key, path, file, patched)
                    }
                    None => {
                        entries[index].1 = strip_directives(value);
                        record(patched, path, file);
                    }
                }
            }
            // The same value (a patch's own `kind` and `name`) keeps the
            // object's text as its origin.
            (Some(index), _) if entries[index].1.value == value.value => {}
            (Some(index), _) => {
                entries[index].1 = strip_directives(value);
                record(patched, path, file);
            }
            (None, _) => {
                entries.push((key.clone(), strip_directives(value)));
                record(patched, path, file);
            }
        }
        path.pop();
    }
}

/// Merges list `items` into `target` by `merge_key`, in kustomize's order:
/// the patch's items first (in patch order), then the existing items the
/// patch does not name. Values recorded as patched under the list follow
/// their item to its new index.
fn merge_list(
    target: &mut Yaml,
    items: &[Yaml],
    merge_key: &str,
    path: &mut Vec<String>,
    file: &str,
    patched: &mut Vec<PatchedValue>,
) {
    let YamlValue::Seq(existing) = &mut target.value else {
        return;
    };
    let key_of = |item: &Yaml| {
        item.get(merge_key)
            .and_then(Yaml::scalar_text)
            .map(|k| k.into_owned())
    };
    let mut old: Vec<Option<Yaml>> = std::mem::take(existing).into_iter().map(Some).collect();
    // (old index, value) in the final order; `None` for a new item.
    let mut merged: Vec<(Option<usize>, Yaml, Option<&Yaml>)> = Vec::new();
    for item in items {
        let key = key_of(item);
        let delete = item.get("$patch").and_then(Yaml::as_str) == Some("delete");
        let position = key.as_ref().and_then(|key| {
            old.iter()
                .position(|e| e.as_ref().is_some_and(|e| key_of(e).as_ref() == Some(key)))
        });
        if let Some(i) = merged
            .iter()
            .position(|(_, value, _)| key.is_some() && key_of(value) == key)
        {
            // The patch names the item twice: merge into the first.
            if delete {
                merged.remove(i);
            } else {
                merged[i].2 = Some(item);
            }
            continue;
        }
        match (position, delete) {
            (Some(index), true) => {
                old[index] = None;
            }
            (Some(index), false) => {
                if let Some(value) = old[index].take() {
                    merged.push((Some(index), value, Some(item)));
                }
            }
            (None, true) => {}
            (None, false) => merged.push((None, strip_directives(item), None)),
        }
    }
    for (index, value) in old.into_iter().enumerate() {
        if let Some(value) = value {
            merged.push((Some(index), value, None));
        }
    }
    let prefix = path.join(".");
    let remap: Vec<(usize, usize)> = merged
        .iter()
        .enumerate()
        .filter_map(|(new, (old, _, _))| old.map(|old| (old, new)))
        .collect();
    for record in patched.iter_mut() {
        let Some(rest) = record.path.strip_prefix(prefix.as_str()).and_then(|r| {
            if prefix.is_empty() {
                Some(r)
            } else {
                r.strip_prefix('.')
            }
        }) else {
            continue;
        };
        let (index, tail) = rest.split_once('.').unwrap_or((rest, ""));
        let Ok(index) = index.parse::<usize>() else {
            continue;
        };
        if let Some((_, new)) = remap.iter().find(|(old, _)| *old == index) {
            let mut moved = if prefix.is_empty() {
                new.to_string()
            } else {
                format!("{prefix}.{new}")
            };
            if !tail.is_empty() {
                moved.push('.');
                moved.push_str(tail);
            }
            record.path = moved;
        }
    }
    for (new_index, (old_index, mut value, patch)) in merged.into_iter().enumerate() {
        path.push(new_index.to_string());
        match (old_index, patch) {
            (None, _) => record(patched, path, file),
            (Some(_), Some(patch)) => merge(&mut value, patch, path, file, patched),
            (Some(_), None) => {}
        }
        path.pop();
        existing.push(value);
    }
}

/// A patch value without `$patch`-style directive keys.
fn strip_directives(value: &Yaml) -> Yaml {
    match &value.value {
        YamlValue::Map(entries) => Yaml {
            value: YamlValue::Map(
                entries
                    .iter()
                    .filter(|(k, _)| !k.as_str().is_some_and(|k| k.starts_with('$')))
                    .map(|(k, v)| (k.clone(), strip_directives(v)))
                    .collect(),
            ),
            span: value.span,
        },
        YamlValue::Seq(items) => Yaml {
            value: YamlValue::Seq(items.iter().map(strip_directives).collect()),
            span: value.span,
        },
        _ => value.clone(),
    }
}

/// The segments of a JSON pointer (`/spec/a~1b/0` → `spec`, `a/b`, `0`).
fn pointer(text: &str) -> Option<Vec<String>> {
    if text.is_empty() {
        return Some(Vec::new());
    }
    let rest = text.strip_prefix('/')?;
    Some(
        rest.split('/')
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect(),
    )
}

fn child_mut<'a>(node: &'a mut Yaml, segment: &str) -> Option<&'a mut Yaml> {
    match &mut node.value {
        YamlValue::Map(entries) => entries
            .iter_mut()
            .find(|(k, _)| k.scalar_text().as_deref() == Some(segment))
            .map(|(_, v)| v),
        YamlValue::Seq(items) => segment.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
        _ => None,
    }
}

fn node_at<'a>(root: &'a mut Yaml, segments: &[String]) -> Option<&'a mut Yaml> {
    segments
        .iter()
        .try_fold(root, |node, segment| child_mut(node, segment))
}

fn remove_at(root: &mut Yaml, segments: &[String]) -> Option<Yaml> {
    let (last, parent) = segments.split_last()?;
    let parent = node_at(root, parent)?;
    match &mut parent.value {
        YamlValue::Map(entries) => {
            let index = entries
                .iter()
                .position(|(k, _)| k.scalar_text().as_deref() == Some(last.as_str()))?;
            Some(entries.remove(index).1)
        }
        YamlValue::Seq(items) => {
            let index = last.parse::<usize>().ok().filter(|i| *i < items.len())?;
            Some(items.remove(index))
        }
        _ => None,
    }
}

/// Adds (or, with `replace`, overwrites) `value` at `segments`; the path
/// actually written, as dotted segments, on success.
fn add_at(root: &mut Yaml, segments: &[String], value: Yaml, replace: bool) -> Option<Vec<String>> {
    let Some((last, parent_path)) = segments.split_last() else {
        *root = value;
        return Some(Vec::new());
    };
    let parent = node_at(root, parent_path)?;
    let mut written: Vec<String> = parent_path.to_vec();
    match &mut parent.value {
        YamlValue::Map(entries) => {
            match entries
                .iter_mut()
                .find(|(k, _)| k.scalar_text().as_deref() == Some(last.as_str()))
            {
                Some((_, existing)) => *existing = value,
                None if replace => return None,
                None => {
                    let key = Yaml {
                        value: YamlValue::String(last.clone()),
                        span: value.span,
                    };
                    entries.push((key, value));
                }
            }
            written.push(last.clone());
        }
        YamlValue::Seq(items) => {
            let index = if last == "-" {
                items.len()
            } else {
                last.parse::<usize>().ok()?
            };
            if replace {
                *items.get_mut(index)? = value;
            } else if index <= items.len() {
                items.insert(index, value);
            } else {
                return None;
            }
            written.push(index.to_string());
        }
        _ => return None,
    }
    Some(written)
}

/// Applies one JSON 6902 operation; the error says why kustomize would
/// refuse it on this document. Operations [`Patch::problems`] reports
/// (unknown op, missing fields) are skipped without error here.
fn json6902(
    doc: &mut Yaml,
    operation: &Yaml,
    file: &str,
    patched: &mut Vec<PatchedValue>,
) -> Result<(), String> {
    let op = operation.get("op").and_then(Yaml::as_str).unwrap_or("");
    let path_text = operation.get("path").and_then(Yaml::as_str).unwrap_or("");
    let Some(path) = operation
        .get("path")
        .and_then(Yaml::as_str)
        .and_then(pointer)
    else {
        return Ok(());
    };
    let missing = |what: &str| {
        Err(format!(
            "`{op}` operation does not apply: the object has no {what} `{path_text}`"
        ))
    };
    let from = operation
        .get("from")
        .and_then(Yaml::as_str)
        .and_then(pointer);
    let written = match op {
        "add" | "replace" => {
            let Some(value) = operation.get("value") else {
                return Ok(());
            };
            match add_at(doc, &path, value.clone(), op == "replace") {
                Some(written) => Some(written),
                None if op == "replace" => return missing("field"),
                None => return missing("parent for"),
            }
        }
        "remove" => {
            if remove_at(doc, &path).is_none() {
                return missing("field");
            }
            None
        }
        "copy" | "move" => {
            let Some(from) = from else { return Ok(()) };
            let value = if op == "move" {
                remove_at(doc, &from)
            } else {
                node_at(doc, &from).map(|v| v.clone())
            };
            let Some(value) = value else {
                let from_text = operation.get("from").and_then(Yaml::as_str).unwrap_or("");
                return Err(format!(
                    "`{op}` operation does not apply: the object has no field `{from_text}`"
                ));
            };
            // A copied value keeps the spans of where it was written, which
            // may be another file already; the origin stays unrecorded then.
            if add_at(doc, &path, value, false).is_none() {
                return missing("parent for");
            }
            None
        }
        _ => None,
    };
    if let Some(written) = written
        && matches!(op, "add" | "replace")
    {
        record(patched, &written, file);
    }
    Ok(())
}

/// Whether a label/annotation selector matches the given map.
fn selector_matches(selector: &str, labels: Option<&Yaml>) -> bool {
    let value_of = |key: &str| {
        labels
            .and_then(|l| l.get(key))
            .and_then(Yaml::scalar_text)
            .map(|t| t.into_owned())
    };
    split_requirements(selector).iter().all(|requirement| {
        let requirement = requirement.trim();
        if requirement.is_empty() {
            return true;
        }
        if let Some(key) = requirement.strip_prefix('!') {
            return value_of(key.trim()).is_none();
        }
        for (operator, negated) in [(" notin ", true), (" in ", false)] {
            if let Some((key, set)) = requirement.split_once(operator) {
                let set: Vec<&str> = set
                    .trim()
                    .trim_start_matches('(')
                    .trim_end_matches(')')
                    .split(',')
                    .map(str::trim)
                    .collect();
                let found = value_of(key.trim()).is_some_and(|v| set.contains(&v.as_str()));
                return found != negated;
            }
        }
        if let Some((key, value)) = requirement.split_once("!=") {
            return value_of(key.trim()).as_deref() != Some(value.trim());
        }
        if let Some((key, value)) = requirement
            .split_once("==")
            .or_else(|| requirement.split_once('='))
        {
            return value_of(key.trim()).as_deref() == Some(value.trim());
        }
        value_of(requirement).is_some()
    })
}

/// Splits a selector at the commas outside parentheses.
fn split_requirements(selector: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in selector.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth <= 0 => {
                parts.push(&selector[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&selector[start..]);
    parts
}

/// `text` as a regular expression matching exactly itself.
fn regex_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// Whether `pattern` (a regular expression, anchored at both ends as
/// kustomize anchors target names) matches all of `text`.
///
/// A small backtracking matcher for the subset target selectors use:
/// literals, `.`, escapes (`\.`, `\d`, `\w`, `\s`), classes (`[a-z0-9-]`,
/// `[^…]`), groups with alternation, and the `*`, `+`, `?` quantifiers. An
/// unsupported or malformed pattern matches only itself literally. The input
/// is a Kubernetes name (at most 253 characters), so backtracking is cheap;
/// a step budget bounds it anyway.
pub fn regex_matches(pattern: &str, text: &str) -> bool {
    let pattern = pattern.strip_prefix('^').unwrap_or(pattern);
    let pattern = pattern
        .strip_suffix('$')
        .filter(|p| !p.ends_with('\\'))
        .unwrap_or(pattern);
    let Some(node) = regex::parse(pattern) else {
        return pattern == text;
    };
    let chars: Vec<char> = text.chars().collect();
    let budget = std::cell::Cell::new(200_000usize);
    regex::match_here(&node, &chars, 0, &budget, &mut |end| end == chars.len())
}

mod regex {
    //! The matcher behind [`super::regex_matches`].

    use std::cell::Cell;

    pub(super) enum Node {
        Empty,
        Any,
        Char(char),
        Class(Vec<(char, char)>, bool),
        Concat(Vec<Node>),
        Alt(Vec<Node>),
        Repeat(Box<Node>, usize, usize),
    }

    pub(super) fn parse(pattern: &str) -> Option<Node> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut at = 0;
        let node = alternation(&chars, &mut at)?;
        (at == chars.len()).then_some(node)
    }

    fn alternation(chars: &[char], at: &mut usize) -> Option<Node> {
        let mut branches = vec![concat(chars, at)?];
        while chars.get(*at) == Some(&'|') {
            *at += 1;
            branches.push(concat(chars, at)?);
        }
        Some(if branches.len() == 1 {
            branches.pop()?
        } else {
            Node::Alt(branches)
        })
    }

    fn concat(chars: &[char], at: &mut usize) -> Option<Node> {
        let mut items = Vec::new();
        while let Some(&c) = chars.get(*at) {
            if c == '|' || c == ')' {
                break;
            }
            let atom = atom(chars, at)?;
            let atom = match chars.get(*at) {
                Some('*') => Node::Repeat(Box::new(atom), 0, usize::MAX),
                Some('+') => Node::Repeat(Box::new(atom), 1, usize::MAX),
                Some('?') => Node::Repeat(Box::new(atom), 0, 1),
                _ => {
                    items.push(atom);
                    continue;
                }
            };
            *at += 1;
            // A lazy `?` suffix does not change whether a full match exists.
            if chars.get(*at) == Some(&'?') {
                *at += 1;
            }
            items.push(atom);
        }
        Some(match items.len() {
            0 => Node::Empty,
            _ => Node::Concat(items),
        })
    }

    fn escape_class(c: char) -> Option<Node> {
        let ranges = match c {
            'd' => vec![('0', '9')],
            'w' => vec![('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')],
            's' => vec![(' ', ' '), ('\t', '\t'), ('\n', '\n'), ('\r', '\r')],
            _ => return None,
        };
        Some(Node::Class(ranges, false))
    }

    fn atom(chars: &[char], at: &mut usize) -> Option<Node> {
        let c = *chars.get(*at)?;
        *at += 1;
        match c {
            '.' => Some(Node::Any),
            '(' => {
                // Non-capturing groups read like plain ones here.
                if chars.get(*at) == Some(&'?') && chars.get(*at + 1) == Some(&':') {
                    *at += 2;
                }
                let inner = alternation(chars, at)?;
                (chars.get(*at) == Some(&')')).then(|| *at += 1)?;
                Some(inner)
            }
            '[' => {
                let negated = chars.get(*at) == Some(&'^');
                if negated {
                    *at += 1;
                }
                let mut ranges = Vec::new();
                let mut first = true;
                loop {
                    let c = *chars.get(*at)?;
                    *at += 1;
                    if c == ']' && !first {
                        break;
                    }
                    first = false;
                    let c = if c == '\\' {
                        let e = *chars.get(*at)?;
                        *at += 1;
                        if let Some(Node::Class(class, _)) = escape_class(e) {
                            ranges.extend(class);
                            continue;
                        }
                        e
                    } else {
                        c
                    };
                    if chars.get(*at) == Some(&'-') && chars.get(*at + 1).is_some_and(|n| *n != ']')
                    {
                        let end = *chars.get(*at + 1)?;
                        *at += 2;
                        ranges.push((c, end));
                    } else {
                        ranges.push((c, c));
                    }
                }
                Some(Node::Class(ranges, negated))
            }
            '\\' => {
                let e = *chars.get(*at)?;
                *at += 1;
                Some(escape_class(e).unwrap_or(Node::Char(e)))
            }
            '*' | '+' | '?' | '{' | '}' | '^' | '$' => None,
            c => Some(Node::Char(c)),
        }
    }

    /// Continuation-passing matcher: `then` decides whether the rest matches
    /// from the position this node ends at.
    pub(super) fn match_here(
        node: &Node,
        text: &[char],
        at: usize,
        budget: &Cell<usize>,
        then: &mut dyn FnMut(usize) -> bool,
    ) -> bool {
        if budget.get() == 0 {
            return false;
        }
        budget.set(budget.get() - 1);
        match node {
            Node::Empty => then(at),
            Node::Any => at < text.len() && then(at + 1),
            Node::Char(c) => text.get(at) == Some(c) && then(at + 1),
            Node::Class(ranges, negated) => {
                text.get(at)
                    .is_some_and(|c| ranges.iter().any(|(lo, hi)| lo <= c && c <= hi) != *negated)
                    && then(at + 1)
            }
            Node::Concat(items) => concat_from(items, text, at, budget, then),
            Node::Alt(branches) => branches
                .iter()
                .any(|branch| match_here(branch, text, at, budget, then)),
            Node::Repeat(inner, min, max) => repeat(inner, *min, *max, text, at, budget, then),
        }
    }

    fn concat_from(
        items: &[Node],
        text: &[char],
        at: usize,
        budget: &Cell<usize>,
        then: &mut dyn FnMut(usize) -> bool,
    ) -> bool {
        match items.split_first() {
            None => then(at),
            Some((first, rest)) => match_here(first, text, at, budget, &mut |next| {
                concat_from(rest, text, next, budget, then)
            }),
        }
    }

    fn repeat(
        inner: &Node,
        min: usize,
        max: usize,
        text: &[char],
        at: usize,
        budget: &Cell<usize>,
        then: &mut dyn FnMut(usize) -> bool,
    ) -> bool {
        // Greedy: try one more repetition first (only if it consumes input).
        if max > 0
            && match_here(inner, text, at, budget, &mut |next| {
                next > at
                    && repeat(
                        inner,
                        min.saturating_sub(1),
                        max.saturating_sub(1),
                        text,
                        next,
                        budget,
                        then,
                    )
            })
        {
            return true;
        }
        min == 0 && then(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_documents;
    use strata_core::SourceFile;

    fn doc(text: &str) -> Yaml {
        parse_documents(&SourceFile::new("t.yaml", text))
            .0
            .remove(0)
    }

    #[test]
    fn regexes_of_target_names() {
        assert!(regex_matches(".*", "anything"));
        assert!(regex_matches("app-.*", "app-jellyfin"));
        assert!(!regex_matches("app-.*", "my-app-x"));
        assert!(regex_matches("^(sonarr|radarr)$", "radarr"));
        assert!(!regex_matches("sonarr|radarr", "lidarr"));
        assert!(regex_matches("[a-z]+-[0-9]?", "abc-"));
        assert!(regex_matches("a\\.b", "a.b"));
        assert!(!regex_matches("a\\.b", "axb"));
        assert!(regex_matches("podinfo", "podinfo"));
        assert!(!regex_matches("podinfo", "podinfo2"));
        assert!(!regex_matches("(unclosed", "x"));
        assert!(regex_matches("(unclosed", "(unclosed"));
    }

    #[test]
    fn strategic_merge_sets_and_records_origins() {
        let mut target = doc("kind: Kustomization\nmetadata:\n  name: a\nspec:\n  path: ./x\n");
        let patch = Patch::from_document(&doc(
            "kind: Kustomization\nmetadata:\n  name: a\nspec:\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
        ))
        .expect("patch");
        let mut patched = Vec::new();
        assert!(patch.apply(&mut target, "parent.yaml", &mut patched));
        assert_eq!(
            target.path("spec.sourceRef.name").and_then(Yaml::as_str),
            Some("flux-system")
        );
        assert_eq!(target.path("spec.path").and_then(Yaml::as_str), Some("./x"));
        assert_eq!(
            patched,
            vec![PatchedValue {
                path: "spec.sourceRef".into(),
                file: "parent.yaml".into()
            }]
        );
    }

    #[test]
    fn containers_merge_by_name_and_null_deletes() {
        let mut target = doc(
            "spec:\n  containers:\n    - name: a\n      image: x:1\n    - name: b\n      image: y:1\n  keep: 1\n  drop: 2\n",
        );
        let patch = Patch::from_document(&doc(
            "spec:\n  containers:\n    - name: b\n      image: y:2\n  drop: null\n",
        ))
        .expect("patch");
        let mut patched = Vec::new();
        patch.apply(&mut target, "p.yaml", &mut patched);
        // kustomize puts the patch's items first (checked with kubectl).
        assert_eq!(
            target
                .path("spec.containers.0.image")
                .and_then(Yaml::as_str),
            Some("y:2")
        );
        assert_eq!(
            target
                .path("spec.containers.1.image")
                .and_then(Yaml::as_str),
            Some("x:1")
        );
        assert!(target.path("spec.drop").is_none());
        assert_eq!(patched[0].path, "spec.containers.0.image");
    }

    #[test]
    fn json6902_operations() {
        let mut target =
            doc("spec:\n  dependsOn:\n    - name: a\n  chart:\n    spec:\n      version: 1.0.0\n");
        let patch = Patch::from_document(&doc(
            "- op: replace\n  path: /spec/chart/spec/version\n  value: 2.0.0\n- op: add\n  path: /spec/dependsOn/-\n  value:\n    name: b\n- op: remove\n  path: /spec/dependsOn/0\n",
        ))
        .expect("patch");
        let mut patched = Vec::new();
        patch.apply(&mut target, "p.yaml", &mut patched);
        assert_eq!(
            target
                .path("spec.chart.spec.version")
                .and_then(Yaml::scalar_text)
                .as_deref(),
            Some("2.0.0")
        );
        assert_eq!(
            target.path("spec.dependsOn.0.name").and_then(Yaml::as_str),
            Some("b")
        );
        assert_eq!(
            target.path("spec.dependsOn").map(|d| d.as_seq().len()),
            Some(1)
        );
    }

    #[test]
    fn selectors_match_labels_and_groups() {
        let object = doc("metadata:\n  name: a\n  labels:\n    app: x\n    tier: web\n");
        let selector = Selector {
            group: Some("kustomize.toolkit.fluxcd.io".into()),
            kind: Some("Kustomization".into()),
            label_selector: Some("app=x,tier in (web, db),!missing".into()),
            ..Selector::default()
        };
        assert!(selector.matches(
            "kustomize.toolkit.fluxcd.io/v1",
            "Kustomization",
            "a",
            None,
            &object
        ));
        assert!(!selector.matches(
            "helm.toolkit.fluxcd.io/v2",
            "Kustomization",
            "a",
            None,
            &object
        ));
        let other = Selector {
            label_selector: Some("app!=x".into()),
            ..Selector::default()
        };
        assert!(!other.matches("v1", "ConfigMap", "a", None, &object));
    }
}
