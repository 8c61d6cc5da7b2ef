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
//! ```
//! // A flake with one NixOS host, written to a temporary directory.
//! let dir = tempfile::tempdir()?;
//! std::fs::create_dir_all(dir.path().join("hosts"))?;
//! std::fs::write(dir.path().join("flake.nix"), r#"{
//!   inputs.nixpkgs.url = "github:nixos/nixpkgs/nixos-25.11";
//!   outputs = { self, nixpkgs, ... }: {
//!     nixosConfigurations.nas = nixpkgs.lib.nixosSystem {
//!       system = "x86_64-linux";
//!       modules = [ ./hosts/nas.nix ];
//!     };
//!   };
//! }"#)?;
//! std::fs::write(
//!     dir.path().join("hosts/nas.nix"),
//!     r#"{ ... }: { networking.hostName = "nas"; system.stateVersion = "25.11"; }"#,
//! )?;
//! let tree = strata_core::RepoTree::scan(dir.path())?;
//! let repo = strata_nix::load(&tree);
//! let hosts: Vec<&str> = repo.hosts.iter().map(|h| h.name.as_str()).collect();
//! assert_eq!(hosts, ["nas"]);
//! let inputs: Vec<&str> = repo.inputs.iter().map(|i| i.name.as_str()).collect();
//! assert_eq!(inputs, ["nixpkgs"]);
//! assert!(repo.diagnostics.is_empty());
//! # Ok::<(), std::io::Error>(())
//! ```

pub mod eval;
pub mod evaluate;
mod facts;
pub mod files;
pub mod flake;
mod hosts;
pub mod k3s;
pub mod nfs_mounts;
mod syntax;

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;

use strata_core::{Diagnostic, RepoTree, SourceDb, SourceFile};

pub use eval::OpaqueModule;
pub use facts::{
    DeployProfile, DeployRsFacts, Fact, FirewallFacts, HostFacts, HostSource, InterfaceAddress,
    InterfaceFirewall, K3sFacts, PortRange, SopsFacts, SopsSecret, TokenSource, port_open_in,
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

impl NixRepo {
    /// The host named `name`.
    pub fn host(&self, name: &str) -> Option<&HostFacts> {
        self.hosts.iter().find(|h| h.name == name)
    }
}

/// Reads the Nix side of a repository. Never fails: problems are diagnostics.
pub fn load(tree: &RepoTree) -> NixRepo {
    load_with(tree, eval::Limits::default())
}

/// [`load`] with explicit evaluation limits.
pub fn load_with(tree: &RepoTree, limits: eval::Limits) -> NixRepo {
    load_on_threads(tree, limits, rayon::current_num_threads())
}

/// [`load_with`] reading hosts on at most `threads` threads (the result is
/// the same for any number).
pub fn load_on_threads(tree: &RepoTree, limits: eval::Limits, threads: usize) -> NixRepo {
    // The files are read on the caller's rayon pool, not on the evaluator's
    // big-stack thread: that thread's caller waits for it without working,
    // and with one rayon thread a pool job started from it would never run.
    let (repo, parsed) = read_files(tree);
    let (repo, parsed) = eval::with_big_stack(|| load_inner(tree, repo, parsed, limits, threads));
    // Freeing the syntax trees (one per file: 10,000 hosts, 10,000 trees)
    // is serial work nothing waits for: it runs on the pool beside the
    // caller's next work instead of before the result is returned.
    rayon::spawn(move || drop(parsed));
    repo
}

/// One `.nix` file as read: parsed, scanned, and what reading found.
struct FileRead {
    file: files::ParsedFile,
    scanned: NixFile,
    read_diagnostics: Vec<Diagnostic>,
    import_diagnostics: Vec<Diagnostic>,
}

/// Every `.nix` file of the tree read, parsed and scanned (imports,
/// references, secret spans): the repository so far, and the parses.
fn read_files(tree: &RepoTree) -> (NixRepo, BTreeMap<String, files::ParsedFile>) {
    let mut repo = NixRepo::default();
    // Every file is read, parsed and scanned on its own, on every thread;
    // the results are taken in path order, as one thread would.
    let paths: Vec<&str> = tree.files().filter(|p| p.ends_with(".nix")).collect();
    let read: Vec<FileRead> = paths
        .par_iter()
        .map(|path| {
            let (source, unreadable) = tree.read(path);
            let file = files::ParsedFile::parse(Arc::new(source));
            let mut read_diagnostics: Vec<Diagnostic> = unreadable.into_iter().collect();
            read_diagnostics.extend(file.syntax_diagnostics());
            let mut import_diagnostics = Vec::new();
            let imports = files::collect_imports(tree, &file, &mut import_diagnostics);
            let scanned = NixFile {
                path: path.to_string(),
                parses: !file.has_errors(),
                imports,
                references: files::collect_references(tree, &file),
                secret_values: files::collect_secret_values(&file),
            };
            FileRead {
                file,
                scanned,
                read_diagnostics,
                import_diagnostics,
            }
        })
        .collect();
    let mut parsed = BTreeMap::new();
    let mut import_diagnostics = Vec::new();
    for read in read {
        repo.sources.insert_shared(Arc::clone(read.file.source()));
        repo.diagnostics.extend(read.read_diagnostics);
        import_diagnostics.extend(read.import_diagnostics);
        parsed.insert(read.scanned.path.clone(), read.file);
        repo.files.push(read.scanned);
    }
    // Reading and syntax findings first, then imports', as before.
    repo.diagnostics.extend(import_diagnostics);
    (repo, parsed)
}

fn load_inner(
    tree: &RepoTree,
    mut repo: NixRepo,
    parsed: BTreeMap<String, files::ParsedFile>,
    limits: eval::Limits,
    threads: usize,
) -> (NixRepo, Arc<BTreeMap<String, files::ParsedFile>>) {
    // Shared by every evaluator (one per batch of hosts), not copied.
    let parsed = Arc::new(parsed);
    let flakes = flake_files(tree);
    if let Some((primary, others)) = flakes.split_first() {
        let mut workers = Vec::new();
        let mut ev = eval::Evaluator::new(Some(tree), Arc::clone(&parsed), limits);
        let flake = ev.import_file(primary, None);
        repo.inputs = flake::read_inputs(&mut ev, &flake);
        flake::mark_used(&parsed, primary, &mut repo.inputs);
        let lock_path = sibling(primary, "flake.lock");
        if tree.is_file(&lock_path) {
            let (lock, diag) = tree.read(&lock_path);
            repo.diagnostics.extend(diag);
            let formals = flake::output_formals(&mut ev, &flake);
            repo.lock = flake::apply_lock(&lock, &mut repo.inputs, &formals, &mut repo.diagnostics);
            repo.sources.insert(lock);
        }
        let read = FlakeRead {
            tree,
            parsed: &parsed,
            limits,
            threads,
        };
        if let Some(read) = read.hosts(
            &mut ev,
            primary,
            &flake,
            &repo.inputs,
            &mut repo.diagnostics,
        ) {
            repo.hosts = read.hosts;
            workers = read.workers;
        }
        let mut evaluated = ev.evaluated_files();
        collect_evaluator(&mut repo, &mut ev);
        collect_workers(&mut repo, &mut evaluated, std::mem::take(&mut workers));
        // Further flakes of the repository (`nixos/flake.nix` beside a root
        // flake): their hosts too, each flake evaluated on its own.
        for path in others {
            let mut ev = eval::Evaluator::new(Some(tree), Arc::clone(&parsed), limits);
            let flake = ev.import_file(path, None);
            let inputs = flake::read_inputs(&mut ev, &flake);
            if let Some(read) = read.hosts(&mut ev, path, &flake, &inputs, &mut repo.diagnostics) {
                workers = read.workers;
                for host in read.hosts {
                    if !repo.hosts.iter().any(|h| h.name == host.name) {
                        repo.hosts.push(host);
                    }
                }
            }
            evaluated.extend(ev.evaluated_files());
            collect_evaluator(&mut repo, &mut ev);
            collect_workers(&mut repo, &mut evaluated, std::mem::take(&mut workers));
        }
        repo.hosts.sort_by(|a, b| a.name.cmp(&b.name));
        evaluated.sort();
        evaluated.dedup();
        repo.evaluated_files = evaluated;
        downgrade_unreached(&mut repo);
    }
    repo.inputs.sort_by(|a, b| a.name.cmp(&b.name));
    Diagnostic::sort(&mut repo.diagnostics);
    (repo, parsed)
}

/// The flakes whose hosts are read: `flake.nix` at the root; without one,
/// every top-most flake of a subdirectory (`nixos/flake.nix`), shallowest
/// first. A flake inside another flake's tree (a template, a test fixture)
/// is that project's own, not a host flake of the repository.
fn flake_files(tree: &RepoTree) -> Vec<String> {
    if tree.is_file("flake.nix") {
        return vec!["flake.nix".to_string()];
    }
    let mut flakes: Vec<String> = tree
        .files()
        .filter(|p| p.ends_with("/flake.nix"))
        .map(str::to_string)
        .collect();
    flakes.sort_by_key(|p| (p.matches('/').count(), p.clone()));
    let mut top: Vec<String> = Vec::new();
    for f in flakes {
        let inside = top
            .iter()
            .any(|t| f.starts_with(&format!("{}/", flake_dir(t))));
        if !inside {
            top.push(f);
        }
    }
    top
}

/// The directory of a flake (`""` for the root).
fn flake_dir(flake: &str) -> &str {
    flake.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// `name` beside the flake.
fn sibling(flake: &str, name: &str) -> String {
    match flake_dir(flake) {
        "" => name.to_string(),
        dir => format!("{dir}/{name}"),
    }
}

/// A fresh evaluator over the flake at `path` and its `outputs` thunk, for a
/// worker thread reading a batch of hosts (what it reports about the flake
/// itself was reported by the first evaluator).
/// What reading a flake's hosts needs besides the flake: the tree, its
/// parsed files, the limits and the worker threads.
struct FlakeRead<'a, 't> {
    tree: &'t RepoTree,
    parsed: &'a Arc<BTreeMap<String, files::ParsedFile>>,
    limits: eval::Limits,
    threads: usize,
}

impl FlakeRead<'_, '_> {
    /// The hosts of the flake at `path` (its value `flake`, evaluated by
    /// `ev`), when its `outputs` can be applied.
    fn hosts(
        &self,
        ev: &mut eval::Evaluator<'_>,
        path: &str,
        flake: &eval::Value,
        inputs: &[FlakeInput],
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<hosts::HostsRead> {
        let outputs = flake::outputs(ev, flake, inputs, flake_dir(path), diagnostics)?;
        let defined_at = flake::outputs_location(flake);
        let fresh = || fresh_outputs(self.tree, self.parsed, self.limits, path, inputs);
        Some(hosts::read_hosts(
            ev,
            outputs,
            defined_at,
            diagnostics,
            Some((&fresh, self.threads)),
        ))
    }
}

fn fresh_outputs<'t>(
    tree: &'t RepoTree,
    parsed: &Arc<BTreeMap<String, files::ParsedFile>>,
    limits: eval::Limits,
    path: &str,
    inputs: &[FlakeInput],
) -> Option<(eval::Evaluator<'t>, eval::ThunkId)> {
    let mut ev = eval::Evaluator::new(Some(tree), Arc::clone(parsed), limits);
    let flake = ev.import_file(path, None);
    let outputs = flake::outputs(&mut ev, &flake, inputs, flake_dir(path), &mut Vec::new())?;
    Some((ev, outputs))
}

/// Moves what the worker evaluators read and found into the repository.
fn collect_workers(
    repo: &mut NixRepo,
    evaluated: &mut Vec<String>,
    workers: Vec<hosts::WorkerOutput>,
) {
    for worker in workers {
        evaluated.extend(worker.evaluated_files);
        for source in worker.sources {
            if repo.sources.get(source.path()).is_none() {
                repo.sources
                    .insert(SourceFile::new(source.path(), source.text()));
            }
        }
        for d in worker.diagnostics {
            if !repo.diagnostics.contains(&d) {
                repo.diagnostics.push(d);
            }
        }
    }
}

/// Moves what an evaluator read and found into the repository.
fn collect_evaluator(repo: &mut NixRepo, ev: &mut eval::Evaluator<'_>) {
    for source in ev.read_sources() {
        if repo.sources.get(source.path()).is_none() {
            repo.sources
                .insert(SourceFile::new(source.path(), source.text()));
        }
    }
    for d in ev.take_diagnostics() {
        if !repo.diagnostics.contains(&d) {
            repo.diagnostics.push(d);
        }
    }
}

/// A syntax error or a missing import in a file that no flake output
/// reaches (not evaluated, not imported by an evaluated file) breaks no
/// host: a warning, not an error (never for `flake.lock`, which Nix reads
/// first). When some output's hosts could not be
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
    // The files by path (the first of a path, as a search in order finds):
    // one look-up per reached file, not a scan of every file.
    let mut by_path: std::collections::HashMap<&str, &NixFile> =
        std::collections::HashMap::with_capacity(repo.files.len());
    for file in &repo.files {
        by_path.entry(file.path.as_str()).or_insert(file);
    }
    while let Some(path) = queue.pop() {
        let Some(file) = by_path.get(path) else {
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
        // A flake's lock is read by Nix before any output: it is never
        // "unreached", and a broken one fails every host of the flake.
        let is_lock = file == "flake.lock" || file.ends_with("/flake.lock");
        if !reached.contains(file) && !is_lock {
            d.severity = strata_core::Severity::Warning;
            d.message
                .push_str(" (no flake output reaches this file, so no host is affected)");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, imports: &[&str]) -> NixFile {
        NixFile {
            path: path.to_string(),
            parses: true,
            imports: imports
                .iter()
                .map(|target| Import {
                    target: target.to_string(),
                    location: strata_core::Location::new(path, strata_core::Span::new(0, 1)),
                    kind: ImportKind::ModuleImports,
                })
                .collect(),
            references: Vec::new(),
            secret_values: Vec::new(),
        }
    }

    fn syntax_error_in(path: &str) -> Diagnostic {
        Diagnostic::new(strata_core::Code::NixSyntax, "unexpected token").at(
            strata_core::Location::new(path, strata_core::Span::new(0, 1)),
        )
    }

    /// What an evaluated file imports, and what that imports, is reached
    /// (found by path among many files); a broken file nothing reaches is
    /// only a warning.
    #[test]
    fn unreached_files_are_found_through_imports() {
        let mut files: Vec<NixFile> = (0..500)
            .map(|i| file(&format!("hosts/h{i}.nix"), &[]))
            .collect();
        files.push(file("flake.nix", &["modules/default.nix"]));
        files.push(file("modules/default.nix", &["modules/a.nix"]));
        files.push(file("modules/a.nix", &[]));
        files.push(file("unused/b.nix", &[]));
        let mut repo = NixRepo {
            files,
            evaluated_files: vec!["flake.nix".to_string()],
            diagnostics: vec![
                syntax_error_in("modules/a.nix"),
                syntax_error_in("unused/b.nix"),
            ],
            ..NixRepo::default()
        };
        downgrade_unreached(&mut repo);
        let severities: Vec<(&str, strata_core::Severity)> = repo
            .diagnostics
            .iter()
            .map(|d| (d.location.as_ref().unwrap().file.as_str(), d.severity))
            .collect();
        assert_eq!(
            severities,
            [
                ("modules/a.nix", strata_core::Severity::Error),
                ("unused/b.nix", strata_core::Severity::Warning),
            ]
        );
    }

    /// `strata-check` loads the Nix and Flux sides in parallel (`rayon::join`):
    /// nothing of the evaluator's `Rc` world may leak into the result.
    #[test]
    fn results_cross_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<NixRepo>();
    }
}
