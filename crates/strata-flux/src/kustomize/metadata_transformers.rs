//! kustomize's label and annotation transformers: `commonLabels`, `labels`
//! (with `includeSelectors`, `includeTemplates` and own `fields`),
//! `commonAnnotations`, and the built-in `LabelTransformer` /
//! `AnnotationsTransformer` configured in a `transformers:` file.
//!
//! Each writes its pairs (in key order, as kustomize) at every field its
//! field specs select, creating the mappings on the way where the spec
//! says so. Values written keep the span of the transformer's entry and are
//! recorded as patched from the file that declares them.

use strata_core::Span;

use crate::patch::PatchedValue;
use crate::yaml::{Yaml, edit_shared};

use super::BuiltObject;
use super::field_spec::{FieldSpec, set_entry, visit};
use super::transformer_config::TransformerConfig;

/// Key-value pairs of a transformer, each with the span of its value.
pub(crate) type Pairs = Vec<(String, String, Span)>;

/// The pairs of a mapping (`commonLabels:`, `pairs:`), sorted by key.
pub(crate) fn pairs(map: Option<&Yaml>) -> Pairs {
    let mut out: Pairs = map
        .map(Yaml::entries)
        .unwrap_or_default()
        .iter()
        .filter_map(|(k, v)| {
            Some((
                k.scalar_text()?.into_owned(),
                v.scalar_text().map(|t| t.into_owned()).unwrap_or_default(),
                v.span,
            ))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.dedup_by(|a, b| a.0 == b.0);
    out
}

/// Writes `pairs` at every field of `specs` in every object.
pub(crate) fn write_pairs(
    objects: &mut [BuiltObject],
    pairs: &Pairs,
    specs: &[FieldSpec],
    file: &str,
) {
    if pairs.is_empty() {
        return;
    }
    for object in objects.iter_mut() {
        let BuiltObject {
            doc,
            patched,
            api_version,
            kind,
            ..
        } = object;
        // A field spec that does not create its path may find nothing to
        // write: the document then stays shared.
        edit_shared(doc, |doc| {
            for spec in specs {
                if !spec.selects(api_version, kind) {
                    continue;
                }
                for (key, value, span) in pairs {
                    visit(doc, spec, true, *span, &mut |node, trail| {
                        if !node.is_map() {
                            return;
                        }
                        set_entry(node, key, value, *span);
                        let path = format!("{}.{key}", trail.join("."));
                        patched.retain(|p| p.path != path);
                        patched.push(PatchedValue {
                            path,
                            file: file.to_string(),
                        });
                    });
                }
            }
        });
    }
}

/// The `commonLabels`, `labels` and `commonAnnotations` of kustomization
/// `document` (written in `file`), with `config` the build's configuration.
pub(crate) fn apply_kustomization_metadata(
    objects: &mut [BuiltObject],
    document: &Yaml,
    file: &str,
    config: &TransformerConfig,
) {
    let has_labels = document.get("labels").is_some() || document.get("commonLabels").is_some();
    let has_annotations = document.get("commonAnnotations").is_some();
    if !has_labels && !has_annotations {
        return;
    }
    let all = config.with_builtin();
    for entry in document.get("labels").map(Yaml::as_seq).unwrap_or_default() {
        let mut specs: Vec<FieldSpec> = entry
            .get("fields")
            .map(Yaml::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(FieldSpec::from_yaml)
            .collect();
        add_all(&mut specs, &all.labels);
        let flag = |key: &str| entry.get(key).and_then(Yaml::as_bool) == Some(true);
        if flag("includeSelectors") {
            add_all(&mut specs, &all.common_labels);
        } else {
            if flag("includeTemplates") {
                add_all(&mut specs, &all.template_labels);
            }
            add_all(&mut specs, &[FieldSpec::any("metadata/labels", true)]);
        }
        write_pairs(objects, &pairs(entry.get("pairs")), &specs, file);
    }
    write_pairs(
        objects,
        &pairs(document.get("commonLabels")),
        &all.common_labels,
        file,
    );
    write_pairs(
        objects,
        &pairs(document.get("commonAnnotations")),
        &all.common_annotations,
        file,
    );
}

/// A `transformers:` document that is one of kustomize's built-in label or
/// annotation transformers; returns whether it was one.
pub(crate) fn apply_builtin_transformer(
    objects: &mut [BuiltObject],
    document: &Yaml,
    file: &str,
) -> bool {
    let field = match (
        document.get("apiVersion").and_then(Yaml::as_str),
        document.get("kind").and_then(Yaml::as_str),
    ) {
        (Some("builtin"), Some("LabelTransformer")) => "labels",
        (Some("builtin"), Some("AnnotationsTransformer")) => "annotations",
        _ => return false,
    };
    let specs: Vec<FieldSpec> = document
        .get("fieldSpecs")
        .map(Yaml::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(FieldSpec::from_yaml)
        .collect();
    write_pairs(objects, &pairs(document.get(field)), &specs, file);
    true
}

fn add_all(into: &mut Vec<FieldSpec>, from: &[FieldSpec]) {
    for spec in from {
        if !into.contains(spec) {
            into.push(spec.clone());
        }
    }
}
