"""The sync roots of a repository: what Flux is told to apply first.

Three shapes, as Flux is installed in practice:
- `flux bootstrap`: a `gotk-sync.yaml` holding a GitRepository/OCIRepository and the
  `flux-system` Kustomization that reads it. It is live only when the file lies under the path
  it syncs (the bootstrap Kustomization applies itself); a stale copy elsewhere is not a root.
- the Flux Operator: a `FluxInstance` (`fluxcd.controlplane.io/v1`) with `spec.sync`, written
  directly or inside a ResourceSet's `spec.resources`.
- the flux-instance Helm chart: the same fields as `instance.sync` in its values, inline in a
  HelmRelease, in a values file (read by helmfile, `valuesFrom` a generated ConfigMap, ...).

The operator synthesises a Kustomization named `sync.name` (default `flux-system`) in the
instance's namespace, reading `sync.path` from the source it creates. For an OCIRepository the
artifact is pushed by CI (`flux push artifact --path=DIR`), so the source root is DIR.
"""
import os
import re

from . import yaml_subset

SKIP_DIRS = {".git", "node_modules", ".terraform"}
TEXT_SUFFIXES = (".yaml", ".yml", ".gotmpl", ".tpl", ".json")


class Root:
    def __init__(self, kind, shape, file, sync, kustomization, source_object=None):
        self.kind = kind                    # GitRepository | OCIRepository | Bucket
        self.shape = shape                  # gotk-sync | FluxInstance | flux-instance values
        self.file = file                    # where it was found (relative to the repository)
        self.sync = sync                    # {kind, url, ref, path, name}
        self.kustomization = kustomization  # the root Flux Kustomization object
        self.source_object = source_object  # the GitRepository/OCIRepository object, if written
        self.source_root = ""               # directory of the checkout that the source serves
        self.patches = []                   # FluxInstance kustomize.patches (with a target)
        self.cluster = ""

    @property
    def path(self):
        return normalise_path(self.sync.get("path") or "")

    def key(self):
        return (self.kind, self.source_root, self.path)

    def describe(self):
        where = f"{self.source_root}/ " if self.source_root else ""
        return f"{self.shape} in {self.file}: {self.kind} {self.sync.get('url', '')} {where}path {self.path or '.'}"


def normalise_path(path):
    path = str(path).strip()
    while path.startswith("./"):
        path = path[2:]
    return os.path.normpath(path.strip("/")).replace(os.sep, "/") if path.strip("/") not in ("", ".") else ""


def walk_files(repo):
    for dirpath, dirnames, filenames in os.walk(repo):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            yield os.path.join(dirpath, name)


def _template_free(text):
    """helmfile/Go template text with the template actions blanked, so the YAML around them reads."""
    lines = []
    for line in text.split("\n"):
        if re.match(r"^\s*\{\{-?.*-?\}\}\s*$", line):
            lines.append("")
        else:
            lines.append(re.sub(r"\{\{.*?\}\}", "TEMPLATE", line))
    return "\n".join(lines)


def _documents(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return []
    if "{{" in text:
        text = _template_free(text)
    docs, _errors = yaml_subset.load_all_lenient(text)
    return docs


def _synthesised_kustomization(sync, namespace):
    name = sync.get("name") or "flux-system"
    return {
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"path": sync.get("path") or "", "sourceRef": {"kind": sync.get("kind"), "name": name}},
    }


def _instance_syncs(node, found):
    """Every FluxInstance sync and flux-instance `instance.sync` value below `node`."""
    if isinstance(node, dict):
        if node.get("kind") == "FluxInstance" and str(node.get("apiVersion", "")).startswith("fluxcd.controlplane.io/"):
            spec = node.get("spec") or {}
            if isinstance(spec.get("sync"), dict):
                ns = (node.get("metadata") or {}).get("namespace") or "flux-system"
                found.append(("FluxInstance", spec["sync"], ns, spec.get("kustomize")))
        inst = node.get("instance")
        if isinstance(inst, dict) and isinstance(inst.get("sync"), dict):
            found.append(("flux-instance values", inst["sync"], "flux-system", inst.get("kustomize")))
        for v in node.values():
            _instance_syncs(v, found)
    elif isinstance(node, list):
        for v in node:
            _instance_syncs(v, found)


def _is_flux_ks(doc):
    return isinstance(doc, dict) and doc.get("kind") == "Kustomization" and \
        str(doc.get("apiVersion", "")).startswith("kustomize.toolkit.fluxcd.io/")


def _bootstrap_roots(rel, docs):
    """`flux bootstrap` roots in one file: a Kustomization and the source it reads, together."""
    sources = {}
    for d in docs:
        if isinstance(d, dict) and d.get("kind") in ("GitRepository", "OCIRepository", "Bucket") and \
                str(d.get("apiVersion", "")).startswith("source.toolkit.fluxcd.io/"):
            meta = d.get("metadata") or {}
            sources[(d["kind"], meta.get("namespace") or "flux-system", meta.get("name"))] = d
    roots = []
    for d in docs:
        if not _is_flux_ks(d):
            continue
        meta = d.get("metadata") or {}
        spec = d.get("spec") or {}
        ref = spec.get("sourceRef") or {}
        ns = meta.get("namespace") or "flux-system"
        src = sources.get((ref.get("kind"), ref.get("namespace") or ns, ref.get("name")))
        if src is None:
            continue
        path = normalise_path(spec.get("path") or "")
        # Live only if the file is inside what it syncs: the bootstrap Kustomization applies itself.
        # A pair syncing the whole of a repository (empty path) could as well read another
        # repository (CRDs from upstream), so it counts only in the file bootstrap writes.
        if path and not rel.startswith(path + "/"):
            continue
        if not path and os.path.basename(rel) != "gotk-sync.yaml":
            continue
        sspec = src.get("spec") or {}
        sync = {"kind": src["kind"], "url": sspec.get("url"), "ref": sspec.get("ref"),
                "path": spec.get("path") or "", "name": (src.get("metadata") or {}).get("name")}
        roots.append(Root(src["kind"], "gotk-sync", rel, sync, d, src))
    return roots


def _bootstrap_layout_root(rel, docs):
    """A `flux bootstrap` directory whose `gotk-sync.yaml` is written at bootstrap time, not
    committed: `D/flux-system/kustomization.yaml` listing `gotk-sync.yaml` makes D a root that
    syncs this repository (bootstrap names the source and the Kustomization `flux-system`)."""
    parts = rel.split("/")
    if len(parts) < 2 or parts[-2] != "flux-system" or parts[-1] not in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
        return []
    kus = docs[0] if len(docs) == 1 and isinstance(docs[0], dict) else {}
    if "gotk-sync.yaml" not in [str(r).lstrip("./") for r in kus.get("resources") or []]:
        return []
    path = "/".join(parts[:-2])
    sync = {"kind": "GitRepository", "url": "(this repository)", "path": path, "name": "flux-system"}
    return [Root("GitRepository", "flux bootstrap layout", rel, sync, _synthesised_kustomization(sync, "flux-system"))]


PUSH = re.compile(r"flux\s+push\s+artifact\b(?P<args>(?:\\\n|[^\n])*)")
PUSH_PATH = re.compile(r"--path[= ]\s*[\"']?([^\"'\s\\]+)")


def oci_push_dirs(repo):
    """Directories CI pushes as OCI artifacts (`flux push artifact --path=DIR`)."""
    dirs = []
    for path in walk_files(repo):
        name = os.path.basename(path).lower()
        if not (name.endswith((".yaml", ".yml", ".sh", ".just", ".mk", ".toml")) or name in
                ("justfile", ".justfile", "makefile", "taskfile.yml", "taskfile.yaml")):
            continue
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError:
            continue
        for m in PUSH.finditer(text):
            p = PUSH_PATH.search(m.group("args"))
            if p:
                d = normalise_path(p.group(1))
                if d not in dirs and os.path.isdir(os.path.join(repo, d)):
                    dirs.append(d)
    return dirs


def find_roots(repo):
    """(roots, notes): the live sync roots of the checkout `repo`, one per source root and path."""
    candidates = []
    layout_roots = []  # weakest evidence: used only for a path no other root syncs
    notes = []
    for path in walk_files(repo):
        if not path.endswith(TEXT_SUFFIXES):
            continue
        rel = os.path.relpath(path, repo).replace(os.sep, "/")
        docs = _documents(path)
        candidates.extend(_bootstrap_roots(rel, docs))
        layout_roots.extend(_bootstrap_layout_root(rel, docs))
        found = []
        for d in docs:
            _instance_syncs(d, found)
        for shape, sync, ns, kustomize in found:
            kind = sync.get("kind") or "GitRepository"
            sync = dict(sync, kind=kind)
            root = Root(kind, shape, rel, sync, _synthesised_kustomization(sync, ns))
            # The operator builds the sync objects with the distribution, so its
            # `kustomize.patches` may patch the root Kustomization too.
            if isinstance(kustomize, dict):
                root.patches = [p for p in kustomize.get("patches") or [] if isinstance(p, dict) and p.get("target")]
            candidates.append(root)
    candidates.extend(layout_roots)
    push_dirs = None
    roots = []
    seen = set()
    for root in candidates:
        if root.kind == "OCIRepository":
            if push_dirs is None:
                push_dirs = oci_push_dirs(repo)
            fits = [d for d in push_dirs if os.path.isdir(os.path.join(repo, d, root.path))]
            root.source_root = fits[0] if fits else ""
            if not fits:
                notes.append(f"no `flux push artifact --path` serves {root.describe()}; reading it from the repository root")
        if not isinstance(root.sync.get("path", ""), str) or "TEMPLATE" in str(root.sync.get("path", "")) or \
                "${" in str(root.sync.get("path", "")):
            notes.append(f"ignored (templated path): {root.describe()}")
            continue
        target = os.path.join(repo, root.source_root, root.path)
        if not os.path.isdir(target):
            notes.append(f"ignored (path does not exist): {root.describe()}")
            continue
        if root.key() in seen:
            continue
        seen.add(root.key())
        roots.append(root)
    if len(roots) > 1:
        names = [os.path.basename(r.path) or r.path or "." for r in roots]
        for r, n in zip(roots, names):
            r.cluster = n if names.count(n) == 1 else (r.path or ".")
    return roots, notes
