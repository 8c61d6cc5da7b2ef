//! ResourceSets (`fluxcd.controlplane.io`): the Flux Operator renders
//! `spec.resources` once per input, replacing `<< inputs.NAME >>`. Inputs
//! written in the ResourceSet (`spec.inputs`) or in a `Static`
//! ResourceSetInputProvider (`spec.defaultValues`) are known, so strata
//! renders them; inputs that come from the cluster (pull requests, OCI
//! tags, …) are not, so those ResourceSets are dynamic and render nothing:
//! no finding is made about objects strata cannot know.

use std::collections::BTreeMap;

use strata_core::Location;

use crate::files::YamlFiles;
use crate::flux_kinds::api_group;
use crate::yaml::{Yaml, YamlValue};

/// API group of `ResourceSet` and `ResourceSetInputProvider`.
const OPERATOR_GROUP: &str = "fluxcd.controlplane.io";

/// One set of inputs: name → value as text.
pub(crate) type Inputs = BTreeMap<String, String>;

/// The inputs a ResourceSet renders with, or why they cannot be known.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ResourceSetInputs {
    /// Render once per entry (a ResourceSet with no inputs renders once).
    Known(Vec<Inputs>),
    /// Inputs come from the cluster: what, for the record.
    Dynamic(String),
}

/// `Static` ResourceSetInputProviders by (namespace, name): their
/// `spec.defaultValues`; a provider of another type maps to `None`.
pub(crate) type Providers = BTreeMap<(String, String), Option<Inputs>>;

/// Every ResourceSetInputProvider of the repository.
pub(crate) fn input_providers(files: &YamlFiles<'_>) -> Providers {
    let mut providers = Providers::new();
    for (_, parsed) in files.iter() {
        for document in &parsed.documents {
            let text = |key: &str| document.path(key).and_then(Yaml::as_str);
            if text("kind") != Some("ResourceSetInputProvider")
                || text("apiVersion").is_none_or(|v| api_group(v) != OPERATOR_GROUP)
            {
                continue;
            }
            let Some(name) = text("metadata.name") else {
                continue;
            };
            let namespace = text("metadata.namespace").unwrap_or("default");
            let inputs = (text("spec.type") == Some("Static"))
                .then(|| inputs_of(document.path("spec.defaultValues")));
            providers.insert((namespace.to_string(), name.to_string()), inputs);
        }
    }
    providers
}

fn inputs_of(node: Option<&Yaml>) -> Inputs {
    node.map(Yaml::entries)
        .unwrap_or_default()
        .iter()
        .filter_map(|(key, value)| {
            Some((
                key.scalar_text()?.into_owned(),
                value.scalar_text()?.into_owned(),
            ))
        })
        .collect()
}

/// The inputs of a ResourceSet document (as applied, in `namespace`).
pub(crate) fn inputs(document: &Yaml, namespace: &str, providers: &Providers) -> ResourceSetInputs {
    let mut all: Vec<Inputs> = document
        .path("spec.inputs")
        .map(Yaml::as_seq)
        .unwrap_or_default()
        .iter()
        .map(|entry| inputs_of(Some(entry)))
        .collect();
    let from = document
        .path("spec.inputsFrom")
        .map(Yaml::as_seq)
        .unwrap_or_default();
    for entry in from {
        let name = entry.get("name").and_then(Yaml::as_str);
        let Some(name) = name else {
            return ResourceSetInputs::Dynamic("inputsFrom selects providers by label".into());
        };
        match providers.get(&(namespace.to_string(), name.to_string())) {
            Some(Some(inputs)) => all.push(inputs.clone()),
            Some(None) => {
                return ResourceSetInputs::Dynamic(format!(
                    "ResourceSetInputProvider `{name}` reads its inputs from outside the repository"
                ));
            }
            None => {
                return ResourceSetInputs::Dynamic(format!(
                    "ResourceSetInputProvider `{name}` is not in the repository"
                ));
            }
        }
    }
    if all.is_empty() && from.is_empty() {
        all.push(Inputs::new());
    }
    ResourceSetInputs::Known(all)
}

/// One rendered resource: `template` (an entry of `spec.resources`) with
/// every `<< inputs.NAME >>` replaced; `None` when a template expression
/// is not a plain input reference strata can fill in.
pub(crate) fn render(template: &Yaml, inputs: &Inputs) -> Option<Yaml> {
    let mut rendered = template.clone();
    render_node(&mut rendered, inputs).then_some(rendered)
}

fn render_node(node: &mut Yaml, inputs: &Inputs) -> bool {
    match &mut node.value {
        YamlValue::String(text) => match fill(text, inputs) {
            Some(filled) => {
                *text = filled;
                true
            }
            None => false,
        },
        YamlValue::Seq(items) => items.iter_mut().all(|i| render_node(i, inputs)),
        YamlValue::Map(entries) => entries
            .iter_mut()
            .all(|(k, v)| render_node(k, inputs) && render_node(v, inputs)),
        _ => true,
    }
}

/// `text` with `<< inputs.NAME >>` (optionally `| quote`) replaced.
fn fill(text: &str, inputs: &Inputs) -> Option<String> {
    if !text.contains("<<") {
        return Some(text.to_string());
    }
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("<<") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find(">>")? + start;
        let expression = rest[start + 2..end].trim();
        let mut parts = expression.split('|').map(str::trim);
        let name = parts.next()?.strip_prefix("inputs.")?;
        let value = inputs.get(name)?;
        match parts.next() {
            None => out.push_str(value),
            Some("quote") => out.push_str(&format!("{value:?}")),
            Some(_) => return None,
        }
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    Some(out)
}

/// Where a rendered resource is written: the template in the ResourceSet's file.
pub(crate) fn location(file: &str, template: &Yaml) -> Location {
    Location::new(
        file,
        template
            .path("metadata.name")
            .map_or(template.span, |n| n.span),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use strata_core::SourceFile;

    fn doc(text: &str) -> Yaml {
        crate::yaml::parse_documents(&SourceFile::new("rs.yaml", text))
            .0
            .remove(0)
    }

    #[test]
    fn static_inputs_render_each_resource_once_per_input() {
        let rs = doc(
            "spec:\n  inputs:\n    - app: a\n    - app: b\n  resources:\n    - kind: Namespace\n      metadata:\n        name: ns-<< inputs.app >>\n",
        );
        let ResourceSetInputs::Known(all) = inputs(&rs, "default", &Providers::new()) else {
            panic!("known inputs")
        };
        let names: Vec<String> = all
            .iter()
            .map(|i| {
                let r = render(&rs.path("spec.resources.0").unwrap().clone(), i).unwrap();
                r.path("metadata.name")
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(names, ["ns-a", "ns-b"]);
    }

    #[test]
    fn no_inputs_render_once_and_cluster_inputs_are_dynamic() {
        let rs = doc("spec:\n  resources: []\n");
        assert_eq!(
            inputs(&rs, "default", &Providers::new()),
            ResourceSetInputs::Known(vec![Inputs::new()])
        );
        let rs =
            doc("spec:\n  inputsFrom:\n    - kind: ResourceSetInputProvider\n      name: prs\n");
        let mut providers = Providers::new();
        providers.insert(("default".into(), "prs".into()), None);
        assert!(matches!(
            inputs(&rs, "default", &providers),
            ResourceSetInputs::Dynamic(_)
        ));
        assert_eq!(fill("<< inputs.x | slugify >>", &Inputs::new()), None);
    }
}
