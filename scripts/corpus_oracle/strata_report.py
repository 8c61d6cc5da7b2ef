"""What strata says about a checkout: its graph's Flux objects and hosts, and its lint findings.

Reads only strata's JSON output (`graph --format json`, `lint --format json`), never its code.
"""
import collections
import json
import re
import subprocess
import time

FLUX_KS_GROUP = "kustomize.toolkit.fluxcd.io/"


def run(strata, command, directory):
    """(parsed JSON or None, exit code, milliseconds, stderr tail)."""
    t0 = time.time()
    p = subprocess.run([strata, command, "--format", "json", "--eval", "static", directory],
                       capture_output=True, text=True)
    ms = int((time.time() - t0) * 1000)
    try:
        data = json.loads(p.stdout)
    except ValueError:
        data = None
    return data, p.returncode, ms, p.stderr.strip()[-300:]


def flux_ids(graph):
    """{cluster or "": {"ks": set, "hr": set}} from the graph's nodes.

    A node is a Flux Kustomization when its `kind` is Kustomization and its apiVersion (in
    `attrs`) is kustomize.toolkit.fluxcd.io/*; kustomize's own `Kustomization` files are not.
    """
    out = collections.defaultdict(lambda: {"ks": set(), "hr": set()})
    for n in (graph or {}).get("nodes", []):
        nid = n.get("id", "")
        attrs = n.get("attrs") or {}
        # A node applied in several clusters is one node: `clusters` lists them.
        clusters = n.get("clusters") or [n.get("cluster") or attrs.get("cluster") or ""]
        api = str(attrs.get("apiVersion", ""))
        for cluster in clusters:
            if nid.startswith("Kustomization/") and (api.startswith(FLUX_KS_GROUP) or not api):
                out[cluster]["ks"].add(nid)
            elif nid.startswith("HelmRelease/"):
                out[cluster]["hr"].add(nid)
    return out


def diagnostics_by_code(lint):
    """({code: count} for errors, {code: count} for warnings)."""
    errors, warnings = collections.Counter(), collections.Counter()
    for d in (lint or {}).get("diagnostics", []):
        if d.get("severity") == "error":
            errors[d.get("code")] += 1
        elif d.get("severity") == "warning":
            warnings[d.get("code")] += 1
    return errors, warnings


_BACKTICKED = re.compile(r"`[^`]*`")


def grouped(counter):
    """{reason class: count}, largest first."""
    out = collections.Counter()
    for reason, n in counter.items():
        out[reason_class(reason)] += n
    return out.most_common()


def reason_class(reason):
    """A reason with its particulars (names in backticks) blanked, so like reasons group."""
    return _BACKTICKED.sub("`…`", reason or "(no reason given)")


class HostFacts:
    def __init__(self):
        self.hosts = 0
        self.known = 0
        self.unknown = 0
        self.unset = 0
        self.reasons = collections.Counter()       # raw reason -> count
        self.opaque = collections.Counter()        # opaque-module reason -> count


def host_facts(graph):
    """Counts over every fact of every host node (`attrs.facts`): a fact is an object with a
    `state` (known / unknown / unset); an unknown one has a `reason`. Lists named `*_unknown`
    hold values strata could not read, each given by its reason (each counts as one unknown fact)."""
    hf = HostFacts()

    def walk(value, key=""):
        if isinstance(value, dict):
            if "state" in value and isinstance(value.get("state"), str):
                state = value["state"]
                if state == "known":
                    hf.known += 1
                elif state == "unknown":
                    hf.unknown += 1
                    hf.reasons[value.get("reason") or "(no reason given)"] += 1
                else:
                    hf.unset += 1
                return
            for k, v in value.items():
                if k == "opaque_modules":
                    for m in v or []:
                        hf.opaque[(m or {}).get("reason") or "(no reason given)"] += 1
                    continue
                if k == "location" or k == "imported_files":
                    continue
                if k.endswith("_unknown") and isinstance(v, list):
                    for item in v:
                        hf.unknown += 1
                        reason = item.get("reason") if isinstance(item, dict) else item if isinstance(item, str) else None
                        hf.reasons[reason or f"`{k}`: a value strata could not read"] += 1
                    continue
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)

    for n in (graph or {}).get("nodes", []):
        if n.get("id", "").startswith("host/"):
            hf.hosts += 1
            walk((n.get("attrs") or {}).get("facts") or {})
    return hf
