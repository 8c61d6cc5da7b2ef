//! Reads a Nix flake statically: every `.nix` file and its literal imports,
//! the flake's inputs and lock, and the hosts it declares with their facts
//! (hostname, deploy target, addresses, k3s settings).
//!
//! Nothing here starts a process: [`eval`] is a small lazy evaluator that
//! follows Nix's semantics for what homelab flakes are written in and reports
//! everything else as explicitly unknown. Reading never fails and never
//! panics; problems become [`Diagnostic`]s (NIX001 syntax, NIX002 missing
//! import, NIX003 evaluation limit) next to whatever could be read.
//!
//! ```no_run
//! let tree = strata_core::RepoTree::scan(std::path::Path::new(".")).unwrap();
//! let repo = strata_nix::load(&tree);
//! for host in &repo.hosts {
//!     println!("{} {:?}", host.name, host.target_host.known());
//! }
//! ```

pub mod eval;
pub mod evaluate;
mod facts;
pub mod files;
pub mod flake;
mod hosts;
mod syntax;

use std::collections::BTreeMap;

use strata_core::{Diagnostic, RepoTree, SourceDb, SourceFile};

pub use eval::OpaqueModule;
pub use facts::{
    DeployProfile, DeployRsFacts, Fact, FirewallFacts, HostFacts, HostSource, InterfaceAddress,
    K3sFacts, PortRange, SopsFacts, SopsSecret, TokenSource,
};
pub use files::{Import, ImportKind, NixFile};
pub use flake::{FlakeInput, FlakeLock, LockOrphan};

/// Everything read from the Nix side of a repository.
#[derive(Debug, Default, Clone)]
pub struct NixRepo {
    /// Every `.nix` file, sorted by path, with its literal imports.
    pub files: Vec<NixFile>,
    /// The flake's inputs, sorted by name (empty without `flake.nix`).
    pub inputs: Vec<FlakeInput>,
    /// `flake.lock`, when it exists and parses.
    pub lock: Option<FlakeLock>,
    /// The hosts the flake declares, sorted by name.
    pub hosts: Vec<HostFacts>,
    /// Every repository file the evaluator read while reading the flake and
    /// its hosts (imported, or read with `readFile`), sorted.
    pub evaluated_files: Vec<String>,
    /// Every file read: the `.nix` files, `flake.lock`, and anything imported.
    pub sources: SourceDb,
    /// Findings, sorted in the contract's order.
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads the Nix side of a repository. Never fails: problems are diagnostics.
pub fn load(tree: &RepoTree) -> NixRepo {
    load_with(tree, eval::Limits::default())
}

/// [`load`] with explicit evaluation limits.
pub fn load_with(tree: &RepoTree, limits: eval::Limits) -> NixRepo {
    eval::with_big_stack(|| load_inner(tree, limits))
}

fn load_inner(tree: &RepoTree, limits: eval::Limits) -> NixRepo {
    let mut repo = NixRepo::default();
    let mut parsed = BTreeMap::new();
    for path in tree.files().filter(|p| p.ends_with(".nix")) {
        let (source, diag) = tree.read(path);
        repo.diagnostics.extend(diag);
        let file = files::ParsedFile::parse(repo.sources.insert(source));
        repo.diagnostics.extend(file.syntax_diagnostics());
        parsed.insert(path.to_string(), file);
    }
    for (path, file) in &parsed {
        let imports = files::collect_imports(tree, file, &mut repo.diagnostics);
        repo.files.push(NixFile {
            path: path.clone(),
            parses: !file.has_errors(),
            imports,
            references: files::collect_references(tree, file),
            secret_values: files::collect_secret_values(file),
        });
    }

    if tree.is_file("flake.nix") {
        let parsed_for_usage = parsed.clone();
        let mut ev = eval::Evaluator::new(Some(tree), parsed, limits);
        let flake = ev.import_file("flake.nix", None);
        repo.inputs = flake::read_inputs(&mut ev, &flake);
        flake::mark_used(&parsed_for_usage, &mut repo.inputs);
        if tree.is_file("flake.lock") {
            let (lock, diag) = tree.read("flake.lock");
            repo.diagnostics.extend(diag);
            let formals = flake::output_formals(&mut ev, &flake);
            repo.lock = flake::apply_lock(&lock, &mut repo.inputs, &formals, &mut repo.diagnostics);
            repo.sources.insert(lock);
        }
        if let Some(outputs) = flake::outputs(&mut ev, &flake, &repo.inputs) {
            repo.hosts = hosts::read_hosts(&mut ev, outputs, &mut repo.diagnostics);
        }
        repo.evaluated_files = ev.evaluated_files();
        for source in ev.read_sources() {
            repo.sources
                .insert(SourceFile::new(source.path(), source.text()));
        }
        repo.diagnostics.extend(ev.take_diagnostics());
        downgrade_unreached(&mut repo);
    }
    repo.inputs.sort_by(|a, b| a.name.cmp(&b.name));
    Diagnostic::sort(&mut repo.diagnostics);
    repo
}

/// A syntax error or a missing import in a file that no flake output
/// reaches (not evaluated, not imported by an evaluated file) breaks no
/// host: a warning, not an error. When some output's hosts could not be
/// read (NIX012), what is reached is not known, so nothing is downgraded.
fn downgrade_unreached(repo: &mut NixRepo) {
    if repo
        .diagnostics
        .iter()
        .any(|d| d.code == strata_core::Code::HostsUnknown)
    {
        return;
    }
    let mut reached: std::collections::BTreeSet<&str> =
        repo.evaluated_files.iter().map(String::as_str).collect();
    let mut queue: Vec<&str> = reached.iter().copied().collect();
    while let Some(path) = queue.pop() {
        let Some(file) = repo.files.iter().find(|f| f.path == path) else {
            continue;
        };
        for import in &file.imports {
            if reached.insert(import.target.as_str()) {
                queue.push(import.target.as_str());
            }
        }
    }
    for d in &mut repo.diagnostics {
        if !matches!(
            d.code,
            strata_core::Code::NixSyntax | strata_core::Code::NixImportMissing
        ) {
            continue;
        }
        let Some(file) = d.location.as_ref().map(|l| l.file.as_str()) else {
            continue;
        };
        if !reached.contains(file) {
            d.severity = strata_core::Severity::Warning;
            d.message
                .push_str(" (no flake output reaches this file, so no host is affected)");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `strata-check` loads the Nix and Flux sides in parallel (`rayon::join`):
    /// nothing of the evaluator's `Rc` world may leak into the result.
    #[test]
    fn results_cross_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<NixRepo>();
    }
}
