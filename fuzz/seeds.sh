#!/usr/bin/env bash
# Writes the seed corpora, generated from the repository's test fixtures, to
# fuzz/corpus/TARGET/ (git-ignored; libFuzzer adds what it finds there too).
# Multi-file targets take their files joined with NUL bytes (fuzz/src/lib.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
fixtures=tests/fixtures
out=fuzz/corpus
mkdir -p "$out"/{yaml,kustomize,substitute,nix_eval}

# A seed named by its content's hash, so reruns do not duplicate seeds.
seed() { # target, then content on stdin
  local tmp
  tmp=$(mktemp)
  cat >"$tmp"
  mv "$tmp" "$out/$1/seed-$(sha1sum "$tmp" | cut -c1-16)"
}

while IFS= read -r -d '' f; do
  seed yaml <"$f"
  if grep -q '\${' "$f"; then
    { printf 'cluster=home\nDOMAIN=example.com\nSECRET_X?\n\0'; cat "$f"; } | seed substitute
  fi
done < <(find "$fixtures" -name '*.yaml' -print0 -o -name '*.yml' -print0)

while IFS= read -r -d '' f; do
  seed nix_eval <"$f"
done < <(find "$fixtures" -name '*.nix' -print0)

# One kustomize seed per kustomization: it, then up to four YAML files of its
# directory, in the order the fuzz target writes them (kustomize.rs).
while IFS= read -r -d '' k; do
  dir=$(dirname "$k")
  {
    cat "$k"
    find "$dir" -maxdepth 1 -name '*.yaml' ! -name kustomization.yaml | sort | head -4 |
      while IFS= read -r r; do printf '\0'; cat "$r"; done
  } | seed kustomize
done < <(find "$fixtures" -name kustomization.yaml -print0)

for t in yaml kustomize substitute nix_eval; do
  echo "fuzz/seeds.sh: $t: $(find "$out/$t" -type f | wc -l) seeds"
done
