//! `NIX004` module-unused: the rule, its documentation and its tests.

use std::collections::BTreeSet;

use strata_core::{Code, Diagnostic, Location, NodeId, Span};

use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// A `.nix` file of the flake that no host imports and no Nix code
    /// refers to: it is in no host's module list (followed through
    /// `imports`), nothing `import`s it, no path literal names it or its
    /// directory, and evaluating the flake never reads it.
    ///
    /// Only files in a top-level directory that hosts import modules from
    /// (`modules/`, `hosts/`, …) are candidates: `nix/` helpers, `pkgs/`,
    /// `overlays/` are other kinds of Nix code. Not reported either:
    /// `flake.nix`; a root `default.nix` or `shell.nix`
    /// (flake-compat, `nix-shell`); files of a nested flake; files with
    /// syntax errors; and nothing at all when some host's `imports` cannot be
    /// read statically or evaluation hit its limit, since the unread imports
    /// could name any file. Files under a directory named by a path literal
    /// without a `default.nix` (`readDir ./hosts`, `listFilesRecursive
    /// ./modules`) count as used.
    ///
    /// ## Why
    /// A module nobody imports is dead configuration that reads as live: a
    /// reviewer assumes `modules/monitoring.nix` runs on the nodes when it
    /// was dropped from `modules/default.nix` long ago, and fixes to it never
    /// deploy.
    ///
    /// ## Example
    /// ```nix
    /// # modules/default.nix
    /// { imports = [ ./common.nix ./k3s.nix ]; }   # ./node-exporter.nix is never imported
    /// ```
    /// Import the file where it belongs, or delete it.
    code: ModuleUnused,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let nix = cx.nix;
    if !nix.files.iter().any(|f| f.path == "flake.nix") || nix.hosts.is_empty() {
        return;
    }
    let unreadable_imports = nix.hosts.iter().any(|h| {
        h.opaque_modules
            .iter()
            .any(|m| m.reason.starts_with("`imports`"))
    });
    let limited = nix.diagnostics.iter().any(|d| d.code == Code::NixEvalLimit);
    if unreadable_imports || limited {
        return;
    }
    let all: BTreeSet<&str> = nix.files.iter().map(|f| f.path.as_str()).collect();
    let mut used: BTreeSet<&str> = BTreeSet::new();
    used.extend(nix.evaluated_files.iter().map(String::as_str));
    for host in &nix.hosts {
        used.extend(host.imported_files.iter().map(String::as_str));
    }
    for file in &nix.files {
        used.extend(file.imports.iter().map(|i| i.target.as_str()));
        for reference in &file.references {
            if all.contains(reference.as_str()) {
                used.insert(reference);
                continue;
            }
            // A directory: Nix reads its `default.nix`; without one, the
            // code lists it (`readDir`), so all of it counts as used. A
            // file naming its own directory (`discover ./.`) lists it too.
            let default = format!("{reference}/default.nix");
            let own_directory = strata_core::parent_dir(&file.path) == reference.as_str();
            if let Some(d) = all.get(default.as_str()).filter(|_| !own_directory) {
                used.insert(d);
            } else {
                let prefix = format!("{reference}/");
                used.extend(all.iter().filter(|f| f.starts_with(&prefix)));
            }
        }
    }
    let nested_flakes: Vec<String> = nix
        .files
        .iter()
        .filter(|f| f.path.ends_with("/flake.nix"))
        .map(|f| format!("{}/", strata_core::parent_dir(&f.path)))
        .collect();
    // Only the directories hosts take modules from are module trees: `nix/`
    // helpers, `pkgs/`, `overlays/` or test data are other Nix code.
    let top = |p: &str| p.split_once('/').map_or("", |(t, _)| t).to_string();
    let module_roots: BTreeSet<String> = nix
        .hosts
        .iter()
        .flat_map(|h| h.imported_files.iter().map(|f| top(f)))
        .collect();
    for file in &nix.files {
        let path = file.path.as_str();
        if !module_roots.contains(&top(path))
            || used.contains(path)
            || !file.parses
            || matches!(path, "flake.nix" | "default.nix" | "shell.nix")
            || nested_flakes.iter().any(|d| path.starts_with(d.as_str()))
        {
            continue;
        }
        out.push(
            Diagnostic::new(
                Code::ModuleUnused,
                format!("`{path}` is imported by no host and referenced by no Nix code"),
            )
            .at(Location::new(path, Span::at(0)))
            .on(NodeId::file(path))
            .help("add it to a host's `imports` (or a shared module list), or delete it"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_on_the_module_nobody_imports() {
        let analysis = analyze_fixture("nix-module-unused");
        assert_fires_at(
            &analysis,
            Code::ModuleUnused,
            &["modules/node-exporter.nix:1:1"],
        );
    }

    #[test]
    fn silent_when_every_module_is_imported_or_referenced() {
        assert_clean(
            &analyze_fixture("nix-module-unused-clean"),
            Code::ModuleUnused,
        );
    }
}
