"""A YAML reader for the subset that Kubernetes manifests, kustomize output and Helm values use.

The harness must run with the Python standard library alone, so it cannot import PyYAML.
Supported: several documents, block mappings and sequences (also `- key: v` items and sequences
at their key's indentation), plain / single / double quoted scalars (also over several lines),
block scalars (`|`, `>`, chomping and indentation indicators), flow collections, anchors,
aliases, `<<` merge keys, tags (ignored) and comments. A document that cannot be read raises
YamlError; `load_all_lenient` skips it instead.
"""
import json
import re


class YamlError(ValueError):
    pass


_INT = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")


def _plain(text):
    """The value of a plain scalar (YAML 1.2 core schema, with 1.1 booleans that Kubernetes keeps as strings)."""
    if text in ("", "~", "null", "Null", "NULL"):
        return None
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    if re.match(r"^0[0-7]+$", text):
        return int(text, 8)
    if _INT.match(text):
        return int(text.replace("_", ""))
    if _FLOAT.match(text) and any(c.isdigit() for c in text):
        try:
            return float(text.replace("_", ""))
        except ValueError:
            return text
    return text


def _strip_comment(text):
    """`text` without a trailing ` # comment` (outside quotes)."""
    quote = None
    for i, c in enumerate(text):
        if quote:
            if c == quote:
                if quote == "'" and i + 1 < len(text) and text[i + 1] == "'":
                    continue
                quote = None
            elif c == "\\" and quote == '"':
                continue
        elif c in "'\"" and (i == 0 or text[i - 1] in " \t[{,:"):
            quote = c
        elif c == "#" and (i == 0 or text[i - 1] in " \t"):
            return text[:i].rstrip()
    return text.rstrip()


def _unescape_double(body):
    out = []
    i = 0
    simple = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", '"': '"', "\\": "\\", "/": "/", " ": " ",
              "a": "\a", "b": "\b", "e": "\x1b", "f": "\f", "v": "\v", "N": "\x85", "_": "\xa0"}
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            n = body[i + 1]
            if n in simple:
                out.append(simple[n])
                i += 2
                continue
            width = {"x": 2, "u": 4, "U": 8}.get(n)
            if width:
                out.append(chr(int(body[i + 2:i + 2 + width], 16)))
                i += 2 + width
                continue
        out.append(c)
        i += 1
    return "".join(out)


def _fold_quoted(lines):
    """Join the physical lines of a multi-line quoted scalar as YAML folds them."""
    out = ""
    blank = 0
    for n, line in enumerate(lines):
        if len(lines) == 1:
            return line
        s = line.strip() if 0 < n < len(lines) - 1 else (line.rstrip(" \t") if n == 0 else line.lstrip(" \t"))
        if n == 0:
            out = s
            continue
        if s == "" and n < len(lines) - 1:
            blank += 1
            continue
        out += ("\n" * blank) if blank else " "
        blank = 0
        out += s
    return out


def _key_colon(text):
    """Index of the `:` that ends a mapping key in `text`, or -1."""
    quote = None
    depth = 0
    for i, c in enumerate(text):
        if quote:
            if c == quote:
                quote = None
            elif c == "\\" and quote == '"':
                pass
            continue
        if c in "'\"" and (i == 0 or text[i - 1] in " \t[{,"):
            quote = c
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        elif c == "#" and (i == 0 or text[i - 1] in " \t"):
            return -1
        elif c == ":" and depth <= 0 and (i + 1 == len(text) or text[i + 1] in " \t"):
            return i
    return -1


class _Flow:
    """Parser of one flow collection (`[...]` / `{...}`) or flow scalar."""

    def __init__(self, text, anchors):
        self.s = text
        self.i = 0
        self.anchors = anchors

    def ws(self):
        while self.i < len(self.s) and self.s[self.i] in " \t\n\r":
            self.i += 1
        if self.i < len(self.s) and self.s[self.i] == "#" :
            while self.i < len(self.s) and self.s[self.i] != "\n":
                self.i += 1
            self.ws()

    def value(self):
        self.ws()
        s = self.s
        anchor = None
        while self.i < len(s) and s[self.i] in "&!":
            m = re.compile(r"[&!][^\s,\[\]{}]*").match(s, self.i)
            if s[self.i] == "&":
                anchor = m.group(0)[1:]
            self.i = m.end()
            self.ws()
        if self.i >= len(s):
            return None
        c = s[self.i]
        if c == "[":
            self.i += 1
            out = []
            while True:
                self.ws()
                if self.i >= len(s):
                    raise YamlError("unclosed flow sequence")
                if s[self.i] == "]":
                    self.i += 1
                    break
                item = self.value()
                self.ws()
                if self.i < len(s) and s[self.i] == ":":
                    self.i += 1
                    item = {item: self.value()}
                    self.ws()
                out.append(item)
                if self.i < len(s) and s[self.i] == ",":
                    self.i += 1
        elif c == "{":
            self.i += 1
            out = {}
            while True:
                self.ws()
                if self.i >= len(s):
                    raise YamlError("unclosed flow mapping")
                if s[self.i] == "}":
                    self.i += 1
                    break
                key = self.value()
                self.ws()
                val = None
                if self.i < len(s) and s[self.i] == ":":
                    self.i += 1
                    val = self.value()
                    self.ws()
                out[_hashable(key)] = val
                if self.i < len(s) and s[self.i] == ",":
                    self.i += 1
        elif c == "*":
            m = re.compile(r"\*([^\s,\[\]{}]+)").match(s, self.i)
            self.i = m.end()
            out = self.anchors.get(m.group(1))
        elif c == '"':
            j = self.i + 1
            while j < len(s) and s[j] != '"':
                j += 2 if s[j] == "\\" else 1
            if j >= len(s):
                raise YamlError("unclosed double quote")
            out = _unescape_double(_fold_quoted(s[self.i + 1:j].split("\n")))
            self.i = j + 1
        elif c == "'":
            j = self.i + 1
            while True:
                j = s.find("'", j)
                if j < 0:
                    raise YamlError("unclosed single quote")
                if j + 1 < len(s) and s[j + 1] == "'":
                    j += 2
                    continue
                break
            out = _fold_quoted(s[self.i + 1:j].split("\n")).replace("''", "'")
            self.i = j + 1
        else:
            j = self.i
            while j < len(s) and s[j] not in ",]}\n" and not (s[j] == ":" and (j + 1 == len(s) or s[j + 1] in " ,]}")) \
                    and not (s[j] == "#" and s[j - 1] in " \t"):
                j += 1
            out = _plain(s[self.i:j].strip())
            self.i = j
        if anchor:
            self.anchors[anchor] = out
        return out


def _hashable(key):
    if isinstance(key, (dict, list)):
        return json.dumps(key, sort_keys=True)
    return key


class _Document:
    def __init__(self, lines):
        # Each line: [indent, text] with text stripped of the indentation; tabs count as content.
        self.lines = []
        for raw in lines:
            stripped = raw.lstrip(" ")
            self.lines.append([len(raw) - len(stripped), stripped.rstrip("\r")])
        self.raw = lines
        self.i = 0
        self.anchors = {}

    def skip_blank(self):
        while self.i < len(self.lines):
            text = self.lines[self.i][1].strip()
            if text == "" or text.startswith("#"):
                self.i += 1
            else:
                break

    def parse(self):
        self.skip_blank()
        if self.i >= len(self.lines):
            return None
        value = self.block(self.lines[self.i][0])
        self.skip_blank()
        if self.i < len(self.lines):
            raise YamlError(f"unexpected content at document line {self.i + 1}: {self.lines[self.i][1][:40]!r}")
        return value

    def block(self, indent):
        """The node starting at the current line, whose indentation is `indent`."""
        self.skip_blank()
        if self.i >= len(self.lines):
            return None
        ind, text = self.lines[self.i]
        if text == "-" or text.startswith("- ") or text.startswith("-\t"):
            return self.sequence(ind)
        if _key_colon(text) >= 0 and not text.startswith(("[", "{")) and not text.startswith(("|", ">")):
            return self.mapping(ind)
        return self.scalar_lines(indent - 1, text, ind)

    def sequence(self, indent):
        out = []
        while True:
            self.skip_blank()
            if self.i >= len(self.lines):
                break
            ind, text = self.lines[self.i]
            if ind != indent or not (text == "-" or text.startswith("- ") or text.startswith("-\t")):
                break
            rest = text[1:]
            body = rest.lstrip(" \t")
            if body == "" or body.startswith("#"):
                self.i += 1
                self.skip_blank()
                if self.i < len(self.lines) and self.lines[self.i][0] > indent:
                    out.append(self.block(self.lines[self.i][0]))
                else:
                    out.append(None)
                continue
            # Re-read the rest of the line as a node at its own column.
            col = indent + 1 + (len(rest) - len(body))
            self.lines[self.i] = [col, body]
            out.append(self.node_at(col, indent))
        return out

    def node_at(self, col, parent_indent):
        """A node whose first line is the current (virtual) line at column `col`."""
        text = self.lines[self.i][1]
        anchor, text = self.properties(text)
        if anchor is not None or text != self.lines[self.i][1]:
            if text == "" or text.startswith("#"):
                self.i += 1
                self.skip_blank()
                value = None
                if self.i < len(self.lines) and self.lines[self.i][0] > parent_indent:
                    value = self.block(self.lines[self.i][0])
                if anchor:
                    self.anchors[anchor] = value
                return value
            self.lines[self.i] = [col, text]
        if text.startswith("- ") or text == "-":
            value = self.sequence(col)
        elif _key_colon(text) >= 0 and not text.startswith(("[", "{", "|", ">", '"', "'")) or \
                (text.startswith(('"', "'")) and _key_colon(text) >= 0 and _quoted_key_end(text)):
            value = self.mapping(col)
        else:
            value = self.scalar_lines(parent_indent, text, col)
        if anchor:
            self.anchors[anchor] = value
        return value

    def properties(self, text):
        """Strip a leading anchor and/or tag; return (anchor, rest)."""
        anchor = None
        while True:
            m = re.match(r"([&!][^\s]*)\s*", text)
            if not m or text.startswith("!=") :
                return anchor, text
            if text[0] == "&":
                anchor = m.group(1)[1:]
            text = text[m.end():]

    def mapping(self, indent):
        out = {}
        while True:
            self.skip_blank()
            if self.i >= len(self.lines):
                break
            ind, text = self.lines[self.i]
            if ind != indent or text.startswith("- ") or text == "-":
                break
            colon = _key_colon(text)
            if colon < 0:
                raise YamlError(f"expected a mapping key at document line {self.i + 1}: {text[:40]!r}")
            key_text = text[:colon].strip()
            if key_text.startswith("? "):
                key_text = key_text[2:].strip()
            if key_text.startswith(("'", '"', "[", "{", "*")):
                key = _Flow(key_text, self.anchors).value()
            else:
                key = _plain(key_text) if key_text else None
            rest = text[colon + 1:].strip()
            anchor, rest = self.properties(rest)
            if rest == "" or rest.startswith("#"):
                self.i += 1
                self.skip_blank()
                value = None
                if self.i < len(self.lines):
                    nind, ntext = self.lines[self.i]
                    if nind > indent or (nind == indent and (ntext.startswith("- ") or ntext == "-")):
                        value = self.block(nind)
            else:
                self.lines[self.i] = [ind, rest]
                value = self.scalar_lines(indent, rest, ind)
            if anchor:
                self.anchors[anchor] = value
            if key == "<<":
                for m in (value if isinstance(value, list) else [value]):
                    if isinstance(m, dict):
                        for k, v in m.items():
                            out.setdefault(k, v)
                continue
            out[_hashable(key)] = value
        return out

    def scalar_lines(self, parent_indent, text, col):
        """A scalar or flow collection starting with `text` on the current line; consumes its lines."""
        if text.startswith(("|", ">")):
            return self.block_scalar(parent_indent, text)
        if text.startswith("*"):
            self.i += 1
            return self.anchors.get(_strip_comment(text)[1:].strip())
        if text.startswith(("[", "{", '"', "'")):
            # Gather the lines of the flow node (brackets balanced, quotes closed), parse once.
            start = self.i
            count = _flow_extent([text] + self.raw[self.i + 1:])
            if count is None:
                raise YamlError(f"unterminated flow node from document line {start + 1}")
            buf = "\n".join([text] + self.raw[self.i + 1:self.i + count])
            self.i += count
            return _Flow(buf, self.anchors).value()
        # Plain scalar, maybe continued on more-indented lines.
        parts = [_strip_comment(text)]
        self.i += 1
        while self.i < len(self.lines):
            ind, nxt = self.lines[self.i]
            if nxt.strip() == "":
                parts.append("")
                self.i += 1
                continue
            if ind <= parent_indent or nxt.lstrip().startswith("#") or _key_colon(nxt) >= 0 or \
                    nxt.startswith("- ") and ind <= col:
                break
            parts.append(_strip_comment(nxt.strip()))
            self.i += 1
        while parts and parts[-1] == "":
            parts.pop()
        if len(parts) == 1:
            return _plain(parts[0])
        out = parts[0]
        for p in parts[1:]:
            out += "\n" if p == "" else (" " if not out.endswith("\n") else "") + p
        return out

    def block_scalar(self, parent_indent, header):
        m = re.match(r"([|>])([-+]?)([1-9]?)([-+]?)\s*(#.*)?$", header)
        if not m:
            raise YamlError(f"bad block scalar header {header!r}")
        style, chomp, explicit = m.group(1), m.group(2) or m.group(4), m.group(3)
        self.i += 1
        body = []
        content_indent = parent_indent + int(explicit) if explicit else None
        while self.i < len(self.raw):
            raw = self.raw[self.i].rstrip("\r")
            if raw.strip() == "":
                keep = content_indent is not None and len(raw) > content_indent
                body.append(raw[content_indent:] if keep else "")
                self.i += 1
                continue
            ind = len(raw) - len(raw.lstrip(" "))
            if content_indent is None:
                if ind <= parent_indent:
                    break
                content_indent = ind
            if ind < content_indent:
                break
            body.append(raw[content_indent:])
            self.i += 1
        trailing = 0
        while body and body[-1].strip() == "" and (body[-1] == "" or style == ">"):
            body.pop()
            trailing += 1
        if style == "|":
            text = "\n".join(body)
        else:
            text = ""
            for n, line in enumerate(body):
                if n == 0:
                    text = line
                elif line == "" or line.startswith((" ", "\t")) or body[n - 1].startswith((" ", "\t")):
                    text += "\n" + line
                elif body[n - 1] == "":
                    text += line
                else:
                    text += " " + line
        if not body:
            return ""
        if chomp == "-":
            return text
        if chomp == "+":
            return text + "\n" * (trailing + 1)
        return text + "\n"


def _flow_extent(lines):
    """How many of `lines` the flow node starting at lines[0] spans, or None if it never ends."""
    depth = 0
    quote = None
    for n, line in enumerate(lines):
        i = 0
        while i < len(line):
            c = line[i]
            if quote:
                if quote == '"' and c == "\\":
                    i += 2
                    continue
                if c == quote:
                    if quote == "'" and line[i + 1:i + 2] == "'":
                        i += 2
                        continue
                    quote = None
                    if depth == 0:
                        return n + 1
            elif c in "'\"" and (i == 0 or line[i - 1] in " \t[{,:"):
                quote = c
            elif c in "[{":
                depth += 1
            elif c in "]}":
                depth -= 1
                if depth == 0:
                    return n + 1
            elif c == "#" and (i == 0 or line[i - 1] in " \t"):
                break
            i += 1
    return None


def _quoted_key_end(text):
    q = text[0]
    j = text.find(q, 1)
    return j > 0 and text[j + 1:].lstrip().startswith(":")


_DOC_START = re.compile(r"^---(\s.*)?$")


def split_documents(text):
    """The documents of a YAML stream, as lists of lines."""
    docs, cur = [], []
    for line in text.split("\n"):
        if _DOC_START.match(line):
            docs.append(cur)
            rest = line[3:].strip()
            cur = [rest] if rest and not rest.startswith("#") else []
        elif line.startswith("...") and line.strip() == "...":
            docs.append(cur)
            cur = []
        elif line.startswith("%") and not cur:
            continue
        else:
            cur.append(line)
    docs.append(cur)
    return docs


def load_all(text):
    """Every non-empty document of `text`; raises YamlError on a document it cannot read."""
    out = []
    for lines in split_documents(text):
        value = _Document(lines).parse()
        if value is not None:
            out.append(value)
    return out


def load_all_lenient(text):
    """(documents, errors): the documents it can read, and one message per document it cannot."""
    out, errors = [], []
    for n, lines in enumerate(split_documents(text)):
        try:
            value = _Document(lines).parse()
        except (YamlError, IndexError, AttributeError, ValueError, TypeError, KeyError, RecursionError) as e:
            errors.append(f"document {n + 1}: {e}")
            continue
        if value is not None:
            out.append(value)
    return out, errors
