//! The semantic diff between two revisions of a repository: what the cluster
//! and the hosts receive differently, and every node the change can alter.
//!
//! Both revisions are analysed with `strata_check::analyze`, the code path of
//! `lint`: a git revision from a snapshot of its tree (`snapshot.rs`), the
//! working tree in place.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Serialize;
use strata_check::{Analysis, AnalyzeError, EvalMode, Options};
use strata_core::NodeId;

use crate::impact::impacted;
use crate::semantic::changes;
use crate::snapshot::Repository;

/// What `--to` names when it is absent.
pub const WORKTREE: &str = "worktree";

/// How a node differs between the two revisions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// Only in the newer revision.
    Added,
    /// Only in the older revision.
    Removed,
    /// In both, different.
    Modified,
}

/// One field that differs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldChange {
    /// Where, dotted from the document's top (`spec.chart.spec.version`;
    /// sequence items by index, keys holding a dot quoted: `["a.b/c"]`).
    pub path: String,
    /// The old value; absent when the field is new or the value is secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<serde_json::Value>,
    /// The new value; absent when the field was removed or the value is secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<serde_json::Value>,
    /// The values are secret: the field is named, its values never shown.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub secret: bool,
}

/// One node that differs between the revisions.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    /// The node (`HelmRelease/media/jellyfin`, `host/homelab-0`, `file/…`).
    pub id: NodeId,
    /// Added, removed or modified.
    pub change: ChangeKind,
    /// The file that declares it (the newer one's, unless removed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The Flux cluster, when the repository holds several.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// The fields that differ (empty for an added or removed node and for a
    /// file, whose change is its text).
    pub fields: Vec<FieldChange>,
    /// For a Nix file: the hosts that import it (in either revision), sorted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
}

/// The diff between two revisions, with both analyses.
pub struct RevisionDiff {
    /// The older revision as given.
    pub from: String,
    /// The newer revision as given, or [`WORKTREE`].
    pub to: String,
    /// The commit `from` names.
    pub from_commit: String,
    /// The commit `to` names (`None` for the working tree).
    pub to_commit: Option<String>,
    /// Every node that differs, sorted by id (then cluster).
    pub changes: Vec<Change>,
    /// Every node whose deployed result the change can alter: the changed
    /// nodes and their dependents along content-carrying edges (`impact.rs`).
    pub impacted: BTreeSet<NodeId>,
    /// Hosts whose toplevel derivation Nix evaluated identical in both
    /// revisions (only with `--eval nix|auto` when Nix ran): unaffected,
    /// whatever files changed.
    pub unchanged_hosts: BTreeSet<String>,
    /// The analysis of the older revision (its snapshot is gone; its
    /// `sources` still render and redact).
    pub from_analysis: Analysis,
    /// The analysis of the newer revision: what `plan --from` plans for.
    pub to_analysis: Analysis,
}

impl RevisionDiff {
    /// The contract's `diff --format json` object.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "version": 1,
            "from": self.from,
            "to": self.to,
            "changes": self.changes,
            "impacted": self.impacted,
            "unchanged_hosts": self.unchanged_hosts,
        })
    }
}

/// Why no diff could be computed: the tool could not run (exit code 2).
#[derive(Debug)]
pub enum DiffError {
    /// The path is not inside a git work tree.
    NotARepository {
        /// The path given.
        root: PathBuf,
        /// What git said.
        reason: String,
    },
    /// A revision does not name a commit.
    BadRevision {
        /// The revision as given.
        rev: String,
        /// What git said.
        reason: String,
    },
    /// The snapshot could not be written.
    Snapshot(String),
    /// A revision could not be analysed at all.
    Analyze(AnalyzeError),
}

impl std::fmt::Display for DiffError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DiffError::NotARepository { root, reason } => write!(
                f,
                "`{}` is not inside a git repository ({reason}); run `strata diff` in a git checkout or pass its path",
                root.display()
            ),
            DiffError::BadRevision { rev, reason } => write!(
                f,
                "cannot resolve revision `{rev}` ({reason}); pass a commit, tag or branch that exists here (`git log --oneline --all` lists them; run `git fetch` first for a remote branch)"
            ),
            DiffError::Snapshot(why) => write!(
                f,
                "cannot write a revision's snapshot: {why}; check the space and permissions of the temporary directory (TMPDIR)"
            ),
            DiffError::Analyze(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for DiffError {}

impl From<AnalyzeError> for DiffError {
    fn from(error: AnalyzeError) -> Self {
        DiffError::Analyze(error)
    }
}

/// Diffs revision `from` against `to` (the working tree below `root` when
/// `None`), analysing both with `options` exactly as `lint` does.
pub fn diff_revisions(
    root: &Path,
    from: &str,
    to: Option<&str>,
    options: &Options,
) -> Result<RevisionDiff, DiffError> {
    let repo = Repository::discover(root)?;
    // Resolve both first: a bad `--to` is reported before any work.
    if let Some(to) = to {
        repo.resolve(to)?;
    }
    repo.resolve(from)?;
    drop(repo);
    // The older revision's files first: the newer one links every file
    // whose blob is the same instead of reading it again. Each side opens
    // the repository itself: a gix handle stays on its thread.
    let from_snapshot = Repository::discover(root)?.snapshot(from)?;
    let analyse_from = || -> Result<(Analysis, Option<String>), DiffError> {
        let analysis = strata_check::analyze(from_snapshot.root(), options)?;
        Ok((relabel(analysis, root), Some(from_snapshot.commit.clone())))
    };
    let analyse_to = || -> Result<(Analysis, Option<String>), DiffError> {
        match to {
            Some(rev) => {
                let snapshot =
                    Repository::discover(root)?.snapshot_reusing(rev, Some(&from_snapshot))?;
                let analysis = strata_check::analyze(snapshot.root(), options)?;
                Ok((relabel(analysis, root), Some(snapshot.commit.clone())))
            }
            None => Ok((strata_check::analyze(root, options)?, None)),
        }
    };
    // The two revisions are independent: analysed side by side, unless Nix
    // may evaluate, whose worker count is sized for one analysis.
    let (before, after) = if options.eval == EvalMode::Static {
        rayon::join(analyse_from, analyse_to)
    } else {
        (analyse_from(), analyse_to())
    };
    let ((from_analysis, from_commit), (to_analysis, to_commit)) = (before?, after?);
    let from_commit = from_commit.unwrap_or_default();
    Ok(diff_analyses(
        from,
        to.unwrap_or(WORKTREE),
        from_commit,
        to_commit,
        from_analysis,
        to_analysis,
    ))
}

/// The diff of two analyses already made.
pub fn diff_analyses(
    from: &str,
    to: &str,
    from_commit: String,
    to_commit: Option<String>,
    from_analysis: Analysis,
    to_analysis: Analysis,
) -> RevisionDiff {
    let unchanged_hosts = unchanged_hosts(&from_analysis, &to_analysis);
    let changes = changes(&from_analysis, &to_analysis, &unchanged_hosts);
    let impacted = impacted(&changes, &from_analysis, &to_analysis, &unchanged_hosts);
    RevisionDiff {
        from: from.to_string(),
        to: to.to_string(),
        from_commit,
        to_commit,
        changes,
        impacted,
        unchanged_hosts,
        from_analysis,
        to_analysis,
    }
}

/// Hosts whose toplevel derivation both evaluations know and agree on.
fn unchanged_hosts(from: &Analysis, to: &Analysis) -> BTreeSet<String> {
    match (&from.evaluation, &to.evaluation) {
        (Some(before), Some(after)) => {
            strata_nix::evaluate::unaffected_hosts(&before.hosts, &after.hosts)
        }
        _ => BTreeSet::new(),
    }
}

/// A snapshot's analysis names the repository's root, not the temporary
/// directory it was read from (which is gone once the diff is made).
fn relabel(mut analysis: Analysis, root: &Path) -> Analysis {
    analysis.root = root.to_path_buf();
    analysis
}
