//! kustomize's name-reference transformer: once a top-level build is done
//! (prefixes, suffixes and generator hashes applied), every field that
//! names another object of the build by a name that object had before is
//! rewritten to its final name. The fields come from the transformer
//! configuration: kustomize's built-in table (pod specs naming ConfigMaps,
//! Secrets, ServiceAccounts, …) plus the build's `configurations:`
//! (a HelmRelease's `spec/valuesFrom/name`, say).
//!
//! The referral is chosen as kustomize chooses it: an object of the
//! referenced kind that once had the written name, in a namespace the
//! referrer can see; among several, the one built with the same name
//! prefixes and suffixes as the referrer; still several with different
//! final names is ambiguous (kustomize fails), and the field is left alone.

use strata_core::Span;

use crate::yaml::{Yaml, YamlValue, edit_shared};

use super::field_spec::{FieldSpec, gvk_selected, string, visit};
use super::transformer_config::{NameReference, TransformerConfig};
use super::{BuiltObject, effective_namespace};

/// What the transformer needs to know of each object that may be referred to.
struct Candidate {
    api_version: String,
    kind: String,
    name: String,
    namespace: Option<String>,
    original_namespace: Option<String>,
    previous_names: Vec<String>,
    prefixes: Vec<String>,
    suffixes: Vec<String>,
    /// Decided once when the object was read (scope table and the
    /// repository's CRDs).
    cluster_scoped: bool,
}

impl Candidate {
    fn of(object: &BuiltObject) -> Candidate {
        Candidate {
            api_version: object.api_version.clone(),
            kind: object.kind.clone(),
            name: object.name.clone(),
            namespace: object.namespace.clone(),
            original_namespace: object.written_id.1.clone(),
            previous_names: object.previous_ids.iter().map(|(n, _)| n.clone()).collect(),
            prefixes: object.prefixes.clone(),
            suffixes: object.suffixes.clone(),
            cluster_scoped: object.cluster_scoped,
        }
    }

    fn cluster_scoped(&self) -> bool {
        self.cluster_scoped
    }
}

/// The referrer side of one rewrite.
struct Referrer<'a> {
    candidate: &'a Candidate,
    /// `roleRef` group and kind, for `roleRef/name` fields.
    role_ref: Option<(String, String)>,
    /// Namespaces of a RoleBinding's subjects: objects there are visible.
    subject_namespaces: Vec<String>,
}

/// Rewrites the name references of `objects` per `config` (on top of the
/// built-in table).
pub(crate) fn fix_name_references(objects: &mut [BuiltObject], config: &TransformerConfig) {
    if objects
        .iter()
        .all(|o| o.previous_ids.iter().all(|(name, _)| *name == o.name))
    {
        // Nothing was renamed: every reference already holds the final name.
        return;
    }
    let config = config.with_builtin();
    let candidates: Vec<Candidate> = objects.iter().map(Candidate::of).collect();
    for (index, object) in objects.iter_mut().enumerate() {
        let referrer = Referrer {
            candidate: &candidates[index],
            role_ref: object.doc.get("roleRef").and_then(|r| {
                Some((
                    r.get("apiGroup")?.scalar_text()?.into_owned(),
                    r.get("kind")?.scalar_text()?.into_owned(),
                ))
            }),
            subject_namespaces: if object.kind == "RoleBinding" {
                object
                    .doc
                    .get("subjects")
                    .map(Yaml::as_seq)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|s| s.get("namespace").and_then(Yaml::as_str))
                    .map(str::to_string)
                    .collect()
            } else {
                Vec::new()
            },
        };
        let visible: Vec<&Candidate> = candidates.iter().filter(|c| referrer.can_see(c)).collect();
        for reference in &config.name_reference {
            for spec in &reference.referrers {
                if !spec.selects(&object.api_version, &object.kind) {
                    continue;
                }
                let span = object.name_span;
                // Most referrers name nothing that was renamed: they stay shared.
                edit_shared(&mut object.doc, |doc| {
                    visit(doc, spec, false, span, &mut |node, _| {
                        rewrite(node, &referrer, reference, spec, &visible);
                    });
                });
            }
        }
    }
}

impl Referrer<'_> {
    /// kustomize's "subset that could be referenced by" the referrer.
    fn can_see(&self, target: &Candidate) -> bool {
        if self.candidate.cluster_scoped() || target.cluster_scoped() {
            return true;
        }
        effective_namespace(target.namespace.as_deref())
            == effective_namespace(self.candidate.namespace.as_deref())
            || target
                .namespace
                .as_ref()
                .is_some_and(|ns| self.subject_namespaces.contains(ns))
    }

    /// kustomize's `sameCurrentNamespaceAsReferrer` sieve.
    fn same_namespace(&self, target: &Candidate) -> bool {
        self.candidate.cluster_scoped()
            || target.cluster_scoped()
            || target.kind == "ServiceAccount"
            || effective_namespace(target.namespace.as_deref())
                == effective_namespace(self.candidate.namespace.as_deref())
    }
}

/// Rewrites the name (or names) held at `node`.
fn rewrite(
    node: &mut Yaml,
    referrer: &Referrer<'_>,
    reference: &NameReference,
    spec: &FieldSpec,
    visible: &[&Candidate],
) {
    match &mut node.value {
        YamlValue::Map(_) => rewrite_mapping(node, referrer, reference, spec, visible),
        YamlValue::Seq(items) => {
            for item in items {
                if item.is_map() {
                    rewrite_mapping(item, referrer, reference, spec, visible);
                } else {
                    rewrite_scalar(item, referrer, reference, spec, visible);
                }
            }
        }
        _ => rewrite_scalar(node, referrer, reference, spec, visible),
    }
}

fn rewrite_scalar(
    node: &mut Yaml,
    referrer: &Referrer<'_>,
    reference: &NameReference,
    spec: &FieldSpec,
    visible: &[&Candidate],
) {
    let Some(old) = node.scalar_text().map(|t| t.into_owned()) else {
        return;
    };
    if let Some(referral) = select(&old, visible, referrer, reference, spec, false)
        && referral.name != old
    {
        node.value = YamlValue::String(referral.name.clone());
    }
}

/// A mapping with `name` (and maybe `namespace`): a RoleBinding subject,
/// a webhook's service.
fn rewrite_mapping(
    node: &mut Yaml,
    referrer: &Referrer<'_>,
    reference: &NameReference,
    spec: &FieldSpec,
    visible: &[&Candidate],
) {
    let Some(old) = node
        .get("name")
        .and_then(Yaml::scalar_text)
        .map(|t| t.into_owned())
    else {
        return;
    };
    let candidates: Vec<&Candidate> = match node.get("namespace").and_then(Yaml::scalar_text) {
        None => visible.to_vec(),
        Some(namespace) => {
            let by_original: Vec<&Candidate> = visible
                .iter()
                .filter(|c| {
                    !c.cluster_scoped()
                        && effective_namespace(c.original_namespace.as_deref()) == namespace
                })
                .copied()
                .collect();
            if by_original.is_empty() {
                visible
                    .iter()
                    .filter(|c| {
                        !c.cluster_scoped()
                            && effective_namespace(c.namespace.as_deref()) == namespace
                    })
                    .copied()
                    .collect()
            } else {
                by_original
            }
        }
    };
    let Some(referral) = select(&old, &candidates, referrer, reference, spec, true) else {
        return;
    };
    if referral.name == old && referral.namespace.is_none() {
        return;
    }
    let span = node.get("name").map_or(node.span, |n| n.span);
    set_field(node, "name", &referral.name, span);
    if let Some(namespace) = &referral.namespace {
        set_field(node, "namespace", namespace, span);
    }
}

fn set_field(node: &mut Yaml, key: &str, value: &str, span: Span) {
    let YamlValue::Map(entries) = &mut node.value else {
        return;
    };
    match entries
        .iter_mut()
        .find(|(k, _)| k.scalar_text().is_some_and(|t| t == key))
    {
        Some((_, existing)) => existing.value = YamlValue::String(value.to_string()),
        None => entries.push((string(key, span), string(value, span))),
    }
}

/// kustomize's `selectReferral`.
fn select<'c>(
    old: &str,
    candidates: &[&'c Candidate],
    referrer: &Referrer<'_>,
    reference: &NameReference,
    spec: &FieldSpec,
    compare_namespaces: bool,
) -> Option<&'c Candidate> {
    let role_ref_field = spec
        .path
        .ends_with(&["roleRef".to_string(), "name".to_string()]);
    let matching: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| c.previous_names.iter().any(|n| n == old))
        .filter(|c| {
            gvk_selected(
                &c.api_version,
                &c.kind,
                reference.group.as_deref(),
                reference.version.as_deref(),
                Some(&reference.kind),
            )
        })
        .filter(|c| {
            !role_ref_field
                || referrer.role_ref.as_ref().is_none_or(|(group, kind)| {
                    gvk_selected(&c.api_version, &c.kind, Some(group), None, Some(kind))
                })
        })
        .filter(|c| referrer.same_namespace(c))
        .copied()
        .collect();
    if matching.len() == 1 {
        return matching.first().copied();
    }
    let mut narrowed: Vec<&Candidate> = matching
        .iter()
        .filter(|c| affixes_equal(c, referrer.candidate, true))
        .copied()
        .collect();
    if narrowed.len() > 1 {
        narrowed.retain(|c| affixes_equal(c, referrer.candidate, false));
    }
    let first = narrowed.first().copied()?;
    let identical = narrowed
        .iter()
        .all(|c| c.name == first.name && (!compare_namespaces || c.namespace == first.namespace));
    identical.then_some(first)
}

/// kustomize's `PrefixesSuffixesEquals`.
fn affixes_equal(a: &Candidate, b: &Candidate, allow_empty: bool) -> bool {
    let same = |x: &[String], y: &[String]| {
        (allow_empty && (x.is_empty() || y.is_empty())) || same_ending(x, y)
    };
    same(&a.prefixes, &b.prefixes) && same(&a.suffixes, &b.suffixes)
}

/// Whether the shorter list is the tail of the longer one (an empty list
/// only matches an empty list).
fn same_ending(a: &[String], b: &[String]) -> bool {
    let n = a.len().min(b.len());
    if n == 0 {
        return a.len() == b.len();
    }
    a[a.len() - n..] == b[b.len() - n..]
}
