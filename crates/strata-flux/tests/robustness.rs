//! `load` terminates and reports instead of panicking on hostile trees:
//! include cycles, Flux Kustomizations applying their own directory, paths
//! leaving the repository, malformed kustomization files, non-UTF-8 bytes.

use std::path::Path;

use strata_core::{Code, RepoTree};

fn write(root: &Path, path: &str, content: &[u8]) {
    let full = root.join(path);
    let parent = full.parent().expect("a file path has a parent");
    std::fs::create_dir_all(parent).expect("create the fixture directory");
    std::fs::write(&full, content).expect("write the fixture file");
}

const GOTK_SYNC: &str = "apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: flux-system
  namespace: flux-system
spec:
  path: ./clusters/x
  sourceRef:
    kind: GitRepository
    name: flux-system
";

#[test]
fn cycles_and_garbage_terminate_with_findings() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "clusters/x/flux-system/gotk-sync.yaml",
        GOTK_SYNC.as_bytes(),
    );
    // A Flux Kustomization whose path is the directory it lives in, one whose
    // path is the repository root, one leaving the repository, one with a
    // path that is a map, and two applying each other's directories.
    write(
        root,
        "clusters/x/weird.yaml",
        b"apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: root, namespace: flux-system}
spec: {path: ./, sourceRef: {kind: GitRepository, name: flux-system}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: escape, namespace: flux-system}
spec: {path: ../../etc, sourceRef: {kind: GitRepository, name: flux-system}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: mapped, namespace: flux-system}
spec: {path: {a: b}, sourceRef: {kind: GitRepository, name: flux-system}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: a, namespace: flux-system}
spec: {path: ./ping, sourceRef: {kind: GitRepository, name: flux-system}}
",
    );
    write(
        root,
        "ping/k.yaml",
        b"apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: b, namespace: flux-system}
spec: {path: ./pong, sourceRef: {kind: GitRepository, name: flux-system}}
",
    );
    write(
        root,
        "pong/k.yaml",
        b"apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: a, namespace: flux-system}
spec: {path: ./ping, sourceRef: {kind: GitRepository, name: flux-system}}
",
    );
    // kustomize include cycles: a directory listing itself, and a <-> b.
    write(
        root,
        "ping/self/kustomization.yaml",
        b"resources: [., ../self, cm.yaml]\n",
    );
    write(
        root,
        "ping/self/cm.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: self}\n",
    );
    write(
        root,
        "pong/a/kustomization.yaml",
        b"resources: [../b, cm.yaml, 42, {x: 1}]\nnamespace: [not, a, string]\n",
    );
    write(
        root,
        "pong/a/cm.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
    );
    write(root, "pong/b/kustomization.yaml", b"resources: [../a]\n");
    // Garbage: a kustomization that is a list, non-UTF-8 bytes, a document
    // that is not an object listed as a resource.
    write(root, "pong/c/kustomization.yaml", b"- just\n- a list\n");
    write(
        root,
        "pong/d/kustomization.yaml",
        b"resources: [values.yaml]\n",
    );
    write(root, "pong/d/values.yaml", b"replicas: 3\n");
    write(
        root,
        "pong/bad.yaml",
        &[b'a', b':', b' ', 0xff, 0xfe, b'\n'],
    );

    let tree = RepoTree::scan(root).unwrap();
    let flux = strata_flux::load(&tree);
    let ids: Vec<&str> = flux.objects.iter().map(|o| o.id.as_str()).collect();
    assert!(ids.contains(&"ConfigMap/default/self"), "{ids:?}");
    assert!(ids.contains(&"ConfigMap/default/a"), "{ids:?}");
    let codes: Vec<Code> = flux.diagnostics.iter().map(|d| d.code).collect();
    assert!(
        codes.contains(&Code::KustomizationPathMissing),
        "escape: {codes:?}"
    );
    assert!(
        codes.contains(&Code::UnreadableFile),
        "non-UTF-8: {codes:?}"
    );
    assert!(
        codes.contains(&Code::YamlNotAnObject),
        "values.yaml as a resource: {codes:?}"
    );
    // Deterministic across runs.
    let again = strata_flux::load(&tree);
    assert_eq!(flux.objects, again.objects);
    assert_eq!(flux.diagnostics, again.diagnostics);
}

#[test]
fn a_repository_without_flux_is_empty_and_silent() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "hosts/a/default.nix", b"{ }\n");
    write(dir.path(), ".github/workflows/ci.yaml", b"on: [push]\n");
    write(
        dir.path(),
        "charts/mine/Chart.yaml",
        b"apiVersion: v2\nname: mine\nversion: 0.1.0\n",
    );
    write(
        dir.path(),
        "charts/mine/templates/cm.yaml",
        b"{{- if .Values.x }}\nkind: ConfigMap\n{{- end }}\n",
    );
    let flux = strata_flux::load(&RepoTree::scan(dir.path()).unwrap());
    assert!(flux.objects.is_empty() && flux.entries.is_empty());
    // Helm templates are not YAML until rendered: no YAML001 for them.
    assert!(flux.diagnostics.is_empty(), "{:?}", flux.diagnostics);
}

#[test]
fn a_flux_tree_in_a_subdirectory_resolves_paths_from_its_own_root() {
    // An OCI artifact pushed from ./kubernetes (or a fixture repository kept
    // inside another one): the bootstrap Kustomization says ./clusters/main,
    // so every spec.path of that tree is relative to `kubernetes/`.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "kubernetes/clusters/main/flux-system/gotk-sync.yaml",
        b"apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: flux-system, namespace: flux-system}
spec: {path: ./clusters/main, sourceRef: {kind: OCIRepository, name: flux-system}}
",
    );
    write(
        root,
        "kubernetes/clusters/main/apps.yaml",
        b"apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec: {path: ./apps, sourceRef: {kind: OCIRepository, name: flux-system}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: typo, namespace: flux-system}
spec: {path: ./appz, sourceRef: {kind: OCIRepository, name: flux-system}}
",
    );
    write(
        root,
        "kubernetes/apps/cm.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\n",
    );
    let flux = strata_flux::load(&RepoTree::scan(root).unwrap());
    assert_eq!(flux.entries, ["kubernetes/clusters/main"]);
    let cm = flux
        .objects
        .iter()
        .find(|o| o.id.as_str() == "ConfigMap/default/app")
        .unwrap();
    assert_eq!(
        cm.applied_by.as_ref().unwrap().as_str(),
        "Kustomization/flux-system/apps"
    );
    let apps = flux
        .objects
        .iter()
        .find(|o| o.id.as_str() == "Kustomization/flux-system/apps")
        .unwrap();
    assert_eq!(
        apps.applied_by.as_ref().unwrap().as_str(),
        "Kustomization/flux-system/flux-system"
    );
    assert_eq!(flux.diagnostics.len(), 1, "{:?}", flux.diagnostics);
    assert_eq!(flux.diagnostics[0].code, Code::KustomizationPathMissing);
    assert!(
        flux.diagnostics[0].message.contains("kubernetes/appz"),
        "{}",
        flux.diagnostics[0].message
    );
}

/// Fragments of kustomization files, Flux Kustomizations and manifests that
/// exercise patches, components, generators, images and substitution.
const KUSTOMIZE_BITS: &[&str] = &[
    "resources:\n  - a.yaml\n  - ../app\n",
    "components:\n  - ../app\n  - .\n",
    "namespace: ns\n",
    "namePrefix: p-\nnameSuffix: -s\n",
    "images:\n  - name: nginx\n    newTag: \"1.2\"\n  - name: x\n    digest: sha256:00\n",
    "patches:\n  - target: {kind: Deployment, name: \"(a*)*b\"}\n    patch: |-\n      - op: add\n        path: /spec/template/spec/containers/-\n        value: {name: c}\n",
    "patches:\n  - patch: |-\n      kind: Deployment\n      metadata: {name: a}\n      spec: {replicas: null, $patch: replace}\n",
    "patches:\n  - path: a.yaml\n  - path: ../nowhere.yaml\n",
    "patchesStrategicMerge:\n  - a.yaml\n  - |-\n    kind: ConfigMap\n    metadata: {name: a}\n    data: {b: c}\n",
    "patchesJson6902:\n  - target: {kind: ConfigMap, name: a}\n    patch: '[{op: remove, path: /data/9}]'\n",
    "configMapGenerator:\n  - name: g\n    literals: [a=b, 'c']\n    envs: [a.yaml, missing.env]\n    files: [k=a.yaml, /etc/passwd]\n",
    "secretGenerator:\n  - name: s\n    literals: [p=q]\n    behavior: merge\n",
    "generatorOptions: {disableNameSuffixHash: true, labels: {a: b}}\n",
    "kind: Component\n",
    "\t",
    ": [",
];
const FLUX_BITS: &[&str] = &[
    "  postBuild:\n    substitute: {A: \"${B}\", B: x}\n    substituteFrom:\n      - {kind: ConfigMap, name: g}\n      - {kind: Secret, name: s, optional: true}\n",
    "  patches:\n    - target: {kind: Kustomization}\n      patch: |\n        spec: {path: ./app, postBuild: {substitute: {X: y}}}\n",
    "  patches:\n    - patch: \"kind: HelmRelease\\nmetadata: {name: a}\\n\"\n",
    "  components: [../app, ../../x]\n",
    "  targetNamespace: ${NS}\n",
    "  decryption: {provider: sops}\n",
];
const MANIFEST_BITS: &[&str] = &[
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: \"nginx:${TAG:=1}\"}]\n",
    "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: \"${NS}\"}\ndata: {b: \"$${c} ${d:-e} ${é} ${\"}\n",
    "---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: ${APP}}\nspec: {valuesFrom: [{kind: Secret, name: x}], chartRef: {kind: OCIRepository, name: y}}\n",
    "---\nsops: {mac: x}\n",
    "---\napiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: e}\nspec: {target: {name: [x]}}\n",
    "- [\n",
];

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 32, ..Default::default() })]
    #[test]
    fn random_kustomize_and_flux_features_load(
        kustomization in proptest::collection::vec(0usize..64, 0..8),
        flux in proptest::collection::vec(0usize..64, 0..4),
        manifest in proptest::collection::vec(0usize..64, 0..5),
    ) {
        let pick = |bits: &[&str], picks: &[usize]| -> String {
            picks.iter().map(|i| bits[i % bits.len()]).collect()
        };
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "clusters/x/flux-system/gotk-sync.yaml", GOTK_SYNC.as_bytes());
        let applied = format!(
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {{name: app, namespace: flux-system}}\nspec:\n  path: ./app\n  sourceRef: {{kind: GitRepository, name: flux-system}}\n{}",
            pick(FLUX_BITS, &flux)
        );
        write(root, "clusters/x/app.yaml", applied.as_bytes());
        write(root, "app/kustomization.yaml", pick(KUSTOMIZE_BITS, &kustomization).as_bytes());
        write(root, "app/a.yaml", pick(MANIFEST_BITS, &manifest).as_bytes());
        let tree = RepoTree::scan(root).unwrap();
        let flux = strata_flux::load(&tree);
        for object in &flux.objects {
            for location in object
                .refs
                .iter()
                .map(|r| &r.location)
                .chain(object.unset_variables.iter().map(|u| &u.location))
            {
                let file = flux.sources.get(&location.file);
                proptest::prop_assert!(file.is_some(), "{location:?}");
                let text = file.map(|f| f.text().len()).unwrap_or(0);
                proptest::prop_assert!(location.span.end <= text, "{location:?}");
            }
        }
    }
}
