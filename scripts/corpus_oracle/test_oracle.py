"""Tests of the corpus oracle: `python3 -m unittest discover -s scripts/corpus_oracle` (needs kubectl).

Each Flux shape is a small repository written to a temporary directory by the test itself.
"""
import os
import shutil
import subprocess
import tempfile
import textwrap
import unittest

from . import envsubst, flux_tree, gitignore, sync_roots, yaml_subset

HAVE_KUBECTL = shutil.which("kubectl") is not None and subprocess.run(
    ["kubectl", "kustomize", "--help"], capture_output=True).returncode == 0


def ks(name, path, source="GitRepository", source_name="flux-system", namespace="flux-system", extra=""):
    """A Flux Kustomization; `extra` holds more `spec` fields."""
    return textwrap.dedent(f"""\
        apiVersion: kustomize.toolkit.fluxcd.io/v1
        kind: Kustomization
        metadata:
          name: {name}
          namespace: {namespace}
        spec:
          interval: 10m
          path: {path}
          sourceRef:
            kind: {source}
            name: {source_name}
        """) + textwrap.indent(textwrap.dedent(extra), "  ")


def hr(name, namespace="default"):
    return textwrap.dedent(f"""\
        apiVersion: helm.toolkit.fluxcd.io/v2
        kind: HelmRelease
        metadata:
          name: {name}
          namespace: {namespace}
        spec:
          interval: 1h
          chart:
            spec:
              chart: {name}
              sourceRef:
                kind: HelmRepository
                name: charts
        """)


class Repo:
    def __init__(self, files):
        self.dir = tempfile.mkdtemp(prefix="oracle-test-")
        for path, text in files.items():
            full = os.path.join(self.dir, path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w") as f:
                f.write(textwrap.dedent(text))

    def ids(self):
        clusters, notes = flux_tree.oracle(self.dir)
        return {c.root.cluster: (sorted(c.kustomizations), sorted(c.helmreleases)) for c in clusters}, notes, clusters

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


GOTK_SYNC = """\
    apiVersion: source.toolkit.fluxcd.io/v1
    kind: GitRepository
    metadata:
      name: flux-system
      namespace: flux-system
    spec:
      url: ssh://git@example.com/me/home
      ref:
        branch: main
    ---
    apiVersion: kustomize.toolkit.fluxcd.io/v1
    kind: Kustomization
    metadata:
      name: flux-system
      namespace: flux-system
    spec:
      path: ./clusters/{cluster}
      sourceRef:
        kind: GitRepository
        name: flux-system
    """


class YamlSubsetTest(unittest.TestCase):
    def test_block_flow_and_scalars(self):
        docs = yaml_subset.load_all(textwrap.dedent("""\
            # comment
            a: 1
            b: "two"
            c: [x, 'y', {z: 3}]
            d:
            - e: &anchor
                f: true
              g: |
                line 1
                line 2
            - *anchor
            h: >-
              folded
              text
            ---
            k: v
            """))
        self.assertEqual(docs[0]["a"], 1)
        self.assertEqual(docs[0]["c"], ["x", "y", {"z": 3}])
        self.assertEqual(docs[0]["d"][0]["g"], "line 1\nline 2\n")
        self.assertEqual(docs[0]["d"][1], {"f": True})
        self.assertEqual(docs[0]["h"], "folded text")
        self.assertEqual(docs[1], {"k": "v"})

    def test_template_key_and_multiline_quotes(self):
        docs = yaml_subset.load_all('${APP}:\n  x: "a\n    b"\n')
        self.assertEqual(docs, [{"${APP}": {"x": "a b"}}])

    def test_unreadable_document_is_reported_not_raised_by_lenient(self):
        docs, errors = yaml_subset.load_all_lenient("a: [1, 2\n---\nb: 1\n")
        self.assertEqual(docs, [{"b": 1}])
        self.assertEqual(len(errors), 1)


class EnvsubstTest(unittest.TestCase):
    def test_forms(self):
        v = {"A": "a", "E": ""}
        self.assertEqual(envsubst.substitute("${A}-${B:=b}-${C:-${A}}-${E:-e}-${E-e}-$${A}", dict(v), set()), "a-b-a-e--${A}")

    def test_unknown_source_keeps_the_expression(self):
        self.assertEqual(envsubst.substitute("app-${NAME:-x}", {}, True), "app-${NAME:-x}")


class GitignoreTest(unittest.TestCase):
    def test_last_match_wins_and_reincludes(self):
        p = gitignore.parse("/*\n!/kubernetes\n/kubernetes/**/secrets/\n!/kubernetes/**/secrets/keep.yaml\n")
        self.assertTrue(gitignore.excluded(p, "docs/a.md"))
        self.assertFalse(gitignore.excluded(p, "kubernetes/apps/a.yaml"))
        self.assertTrue(gitignore.excluded(p, "kubernetes/c/secrets/x.yaml"))
        self.assertFalse(gitignore.excluded(p, "kubernetes/c/secrets/keep.yaml"))


class SyncRootsTest(unittest.TestCase):
    def test_stale_gotk_sync_outside_its_path_is_no_root(self):
        r = Repo({"archive/gotk-sync.yaml": GOTK_SYNC.format(cluster="prod"), "clusters/prod/a.yaml": hr("a")})
        try:
            roots, _ = sync_roots.find_roots(r.dir)
            self.assertEqual(roots, [])
        finally:
            r.close()

    def test_bootstrap_layout_without_committed_gotk_sync_is_a_root(self):
        r = Repo({
            "clusters/prod/flux-system/kustomization.yaml": "resources: [gotk-components.yaml, gotk-sync.yaml]\n",
            "clusters/prod/flux-system/gotk-sync.yaml": "# written by flux bootstrap\n",
            "clusters/lab/flux-system/gotk-sync.yaml": GOTK_SYNC.format(cluster="lab"),
        })
        try:
            roots, _ = sync_roots.find_roots(r.dir)
            self.assertEqual(sorted((x.cluster, x.shape) for x in roots),
                             [("lab", "gotk-sync"), ("prod", "flux bootstrap layout")])
        finally:
            r.close()

    def test_oci_sync_reads_the_pushed_directory(self):
        r = Repo({
            ".github/workflows/push.yaml": """\
                jobs:
                  push:
                    steps:
                      - run: |
                          flux push artifact oci://ghcr.io/me/manifests:main \\
                            --path="./kubernetes" --source=x --revision=y
                """,
            "kubernetes/flux/values.yaml": """\
                instance:
                  sync:
                    kind: OCIRepository
                    url: oci://ghcr.io/me/manifests
                    ref: main
                    path: ./clusters/main
                """,
            "kubernetes/clusters/main/a.yaml": hr("a"),
        })
        try:
            roots, _ = sync_roots.find_roots(r.dir)
            self.assertEqual([(x.source_root, x.path) for x in roots], [("kubernetes", "clusters/main")])
        finally:
            r.close()


@unittest.skipUnless(HAVE_KUBECTL, "kubectl is not on PATH")
class FluxTreeTest(unittest.TestCase):
    def test_gotk_sync_with_generated_kustomization_and_external_source(self):
        r = Repo({
            "clusters/prod/flux-system/gotk-sync.yaml": GOTK_SYNC.format(cluster="prod"),
            "clusters/prod/flux-system/kustomization.yaml": "resources: [gotk-sync.yaml]\n",
            "clusters/prod/apps.yaml": ks("apps", "./apps") + "---\n" + ks("crds", "./config/crd", source_name="upstream"),
            "apps/a/release.yaml": hr("a"),
            "apps/b/kustomization.yaml": "resources: [release.yaml]\nnamespace: b\n",
            "apps/b/release.yaml": hr("b"),
            "apps/b/unused.yaml": hr("unused"),
        })
        try:
            ids, _, clusters = r.ids()
            self.assertEqual(ids, {"": (["Kustomization/flux-system/apps", "Kustomization/flux-system/crds"],
                                        ["HelmRelease/b/b", "HelmRelease/default/a"])})
            self.assertFalse(clusters[0].kustomizations["Kustomization/flux-system/crds"]["followed"])
        finally:
            r.close()

    def test_flux_instance_patches_components_target_namespace_and_substitution(self):
        r = Repo({
            "bootstrap/instance.yaml": """\
                apiVersion: fluxcd.controlplane.io/v1
                kind: FluxInstance
                metadata:
                  name: flux
                  namespace: flux-system
                spec:
                  sync:
                    kind: GitRepository
                    url: https://example.com/me/home
                    ref: refs/heads/main
                    path: kubernetes/flux
                  kustomize:
                    patches:
                      - target:
                          kind: Kustomization
                        patch: |
                          - op: add
                            path: /spec/postBuild
                            value: {substitute: {SUFFIX: blue}}
                """,
            "kubernetes/flux/apps.yaml": ks("apps-${SUFFIX}", "./kubernetes/apps", extra="""\
                  postBuild:
                    substitute:
                      SUFFIX: blue
                  patches:
                    - target:
                        kind: Kustomization
                      patch: |
                        - op: add
                          path: /spec/sourceRef
                          value: {kind: GitRepository, name: flux-system, namespace: flux-system}
                """),
            "kubernetes/apps/ks.yaml": """\
                apiVersion: kustomize.toolkit.fluxcd.io/v1
                kind: Kustomization
                metadata:
                  name: app-${SUFFIX}
                  namespace: flux-system
                spec:
                  path: ./kubernetes/app
                  targetNamespace: media
                  components: [../components/extra]
                  postBuild:
                    substitute:
                      APP: web
                """,
            "kubernetes/app/kustomization.yaml": "resources: [release.yaml]\n",
            "kubernetes/app/release.yaml": hr("${APP}", namespace="elsewhere"),
            "kubernetes/components/extra/kustomization.yaml": """\
                apiVersion: kustomize.config.k8s.io/v1alpha1
                kind: Component
                resources: [release.yaml]
                """,
            "kubernetes/components/extra/release.yaml": hr("${APP:=x}-sidecar"),
        })
        try:
            ids, _, _ = r.ids()
            # apps-${SUFFIX}: substituted by the root, whose postBuild the FluxInstance's patch adds.
            self.assertEqual(ids, {"": (["Kustomization/flux-system/app-blue", "Kustomization/flux-system/apps-blue"],
                                        ["HelmRelease/media/web", "HelmRelease/media/web-sidecar"])})
        finally:
            r.close()

    def test_two_clusters_and_a_static_resource_set(self):
        rset = """\
            apiVersion: fluxcd.controlplane.io/v1
            kind: ResourceSet
            metadata:
              name: tenants
              namespace: flux-system
            spec:
              inputs:
                - name: red
                - name: green
              resources:
                - apiVersion: helm.toolkit.fluxcd.io/v2
                  kind: HelmRelease
                  metadata:
                    name: tenant-<< inputs.name >>
                  spec:
                    interval: 1h
            """
        r = Repo({
            "clusters/prod/flux-system/gotk-sync.yaml": GOTK_SYNC.format(cluster="prod"),
            "clusters/prod/rset.yaml": rset,
            "clusters/staging/flux-system/gotk-sync.yaml": GOTK_SYNC.format(cluster="staging"),
            "clusters/staging/a.yaml": hr("a"),
        })
        try:
            ids, _, _ = r.ids()
            self.assertEqual(ids, {
                "prod": ([], ["HelmRelease/flux-system/tenant-green", "HelmRelease/flux-system/tenant-red"]),
                "staging": ([], ["HelmRelease/default/a"]),
            })
        finally:
            r.close()

    def test_artifact_generator_subtree_is_followed(self):
        r = Repo({
            "clusters/prod/flux-system/gotk-sync.yaml": GOTK_SYNC.format(cluster="prod"),
            "clusters/prod/gen.yaml": """\
                apiVersion: source.extensions.fluxcd.io/v1beta1
                kind: ArtifactGenerator
                metadata:
                  name: gen
                  namespace: flux-system
                spec:
                  sources:
                    - alias: repo
                      kind: GitRepository
                      name: flux-system
                  artifacts:
                    - name: web
                      copy:
                        - from: "@repo/apps/web/"
                          to: "@artifact/apps/web/"
                """,
            "clusters/prod/web.yaml": ks("web", "./apps/web", source="ExternalArtifact", source_name="web"),
            "apps/web/release.yaml": hr("web"),
        })
        try:
            ids, _, _ = r.ids()
            self.assertEqual(ids, {"": (["Kustomization/flux-system/web"], ["HelmRelease/default/web"])})
        finally:
            r.close()

    def test_absent_and_remote_files_are_left_out_and_reported(self):
        r = Repo({
            "clusters/prod/flux-system/gotk-sync.yaml": GOTK_SYNC.format(cluster="prod"),
            "clusters/prod/kustomization.yaml": "resources: [flux-system/gotk-sync.yaml, secret.sops.yaml, a.yaml, b]\n",
            "clusters/prod/b/kustomization.yaml": "resources: [https://example.invalid/crds.yaml]\n",
            "clusters/prod/a.yaml": hr("a"),
        })
        try:
            ids, _, clusters = r.ids()
            self.assertEqual(ids, {"": ([], ["HelmRelease/default/a"])})
            self.assertEqual(clusters[0].absent, [("Kustomization/flux-system/flux-system", [
                "clusters/prod/secret.sops.yaml", "https://example.invalid/crds.yaml (remote, not fetched)"])])
        finally:
            r.close()


if __name__ == "__main__":
    unittest.main()
