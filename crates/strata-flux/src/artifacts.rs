//! Artifacts assembled inside the cluster: an `ArtifactGenerator`
//! (`source.extensions.fluxcd.io`) copies subtrees of its sources into one
//! `ExternalArtifact` per `spec.artifacts[]` entry, which Kustomizations then
//! read like any source.

use std::collections::BTreeMap;

use strata_core::{Location, NodeId};

use crate::files::YamlFiles;
use crate::flux_kinds::api_group;
use crate::yaml::Yaml;

/// API group of `ArtifactGenerator`.
const GENERATOR_GROUP: &str = "source.extensions.fluxcd.io";

/// One `ExternalArtifact` an ArtifactGenerator produces.
#[derive(Clone, Debug)]
pub(crate) struct GeneratedArtifact {
    /// Where the artifact's `name` is written.
    pub(crate) location: Location,
    /// `(source, from, to)`: a copy of directory `from` of `source` (an id
    /// of the generator's `spec.sources`) to directory `to` of the artifact.
    pub(crate) copies: Vec<(NodeId, String, String)>,
}

/// Every ExternalArtifact the repository's ArtifactGenerators declare, by id.
pub(crate) fn generated_artifacts(files: &YamlFiles<'_>) -> BTreeMap<NodeId, GeneratedArtifact> {
    let mut artifacts = BTreeMap::new();
    for (path, parsed) in files.iter() {
        for document in &parsed.documents {
            let text =
                |node: &Yaml, key: &str| node.path(key).and_then(Yaml::as_str).map(str::to_string);
            if text(document, "kind").as_deref() != Some("ArtifactGenerator")
                || text(document, "apiVersion").is_none_or(|v| api_group(&v) != GENERATOR_GROUP)
            {
                continue;
            }
            let namespace =
                text(document, "metadata.namespace").unwrap_or_else(|| "flux-system".into());
            let mut aliases: BTreeMap<String, NodeId> = BTreeMap::new();
            for source in document
                .path("spec.sources")
                .map(Yaml::as_seq)
                .unwrap_or_default()
            {
                let (Some(alias), Some(kind), Some(name)) = (
                    text(source, "alias"),
                    text(source, "kind"),
                    text(source, "name"),
                ) else {
                    continue;
                };
                let source_namespace =
                    text(source, "namespace").unwrap_or_else(|| namespace.clone());
                aliases.insert(alias, NodeId::object(&kind, Some(&source_namespace), &name));
            }
            for artifact in document
                .path("spec.artifacts")
                .map(Yaml::as_seq)
                .unwrap_or_default()
            {
                let Some(name_node) = artifact.get("name") else {
                    continue;
                };
                let Some(name) = name_node.as_str() else {
                    continue;
                };
                let mut copies = Vec::new();
                for copy in artifact.get("copy").map(Yaml::as_seq).unwrap_or_default() {
                    let (Some(from), Some(to)) = (text(copy, "from"), text(copy, "to")) else {
                        continue;
                    };
                    let Some((alias, from)) =
                        from.strip_prefix('@').and_then(|f| f.split_once('/'))
                    else {
                        continue;
                    };
                    let Some(source) = aliases.get(alias) else {
                        continue;
                    };
                    let to = to
                        .strip_prefix("@artifact")
                        .unwrap_or(&to)
                        .trim_start_matches('/');
                    copies.push((source.clone(), directory_part(from), directory_part(to)));
                }
                artifacts.insert(
                    NodeId::object("ExternalArtifact", Some(&namespace), name),
                    GeneratedArtifact {
                        location: Location::new(path, name_node.span),
                        copies,
                    },
                );
            }
        }
    }
    artifacts
}

/// The directory a copy pattern names: up to its first glob segment,
/// without trailing `/`.
fn directory_part(pattern: &str) -> String {
    pattern
        .split('/')
        .take_while(|s| !s.contains('*'))
        .filter(|s| !s.is_empty() && *s != ".")
        .collect::<Vec<_>>()
        .join("/")
}

impl GeneratedArtifact {
    /// The source and the directory of it that hold `path` of the artifact.
    pub(crate) fn locate(&self, path: &str) -> Option<(&NodeId, String)> {
        let path = path.trim_start_matches("./").trim_end_matches('/');
        self.copies.iter().find_map(|(source, from, to)| {
            let rest = if to.is_empty() {
                path
            } else if path == to {
                ""
            } else {
                path.strip_prefix(to.as_str())?.strip_prefix('/')?
            };
            let dir = match (from.is_empty(), rest.is_empty()) {
                (true, _) => rest.to_string(),
                (false, true) => from.clone(),
                (false, false) => format!("{from}/{rest}"),
            };
            Some((source, dir))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_paths_map_back_through_copies() {
        let source = NodeId::object("OCIRepository", Some("flux-system"), "flux-system");
        let artifact = GeneratedArtifact {
            location: Location::new("g.yaml", strata_core::Span::at(0)),
            copies: vec![(source.clone(), "apps/base/x/app".into(), "app".into())],
        };
        assert_eq!(
            artifact.locate("./app/overlay"),
            Some((&source, "apps/base/x/app/overlay".to_string()))
        );
        assert_eq!(artifact.locate("other"), None);
        assert_eq!(directory_part("apps/**/*.yaml"), "apps");
    }
}
