//! The typed cluster view: each k3s cluster of the Nix layer (its servers
//! and agents, their flags as typed settings, addresses, firewall, kernel and
//! storage prerequisites) joined with what the Flux tree deploys onto it
//! (CNI, load balancers and their pools, ingress controllers and the classes
//! they serve, storage systems, workloads with their placement and ports).
//!
//! Cross-layer rules, the graph's `requires` edges and the plan read this
//! view; none of them reads string-keyed graph attributes.
//!
//! **Invariant:** a Flux tree is joined to a k3s cluster only when the
//! pairing is unambiguous (one k3s cluster and one Flux cluster, or a Flux
//! cluster named after a node of the k3s cluster); otherwise the view's
//! [`ClusterView::deployed`] is empty and no cross-layer rule judges it.
//!
//! **Invariant:** everything here is recognised by what it is (chart names,
//! API kinds, container images), never by one repository's file or object
//! names.

pub mod components;
pub mod host_firewall;
pub mod host_support;
pub mod k3s_settings;
pub mod network;
pub mod node_fit;
pub mod placement;
pub(crate) mod requires;
pub mod storage_nodes;
pub mod values_placement;
pub mod virtual_ips;

use rayon::prelude::*;
use strata_core::Location;
use strata_flux::yaml::Yaml;
use strata_flux::{FluxTree, K8sObject};
use strata_nix::k3s::{self, K3sNode};
use strata_nix::{HostFacts, NixRepo};

pub use components::{
    AddressPool, ClusterDns, Cni, CniKind, IngressController, LoadBalancer, LoadBalancerKind,
    StorageSystem,
};
pub use k3s_settings::{K3sSettings, NodeLabel, NodeTaint, PackagedComponent, Setting};
pub use placement::{ExposedService, NodePortUse, NodeRequirement, Toleration, Workload};

use node_fit::NodeLabels;

use components::{
    INGRESS_CHARTS, ImageKind, STORAGE_CHARTS, chart_of, cni_of_chart, helm_values, value_bool,
    value_text,
};

/// One k3s node of a cluster view.
#[derive(Clone, Debug)]
pub struct ClusterNode<'a> {
    /// The host and how it joins (from `strata_nix::k3s`).
    pub topology: K3sNode<'a>,
    /// Its flags, typed.
    pub settings: K3sSettings,
}

impl<'a> ClusterNode<'a> {
    /// The host's facts (addresses, firewall, kernel modules, openiscsi…).
    pub fn host(&self) -> &'a HostFacts {
        self.topology.host
    }

    /// Whether it runs the k3s server (control plane).
    pub fn is_server(&self) -> bool {
        self.topology.server
    }

    /// The Kubernetes node name: `--node-name`, else `networking.hostName`,
    /// else the host's name.
    pub fn node_name(&self) -> String {
        let host = self.host();
        host.k3s
            .as_ref()
            .and_then(|k| {
                k.extra_flags
                    .iter()
                    .find_map(|f| match k3s_settings::split_flag(f) {
                        ("--node-name", Some(v)) => Some(v.to_string()),
                        _ => None,
                    })
            })
            .or_else(|| host.hostname.value().cloned())
            .unwrap_or_else(|| host.name.clone())
    }

    /// The labels the node registers with: `kubernetes.io/hostname`,
    /// `kubernetes.io/os`, `kubernetes.io/arch` (from the host's system), the
    /// control-plane role labels of a server, then `--node-label` and
    /// `services.k3s.nodeLabel`.
    pub fn labels(&self) -> Vec<(String, String)> {
        let mut labels = vec![
            ("kubernetes.io/hostname".to_string(), self.node_name()),
            ("kubernetes.io/os".to_string(), "linux".to_string()),
        ];
        let arch = self
            .host()
            .system
            .value()
            .and_then(|s| match s.split('-').next() {
                Some("x86_64") => Some("amd64"),
                Some("aarch64") => Some("arm64"),
                Some("armv7l") | Some("armv6l") => Some("arm"),
                Some("riscv64") => Some("riscv64"),
                _ => None,
            });
        if let Some(arch) = arch {
            labels.push(("kubernetes.io/arch".to_string(), arch.to_string()));
        }
        if self.is_server() {
            for role in ["control-plane", "master"] {
                labels.push((
                    format!("node-role.kubernetes.io/{role}"),
                    "true".to_string(),
                ));
            }
        }
        for l in &self.settings.node_labels {
            labels.push((l.value.key.clone(), l.value.value.clone()));
        }
        labels
    }

    /// Whether a workload's `nodeSelector` and required node affinity let
    /// it run here (labels only; taints are [`ClusterNode::tolerates`]'s).
    pub fn selected_by(&self, workload: &Workload<'_>) -> bool {
        let labels = self.labels();
        let has = |k: &str| {
            labels
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        let selector_ok = workload
            .node_selector
            .iter()
            .all(|(k, v, _)| has(k) == Some(v.as_str()));
        let affinity_ok = workload.required_node_terms.is_empty()
            || workload.required_node_terms.iter().any(|term| {
                term.iter().all(|r| {
                    let value = has(&r.key);
                    match r.operator.as_str() {
                        "In" => value.is_some_and(|v| r.values.iter().any(|x| x == v)),
                        "NotIn" => value.is_none_or(|v| !r.values.iter().any(|x| x == v)),
                        "Exists" => value.is_some(),
                        "DoesNotExist" => value.is_none(),
                        "Gt" | "Lt" => {
                            let (Some(v), Some(x)) = (
                                value.and_then(|v| v.parse::<i64>().ok()),
                                r.values.first().and_then(|x| x.parse::<i64>().ok()),
                            ) else {
                                return false;
                            };
                            if r.operator == "Gt" { v > x } else { v < x }
                        }
                        _ => false,
                    }
                })
            });
        selector_ok && affinity_ok
    }

    /// Whether a workload tolerates every `NoSchedule` / `NoExecute` taint
    /// of the node (`--node-taint`, `services.k3s.nodeTaint`).
    pub fn tolerates(&self, workload: &Workload<'_>) -> bool {
        self.settings
            .node_taints
            .iter()
            .filter(|t| t.value.effect != "PreferNoSchedule")
            .all(|t| {
                workload.tolerations.iter().any(|tol| {
                    let effect_ok = tol.effect.is_empty() || tol.effect == t.value.effect;
                    let key_ok = if tol.operator == "Exists" {
                        tol.key.is_empty() || tol.key == t.value.key
                    } else {
                        tol.key == t.value.key && tol.value == t.value.value
                    };
                    effect_ok && key_ok
                })
            })
    }

    /// Where its k3s settings are best pointed at: `extraFlags`, else
    /// `role`, else `enable`, else the host's declaration.
    pub fn k3s_location(&self) -> Option<Location> {
        let host = self.host();
        let k3s = host.k3s.as_ref()?;
        self.settings
            .flags_location
            .clone()
            .or_else(|| k3s.role.location().cloned())
            .or_else(|| k3s.enable.location().cloned())
            .or_else(|| host.location.clone())
    }
}

/// What the Flux tree deploys onto one cluster.
#[derive(Clone, Debug, Default)]
pub struct Deployed<'a> {
    /// CNIs that replace flannel.
    pub cnis: Vec<Cni<'a>>,
    /// Load balancers answering `LoadBalancer` Services.
    pub load_balancers: Vec<LoadBalancer<'a>>,
    /// Their address pools.
    pub pools: Vec<AddressPool<'a>>,
    /// Ingress controllers with their classes.
    pub ingress_controllers: Vec<IngressController<'a>>,
    /// `IngressClass` objects (a class exists; who serves it is its
    /// `spec.controller`).
    pub ingress_classes: Vec<&'a K8sObject>,
    /// Storage systems needing host support.
    pub storage: Vec<StorageSystem<'a>>,
    /// CoreDNS releases the tree deploys.
    pub dns: Vec<ClusterDns<'a>>,
    /// Virtual IPs the tree announces (kube-vip's `address` / `vip_address`),
    /// a front k3s nodes may join through.
    pub virtual_ips: Vec<VirtualIp<'a>>,
    /// Plain workloads with their placement and ports.
    pub workloads: Vec<Workload<'a>>,
    /// `NodePort` / `LoadBalancer` Services.
    pub services: Vec<ExposedService<'a>>,
    /// Every object deployed on the cluster.
    pub objects: Vec<&'a K8sObject>,
}

impl Deployed<'_> {
    /// Whether an IngressClass name is served: a controller serves it, or
    /// an `IngressClass` object of that name exists.
    pub fn serves_class(&self, class: &str) -> bool {
        self.ingress_controllers
            .iter()
            .any(|c| c.classes.iter().any(|k| k == class))
            || self.ingress_classes.iter().any(|o| o.name == class)
    }
}

/// A virtual IP a manifest announces.
#[derive(Clone, Debug)]
pub struct VirtualIp<'a> {
    /// The address.
    pub address: String,
    /// The object announcing it.
    pub object: &'a K8sObject,
    /// Where the address is written.
    pub location: Location,
}

/// A k3s cluster joined with what Flux deploys onto it.
#[derive(Clone, Debug)]
pub struct ClusterView<'a> {
    /// Its nodes, sorted by host name.
    pub nodes: Vec<ClusterNode<'a>>,
    /// The Flux cluster deployed onto it: `Some("")` for a repository's only
    /// Flux tree, `Some(name)` for one of several, `None` when no Flux tree
    /// is (unambiguously) its.
    pub flux_cluster: Option<String>,
    /// What that Flux tree deploys.
    pub deployed: Deployed<'a>,
    /// Each node's labels and taints, in the order of `nodes`: read once,
    /// every placement rule judges against them.
    pub labels: Vec<NodeLabels>,
    /// [`ClusterView::judged_keys`], made by the first rule that asks.
    judged_keys: std::sync::OnceLock<std::collections::BTreeSet<String>>,
}

impl<'a> ClusterView<'a> {
    /// Its servers.
    pub fn servers(&self) -> impl Iterator<Item = &ClusterNode<'a>> {
        self.nodes.iter().filter(|n| n.is_server())
    }

    /// Its agents.
    pub fn agents(&self) -> impl Iterator<Item = &ClusterNode<'a>> {
        self.nodes.iter().filter(|n| !n.is_server())
    }

    /// The label keys a placement is judged on: k3s's own, and every key
    /// any node sets (see [`node_fit::judged_keys`]); one set per view for
    /// every rule, not one per rule (on 10,000 nodes, 600,000 keys each).
    pub fn judged_keys(&self) -> &std::collections::BTreeSet<String> {
        self.judged_keys
            .get_or_init(|| node_fit::judged_keys(&self.labels))
    }

    /// Whether the servers' cluster-wide settings are all known (every flag
    /// of every server read, no configuration file).
    pub fn servers_complete(&self) -> bool {
        self.servers().all(|n| n.settings.complete)
    }
}

/// Every k3s cluster of the repository with what Flux deploys onto it.
pub fn cluster_views<'a>(nix: &'a NixRepo, flux: &'a FluxTree) -> Vec<ClusterView<'a>> {
    let clusters = k3s::clusters(nix);
    let flux_names: Vec<String> = flux.clusters.clone();
    let count = clusters.len();
    let mut views = Vec::new();
    for cluster in clusters {
        let flux_cluster = pair(&cluster, &flux_names, count);
        // Every node's flags and labels are read on every thread.
        let nodes: Vec<ClusterNode<'a>> = cluster
            .into_par_iter()
            .map(|topology| ClusterNode {
                settings: topology
                    .host
                    .k3s
                    .as_ref()
                    .map(K3sSettings::read)
                    .unwrap_or_default(),
                topology,
            })
            .collect();
        let deployed = match &flux_cluster {
            Some(name) => read_deployed(flux, name),
            None => Deployed::default(),
        };
        let labels = nodes.par_iter().map(NodeLabels::of).collect();
        views.push(ClusterView {
            labels,
            judged_keys: std::sync::OnceLock::new(),
            nodes,
            flux_cluster,
            deployed,
        });
    }
    views
}

/// Which Flux cluster deploys onto a k3s cluster: the only one when there
/// is one of each; else the Flux cluster named after one of its hosts.
fn pair(cluster: &[K3sNode<'_>], flux_names: &[String], k3s_clusters: usize) -> Option<String> {
    match flux_names {
        [] if k3s_clusters == 1 => Some(String::new()),
        [only] if k3s_clusters == 1 => Some(only.clone()),
        names => names
            .iter()
            .find(|n| {
                cluster
                    .iter()
                    .any(|node| node.host.name == **n || node.host.hostname.value() == Some(*n))
            })
            .cloned(),
    }
}

fn read_deployed<'a>(flux: &'a FluxTree, cluster: &str) -> Deployed<'a> {
    let all = &flux.objects;
    let mut d = Deployed::default();
    let of_cluster = |o: &&K8sObject| cluster.is_empty() || o.cluster.as_deref() == Some(cluster);
    d.objects = all.iter().filter(of_cluster).collect();
    let objects = d.objects.clone();
    for object in &objects {
        let object: &'a K8sObject = object;
        if let Some((chart, location)) = chart_of(object, all) {
            read_chart(&mut d, object, &chart, location);
        }
        for (kind, location) in components::image_kinds(object) {
            read_image(&mut d, object, kind, location);
        }
        for (address, location) in components::kube_vip_addresses(object) {
            d.virtual_ips.push(VirtualIp {
                address,
                object,
                location,
            });
        }
        let group = strata_flux::flux_kinds::api_group(&object.api_version);
        match (group, object.kind.as_str()) {
            ("metallb.io", "IPAddressPool") => {
                let addresses = strings_at(object, "spec.addresses");
                d.pools.push(AddressPool {
                    kind: LoadBalancerKind::MetalLb,
                    object,
                    addresses,
                    layer2: metallb_l2(&objects, object),
                });
                push_lb(
                    &mut d,
                    LoadBalancerKind::MetalLb,
                    object,
                    object.location.clone(),
                );
            }
            ("cilium.io", "CiliumLoadBalancerIPPool") => {
                let mut addresses = strings_at(object, "spec.cidrs.*.cidr");
                addresses.extend(strings_at(object, "spec.blocks.*.cidr"));
                for block in object
                    .doc
                    .path("spec.blocks")
                    .map(Yaml::as_seq)
                    .unwrap_or(&[])
                {
                    if let (Some(start), Some(stop)) = (
                        block.get("start").and_then(Yaml::as_str),
                        block.get("stop").and_then(Yaml::as_str),
                    ) {
                        addresses.push(Setting {
                            value: format!("{start}-{stop}"),
                            location: block.get("start").map(|n| object.location_at(n)),
                        });
                    }
                }
                let layer2 = objects
                    .iter()
                    .any(|o| o.kind == "CiliumL2AnnouncementPolicy");
                d.pools.push(AddressPool {
                    kind: LoadBalancerKind::CiliumLbIpam,
                    object,
                    addresses,
                    layer2,
                });
                push_lb(
                    &mut d,
                    LoadBalancerKind::CiliumLbIpam,
                    object,
                    object.location.clone(),
                );
            }
            ("networking.k8s.io", "IngressClass") => d.ingress_classes.push(object),
            _ => {}
        }
        if let Some(w) = placement::workload(object) {
            d.workloads.push(w);
        }
        if let Some(s) = placement::exposed_service(object) {
            d.services.push(s);
        }
    }
    d
}

/// Whether a MetalLB pool is announced in layer 2: an `L2Advertisement`
/// that selects no pools (all of them) or names this one.
fn metallb_l2(objects: &[&K8sObject], pool: &K8sObject) -> bool {
    objects.iter().any(|o| {
        o.kind == "L2Advertisement"
            && o.namespace == pool.namespace
            && match o.doc.path("spec.ipAddressPools") {
                Some(names) => names
                    .as_seq()
                    .iter()
                    .any(|n| n.as_str() == Some(&pool.name)),
                None => o.doc.path("spec.ipAddressPoolSelectors").is_none(),
            }
    })
}

/// Strings at a path where `*` walks every item of a sequence.
fn strings_at(object: &K8sObject, path: &str) -> Vec<Setting<String>> {
    fn walk<'y>(node: &'y Yaml, parts: &[&str], out: &mut Vec<&'y Yaml>) {
        match parts.split_first() {
            None => match node.as_seq() {
                [] => out.push(node),
                items => out.extend(items.iter()),
            },
            Some((&"*", rest)) => {
                for item in node.as_seq() {
                    walk(item, rest, out);
                }
            }
            Some((key, rest)) => {
                if let Some(next) = node.get(key) {
                    walk(next, rest, out);
                }
            }
        }
    }
    let parts: Vec<&str> = path.split('.').collect();
    let mut nodes = Vec::new();
    walk(&object.doc, &parts, &mut nodes);
    nodes
        .into_iter()
        .filter_map(|n| {
            let text = n.as_str()?;
            (!text.contains("${")).then(|| Setting {
                value: text.to_string(),
                location: Some(object.location_at(n)),
            })
        })
        .collect()
}

fn push_lb<'a>(
    d: &mut Deployed<'a>,
    kind: LoadBalancerKind,
    object: &'a K8sObject,
    location: Location,
) {
    d.load_balancers.push(LoadBalancer {
        kind,
        object,
        location,
    });
}

fn read_chart<'a>(d: &mut Deployed<'a>, object: &'a K8sObject, chart: &str, location: Location) {
    let (values, complete) = helm_values(object);
    if let Some(kind) = cni_of_chart(chart) {
        let mut pod_cidrs = Vec::new();
        let mut kube_proxy_replacement = None;
        let mut ipam_mode = None;
        match kind {
            CniKind::Cilium => {
                for path in [
                    "ipam.operator.clusterPoolIPv4PodCIDRList",
                    "ipam.operator.clusterPoolIPv4PodCIDR",
                ] {
                    pod_cidrs.extend(value_strings(object, values, path));
                }
                ipam_mode = value_text(values, "ipam.mode").map(|(t, _)| t);
                kube_proxy_replacement =
                    value_bool(values, "kubeProxyReplacement").map(|(v, n)| Setting {
                        value: v,
                        location: Some(object.location_at(n)),
                    });
                if value_bool(values, "ingressController.enabled").is_some_and(|(v, _)| v) {
                    let class = value_text(values, "ingressController.ingressClassName")
                        .map_or("cilium".to_string(), |(t, _)| t);
                    d.ingress_controllers.push(IngressController {
                        name: "cilium",
                        object,
                        location: location.clone(),
                        classes: vec![class],
                    });
                }
            }
            CniKind::Calico => {
                pod_cidrs.extend(value_strings(
                    object,
                    values,
                    "installation.calicoNetwork.ipPools.*.cidr",
                ));
            }
        }
        d.cnis.push(Cni {
            kind,
            object,
            location: location.clone(),
            pod_cidrs,
            kube_proxy_replacement,
            ipam_mode,
            values_complete: complete,
        });
    }
    if chart == "coredns" {
        d.dns.push(ClusterDns {
            object,
            cluster_ip: value_text(values, "service.clusterIP").map(|(t, n)| Setting {
                value: t,
                location: Some(object.location_at(n)),
            }),
        });
    }
    match chart {
        "metallb" => push_lb(d, LoadBalancerKind::MetalLb, object, location.clone()),
        "kube-vip-cloud-provider" => {
            push_lb(d, LoadBalancerKind::KubeVip, object, location.clone())
        }
        "kube-vip" if value_bool(values, "env.svc_enable").is_some_and(|(v, _)| v) => {
            push_lb(d, LoadBalancerKind::KubeVip, object, location.clone());
        }
        _ => {}
    }
    if let Some((_, name, default_class, paths)) = INGRESS_CHARTS.iter().find(|(c, ..)| *c == chart)
    {
        let class = paths
            .iter()
            .find_map(|p| value_text(values, p))
            .map_or(default_class.to_string(), |(t, _)| t);
        d.ingress_controllers.push(IngressController {
            name,
            object,
            location: location.clone(),
            classes: vec![class],
        });
    }
    if let Some((_, name, iscsi, nfs)) = STORAGE_CHARTS.iter().find(|(c, ..)| *c == chart) {
        let replicas = [
            "persistence.defaultClassReplicaCount",
            "defaultSettings.defaultReplicaCount",
        ]
        .iter()
        .find_map(|p| {
            let (text, node) = value_text(values, p)?;
            Some(Setting {
                value: text.parse().ok()?,
                location: Some(object.location_at(node)),
            })
        });
        d.storage.push(StorageSystem {
            name,
            object,
            location,
            needs_iscsi: *iscsi,
            needs_nfs: *nfs,
            replicas: if *name == "longhorn" { replicas } else { None },
            values_complete: complete,
        });
    }
}

/// A values entry that is a string (comma-separated allowed) or a list.
fn value_strings(object: &K8sObject, values: Option<&Yaml>, path: &str) -> Vec<Setting<String>> {
    let Some(values) = values else {
        return Vec::new();
    };
    let mut nodes: Vec<&Yaml> = Vec::new();
    let parts: Vec<&str> = path.split('.').collect();
    fn walk<'y>(node: &'y Yaml, parts: &[&str], out: &mut Vec<&'y Yaml>) {
        match parts.split_first() {
            None => match node.as_seq() {
                [] => out.push(node),
                items => out.extend(items.iter()),
            },
            Some((&"*", rest)) => node.as_seq().iter().for_each(|i| walk(i, rest, out)),
            Some((key, rest)) => {
                if let Some(next) = node.get(key) {
                    walk(next, rest, out);
                }
            }
        }
    }
    walk(values, &parts, &mut nodes);
    nodes
        .into_iter()
        .filter_map(|n| Some((n.as_str()?, n)))
        .filter(|(t, _)| !t.contains("${"))
        .flat_map(|(t, n)| {
            t.split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| Setting {
                    value: p.to_string(),
                    location: Some(object.location_at(n)),
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

fn read_image<'a>(
    d: &mut Deployed<'a>,
    object: &'a K8sObject,
    kind: ImageKind,
    location: Location,
) {
    match kind {
        ImageKind::Cni(kind) => d.cnis.push(Cni {
            kind,
            object,
            location,
            pod_cidrs: Vec::new(),
            kube_proxy_replacement: None,
            ipam_mode: None,
            values_complete: false,
        }),
        ImageKind::LoadBalancer(kind) => push_lb(d, kind, object, location),
        ImageKind::Ingress(name, class) => d.ingress_controllers.push(IngressController {
            name,
            object,
            location,
            classes: ingress_args_class(object).unwrap_or_else(|| vec![class.to_string()]),
        }),
        ImageKind::Storage(name, iscsi, nfs) => d.storage.push(StorageSystem {
            name,
            object,
            location,
            needs_iscsi: iscsi,
            needs_nfs: nfs,
            replicas: None,
            values_complete: false,
        }),
    }
}

/// `--ingress-class=NAME` in an ingress-nginx controller's arguments.
fn ingress_args_class(object: &K8sObject) -> Option<Vec<String>> {
    let spec = crate::rules::flux::workloads::pod_spec(object)?;
    for c in crate::rules::flux::workloads::containers(spec, false) {
        for arg in c.get("args").map(Yaml::as_seq).unwrap_or(&[]) {
            if let Some(class) = arg
                .as_str()
                .and_then(|a| a.strip_prefix("--ingress-class="))
            {
                return Some(vec![class.to_string()]);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::testing::*;

    /// The example homelab: three servers, MetalLB with one L2 pool,
    /// ingress-nginx, Longhorn, every server disabling servicelb and traefik.
    #[test]
    fn example_homelab_view() {
        let analysis = analyze_example();
        let views = analysis.cluster_views();
        assert_eq!(views.len(), 1);
        let view = &views[0];
        assert_eq!(view.servers().count(), 3);
        assert!(view.servers_complete());
        for server in view.servers() {
            assert!(
                server
                    .settings
                    .disables(super::PackagedComponent::ServiceLb)
                    .is_some()
            );
        }
        let d = &view.deployed;
        let lbs: Vec<_> = d.load_balancers.iter().map(|l| l.kind.as_str()).collect();
        assert!(lbs.contains(&"MetalLB"), "{lbs:?}");
        assert_eq!(d.pools.len(), 1);
        assert!(d.pools[0].layer2);
        assert_eq!(
            d.pools[0].addresses[0].value,
            "192.168.50.200-192.168.50.220"
        );
        let classes: Vec<_> = d
            .ingress_controllers
            .iter()
            .map(|c| (c.name, c.classes.clone()))
            .collect();
        assert_eq!(classes, [("ingress-nginx", vec!["nginx".to_string()])]);
        let storage: Vec<_> = d.storage.iter().map(|s| s.name).collect();
        assert_eq!(storage, ["longhorn"]);
    }
}
