//! Assembles the unified dependency graph of a homelab repository (the NixOS
//! flake read by `strata-nix`, the Flux tree read by `strata-flux`) and runs
//! every rule over it.
//!
//! ```no_run
//! let analysis = strata_check::analyze(std::path::Path::new("."), &strata_check::Options::default())?;
//! for d in &analysis.diagnostics {
//!     println!("{} {}", d.code, d.message);
//! }
//! # Ok::<(), strata_check::AnalyzeError>(())
//! ```

mod assemble;
mod assemble_nix;
pub mod config;
pub mod rules;
#[cfg(test)]
pub(crate) mod testing;

use std::path::{Path, PathBuf};

use strata_core::{Code, Diagnostic, Graph, Location, RepoTree, SourceDb, Span};
use strata_flux::FluxTree;
use strata_nix::NixRepo;

pub use config::{CONFIG_FILE, Config};
pub use rules::{RULES, Rule};

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
    /// Every finding, sorted as the contract says.
    pub diagnostics: Vec<Diagnostic>,
    /// The Nix layer as read.
    pub nix: NixRepo,
    /// The Flux layer as read.
    pub flux: FluxTree,
}

impl Analysis {
    /// Number of findings of each severity: (errors, warnings, infos).
    pub fn counts(&self) -> (usize, usize, usize) {
        use strata_core::Severity::*;
        let count = |s| self.diagnostics.iter().filter(|d| d.severity == s).count();
        (count(Error), count(Warning), count(Info))
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
    let mut diagnostics = Vec::new();
    // The configuration decides what the tree holds, so it is read first.
    let mut config_source = None;
    let mut config = Config::default();
    if root.join(CONFIG_FILE).is_file() {
        let (file, read_problem) =
            RepoTree::from_files(root, [CONFIG_FILE.to_string()]).read(CONFIG_FILE);
        diagnostics.extend(read_problem);
        let (parsed, problem) = Config::parse(&file);
        diagnostics.extend(problem);
        config = parsed;
        config_source = Some(file);
    }
    let tree = RepoTree::scan_excluding(root, &config.paths.exclude)
        .map_err(|e| unreadable(e.to_string()))?;
    match options.eval {
        EvalMode::Static => {}
        EvalMode::Nix => {
            return Err(AnalyzeError::EvalUnavailable(
                nix_tier_unavailable().to_string(),
            ));
        }
        // Only a flake has something to evaluate; the finding points at it.
        EvalMode::Auto if tree.is_file("flake.nix") => diagnostics.push(
            Diagnostic::new(
                Code::EvalFallback,
                format!(
                    "{}; facts come from the static reader",
                    nix_tier_unavailable()
                ),
            )
            .at(Location::new("flake.nix", Span::at(0)))
            .help("pass `--eval static` to silence this"),
        ),
        EvalMode::Auto => {}
    }
    let mut analysis = analyze_tree(&tree, diagnostics);
    if let Some(file) = config_source {
        analysis.sources.insert(file);
    }
    Ok(analysis)
}

/// Why the evaluation tier cannot run; names the next step.
fn nix_tier_unavailable() -> &'static str {
    if which_nix().is_none() {
        "`nix` is not on PATH (install it, e.g. `apt-get install nix-bin`, or use `--eval static`)"
    } else {
        "this build of strata has no Nix evaluation tier yet (use `--eval static`)"
    }
}

fn which_nix() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("nix"))
        .find(|p| p.is_file())
}

/// Whether a `nix` binary is on PATH.
pub fn nix_on_path() -> bool {
    which_nix().is_some()
}

/// The analysis of an already listed tree (used for snapshots that are not a checkout).
pub fn analyze_tree(tree: &RepoTree, mut diagnostics: Vec<Diagnostic>) -> Analysis {
    let (nix, flux) = rayon::join(|| strata_nix::load(tree), || strata_flux::load(tree));
    let mut sources = SourceDb::new();
    sources.extend(nix.sources.clone());
    sources.extend(flux.sources.clone());
    diagnostics.extend(nix.diagnostics.iter().cloned());
    diagnostics.extend(flux.diagnostics.iter().cloned());
    let (graph, assembly_diagnostics) = assemble::assemble(&nix, &flux);
    diagnostics.extend(assembly_diagnostics);
    let context = rules::Context {
        graph: &graph,
        nix: &nix,
        flux: &flux,
    };
    for rule in RULES {
        if let Some(check) = rule.check {
            check(&context, &mut diagnostics);
        }
    }
    Diagnostic::sort(&mut diagnostics);
    Analysis {
        root: tree.root().to_path_buf(),
        sources,
        graph,
        diagnostics,
        nix,
        flux,
    }
}
