//! kustomize's field specs: "this field of objects of this kind", the unit
//! every built-in transformer (labels, annotations, name references) is
//! configured with, and the walk kustomize does along one.
//!
//! A path is `/`-separated (`spec/template/metadata/labels`; `\/` is a
//! literal slash inside a key). Sequences met on the way are crossed
//! implicitly: every item gets the rest of the path. A `[]` suffix marks a
//! field that must already exist (it is never created). With `create`, the
//! mappings along the path are created when missing.

use strata_core::Span;

use crate::yaml::{Yaml, YamlValue};

/// One field spec: which objects (group, version, kind; unset matches any)
/// and which field of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FieldSpec {
    pub(crate) group: Option<String>,
    pub(crate) version: Option<String>,
    pub(crate) kind: Option<String>,
    /// The path, split into keys (escapes resolved).
    pub(crate) path: Vec<String>,
    /// Whether missing mappings along the path are created.
    pub(crate) create: bool,
}

impl FieldSpec {
    /// A spec for any object.
    pub(crate) fn any(path: &str, create: bool) -> FieldSpec {
        FieldSpec::of(None, None, None, path, create)
    }

    /// A spec for objects of `kind` (and `group`/`version` when given).
    pub(crate) fn of(
        group: Option<&str>,
        version: Option<&str>,
        kind: Option<&str>,
        path: &str,
        create: bool,
    ) -> FieldSpec {
        FieldSpec {
            group: group.map(str::to_string),
            version: version.map(str::to_string),
            kind: kind.map(str::to_string),
            path: split_path(path),
            create,
        }
    }

    /// Reads one entry of a `fieldSpecs:` (or `fields:`) list; `None` when
    /// it has no path.
    pub(crate) fn from_yaml(entry: &Yaml) -> Option<FieldSpec> {
        let text = |key: &str| {
            entry
                .get(key)
                .and_then(Yaml::scalar_text)
                .map(|t| t.into_owned())
                .filter(|t| !t.is_empty())
        };
        let path = text("path")?;
        Some(FieldSpec {
            group: text("group"),
            version: text("version"),
            kind: text("kind"),
            path: split_path(&path),
            create: entry.get("create").and_then(Yaml::as_bool) == Some(true),
        })
    }

    /// Whether the spec applies to an object of `api_version` and `kind`.
    pub(crate) fn selects(&self, api_version: &str, kind: &str) -> bool {
        gvk_selected(
            api_version,
            kind,
            self.group.as_deref(),
            self.version.as_deref(),
            self.kind.as_deref(),
        )
    }

    /// The path as kustomize writes it.
    #[cfg(test)]
    pub(crate) fn path_text(&self) -> String {
        self.path
            .iter()
            .map(|p| p.replace('/', "\\/"))
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// `group` and `version` of an `apiVersion` (`apps/v1` → `apps`, `v1`; the
/// core group is `""`).
pub(crate) fn group_version(api_version: &str) -> (&str, &str) {
    match api_version.rsplit_once('/') {
        Some((group, version)) => (group, version),
        None => ("", api_version),
    }
}

/// Whether an object of `api_version`/`kind` is selected by a group,
/// version and kind, each unset matching anything (kustomize's `IsSelected`).
pub(crate) fn gvk_selected(
    api_version: &str,
    kind: &str,
    group: Option<&str>,
    version: Option<&str>,
    selector_kind: Option<&str>,
) -> bool {
    let (object_group, object_version) = group_version(api_version);
    group.is_none_or(|g| g == object_group)
        && version.is_none_or(|v| v == object_version)
        && selector_kind.is_none_or(|k| k == kind)
}

/// Splits a field spec path at unescaped `/`.
pub(crate) fn split_path(path: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'/') => {
                current.push('/');
                chars.next();
            }
            '/' => parts.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    parts.push(current);
    parts.retain(|p| !p.is_empty());
    parts
}

/// Walks `spec`'s path in `doc`, calling `set` on every node at its end
/// with that node's dotted path. With `spec.create`, missing mappings are
/// created (with `span`), and a missing or null last field becomes an
/// empty mapping when `create_leaf_map` is set (labels and annotations).
pub(crate) fn visit(
    doc: &mut Yaml,
    spec: &FieldSpec,
    create_leaf_map: bool,
    span: Span,
    set: &mut dyn FnMut(&mut Yaml, &[String]),
) {
    let mut trail = Vec::new();
    walk(
        doc,
        &spec.path,
        spec.create,
        create_leaf_map,
        span,
        &mut trail,
        set,
    );
}

fn walk(
    node: &mut Yaml,
    path: &[String],
    create: bool,
    create_leaf_map: bool,
    span: Span,
    trail: &mut Vec<String>,
    set: &mut dyn FnMut(&mut Yaml, &[String]),
) {
    let Some((first, rest)) = path.split_first() else {
        set(node, trail);
        return;
    };
    match &mut node.value {
        YamlValue::Seq(items) => {
            for (index, item) in items.iter_mut().enumerate() {
                trail.push(index.to_string());
                walk(item, path, create, create_leaf_map, span, trail, set);
                trail.pop();
            }
        }
        YamlValue::Map(entries) => {
            let (name, must_exist) = match first.strip_suffix("[]") {
                Some(name) => (name, true),
                None => (first.as_str(), false),
            };
            if name.is_empty() {
                return;
            }
            let creates = create && !must_exist && (!rest.is_empty() || create_leaf_map);
            let index = match entries.iter().position(|(k, _)| k.key_is(name)) {
                Some(index) => index,
                None if creates => {
                    entries.push((
                        string(name, span),
                        Yaml {
                            value: YamlValue::Map(Vec::new()),
                            span,
                        },
                    ));
                    entries.len() - 1
                }
                None => return,
            };
            let field = &mut entries[index].1;
            if field.is_null() && creates {
                field.value = YamlValue::Map(Vec::new());
            }
            trail.push(name.to_string());
            walk(field, rest, create, create_leaf_map, span, trail, set);
            trail.pop();
        }
        // kustomize stops on a scalar in the middle of a path.
        _ => {}
    }
}

/// A string node at `span`.
pub(crate) fn string(text: &str, span: Span) -> Yaml {
    Yaml {
        value: YamlValue::String(text.to_string()),
        span,
    }
}

/// Sets string entry `key` of mapping `node` to `value` (added at the end
/// when missing); does nothing when `node` is not a mapping.
pub(crate) fn set_entry(node: &mut Yaml, key: &str, value: &str, span: Span) {
    let YamlValue::Map(entries) = &mut node.value else {
        return;
    };
    match entries.iter_mut().find(|(k, _)| k.key_is(key)) {
        Some((_, existing)) => *existing = string(value, span),
        None => entries.push((string(key, span), string(value, span))),
    }
}

trait KeyIs {
    fn key_is(&self, key: &str) -> bool;
}

impl KeyIs for Yaml {
    fn key_is(&self, key: &str) -> bool {
        self.scalar_text().is_some_and(|t| t == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_at_unescaped_slashes() {
        assert_eq!(
            split_path("metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret"),
            vec![
                "metadata",
                "annotations",
                "nginx.ingress.kubernetes.io/auth-secret"
            ]
        );
        assert_eq!(
            split_path("spec/volumeClaimTemplates[]/metadata/labels").len(),
            4
        );
    }

    #[test]
    fn gvk_selection_treats_unset_parts_as_wildcards() {
        assert!(gvk_selected(
            "apps/v1",
            "Deployment",
            None,
            None,
            Some("Deployment")
        ));
        assert!(gvk_selected("v1", "Pod", Some(""), Some("v1"), None));
        assert!(!gvk_selected(
            "apps/v1",
            "Deployment",
            Some("batch"),
            None,
            None
        ));
    }
}
