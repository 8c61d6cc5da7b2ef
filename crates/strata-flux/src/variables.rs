//! `postBuild` variables: what each ConfigMap and Secret defines, and what a
//! Kustomization's `postBuild` makes of them.

use std::collections::BTreeMap;

use crate::model::*;
use crate::substitute::Variables;
use crate::yaml::Yaml;

/// Variables each ConfigMap and Secret of the tree defines, by
/// (kind, namespace, name).
pub(crate) type VarIndex = BTreeMap<(String, String, String), VarSource>;

/// What a `substituteFrom` source defines.
#[derive(Clone, Debug)]
pub(crate) enum VarSource {
    /// Its keys, with the value when it is known (never a Secret's).
    Keys(BTreeMap<String, Option<String>>),
    /// Keys not knowable (a Secret made by an ExternalSecret).
    Opaque,
}

/// The variables a Kustomization's `postBuild` defines; `None` when it has
/// no `postBuild`, or defines nothing and its `substituteStrategy` is not
/// `Always`, in which case Flux substitutes nothing.
pub(crate) fn post_build_variables(
    kustomization: &K8sObject,
    index: &VarIndex,
) -> Option<Variables> {
    let post_build = kustomization.doc.path("spec.postBuild")?;
    let namespace = kustomization.namespace.clone().unwrap_or_default();
    let mut variables = Variables {
        values: BTreeMap::new(),
        complete: true,
    };
    for entry in post_build
        .get("substituteFrom")
        .map(Yaml::as_seq)
        .unwrap_or_default()
    {
        let field = |key: &str| {
            entry
                .get(key)
                .and_then(Yaml::scalar_text)
                .map(|t| t.into_owned())
        };
        let (Some(kind), Some(name)) = (field("kind"), field("name")) else {
            continue;
        };
        match index.get(&(kind, namespace.clone(), name)) {
            Some(VarSource::Keys(keys)) => {
                variables
                    .values
                    .extend(keys.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            // Missing (an error of its own unless optional, and maybe made
            // outside the repository) or unreadable: its variables are
            // unknown, so none may be called unset.
            Some(VarSource::Opaque) | None => variables.complete = false,
        }
    }
    for (key, value) in post_build
        .get("substitute")
        .map(Yaml::entries)
        .unwrap_or_default()
    {
        if let Some(key) = key.scalar_text() {
            let value = value
                .scalar_text()
                .map(|v| v.into_owned())
                .unwrap_or_default();
            variables.values.insert(key.into_owned(), Some(value));
        }
    }
    // `substituteStrategy: Always` substitutes even without variables, so
    // `${VAR:=default}` takes its default.
    let always = post_build.get("substituteStrategy").and_then(Yaml::as_str) == Some("Always");
    if variables.values.is_empty() && variables.complete && !always {
        return None;
    }
    Some(variables)
}

/// The variables of every ConfigMap and Secret among `objects` (and of the
/// Secrets controllers provide, which are opaque).
pub(crate) fn var_index(objects: &[K8sObject], provided: &[ProvidedObject]) -> VarIndex {
    let mut index = VarIndex::new();
    for object in objects {
        let is_secret = match (object.api_version.as_str(), object.kind.as_str()) {
            ("v1", "ConfigMap") => false,
            ("v1", "Secret") => true,
            _ => continue,
        };
        let mut keys = BTreeMap::new();
        for field in ["data", "stringData", "binaryData"] {
            for (key, value) in object.doc.get(field).map(Yaml::entries).unwrap_or_default() {
                let Some(key) = key.scalar_text() else {
                    continue;
                };
                // Never a Secret's value; a ConfigMap's binaryData is base64,
                // and an encrypted ConfigMap's values are ciphertext here.
                let value = (!is_secret && !object.sops_encrypted && field == "data")
                    .then(|| value.scalar_text().map(|v| v.into_owned()))
                    .flatten();
                keys.insert(key.into_owned(), value);
            }
        }
        index.insert(
            (
                object.kind.clone(),
                object.namespace.clone().unwrap_or_default(),
                object.name.clone(),
            ),
            VarSource::Keys(keys),
        );
    }
    for object in provided {
        index
            .entry((
                object.id.kind().to_string(),
                object.id.namespace().unwrap_or_default().to_string(),
                object.id.name().to_string(),
            ))
            .or_insert(VarSource::Opaque);
    }
    index
}
