"""Flux's postBuild variable substitution (`${VAR}` forms of bash parameter expansion).

kustomize-controller runs it only when the Kustomization has at least one variable, skips
objects labelled or annotated `kustomize.toolkit.fluxcd.io/substitute: disabled`, and in its
default (non-strict) mode an unset variable becomes "". The oracle keeps `${VAR}` when the value
is unknown to it (a Secret it cannot decrypt, a ConfigMap it never saw), so the id shows that.
Supported: ${V}, ${V:-d}, ${V-d}, ${V:=d}, ${V=d}, ${V:+a}, ${V+a}, ${#V}, ${V^^}, ${V,,},
${V^}, ${V,}, ${V:pos:len}, ${V/a/b}, ${V//a/b}, nested defaults, and `$$` as a literal `$`.
"""


class Unknown(Exception):
    pass


def _find_close(s, i):
    """Index of the `}` closing the `${` whose body starts at i."""
    depth = 1
    while i < len(s):
        if s.startswith("${", i):
            depth += 1
            i += 2
            continue
        if s[i] == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def substitute(text, variables, unknown_names):
    """`text` with every ${...} expanded. `variables` maps names to values; a name in
    `unknown_names` (or any name, when it is True) has a value the oracle cannot know, and an
    expression needing it is kept."""
    out = []
    i = 0
    while i < len(text):
        if text.startswith("$$", i):
            out.append("$")
            i += 2
            continue
        if text.startswith("${", i):
            end = _find_close(text, i + 2)
            if end < 0:
                out.append(text[i:])
                break
            expr = text[i + 2:end]
            try:
                out.append(_expand(expr, variables, unknown_names))
            except Unknown:
                out.append(text[i:end + 1])
            i = end + 1
            continue
        out.append(text[i])
        i += 1
    return "".join(out)


def _expand(expr, variables, unknown_names):
    if expr.startswith("#"):
        return str(len(_value(expr[1:], variables, unknown_names) or ""))
    n = 0
    while n < len(expr) and (expr[n].isalnum() or expr[n] == "_"):
        n += 1
    name, op = expr[:n], expr[n:]
    if name not in variables and _unknown(name, unknown_names):
        # Even a default does not help: it applies only when the variable is unset.
        raise Unknown(name)
    value = variables.get(name)
    if op == "":
        return value if value is not None else ""
    for marker, empty_counts in ((":-", True), (":=", True), ("-", False), ("=", False)):
        if op.startswith(marker):
            default = substitute(op[len(marker):], variables, unknown_names)
            if value is None or (empty_counts and value == ""):
                if "=" in marker:
                    variables[name] = default
                return default
            return value
    for marker, empty_counts in ((":+", True), ("+", False)):
        if op.startswith(marker):
            alt = substitute(op[len(marker):], variables, unknown_names)
            if value is None or (empty_counts and value == ""):
                return ""
            return alt
    value = value or ""
    if op == "^^":
        return value.upper()
    if op == ",,":
        return value.lower()
    if op == "^":
        return value[:1].upper() + value[1:]
    if op == ",":
        return value[:1].lower() + value[1:]
    if op.startswith("//") or op.startswith("/"):
        every = op.startswith("//")
        body = op[2:] if every else op[1:]
        old, _, new = body.partition("/")
        return value.replace(old, new) if every else value.replace(old, new, 1)
    if op.startswith(":"):
        parts = op[1:].split(":")
        try:
            pos = int(parts[0])
            if len(parts) > 1:
                return value[pos:pos + int(parts[1])]
            return value[pos:]
        except ValueError:
            return value
    return value


def _value(name, variables, unknown_names):
    if name not in variables and _unknown(name, unknown_names):
        raise Unknown(name)
    return variables.get(name)


def _unknown(name, unknown_names):
    """`unknown_names` is a set of names, or True when any name may come from an unread source."""
    return unknown_names is True or name in unknown_names


def substitute_object(obj, variables, unknown_names):
    """A copy of a parsed object with substitution applied to every string (keys included)."""
    if isinstance(obj, dict):
        return {substitute(k, variables, unknown_names) if isinstance(k, str) else k:
                substitute_object(v, variables, unknown_names) for k, v in obj.items()}
    if isinstance(obj, list):
        return [substitute_object(v, variables, unknown_names) for v in obj]
    if isinstance(obj, str):
        return substitute(obj, variables, unknown_names)
    return obj


def disabled(obj):
    meta = obj.get("metadata") or {}
    key = "kustomize.toolkit.fluxcd.io/substitute"
    return (meta.get("labels") or {}).get(key) == "disabled" or (meta.get("annotations") or {}).get(key) == "disabled"
