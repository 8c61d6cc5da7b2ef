//! Deploy plans: which host to deploy and which Flux Kustomization to
//! reconcile, in which order, so that every dependency is in place first and
//! the k3s control plane never loses etcd quorum; and what changed between
//! two git revisions ([`diff_revisions`]).
//!
//! A plan is a list of [`DeployWave`]s; the steps of one wave may run in
//! parallel, and a wave starts when the previous one is done.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A homelab (one NixOS host, a bootstrapped Flux tree applying `apps`)
//! // in a temporary directory.
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
//! let plan = strata_plan::bootstrap_plan(&analysis).expect("no dependency cycle");
//! let steps: Vec<(usize, String)> = plan
//!     .waves
//!     .iter()
//!     .flat_map(|wave| wave.steps.iter().map(move |step| (wave.index, step.command.join(" "))))
//!     .collect();
//! // The host first, then the sync root, then what it applies.
//! assert_eq!(steps, [
//!     (0, "nixos-rebuild switch --flake .#nas --target-host root@nas".to_string()),
//!     (1, "flux reconcile kustomization flux-system --with-source".to_string()),
//!     (2, "flux reconcile kustomization apps --with-source".to_string()),
//! ]);
//! # Ok(())
//! # }
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
    /// The plan of steps grouped by an ordered key (a wave number, or a
    /// slot and phase): one wave per key in key order, numbered from 0,
    /// steps sorted by target within a wave.
    pub(crate) fn from_ordered_groups<K: Ord>(
        groups: std::collections::BTreeMap<K, Vec<PlanStep>>,
    ) -> Plan {
        Plan {
            waves: groups
                .into_values()
                .enumerate()
                .map(|(index, mut steps)| {
                    steps.sort_by(|a, b| a.target.cmp(&b.target));
                    DeployWave { index, steps }
                })
                .collect(),
        }
    }

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
