//! The ordering and quorum invariants of change plans, on random graphs:
//! random k3s servers and agents joining them, hosts outside k3s, Flux
//! Kustomizations with random `dependsOn`, parents and `requires` edges to
//! hosts, and a random impacted set.

mod common;

use std::collections::BTreeSet;

use common::{assert_before, assert_drain_order, assert_well_formed, most_at_once, wave_of};
use proptest::prelude::*;
use strata_check::Analysis;
use strata_core::{EdgeKind, Graph, Location, Node, NodeId, Span};
use strata_flux::yaml::Yaml;
use strata_flux::{FluxTree, K8sObject, ObjectOrigin};
use strata_nix::{Fact, HostFacts, HostSource, K3sFacts, NixRepo};
use strata_plan::{Action, ChangePlanOptions, change_plan, tolerated_down};

/// A random repository, as its shape.
#[derive(Clone, Debug)]
struct Shape {
    servers: usize,
    agents: usize,
    others: usize,
    kustomizations: usize,
    /// For each joining node (servers after the first, then agents), which
    /// server it joins (taken modulo the servers before it).
    joins: Vec<usize>,
    /// (dependent, dependency) pairs among Kustomizations, only forward ones kept.
    depends_on: Vec<(usize, usize)>,
    /// (parent, child) pairs among Kustomizations, only forward ones kept.
    contains: Vec<(usize, usize)>,
    /// (Kustomization, host) pairs: an object it applies requires the host.
    requires: Vec<(usize, usize)>,
    /// Which of all targets changed (hosts first, then Kustomizations).
    impacted: Vec<bool>,
    max_unavailable: usize,
    /// Which hosts restart k3s (`None`: not known).
    restarting: Option<Vec<bool>>,
}

fn shape() -> impl Strategy<Value = Shape> {
    (1usize..7, 0usize..7, 0usize..3, 0usize..6).prop_flat_map(|(servers, agents, others, ks)| {
        let hosts = servers + agents + others;
        (
            proptest::collection::vec(0usize..100, servers + agents),
            proptest::collection::vec((0usize..6, 0usize..6), 0..8),
            proptest::collection::vec((0usize..6, 0usize..6), 0..4),
            proptest::collection::vec((0usize..6, 0usize..20), 0..6),
            proptest::collection::vec(any::<bool>(), hosts + ks),
            1usize..4,
            proptest::option::of(proptest::collection::vec(any::<bool>(), hosts)),
        )
            .prop_map(
                move |(
                    joins,
                    depends_on,
                    contains,
                    requires,
                    impacted,
                    max_unavailable,
                    restarting,
                )| {
                    Shape {
                        servers,
                        agents,
                        others,
                        kustomizations: ks,
                        joins,
                        depends_on,
                        contains,
                        requires,
                        impacted,
                        max_unavailable,
                        restarting,
                    }
                },
            )
    })
}

struct Built {
    analysis: Analysis,
    hosts: Vec<NodeId>,
    kustomizations: Vec<NodeId>,
}

fn known<T>(value: T) -> Fact<T> {
    Fact::Known {
        value,
        location: None,
    }
}

/// A Flux Kustomization as the plan reads it: the typed object.
fn flux_kustomization(id: &NodeId, name: &str) -> K8sObject {
    let location = Location::new(format!("clusters/home/{name}.yaml"), Span::new(0, 0));
    K8sObject {
        id: id.clone(),
        api_version: "kustomize.toolkit.fluxcd.io/v1".to_string(),
        kind: "Kustomization".to_string(),
        name: name.to_string(),
        namespace: Some("flux-system".to_string()),
        location,
        applied_by: None,
        refs: Vec::new(),
        doc: Yaml::null(Span::new(0, 0)).into(),
        patched: Vec::new(),
        sops_encrypted: false,
        generated: false,
        substitution: None,
        unset_variables: Vec::new(),
        invalid_substitutions: Vec::new(),
        cluster: None,
        origin: ObjectOrigin::Flux,
    }
}

fn build(shape: &Shape) -> Built {
    let mut graph = Graph::new();
    let mut nix = NixRepo::default();
    let mut hosts = Vec::new();
    let total = shape.servers + shape.agents + shape.others;
    for i in 0..total {
        let name = format!("h{i:02}");
        let id = NodeId::host(&name);
        graph.add_node(Node::new(id.clone(), None).attr("deploy_tool", "colmena"));
        let mut facts = HostFacts::new(&name, vec![HostSource::Colmena]);
        if i < shape.servers + shape.agents {
            let mut k3s = K3sFacts::unset();
            k3s.enable = known(true);
            k3s.role = known(if i < shape.servers { "server" } else { "agent" }.to_string());
            k3s.cluster_init = known(i == 0);
            facts.k3s = Some(k3s);
        }
        nix.hosts.push(facts);
        hosts.push(id);
    }
    for i in 1..shape.servers + shape.agents {
        let server = shape.joins[i] % i.min(shape.servers);
        graph.add_edge(&hosts[i], &hosts[server], EdgeKind::Joins, None);
    }
    let mut kustomizations = Vec::new();
    let mut flux = FluxTree::default();
    for k in 0..shape.kustomizations {
        let name = format!("k{k}");
        let id = NodeId::object("Kustomization", Some("flux-system"), &name);
        graph.add_node(Node::new(id.clone(), None));
        flux.objects.push(flux_kustomization(&id, &name));
        kustomizations.push(id);
    }
    flux.objects.sort_by(|a, b| a.id.cmp(&b.id));
    for &(a, b) in &shape.depends_on {
        if b < a && a < kustomizations.len() {
            graph.add_edge(
                &kustomizations[a],
                &kustomizations[b],
                EdgeKind::DependsOn,
                None,
            );
        }
    }
    for &(parent, child) in &shape.contains {
        if parent < child && child < kustomizations.len() {
            graph.add_edge(
                &kustomizations[parent],
                &kustomizations[child],
                EdgeKind::Contains,
                None,
            );
        }
    }
    for (n, &(k, h)) in shape.requires.iter().enumerate() {
        if k < kustomizations.len() && h < hosts.len() {
            // An object the Kustomization applies needs the host's configuration.
            let object = NodeId::object("ConfigMap", Some("default"), &format!("needs-{n}"));
            graph.add_node(Node::new(object.clone(), None));
            graph.add_edge(&kustomizations[k], &object, EdgeKind::Contains, None);
            graph.add_edge(&object, &hosts[h], EdgeKind::Requires, None);
        }
    }
    let analysis = Analysis {
        root: std::path::PathBuf::from("."),
        sources: Default::default(),
        graph,
        diagnostics: Vec::new(),
        suppressed: Vec::new(),
        nix,
        flux,
        evaluation: None,
        secrets: Vec::new(),
        secret_values: Vec::new(),
    };
    Built {
        analysis,
        hosts,
        kustomizations,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn change_plans_keep_order_and_quorum(shape in shape()) {
        let built = build(&shape);
        let all: Vec<&NodeId> = built.hosts.iter().chain(&built.kustomizations).collect();
        let impacted: BTreeSet<NodeId> = all
            .iter()
            .zip(&shape.impacted)
            .filter(|(_, changed)| **changed)
            .map(|(id, _)| (*id).clone())
            .collect();
        let restarting = shape.restarting.as_ref().map(|flags| {
            built.hosts.iter().zip(flags).filter(|(_, r)| **r).map(|(h, _)| h.clone()).collect()
        });
        let options = ChangePlanOptions {
            max_unavailable: shape.max_unavailable,
            restarting: restarting.clone(),
            ..Default::default()
        };
        let plan = change_plan(&built.analysis, &impacted, &options).unwrap();
        assert_well_formed(&plan);

        // Exactly the impacted targets, each deployed or reconciled once.
        let primary: Vec<&NodeId> = plan
            .steps()
            .filter(|s| matches!(s.action, Action::DeployHost | Action::Reconcile))
            .map(|s| &s.target)
            .collect();
        prop_assert_eq!(primary.len(), impacted.len());
        prop_assert_eq!(primary.into_iter().cloned().collect::<BTreeSet<_>>(), impacted.clone());

        // Ordering: every edge between two targets, its dependency first.
        for edge in built.analysis.graph.edges() {
            match edge.kind {
                EdgeKind::Joins | EdgeKind::DependsOn => assert_before(&plan, &edge.to, &edge.from),
                EdgeKind::Contains if built.kustomizations.contains(&edge.to) => {
                    assert_before(&plan, &edge.from, &edge.to)
                }
                EdgeKind::Requires => {
                    let applier = built
                        .analysis
                        .graph
                        .edges()
                        .find(|e| e.kind == EdgeKind::Contains && e.to == edge.from)
                        .map(|e| e.from);
                    if let Some(k) = applier {
                        assert_before(&plan, &edge.to, &k);
                    }
                }
                _ => {}
            }
        }

        // Quorum: at most one server of the cluster changing at once, which
        // is within ⌊(n−1)/2⌋ whenever n ≥ 3; agents max_unavailable at once.
        let servers: BTreeSet<NodeId> = built.hosts[..shape.servers].iter().cloned().collect();
        let agents: BTreeSet<NodeId> =
            built.hosts[shape.servers..shape.servers + shape.agents].iter().cloned().collect();
        let down = most_at_once(&plan, &servers);
        prop_assert!(down <= 1);
        if shape.servers >= 3 {
            prop_assert!(down <= tolerated_down(shape.servers));
        }
        prop_assert!(most_at_once(&plan, &agents) <= shape.max_unavailable);
        let k3s: BTreeSet<NodeId> = servers.union(&agents).cloned().collect();
        for server in servers.iter().filter(|s| impacted.contains(*s)) {
            for agent in agents.iter().filter(|a| impacted.contains(*a)) {
                assert_before(&plan, server, agent);
            }
        }

        // Drain before deploy, uncordon after, for exactly the k3s nodes
        // whose change restarts k3s.
        for host in &built.hosts {
            let drained = wave_of(&plan, host, Action::Drain).is_some();
            let expected = impacted.contains(host)
                && k3s.contains(host)
                && k3s.len() > 1
                && restarting.as_ref().is_none_or(|r: &BTreeSet<NodeId>| r.contains(host));
            prop_assert_eq!(drained, expected, "{} drained", host);
            if drained {
                assert_drain_order(&plan, host);
            }
        }
    }
}
