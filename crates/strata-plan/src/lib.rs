//! Deploy plans: which host to deploy and which Flux Kustomization to
//! reconcile, in which order, so that every dependency is in place first and
//! the k3s control plane never loses etcd quorum; and what changed between
//! two git revisions ([`diff_revisions`]).
//!
//! A plan is a list of [`DeployWave`]s; the steps of one wave may run in
//! parallel, and a wave starts when the previous one is done.
//!
//! ```no_run
//! let analysis = strata_check::analyze(std::path::Path::new("."), &Default::default())?;
//! let plan = strata_plan::bootstrap_plan(&analysis).expect("no dependency cycle");
//! for wave in &plan.waves {
//!     for step in &wave.steps {
//!         println!("wave {}: {}", wave.index, step.command.join(" "));
//!     }
//! }
//! # Ok::<(), strata_check::AnalyzeError>(())
//! ```

pub mod apply;
mod bootstrap;
mod change_plan;
mod diff;
mod impact;
mod quorum;
mod semantic;
mod snapshot;
mod steps;
mod waves;

use serde::Serialize;
use strata_core::{Diagnostic, NodeId};

pub use bootstrap::bootstrap_plan;
pub use change_plan::{ChangePlanOptions, change_plan};
pub use diff::{
    Change, ChangeKind, DiffError, FieldChange, RevisionDiff, WORKTREE, diff_analyses,
    diff_revisions,
};
pub use impact::CONTENT_EDGES;
pub use quorum::tolerated_down;
pub use waves::{Constraint, assign_waves};

/// What a step does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Build and activate a host's NixOS configuration.
    DeployHost,
    /// Reconcile a Flux Kustomization or HelmRelease.
    Reconcile,
    /// Drain a Kubernetes node before disruptive work.
    Drain,
    /// Let a drained node take pods again.
    Uncordon,
    /// Wait for a condition before going on.
    Wait,
}

/// One step of a plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlanStep {
    /// What the step does.
    pub action: Action,
    /// The node it acts on.
    pub target: NodeId,
    /// The argv to run, with the deploy tool the repository declares.
    pub command: Vec<String>,
    /// Why the step sits in its wave (what it waits for), never empty.
    pub reasons: Vec<String>,
}

/// Steps that may run in parallel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeployWave {
    /// 0-based position.
    pub index: usize,
    /// Steps, sorted by target.
    pub steps: Vec<PlanStep>,
}

/// An ordered deploy plan.
///
/// **Invariant:** for every dependency between two targets of the plan, the
/// dependency's step is in an earlier wave; waves are numbered 0.. without
/// gaps and none is empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// The waves, in order.
    pub waves: Vec<DeployWave>,
}

impl Plan {
    /// The wave a target is in.
    pub fn wave_of(&self, target: &NodeId) -> Option<usize> {
        self.waves
            .iter()
            .find(|w| w.steps.iter().any(|s| &s.target == target))
            .map(|w| w.index)
    }

    /// Every step in order.
    pub fn steps(&self) -> impl Iterator<Item = &PlanStep> {
        self.waves.iter().flat_map(|w| w.steps.iter())
    }
}

/// Why no plan could be computed.
#[derive(Clone, Debug)]
pub struct PlanError {
    /// The findings that make ordering impossible.
    pub diagnostics: Vec<Diagnostic>,
}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "no deploy plan: ")?;
        let messages: Vec<&str> = self
            .diagnostics
            .iter()
            .map(|d| d.message.as_str())
            .collect();
        f.write_str(&messages.join("; "))
    }
}

impl std::error::Error for PlanError {}
