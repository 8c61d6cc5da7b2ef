//! Manifests that Nix renders into the tree (kubenix, nixidy, a module that
//! writes YAML): each rendered object gets a `rendered-by` edge to the Nix
//! file that renders it.
//!
//! A YAML file is rendered when one of its objects carries a renderer's
//! marks (kubenix's `kubenix/hash` label or `kubenix/*` annotations,
//! nixidy's `nixidy.dev/*` marks), or when it lies in a directory a Nix file
//! names as where it writes manifests. Its Nix file is the one that mirrors
//! its path: `manifests/apps/whoami.yaml` ↔ `kubernetes/apps/whoami.nix`, the
//! candidate sharing the longest run of trailing path components; a tie
//! links nothing, since strata cannot tell which one renders it. nixidy's
//! `<app>/<Kind>-<name>.yaml` files are matched by their `<app>` directory
//! (`manifests/garage/Deployment-garage.yaml` ↔ `env/prod/garage.nix`).

use std::collections::{BTreeMap, BTreeSet};

use strata_core::{EdgeKind, Graph};
use strata_flux::{FluxTree, K8sObject};
use strata_nix::NixRepo;

/// Labels and annotations a renderer puts on every object it writes.
const MARKS: &[&str] = &[
    "kubenix/hash",
    "kubenix/project-name",
    "kubenix/k8s-version",
];
/// Prefixes of such keys.
const MARK_PREFIXES: &[&str] = &["nixidy.dev/"];

fn marked(object: &K8sObject) -> bool {
    ["metadata.labels", "metadata.annotations"].iter().any(|p| {
        object.doc.path(p).is_some_and(|m| {
            m.entries().iter().any(|(k, _)| {
                k.as_str().is_some_and(|k| {
                    MARKS.contains(&k) || MARK_PREFIXES.iter().any(|p| k.starts_with(p))
                })
            })
        })
    })
}

/// `a/b/c.enc.yaml` → `["a", "b", "c.enc"]`.
fn stem_components(path: &str, exts: &[&str]) -> Option<Vec<String>> {
    let stem = exts.iter().find_map(|e| path.strip_suffix(e))?;
    Some(stem.split('/').map(str::to_string).collect())
}

fn common_suffix(a: &[String], b: &[String]) -> usize {
    a.iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
}

/// Directories Nix files name as where manifests are written: a string
/// literal that is a directory of rendered-looking YAML, in a Nix file that
/// also speaks of YAML or of a renderer.
fn named_output_dirs(nix: &NixRepo, yaml_dirs: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for file in nix.sources.iter() {
        let text = file.text();
        if !file.path().ends_with(".nix")
            || !["yaml", "YAML", "kubenix", "nixidy"]
                .iter()
                .any(|w| text.contains(w))
        {
            continue;
        }
        for dir in yaml_dirs {
            let quoted = [
                format!("\"{dir}\""),
                format!("\"./{dir}\""),
                format!("\"{dir}/\""),
            ];
            if quoted.iter().any(|q| text.contains(q.as_str())) {
                out.insert(dir.clone());
            }
        }
    }
    out
}

fn top_dir(path: &str) -> Option<&str> {
    path.split_once('/').map(|(d, _)| d)
}

/// Adds the `rendered-by` edges.
pub(crate) fn add_rendered(graph: &mut Graph, nix: &NixRepo, flux: &FluxTree) {
    let nix_stems: Vec<(String, Vec<String>)> = nix
        .files
        .iter()
        .filter(|f| {
            !f.path.ends_with("/default.nix") && f.path != "default.nix" && f.path != "flake.nix"
        })
        .filter_map(|f| Some((f.path.clone(), stem_components(&f.path, &[".nix"])?)))
        .collect();
    // No module can have rendered anything: nothing to match.
    if nix_stems.is_empty() {
        return;
    }
    let mut by_file: BTreeMap<&str, Vec<&K8sObject>> = BTreeMap::new();
    for o in &flux.objects {
        by_file.entry(o.location.file.as_str()).or_default().push(o);
    }
    let dirs: BTreeSet<String> = by_file
        .keys()
        .filter_map(|f| top_dir(f))
        .map(str::to_string)
        .collect();
    let named = named_output_dirs(nix, &dirs);
    for (file, objects) in by_file {
        let rendered =
            objects.iter().any(|o| marked(o)) || top_dir(file).is_some_and(|d| named.contains(d));
        if !rendered {
            continue;
        }
        let Some(mut stem) = stem_components(file, &[".yaml", ".yml", ".json"]) else {
            continue;
        };
        // nixidy writes `<app>/<Kind>-<name>.yaml`: the application is the
        // directory, which the module rendering it is named after.
        if stem.len() > 1
            && objects.iter().any(|o| {
                stem.last()
                    .is_some_and(|b| *b == format!("{}-{}", o.kind, o.name))
            })
        {
            stem.pop();
        }
        let mut best: Vec<&str> = Vec::new();
        let mut best_len = 0;
        for (path, nix_stem) in &nix_stems {
            let n = common_suffix(&stem, nix_stem);
            if n == 0 {
                continue;
            }
            if n > best_len {
                best_len = n;
                best = vec![path];
            } else if n == best_len {
                best.push(path);
            }
        }
        let [renderer] = best.as_slice() else {
            continue;
        };
        let target = strata_core::NodeId::file(renderer);
        for o in objects {
            graph.add_edge(
                &o.id,
                &target,
                EdgeKind::RenderedBy,
                Some(o.location.clone()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::analyze_fixture;
    use strata_core::EdgeKind;

    #[test]
    fn nixidy_objects_point_at_their_application_module() {
        let analysis = analyze_fixture("cross-rendered-nixidy");
        let edges: Vec<(String, String)> = analysis
            .graph
            .edges()
            .filter(|e| e.kind == EdgeKind::RenderedBy)
            .map(|e| (e.from.to_string(), e.to.to_string()))
            .collect();
        assert_eq!(
            edges,
            [
                (
                    "ConfigMap/cache/valkey".to_string(),
                    "file/nixidy/prod/valkey.nix".to_string()
                ),
                (
                    "Deployment/cache/valkey".to_string(),
                    "file/nixidy/prod/valkey.nix".to_string()
                ),
            ]
        );
    }

    #[test]
    fn kubenix_objects_point_at_the_module_rendering_them() {
        let analysis = analyze_fixture("cross-rendered-kubenix");
        let edges: Vec<(String, String)> = analysis
            .graph
            .edges()
            .filter(|e| e.kind == EdgeKind::RenderedBy)
            .map(|e| (e.from.to_string(), e.to.to_string()))
            .collect();
        assert_eq!(
            edges,
            [
                (
                    "Deployment/web/whoami".to_string(),
                    "file/kubernetes/apps/whoami.nix".to_string()
                ),
                (
                    "Namespace/web".to_string(),
                    "file/kubernetes/apps/web.nix".to_string()
                ),
            ]
        );
    }
}
