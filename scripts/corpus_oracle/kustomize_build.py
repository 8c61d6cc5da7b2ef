"""Builds a Flux Kustomization as kustomize-controller does, with `kubectl kustomize`.

The source is first copied to a temporary tree (minus what source-controller excludes), so the
corpus checkout is never written. For each build, as kustomize-controller's generator does in
its own working copy: a directory without a kustomization file gets one listing every YAML file
below it (a sub-directory with its own kustomization file is listed as a directory and not
entered); then `spec.targetNamespace` sets `namespace`, and `spec.patches`,
`patchesStrategicMerge`, `patchesJson6902` and `components` are appended. The build runs with
`--load-restrictor=LoadRestrictionsNone`, and the directory's kustomization file is restored.
"""
import json
import os
import re
import shutil
import subprocess
import tempfile

from . import gitignore, yaml_subset

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


class BuildError(Exception):
    pass


def kustomization_file(directory):
    for name in KUSTOMIZATION_FILES:
        p = os.path.join(directory, name)
        if os.path.isfile(p):
            return p
    return None


def _ignore_patterns(src, default_excludes, extra_ignore):
    patterns = gitignore.parse(extra_ignore) if extra_ignore is not None else gitignore.parse(default_excludes)
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        if ".sourceignore" in filenames:
            base = os.path.relpath(dirpath, src).replace(os.sep, "/")
            with open(os.path.join(dirpath, ".sourceignore"), encoding="utf-8", errors="replace") as f:
                patterns += gitignore.parse(f.read(), "" if base == "." else base)
    return patterns


def materialise_source(src, workdir, default_excludes="", spec_ignore=None):
    """Copy `src` into a new directory under `workdir`, leaving out ignored files; return its path."""
    patterns = _ignore_patterns(src, default_excludes, spec_ignore)
    dest = tempfile.mkdtemp(prefix="source-", dir=workdir)
    for dirpath, dirnames, filenames in os.walk(src):
        rel_dir = os.path.relpath(dirpath, src).replace(os.sep, "/")
        rel_dir = "" if rel_dir == "." else rel_dir
        # Every directory is entered, even an excluded one: a later `!pattern` may re-include a file.
        dirnames[:] = sorted(d for d in dirnames if d != ".git")
        os.makedirs(os.path.join(dest, rel_dir), exist_ok=True)
        for name in filenames:
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if gitignore.excluded(patterns, rel):
                continue
            source = os.path.join(dirpath, name)
            try:
                shutil.copyfile(source, os.path.join(dest, rel))
            except OSError:
                continue  # a dangling symlink, a socket: not part of an artifact
    return dest


def copy_subtree(tree, copies, workdir):
    """An ExternalArtifact's tree: `copies` are (from, to) paths relative to `tree` / the artifact."""
    dest = tempfile.mkdtemp(prefix="artifact-", dir=workdir)
    for src_rel, dst_rel in copies:
        src = os.path.join(tree, src_rel)
        dst = os.path.join(dest, dst_rel)
        if os.path.isdir(src):
            shutil.copytree(src, dst, dirs_exist_ok=True)
        elif os.path.isfile(src):
            target = os.path.join(dst, os.path.basename(src)) if dst_rel.endswith("/") or dst_rel == "" else dst
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copyfile(src, target)
    return dest


def _generated_resources(directory):
    """The resources kustomize-controller lists for a directory without a kustomization file."""
    out = []
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames.sort()
        for d in list(dirnames):
            sub = os.path.join(dirpath, d)
            if kustomization_file(sub):
                out.append(sub)
                dirnames.remove(d)
        for name in sorted(filenames):
            if name.endswith((".yaml", ".yml")):
                out.append(os.path.join(dirpath, name))
    # fs.Walk visits in lexical order of full paths; directories and files interleave by name.
    out.sort()
    return ["./" + os.path.relpath(p, directory).replace(os.sep, "/") for p in out]


def _selector(target):
    if not isinstance(target, dict):
        return None
    keys = ("group", "version", "kind", "name", "namespace", "labelSelector", "annotationSelector")
    return {k: target[k] for k in keys if target.get(k)}


_MISSING = re.compile(r"open ([^\s':]+): no such file or directory|lstat ([^\s':]+): no such file or directory|"
                      r"must build at directory: not a valid directory: evalsymlink failure on '([^']+)'")


_REMOTE = re.compile(r"accumulating resources from '((?:https?://|git@|github\.com/|ssh://)[^']+)'")


def _kustomize(directory):
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0")
    try:
        return subprocess.run(["kubectl", "kustomize", "--load-restrictor=LoadRestrictionsNone", directory],
                              capture_output=True, text=True, timeout=300, env=env)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess([], 1, "", "kubectl kustomize timed out after 300 s")


def _drop_remote(url, tree, restore):
    """Remove the remote resource `url` from every kustomization file under `tree` listing it."""
    found = False
    for dirpath, _dirs, _files in os.walk(tree):
        kfile = kustomization_file(dirpath)
        if not kfile:
            continue
        with open(kfile, encoding="utf-8", errors="replace") as f:
            text = f.read()
        if url not in text:
            continue
        docs, errors = yaml_subset.load_all_lenient(text)
        if errors or len(docs) != 1 or not isinstance(docs[0], dict):
            continue
        entries = docs[0].get("resources") or []
        if url in entries:
            restore.setdefault(kfile, text)
            docs[0]["resources"] = [e for e in entries if e != url]
            with open(kfile, "w", encoding="utf-8") as f:
                json.dump(docs[0], f)
            found = True
    return found


def _missing_resource(stderr, tree):
    for m in _MISSING.finditer(stderr):
        p = next(g for g in m.groups() if g)
        p = p if os.path.isabs(p) else os.path.join(tree, p)
        if not os.path.exists(p):
            return os.path.normpath(p)
    return None


def _drop_resource(missing, tree, restore):
    """Remove `missing` from the `resources` of the kustomization file that lists it."""
    d = os.path.dirname(missing)
    while d.startswith(tree):
        kfile = kustomization_file(d)
        if kfile:
            with open(kfile, encoding="utf-8", errors="replace") as f:
                text = f.read()
            docs, errors = yaml_subset.load_all_lenient(text)
            if not errors and len(docs) == 1 and isinstance(docs[0], dict):
                kus = docs[0]
                entries = kus.get("resources") or []
                keep = [e for e in entries if not (isinstance(e, str) and os.path.normpath(os.path.join(d, e)) == missing)]
                if len(keep) != len(entries):
                    restore.setdefault(kfile, text)
                    kus["resources"] = keep
                    with open(kfile, "w", encoding="utf-8") as f:
                        json.dump(kus, f)
                    return True
        if d == tree:
            break
        d = os.path.dirname(d)
    return False


def build(tree, spec, missing_log=None):
    """The objects that a Flux Kustomization with `spec` applies from `tree`. Raises BuildError.
    Files listed but absent are left out (Flux would fail); their paths go to `missing_log`."""
    path = spec.get("path") or ""
    directory = os.path.normpath(os.path.join(tree, str(path).lstrip("/")))
    if not (directory == tree or directory.startswith(tree + os.sep)):
        raise BuildError(f"path {path!r} leaves the source")
    if not os.path.isdir(directory):
        raise BuildError(f"path {path!r} not found in the source")
    kfile = kustomization_file(directory)
    original = None
    if kfile:
        with open(kfile, encoding="utf-8", errors="replace") as f:
            original = f.read()
        docs, errors = yaml_subset.load_all_lenient(original)
        if errors or len(docs) != 1 or not isinstance(docs[0], dict):
            raise BuildError(f"{os.path.relpath(kfile, tree)}: the oracle cannot read it ({'; '.join(errors) or 'not one mapping'})")
        kus = docs[0]
    else:
        kfile = os.path.join(directory, "kustomization.yaml")
        kus = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
               "resources": _generated_resources(directory)}
    if spec.get("targetNamespace"):
        kus["namespace"] = spec["targetNamespace"]
    for p in spec.get("patches") or []:
        if isinstance(p, dict):
            entry = {"patch": p.get("patch")}
            sel = _selector(p.get("target"))
            if sel:
                entry["target"] = sel
            kus.setdefault("patches", []).append(entry)
    for p in spec.get("patchesStrategicMerge") or []:
        kus.setdefault("patchesStrategicMerge", []).append(json.dumps(p))
    for p in spec.get("patchesJson6902") or []:
        if isinstance(p, dict):
            kus.setdefault("patchesJson6902", []).append(
                {"patch": json.dumps(p.get("patch")), "target": _selector(p.get("target")) or {}})
    for c in spec.get("components") or []:
        if spec.get("ignoreMissingComponents") and not os.path.exists(os.path.join(directory, c)):
            continue
        kus.setdefault("components", []).append(c)
    restore = {kfile: original}
    dropped = []
    try:
        with open(kfile, "w", encoding="utf-8") as f:
            json.dump(kus, f)  # JSON is YAML; kustomize reads it
        while True:
            proc = _kustomize(directory)
            if proc.returncode == 0 or len(dropped) >= 50:
                break
            # A file listed but absent (a public copy of a repository without its encrypted
            # secrets): Flux would fail this build. Count what the rest applies, and say so.
            # A remote resource: the harness works offline, so it is left out the same way.
            remote = _REMOTE.search(proc.stderr)
            if remote and _drop_remote(remote.group(1), tree, restore):
                dropped.append(remote.group(1) + " (remote, not fetched)")
                continue
            missing = _missing_resource(proc.stderr, tree)
            if missing and _drop_resource(missing, tree, restore):
                dropped.append(os.path.relpath(missing, tree))
                continue
            break
    finally:
        for path, text in restore.items():
            if text is None:
                os.remove(path)
            else:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text)
    if proc.returncode != 0:
        message = proc.stderr.strip().replace(tree + "/", "")
        raise BuildError(f"kubectl kustomize {path}: {message[-600:]}")
    if dropped and missing_log is not None:
        missing_log.extend(dropped)
    docs, errors = yaml_subset.load_all_lenient(proc.stdout)
    if errors:
        raise BuildError(f"the oracle cannot read kustomize's output for {path}: {errors[0]}")
    return [d for d in docs if isinstance(d, dict)]


def patch_object(obj, patches, workdir):
    """`obj` after kustomize `patches` (with targets), as the Flux Operator applies its
    `kustomize.patches` to what it generates. Raises BuildError."""
    d = tempfile.mkdtemp(prefix="patch-", dir=workdir)
    try:
        with open(os.path.join(d, "object.yaml"), "w", encoding="utf-8") as f:
            json.dump(obj, f)
        with open(os.path.join(d, "kustomization.yaml"), "w", encoding="utf-8") as f:
            json.dump({"resources": ["object.yaml"],
                       "patches": [{"patch": p.get("patch"), "target": _selector(p.get("target")) or {}} for p in patches]}, f)
        proc = _kustomize(d)
        if proc.returncode != 0:
            raise BuildError(f"FluxInstance kustomize.patches: {proc.stderr.strip()[-300:]}")
        docs, errors = yaml_subset.load_all_lenient(proc.stdout)
        if errors or len(docs) != 1:
            raise BuildError("FluxInstance kustomize.patches: the oracle cannot read the patched root")
        return docs[0]
    finally:
        shutil.rmtree(d, ignore_errors=True)
