//! Compares strata's kustomize build with `kubectl kustomize` on every
//! kustomization directory of a repository checkout:
//!
//! ```text
//! cargo run -p strata-flux --example kustomize_vs_kubectl -- /path/to/repo [--docs]
//! ```
//!
//! For each directory it prints one line: `same` (the same objects by kind,
//! namespace and name; with `--docs`, the same documents too, a Secret's
//! values aside), `differ` with the ids only one side has, `refused` when
//! kubectl fails (and whether strata reported a finding there), `finding`
//! for a strata finding on a directory kubectl builds (a false finding), or
//! `skipped` for a Component. A summary line ends the output. Nothing is
//! written.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use strata_core::{RepoTree, SourceFile};
use strata_flux::flux_kinds::is_cluster_scoped;
use strata_flux::kustomize::build_directory;
use strata_flux::yaml::{Yaml, parse_documents};

type Id = (String, Option<String>, String);

fn id(kind: &str, namespace: Option<&str>, name: &str) -> Id {
    let namespace = (!is_cluster_scoped(kind))
        .then(|| namespace.map(str::to_string))
        .flatten();
    (kind.to_string(), namespace, name.to_string())
}

/// `value` with every object's keys sorted, so equal documents print the same.
fn sorted(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => {
            let mut entries: Vec<(String, serde_json::Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            serde_json::Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.into_iter().map(sorted).collect())
        }
        other => other,
    }
}

fn comparable(kind: &str, doc: &Yaml) -> serde_json::Value {
    let mut json = doc.to_json();
    if let Some(object) = json.as_object_mut() {
        if kind == "Secret"
            && let Some(data) = object.get_mut("data").and_then(|d| d.as_object_mut())
        {
            data.values_mut().for_each(|v| *v = serde_json::Value::Null);
        }
        if object
            .get("data")
            .and_then(|d| d.as_object())
            .is_some_and(|d| d.is_empty())
        {
            object.remove("data");
        }
        if is_cluster_scoped(kind)
            && let Some(metadata) = object.get_mut("metadata").and_then(|m| m.as_object_mut())
        {
            metadata.remove("namespace");
        }
    }
    sorted(json)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(root) = args.get(1) else {
        eprintln!("usage: kustomize_vs_kubectl REPO [--docs]");
        std::process::exit(2);
    };
    let docs = args.iter().any(|a| a == "--docs");
    let tree = RepoTree::scan(Path::new(root)).expect("a readable checkout");
    let dirs: Vec<String> = tree
        .files()
        .filter(|f| f.ends_with("kustomization.yaml") || f.ends_with("kustomization.yml"))
        .filter(|f| !f.contains("/.git/"))
        .map(|f| strata_core::parent_dir(f).to_string())
        .collect();
    let (mut same, mut differ, mut refused, mut refused_found, mut skipped) = (0, 0, 0, 0, 0);
    let mut false_findings = 0;
    for dir in &dirs {
        let (file, _) = tree.read(&format!("{dir}/kustomization.yaml"));
        let is_component = parse_documents(&file)
            .0
            .first()
            .and_then(|d| d.get("kind"))
            .and_then(Yaml::as_str)
            == Some("Component");
        if is_component {
            skipped += 1;
            println!("skipped  {dir} (Component)");
            continue;
        }
        let build = build_directory(&tree, dir);
        let output = Command::new("kubectl")
            .args(["kustomize", "--load-restrictor=LoadRestrictionsNone"])
            .arg(Path::new(root).join(dir))
            .output()
            .expect("kubectl on PATH");
        if !output.status.success() {
            refused += 1;
            let found = !build.diagnostics.is_empty();
            refused_found += usize::from(found);
            let reason = String::from_utf8_lossy(&output.stderr);
            let reason = reason
                .lines()
                .last()
                .unwrap_or("")
                .chars()
                .take(160)
                .collect::<String>();
            println!("refused  {dir} strata-finding={found} {reason}");
            continue;
        }
        if !build.diagnostics.is_empty() {
            // kubectl builds it: a finding of strata's here is false.
            false_findings += 1;
            for d in &build.diagnostics {
                println!("finding  {dir} {} {}", d.code, d.message);
            }
        }
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        let (documents, _) = parse_documents(&SourceFile::new("kubectl.yaml", text));
        let kubectl: BTreeSet<(Id, String)> = documents
            .iter()
            .filter(|d| !d.is_null())
            .map(|d| {
                let text = |p: &str| d.path(p).and_then(Yaml::as_str).unwrap_or("").to_string();
                let kind = text("kind");
                let namespace = d.path("metadata.namespace").and_then(Yaml::as_str);
                let doc = if docs {
                    comparable(&kind, d).to_string()
                } else {
                    String::new()
                };
                (id(&kind, namespace, &text("metadata.name")), doc)
            })
            .collect();
        let strata: BTreeSet<(Id, String)> = build
            .objects
            .iter()
            .map(|o| {
                let doc = if docs {
                    comparable(&o.kind, &o.doc).to_string()
                } else {
                    String::new()
                };
                (id(&o.kind, o.namespace.as_deref(), &o.name), doc)
            })
            .collect();
        if strata == kubectl {
            same += 1;
            println!("same     {dir} ({} objects)", strata.len());
        } else {
            differ += 1;
            let only = |a: &BTreeSet<(Id, String)>, b: &BTreeSet<(Id, String)>| {
                a.difference(b)
                    .map(|(id, _)| format!("{id:?}"))
                    .take(4)
                    .collect::<Vec<_>>()
            };
            println!(
                "differ   {dir} strata-only={:?} kubectl-only={:?}",
                only(&strata, &kubectl),
                only(&kubectl, &strata)
            );
            if std::env::var_os("SHOW_DOCS").is_some() {
                for (a, b) in strata.difference(&kubectl).zip(kubectl.difference(&strata)) {
                    println!("  strata:  {}\n  kubectl: {}", a.1, b.1);
                }
            }
        }
    }
    println!(
        "summary {root}: {} directories, {same} same, {differ} differ, {refused} refused by kubectl ({refused_found} with a strata finding), {false_findings} built by kubectl with a strata finding, {skipped} components",
        dirs.len()
    );
}
