//! The change plan: only the targets a change impacts, rolled out in waves
//! that keep every dependency first and the k3s control plane in quorum.
//!
//! Targets are ordered in *slots* with [`assign_waves`] (dependencies, k3s
//! `joins`, cross-layer `requires`, then the rolling constraints of
//! `quorum.rs`). Each slot becomes up to four plan waves: drain the k3s
//! nodes whose change restarts k3s or reboots, deploy and reconcile, wait
//! for nodes and Kustomizations to be Ready, uncordon. A slot's waves all end
//! before the next slot's begin, so ordering between slots carries over to
//! every step.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use strata_check::Analysis;
use strata_core::{EdgeKind, Graph, NodeId};

use crate::bootstrap::{
    cycle_error, flux_constraints, flux_kustomizations, host_command, reaches, reasons_for,
    reconcile_command,
};
use crate::quorum::{K3sClusters, K3sRole, quorum_reason, rolling_constraints};
use crate::steps::{
    drain_command, uncordon_command, wait_kustomization_command, wait_node_command,
};
use crate::{Action, Constraint, Plan, PlanError, PlanStep, assign_waves};

/// How a change is rolled out.
#[derive(Clone, Debug)]
pub struct ChangePlanOptions {
    /// How many k3s agents of one cluster may be drained or redeployed at
    /// once (`--max-unavailable`; 0 is read as 1). Servers always go one at
    /// a time.
    pub max_unavailable: usize,
    /// The hosts whose change restarts k3s or reboots (a k3s flag, the k3s
    /// package, the kernel), when the caller knows them; `None` means it
    /// does not, and every changed k3s node is drained first (except the
    /// only node of a cluster: its pods have nowhere to go).
    pub restarting: Option<BTreeSet<NodeId>>,
    /// `kubectl drain --timeout`.
    pub drain_timeout: Duration,
    /// How long a node or a Flux Kustomization may take to be Ready.
    pub ready_timeout: Duration,
}

impl Default for ChangePlanOptions {
    fn default() -> Self {
        ChangePlanOptions {
            max_unavailable: 1,
            restarting: None,
            drain_timeout: Duration::from_secs(600),
            ready_timeout: Duration::from_secs(600),
        }
    }
}

/// The plan that rolls out a change: a `deploy-host` step for each impacted
/// host, a `reconcile` step for each impacted Flux Kustomization (and for
/// the Kustomization applying each impacted object), with `drain` /
/// `uncordon` around k3s nodes whose change restarts k3s or reboots and
/// `wait` health gates after each.
///
/// **Invariant:** for every constraint between two targets, each step of the
/// dependency is in an earlier wave than every step of the dependent; at
/// most one k3s server of a cluster is between its first and last step in
/// any wave (so never more than ⌊(n−1)/2⌋ of n ≥ 3 are down), and at most
/// `max_unavailable` agents.
pub fn change_plan(
    analysis: &Analysis,
    impacted: &BTreeSet<NodeId>,
    options: &ChangePlanOptions,
) -> Result<Plan, PlanError> {
    let graph = &analysis.graph;
    let flux_kustomizations = flux_kustomizations(analysis);
    let applied_by = AppliedBy::new(graph, &flux_kustomizations);
    let hosts: BTreeSet<NodeId> = impacted
        .iter()
        .filter(|id| graph.node(id).is_some_and(|n| n.kind() == "host"))
        .cloned()
        .collect();
    // Kustomizations that changed, and those applying a changed object.
    let mut kustomizations: BTreeSet<NodeId> = BTreeSet::new();
    let mut applies_changed: BTreeMap<NodeId, Vec<&NodeId>> = BTreeMap::new();
    for id in impacted {
        let Some(node) = graph.node(id) else { continue };
        if flux_kustomizations.contains(id) {
            kustomizations.insert(id.clone());
        } else if node.kind() != "host" {
            for k in applied_by.kustomizations_applying(id) {
                kustomizations.insert(k.clone());
                applies_changed.entry(k.clone()).or_default().push(id);
            }
        }
    }
    let targets: BTreeSet<NodeId> = hosts.iter().chain(&kustomizations).cloned().collect();

    let mut constraints = Vec::new();
    for host in &hosts {
        for (server, kind) in graph.outgoing(host) {
            if kind == EdgeKind::Joins && hosts.contains(server) {
                constraints.push(Constraint {
                    before: server.clone(),
                    after: host.clone(),
                    reason: format!("joins the k3s cluster through {}", server.name()),
                });
            }
        }
    }
    constraints.extend(flux_constraints(graph, &kustomizations));
    requires_constraints(graph, &applied_by, &targets, &mut constraints);
    let clusters = K3sClusters::read(analysis);
    rolling_constraints(
        &clusters,
        &targets,
        &mut constraints,
        options.max_unavailable,
    )
    .map_err(|cycle| cycle_error(analysis, &cycle))?;
    let slots =
        assign_waves(&targets, &constraints).map_err(|cycle| cycle_error(analysis, &cycle))?;

    // (slot, phase) → steps; phases: 0 drain, 1 deploy/reconcile, 2 wait, 3 uncordon.
    let mut waves: BTreeMap<(usize, u8), Vec<PlanStep>> = BTreeMap::new();
    let mut put = |slot: usize, phase: u8, step: PlanStep| {
        waves.entry((slot, phase)).or_default().push(step);
    };
    for host in &hosts {
        let Some(facts) = analysis.nix.host(host.name()) else {
            continue;
        };
        let slot = slots[host];
        let mut reasons = reasons_for(host, &constraints);
        let member = clusters.member(host);
        if let Some(m) = member.filter(|m| m.role == K3sRole::Server) {
            reasons.insert(0, quorum_reason(clusters.servers[m.cluster]));
        }
        if reasons.is_empty() {
            reasons.push("nothing else this change touches must come first".to_string());
        }
        put(
            slot,
            1,
            PlanStep {
                action: Action::DeployHost,
                target: host.clone(),
                command: host_command(facts),
                reasons,
            },
        );
        let Some(member) = member else { continue };
        let name = &member.node_name;
        let restarts = options.restarting.as_ref().is_none_or(|r| r.contains(host));
        // Draining the only node moves its pods nowhere, and a
        // PodDisruptionBudget would only make the drain time out.
        let alone = clusters.nodes[member.cluster] == 1;
        if restarts && !alone {
            let why = if options.restarting.is_some() {
                "the change restarts k3s or reboots"
            } else {
                "the change may restart k3s or reboot (strata cannot tell which changes leave k3s running)"
            };
            put(
                slot,
                0,
                PlanStep {
                    action: Action::Drain,
                    target: host.clone(),
                    command: drain_command(name, options.drain_timeout),
                    reasons: vec![format!("{why}: move node {name}'s pods away first")],
                },
            );
            put(
                slot,
                3,
                PlanStep {
                    action: Action::Uncordon,
                    target: host.clone(),
                    command: uncordon_command(name),
                    reasons: vec![format!("node {name} is Ready again: let it take pods")],
                },
            );
        }
        put(
            slot,
            2,
            PlanStep {
                action: Action::Wait,
                target: host.clone(),
                command: wait_node_command(name, options.ready_timeout),
                reasons: vec![format!(
                    "health gate: node {name} must be Ready before the next wave"
                )],
            },
        );
    }
    for k in &kustomizations {
        let slot = slots[k];
        let mut reasons = reasons_for(k, &constraints);
        if let Some(objects) = applies_changed.get(k) {
            reasons.push(applies_reason(objects));
        }
        if reasons.is_empty() {
            reasons.push("nothing else this change touches must come first".to_string());
        }
        put(
            slot,
            1,
            PlanStep {
                action: Action::Reconcile,
                target: k.clone(),
                command: reconcile_command(k),
                reasons,
            },
        );
        put(
            slot,
            2,
            PlanStep {
                action: Action::Wait,
                target: k.clone(),
                command: wait_kustomization_command(k, options.ready_timeout),
                reasons: vec![format!(
                    "health gate: Kustomization {} must be Ready before the next wave",
                    k.name()
                )],
            },
        );
    }
    Ok(Plan::from_ordered_groups(waves))
}

/// "applies the changed X, Y and N more".
fn applies_reason(objects: &[&NodeId]) -> String {
    const SHOWN: usize = 3;
    let mut names: Vec<&str> = objects.iter().take(SHOWN).map(|o| o.as_str()).collect();
    let more = objects.len().saturating_sub(SHOWN);
    let more_text = format!("{more} more");
    if more > 0 {
        names.push(&more_text);
    }
    format!("applies the changed {}", names.join(", "))
}

/// Which Flux Kustomizations apply each object: up the `contains` edges
/// (through kustomize directories) to the first Flux Kustomization.
struct AppliedBy<'a> {
    /// The Flux Kustomizations of the analysis (read from the typed objects).
    flux_kustomizations: &'a BTreeSet<NodeId>,
    containers: BTreeMap<NodeId, Vec<NodeId>>,
}

impl<'a> AppliedBy<'a> {
    fn new(graph: &Graph, flux_kustomizations: &'a BTreeSet<NodeId>) -> Self {
        let mut containers: BTreeMap<NodeId, Vec<NodeId>> = BTreeMap::new();
        for edge in graph.edges() {
            if edge.kind == EdgeKind::Contains {
                containers.entry(edge.to).or_default().push(edge.from);
            }
        }
        AppliedBy {
            flux_kustomizations,
            containers,
        }
    }

    /// The nearest Flux Kustomizations above `id`, sorted.
    fn kustomizations_applying(&self, id: &NodeId) -> BTreeSet<&NodeId> {
        let mut found = BTreeSet::new();
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&NodeId> = self.containers.get(id).into_iter().flatten().collect();
        while let Some(up) = stack.pop() {
            if !seen.insert(up) {
                continue;
            }
            if self.flux_kustomizations.contains(up) {
                found.insert(up);
            } else {
                stack.extend(self.containers.get(up).into_iter().flatten());
            }
        }
        found
    }

    /// The plan targets that stand for `id`: itself, else the target
    /// Kustomizations applying it.
    fn units<'t>(&'t self, id: &'t NodeId, targets: &'t BTreeSet<NodeId>) -> Vec<&'t NodeId> {
        if targets.contains(id) {
            return vec![id];
        }
        self.kustomizations_applying(id)
            .into_iter()
            .filter(|k| targets.contains(*k))
            .collect()
    }
}

/// Cross-layer `requires` edges: what needs a host configuration (or a
/// cluster object) waits for the step that delivers it. A `requires` that
/// would close a cycle with what is already ordered orders nothing.
fn requires_constraints(
    graph: &Graph,
    applied_by: &AppliedBy<'_>,
    targets: &BTreeSet<NodeId>,
    constraints: &mut Vec<Constraint>,
) {
    for edge in graph.edges() {
        if edge.kind != EdgeKind::Requires {
            continue;
        }
        for needer in applied_by.units(&edge.from, targets) {
            for needed in applied_by.units(&edge.to, targets) {
                if needer != needed && !reaches(constraints, needer, needed) {
                    constraints.push(Constraint {
                        before: needed.clone(),
                        after: needer.clone(),
                        reason: format!("{} requires {}", edge.from, edge.to),
                    });
                }
            }
        }
    }
}
