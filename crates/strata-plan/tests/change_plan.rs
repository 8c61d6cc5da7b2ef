//! Change plans: only impacted targets, rolled through the k3s cluster
//! without losing etcd quorum, with Flux after what it requires.

mod common;

use std::collections::BTreeSet;

use common::{
    assert_before, assert_drain_order, assert_well_formed, fixture_analysis, most_at_once, wave_of,
};
use strata_core::NodeId;
use strata_plan::{Action, ChangePlanOptions, change_plan};

fn host(name: &str) -> NodeId {
    NodeId::host(name)
}

fn kustomization(name: &str) -> NodeId {
    NodeId::object("Kustomization", Some("flux-system"), name)
}

/// Each wave as "action target" lines, for exact comparisons.
fn outline(plan: &strata_plan::Plan) -> Vec<Vec<String>> {
    plan.waves
        .iter()
        .map(|w| {
            w.steps
                .iter()
                .map(|s| format!("{} {}", strata_plan::apply::action_name(s.action), s.target))
                .collect()
        })
        .collect()
}

/// A k3s flag changed on every server (the shared module, for the three
/// servers): one server per wave, each drained, deployed, waited for and
/// uncordoned before the next one starts.
#[test]
fn a_k3s_flag_change_on_all_servers_rolls_one_server_at_a_time() {
    let analysis = fixture_analysis("plan-rolling");
    let servers: BTreeSet<NodeId> = ["node-a", "node-b", "node-c"].map(host).into();
    let plan = change_plan(&analysis, &servers, &ChangePlanOptions::default()).unwrap();
    assert_well_formed(&plan);
    let mut expected = Vec::new();
    for name in ["node-a", "node-b", "node-c"] {
        for action in ["drain", "deploy-host", "wait", "uncordon"] {
            expected.push(vec![format!("{action} host/{name}")]);
        }
    }
    assert_eq!(outline(&plan), expected);
    for server in &servers {
        assert_drain_order(&plan, server);
    }
    assert_eq!(most_at_once(&plan, &servers), 1);
    let commands: Vec<String> = plan.steps().map(|s| s.command.join(" ")).collect();
    assert_eq!(
        commands[..4],
        [
            "kubectl drain node-a --ignore-daemonsets --delete-emptydir-data --timeout=600s",
            "colmena apply --on node-a switch",
            "kubectl wait --for=condition=Ready node/node-a --timeout=600s",
            "kubectl uncordon node-a",
        ]
    );
    let b = plan
        .steps()
        .find(|s| s.action == Action::DeployHost && s.target == host("node-b"))
        .unwrap();
    assert_eq!(
        b.reasons,
        [
            "one k3s server at a time: 3 servers keep etcd quorum with at most ⌊(3−1)/2⌋ = 1 down",
            "joins the k3s cluster through node-a",
            "k3s servers change one at a time (etcd quorum): after node-a",
        ]
    );
}

/// The agents go after the servers, `max_unavailable` at a time.
#[test]
fn agents_follow_the_servers_in_batches() {
    let analysis = fixture_analysis("plan-rolling");
    let all: BTreeSet<NodeId> = ["node-a", "node-b", "node-c", "node-d", "node-e"]
        .map(host)
        .into();
    let agents: BTreeSet<NodeId> = ["node-d", "node-e"].map(host).into();
    let one = change_plan(&analysis, &all, &ChangePlanOptions::default()).unwrap();
    assert_well_formed(&one);
    assert_eq!(most_at_once(&one, &agents), 1);
    assert_before(&one, &host("node-c"), &host("node-d"));
    assert_before(&one, &host("node-d"), &host("node-e"));
    let two = change_plan(
        &analysis,
        &all,
        &ChangePlanOptions {
            max_unavailable: 2,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(most_at_once(&two, &agents), 2);
    assert_eq!(
        wave_of(&two, &host("node-d"), Action::Drain),
        wave_of(&two, &host("node-e"), Action::Drain)
    );
    assert_eq!(
        two.waves.len(),
        16,
        "three servers and one batch of agents, 4 waves each"
    );
}

/// A change known not to restart k3s deploys without draining, still one
/// server at a time, with a health gate after each.
#[test]
fn no_drain_when_k3s_keeps_running() {
    let analysis = fixture_analysis("plan-rolling");
    let servers: BTreeSet<NodeId> = ["node-a", "node-b"].map(host).into();
    let options = ChangePlanOptions {
        restarting: Some(BTreeSet::new()),
        ..Default::default()
    };
    let plan = change_plan(&analysis, &servers, &options).unwrap();
    assert_eq!(
        outline(&plan),
        [
            ["deploy-host host/node-a"],
            ["wait host/node-a"],
            ["deploy-host host/node-b"],
            ["wait host/node-b"],
        ]
    );
}

/// A chart bump: the Kustomization applying the HelmRelease reconciles,
/// then its readiness is waited for; no host is touched.
#[test]
fn a_chart_bump_reconciles_the_kustomization_that_applies_it() {
    let analysis = fixture_analysis("plan-rolling");
    let release = NodeId::object("HelmRelease", Some("podinfo"), "podinfo");
    let plan = change_plan(&analysis, &[release].into(), &ChangePlanOptions::default()).unwrap();
    let commands: Vec<Vec<String>> = plan
        .waves
        .iter()
        .map(|w| w.steps.iter().map(|s| s.command.join(" ")).collect())
        .collect();
    assert_eq!(
        commands,
        [
            ["flux reconcile kustomization apps --with-source"],
            [
                "kubectl wait kustomizations.kustomize.toolkit.fluxcd.io/apps -n flux-system --for=condition=Ready --timeout=600s"
            ],
        ]
    );
    assert_eq!(
        plan.waves[0].steps[0].reasons,
        ["applies the changed HelmRelease/podinfo/podinfo"]
    );
}

/// Flux Kustomizations reconcile in `dependsOn` order, each after the
/// previous one is Ready.
#[test]
fn kustomizations_follow_depends_on() {
    let analysis = fixture_analysis("plan-rolling");
    let changed: BTreeSet<NodeId> = [kustomization("apps"), kustomization("infrastructure")].into();
    let plan = change_plan(&analysis, &changed, &ChangePlanOptions::default()).unwrap();
    assert_eq!(
        outline(&plan),
        [
            ["reconcile Kustomization/flux-system/infrastructure"],
            ["wait Kustomization/flux-system/infrastructure"],
            ["reconcile Kustomization/flux-system/apps"],
            ["wait Kustomization/flux-system/apps"],
        ]
    );
}

#[test]
fn nothing_impacted_is_an_empty_plan() {
    let analysis = fixture_analysis("plan-rolling");
    let plan = change_plan(&analysis, &BTreeSet::new(), &ChangePlanOptions::default()).unwrap();
    assert!(plan.waves.is_empty());
}
