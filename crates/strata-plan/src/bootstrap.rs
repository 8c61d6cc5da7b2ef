//! The full bootstrap plan: every host, then every Flux Kustomization.

use std::collections::{BTreeMap, BTreeSet};

use strata_check::Analysis;
use strata_core::{Code, Diagnostic, EdgeKind, Graph, NodeId};
use strata_flux::flux_kinds::is_flux_kustomization;
use strata_nix::HostFacts;
use strata_nix::k3s::{self, Join, K3sNode};

use crate::{Action, Constraint, Plan, PlanError, PlanStep, assign_waves};

/// Shown on the cluster-init server's step (the contract's wording).
const CLUSTER_INIT_REASON: &str = "k3s cluster-init server: every other node joins it";

/// The plan that brings the repository up from nothing: hosts ordered along
/// k3s `joins` (the cluster-init server alone first, further servers one per
/// wave because etcd admits one learner at a time), then Flux Kustomizations
/// in `dependsOn` / parent / source order once the cluster exists.
pub fn bootstrap_plan(analysis: &Analysis) -> Result<Plan, PlanError> {
    let graph = &analysis.graph;
    let nix = &analysis.nix;
    let hosts: Vec<&HostFacts> = nix
        .hosts
        .iter()
        .filter(|h| graph.contains(&NodeId::host(&h.name)))
        .collect();
    let flux_targets = flux_kustomizations(analysis);

    let topology: Vec<K3sNode<'_>> = k3s::clusters(nix).into_iter().flatten().collect();
    let host_constraints = host_constraints(&topology);
    let host_targets: BTreeSet<NodeId> = hosts.iter().map(|h| NodeId::host(&h.name)).collect();
    let host_waves = assign_waves(&host_targets, &host_constraints)
        .map_err(|cycle| cycle_error(analysis, &cycle))?;

    let flux_constraints = flux_constraints(graph, &flux_targets);
    let flux_waves = assign_waves(&flux_targets, &flux_constraints)
        .map_err(|cycle| cycle_error(analysis, &cycle))?;
    let required = required_hosts(graph, &flux_targets, &host_targets);

    // The cluster exists once every host is up: Flux comes after the last
    // host wave, which also puts every host a reconcile `requires` first.
    let offset = host_waves.values().max().map_or(0, |w| w + 1);
    let mut waves: BTreeMap<usize, Vec<PlanStep>> = BTreeMap::new();
    for host in &hosts {
        let id = NodeId::host(&host.name);
        let reasons = host_reasons(host, &topology, &host_constraints);
        waves.entry(host_waves[&id]).or_default().push(PlanStep {
            action: Action::DeployHost,
            target: id,
            command: host_command(host),
            reasons,
        });
    }
    for k in &flux_targets {
        let mut reasons = reasons_for(k, &flux_constraints);
        reasons.extend(reasons_for(k, &required));
        if reasons.is_empty() {
            reasons.push(if hosts.is_empty() {
                "nothing else in the repository must come first".to_string()
            } else {
                "runs on the cluster the hosts form: after every host is deployed".to_string()
            });
        }
        waves
            .entry(offset + flux_waves[k])
            .or_default()
            .push(PlanStep {
                action: Action::Reconcile,
                target: k.clone(),
                command: reconcile_command(k),
                reasons,
            });
    }
    Ok(Plan::from_ordered_groups(waves))
}

/// The Flux Kustomizations of the graph (not kustomize `kustomization.yaml`
/// files), read from the typed Flux objects.
pub(crate) fn flux_kustomizations(analysis: &Analysis) -> BTreeSet<NodeId> {
    analysis
        .flux
        .objects
        .iter()
        .filter(|o| is_flux_kustomization(&o.api_version, &o.kind))
        .map(|o| o.id.clone())
        .filter(|id| analysis.graph.contains(id))
        .collect()
}

fn host_constraints(topology: &[K3sNode<'_>]) -> Vec<Constraint> {
    let mut constraints = Vec::new();
    let mut joining_servers = Vec::new();
    for node in topology {
        let Join::Server(server) = &node.join else {
            continue;
        };
        let id = NodeId::host(&node.host.name);
        constraints.push(Constraint {
            before: NodeId::host(&server.name),
            after: id.clone(),
            reason: format!("joins the k3s cluster through {}", server.name),
        });
        if node.server {
            joining_servers.push(id);
        }
    }
    joining_servers.sort();
    joining_servers.dedup();
    for pair in joining_servers.windows(2) {
        constraints.push(Constraint {
            before: pair[0].clone(),
            after: pair[1].clone(),
            reason: format!(
                "etcd admits one learner at a time, so k3s servers join one by one (k3s-io/k3s#4335): after {}",
                pair[0].name()
            ),
        });
    }
    constraints
}

/// Kustomizations whose applied objects `require` a host's configuration
/// (servicelb disabled for MetalLB, open-iscsi for Longhorn…): the host's
/// deploy comes first, for the edge's reason.
fn required_hosts(
    graph: &Graph,
    kustomizations: &BTreeSet<NodeId>,
    hosts: &BTreeSet<NodeId>,
) -> Vec<Constraint> {
    let mut constraints = Vec::new();
    for k in kustomizations {
        let applied = std::iter::once(k).chain(
            graph
                .outgoing(k)
                .filter(|(to, kind)| *kind == EdgeKind::Contains && !kustomizations.contains(*to))
                .map(|(to, _)| to),
        );
        // One reason per object and why, naming every host it requires.
        let mut needs: BTreeMap<(&NodeId, &str), Vec<&NodeId>> = BTreeMap::new();
        for object in applied {
            for (host, kind) in graph.outgoing(object) {
                if kind != EdgeKind::Requires || !hosts.contains(host) {
                    continue;
                }
                let why = graph
                    .edge_reason(object, host, EdgeKind::Requires)
                    .unwrap_or("needs its configuration");
                needs.entry((object, why)).or_default().push(host);
            }
        }
        for ((object, why), needed) in needs {
            let names: Vec<&str> = needed.iter().map(|h| h.name()).collect();
            let reason = format!("{object} requires {}: {why}", names.join(", "));
            for host in needed {
                constraints.push(Constraint {
                    before: host.clone(),
                    after: k.clone(),
                    reason: reason.clone(),
                });
            }
        }
    }
    constraints
}

fn host_reasons(
    host: &HostFacts,
    topology: &[K3sNode<'_>],
    constraints: &[Constraint],
) -> Vec<String> {
    let mut reasons = Vec::new();
    if topology
        .iter()
        .any(|n| n.host.name == host.name && n.cluster_init)
    {
        reasons.push(CLUSTER_INIT_REASON.to_string());
    }
    reasons.extend(reasons_for(&NodeId::host(&host.name), constraints));
    if reasons.is_empty() {
        reasons.push("no other host must be deployed first".to_string());
    }
    if host.deploy_tool() == "packages" {
        reasons.push("a package set, not NixOS: after the copy, activate it on the host with `nix-env --set`".to_string());
    }
    reasons
}

pub(crate) fn reasons_for(target: &NodeId, constraints: &[Constraint]) -> Vec<String> {
    let mut reasons: Vec<String> = constraints
        .iter()
        .filter(|c| &c.after == target)
        .map(|c| c.reason.clone())
        .collect();
    reasons.sort();
    reasons.dedup();
    reasons
}

/// Ordering between Flux Kustomizations: explicit `dependsOn`, a parent that
/// applies a child, and (when it adds no cycle) a Kustomization whose objects
/// need objects another Kustomization applies (a chart source, a HelmRelease
/// `dependsOn`).
pub(crate) fn flux_constraints(graph: &Graph, targets: &BTreeSet<NodeId>) -> Vec<Constraint> {
    let mut constraints = Vec::new();
    for k in targets {
        for (to, kind) in graph.outgoing(k) {
            if targets.contains(to) && to != k && kind == EdgeKind::DependsOn {
                constraints.push(Constraint {
                    before: to.clone(),
                    after: k.clone(),
                    reason: format!("dependsOn {}", to.name()),
                });
            }
        }
    }
    for (parent, child) in applies_in_creation_order(graph, targets) {
        // A Kustomization whose path also holds one of its ancestors (a
        // `path` that includes itself) applies that ancestor again; Flux
        // does not wait on it, so it orders nothing and is no cycle (lint's
        // FLUX018 reports the object applied twice).
        if !reaches(&constraints, &child, &parent) {
            constraints.push(Constraint {
                before: parent.clone(),
                after: child,
                reason: format!("applied by {}", parent.name()),
            });
        }
    }
    // Which Kustomization applies each object.
    let mut owner: BTreeMap<&NodeId, &NodeId> = BTreeMap::new();
    for k in targets {
        for (object, kind) in graph.outgoing(k) {
            if kind == EdgeKind::Contains && !targets.contains(object) {
                owner.entry(object).or_insert(k);
            }
        }
    }
    let mut implicit = Vec::new();
    // Each applied object needs what it references; so does each
    // Kustomization itself (its source, its `substituteFrom` ConfigMaps).
    let needers = owner
        .iter()
        .map(|(object, k)| (*object, *k))
        .chain(targets.iter().map(|k| (k, k)));
    for (object, k) in needers {
        for (needed, kind) in graph.outgoing(object) {
            if !matches!(kind, EdgeKind::DependsOn | EdgeKind::Source) {
                continue;
            }
            let Some(j) = owner
                .get(needed)
                .copied()
                .or_else(|| targets.contains(needed).then_some(needed))
            else {
                continue;
            };
            if j != k {
                implicit.push(Constraint {
                    before: j.clone(),
                    after: k.clone(),
                    reason: format!("{} needs {}, applied by {}", object, needed, j.name()),
                });
            }
        }
    }
    implicit.sort();
    for c in implicit {
        // One reason per ordered pair: an explicit `dependsOn` or parent
        // already says why, and the first object-level reason is enough.
        let known = constraints
            .iter()
            .any(|k| k.before == c.before && k.after == c.after);
        if !known && !reaches(&constraints, &c.after, &c.before) {
            constraints.push(c);
        }
    }
    constraints
}

/// The `contains` edges between Kustomizations, those that create an object
/// first: breadth-first from the Kustomizations nothing applies (the sync
/// roots), then whatever only a cycle of applies reaches, by id.
fn applies_in_creation_order(graph: &Graph, targets: &BTreeSet<NodeId>) -> Vec<(NodeId, NodeId)> {
    let children = |k: &NodeId| -> Vec<NodeId> {
        graph
            .outgoing(k)
            .filter(|(to, kind)| *kind == EdgeKind::Contains && targets.contains(*to) && *to != k)
            .map(|(to, _)| to.clone())
            .collect()
    };
    let applied: BTreeSet<NodeId> = targets.iter().flat_map(children).collect();
    let starts = targets.difference(&applied).chain(&applied);
    let mut visited = BTreeSet::new();
    let mut edges = Vec::new();
    for start in starts {
        let mut queue = std::collections::VecDeque::from([start.clone()]);
        while let Some(k) = queue.pop_front() {
            if !visited.insert(k.clone()) {
                continue;
            }
            for child in children(&k) {
                edges.push((k.clone(), child.clone()));
                queue.push_back(child);
            }
        }
    }
    edges
}

/// Whether `from` already comes before `to` along the constraints (so adding
/// `to` before `from` would close a cycle).
pub(crate) fn reaches(constraints: &[Constraint], from: &NodeId, to: &NodeId) -> bool {
    let mut stack = vec![from];
    let mut seen = BTreeSet::new();
    while let Some(n) = stack.pop() {
        if n == to {
            return true;
        }
        if seen.insert(n) {
            stack.extend(
                constraints
                    .iter()
                    .filter(|c| &c.before == n)
                    .map(|c| &c.after),
            );
        }
    }
    false
}

/// The argv that deploys a host with the tool the repository declares.
pub(crate) fn host_command(host: &HostFacts) -> Vec<String> {
    let name = host.name.as_str();
    let target = host.deploy_target().unwrap_or_else(|| name.to_string());
    match host.deploy_tool() {
        "colmena" => vec![
            "colmena".into(),
            "apply".into(),
            "--on".into(),
            name.into(),
            "switch".into(),
        ],
        "deploy-rs" => vec!["deploy".into(), format!(".#{name}")],
        // A package set on a non-NixOS host: copy its closure there; the
        // reasons say how it is activated (`nix-env --set` on the host).
        "packages" => {
            let system = host.system.value().map_or("x86_64-linux", String::as_str);
            vec![
                "nix".into(),
                "copy".into(),
                "--to".into(),
                format!("ssh-ng://{target}"),
                format!(".#packages.{system}.{name}"),
            ]
        }
        _ => vec![
            "nixos-rebuild".into(),
            "switch".into(),
            "--flake".into(),
            format!(".#{name}"),
            "--target-host".into(),
            format!("root@{target}"),
        ],
    }
}

/// `flux reconcile kustomization NAME --with-source`, with `--namespace`
/// unless it is flux's default `flux-system`.
pub(crate) fn reconcile_command(id: &NodeId) -> Vec<String> {
    let mut argv: Vec<String> = vec![
        "flux".into(),
        "reconcile".into(),
        "kustomization".into(),
        id.name().into(),
    ];
    if let Some(ns) = id.namespace().filter(|ns| *ns != "flux-system") {
        argv.push("--namespace".into());
        argv.push(ns.into());
    }
    argv.push("--with-source".into());
    argv
}

pub(crate) fn cycle_error(analysis: &Analysis, cycle: &[NodeId]) -> PlanError {
    let known: Vec<Diagnostic> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::DependsOnCycle)
        .cloned()
        .collect();
    if !known.is_empty() {
        return PlanError { diagnostics: known };
    }
    let names: Vec<&str> = cycle.iter().map(NodeId::as_str).collect();
    PlanError {
        diagnostics: vec![
            Diagnostic::new(
                Code::DependsOnCycle,
                format!("these steps wait for each other: {}", names.join(", ")),
            )
            .help("break the cycle; `strata lint` shows where each dependency is declared"),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Host waves come before the reconciles that `require` them, and the
    /// reconcile says which host configuration it needs.
    #[test]
    fn reconciles_follow_the_hosts_they_require() {
        let root = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
        let options = strata_check::Options {
            eval: strata_check::EvalMode::Static,
            ..Default::default()
        };
        let analysis = strata_check::analyze(&root, &options).unwrap();
        let plan = bootstrap_plan(&analysis).unwrap();
        let controllers = NodeId::from_raw("Kustomization/flux-system/infrastructure-controllers");
        let step = plan.steps().find(|s| s.target == controllers).unwrap();
        assert!(step.reasons.iter().any(|r| r.starts_with(
            "HelmRelease/metallb-system/metallb requires homelab-0, homelab-1, homelab-2: MetalLB"
        )));
        for host in ["homelab-0", "homelab-1", "homelab-2"] {
            assert!(plan.wave_of(&NodeId::host(host)) < plan.wave_of(&controllers));
        }
    }
}
