"""ResourceSet (`fluxcd.controlplane.io/v1`) expansion, as the Flux Operator renders it.

The operator renders `spec.resources` once per input set, with `<< inputs.NAME >>` templates.
Input sets come from `spec.inputs` and from ResourceSetInputProviders named in
`spec.inputsFrom`; with neither, the resources are rendered once. Only inputs known in the
repository are expanded: `spec.inputs` and `Static` providers (their `defaultValues`). Inputs
from any other provider (pull requests, OCI tags, ...) exist only in the cluster: those
ResourceSets are reported as dynamic, not counted. A rendered namespaced object without a
namespace lands in the ResourceSet's namespace.
"""
import re

_EXPR = re.compile(r"<<-?\s*(.*?)\s*-?>>")
_INPUT = re.compile(r"^inputs\.([\w.]+)(?:\s*\|\s*(quote|lower|upper|toString|default\s+\S+))?$")


class Dynamic(Exception):
    pass


def _lookup(inputs, dotted):
    v = inputs
    for part in dotted.split("."):
        if not isinstance(v, dict) or part not in v:
            raise Dynamic(f"input `{dotted}` not in its inputs")
        v = v[part]
    return v


def _render_string(s, inputs):
    if "<<" not in s:
        return s
    whole = _EXPR.fullmatch(s.strip())

    def one(expr):
        m = _INPUT.match(expr)
        if not m:
            raise Dynamic(f"template `<< {expr} >>` beyond the oracle")
        v = _lookup(inputs, m.group(1))
        f = m.group(2) or ""
        if f == "quote":
            return '"' + str(v) + '"'
        if f == "lower":
            return str(v).lower()
        if f == "upper":
            return str(v).upper()
        return v
    if whole:
        v = one(whole.group(1))
        return v  # a whole-string template keeps the input's type
    return _EXPR.sub(lambda m: str(one(m.group(1))), s)


def _render(node, inputs):
    if isinstance(node, dict):
        return {(_render_string(k, inputs) if isinstance(k, str) else k): _render(v, inputs) for k, v in node.items()}
    if isinstance(node, list):
        return [_render(v, inputs) for v in node]
    if isinstance(node, str):
        return _render_string(node, inputs)
    return node


def input_sets(rset, providers):
    """The input sets of a ResourceSet, or raise Dynamic. `providers`: {(ns, name): object}."""
    spec = rset.get("spec") or {}
    ns = (rset.get("metadata") or {}).get("namespace") or "default"
    sets = [dict(i) for i in spec.get("inputs") or [] if isinstance(i, dict)]
    for ref in spec.get("inputsFrom") or []:
        if not isinstance(ref, dict):
            continue
        if ref.get("selector") and not ref.get("name"):
            raise Dynamic("inputsFrom selects providers by label")
        provider = providers.get((ns, ref.get("name")))
        if provider is None:
            raise Dynamic(f"ResourceSetInputProvider `{ref.get('name')}` is not applied by the tree")
        pspec = provider.get("spec") or {}
        if pspec.get("type") != "Static":
            raise Dynamic(f"ResourceSetInputProvider `{ref.get('name')}` is of type {pspec.get('type')} (inputs come from the cluster)")
        sets.append(dict(pspec.get("defaultValues") or {}, id="static"))
    if not spec.get("inputs") and not spec.get("inputsFrom"):
        sets = [{}]
    return sets


def expand(rset, providers):
    """The objects a ResourceSet renders, or raise Dynamic."""
    spec = rset.get("spec") or {}
    ns = (rset.get("metadata") or {}).get("namespace") or "default"
    if spec.get("resourcesTemplate"):
        raise Dynamic("spec.resourcesTemplate is a Go template the oracle does not render")
    out = []
    for inputs in input_sets(rset, providers):
        for res in spec.get("resources") or []:
            if not isinstance(res, dict):
                continue
            obj = _render(res, inputs)
            meta = obj.setdefault("metadata", {})
            if isinstance(meta, dict) and not meta.get("namespace"):
                meta["namespace"] = ns
            out.append(obj)
    return out
