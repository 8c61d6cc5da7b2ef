//! What exists before Flux: the files a bootstrap step applies by hand.
//!
//! Before Flux runs, a bootstrap (a helmfile, a justfile or Taskfile, a
//! shell script, or a NixOS module writing manifests) installs the charts
//! and applies the few manifests Flux itself needs: CRDs, the secrets its
//! sources decrypt with, a ClusterSecretStore. Those files are applied, just
//! not by Flux, so they are never "applied by nothing".

use std::collections::BTreeSet;

use rayon::prelude::*;

use strata_core::{Location, RepoTree, SourceFile, join_relative, parent_dir};

use crate::files::{YamlFiles, is_yaml_path};
use crate::yaml::Yaml;
use crate::yaml::parse_documents;

/// A Helm release a bootstrap helmfile installs before Flux runs: its CRDs
/// and objects exist before any Flux Kustomization applies.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct BootstrapRelease {
    /// The release name.
    pub name: String,
    /// The chart's name: the last segment of `chart:` when it is written
    /// plainly, else the release name (helmfile templates usually name the
    /// chart after the release).
    pub chart: String,
    /// The release namespace, when written.
    pub namespace: Option<String>,
    /// Where the release's name is written.
    pub location: Location,
}

/// Every release of every helmfile in the repository (a YAML tooling file
/// with a top-level `releases:` list).
pub(crate) fn bootstrap_releases(files: &YamlFiles<'_>, tree: &RepoTree) -> Vec<BootstrapRelease> {
    let mut documents: Vec<(String, Yaml)> = Vec::new();
    for (path, parsed) in files.iter().filter(|(path, _)| is_tooling(path)) {
        documents.extend(
            parsed
                .documents
                .iter()
                .map(|d| (path.to_string(), (**d).clone())),
        );
    }
    // A templated helmfile (`helmfile.yaml.gotmpl`) is YAML once its
    // template actions are blanked out, offsets unchanged.
    for path in tree.files().filter(|f| {
        f.ends_with(".gotmpl")
            && f.rsplit('/')
                .next()
                .is_some_and(|b| b.starts_with("helmfile"))
    }) {
        let (source, _) = tree.read(path);
        let blanked = SourceFile::new(path, blank_templates(source.text()));
        let (parsed, _) = parse_documents(&blanked);
        documents.extend(parsed.into_iter().map(|d| (path.to_string(), d)));
    }
    let mut releases = Vec::new();
    for (path, document) in &documents {
        {
            for release in document
                .get("releases")
                .map(Yaml::as_seq)
                .unwrap_or_default()
            {
                let text = |key: &str| release.get(key).and_then(Yaml::as_str);
                let Some(name_node) = release.get("name").filter(|n| n.as_str().is_some()) else {
                    continue;
                };
                let name = name_node.as_str().unwrap_or_default().to_string();
                let chart = text("chart")
                    .filter(|c| !c.contains("{{") && !c.contains(TEMPLATE))
                    .map(|c| {
                        c.trim_end_matches('/')
                            .rsplit('/')
                            .next()
                            .unwrap_or(c)
                            .to_string()
                    })
                    .unwrap_or_else(|| name.clone());
                releases.push(BootstrapRelease {
                    chart,
                    namespace: text("namespace").map(str::to_string),
                    location: Location::new(path.as_str(), name_node.span),
                    name,
                });
            }
        }
    }
    releases.sort();
    releases
}

/// What a template action becomes once blanked: a plain-scalar character
/// no chart name holds, so a templated `chart:` is recognised as unknown.
const TEMPLATE: char = '~';

/// `text` with every `{{ … }}` action replaced by filler of the same byte
/// length, and lines holding only actions emptied: YAML with the same
/// offsets.
fn blank_templates(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        let only_actions = trimmed.starts_with("{{") && trimmed.ends_with("}}");
        let mut rest = line;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let Some(end) = rest[start..].find("}}").map(|e| start + e + 2) else {
                break;
            };
            let filler = if only_actions { ' ' } else { TEMPLATE };
            out.extend(std::iter::repeat_n(filler, end - start));
            rest = &rest[end..];
        }
        out.push_str(rest);
    }
    out
}

/// Whether a file is a bootstrap tool's (a script, justfile, Makefile,
/// Taskfile, helmfile or Nix module) rather than a manifest.
fn is_tooling(path: &str) -> bool {
    let base = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let extension = base.rsplit_once('.').map(|(_, e)| e).unwrap_or_default();
    matches!(
        extension,
        "sh" | "bash" | "just" | "gotmpl" | "mk" | "nix" | "tpl"
    ) || matches!(base.as_str(), "justfile" | ".justfile" | "makefile")
        || (is_yaml_path(path)
            && (base.starts_with("helmfile")
                || base.starts_with("taskfile")
                || path.contains("/helmfile")
                || path.starts_with("helmfile")
                || path.starts_with(".taskfiles/")
                || path.contains("/.taskfiles/")))
}

/// The repository files and directories that bootstrap tooling names: every
/// path-like word of a tooling file that resolves, from that file's
/// directory or from the repository root, to a YAML file or a directory.
/// Template expressions in a path (`{{ .Release.Name }}`) match any one
/// directory name.
pub(crate) fn bootstrap_reads(tree: &RepoTree) -> BTreeSet<String> {
    let tooling: Vec<&str> = tree.files().filter(|f| is_tooling(f)).collect();
    // Each tool file on any thread; the set does not depend on the order.
    tooling
        .par_iter()
        .map(|file| {
            let mut reads = BTreeSet::new();
            let (source, _) = tree.read(file);
            for word in path_words(source.text()) {
                // A leading template (`{{ source_directory() }}/kustomize`)
                // usually stands for the tool file's own directory.
                let stripped = word.strip_prefix("*/").map(str::to_string);
                for word in std::iter::once(word).chain(stripped) {
                    for base in [parent_dir(file), ""] {
                        reads.extend(resolve(tree, base, &word));
                    }
                }
            }
            reads
        })
        .reduce(BTreeSet::new, |mut all, reads| {
            all.extend(reads);
            all
        })
}

/// The words of a text that look like relative paths (contain a `/` and
/// no URL scheme), with template expressions replaced by `*`.
fn path_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    // Templates may hold spaces: replace them before splitting.
    let mut flattened = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        flattened.push_str(&rest[..start]);
        match rest[start..].find("}}") {
            Some(end) => {
                flattened.push('*');
                rest = &rest[start + end + 2..];
            }
            None => {
                rest = "";
            }
        }
    }
    flattened.push_str(rest);
    for word in flattened.split(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '"' | '\'' | '=' | ',' | '(' | ')' | '[' | ']' | ';' | '`'
            )
    }) {
        let word = word.trim_end_matches(':');
        if word.contains('/') && !word.contains("://") && !word.contains('$') && word.len() < 512 {
            words.push(word.trim_start_matches("./").to_string());
        }
    }
    words
}

/// What `word` names from directory `base`: the file or directory itself,
/// or every match when it holds `*` segments.
fn resolve(tree: &RepoTree, base: &str, word: &str) -> Vec<String> {
    let Some(joined) = join_relative(base, word.trim_end_matches('/')) else {
        return Vec::new();
    };
    if joined.is_empty() {
        return Vec::new();
    }
    if !joined.contains('*') {
        let keep = (tree.is_file(&joined) && is_yaml_path(&joined)) || tree.is_dir(&joined);
        return if keep { vec![joined] } else { Vec::new() };
    }
    let pattern: Vec<&str> = joined.split('/').collect();
    // The part of `path` the pattern matches: its first segments.
    let matched = |path: &'_ str| -> Option<usize> {
        let mut end = 0;
        let mut segments = path.split('/');
        for (i, p) in pattern.iter().enumerate() {
            let segment = segments.next()?;
            if *p != "*" && *p != segment {
                return None;
            }
            end += segment.len() + usize::from(i > 0);
        }
        Some(end)
    };
    // Only files below the segments before the first `*` can match.
    let literal = pattern.iter().take_while(|p| **p != "*").count();
    let dir = pattern[..literal].join("/");
    let mut found = BTreeSet::new();
    for file in tree.files_under(&dir) {
        if let Some(end) = matched(file) {
            if end == file.len() && !is_yaml_path(file) {
                continue;
            }
            found.insert(&file[..end]);
        }
    }
    found.into_iter().map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_templated_path_names_a_directory_or_a_yaml_file_never_another_file() {
        let tree = RepoTree::from_files(
            std::path::Path::new("/nowhere"),
            [
                "kubernetes/apps/a/app/hr.yaml",
                "kubernetes/apps/b/app/hr.yaml",
                "kubernetes/apps/b/run.sh",
                "kubernetes/apps-old/c/app/hr.yaml",
            ]
            .map(String::from),
        );
        // A directory each app has: the directory, once.
        assert_eq!(
            resolve(&tree, "", "kubernetes/apps/*/app"),
            ["kubernetes/apps/a/app", "kubernetes/apps/b/app"]
        );
        // A segment matches whole names only (`apps` is not `apps-old`).
        assert_eq!(
            resolve(&tree, "", "kubernetes/*/c"),
            ["kubernetes/apps-old/c"]
        );
        // A file the pattern names whole is kept only when it is YAML.
        assert!(resolve(&tree, "", "kubernetes/apps/*/run.sh").is_empty());
        assert!(resolve(&tree, "", "kubernetes/apps/*/app/hr.yaml/x").is_empty());
    }

    #[test]
    fn templated_paths_match_any_directory() {
        let words = path_words(
            "args: [ --filename=../../kubernetes/apps/{{ .Release.Namespace }}/{{ .Release.Name }}/app/net.yaml ]",
        );
        assert_eq!(words, ["../../kubernetes/apps/*/*/app/net.yaml"]);
        let tree = RepoTree::from_files(
            std::path::Path::new("/nowhere"),
            [
                "bootstrap/helmfile/apps.yaml",
                "kubernetes/apps/kube-system/cilium/app/net.yaml",
                "kubernetes/apps/kube-system/cilium/app/hr.yaml",
            ]
            .map(String::from),
        );
        assert_eq!(
            resolve(&tree, "bootstrap/helmfile", &words[0]),
            ["kubernetes/apps/kube-system/cilium/app/net.yaml"]
        );
    }

    #[test]
    fn templated_helmfiles_read_as_yaml_with_their_offsets() {
        let text = "{{- $root := env \"ROOT\" }}\nreleases:\n  - name: cert-manager\n    chart: {{ $cm.spec.url }}\n";
        let blanked = blank_templates(text);
        assert_eq!(blanked.len(), text.len());
        let (docs, diagnostics) =
            parse_documents(&SourceFile::new("helmfile.yaml.gotmpl", blanked));
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let release = &docs[0].get("releases").unwrap().as_seq()[0];
        assert_eq!(
            release.get("name").and_then(Yaml::as_str),
            Some("cert-manager")
        );
        assert!(
            release
                .get("chart")
                .and_then(Yaml::as_str)
                .unwrap()
                .contains(TEMPLATE)
        );
    }

    #[test]
    fn tooling_is_scripts_and_tool_files_not_manifests() {
        assert!(is_tooling("bootstrap/helmfile.d/00-crds.yaml"));
        assert!(is_tooling(".justfile"));
        assert!(is_tooling("scripts/bootstrap.sh"));
        assert!(is_tooling("modules/k3s/flux.nix"));
        assert!(!is_tooling("kubernetes/apps/ks.yaml"));
    }
}
