//! Assembles the unified dependency graph of a homelab repository (the NixOS
//! flake read by `strata-nix`, the Flux tree read by `strata-flux`) and runs
//! every rule over it.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A homelab (one NixOS host, a bootstrapped Flux tree) in a temporary
//! // directory; the `static` tier reads it without starting `nix`.
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
//! std::fs::create_dir_all(dir.path().join("clusters/home/flux-system"))?;
//! std::fs::create_dir_all(dir.path().join("apps"))?;
//! // What `flux bootstrap` writes: the source and the Kustomization syncing
//! // `clusters/home`, which applies `apps`.
//! std::fs::write(dir.path().join("clusters/home/flux-system/gotk-sync.yaml"), "\
//! apiVersion: source.toolkit.fluxcd.io/v1
//! kind: GitRepository
//! metadata: { name: flux-system, namespace: flux-system }
//! spec: { interval: 1m, ref: { branch: main }, url: ssh://git@github.com/example/homelab }
//! ---
//! apiVersion: kustomize.toolkit.fluxcd.io/v1
//! kind: Kustomization
//! metadata: { name: flux-system, namespace: flux-system }
//! spec:
//!   interval: 10m
//!   path: ./clusters/home
//!   prune: true
//!   sourceRef: { kind: GitRepository, name: flux-system }
//! ")?;
//! std::fs::write(dir.path().join("clusters/home/apps.yaml"), "\
//! apiVersion: kustomize.toolkit.fluxcd.io/v1
//! kind: Kustomization
//! metadata: { name: apps, namespace: flux-system }
//! spec:
//!   interval: 10m
//!   path: ./apps
//!   prune: true
//!   sourceRef: { kind: GitRepository, name: flux-system }
//! ")?;
//! std::fs::write(dir.path().join("apps/kustomization.yaml"), "resources: [namespace.yaml]\n")?;
//! std::fs::write(
//!     dir.path().join("apps/namespace.yaml"),
//!     "apiVersion: v1\nkind: Namespace\nmetadata: { name: media }\n",
//! )?;
//! let options = strata_check::Options { eval: strata_check::EvalMode::Static, ..Default::default() };
//! let analysis = strata_check::analyze(dir.path(), &options)?;
//! assert!(analysis.graph.contains(&strata_core::NodeId::host("nas")));
//! assert!(analysis.graph.contains(&strata_core::NodeId::from_raw("Namespace/media")));
//! for d in &analysis.diagnostics {
//!     println!("{} {} {}", d.severity.as_str(), d.code, d.message);
//! }
//! assert!(!analysis.has_errors());
//! # Ok(())
//! # }
//! ```

mod assemble;
mod assemble_nix;
mod assemble_rendered;
pub mod cluster;
pub mod config;
mod evaluation;
pub mod rules;
mod secret_text;
mod secrets;
mod suppressions;
#[cfg(test)]
pub(crate) mod testing;
mod triage;

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use strata_core::{Diagnostic, Graph, NodeId, RepoTree, SourceDb};
use strata_flux::FluxTree;
use strata_nix::NixRepo;

pub use config::{CONFIG_FILE, Config};
pub use evaluation::{Evaluation, Progress};
pub use rules::{RULES, Rule};
pub use triage::{SuppressedFinding, SuppressionKind};

/// How Nix is understood (`--eval`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EvalMode {
    /// Never start a process: strata's own static reader.
    Static,
    /// Evaluate with the real `nix`.
    Nix,
    /// Nix when it is on PATH and the flake evaluates, else static with an info finding.
    #[default]
    Auto,
}

/// What to analyse and how.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The Nix tier.
    pub eval: EvalMode,
    /// How many hosts `nix` evaluates at once (default: from available memory).
    pub jobs: Option<usize>,
    /// Told after each host's evaluation.
    pub progress: Option<Progress>,
    /// The limit for one host's evaluation (default: 300 s).
    pub eval_timeout: Option<std::time::Duration>,
    /// The Flux sync root directory (`--entry`), beside `[flux] entry`.
    pub entry: Option<String>,
    /// Only this Flux cluster (`--cluster`).
    pub cluster: Option<String>,
}

/// Why an analysis could not run at all (exit code 2 territory).
#[derive(Debug)]
pub enum AnalyzeError {
    /// The root is missing or not a readable directory.
    UnreadableRoot {
        /// The path given.
        path: PathBuf,
        /// What the OS said.
        reason: String,
    },
    /// `--eval nix` was asked for but cannot be honoured.
    EvalUnavailable(String),
}

impl std::fmt::Display for AnalyzeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AnalyzeError::UnreadableRoot { path, reason } => {
                write!(
                    f,
                    "cannot read repository root `{}`: {reason}; pass the path of a repository checkout",
                    path.display()
                )
            }
            AnalyzeError::EvalUnavailable(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for AnalyzeError {}

/// Everything strata knows about one repository.
#[derive(Debug)]
pub struct Analysis {
    /// The repository root.
    pub root: PathBuf,
    /// Every file read, for rendering locations.
    pub sources: SourceDb,
    /// The unified graph.
    pub graph: Graph,
    /// Every finding, sorted as the contract says: what `strata.toml` turns
    /// off or a suppression silences is not here.
    pub diagnostics: Vec<Diagnostic>,
    /// The findings suppressions silenced, sorted like `diagnostics`
    /// (`lint --show-suppressed`).
    pub suppressed: Vec<SuppressedFinding>,
    /// The Nix layer as read.
    pub nix: NixRepo,
    /// The Flux layer as read.
    pub flux: FluxTree,
    /// What the evaluation tier did, when it ran.
    pub evaluation: Option<Evaluation>,
    /// Where secret values are written, by meaning (see `secrets.rs`). Every
    /// output goes through the CLI's redaction, which masks these spans in
    /// snippets and removes their values from every other text.
    pub secrets: Vec<strata_core::Location>,
    /// The spans among `secrets` whose text is itself a secret value: the
    /// redaction removes that text (and its base64 form) from all output.
    pub secret_values: Vec<strata_core::Location>,
}

impl Analysis {
    /// Number of findings of each severity: (errors, warnings, infos).
    pub fn counts(&self) -> (usize, usize, usize) {
        use strata_core::Severity::*;
        let count = |s| self.diagnostics.iter().filter(|d| d.severity == s).count();
        (count(Error), count(Warning), count(Info))
    }

    /// Every k3s cluster joined with what Flux deploys onto it (the typed
    /// view rules and the plan read).
    pub fn cluster_views(&self) -> Vec<cluster::ClusterView<'_>> {
        cluster::cluster_views(&self.nix, &self.flux)
    }

    /// Whether any error-severity finding exists.
    pub fn has_errors(&self) -> bool {
        self.counts().0 > 0
    }
}

/// Reads both layers below `root`, assembles the graph and runs every rule.
pub fn analyze(root: &Path, options: &Options) -> Result<Analysis, AnalyzeError> {
    let unreadable = |reason: String| AnalyzeError::UnreadableRoot {
        path: root.to_path_buf(),
        reason,
    };
    let metadata = std::fs::metadata(root).map_err(|e| unreadable(e.to_string()))?;
    if !metadata.is_dir() {
        return Err(unreadable("not a directory".into()));
    }
    // A directory that cannot be listed would scan as an empty repository
    // and pass as "ok, 0 nodes"; the tool could not run.
    std::fs::read_dir(root).map_err(|e| unreadable(e.to_string()))?;
    let mut diagnostics = Vec::new();
    // The configuration decides what the tree holds, so it is read first.
    let mut config_source = None;
    let mut config = Config::default();
    if root.join(CONFIG_FILE).is_file() {
        let (file, read_problem) =
            RepoTree::from_files(root, [CONFIG_FILE.to_string()]).read(CONFIG_FILE);
        diagnostics.extend(read_problem);
        let (parsed, problems) = Config::parse(&file);
        diagnostics.extend(problems);
        config = parsed;
        config_source = Some(file);
    }
    let tree = RepoTree::scan_excluding(root, &config.paths.exclude)
        .map_err(|e| unreadable(e.to_string()))?;
    let flux_options = strata_flux::FluxOptions {
        entries: options
            .entry
            .iter()
            .chain(&config.flux.entry)
            .cloned()
            .collect(),
        cluster: options.cluster.clone(),
    };
    let (mut nix, flux) = load_layers(&tree, &flux_options);
    let (evaluation, evaluation_diagnostics) = evaluation::evaluate(&tree, options, &mut nix)?;
    diagnostics.extend(evaluation_diagnostics);
    let coverage = triage::Coverage {
        all_clusters: options.cluster.is_none(),
        evaluated: evaluation.is_some(),
    };
    let mut analysis = finish(&tree, nix, flux, diagnostics, &config, coverage);
    if let Some(evaluation) = &evaluation {
        // What each host will build: the exact identity of its deployed system.
        for host in &evaluation.hosts {
            let toplevel = host.facts.toplevel().map(str::to_string);
            if let (Some(node), Some(drv)) = (
                analysis.graph.node_mut(&NodeId::host(&host.host.name)),
                toplevel,
            ) {
                node.attrs.insert("toplevel_drv", drv.into());
            }
        }
    }
    analysis.evaluation = evaluation;
    if let Some(file) = config_source {
        analysis.sources.insert(file);
    }
    Ok(analysis)
}

/// The analysis of an already listed tree (used for snapshots that are not a checkout).
pub fn analyze_tree(tree: &RepoTree, diagnostics: Vec<Diagnostic>) -> Analysis {
    let (nix, flux) = load_layers(tree, &strata_flux::FluxOptions::default());
    let coverage = triage::Coverage {
        all_clusters: true,
        evaluated: false,
    };
    finish(tree, nix, flux, diagnostics, &Config::default(), coverage)
}

/// Reads both layers, in parallel.
fn load_layers(tree: &RepoTree, flux: &strata_flux::FluxOptions) -> (NixRepo, FluxTree) {
    rayon::join(
        || strata_nix::load(tree),
        || strata_flux::load_with(tree, flux),
    )
}

/// Assembles the graph from the layers as read (and evaluated) and runs every rule.
fn finish(
    tree: &RepoTree,
    nix: NixRepo,
    flux: FluxTree,
    mut diagnostics: Vec<Diagnostic>,
    config: &Config,
    coverage: triage::Coverage,
) -> Analysis {
    let mut sources = SourceDb::new();
    // Entries the boundary refused to read (symlinks out of the root, FIFOs,
    // devices) are findings at line 1 of an empty source: named, never shown.
    for (path, _) in tree.refused() {
        sources.insert(strata_core::SourceFile::new(path, ""));
    }
    diagnostics.extend(tree.refusal_diagnostics());
    sources.extend(nix.sources.clone());
    sources.extend(flux.sources.clone());
    diagnostics.extend(nix.diagnostics.iter().cloned());
    diagnostics.extend(flux.diagnostics.iter().cloned());
    // The graph and the cluster views read the layers independently; the
    // search for secrets reads only the texts, and keeps the other thread
    // busy while the graph is assembled on one.
    let (((mut graph, assembly_diagnostics), clusters), secrets) = rayon::join(
        || {
            rayon::join(
                || assemble::assemble(&nix, &flux),
                || cluster::cluster_views(&nix, &flux),
            )
        },
        || secrets::secret_locations(&nix, &flux, &sources),
    );
    diagnostics.extend(assembly_diagnostics);
    cluster::requires::add_requires(&mut graph, &clusters);
    let context = rules::Context::new(&graph, &nix, &flux, &clusters);
    // Every rule only reads the context: they run on every thread, and
    // their findings are joined in the table's order, as one thread would.
    let found: Vec<Vec<Diagnostic>> = RULES
        .par_iter()
        .map(|rule| {
            let mut found = Vec::new();
            if let Some(check) = rule.check {
                check(&context, &mut found);
            }
            found
        })
        .collect();
    diagnostics.extend(found.into_iter().flatten());
    // The views are many small allocations on thousands of hosts: freed
    // beside the triage rather than after it.
    let ((diagnostics, suppressed), ()) = rayon::join(
        || triage::triage(diagnostics, &sources, config, coverage),
        move || drop(clusters),
    );
    Analysis {
        secret_values: secrets.values,
        root: tree.root().to_path_buf(),
        sources,
        graph,
        diagnostics,
        suppressed,
        secrets: secrets.masked,
        nix,
        flux,
        evaluation: None,
    }
}
