"""gitignore-format exclusion, as source-controller applies `.sourceignore` files and `spec.ignore`.

source-controller uses go-git's matcher: the patterns are read in order and the last one that
matches a path decides (a `!pattern` re-includes). A pattern matches a path when it matches the
path itself or one of its parent directories. A pattern with a slash before its end is anchored
to the directory of the file that holds it; one without matches at any depth.
"""
import re

# source-controller's default exclusions for GitRepository artifacts (when spec.ignore is unset).
GIT_DEFAULT_EXCLUDES = """
.git/
.gitignore
.gitmodules
.gitattributes
*.jpg
*.jpeg
*.gif
*.png
*.wmv
*.flv
*.tar.gz
*.zip
.github/
.circleci/
.travis.yml
.gitlab-ci.yml
appveyor.yml
.drone.yml
cloudbuild.yaml
codeship-services.yml
codeship-steps.yml
**/.goreleaser.yml
**/.sops.yaml
**/.flux.yaml
"""


def _glob_to_regex(glob):
    out = ""
    i = 0
    while i < len(glob):
        c = glob[i]
        if glob.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
            continue
        if glob.startswith("/**", i) and i + 3 == len(glob):
            out += "/.*"
            i += 3
            continue
        if glob.startswith("**", i):
            out += ".*"
            i += 2
            continue
        if c == "*":
            out += "[^/]*"
        elif c == "?":
            out += "[^/]"
        elif c == "[":
            j = glob.find("]", i + 1)
            if j < 0:
                out += re.escape(c)
            else:
                body = glob[i + 1:j]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out += "[" + body + "]"
                i = j
        elif c == "\\" and i + 1 < len(glob):
            out += re.escape(glob[i + 1])
            i += 1
        else:
            out += re.escape(c)
        i += 1
    return out


class Pattern:
    def __init__(self, line, base=""):
        self.negate = line.startswith("!")
        if self.negate:
            line = line[1:]
        self.dir_only = line.endswith("/")
        line = line.rstrip("/")
        anchored = "/" in line
        line = line.lstrip("/")
        prefix = (base.strip("/") + "/") if base.strip("/") else ""
        body = _glob_to_regex(line)
        self.regex = re.compile(("^" + re.escape(prefix) if anchored or prefix else "^(?:.*/)?") +
                                ("" if anchored or not prefix else "(?:.*/)?") + body + "$")

    def matches(self, path, is_dir):
        """Does the pattern match `path` or one of its parent directories?"""
        parts = path.split("/")
        for n in range(1, len(parts) + 1):
            candidate = "/".join(parts[:n])
            candidate_is_dir = n < len(parts) or is_dir
            if self.dir_only and not candidate_is_dir:
                continue
            if self.regex.match(candidate):
                return True
        return False


def parse(text, base=""):
    patterns = []
    for line in text.splitlines():
        line = line.rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        patterns.append(Pattern(line.strip(), base))
    return patterns


def excluded(patterns, path, is_dir=False):
    """Is `path` (relative, with `/`) excluded by `patterns`? The last matching pattern decides."""
    for p in reversed(patterns):
        if p.matches(path, is_dir):
            return not p.negate
    return False
