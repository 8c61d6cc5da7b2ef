"""Follows a repository's Flux tree from its sync roots, as kustomize-controller would apply it.

From each root Kustomization: build it, substitute its postBuild variables, and follow every
Flux Kustomization in the output that reads this repository's source (the sync source, or an
ExternalArtifact that an ArtifactGenerator copies out of it). A Kustomization reading any other
source is counted but not followed. The counts are the Flux Kustomizations and HelmReleases
applied below the roots (the roots themselves are not counted).
"""
import base64
import os
import shutil
import tempfile

from . import envsubst, gitignore, kustomize_build, resource_sets, sync_roots

FLUX_KS_GROUP = "kustomize.toolkit.fluxcd.io/"
HELM_GROUP = "helm.toolkit.fluxcd.io/"


def _meta(obj):
    return obj.get("metadata") or {}


def _group_is(obj, group):
    return str(obj.get("apiVersion", "")).startswith(group)


def object_id(kind, obj, default_ns=""):
    meta = _meta(obj)
    return f"{kind}/{meta.get('namespace') or default_ns}/{meta.get('name')}"


class Cluster:
    """What Flux applies from one sync root."""

    def __init__(self, root):
        self.root = root
        self.kustomizations = {}   # id -> {"parent", "source", "followed", "error"}
        self.helmreleases = {}     # id -> parent id
        self.errors = []           # (ks id, message)
        self.notes = []
        self.configmaps = {}       # (ns, name) -> data
        self.secrets = {}          # (ns, name) -> data, or None when encrypted
        self.generators = {}       # (ns, artifact name) -> [(from, to)]
        self.absent = []           # (ks id, [files listed but absent, left out of its build])
        self.providers = {}        # (ns, name) -> ResourceSetInputProvider
        self.resource_sets = []    # (ks id, ResourceSet id, objects rendered)
        self.dynamic = []          # (ks id, ResourceSet id, why, [Flux kinds it would render])
        self.unread_vars = {}      # "ConfigMap/ns/name" -> [ks ids whose substituteFrom it is]


def _secret_data(obj):
    if "sops" in obj:
        return None
    data = {}
    for k, v in (obj.get("data") or {}).items():
        try:
            data[k] = base64.b64decode(str(v)).decode("utf-8", errors="replace")
        except (ValueError, TypeError):
            return None
    for k, v in (obj.get("stringData") or {}).items():
        data[k] = "" if v is None else str(v)
    if any(str(v).startswith("ENC[") for v in data.values()):
        return None
    return data


def _variables(cluster, ks):
    """(variables, unknown, missing): postBuild variables, whether some source is unreadable,
    and the non-optional ConfigMaps/Secrets not seen yet."""
    spec = ks.get("spec") or {}
    post = spec.get("postBuild") or {}
    ns = _meta(ks).get("namespace") or "flux-system"
    variables = {}
    unknown = False
    missing = []
    for ref in post.get("substituteFrom") or []:
        if not isinstance(ref, dict):
            continue
        key = (ns, ref.get("name"))
        table = cluster.configmaps if ref.get("kind") == "ConfigMap" else cluster.secrets
        if key not in table:
            if not ref.get("optional"):
                missing.append(f"{ref.get('kind')}/{ns}/{ref.get('name')}")
                unknown = True
            continue
        data = table[key]
        if data is None:
            unknown = True
            continue
        for k, v in data.items():
            variables[k] = str(v).replace("\n", "")
    for k, v in (post.get("substitute") or {}).items():
        variables[k] = "" if v is None else str(v).replace("\n", "")
    return variables, unknown, missing


def _copy_ops(artifact, source_aliases):
    ops = []
    for c in artifact.get("copy") or []:
        src, dst = str(c.get("from", "")), str(c.get("to", ""))
        alias, _, rest = src.lstrip("@").partition("/")
        if alias not in source_aliases:
            return None
        to = dst.split("/", 1)[1] if dst.startswith("@artifact") and "/" in dst else ""
        ops.append((rest.rstrip("*").rstrip("/"), to))
    return ops


def _resource_set_objects(cluster, ks_id, objects):
    """What the ResourceSets among `objects` render (and what those render, and so on)."""
    for o in objects:
        if o.get("kind") == "ResourceSetInputProvider" and _group_is(o, "fluxcd.controlplane.io/"):
            cluster.providers[(_meta(o).get("namespace") or "default", _meta(o).get("name"))] = o
    out = []
    todo = [o for o in objects if o.get("kind") == "ResourceSet" and _group_is(o, "fluxcd.controlplane.io/")]
    while todo:
        rset = todo.pop(0)
        rid = object_id("ResourceSet", rset, "default")
        try:
            rendered = resource_sets.expand(rset, cluster.providers)
        except resource_sets.Dynamic as e:
            kinds = [r.get("kind") for r in (rset.get("spec") or {}).get("resources") or [] if isinstance(r, dict)]
            flux = [k for k in kinds if k in ("Kustomization", "HelmRelease")]
            cluster.dynamic.append((ks_id, rid, str(e), flux))
            continue
        cluster.resource_sets.append((ks_id, rid, len(rendered)))
        out.extend(rendered)
        todo.extend(r for r in rendered if r.get("kind") == "ResourceSet" and _group_is(r, "fluxcd.controlplane.io/"))
    return out


def _apply(cluster, ks_id, ks, ks_tree, variables, unknown, root_src, root_id, seen, log):
    """Build one Kustomization, record what it applies; return the children to follow."""
    children = []
    absent = []
    try:
        objects = kustomize_build.build(ks_tree, ks.get("spec") or {}, absent)
    except kustomize_build.BuildError as e:
        cluster.errors.append((ks_id, str(e)))
        if ks_id in cluster.kustomizations:
            cluster.kustomizations[ks_id]["error"] = str(e)
        return children
    if absent:
        cluster.absent.append((ks_id, absent))
    if log:
        log(f"built {ks_id}: {len(objects)} objects")
    if variables or unknown:
        objects = [o if envsubst.disabled(o) else envsubst.substitute_object(o, dict(variables), True if unknown else set())
                   for o in objects]
    objects = objects + _resource_set_objects(cluster, ks_id, objects)
    # Register what later builds may read before following children.
    for o in objects:
        kind = o.get("kind")
        key = (_meta(o).get("namespace") or "default", _meta(o).get("name"))
        if kind == "ConfigMap" and str(o.get("apiVersion")) == "v1":
            cluster.configmaps[key] = {k: "" if v is None else str(v) for k, v in (o.get("data") or {}).items()}
        elif kind == "Secret" and str(o.get("apiVersion")) == "v1":
            cluster.secrets[key] = _secret_data(o)
        elif kind == "ArtifactGenerator" and _group_is(o, "source.extensions.fluxcd.io/"):
            spec = o.get("spec") or {}
            aliases = set()
            for s in spec.get("sources") or []:
                sns = s.get("namespace") or key[0]
                if (s.get("kind"), sns, s.get("name")) == root_src:
                    aliases.add(s.get("alias"))
            for a in spec.get("artifacts") or []:
                ops = _copy_ops(a, aliases)
                if ops is not None:
                    cluster.generators[(key[0], a.get("name"))] = ops
    for o in objects:
        kind = o.get("kind")
        if kind == "HelmRelease" and _group_is(o, HELM_GROUP):
            hid = object_id("HelmRelease", o, "")
            if hid in cluster.helmreleases:
                cluster.notes.append(f"{hid} applied by {cluster.helmreleases[hid]} and by {ks_id}")
            else:
                cluster.helmreleases[hid] = ks_id
        elif kind == "Kustomization" and _group_is(o, FLUX_KS_GROUP):
            cid = object_id("Kustomization", o, "")
            if cid in seen:
                if cid != root_id:
                    cluster.notes.append(f"{cid} applied again by {ks_id}")
                continue
            seen.add(cid)
            ref = (o.get("spec") or {}).get("sourceRef") or {}
            ns = ref.get("namespace") or _meta(o).get("namespace") or "default"
            cluster.kustomizations[cid] = {"parent": ks_id, "source": f"{ref.get('kind')}/{ns}/{ref.get('name')}",
                                           "followed": False, "error": None}
            children.append((cid, o))
    return children


def follow(repo, root, workdir, log=None):
    """The Cluster applied from `root` (a sync_roots.Root) of the checkout `repo`."""
    cluster = Cluster(root)
    src_dir = os.path.join(repo, root.source_root)
    spec_ignore = None
    if root.source_object:
        spec_ignore = (root.source_object.get("spec") or {}).get("ignore")
    default_excludes = gitignore.GIT_DEFAULT_EXCLUDES if root.kind == "GitRepository" else ".git/\n"
    tree = kustomize_build.materialise_source(src_dir, workdir, default_excludes, spec_ignore)
    root_ks = root.kustomization
    if root.patches:
        try:
            root_ks = kustomize_build.patch_object(root_ks, root.patches, workdir)
        except kustomize_build.BuildError as e:
            cluster.errors.append(("(root)", str(e)))
    root_ns = _meta(root_ks).get("namespace") or "flux-system"
    root_src = (root.kind, root_ns, root.sync.get("name") or "flux-system")
    root_id = object_id("Kustomization", root_ks, root_ns)
    artifact_trees = {}

    def source_tree(ks):
        ref = (ks.get("spec") or {}).get("sourceRef") or {}
        ns = ref.get("namespace") or _meta(ks).get("namespace") or "default"
        key = (ref.get("kind"), ns, ref.get("name"))
        if key == root_src:
            return tree, "this repository"
        if ref.get("kind") == "ExternalArtifact" and (ns, ref.get("name")) in cluster.generators:
            if key not in artifact_trees:
                artifact_trees[key] = kustomize_build.copy_subtree(tree, cluster.generators[(ns, ref.get("name"))], workdir)
            return artifact_trees[key], f"ExternalArtifact/{ns}/{ref.get('name')} (from this repository)"
        return None, f"{ref.get('kind')}/{ns}/{ref.get('name')}"

    pending = [(root_id, root_ks)]
    seen = {root_id}
    stalled = False
    while pending:
        # Rounds: a Kustomization waiting for a ConfigMap/Secret or an ArtifactGenerator that
        # another build may still produce waits for the next round; when a round makes no
        # progress, the waiting ones are built with what is known.
        next_round = []
        progressed = False
        for ks_id, ks in pending:
            variables, unknown, missing = _variables(cluster, ks)
            ks_tree, source = source_tree(ks)
            waits_for_artifact = ks_tree is None and source.startswith("ExternalArtifact/")
            if (missing or waits_for_artifact) and not stalled:
                next_round.append((ks_id, ks))
                continue
            progressed = True
            if ks_tree is None:
                continue
            if ks_id in cluster.kustomizations:
                cluster.kustomizations[ks_id].update(source=source, followed=True)
            for m in missing:
                cluster.unread_vars.setdefault(m, []).append(ks_id)
            next_round.extend(_apply(cluster, ks_id, ks, ks_tree, variables, unknown, root_src, root_id, seen, log))
        pending = next_round
        stalled = not progressed
    shutil.rmtree(tree, ignore_errors=True)
    for t in artifact_trees.values():
        shutil.rmtree(t, ignore_errors=True)
    return cluster


def oracle(repo, log=None):
    """(clusters, notes) for the checkout `repo`."""
    roots, notes = sync_roots.find_roots(repo)
    if not roots:
        notes.append("no sync root found (flux bootstrap gotk-sync, FluxInstance spec.sync, flux-instance `instance.sync` values)")
    workdir = tempfile.mkdtemp(prefix="strata-corpus-oracle-")
    try:
        clusters = [follow(repo, r, workdir, log) for r in roots]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return clusters, notes
