//! The bootstrap plan on small repositories written to a temp directory.

use strata_core::{NodeId, RepoTree};

fn write(dir: &std::path::Path, path: &str, text: &str) {
    let full = dir.join(path);
    std::fs::create_dir_all(full.parent().expect("a parent")).expect("mkdir");
    std::fs::write(full, text).expect("write");
}

/// A Kustomization whose `postBuild.substituteFrom` ConfigMap another
/// Kustomization applies waits for it, even without a `dependsOn`.
#[test]
fn substitute_from_sources_are_applied_first() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let kustomization = |name: &str, path: &str, extra: &str| {
        format!(
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {name}\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: {path}\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n{extra}"
        )
    };
    write(
        root,
        "clusters/home/settings.yaml",
        &kustomization("settings", "./settings", ""),
    );
    write(
        root,
        "clusters/home/apps.yaml",
        &kustomization(
            "apps",
            "./apps",
            "  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: cluster-settings\n",
        ),
    );
    write(
        root,
        "clusters/home/source.yaml",
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 1m\n  url: ssh://git@example.org/home\n  ref:\n    branch: main\n",
    );
    write(
        root,
        "settings/cluster-settings.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-settings\n  namespace: flux-system\ndata:\n  DOMAIN: home.arpa\n",
    );
    write(
        root,
        "apps/whoami.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: whoami\n  labels:\n    domain: ${DOMAIN}\n",
    );
    let analysis = strata_check::analyze_tree(&RepoTree::scan(root).unwrap(), Vec::new());
    let plan = strata_plan::bootstrap_plan(&analysis).unwrap();
    let settings = plan
        .wave_of(&NodeId::object(
            "Kustomization",
            Some("flux-system"),
            "settings",
        ))
        .unwrap();
    let apps = plan
        .wave_of(&NodeId::object(
            "Kustomization",
            Some("flux-system"),
            "apps",
        ))
        .unwrap();
    assert!(
        settings < apps,
        "settings in wave {settings}, apps in wave {apps}"
    );
    let step = plan.steps().find(|s| s.target.name() == "apps").unwrap();
    assert_eq!(
        step.reasons,
        [
            "Kustomization/flux-system/apps needs ConfigMap/flux-system/cluster-settings, applied by settings"
        ]
    );
}
