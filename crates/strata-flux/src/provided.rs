//! Objects the cluster gets from a controller rather than from a file.

use std::collections::{BTreeMap, BTreeSet};

use strata_core::NodeId;

use crate::flux_kinds::api_group;
use crate::model::*;
use crate::yaml::Yaml;

/// The Secrets ExternalSecrets and SealedSecrets create.
pub(crate) fn provided_objects(objects: &[K8sObject]) -> Vec<ProvidedObject> {
    let existing: BTreeSet<&NodeId> = objects.iter().map(|o| &o.id).collect();
    let mut provided = BTreeMap::new();
    for object in objects {
        let group = api_group(&object.api_version);
        let name_path = match (group, object.kind.as_str()) {
            ("external-secrets.io", "ExternalSecret") => "spec.target.name",
            ("bitnami.com", "SealedSecret") => "spec.template.metadata.name",
            _ => continue,
        };
        let (name, location) = match object.doc.path(name_path).and_then(Yaml::scalar_text) {
            Some(name) if !name.is_empty() => (
                name.into_owned(),
                object
                    .location_of(name_path)
                    .unwrap_or_else(|| object.location.clone()),
            ),
            _ => (object.name.clone(), object.location.clone()),
        };
        let id = NodeId::object("Secret", object.namespace.as_deref(), &name);
        if existing.contains(&id) {
            continue;
        }
        provided.entry(id.clone()).or_insert(ProvidedObject {
            id,
            provider: object.id.clone(),
            location,
        });
    }
    provided.into_values().collect()
}
